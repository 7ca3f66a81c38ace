//! Signed changes. Every device signs each change it makes with its own Ed25519 key, and its
//! automerge actor id *is* that key's public half, so a change names the key that must have
//! signed it. The signature covers a domain label, the group id and the change's hash (which
//! covers its actor, sequence number, dependencies and operations). Signatures travel beside
//! the changes, never inside the document: a store table, a sync frame, a bundle section.

use std::collections::BTreeMap;

use automerge::{ActorId, ChangeHash};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use uuid::Uuid;

const LABEL: &[u8] = b"aidmesh change signature v1";
const RECORD: usize = 32 + Signature::BYTE_SIZE;

/// A device's signing key; its public half is the device's automerge actor id.
#[derive(Clone)]
pub struct Signer(SigningKey);

impl Signer {
    pub fn generate() -> Signer {
        Signer(SigningKey::from_bytes(&rand::random()))
    }

    pub fn from_bytes(bytes: &[u8; 32]) -> Signer {
        Signer(SigningKey::from_bytes(bytes))
    }

    pub fn private_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The actor id this device writes changes as.
    pub fn actor(&self) -> ActorId {
        ActorId::from(self.0.verifying_key().to_bytes())
    }

    pub fn sign(&self, group: Uuid, change: &ChangeHash) -> [u8; 64] {
        self.0.sign(&message(group, change)).to_bytes()
    }

    /// Signs a file this device vouches for (`label` says what kind, so that no signature of
    /// one kind, or of a change, passes for another).
    pub fn sign_file(&self, label: &str, bytes: &[u8]) -> [u8; 64] {
        self.0.sign(&[label.as_bytes(), &[0], bytes].concat()).to_bytes()
    }
}

/// Whether `signature` is `device`'s signature of a file of kind `label` (see `Signer::sign_file`).
pub fn verify_file(label: &str, device: &ActorId, bytes: &[u8], signature: &[u8; 64]) -> bool {
    let key = <[u8; 32]>::try_from(device.to_bytes()).ok().and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok());
    key.is_some_and(|key| key.verify_strict(&[label.as_bytes(), &[0], bytes].concat(), &Signature::from_bytes(signature)).is_ok())
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({})", self.actor())
    }
}

fn message(group: Uuid, change: &ChangeHash) -> Vec<u8> {
    [LABEL, group.as_bytes(), &change.0].concat()
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum SignatureError {
    #[error("device {device} sent a change without a signature; nothing from it was applied")]
    Missing { device: String },
    #[error("device {device} sent a change whose signature does not match (forged or tampered); nothing from it was applied")]
    Bad { device: String },
    #[error("a list of change signatures is damaged")]
    Damaged,
}

/// Checks that `signature` is `actor`'s signature of `change` in `group`. An actor id that is
/// not an Ed25519 key cannot have signed anything.
pub fn verify(group: Uuid, actor: &ActorId, change: &ChangeHash, signature: Option<&[u8; 64]>) -> Result<(), SignatureError> {
    let device = short_device(actor);
    let signature = signature.ok_or_else(|| SignatureError::Missing { device: device.clone() })?;
    let key = <[u8; 32]>::try_from(actor.to_bytes()).ok().and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok());
    let key = key.ok_or_else(|| SignatureError::Bad { device: device.clone() })?;
    key.verify_strict(&message(group, change), &Signature::from_bytes(signature)).map_err(|_| SignatureError::Bad { device })
}

/// Checks every `(actor, change, signature)`, on every core: a new member receives one per change
/// the group ever made (20,000 for a group of 10,000 needs, 0.7 s on one core here).
pub fn verify_all(group: Uuid, changes: &[(ActorId, ChangeHash, Option<&[u8; 64]>)]) -> Result<(), SignatureError> {
    let check = |part: &[(ActorId, ChangeHash, Option<&[u8; 64]>)]| part.iter().try_for_each(|(actor, hash, signature)| verify(group, actor, hash, *signature));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores == 1 || changes.len() < 256 {
        return check(changes);
    }
    std::thread::scope(|scope| {
        let parts: Vec<_> = changes.chunks(changes.len().div_ceil(cores)).map(|part| scope.spawn(move || check(part))).collect();
        // In order, so the error reported is the first bad change's, however the threads ran.
        parts.into_iter().map(|part| part.join().expect("checking a signature does not panic")).collect()
    })
}

/// How an actor is named in errors: the first 8 hex digits of its key.
pub fn short_device(actor: &ActorId) -> String {
    actor.to_hex_string().chars().take(8).collect()
}

/// Signatures by change hash.
pub type Signatures = BTreeMap<ChangeHash, [u8; 64]>;

/// `[hash (32)][signature (64)]`, repeated.
pub fn encode(signatures: &Signatures) -> Vec<u8> {
    signatures.iter().flat_map(|(hash, signature)| hash.0.iter().chain(signature.iter()).copied()).collect()
}

pub fn decode(bytes: &[u8]) -> Result<Signatures, SignatureError> {
    if bytes.len() % RECORD != 0 {
        return Err(SignatureError::Damaged);
    }
    Ok(bytes
        .chunks_exact(RECORD)
        .map(|record| {
            let (hash, signature) = record.split_at(32);
            (ChangeHash(hash.try_into().expect("32 bytes")), signature.try_into().expect("64 bytes"))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_holds_only_for_its_group_change_and_key() {
        let (signer, other) = (Signer::generate(), Signer::generate());
        let (group, change) = (Uuid::now_v7(), ChangeHash([7; 32]));
        let signature = signer.sign(group, &change);
        assert_eq!(verify(group, &signer.actor(), &change, Some(&signature)), Ok(()));
        assert!(matches!(verify(Uuid::now_v7(), &signer.actor(), &change, Some(&signature)), Err(SignatureError::Bad { .. })));
        assert!(matches!(verify(group, &signer.actor(), &ChangeHash([8; 32]), Some(&signature)), Err(SignatureError::Bad { .. })));
        assert!(matches!(verify(group, &other.actor(), &change, Some(&signature)), Err(SignatureError::Bad { .. })));
        assert!(matches!(verify(group, &ActorId::random(), &change, Some(&signature)), Err(SignatureError::Bad { .. })));
        assert!(matches!(verify(group, &signer.actor(), &change, None), Err(SignatureError::Missing { .. })));
    }

    #[test]
    fn lists_survive_encoding_and_damage_is_refused() {
        let signer = Signer::generate();
        let group = Uuid::now_v7();
        let list: Signatures = (0..3u8).map(|i| (ChangeHash([i; 32]), signer.sign(group, &ChangeHash([i; 32])))).collect();
        let bytes = encode(&list);
        assert_eq!(decode(&bytes), Ok(list));
        assert_eq!(decode(&bytes[1..]), Err(SignatureError::Damaged));
    }
}
