//! Invites are typed, pasted or scanned: any text must parse or be refused, never panic. An
//! invite that parses must come back the same from its own link, and from its own short code
//! (which carries no address).

#![no_main]

use crdt_core::Invite;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let Ok(invite) = Invite::parse(text) else { return };
    assert_eq!(Invite::parse(&invite.to_link()), Ok(invite.clone()), "link round trip");
    assert_eq!(Invite::parse(&invite.to_code()), Ok(Invite { address: None, ..invite }), "code round trip");
});
