//! Key envelopes and sealed contact details, as they arrive from another device (in a sync
//! frame, a bundle or the record).
//!
//! Input: one mode byte, then
//! - mode even: a list of key envelopes (`seal::encode_envelopes`), opened with this device's key;
//! - mode odd: the text of a need's sealed contact details, opened with a record key.

#![no_main]

use crdt_core::seal::{decode_envelopes, encode_envelopes, Key32, SealingKey, Subject};
use crdt_core::SealedContact;
use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 2 == 0 {
        let Ok(envelopes) = decode_envelopes(rest) else { return };
        // Whatever decodes must survive an encode and decode unchanged.
        assert_eq!(decode_envelopes(&encode_envelopes(&envelopes)).as_ref(), Ok(&envelopes));
        let device = SealingKey::from_bytes(common::DEVICE_KEY);
        for envelope in &envelopes {
            assert!(Subject::parse(&envelope.subject).is_some(), "decoding checks the subject");
            let _ = envelope.open(&device);
        }
    } else {
        let sealed = SealedContact(String::from_utf8_lossy(rest).into_owned());
        let _ = Key32(common::RECORD_KEY).open_contact(common::NEED, &sealed);
    }
});
