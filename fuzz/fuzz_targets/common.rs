//! Fixed keys and names shared by the fuzz targets and the seed generator. Everything is fixed,
//! not random, so a run is reproducible and a crasher replays the same way later.

#![allow(dead_code)]

use automerge::ReadDoc;
use crdt_core::engine::parse_changes;
use crdt_core::{ActorId, GroupDoc, GroupSecret, Signatures, Signer, Uuid};

pub const GROUP: Uuid = Uuid::from_u128(0x0195_0000_0000_7000_8000_0000_0000_f022);
pub const SECRET: [u8; 32] = [7; 32];
/// The receiving device's private key, the record key of `NEED`'s contact details, and that need.
pub const DEVICE_KEY: [u8; 32] = [9; 32];
pub const RECORD_KEY: [u8; 32] = [5; 32];
pub const NEED: Uuid = Uuid::from_u128(0x0195_0000_0000_7000_8000_0000_0000_0eed);

pub fn secret() -> GroupSecret {
    GroupSecret::from_bytes(SECRET)
}

/// The device that receives the fuzzed bytes.
pub fn receiver() -> Signer {
    Signer::from_bytes(&[4; 32])
}

/// The device the seeds come from.
pub fn sender() -> Signer {
    Signer::from_bytes(&[3; 32])
}

fn signer_of(actor: &ActorId) -> Option<Signer> {
    [sender(), receiver()].into_iter().find(|signer| signer.actor() == *actor)
}

/// Signs each change in `bytes` (saves or change chunks) by the sender or the receiver as its
/// author would, as a modified app can: fuzzed changes so reach the checks past the signature.
pub fn sign_changes(bytes: &[u8]) -> Signatures {
    let changes = parse_changes(bytes).unwrap_or_default();
    changes.iter().filter_map(|c| Some((c.hash(), signer_of(c.actor_id())?.sign(GROUP, &c.hash())))).collect()
}

/// The signatures of `doc`'s changes `hashes`, for a sync session's `next_frame`.
pub fn sign_hashes(doc: &GroupDoc, hashes: &[automerge::ChangeHash]) -> crdt_core::Result<Signatures> {
    Ok(hashes
        .iter()
        .filter_map(|hash| Some((*hash, signer_of(doc.automerge().get_change_by_hash(hash)?.actor_id())?.sign(GROUP, hash))))
        .collect())
}
