//! The privacy of the people helped: sealed contact details, who can open them, forgetting,
//! expiry, member removal and the encrypted database. Every check on "no plaintext" searches
//! the raw bytes, and the decompressed ones wherever aidmesh compresses.

use std::path::Path;

use aidmesh_tests::{founded_and_joined, sync_stores, sync_stores_capturing, test_key};
use chrono::{Duration, Utc};
use crdt_core::frame::{self, Frame};
use crdt_core::*;
use proptest::prelude::*;
use tempfile::TempDir;

/// Strings no byte sequence of the record, the database, a frame or a bundle may contain.
const PHONE: &str = "555-0199-SECRETPHONE";
const ADDRESS: &str = "12 Hidden Lane SECRETADDRESS";
const NOTES: &str = "insulin SECRETHEALTH";

fn sensitive() -> Contact {
    Contact { name: "Rosa SECRETNAME".into(), phone: PHONE.into(), address: ADDRESS.into(), notes: NOTES.into(), ..Contact::default() }
}

/// The privacy tests' byte search: is `needle` anywhere in `haystack`.
pub(crate) fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn assert_no_secret(what: &str, bytes: &[u8]) {
    for secret in [PHONE, ADDRESS, NOTES, "SECRETNAME"] {
        assert!(!contains(bytes, secret), "{what} contains {secret:?}");
    }
}

/// Ana (organizer, founder), Dee (made an organizer), Bo and Cy (volunteers), each on their
/// own device. Bo posts a need with contact details for a neighbour.
struct Town {
    dirs: Vec<TempDir>,
    ana: Store,
    bo: Store,
    cy: Store,
    dee: Store,
    need: Uuid,
}

fn town() -> Town {
    let dirs: Vec<TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let paths: Vec<&Path> = dirs.iter().map(TempDir::path).collect();
    let (mut ana, joined) = founded_and_joined(&paths, &["Bo", "Cy", "Dee"]);
    let [mut bo, mut cy, mut dee]: [Store; 3] = joined.try_into().ok().unwrap();
    let dee_id = dee.me().unwrap();
    ana.act(|doc, me, now| doc.set_role(me, dee_id, Role::Organizer, now)).unwrap();
    let need = bo.act(|doc, me, now| doc.add_need(me, NewNeed::new("Groceries for a neighbour", Category::Groceries, Urgency::High, "North"), now)).unwrap().id;
    bo.set_contact(need, &sensitive()).unwrap();
    for other in [&mut bo, &mut cy, &mut dee] {
        sync_stores(&mut ana, other);
    }
    Town { dirs, ana, bo, cy, dee, need }
}

fn assign(town: &mut Town, volunteer: Uuid) {
    let need = town.need;
    town.ana.act(|doc, me, now| doc.assign(me, need, volunteer, None, "", now)).unwrap();
}

#[test]
fn only_organizers_and_assigned_volunteers_read_contact_details() {
    let mut town = town();
    let need = town.need;
    assert_eq!(town.bo.contact(need).unwrap(), sensitive(), "the volunteer who posted it");
    assert_eq!(town.ana.contact(need).unwrap(), sensitive(), "the founding organizer");
    // Dee's organizer key was granted by Ana's device after the role change; one more sync delivers it.
    sync_stores(&mut town.ana, &mut town.dee);
    assert_eq!(town.dee.contact(need).unwrap(), sensitive(), "an organizer made later");
    assert!(matches!(town.cy.contact(need), Err(Error::ContactNotYours)), "a volunteer not assigned");

    let cy = town.cy.me().unwrap();
    assign(&mut town, cy);
    sync_stores(&mut town.ana, &mut town.cy);
    assert_eq!(town.cy.contact(need).unwrap(), sensitive(), "the volunteer once assigned");

    // Only people who may read them may change them, and nobody can read them in a list.
    let err = town.cy.set_contact(need, &Contact { phone: "1".into(), ..Contact::default() }).unwrap_err();
    assert!(matches!(err, Error::Invalid(ValidationError::OrganizersOnly(_))), "{err}");
    assert!(town.cy.needs(&NeedFilter::default()).unwrap()[0].sealed_contact.is_some());
    assert!(matches!(town.bo.set_contact(need, &Contact::default()), Err(Error::Invalid(ValidationError::Empty(_)))));
}

fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_file()).map(|p| (p.display().to_string(), std::fs::read(&p).unwrap())).collect()
}

#[test]
fn sensitive_plaintext_is_in_no_byte_of_record_database_frames_or_bundles() {
    let mut town = town();
    let cy = town.cy.me().unwrap();
    assign(&mut town, cy);
    let (frames, _, _) = sync_stores_capturing(&mut town.ana, &mut town.cy);
    assert_eq!(town.cy.contact(town.need).unwrap(), sensitive(), "the details did cross, sealed");
    for (i, bytes) in frames.iter().enumerate() {
        assert_no_secret(&format!("sync frame {i}"), bytes);
        if let Ok(Frame::Sync { message, .. }) = frame::decode(bytes) {
            assert_no_secret(&format!("sync frame {i}, decompressed"), &message);
        }
    }
    for store in [&mut town.ana, &mut town.bo, &mut town.cy] {
        let doc = store.doc().unwrap();
        assert_no_secret("the saved document", &doc.save());
        assert_no_secret("the uncompressed document", &doc.automerge().save_nocompress());
        assert_no_secret("the document as JSON", serde_json::to_string(&doc.export().unwrap()).unwrap().as_bytes());
        let bundle = store.export_bundle(None).unwrap();
        assert_no_secret("a bundle", &bundle);
        let contents = bundle::open(store.secret(), store.group_id(), &bundle).unwrap();
        assert_no_secret("a bundle's content", &contents.changes);
    }
    // The device databases (and their write-ahead logs) are encrypted whole: not even the
    // titles of needs or members' names are in them.
    for dir in &town.dirs {
        for (name, bytes) in files_in(dir.path()) {
            assert_no_secret(&name, &bytes);
            for plain in ["Groceries for a neighbour", "Eastside", "SQLite format 3"] {
                assert!(!contains(&bytes, plain), "{name} contains {plain:?}");
            }
        }
    }
}

#[test]
fn after_forgetting_and_one_sync_no_device_can_read_the_details() {
    let mut town = town();
    let need = town.need;
    let cy = town.cy.me().unwrap();
    assign(&mut town, cy);
    sync_stores(&mut town.ana, &mut town.cy);
    sync_stores(&mut town.ana, &mut town.dee);
    assert!(town.cy.can_read_contact(need).unwrap() && town.dee.can_read_contact(need).unwrap());

    // Dee forgets the person while apart from the others; each of them syncs once, with anyone.
    town.dee.act(|doc, me, now| doc.forget_contact(me, need, now)).unwrap();
    assert!(matches!(town.dee.contact(need), Err(Error::ContactGone(_))));
    sync_stores(&mut town.dee, &mut town.ana);
    sync_stores(&mut town.ana, &mut town.bo);
    sync_stores(&mut town.dee, &mut town.cy);
    for (who, store) in [("Ana", &mut town.ana), ("Bo, who posted it", &mut town.bo), ("Cy", &mut town.cy), ("Dee", &mut town.dee)] {
        assert!(!store.can_read_contact(need).unwrap(), "{who} still holds a key");
        assert!(matches!(store.contact(need), Err(Error::ContactGone(_))), "{who}");
    }
    // A device that had not heard yet offers its keys in the same sync that tells it: they are
    // refused, and they do not come back later either.
    sync_stores(&mut town.bo, &mut town.cy);
    assert!(!town.bo.can_read_contact(need).unwrap() && !town.cy.can_read_contact(need).unwrap());
    assert!(matches!(town.bo.set_contact(need, &sensitive()), Err(Error::Invalid(ValidationError::ContactForgotten))));
}

#[test]
fn expiry_shreds_closed_needs_and_expires_overdue_ones_on_schedule() {
    let mut town = town();
    let need = town.need;
    town.bo.act(|doc, me, now| doc.set_need_status(me, need, NeedStatus::Done, now)).unwrap();
    sync_stores(&mut town.bo, &mut town.ana);
    let days = town.ana.group().unwrap().settings.expiry_days;
    assert_eq!(days, 30);
    let closed_at = town.ana.doc().unwrap().need(need).unwrap().updated_at;

    for store in [&mut town.ana, &mut town.bo] {
        assert_eq!(store.upkeep(closed_at + Duration::days(29)).unwrap().shredded, 0);
        assert!(store.can_read_contact(need).unwrap(), "kept until the day comes");
        assert_eq!(store.upkeep(closed_at + Duration::days(30)).unwrap().shredded, 1);
        assert!(!store.can_read_contact(need).unwrap(), "shredded on the day");
    }

    // An open need past 'needed by' and the grace period is marked expired by an organizer's device.
    let mut late = NewNeed::new("Ride to the clinic", Category::Transport, Urgency::Normal, "North");
    late.needed_by = Some(Utc::now() + Duration::days(1));
    let late = town.ana.act(|doc, me, now| doc.add_need(me, late, now)).unwrap().id;
    let grace = town.ana.group().unwrap().settings.grace_days as i64;
    assert_eq!(town.ana.upkeep(Utc::now() + Duration::days(grace)).unwrap().expired, 0);
    assert_eq!(town.bo.upkeep(Utc::now() + Duration::days(grace + 2)).unwrap().expired, 0, "volunteers' devices leave it to organizers");
    assert_eq!(town.ana.upkeep(Utc::now() + Duration::days(grace + 2)).unwrap().expired, 1);
    assert_eq!(town.ana.doc().unwrap().need(late).unwrap().status, NeedStatus::Expired);
}

#[test]
fn a_removed_device_cannot_read_bundles_made_after_removal_and_the_others_move_on() {
    let mut town = town();
    let cy = town.cy.me().unwrap();
    town.ana.remove_member(cy).unwrap();
    assert_eq!(town.ana.epoch(), 1, "the remover moves to the new epoch at once");
    let bundle = town.ana.export_bundle(None).unwrap();

    let err = town.cy.import_bundle(&bundle).unwrap_err();
    assert!(matches!(err, Error::Bundle(bundle::BundleError::NoKey)), "{err}");
    // Bo and Dee had not synced since the removal; the bundle alone moves them on.
    for store in [&mut town.bo, &mut town.dee] {
        store.import_bundle(&bundle).unwrap();
        assert_eq!(store.epoch(), 1);
        assert!(store.doc().unwrap().member(cy).unwrap().removed_at.is_some());
    }
    assert_ne!(town.bo.secret(), town.cy.secret());
    // Nor is Cy given keys to what is shared later.
    let need = town.bo.act(|doc, me, now| doc.add_need(me, NewNeed::new("Another", Category::Meals, Urgency::Normal, "North"), now)).unwrap().id;
    town.bo.set_contact(need, &sensitive()).unwrap();
    sync_stores(&mut town.bo, &mut town.ana);
    let err = town.ana.act(|doc, me, now| doc.assign(me, need, cy, None, "", now)).unwrap_err();
    assert!(matches!(err, Error::Invalid(ValidationError::MemberRemoved(_))), "a removed member cannot be assigned: {err}");
}

#[test]
fn a_removed_device_fails_the_handshake_and_the_others_move_to_the_new_secret_by_syncing() {
    let mut town = town();
    let cy = town.cy.me().unwrap();
    let old_invite = town.cy.invite(None).unwrap();
    town.ana.remove_member(cy).unwrap();
    let Town { ana, bo, cy: removed, .. } = town;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let options = aidmesh_net::HubOptions { discovery: aidmesh_net::DiscoveryMode::Off, max_connections: 4, run_for: Some(std::time::Duration::from_secs(30)) };
    runtime.spawn(aidmesh_net::serve(vec![aidmesh_net::shared(ana)], listener, options, std::future::pending(), |_| {}));

    // Cy still holds the old secret, which Ana's device also holds: the handshake completes in
    // the cryptographic sense, and is refused because Cy's device key is a removed one.
    let err = runtime.block_on(aidmesh_net::Channel::connect(&address, &removed.keyring().unwrap())).err().unwrap();
    assert!(matches!(err, aidmesh_net::NetError::Handshake), "{err}");

    // Nor does a fresh device key help with the invite Cy kept: the old epoch is only for devices
    // the group knows, and Cy has no secret of the new one. Claiming the new epoch with the old
    // secret fails the handshake too. No connection, so not a byte of the record.
    let dir = tempfile::tempdir().unwrap();
    let fresh = Store::join(&dir.path().join("aidmesh.db"), &test_key(), &old_invite, "Cy again").unwrap();
    let err = runtime.block_on(aidmesh_net::Channel::connect(&address, &fresh.keyring().unwrap())).err().unwrap();
    assert!(matches!(err, aidmesh_net::NetError::Handshake), "{err}");
    let mut claimed = fresh.keyring().unwrap();
    claimed.current = EpochSecret { epoch: 1, secret: old_invite.secret.clone() };
    claimed.secrets.push(claimed.current.clone());
    let err = runtime.block_on(aidmesh_net::Channel::connect(&address, &claimed)).err().unwrap();
    assert!(matches!(err, aidmesh_net::NetError::Handshake), "{err}");

    // Bo has not heard of the removal: he meets Ana at the old epoch and leaves at the new one.
    assert_eq!(bo.epoch(), 0);
    let bo = aidmesh_net::shared(bo);
    let sync = |store: &aidmesh_net::SharedStore| {
        runtime.block_on(async {
            let keys = store.lock().unwrap().keyring()?;
            let mut channel = aidmesh_net::Channel::connect(&address, &keys).await?;
            aidmesh_net::sync_over(&mut channel, store, None, |_| {}).await
        })
    };
    sync(&bo).unwrap();
    assert_eq!(bo.lock().unwrap().epoch(), 1);
    assert!(bo.lock().unwrap().keyring().unwrap().removed_devices.contains(&removed.device().id()));
    sync(&bo).expect("and syncs again at the new epoch");
}

/// Two organizers remove two people while apart, so each new secret reaches the person the
/// other removed. When they meet (over the network, with the older secret both hold) the record
/// keeps one of the two, an organizer's device starts another at once, and both end on it: a
/// secret neither removed person was given.
#[test]
fn two_removals_made_apart_end_on_one_secret_that_neither_removed_person_holds() {
    let mut town = town();
    let (bo, cy) = (town.bo.me().unwrap(), town.cy.me().unwrap());
    town.ana.remove_member(cy).unwrap();
    town.dee.remove_member(bo).unwrap();
    assert_eq!((town.ana.epoch(), town.dee.epoch()), (1, 1));
    assert_ne!(town.ana.secret(), town.dee.secret(), "two secrets for one epoch");

    let Town { ana, mut bo, mut cy, dee, .. } = town;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let options = aidmesh_net::HubOptions { discovery: aidmesh_net::DiscoveryMode::Off, max_connections: 4, run_for: Some(std::time::Duration::from_secs(30)) };
    let ana = aidmesh_net::shared(ana);
    runtime.spawn(aidmesh_net::serve(vec![ana.clone()], listener, options, std::future::pending(), |_| {}));
    let dee = aidmesh_net::shared(dee);
    let meet = || {
        runtime.block_on(async {
            let keys = dee.lock().unwrap().keyring()?;
            let mut channel = aidmesh_net::Channel::connect(&address, &keys).await?;
            aidmesh_net::sync_over(&mut channel, &dee, None, |_| {}).await
        })
    };
    // Both renew the secret after the first meeting (each saw the other's removal); the second
    // settles on one of those; the third finds nothing left to do.
    for _ in 0..3 {
        meet().unwrap();
    }
    let (mut ana, mut dee) = (ana.lock().unwrap(), dee.lock().unwrap());
    assert_eq!(ana.secret(), dee.secret());
    assert_eq!((ana.epoch(), dee.epoch()), (2, 2), "the secret that reached a removed person was replaced");
    let group = ana.doc().unwrap().group().unwrap();
    assert_eq!(dee.doc().unwrap().group().unwrap(), group);
    let bundle = ana.export_bundle(None).unwrap();
    for removed in [&mut bo, &mut cy] {
        let err = removed.import_bundle(&bundle).unwrap_err();
        assert!(matches!(err, Error::Bundle(bundle::BundleError::NoKey)), "{err}");
    }
}

#[test]
fn a_wrong_passphrase_is_refused_clearly_and_leaves_the_file_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aidmesh.db");
    drop(Store::create(&path, &test_key(), "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap());
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path, &DbKey::passphrase("not the passphrase").unwrap()).err().unwrap();
    assert!(matches!(err, Error::WrongKey(_)), "{err}");
    assert!(err.to_string().contains("passphrase") && err.to_string().contains("untouched"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(Store::open(&path, &test_key()).is_ok());
    assert!(matches!(DbKey::passphrase(""), Err(Error::Invalid(ValidationError::Empty(_)))));

    // After a crash the write-ahead log still holds changes: a wrong passphrase must not touch
    // the log or the file either (closing a connection normally checkpoints the log).
    let mut store = Store::open(&path, &test_key()).unwrap();
    store.act(|doc, me, now| doc.add_need(me, NewNeed::new("In the log only", Category::Meals, Urgency::Normal, "North"), now)).unwrap();
    let crashed = tempfile::tempdir().unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let from = format!("{}{suffix}", path.display());
        std::fs::copy(&from, format!("{}{suffix}", crashed.path().join("aidmesh.db").display())).unwrap();
    }
    let copy = crashed.path().join("aidmesh.db");
    let files = || ["", "-wal"].map(|suffix| std::fs::read(format!("{}{suffix}", copy.display())).unwrap());
    let before = files();
    assert!(!before[1].is_empty(), "the log holds the last change");
    let err = Store::open(&copy, &DbKey::passphrase("not the passphrase").unwrap()).err().unwrap();
    assert!(matches!(err, Error::WrongKey(_)), "{err}");
    assert!(files() == before, "a wrong passphrase changed the file or its log");
    let reopened = Store::open(&copy, &test_key()).unwrap();
    assert_eq!(reopened.needs(&NeedFilter::default()).unwrap().len(), 1, "nothing in the log was lost");
    drop(store);
}

#[test]
fn a_database_from_before_encryption_is_encrypted_when_first_opened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aidmesh.db");
    let mut store = Store::create(&path, &test_key(), "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap();
    store.act(|doc, me, now| doc.add_need(me, NewNeed::new("Kept through the change", Category::Meals, Urgency::Normal, "North"), now)).unwrap();
    drop(store);
    // A plain copy, as an aidmesh from before encryption left it.
    let plain = dir.path().join("plain.db");
    std::fs::File::create(&plain).unwrap();
    let conn = Store::unlocked_connection(&path, &test_key()).unwrap();
    conn.execute("ATTACH DATABASE ?1 AS plain KEY ''", [plain.to_str().unwrap()]).unwrap();
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(())).unwrap();
    conn.execute_batch(&format!("PRAGMA plain.user_version = {}; DETACH DATABASE plain;", crdt_core::store::SCHEMA_VERSION)).unwrap();
    drop(conn);
    assert!(std::fs::read(&plain).unwrap().starts_with(b"SQLite format 3"));

    let mut store = Store::open(&plain, &test_key()).unwrap();
    assert_eq!(store.needs(&NeedFilter::default()).unwrap()[0].title, "Kept through the change");
    store.act(|doc, me, now| doc.add_need(me, NewNeed::new("Added after", Category::Meals, Urgency::Normal, "North"), now)).unwrap();
    drop(store);
    let bytes = std::fs::read(&plain).unwrap();
    assert!(!contains(&bytes, "SQLite format 3") && !contains(&bytes, "Kept through the change"), "the file is encrypted now");
    assert!(matches!(Store::open(&plain, &DbKey::passphrase("another").unwrap()), Err(Error::WrongKey(_))));
    assert_eq!(Store::open(&plain, &test_key()).unwrap().needs(&NeedFilter::default()).unwrap().len(), 2);
}

proptest! {
    // Each case makes four encrypted stores; a few dozen cases are plenty for four devices.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever order devices meet in, once everyone has met everyone the keys follow the record:
    /// organizers, the poster and an assigned volunteer can read the details, nobody else can,
    /// and after "forget" nobody at all.
    #[test]
    fn keys_follow_the_record_whatever_order_devices_meet_in(
        assign_cy in any::<bool>(),
        forget in any::<bool>(),
        meetings in proptest::collection::vec((0..4usize, 0..4usize), 0..10),
    ) {
        let mut town = town();
        let need = town.need;
        if assign_cy {
            let cy = town.cy.me().unwrap();
            assign(&mut town, cy);
        }
        if forget {
            // On Dee's device, apart from the assignment on Ana's.
            town.dee.act(|doc, me, now| doc.forget_contact(me, need, now)).unwrap();
        }
        let Town { ana, bo, cy, dee, .. } = &mut town;
        let mut devices = [ana, bo, cy, dee];
        let mut meet = |a: usize, b: usize| {
            if a != b {
                let (low, high) = devices.split_at_mut(a.max(b));
                sync_stores(low[a.min(b)], high[0]);
            }
        };
        for (a, b) in meetings {
            meet(a, b);
        }
        // Then everyone meets everyone, twice round (a key granted late needs a second meeting).
        for _ in 0..2 {
            for a in 0..4 {
                for b in a + 1..4 {
                    meet(a, b);
                }
            }
        }
        let readers = [true, true, assign_cy, true];
        for (i, (name, store)) in ["Ana", "Bo", "Cy", "Dee"].iter().zip(devices.iter_mut()).enumerate() {
            prop_assert_eq!(store.can_read_contact(need).unwrap(), readers[i] && !forget, "{}", name);
        }
    }
}

#[test]
fn keys_a_failed_upkeep_missed_are_granted_by_the_next_action() {
    let mut town = town();
    let (need, cy) = (town.need, town.cy.me().unwrap());
    let ana_db = town.dirs[0].path().join("aidmesh.db");
    let no_envelopes = "CREATE TRIGGER no_envelopes BEFORE INSERT ON envelopes BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;";
    Store::unlocked_connection(&ana_db, &test_key()).unwrap().execute_batch(no_envelopes).unwrap();
    assign(&mut town, cy);
    assert!(matches!(town.ana.take_warnings().as_slice(), [Error::AfterCommit { .. }]), "the missed grant is a warning");

    // The trouble passes; the next action, about something else entirely, grants the key.
    Store::unlocked_connection(&ana_db, &test_key()).unwrap().execute_batch("DROP TRIGGER no_envelopes").unwrap();
    town.ana.act(|doc, me, now| doc.add_offer(me, NewOffer::new(me, "Phone calls", vec![Category::Other], OfferKind::Time, "North"), now)).unwrap();
    assert!(town.ana.take_warnings().is_empty());
    sync_stores(&mut town.ana, &mut town.cy);
    assert_eq!(town.cy.contact(need).unwrap(), sensitive(), "the volunteer assigned while keys could not be written");
}

/// An intake posts the need and seals its contact in one change, and checks both first: a need
/// that cannot be posted writes not even the details' keys (regression: the keys were stored
/// before the need was checked).
#[test]
fn an_intake_that_cannot_be_posted_leaves_nothing_behind() {
    let mut town = town();
    let ana_db = town.dirs[0].path().join("aidmesh.db");
    let no_envelopes = "CREATE TRIGGER no_envelopes BEFORE INSERT ON envelopes BEGIN SELECT RAISE(ABORT, 'an envelope was written'); END;";
    Store::unlocked_connection(&ana_db, &test_key()).unwrap().execute_batch(no_envelopes).unwrap();
    let past = NewNeed { needed_by: Some(Utc::now() - Duration::days(2)), ..NewNeed::new("Groceries", Category::Groceries, Urgency::High, "North") };
    let refused = town.ana.post_need(past, &sensitive()).unwrap_err();
    assert!(matches!(refused, Error::Invalid(ValidationError::NeededByInPast(_))), "refused for the need, before any key: {refused}");
    Store::unlocked_connection(&ana_db, &test_key()).unwrap().execute_batch("DROP TRIGGER no_envelopes").unwrap();

    let need = town.ana.post_need(NewNeed::new("Groceries", Category::Groceries, Urgency::High, "North"), &sensitive()).unwrap();
    assert!(need.sealed_contact.is_some(), "posted with its details sealed");
    assert_eq!(town.ana.contact(need.id).unwrap(), sensitive());
}

/// Removing or demoting an organizer replaces the organizer key: contact details sealed after
/// that are closed to them even if every byte reaches their device, the other organizers keep
/// reading everything, and envelopes to the old key are deleted.
#[test]
fn an_organizer_who_leaves_opens_nothing_sealed_after_and_the_others_keep_reading() {
    for removed in [true, false] {
        let mut town = town();
        let need = town.need;
        sync_stores(&mut town.ana, &mut town.dee);
        assert_eq!(town.dee.contact(need).unwrap(), sensitive(), "Dee holds the organizer key");
        let dee = town.dee.me().unwrap();
        if removed {
            town.ana.remove_member(dee).unwrap();
        } else {
            town.ana.set_role(dee, Role::Volunteer).unwrap();
        }
        sync_stores(&mut town.ana, &mut town.bo);
        let later = town.bo.act(|doc, me, now| doc.add_need(me, NewNeed::new("Rent help", Category::Money, Urgency::High, "North"), now)).unwrap().id;
        town.bo.set_contact(later, &sensitive()).unwrap();
        sync_stores(&mut town.ana, &mut town.bo);
        assert_eq!(town.ana.contact(need).unwrap(), sensitive(), "re-sealed to the new key");
        assert_eq!(town.ana.contact(later).unwrap(), sensitive());
        // Every byte Ana holds reaches Dee (a store-to-store sync skips the handshake that
        // refuses a removed device): still nothing sealed after.
        sync_stores(&mut town.ana, &mut town.dee);
        assert!(matches!(town.dee.contact(later), Err(Error::ContactNotYours)), "removed: {removed}");
        assert!(!town.dee.can_read_contact(need).unwrap(), "the old key's envelopes were deleted on Dee's device too (removed: {removed})");
        let old_key = town.ana.group().unwrap().retired_organizer_keys;
        assert_eq!(old_key.len(), 1);
        for dir in [&town.dirs[0], &town.dirs[3]] {
            let conn = Store::unlocked_connection(&dir.path().join("aidmesh.db"), &test_key()).unwrap();
            let left: i64 = conn.query_row("SELECT count(*) FROM envelopes WHERE recipient = ?1", [&old_key[0]], |r| r.get(0)).unwrap();
            assert_eq!(left, 0);
        }
    }
}

#[test]
fn imported_phone_numbers_and_emails_are_in_no_byte_of_record_database_frames_or_bundles() {
    use aidmesh_sheets::{Preset, Table, Target};
    let dirs: Vec<TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let (mut ana, joined) = founded_and_joined(&[dirs[0].path(), dirs[1].path()], &["Bo"]);
    let [mut bo]: [Store; 1] = joined.try_into().ok().unwrap();
    let mut private = Vec::new();
    for (file, preset) in [("google-form-requests.csv", "google-form"), ("airtable-requests.csv", "airtable"), ("spanish-1252.csv", "google-form")] {
        crate::import::import_fixture(&mut ana, file, preset);
        let table = Table::read(&std::fs::read(crate::import::fixture(file)).unwrap(), true).unwrap();
        let mapping = Preset::built_in(preset).unwrap().mapping(&table.headers);
        for (column, _) in mapping.columns.iter().enumerate().filter(|(_, (_, t))| matches!(t, Target::Phone | Target::Email)) {
            private.extend(table.rows.iter().map(|row| row.cell(column).to_string()).filter(|cell| !cell.is_empty()));
        }
    }
    assert!(private.len() >= 20, "the fixtures' phone numbers and emails: {private:?}");
    let assert_none = |what: &str, bytes: &[u8]| {
        for secret in &private {
            assert!(!contains(bytes, secret), "{what} contains {secret:?}");
        }
    };
    let (frames, _, _) = sync_stores_capturing(&mut ana, &mut bo);
    for (i, bytes) in frames.iter().enumerate() {
        assert_none(&format!("sync frame {i}"), bytes);
        if let Ok(Frame::Sync { message, .. }) = frame::decode(bytes) {
            assert_none(&format!("sync frame {i}, decompressed"), &message);
        }
    }
    for store in [&mut ana, &mut bo] {
        let doc = store.doc().unwrap();
        assert_none("the uncompressed document", &doc.automerge().save_nocompress());
        assert_none("the document as JSON", serde_json::to_string(&doc.export().unwrap()).unwrap().as_bytes());
        let bundle = store.export_bundle(None).unwrap();
        assert_none("a bundle's content", &bundle::open(store.secret(), store.group_id(), &bundle).unwrap().changes);
    }
    for dir in &dirs {
        for (name, bytes) in files_in(dir.path()) {
            assert_none(&name, &bytes);
        }
    }
    assert_eq!(bo.needs(&NeedFilter::default()).unwrap().len(), 16, "the needs themselves did cross");
}

#[test]
fn without_consent_only_organizers_and_the_poster_read_a_persons_details() {
    let dirs: Vec<TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let paths: Vec<&Path> = dirs.iter().map(TempDir::path).collect();
    let (mut ana, joined) = founded_and_joined(&paths, &["Bo", "Cy"]);
    let [mut bo, mut cy]: [Store; 2] = joined.try_into().ok().unwrap();
    let input = NewNeed { contact_organizers_only: true, channel: Some(Channel::Phone), ..NewNeed::new("Groceries", Category::Groceries, Urgency::High, "North") };
    let need = bo.act(|doc, me, now| doc.add_need(me, input, now)).unwrap().id;
    bo.set_contact(need, &sensitive()).unwrap();
    sync_stores(&mut bo, &mut ana);
    let cy_id = cy.me().unwrap();
    ana.act(|doc, me, now| doc.assign(me, need, cy_id, None, "", now)).unwrap();
    for other in [&mut bo, &mut cy] {
        sync_stores(&mut ana, other);
    }
    for store in [&mut ana, &mut bo, &mut cy] {
        store.upkeep(Utc::now()).unwrap();
    }
    sync_stores(&mut ana, &mut cy);
    assert_eq!(ana.contact(need).unwrap(), sensitive(), "organizers");
    assert_eq!(bo.contact(need).unwrap(), sensitive(), "whoever took the request");
    assert!(matches!(cy.contact(need), Err(Error::ContactNotYours)), "the volunteer assigned, without the person's consent");
}
