//! One rule, one place: status transitions, dates in the group's time zone, members found by
//! name, short ids, and what happens when something fails after a change is saved. Each test
//! here is a regression for a rule that used to be written (differently) in several places.

use aidmesh_tests::{at, test_key, Cli, Group};
use chrono::{DateTime, Utc};
use crdt_core::*;
use uuid::Uuid;

const ANA: usize = Group::ORGANIZER_A;
const CAI: usize = Group::VOLUNTEER_A;
const DEV: usize = Group::VOLUNTEER_B;

fn need(doc: &mut GroupDoc, by: Uuid, places: u32) -> Need {
    let input = NewNeed { volunteers_needed: places, ..NewNeed::new("Groceries", Category::Groceries, Urgency::Normal, "North") };
    doc.add_need(by, input, at(10)).unwrap()
}

/// The action's error, and that it wrote nothing.
fn refused<T: std::fmt::Debug>(doc: &mut GroupDoc, action: impl FnOnce(&mut GroupDoc) -> Result<T>) -> Error {
    let heads = doc.heads();
    let error = action(doc).unwrap_err();
    assert_eq!(doc.heads(), heads, "a refused action moved the document");
    error
}

#[test]
fn a_declined_assignment_cannot_come_back_onto_a_need_that_filled_up_meanwhile() {
    let mut group = Group::new();
    let (ana, cai, dev) = (group.member(ANA), group.member(CAI), group.member(DEV));
    let doc = &mut group.devices[ANA].doc;
    let need = need(doc, ana, 1);
    let declined = doc.assign(ana, need.id, cai, None, "", at(11)).unwrap();
    doc.set_assignment_status(ana, declined.id, AssignmentStatus::Declined, at(12)).unwrap();
    assert_eq!(doc.need(need.id).unwrap().status, NeedStatus::Open);
    doc.assign(ana, need.id, dev, None, "", at(13)).unwrap();
    assert_eq!(doc.need(need.id).unwrap().status, NeedStatus::Matched);

    // Undoing the decline would put two volunteers on a one-place need.
    let error = refused(doc, |d| d.set_assignment_status(ana, declined.id, AssignmentStatus::Proposed, at(14)));
    assert!(matches!(error, Error::Invalid(ValidationError::NeedFull(1))), "{error:?}");
}

#[test]
fn a_reactivated_assignment_counts_against_its_offer_again() {
    let mut group = Group::new();
    let (ana, cai) = (group.member(ANA), group.member(CAI));
    let doc = &mut group.devices[ANA].doc;
    let offer = doc.add_offer(ana, NewOffer::new(cai, "Car", vec![Category::Groceries], OfferKind::Transport, "North"), at(10)).unwrap();
    let (first, second) = (need(doc, ana, 1), need(doc, ana, 1));
    let declined = doc.assign(ana, first.id, cai, Some(offer.id), "", at(11)).unwrap();
    doc.set_assignment_status(cai, declined.id, AssignmentStatus::Declined, at(12)).unwrap();
    doc.assign(ana, second.id, cai, Some(offer.id), "", at(13)).unwrap();

    let error = refused(doc, |d| d.set_assignment_status(cai, declined.id, AssignmentStatus::Accepted, at(14)));
    assert!(matches!(error, Error::Invalid(ValidationError::AtCapacity { capacity: 1, .. })), "{error:?}");
}

#[test]
fn statuses_move_only_as_the_tables_allow() {
    let mut group = Group::new();
    let (ana, cai) = (group.member(ANA), group.member(CAI));
    let doc = &mut group.devices[ANA].doc;
    let need = need(doc, ana, 1);
    // Open, matched and in progress follow the assignments; nobody sets them by hand.
    let error = refused(doc, |d| d.set_need_status(ana, need.id, NeedStatus::InProgress, at(11)));
    assert!(matches!(error, Error::Invalid(ValidationError::NoSuchTransition { .. })), "{error:?}");

    let taken = doc.assign(ana, need.id, cai, None, "", at(11)).unwrap();
    doc.set_assignment_status(cai, taken.id, AssignmentStatus::Accepted, at(12)).unwrap();
    assert_eq!(doc.need(need.id).unwrap().status, NeedStatus::InProgress);
    // A closed need reopens to whatever its assignments say, whichever open status was asked.
    doc.set_need_status(ana, need.id, NeedStatus::Cancelled, at(13)).unwrap();
    let error = refused(doc, |d| d.set_need_status(ana, need.id, NeedStatus::Done, at(14)));
    assert!(matches!(error, Error::Invalid(ValidationError::NoSuchTransition { .. })), "{error:?}");
    assert_eq!(doc.set_need_status(ana, need.id, NeedStatus::Open, at(15)).unwrap().status, NeedStatus::InProgress);

    doc.set_assignment_status(cai, taken.id, AssignmentStatus::Done, at(16)).unwrap();
    assert_eq!(doc.need(need.id).unwrap().status, NeedStatus::Done);
    let error = refused(doc, |d| d.set_assignment_status(cai, taken.id, AssignmentStatus::Proposed, at(17)));
    assert!(matches!(error, Error::Invalid(ValidationError::NoSuchTransition { .. })), "{error:?}");
    // Setting the status an assignment already has is no change at all.
    let heads = doc.heads();
    doc.set_assignment_status(cai, taken.id, AssignmentStatus::Done, at(18)).unwrap();
    assert_eq!(doc.heads(), heads);
}

#[test]
fn a_date_means_the_end_of_that_day_in_the_groups_time_zone_everywhere() {
    let madrid = parse_time_zone("Europe/Madrid").unwrap();
    let expected: DateTime<Utc> = "2030-12-01T22:59:59Z".parse().unwrap();
    assert_eq!(parse_deadline("2030-12-01", madrid).unwrap(), expected);

    // The CLI reads the date in the group's zone, once an organizer sets it.
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(dir.path());
    cli.ok(&["init", "--group", "Barrio", "--name", "Ana"]).unwrap();
    let utc = cli.json(&["need", "add", "--title", "Before", "--category", "meals", "--area", "Centro", "--needed-by", "2030-12-01"]).unwrap();
    assert_eq!(utc["needed_by"], "2030-12-01T23:59:59Z");
    assert!(cli.fails(&["time-zone", "Mars/Olympus"]).unwrap().contains("is not a time zone"));
    assert_eq!(cli.json(&["time-zone", "Europe/Madrid"]).unwrap()["time_zone"], "Europe/Madrid");
    let local = cli.json(&["need", "add", "--title", "After", "--category", "meals", "--area", "Centro", "--needed-by", "2030-12-01"]).unwrap();
    assert_eq!(local["needed_by"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(), expected);
}

#[test]
fn weekly_slots_are_read_in_the_groups_time_zone() {
    let mut group = Group::new();
    let (ana, cai) = (group.member(ANA), group.member(CAI));
    let doc = &mut group.devices[ANA].doc;
    doc.set_time_zone(ana, "America/Chicago", at(5)).unwrap();
    let mut offer = NewOffer::new(cai, "Evening rides", vec![Category::Groceries], OfferKind::Transport, "North");
    offer.availability.weekly = vec!["mon 18:00-21:00".parse().unwrap()];
    doc.add_offer(ana, offer, at(6)).unwrap();
    // Monday 18:00 in Chicago is Tuesday 00:00 UTC (in January, UTC-6). A need due by Monday
    // 23:30 UTC is over before the volunteer is free; one due Tuesday 01:00 UTC is not.
    let monday: DateTime<Utc> = "2031-01-06T12:00:00Z".parse().unwrap();
    let due = |by: &str| NewNeed { needed_by: Some(by.parse().unwrap()), ..NewNeed::new("Ride", Category::Groceries, Urgency::Normal, "North") };
    let early = doc.add_need(ana, due("2031-01-06T23:30:00Z"), monday).unwrap();
    let late = doc.add_need(ana, due("2031-01-07T01:00:00Z"), monday).unwrap();
    let free = |need: &Need| doc.matcher().unwrap().rank(need, monday).unwrap().candidates[0].reasons.iter().any(|r| matches!(r, Reason::FreeWeekly { .. }));
    assert!(!free(&early));
    assert!(free(&late));
}

#[test]
fn members_are_found_by_name_and_short_ids_tell_records_apart() {
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(dir.path());
    cli.ok(&["init", "--group", "Eastside", "--name", "Ana"]).unwrap();
    cli.ok(&["member", "add", "--name", "Cai"]).unwrap();
    cli.ok(&["member", "add", "--name", "Carmen"]).unwrap();
    // A unique name or start of a name works wherever a member is asked for; an ambiguous one says so.
    let offer = cli.json(&["offer", "add", "--member", "cai", "--what", "Car", "--category", "transport", "--area", "North"]).unwrap();
    assert!(cli.fails(&["offer", "add", "--member", "Ca", "--what", "x", "--category", "meals", "--area", "North"]).unwrap().contains("matches 2 members"));
    let need = cli.json(&["need", "add", "--title", "Ride", "--category", "transport", "--area", "North"]).unwrap();
    let assignment = cli.json(&["assign", need["id"].as_str().unwrap(), "--to", "Carm"]).unwrap();
    assert_eq!(cli.json(&["member", "list"]).unwrap().as_array().unwrap().iter().find(|m| m["display_name"] == "Carmen").unwrap()["id"], assignment["volunteer"]);
    assert!(cli.ok(&["hours", "statement", "CAI"]).unwrap().starts_with("Statement for Cai"));

    // Made in the same minute, the three records still get three different short ids, and
    // each short id finds its record again.
    let ids = [&offer, &need, &assignment].map(|v| v["id"].as_str().unwrap().parse::<Uuid>().unwrap());
    let shorts = ids.map(short_id);
    assert!(shorts[0] != shorts[1] && shorts[1] != shorts[2] && shorts[0] != shorts[2], "{shorts:?}");
    let listed = cli.ok(&["need", "list"]).unwrap();
    assert!(listed.contains(&shorts[1]), "{listed}");
    assert_eq!(cli.json(&["need", "show", &shorts[1]]).unwrap()["need"]["id"], need["id"]);
}

#[test]
fn a_failure_after_the_commit_does_not_fail_the_action_and_nothing_is_done_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aidmesh.db");
    let mut store = Store::create(&path, &test_key(), "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap();
    // Compaction, which follows a write every few hundred changes, will fail.
    Store::unlocked_connection(&path, &test_key())
        .unwrap()
        .execute_batch("CREATE TRIGGER no_compaction BEFORE DELETE ON chunks BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;")
        .unwrap();
    let mut warned = Vec::new();
    for i in 0..600 {
        let input = NewNeed::new(&format!("Need {i}"), Category::Meals, Urgency::Normal, "North");
        store.act(|doc, me, now| doc.add_need(me, input, now)).expect("a saved action is reported as done");
        warned.extend(store.take_warnings());
    }
    assert!(!warned.is_empty(), "the failed compaction was not reported");
    assert!(warned.iter().all(|w| matches!(w, Error::AfterCommit { .. }) && w.to_string().contains("disk trouble")), "{warned:?}");
    drop(store);
    let reopened = Store::open(&path, &test_key()).unwrap();
    assert_eq!(reopened.needs(&NeedFilter::default()).unwrap().len(), 600, "every acknowledged need once, none twice");
}
