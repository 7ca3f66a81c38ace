//! Invites and sneakernet bundles: what a person types or carries, and everything that can be
//! wrong with it.

use aidmesh_tests::{sync_stores, test_key};
use crdt_core::bundle::{self, BundleError, MAX_BUNDLE};
use crdt_core::*;

fn founder() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(&dir.path().join("aidmesh.db"), &test_key(), "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap();
    for i in 0..5 {
        store.act(|doc, me, now| doc.add_need(me, NewNeed::new(&format!("Need {i}"), Category::Meals, Urgency::Normal, "North"), now)).unwrap();
    }
    (dir, store)
}

#[test]
fn invites_round_trip_as_link_and_code_and_refuse_damage() {
    let (_dir, store) = founder();
    let invite = store.invite(Some("192.0.2.7:7370".into())).unwrap();
    assert_eq!(Invite::parse(&invite.to_link()).unwrap(), invite);
    let from_code = Invite::parse(&invite.to_code().to_lowercase()).unwrap();
    assert_eq!((from_code.group, from_code.secret.clone(), from_code.address), (invite.group, invite.secret.clone(), None));
    assert!(invite.qr_svg().starts_with("<?xml"));
    // After a removal the invite carries the epoch of its secret, in both forms.
    let later = Invite { epoch: 3, ..invite.clone() };
    assert_eq!(Invite::parse(&later.to_link()).unwrap(), later);
    assert_eq!(Invite::parse(&later.to_code()).unwrap().epoch, 3);
    assert_ne!(later.to_code(), invite.to_code());
    assert!(invite.qr_text().contains('█'));

    let mut typo = invite.to_code();
    let replaced = if typo.as_bytes()[10] == b'A' { "B" } else { "A" };
    typo.replace_range(10..11, replaced);
    assert_eq!(Invite::parse(&typo).unwrap_err(), InviteError::Checksum);
    let moved = invite.to_link().replace("a=192.0.2.7", "a=198.51.100.9");
    assert_eq!(Invite::parse(&moved).unwrap_err(), InviteError::Checksum);
    assert_eq!(Invite::parse("hello there").unwrap_err(), InviteError::NotAnInvite);
    assert_eq!(Invite::parse("aidmesh:join?v=1&g=zz").unwrap_err(), InviteError::Malformed("bad group id"));
    assert_eq!(Invite::parse("aidmesh:join?v=9&g=x").unwrap_err(), InviteError::Version(9));
    assert!(matches!(Invite::parse("aidmesh:join?v=1"), Err(InviteError::Missing("group"))));
    // Addresses that would break the link's fields, or make it too long for a QR code.
    for address in ["10.0.0.1:7370&k=x", "no-port", "host:99999", &format!("{}:7370", "a".repeat(3000))] {
        assert!(matches!(store.invite(Some(address.to_string())), Err(Error::Invite(InviteError::BadAddress(_)))), "{address}");
    }
}

#[test]
fn a_bundle_carries_the_record_to_a_new_device_once() {
    let (_dir, mut ana) = founder();
    let bundle = ana.export_bundle(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bo = Store::join(&dir.path().join("aidmesh.db"), &test_key(), &ana.invite(None).unwrap(), "Bo").unwrap();
    assert!(matches!(bo.group(), Err(Error::NotSyncedYet(_))));
    let digest = bo.import_bundle(&bundle).unwrap();
    assert_eq!(digest.needs.new, 5);
    assert_eq!(bo.needs(&NeedFilter::default()).unwrap().len(), 5);
    assert!(bo.members().unwrap().iter().any(|m| m.display_name == "Bo"), "the joining device became a member");
    let again = bo.import_bundle(&bundle).unwrap();
    assert!(again.is_empty(), "importing the same bundle twice changes nothing: {again:?}");
}

#[test]
fn a_bundle_for_one_peer_leaves_out_what_it_already_has() {
    let (_dir, mut ana) = founder();
    let dir = tempfile::tempdir().unwrap();
    let mut bo = Store::join(&dir.path().join("aidmesh.db"), &test_key(), &ana.invite(None).unwrap(), "Bo").unwrap();
    sync_stores(&mut ana, &mut bo);
    let bo_id = bo.device().id();
    ana.act(|doc, me, now| doc.add_need(me, NewNeed::new("After the meeting", Category::Meals, Urgency::High, "North"), now)).unwrap();
    let whole = ana.export_bundle(None).unwrap();
    let just_new = ana.export_bundle(Some(&bo_id)).unwrap();
    assert!(just_new.len() * 3 < whole.len(), "{} vs {}", just_new.len(), whole.len());
    let digest = bo.import_bundle(&just_new).unwrap();
    assert_eq!(digest.needs.new, 1);
    assert!(matches!(ana.export_bundle(Some("unknown-device")), Err(Error::NotFound { .. })));
}

#[test]
fn bad_bundles_are_refused_and_nothing_is_applied() {
    let (_dir, mut ana) = founder();
    let (_other_dir, mut stranger) = founder();
    let good = ana.export_bundle(None).unwrap();
    let from_another_group = stranger.export_bundle(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bo = Store::join(&dir.path().join("aidmesh.db"), &test_key(), &ana.invite(None).unwrap(), "Bo").unwrap();
    let mut tampered = good.clone();
    let last = tampered.len() - 20;
    tampered[last] ^= 0x01;
    let cases: [(&str, Vec<u8>, BundleError); 5] = [
        ("another group", from_another_group, BundleError::OtherGroup),
        ("tampered", tampered, BundleError::Tampered),
        ("truncated", good[..good.len() - 40].to_vec(), BundleError::Tampered),
        ("header only", good[..30].to_vec(), BundleError::Truncated),
        ("not a bundle", b"PK\x03\x04 a zip file".to_vec(), BundleError::NotABundle),
    ];
    for (what, bytes, expected) in cases {
        let err = bo.import_bundle(&bytes).unwrap_err();
        assert!(matches!(&err, Error::Bundle(e) if *e == expected), "{what}: {err}");
        assert!(bo.needs(&NeedFilter::default()).unwrap().is_empty(), "{what}: something was applied");
    }
    let huge = vec![0u8; MAX_BUNDLE as usize + 1];
    assert!(matches!(bundle::open(ana.secret(), ana.group_id(), &huge), Err(BundleError::TooLarge { .. })));
    bo.import_bundle(&good).unwrap();
}
