//! Decisions made apart surface as conflicts on every replica, with both sides and who made
//! them; an organizer's resolution clears them everywhere after sync.

use aidmesh_tests::{at, Group};
use crdt_core::*;

fn need(group: &mut Group, volunteers: u32) -> uuid::Uuid {
    let organizer = group.member(Group::ORGANIZER_A);
    let input = NewNeed { volunteers_needed: volunteers, ..NewNeed::new("Groceries for Mrs K", Category::Groceries, Urgency::High, "North") };
    let need = group.devices[0].doc.add_need(organizer, input, at(10)).unwrap();
    group.sync_all();
    need.id
}

#[test]
fn two_organizers_assigning_one_place_apart_is_a_conflict_until_one_decides() {
    let mut group = Group::new();
    let need = need(&mut group, 1);
    let (a, b) = (group.member(Group::ORGANIZER_A), group.member(Group::ORGANIZER_B));
    let (cai, dev) = (group.member(Group::VOLUNTEER_A), group.member(Group::VOLUNTEER_B));
    group.devices[0].doc.assign(a, need, cai, None, "", at(20)).unwrap();
    group.devices[1].doc.assign(b, need, dev, None, "", at(21)).unwrap();
    // Apart, each device sees a consistent picture.
    assert!(group.devices[0].doc.conflicts().is_empty());
    group.sync_all();

    let conflicts = group.devices[0].doc.conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:#?}");
    let conflict = &conflicts[0];
    assert_eq!(conflict.kind, ConflictKind::OverAssigned { volunteers_needed: 1 });
    assert_eq!(conflict.label, "Groceries for Mrs K");
    let by: Vec<_> = conflict.sides.iter().map(|s| s.by_name.clone().unwrap()).collect();
    assert_eq!(by, ["Ana", "Bea"]);
    for device in &group.devices {
        assert_eq!(&device.doc.conflicts(), &conflicts, "every replica lists the same conflicts");
    }

    // Bea decides on her phone to keep Dev; after the next meeting it is settled everywhere.
    let keep_dev = conflict.sides.iter().position(|s| s.value["volunteer"] == dev.to_string()).unwrap();
    let resolution = group.devices[1].doc.resolve(b, conflict.id, &[keep_dev], at(30)).unwrap();
    group.sync_all();
    for device in &group.devices {
        assert!(device.doc.conflicts().is_empty());
        let assignments = device.doc.assignments().records;
        let status_of = |v| assignments.iter().find(|x| x.volunteer == v).unwrap().status;
        assert_eq!(status_of(cai), AssignmentStatus::Cancelled);
        assert_eq!(status_of(dev), AssignmentStatus::Proposed);
        assert_eq!(device.doc.resolutions().records, vec![resolution.clone()]);
    }
}

#[test]
fn done_on_one_phone_and_cancelled_on_another_is_shown_and_nothing_is_dropped() {
    let mut group = Group::new();
    let need = need(&mut group, 1);
    let (a, cai) = (group.member(Group::ORGANIZER_A), group.member(Group::VOLUNTEER_A));
    let assignment = group.devices[0].doc.assign(a, need, cai, None, "", at(20)).unwrap();
    group.sync_all();
    // Cai finishes the shopping; meanwhile Ana, not knowing, cancels the need.
    group.devices[2].doc.set_assignment_status(cai, assignment.id, AssignmentStatus::Done, at(40)).unwrap();
    assert_eq!(group.devices[2].doc.need(need).unwrap().status, NeedStatus::Done);
    group.devices[0].doc.set_need_status(a, need, NeedStatus::Cancelled, at(41)).unwrap();
    group.sync_all();

    let conflicts = group.devices[3].doc.conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:#?}");
    let conflict = &conflicts[0];
    assert_eq!(conflict.kind, ConflictKind::DoneVersusCancelled);
    assert_eq!(conflict.field.as_deref(), Some("status"));
    let sides: Vec<_> = conflict.sides.iter().map(|s| (s.value.as_str().unwrap().to_string(), s.by_name.clone().unwrap(), s.at.unwrap())).collect();
    assert!(sides.contains(&("done".into(), "Cai".into(), at(40))), "{sides:?}");
    assert!(sides.contains(&("cancelled".into(), "Ana".into(), at(41))), "{sides:?}");

    // A volunteer cannot decide it; an organizer can.
    assert!(matches!(group.devices[2].doc.resolve(cai, conflict.id, &[0], at(50)), Err(Error::Invalid(ValidationError::OrganizersOnly(_)))));
    let keep_done = conflict.sides.iter().position(|s| s.value == "done").unwrap();
    group.devices[0].doc.resolve(a, conflict.id, &[keep_done], at(50)).unwrap();
    group.sync_all();
    for device in &group.devices {
        assert!(device.doc.conflicts().is_empty());
        assert_eq!(device.doc.need(need).unwrap().status, NeedStatus::Done);
    }
    // The same decision cannot be taken twice.
    assert!(matches!(group.devices[0].doc.resolve(a, conflict.id, &[keep_done], at(51)), Err(Error::ConflictGone)));
}

#[test]
fn the_same_value_written_twice_apart_is_agreement_not_conflict() {
    let mut group = Group::new();
    let need = need(&mut group, 1);
    let (a, b) = (group.member(Group::ORGANIZER_A), group.member(Group::ORGANIZER_B));
    group.devices[0].doc.set_need_status(a, need, NeedStatus::Referred, at(20)).unwrap();
    group.devices[1].doc.set_need_status(b, need, NeedStatus::Referred, at(21)).unwrap();
    group.sync_all();
    assert!(group.devices[0].doc.conflicts().is_empty());
}

#[test]
fn different_statuses_set_apart_are_a_concurrent_edit() {
    let mut group = Group::new();
    let need = need(&mut group, 1);
    let (a, b) = (group.member(Group::ORGANIZER_A), group.member(Group::ORGANIZER_B));
    group.devices[0].doc.set_need_status(a, need, NeedStatus::Referred, at(20)).unwrap();
    group.devices[1].doc.set_need_status(b, need, NeedStatus::Expired, at(21)).unwrap();
    group.sync_all();
    let conflicts = group.devices[0].doc.conflicts();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kind, ConflictKind::ConcurrentEdit);
    // Keeping two values of one field is not a decision.
    let err = group.devices[0].doc.resolve(a, conflicts[0].id, &[0, 1], at(30)).unwrap_err();
    assert_eq!(err.to_string(), "keep exactly 1 of the 2 sides");
    let err = group.devices[0].doc.resolve(a, conflicts[0].id, &[5], at(30)).unwrap_err();
    assert_eq!(err.to_string(), "there is no side 6 (sides are 1 to 2)");
}

#[test]
fn a_volunteer_booked_past_capacity_while_apart_is_a_conflict() {
    let mut group = Group::new();
    let (a, b, cai) = (group.member(Group::ORGANIZER_A), group.member(Group::ORGANIZER_B), group.member(Group::VOLUNTEER_A));
    let first = need(&mut group, 1);
    let second = need(&mut group, 1);
    let offer = NewOffer { capacity: 1, ..NewOffer::new(cai, "Car rides", vec![Category::Transport, Category::Groceries], OfferKind::Transport, "North") };
    let offer = group.devices[2].doc.add_offer(cai, offer, at(5)).unwrap();
    group.sync_all();
    group.devices[0].doc.assign(a, first, cai, Some(offer.id), "", at(20)).unwrap();
    // On one device the capacity is enforced straight away.
    let err = group.devices[0].doc.assign(a, second, cai, Some(offer.id), "", at(20)).unwrap_err();
    assert!(matches!(err, Error::Invalid(ValidationError::AtCapacity { capacity: 1, .. })), "{err}");
    group.devices[1].doc.assign(b, second, cai, Some(offer.id), "", at(21)).unwrap();
    group.sync_all();
    let conflicts = group.devices[3].doc.conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:#?}");
    assert_eq!(conflicts[0].kind, ConflictKind::OverCapacity { capacity: 1 });
    assert_eq!(conflicts[0].label, "Car rides");
}

#[test]
fn assigning_to_a_withdrawn_offer_or_a_removed_member_is_refused() {
    let mut group = Group::new();
    let need = need(&mut group, 2);
    let (a, cai, dev) = (group.member(Group::ORGANIZER_A), group.member(Group::VOLUNTEER_A), group.member(Group::VOLUNTEER_B));
    let doc = &mut group.devices[0].doc;
    let offer = doc.add_offer(a, NewOffer::new(cai, "Shopping", vec![Category::Groceries], OfferKind::Time, "North"), at(5)).unwrap();
    doc.set_offer_status(a, offer.id, OfferStatus::Withdrawn, at(6)).unwrap();
    let heads = doc.heads();
    let err = doc.assign(a, need, cai, Some(offer.id), "", at(7)).unwrap_err();
    assert_eq!(err.to_string(), "the offer 'Shopping' is withdrawn and cannot take assignments");
    doc.remove_member(a, dev, at(8)).unwrap();
    let heads_after_removal = doc.heads();
    let err = doc.assign(a, need, dev, None, "", at(9)).unwrap_err();
    assert_eq!(err.to_string(), "Dev has been removed from the group");
    assert_ne!(heads, heads_after_removal);
    assert_eq!(doc.heads(), heads_after_removal, "a refused action writes nothing");
}

#[test]
fn areas_added_apart_next_to_the_same_area_both_count_as_its_neighbours() {
    let mut group = Group::new();
    let (a, b) = (group.member(Group::ORGANIZER_A), group.member(Group::ORGANIZER_B));
    group.devices[0].doc.add_area(a, "North", &[], at(5)).unwrap();
    group.sync_all();
    group.devices[0].doc.add_area(a, "River", &["North".to_string()], at(6)).unwrap();
    group.devices[1].doc.add_area(b, "Hillside", &["North".to_string()], at(7)).unwrap();
    group.sync_all();
    let settings = group.devices[2].doc.group().unwrap().settings;
    assert_eq!(settings.neighbours("North"), ["Hillside", "River"]);
    assert_eq!(settings.neighbours("River"), ["North"]);
    assert!(group.devices[2].doc.conflicts().is_empty());
    let err = group.devices[0].doc.add_area(a, "Docks", &["Atlantis".to_string()], at(8)).unwrap_err();
    assert!(err.to_string().starts_with("unknown area 'Atlantis'"), "{err}");
}

#[test]
fn group_settings_changed_apart_are_a_conflict_too() {
    let mut group = Group::new();
    let a = group.member(Group::ORGANIZER_A);
    // Two devices change the group's expiry setting while apart (written raw: no action does it yet).
    let base = group.devices[0].doc.heads();
    let mut edits = Vec::new();
    for days in [14, 60] {
        let mut raw = automerge::Automerge::load(&group.devices[0].doc.save()).unwrap();
        raw.transact::<_, _, automerge::AutomergeError>(|tx| {
            use automerge::transaction::Transactable;
            use automerge::ReadDoc;
            let (_, group_obj) = tx.get(automerge::ROOT, "group")?.unwrap();
            let (_, settings) = tx.get(&group_obj, "settings")?.unwrap();
            tx.put(&settings, "expiry_days", days)
        })
        .unwrap();
        edits.push(raw.save_after(&base));
    }
    for edit in &edits {
        group.devices[0].doc.apply_bytes(edit).unwrap();
    }
    let conflicts = group.devices[0].doc.conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:#?}");
    assert_eq!((conflicts[0].collection, conflicts[0].field.as_deref()), (Collection::Group, Some("settings.expiry_days")));
    let keep_60 = conflicts[0].sides.iter().position(|s| s.value == 60).unwrap();
    group.devices[0].doc.resolve(a, conflicts[0].id, &[keep_60], at(20)).unwrap();
    assert!(group.devices[0].doc.conflicts().is_empty());
    assert_eq!(group.devices[0].doc.group().unwrap().settings.expiry_days, 60);
}
