//! Sneakernet bundles: a file from a USB stick, opened with the group's key and applied to the
//! document as `Store::import_bundle` does.
//!
//! Input: one mode byte, then
//! - mode even: a bundle file, as found on the stick (the seeds include real sealed bundles);
//! - mode odd: a bundle's content, sealed here with the group key. A mutated sealed bundle never
//!   gets past the AEAD tag, so this is how the fuzzer reaches `apply_signed` with bytes it
//!   controls. Any member's device holds the key and can seal exactly this.

#![no_main]

use crdt_core::sync::{self, Progress};
use crdt_core::bundle::{self, Contents};
use crdt_core::{signing, EpochSecret, GroupDoc};
use libfuzzer_sys::fuzz_target;

mod common;

/// A small group (members, needs, offers, an assignment), made by `examples/seeds.rs`.
const BASE_DOC: &[u8] = include_bytes!("../seeds/base.automerge");

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let secret = common::secret();
    let contents = if mode % 2 == 0 {
        // The clear part is read before any key is known (to find this device's epoch key).
        let _ = bundle::epoch(rest);
        let _ = bundle::epoch_keys(rest);
        match bundle::open(&secret, common::GROUP, rest) {
            Ok(contents) => contents,
            Err(_) => return,
        }
    } else {
        // Signed as a modified sender could, so fuzzed changes get past the signature check.
        let contents = Contents { changes: rest.to_vec(), signatures: signing::encode(&common::sign_changes(rest)), envelopes: Vec::new() };
        let sealed = bundle::seal(&EpochSecret { epoch: 0, secret: secret.clone() }, common::GROUP, &contents);
        assert_eq!(bundle::open(&secret, common::GROUP, &sealed).expect("a bundle just sealed opens"), contents);
        contents
    };
    let Ok(signatures) = signing::decode(&contents.signatures) else { return };

    let mut doc = GroupDoc::load(BASE_DOC, common::receiver().actor()).expect("the base document loads");
    let before = doc.heads();
    if doc.apply_signed(&contents.changes, &signatures, common::GROUP).is_ok() {
        sync::digest(&doc, &before, Progress::default());
        let _ = doc.export();
    }
});
