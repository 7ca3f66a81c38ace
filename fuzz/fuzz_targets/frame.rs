//! Bytes from the peer during a sync (after the Noise channel has decrypted them): the frame
//! decoder alone, then the whole receive path as `aidmesh-net` drives it.
//!
//! Input: one mode byte, then
//! - mode even: a wire frame, as received;
//! - mode odd: an automerge sync message, wrapped in a valid frame here. The fuzzer cannot find
//!   its way through deflate by mutation, so this is how it reaches the sync message decoder and
//!   automerge with bytes it controls. A peer holding the group secret can send exactly this.

#![no_main]

use crdt_core::frame::{self, Frame};
use crdt_core::{signing, GroupDoc, SyncSession};
use libfuzzer_sys::fuzz_target;

mod common;

/// A small group (members, needs, offers, an assignment), made by `examples/seeds.rs`.
const BASE_DOC: &[u8] = include_bytes!("../seeds/base.automerge");

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let wire = if mode % 2 == 0 {
        // Whatever decodes must survive an encode and decode unchanged.
        if let Ok(frame) = frame::decode(rest) {
            assert_eq!(frame::decode(&frame::encode(&frame)), Ok(frame));
        }
        rest.to_vec()
    } else {
        // Signed as a modified sender could, so fuzzed changes get past the signature check.
        let carried = automerge::sync::Message::decode(rest).map(|m| m.changes.iter().flat_map(common::sign_changes).collect()).unwrap_or_default();
        frame::encode(&Frame::Sync { message: rest.to_vec(), signatures: signing::encode(&carried) })
    };

    // As `net::session::sync_over`: send what we have, take the peer's frame, answer, finish.
    let mut doc = GroupDoc::load(BASE_DOC, common::receiver().actor()).expect("the base document loads");
    let mut session = SyncSession::new(&doc, common::GROUP, None);
    send_all(&mut session, &doc);
    if session.receive(&mut doc, &wire).is_ok() {
        send_all(&mut session, &doc);
        session.saved_state();
        session.digest(&doc);
        let _ = doc.export();
    }
});

/// The driver sends frames until the session has none left. Without hearing from the peer a
/// session has at most one sync message to say: a session that keeps going would
/// keep the driver sending forever (an assert, not a timeout, so the fuzzer can minimize it).
fn send_all(session: &mut SyncSession, doc: &GroupDoc) {
    for _ in 0..4 {
        if session.next_frame(doc, |hashes| common::sign_hashes(doc, hashes)).expect("every change is signed").is_none() {
            return;
        }
    }
    panic!("the session keeps sending frames without waiting for the peer");
}
