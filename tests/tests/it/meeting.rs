//! Devices meeting, simulated in process and seeded: a dozen stores on real SQLite files pass
//! sync frames over links that drop, duplicate and reorder them, and connections that break
//! mid-sync. After a final round everyone holds the same record and no acknowledged need is lost.

use std::collections::VecDeque;

use aidmesh_tests::{sync_stores, test_key};
use crdt_core::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tempfile::TempDir;
use uuid::Uuid;

struct Device {
    store: Store,
    _dir: TempDir,
}

/// How a link misbehaves, as probabilities per frame or per step.
#[derive(Clone, Copy)]
struct Faults {
    drop: f64,
    duplicate: f64,
    reorder: f64,
    cut: f64,
}

const PERFECT: Faults = Faults { drop: 0.0, duplicate: 0.0, reorder: 0.0, cut: 0.0 };

fn group(count: usize) -> Vec<Device> {
    let first_dir = tempfile::tempdir().unwrap();
    let first = Store::create(&first_dir.path().join("aidmesh.db"), &test_key(), "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap();
    let invite = first.invite(None).unwrap();
    let mut devices = vec![Device { store: first, _dir: first_dir }];
    for i in 1..count {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::join(&dir.path().join("aidmesh.db"), &test_key(), &invite, &format!("Member {i}")).unwrap();
        devices.push(Device { store, _dir: dir });
        let last = devices.len() - 1;
        // Each new phone meets the founder's once, and is then a member.
        assert!(meet(&mut devices, 0, last, PERFECT, &mut StdRng::seed_from_u64(0)));
    }
    devices
}

fn pair(devices: &mut [Device], a: usize, b: usize) -> (&mut Store, &mut Store) {
    assert_ne!(a, b);
    if a < b {
        let (left, right) = devices.split_at_mut(b);
        (&mut left[a].store, &mut right[0].store)
    } else {
        let (left, right) = devices.split_at_mut(a);
        (&mut right[0].store, &mut left[b].store)
    }
}

/// One meeting between devices `a` and `b`. Returns whether the sync completed; a broken one
/// ends without recording the sync state, as a dropped connection would.
fn meet(devices: &mut [Device], a: usize, b: usize, faults: Faults, rng: &mut StdRng) -> bool {
    let (a, b) = pair(devices, a, b);
    let (id_a, id_b) = (a.device().id(), b.device().id());
    let mut session_a = a.begin_sync(&id_b).unwrap();
    let mut session_b = b.begin_sync(&id_a).unwrap();
    let (mut to_b, mut to_a): (VecDeque<Vec<u8>>, VecDeque<Vec<u8>>) = Default::default();
    for _ in 0..400 {
        let send = |frame: Vec<u8>, queue: &mut VecDeque<Vec<u8>>, rng: &mut StdRng| {
            if rng.random_bool(faults.drop) {
                return;
            }
            if rng.random_bool(faults.duplicate) {
                queue.push_back(frame.clone());
            }
            queue.push_back(frame);
        };
        while let Some(frame) = a.next_sync_frame(&mut session_a).unwrap() {
            send(frame, &mut to_b, rng);
        }
        while let Some(frame) = b.next_sync_frame(&mut session_b).unwrap() {
            send(frame, &mut to_a, rng);
        }
        if a.sync_finished(&session_a).unwrap() && b.sync_finished(&session_b).unwrap() {
            a.end_sync(&session_a, &id_b, None).unwrap();
            b.end_sync(&session_b, &id_a, None).unwrap();
            return true;
        }
        if rng.random_bool(faults.cut) || (to_a.is_empty() && to_b.is_empty()) {
            return false;
        }
        let towards_b = !to_b.is_empty() && (to_a.is_empty() || rng.random_bool(0.5));
        let (queue, store, session) = if towards_b { (&mut to_b, &mut *b, &mut session_b) } else { (&mut to_a, &mut *a, &mut session_a) };
        let index = if rng.random_bool(faults.reorder) { rng.random_range(0..queue.len()) } else { 0 };
        let frame = queue.remove(index).unwrap();
        if store.receive_sync_frame(session, &frame).is_err() {
            return false;
        }
    }
    false
}

fn run(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let count = rng.random_range(10..=14);
    let mut devices = group(count);
    let faults = Faults { drop: 0.05, duplicate: 0.1, reorder: 0.2, cut: 0.03 };
    let mut acknowledged: Vec<Uuid> = Vec::new();
    let (mut meetings, mut broken) = (0, 0);
    for _ in 0..60 {
        if rng.random_bool(0.6) {
            let who = rng.random_range(0..count);
            let input = NewNeed::new(&format!("Need {}", acknowledged.len()), Category::Meals, Urgency::Normal, "North");
            acknowledged.push(devices[who].store.act(|doc, me, now| doc.add_need(me, input, now)).unwrap().id);
        } else {
            let a = rng.random_range(0..count);
            let b = (a + rng.random_range(1..count)) % count;
            meetings += 1;
            broken += usize::from(!meet(&mut devices, a, b, faults, &mut rng));
        }
    }
    assert!(broken > 0 && broken < meetings, "the faults should break some meetings, not all ({broken} of {meetings})");
    // The Thursday meetup: everyone syncs with the hub, twice round, on a good link.
    for _ in 0..2 {
        for other in 1..count {
            assert!(meet(&mut devices, 0, other, PERFECT, &mut rng), "a perfect link must complete");
        }
    }
    let heads = devices[0].store.doc().unwrap().heads();
    let export = serde_json::to_value(devices[0].store.doc().unwrap().export().unwrap()).unwrap();
    for device in &mut devices[1..] {
        assert_eq!(device.store.doc().unwrap().heads(), heads);
        assert_eq!(serde_json::to_value(device.store.doc().unwrap().export().unwrap()).unwrap(), export);
        let listed = device.store.needs(&NeedFilter::default()).unwrap();
        for id in &acknowledged {
            assert!(listed.iter().any(|n| n.id == *id), "acknowledged need {id} missing after the meetup");
        }
    }
    assert_eq!(devices[0].store.members().unwrap().len(), count);
}

#[test]
fn a_dozen_devices_on_bad_links_converge_without_losing_anything() {
    for seed in [1, 2, 3] {
        run(seed);
    }
}

#[test]
fn a_resumed_sync_sends_only_what_is_new() {
    let mut devices = group(2);
    let mut rng = StdRng::seed_from_u64(9);
    for i in 0..200 {
        let input = NewNeed::new(&format!("Need {i}"), Category::Meals, Urgency::Normal, "North");
        devices[0].store.act(|doc, me, now| doc.add_need(me, input, now)).unwrap();
    }
    assert!(meet(&mut devices, 0, 1, PERFECT, &mut rng));
    // One new need since they last met: the state saved then makes this meeting small.
    devices[1].store.act(|doc, me, now| doc.add_need(me, NewNeed::new("One more", Category::Meals, Urgency::Low, "North"), now)).unwrap();
    let (a, b) = pair(&mut devices, 0, 1);
    let (total, digest, _) = sync_stores(a, b);
    assert_eq!((digest.needs.new, digest.needs.updated), (1, 0));
    assert!(total < 2_000, "a resumed sync with one new need sent {total} bytes");
}

/// Regression: over the network both sides speak first. A new member's second message (it still
/// had nothing) crossed the record on its way, automerge took it for a device that had lost
/// everything, and the hub sent the whole record again.
#[test]
fn a_new_member_is_sent_the_record_once_when_first_messages_cross() {
    let dir = tempfile::tempdir().unwrap();
    let mut hub = Store::create(&dir.path().join("hub.db"), &test_key(), "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap();
    for i in 0..100 {
        let input = NewNeed::new(&format!("Need {i}"), Category::Meals, Urgency::Normal, "North");
        hub.act(|doc, me, now| doc.add_need(me, input, now)).unwrap();
    }
    let mut newcomer = Store::join(&dir.path().join("newcomer.db"), &test_key(), &hub.invite(None).unwrap(), "Bo").unwrap();
    let (mut at_hub, mut at_newcomer) = (hub.begin_sync(&newcomer.device().id()).unwrap(), newcomer.begin_sync(&hub.device().id()).unwrap());
    let (mut to_newcomer, mut largest) = (0, 0);
    for _ in 0..10 {
        // Each side says all it has to say before it hears the other, as the driver does.
        let from_hub: Vec<Vec<u8>> = std::iter::from_fn(|| hub.next_sync_frame(&mut at_hub).unwrap()).collect();
        let from_newcomer: Vec<Vec<u8>> = std::iter::from_fn(|| newcomer.next_sync_frame(&mut at_newcomer).unwrap()).collect();
        for frame in &from_hub {
            (to_newcomer, largest) = (to_newcomer + frame.len(), largest.max(frame.len()));
            newcomer.receive_sync_frame(&mut at_newcomer, frame).unwrap();
        }
        for frame in &from_newcomer {
            hub.receive_sync_frame(&mut at_hub, frame).unwrap();
        }
    }
    assert!(hub.sync_finished(&at_hub).unwrap() && newcomer.sync_finished(&at_newcomer).unwrap());
    assert_eq!(newcomer.needs(&NeedFilter::default()).unwrap().len(), 100);
    assert!(to_newcomer < largest * 3 / 2, "{to_newcomer} bytes sent for a record of {largest}");
}

#[test]
fn a_sync_reports_conflicts_it_brings_in_its_digest() {
    let mut devices = group(3);
    let mut rng = StdRng::seed_from_u64(4);
    let need = devices[0].store.act(|doc, me, now| doc.add_need(me, NewNeed::new("Ride", Category::Transport, Urgency::High, "North"), now)).unwrap();
    assert!(meet(&mut devices, 0, 1, PERFECT, &mut rng));
    devices[0].store.act(|doc, me, now| doc.set_need_status(me, need.id, NeedStatus::Cancelled, now)).unwrap();
    devices[1].store.act(|doc, me, now| doc.set_need_status(me, need.id, NeedStatus::Referred, now)).unwrap();
    let (a, b) = pair(&mut devices, 0, 1);
    let (_, digest, _) = sync_stores(a, b);
    assert_eq!(digest.needs.updated, 1);
    assert_eq!(digest.conflicts.len(), 1);
    assert_eq!(digest.conflicts[0].label, "Ride");
}
