//! Writes the fuzzers' fixed base document and their seed inputs under `fuzz/seeds/`:
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds` (from the repository root).
//! The base document and seeds belong together (seeds carry changes on top of the base), so
//! they are always regenerated as a set and committed.

use std::fs;
use std::path::Path;

use chrono::{TimeZone, Utc};
use crdt_core::frame::{self, Frame};
use crdt_core::*;

#[path = "../fuzz_targets/common.rs"]
mod common;

fn at(minutes: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");

    // The receiver's starting point: a small group with something of every kind.
    let (mut base, ana) = GroupDoc::create(common::receiver().actor(), "Fuzz Mutual Aid", NewMember::new("Ana", Role::Organizer), at(0)).unwrap();
    let bea = base.add_member(ana.id, NewMember::new("Bea", Role::Organizer), at(1)).unwrap();
    let cai = base.add_member(ana.id, NewMember::new("Cai", Role::Volunteer), at(1)).unwrap();
    base.add_area(ana.id, "North", &[], at(2)).unwrap();
    let need = base.add_need(ana.id, NewNeed::new("Groceries for two", Category::Groceries, Urgency::High, "North"), at(3)).unwrap();
    base.add_need(ana.id, NewNeed::new("A ride to the clinic", Category::Transport, Urgency::Normal, "North"), at(3)).unwrap();
    let offer = base.add_offer(ana.id, NewOffer::new(cai.id, "Shopping", vec![Category::Groceries], OfferKind::Time, "North"), at(4)).unwrap();
    base.assign(ana.id, need.id, cai.id, Some(offer.id), "Tuesday", at(5)).unwrap();
    base.bind_device(ana.id, &common::sender().actor(), bea.id, at(5)).unwrap();
    let base_bytes = base.save();
    write(&seeds, "base.automerge", &base_bytes);

    // Another device that made changes the receiver has not seen, one of them concurrent with
    // the receiver's own (a conflicting status).
    let mut sender = GroupDoc::load(&base_bytes, common::sender().actor()).unwrap();
    sender.add_need(bea.id, NewNeed::new("Warm coats", Category::Other, Urgency::Low, "North"), at(7)).unwrap();
    sender.set_need_status(bea.id, need.id, NeedStatus::Done, at(8)).unwrap();
    let mut receiver = GroupDoc::load(&base_bytes, common::receiver().actor()).unwrap();
    receiver.set_need_status(ana.id, need.id, NeedStatus::Cancelled, at(8)).unwrap();
    let receiver_bytes = receiver.save();

    // Frames: a whole sync between the two, recording what the sender says.
    let dir = seeds.join("frame");
    let device = seal::SealingKey::from_bytes(common::DEVICE_KEY);
    let envelopes: Vec<seal::Envelope> = [seal::Subject::Contact(common::NEED), seal::Subject::OrganizerKey(7), seal::Subject::Epoch(1, 7)]
        .into_iter()
        .map(|subject| seal::Envelope::seal(subject, &device.public_hex(), &seal::Key32(common::RECORD_KEY)).unwrap())
        .collect();
    let (mut from, mut to) = (SyncSession::new(&sender, common::GROUP, None).with_envelopes(envelopes.clone(), 3), SyncSession::new(&receiver, common::GROUP, None));
    let mut sent = Vec::new();
    for _ in 0..20 {
        while let Some(bytes) = from.next_frame(&sender, |hashes| common::sign_hashes(&sender, hashes)).unwrap() {
            to.receive(&mut receiver, &bytes).unwrap();
            sent.push(bytes);
        }
        while let Some(bytes) = to.next_frame(&receiver, |hashes| common::sign_hashes(&receiver, hashes)).unwrap() {
            from.receive(&mut sender, &bytes).unwrap();
        }
        if from.is_finished(&sender) && to.is_finished(&receiver) {
            break;
        }
    }
    assert!(from.is_finished(&sender) && to.is_finished(&receiver), "the seed sync finishes");
    for (i, bytes) in sent.iter().enumerate() {
        write(&dir, &format!("wire-{i}"), &[&[0u8][..], bytes].concat());
        if let Ok(Frame::Sync { message, .. }) = frame::decode(bytes) {
            write(&dir, &format!("message-{i}"), &[&[1u8][..], &message].concat());
        }
    }

    // Bundles: only what the receiver lacks, and everything.
    let dir = seeds.join("bundle");
    let secret = common::secret();
    let delta = sender.changes_since(&GroupDoc::load(&base_bytes, common::receiver().actor()).unwrap().heads());
    let all = sender.changes_since(&[]);
    for (name, content) in [("delta", &delta), ("all", &all), ("doc", &sender.save()), ("receiver", &receiver_bytes)] {
        let contents = bundle::Contents { changes: content.clone(), signatures: signing::encode(&common::sign_changes(content)), envelopes: envelopes.clone() };
        write(&dir, &format!("sealed-{name}"), &[&[0u8][..], &bundle::seal(&EpochSecret { epoch: 1, secret: secret.clone() }, common::GROUP, &contents)].concat());
        write(&dir, &format!("content-{name}"), &[&[1u8][..], content].concat());
    }
    let contents = bundle::Contents { changes: delta.clone(), signatures: Vec::new(), envelopes: Vec::new() };
    let other_group = bundle::seal(&EpochSecret { epoch: 0, secret: secret.clone() }, Uuid::from_u128(1), &contents);
    write(&dir, "sealed-other-group", &[&[0u8][..], &other_group].concat());

    // Invites: a link with an address, one without, a short code.
    let dir = seeds.join("invite");
    let invite = Invite { group: common::GROUP, secret: common::secret(), epoch: 0, address: Some("192.168.1.20:7420".into()), record: None };
    write(&dir, "link-address", invite.to_link().as_bytes());
    write(&dir, "code", invite.to_code().as_bytes());
    let invite = Invite { address: None, ..invite };
    write(&dir, "link", invite.to_link().as_bytes());
    let invite = Invite { epoch: 3, ..invite };
    write(&dir, "link-epoch", invite.to_link().as_bytes());
    write(&dir, "code-epoch", invite.to_code().as_bytes());

    // Key envelopes and sealed contact details.
    let dir = seeds.join("seal");
    write(&dir, "envelopes", &[&[0u8][..], &seal::encode_envelopes(&envelopes)].concat());
    let contact = Contact { name: "Rosa".into(), phone: "555-0100".into(), address: "4 Elm St".into(), ..Contact::default() };
    let sealed = seal::Key32(common::RECORD_KEY).seal_contact(common::NEED, &contact);
    write(&dir, "contact", &[&[1u8][..], sealed.0.as_bytes()].concat());

    println!("seeds written to {}", seeds.display());
}
