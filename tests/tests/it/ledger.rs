//! The timebank: entries and verdicts are records written once; who may log, confirm, dispute
//! and void; balances and statements count confirmed hours only, once each, identically on
//! every replica whatever order changes arrive in, and the store's index agrees.

use std::collections::{BTreeMap, BTreeSet};

use aidmesh_tests::{at, deliver_some, sync_stores, test_key, Device, Group, Phone};
use crdt_core::*;
use proptest::prelude::*;
use serde_json::json;
use uuid::Uuid;

const ANA: usize = Group::ORGANIZER_A;
const BEA: usize = Group::ORGANIZER_B;
const CAI: usize = Group::VOLUNTEER_A;
const DEV: usize = Group::VOLUNTEER_B;

fn hours(text: &str) -> Hours {
    text.parse().unwrap()
}

/// Stands for the group's own account where a device is expected.
const THE_GROUP: usize = usize::MAX;

/// `giver` logs hours on their own device, to the member of device `to` or to `THE_GROUP`.
fn log(group: &mut Group, giver: usize, to: usize, amount: &str) -> HourEntry {
    let to = if to == THE_GROUP { Party::Group } else { member(group, to) };
    let me = group.member(giver);
    group.devices[giver].doc.log_hours(me, NewHours::new(me, to, hours(amount)), at(30)).unwrap()
}

fn member(group: &Group, device: usize) -> Party {
    Party::Member(group.member(device))
}

fn status(doc: &GroupDoc, entry: Uuid) -> EntryStatus {
    doc.ledger().entries.into_iter().find(|e| e.entry.id == entry).unwrap().status
}

/// (given, received, net) per party, as text for short assertions.
fn balances(doc: &GroupDoc) -> BTreeMap<Party, (String, String, String)> {
    doc.ledger().balances().into_iter().map(|b| (b.party, (b.given.to_string(), b.received.to_string(), b.net.to_string()))).collect()
}

fn invalid(err: Error) -> ValidationError {
    match err {
        Error::Invalid(e) => e,
        other => panic!("expected a validation error, got {other}"),
    }
}

/// Runs an action that must be refused, checks nothing was written, and returns why.
fn refused<T: std::fmt::Debug>(doc: &mut GroupDoc, action: impl FnOnce(&mut GroupDoc) -> Result<T>) -> ValidationError {
    let heads = doc.heads();
    let err = action(doc).expect_err("the action should be refused");
    assert_eq!(doc.heads(), heads, "a refused action wrote something ({err})");
    invalid(err)
}

#[test]
fn hours_are_exact_quarter_hours_written_as_hours() {
    assert_eq!(hours("1.5").quarters(), 6);
    assert_eq!(hours(" 0.25 ").quarters(), 1);
    assert_eq!((hours("2").to_string(), hours("1.75").to_string(), hours("-0.5").to_string()), ("2".into(), "1.75".into(), "-0.5".into()));
    for bad in ["0.3", "1/2", "one", "", "NaN", "inf"] {
        assert!(matches!(bad.parse::<Hours>(), Err(ValidationError::NotQuarterHours(_))), "{bad}");
    }
    assert_eq!(hours("24").check_entry(), Ok(hours("24")));
    for out_of_range in ["0", "-1", "24.25"] {
        assert_eq!(hours(out_of_range).check_entry(), Err(ValidationError::HoursOutOfRange(out_of_range.into())));
    }
    assert_eq!(serde_json::to_value(hours("1.5")).unwrap(), json!(1.5));
    assert_eq!(serde_json::from_value::<Hours>(json!(2)).unwrap(), hours("2"));
    assert!(serde_json::from_value::<Hours>(json!(0.1)).is_err());
}

#[test]
fn logging_checks_the_hours_the_people_and_the_assignment() {
    let mut group = Group::new();
    let (ana, cai, dev) = (group.member(ANA), group.member(CAI), group.member(DEV));
    let doc = &mut group.devices[ANA].doc;
    let need = doc.add_need(ana, NewNeed::new("Groceries", Category::Groceries, Urgency::High, "North"), at(10)).unwrap();
    let assignment = doc.assign(ana, need.id, cai, None, "", at(11)).unwrap();
    let new = |from, to, amount: &str| NewHours::new(from, to, hours(amount));

    assert_eq!(refused(doc, |d| d.log_hours(cai, new(cai, Party::Group, "0"), at(30))), ValidationError::HoursOutOfRange("0".into()));
    assert_eq!(refused(doc, |d| d.log_hours(cai, new(cai, Party::Group, "24.25"), at(30))), ValidationError::HoursOutOfRange("24.25".into()));
    assert_eq!(refused(doc, |d| d.log_hours(cai, new(cai, Party::Member(cai), "1"), at(30))), ValidationError::HoursToSelf);
    assert_eq!(refused(doc, |d| d.log_hours(cai, new(dev, Party::Group, "1"), at(30))), ValidationError::OrganizersOnly("log hours someone else gave"));
    let long = NewHours { note: "x".repeat(MAX_TEXT + 1), ..new(cai, Party::Group, "1") };
    assert_eq!(refused(doc, |d| d.log_hours(cai, long, at(30))), ValidationError::TooLong { field: Field::Note, max: MAX_TEXT });
    let for_assignment = |from| NewHours { assignment: Some(assignment.id), ..new(from, Party::Group, "1.5") };
    assert_eq!(refused(doc, |d| d.log_hours(cai, for_assignment(cai), at(30))), ValidationError::AssignmentNotDone("proposed".into()));
    doc.set_assignment_status(cai, assignment.id, AssignmentStatus::Done, at(20)).unwrap();
    assert_eq!(refused(doc, |d| d.log_hours(dev, for_assignment(dev), at(30))), ValidationError::AssignmentOfAnotherMember("Cai".into()));

    // An organizer logs for Cai; the category comes from the need.
    let entry = doc.log_hours(ana, for_assignment(cai), at(30)).unwrap();
    assert_eq!((entry.from, entry.to, entry.created_by, entry.category), (cai, Party::Group, ana, Some(Category::Groceries)));
    assert_eq!(refused(doc, |d| d.log_hours(cai, for_assignment(cai), at(31))), ValidationError::AlreadyLogged(entry.id));
    // Once that entry is voided, the work can be logged again.
    doc.void_hours(ana, entry.id, "wrong hours", at(32)).unwrap();
    doc.log_hours(cai, for_assignment(cai), at(33)).unwrap();

    doc.remove_member(ana, dev, at(40)).unwrap();
    assert_eq!(refused(doc, |d| d.log_hours(cai, new(cai, Party::Member(dev), "1"), at(41))), ValidationError::MemberRemoved("Dev".into()));
}

#[test]
fn the_receiver_or_an_organizer_confirms_and_never_the_giver() {
    let mut group = Group::new();
    let (ana, cai, dev) = (group.member(ANA), group.member(CAI), group.member(DEV));
    let to_dev = log(&mut group, CAI, DEV, "2");
    let to_group = log(&mut group, CAI, THE_GROUP, "1");
    let doc = &mut group.devices[CAI].doc;
    assert_eq!(refused(doc, |d| d.confirm_hours(cai, to_dev.id, at(40))), ValidationError::ConfirmOwnHours);
    assert_eq!(refused(doc, |d| d.confirm_hours(dev, to_group.id, at(40))), ValidationError::NotTheReceiver);
    assert_eq!(status(doc, to_dev.id), EntryStatus::Pending);
    assert!(doc.ledger().balances().is_empty(), "pending hours count for nobody");

    group.sync_all();
    let verdict = group.devices[DEV].doc.confirm_hours(dev, to_dev.id, at(41)).unwrap();
    assert_eq!((verdict.kind, verdict.entry, verdict.by), (VerdictKind::Confirm, to_dev.id, dev));
    assert_eq!(refused(&mut group.devices[DEV].doc, |d| d.confirm_hours(ana, to_dev.id, at(42))), ValidationError::AlreadyConfirmed);
    // Hours given to the group are the organizers' to confirm.
    group.devices[ANA].doc.confirm_hours(ana, to_group.id, at(43)).unwrap();
    group.sync_all();
    let expected: BTreeMap<Party, (String, String, String)> = [
        (member(&group, CAI), ("3".into(), "0".into(), "3".into())),
        (member(&group, DEV), ("0".into(), "2".into(), "-2".into())),
        (Party::Group, ("0".into(), "1".into(), "-1".into())),
    ]
    .into();
    assert_eq!(balances(&group.devices[CAI].doc), expected);

    // The entry's history shows what became of it, and who.
    let history = group.devices[CAI].doc.history(to_dev.id);
    let steps: Vec<(&str, Option<&str>)> = history.iter().map(|h| (h.action.as_str(), h.by_name.as_deref())).collect();
    assert_eq!(steps, [("hours.log", Some("Cai")), ("hours.confirm", Some("Dev"))]);
}

#[test]
fn a_dispute_holds_the_hours_until_an_organizer_settles_it() {
    let mut group = Group::new();
    let (ana, cai, dev) = (group.member(ANA), group.member(CAI), group.member(DEV));
    let entry = log(&mut group, CAI, DEV, "3");
    let to_group = log(&mut group, CAI, THE_GROUP, "1");
    let doc = &mut group.devices[CAI].doc;
    assert_eq!(refused(doc, |d| d.dispute_hours(dev, entry.id, "  ", at(40))), ValidationError::Empty(Field::Reason));
    assert_eq!(refused(doc, |d| d.dispute_hours(dev, to_group.id, "not me", at(40))), ValidationError::NotAParty("dispute these hours"));
    let dispute = doc.dispute_hours(dev, entry.id, "it was 2 hours", at(41)).unwrap();
    assert_eq!(status(doc, entry.id), EntryStatus::Disputed);
    assert_eq!(refused(doc, |d| d.dispute_hours(cai, entry.id, "no, 3", at(42))), ValidationError::AlreadyDisputed);
    assert_eq!(refused(doc, |d| d.confirm_hours(dev, entry.id, at(42))), ValidationError::OrganizersOnly("confirm disputed hours"));
    assert!(doc.ledger().balances().is_empty());

    let settled = doc.confirm_hours(ana, entry.id, at(43)).unwrap();
    assert_eq!(settled.settles, [dispute.id]);
    assert_eq!(status(doc, entry.id), EntryStatus::Confirmed);
    assert_eq!(refused(doc, |d| d.dispute_hours(dev, entry.id, "still 2", at(44))), ValidationError::AlreadyConfirmed);
    assert_eq!(balances(doc)[&member(&group, DEV)], ("0".into(), "3".into(), "-3".into()));
}

#[test]
fn voiding_needs_a_reason_is_final_and_takes_the_hours_out() {
    let mut group = Group::new();
    let (ana, cai, dev) = (group.member(ANA), group.member(CAI), group.member(DEV));
    let typo = log(&mut group, CAI, DEV, "20");
    let confirmed = log(&mut group, CAI, DEV, "1");
    let doc = &mut group.devices[CAI].doc;
    assert_eq!(refused(doc, |d| d.void_hours(cai, typo.id, "", at(40))), ValidationError::Empty(Field::Reason));
    assert_eq!(refused(doc, |d| d.void_hours(dev, typo.id, "not mine", at(40))), ValidationError::OrganizersOnly("void hours someone else logged"));
    doc.void_hours(cai, typo.id, "meant 2, not 20", at(41)).unwrap();
    assert_eq!(status(doc, typo.id), EntryStatus::Voided);
    assert_eq!(refused(doc, |d| d.void_hours(ana, typo.id, "again", at(42))), ValidationError::Voided);
    assert_eq!(refused(doc, |d| d.confirm_hours(dev, typo.id, at(42))), ValidationError::Voided);
    assert_eq!(refused(doc, |d| d.dispute_hours(dev, typo.id, "why", at(42))), ValidationError::Voided);

    doc.confirm_hours(dev, confirmed.id, at(43)).unwrap();
    assert_eq!(refused(doc, |d| d.void_hours(cai, confirmed.id, "oops", at(44))), ValidationError::OrganizersOnly("void confirmed hours"));
    assert_eq!(doc.ledger().balances().len(), 2);
    doc.void_hours(ana, confirmed.id, "counted twice with paper records", at(45)).unwrap();
    assert!(doc.ledger().balances().is_empty());
    // Nothing was edited: the entries are as logged, the verdicts sit beside them.
    assert_eq!(doc.hour_entries().records, vec![typo, confirmed]);
    assert_eq!(doc.hour_verdicts().records.len(), 3);
}

#[test]
fn a_statement_runs_a_balance_over_confirmed_lines_and_exports_csv() {
    let mut group = Group::new();
    let (ana, cai, dev) = (group.member(ANA), group.member(CAI), group.member(DEV));
    let doc = &mut group.devices[ANA].doc;
    let given = doc.log_hours(cai, NewHours { note: "Moved a sofa, \"heavy\"".into(), ..NewHours::new(cai, Party::Member(dev), hours("2")) }, at(30)).unwrap();
    let received = doc.log_hours(dev, NewHours { category: Some(Category::TechHelp), ..NewHours::new(dev, Party::Member(cai), hours("0.5")) }, at(31)).unwrap();
    let pending = doc.log_hours(cai, NewHours { note: "=HYPERLINK(\"x\")".into(), ..NewHours::new(cai, Party::Group, hours("1.25")) }, at(32)).unwrap();
    doc.confirm_hours(dev, given.id, at(40)).unwrap();
    doc.confirm_hours(ana, received.id, at(41)).unwrap();

    let statement = doc.ledger().statement(Party::Member(cai));
    let lines: Vec<(Uuid, Party, String, EntryStatus, String)> =
        statement.lines.iter().map(|l| (l.entry, l.with, l.hours.to_string(), l.status, l.balance.to_string())).collect();
    assert_eq!(
        lines,
        [
            (given.id, Party::Member(dev), "2".into(), EntryStatus::Confirmed, "2".into()),
            (received.id, Party::Member(dev), "-0.5".into(), EntryStatus::Confirmed, "1.5".into()),
            (pending.id, Party::Group, "1.25".into(), EntryStatus::Pending, "1.5".into()),
        ]
    );
    assert_eq!(statement.balance, hours("1.5"));
    // A name with a comma is quoted; the group is "the group", as the app and the CLI write it.
    let neighbour = Member { display_name: "Dev, the neighbour".into(), ..doc.member(dev).unwrap() };
    let csv = statement.to_csv(&Names::new([&neighbour]));
    let expected = format!(
        "date,entry,with,hours,status,balance,category,assignment,note\r\n\
         2030-01-01T09:30:00Z,{},\"Dev, the neighbour\",2,confirmed,2,,,\"Moved a sofa, \"\"heavy\"\"\"\r\n\
         2030-01-01T09:31:00Z,{},\"Dev, the neighbour\",-0.5,confirmed,1.5,tech_help,,\r\n\
         2030-01-01T09:32:00Z,{},the group,1.25,pending,1.5,,,\"'=HYPERLINK(\"\"x\"\")\"\r\n",
        given.id, received.id, pending.id
    );
    assert_eq!(csv, expected);

    let group_statement = doc.ledger().statement(Party::Group);
    assert_eq!(group_statement.lines.len(), 1);
    assert_eq!((group_statement.lines[0].hours, group_statement.balance), (hours("-1.25"), Hours::ZERO));
    // Hours move between people; none appear or vanish.
    let total: i64 = doc.ledger().balances().iter().map(|b| b.net.quarters()).sum();
    assert_eq!(total, 0);
}

#[test]
fn confirmations_made_apart_count_the_hours_once() {
    let mut group = Group::new();
    let (ana, bea, dev) = (group.member(ANA), group.member(BEA), group.member(DEV));
    let entry = log(&mut group, CAI, DEV, "2");
    group.sync_all();
    // Dev, Ana and Bea each confirm on their own phone, none knowing of the others.
    group.devices[DEV].doc.confirm_hours(dev, entry.id, at(40)).unwrap();
    group.devices[ANA].doc.confirm_hours(ana, entry.id, at(41)).unwrap();
    group.devices[BEA].doc.confirm_hours(bea, entry.id, at(42)).unwrap();
    group.sync_all();
    for device in &group.devices {
        assert_eq!(device.doc.hour_verdicts().records.len(), 3);
        assert_eq!(status(&device.doc, entry.id), EntryStatus::Confirmed);
        assert_eq!(balances(&device.doc)[&member(&group, CAI)], ("2".into(), "0".into(), "2".into()));
        assert_eq!(balances(&device.doc)[&member(&group, DEV)], ("0".into(), "2".into(), "-2".into()));
        assert!(device.doc.conflicts().is_empty(), "agreeing confirmations are not a conflict");
    }
}

#[test]
fn a_confirmation_and_a_dispute_made_apart_wait_for_an_organizer_and_a_void_wins() {
    let mut group = Group::new();
    let (ana, cai, dev) = (group.member(ANA), group.member(CAI), group.member(DEV));
    let disputed = log(&mut group, CAI, DEV, "2");
    let voided = log(&mut group, CAI, DEV, "1");
    group.sync_all();
    group.devices[DEV].doc.confirm_hours(dev, disputed.id, at(40)).unwrap();
    group.devices[CAI].doc.dispute_hours(cai, disputed.id, "I logged too much", at(41)).unwrap();
    group.devices[DEV].doc.confirm_hours(dev, voided.id, at(40)).unwrap();
    group.devices[ANA].doc.void_hours(ana, voided.id, "duplicate of a paper record", at(41)).unwrap();
    group.sync_all();
    for device in &group.devices {
        assert_eq!(status(&device.doc, disputed.id), EntryStatus::Disputed);
        assert_eq!(status(&device.doc, voided.id), EntryStatus::Voided);
        assert!(device.doc.ledger().balances().is_empty());
    }
    // Ana settles the dispute she can now see; after the next meeting everyone agrees.
    group.devices[ANA].doc.confirm_hours(ana, disputed.id, at(50)).unwrap();
    group.sync_all();
    for device in &group.devices {
        assert_eq!(status(&device.doc, disputed.id), EntryStatus::Confirmed);
    }
}

#[test]
fn hours_logged_twice_for_one_assignment_apart_are_a_conflict_an_organizer_settles() {
    let mut group = Group::new();
    let (ana, cai) = (group.member(ANA), group.member(CAI));
    let doc = &mut group.devices[ANA].doc;
    let need = doc.add_need(ana, NewNeed::new("Groceries", Category::Groceries, Urgency::High, "North"), at(10)).unwrap();
    let assignment = doc.assign(ana, need.id, cai, None, "", at(11)).unwrap();
    doc.set_assignment_status(ana, assignment.id, AssignmentStatus::Done, at(20)).unwrap();
    group.sync_all();
    // Cai logs his hours on his phone; Ana, not knowing, logs them for him on hers.
    let for_assignment = |amount| NewHours { assignment: Some(assignment.id), ..NewHours::new(cai, Party::Group, hours(amount)) };
    let cais = group.devices[CAI].doc.log_hours(cai, for_assignment("2"), at(30)).unwrap();
    let anas = group.devices[ANA].doc.log_hours(ana, for_assignment("1.5"), at(31)).unwrap();
    group.sync_all();

    let conflicts = group.devices[BEA].doc.conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:#?}");
    let conflict = &conflicts[0];
    assert_eq!((conflict.kind.clone(), conflict.label.as_str()), (ConflictKind::HoursLoggedTwice, "Groceries"));
    let sides: Vec<(Option<Uuid>, serde_json::Value, Option<String>)> = conflict.sides.iter().map(|s| (s.entry, s.value["hours"].clone(), s.by_name.clone())).collect();
    assert_eq!(sides, [(Some(cais.id), json!(2.0), Some("Cai".into())), (Some(anas.id), json!(1.5), Some("Ana".into()))]);
    for device in &group.devices {
        assert_eq!(&device.doc.conflicts(), &conflicts);
    }

    // Bea keeps Cai's entry; Ana's is voided everywhere after the next meeting.
    let bea = group.member(BEA);
    group.devices[BEA].doc.resolve(bea, conflict.id, &[0], at(40)).unwrap();
    group.sync_all();
    for device in &group.devices {
        assert!(device.doc.conflicts().is_empty());
        assert_eq!(status(&device.doc, anas.id), EntryStatus::Voided);
        assert_eq!(status(&device.doc, cais.id), EntryStatus::Pending);
    }
}

#[test]
fn the_store_index_agrees_with_the_document_in_any_order_of_arrival() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(&dir.path().join("aidmesh.db"), &test_key(), "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap();
    let ana = store.me().unwrap();
    let cai = store.act(|doc, me, now| doc.add_member(me, NewMember::new("Cai", Role::Volunteer), now)).unwrap().id;
    let dev = store.act(|doc, me, now| doc.add_member(me, NewMember::new("Dev", Role::Volunteer), now)).unwrap().id;
    let base = store.doc().unwrap().heads();
    let (mut cais, mut devs, mut anas) = (Phone::of(&mut store, cai), Phone::of(&mut store, dev), Phone::of(&mut store, ana));
    let first = cais.doc.log_hours(cai, NewHours::new(cai, Party::Member(dev), hours("2")), at(30)).unwrap();
    let second = cais.doc.log_hours(cai, NewHours::new(cai, Party::Group, hours("1.5")), at(31)).unwrap();
    devs.doc.apply_bytes(&cais.doc.changes_since(&base)).unwrap();
    anas.doc.apply_bytes(&cais.doc.changes_since(&base)).unwrap();
    devs.doc.confirm_hours(dev, first.id, at(40)).unwrap();
    anas.doc.confirm_hours(ana, first.id, at(41)).unwrap();
    anas.doc.confirm_hours(ana, second.id, at(42)).unwrap();
    cais.doc.dispute_hours(cai, second.id, "meant for Dev, not the group", at(43)).unwrap();

    // Each phone's changes arrive separately, Dev's (with Cai's that Dev had) first, some twice.
    let signatures: Signatures = [&cais, &devs, &anas].iter().flat_map(|phone| phone.signatures_since(&base)).collect();
    for phone in [&devs, &anas, &cais, &devs] {
        store.apply_remote(&phone.doc.changes_since(&base), &signatures).unwrap();
    }
    let doc_ledger = store.doc().unwrap().ledger();
    assert_eq!(store.balances().unwrap(), doc_ledger.balances());
    assert_eq!(store.ledger(&LedgerFilter::default()).unwrap(), doc_ledger);
    let statuses: Vec<EntryStatus> = doc_ledger.entries.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [EntryStatus::Confirmed, EntryStatus::Disputed]);
    assert_eq!(store.balances().unwrap().len(), 2, "the disputed hours count for nobody");
    let cais_statement = store.ledger(&LedgerFilter { party: Some(Party::Member(cai)), status: None }).unwrap().statement(Party::Member(cai));
    assert_eq!(cais_statement, doc_ledger.statement(Party::Member(cai)));
    let disputed = store.ledger(&LedgerFilter { party: None, status: Some(EntryStatus::Disputed) }).unwrap();
    assert_eq!(disputed.entries.iter().map(|e| e.entry.id).collect::<Vec<_>>(), [second.id]);

    // Settled in the store itself; a fresh process sees the same from the index alone.
    store.act(|doc, me, now| doc.confirm_hours(me, second.id, now)).unwrap();
    drop(store);
    let store = Store::open(&dir.path().join("aidmesh.db"), &test_key()).unwrap();
    let nets: BTreeMap<Party, String> = store.balances().unwrap().into_iter().map(|b| (b.party, b.net.to_string())).collect();
    assert_eq!(nets, [(Party::Member(cai), "3.5".into()), (Party::Member(dev), "-2".into()), (Party::Group, "-1.5".into())].into());
    assert_eq!(store.hour_entry(second.id).unwrap().status, EntryStatus::Confirmed);
}

#[test]
fn hours_travel_between_stores_in_a_meeting_and_its_digest_counts_them() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut ana = Store::create(&dir_a.path().join("aidmesh.db"), &test_key(), "Eastside", NewMember::new("Ana", Role::Organizer)).unwrap();
    let mut bo = Store::join(&dir_b.path().join("aidmesh.db"), &test_key(), &ana.invite(None).unwrap(), "Bo").unwrap();
    sync_stores(&mut ana, &mut bo);
    let ana_id = ana.me().unwrap();
    let entry = bo.act(|doc, me, now| doc.log_hours(me, NewHours::new(me, Party::Member(ana_id), hours("2")), now)).unwrap();
    let (_, on_ana, _) = sync_stores(&mut ana, &mut bo);
    assert_eq!((on_ana.hours.new, on_ana.hours.updated, on_ana.is_empty()), (1, 0, false));
    ana.act(|doc, me, now| doc.confirm_hours(me, entry.id, now)).unwrap();
    let (_, _, on_bo) = sync_stores(&mut ana, &mut bo);
    assert_eq!((on_bo.hours.new, on_bo.hours.updated), (0, 1), "a confirmation updates the entry it confirms");
    assert_eq!(bo.balances().unwrap(), ana.balances().unwrap());
    assert_eq!(bo.hour_entry(entry.id).unwrap().status, EntryStatus::Confirmed);
}

#[derive(Clone, Debug)]
enum Op {
    Log { device: usize, to: usize, quarters: i64 },
    Confirm { device: usize, entry: usize },
    Dispute { device: usize, entry: usize },
    Void { device: usize, entry: usize },
    /// `to` receives some of the changes `from` has that it lacks.
    Deliver { from: usize, to: usize, subset: u64, reverse: bool, duplicate: bool },
}

fn op() -> impl Strategy<Value = Op> {
    let device = 0..4usize;
    prop_oneof![
        3 => (device.clone(), 0..5usize, 1..=96i64).prop_map(|(device, to, quarters)| Op::Log { device, to, quarters }),
        3 => (device.clone(), any::<usize>()).prop_map(|(device, entry)| Op::Confirm { device, entry }),
        1 => (device.clone(), any::<usize>()).prop_map(|(device, entry)| Op::Dispute { device, entry }),
        1 => (device.clone(), any::<usize>()).prop_map(|(device, entry)| Op::Void { device, entry }),
        4 => (device.clone(), device, any::<u64>(), any::<bool>(), any::<bool>())
            .prop_map(|(from, to, subset, reverse, duplicate)| Op::Deliver { from, to, subset, reverse, duplicate }),
    ]
}

fn apply(devices: &mut [Device], op: &Op, clock: i64) {
    let now = at(clock);
    match *op {
        Op::Deliver { from, to, subset, reverse, duplicate } => deliver_some(devices, from, to, subset, reverse, duplicate),
        Op::Log { device, to, quarters } => {
            let me = devices[device].member;
            let to = if to == 4 { Party::Group } else { Party::Member(devices[to].member) };
            let doc = &mut devices[device].doc;
            let heads = doc.heads();
            if doc.log_hours(me, NewHours::new(me, to, Hours::from_quarters(quarters)), now).is_err() {
                assert_eq!(doc.heads(), heads);
            }
        }
        Op::Confirm { device, entry } | Op::Dispute { device, entry } | Op::Void { device, entry } => {
            let me = devices[device].member;
            let doc = &mut devices[device].doc;
            let entries = doc.hour_entries().records;
            let Some(entry) = entries.get(entry % entries.len().max(1)) else { return };
            let heads = doc.heads();
            let result = match op {
                Op::Confirm { .. } => doc.confirm_hours(me, entry.id, now),
                Op::Dispute { .. } => doc.dispute_hours(me, entry.id, "not right", now),
                _ => doc.void_hours(me, entry.id, "a mistake", now),
            };
            if result.is_err() {
                assert_eq!(doc.heads(), heads, "a refused verdict wrote something");
            }
        }
    }
}

/// The balances the rule gives, written out plainly from the records: an entry counts if it
/// has a confirmation, no void, and no dispute left unsettled by a confirmation.
fn reference_balances(doc: &GroupDoc) -> BTreeMap<Party, i64> {
    let verdicts = doc.hour_verdicts().records;
    let mut net = BTreeMap::new();
    for entry in doc.hour_entries().records {
        let of: Vec<&HourVerdict> = verdicts.iter().filter(|v| v.entry == entry.id).collect();
        let settled: BTreeSet<Uuid> = of.iter().filter(|v| v.kind == VerdictKind::Confirm).flat_map(|v| v.settles.clone()).collect();
        let counts = of.iter().any(|v| v.kind == VerdictKind::Confirm)
            && !of.iter().any(|v| v.kind == VerdictKind::Void)
            && of.iter().filter(|v| v.kind == VerdictKind::Dispute).all(|v| settled.contains(&v.id));
        if counts {
            *net.entry(Party::Member(entry.from)).or_default() += entry.hours.quarters();
            *net.entry(entry.to).or_default() -= entry.hours.quarters();
        }
    }
    net
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn balances_are_identical_whatever_the_merge_order_and_duplicates(ops in prop::collection::vec(op(), 1..40)) {
        let mut group = Group::new();
        for (i, op) in ops.iter().enumerate() {
            apply(&mut group.devices, op, 30 + i as i64);
        }
        group.sync_all();
        let first = group.devices[0].doc.ledger();
        for device in &group.devices[1..] {
            prop_assert_eq!(&device.doc.ledger(), &first);
        }
        let balances = first.balances();
        let nets: BTreeMap<Party, i64> = balances.iter().map(|b| (b.party, b.net.quarters())).filter(|(_, net)| *net != 0).collect();
        let mut expected = reference_balances(&group.devices[0].doc);
        expected.retain(|_, net| *net != 0);
        prop_assert_eq!(nets, expected);
        // Each confirmed entry counts once: what was given is what was received is what was confirmed.
        let confirmed: i64 = first.entries.iter().filter(|e| e.status == EntryStatus::Confirmed).map(|e| e.entry.hours.quarters()).sum();
        prop_assert_eq!(balances.iter().map(|b| b.given.quarters()).sum::<i64>(), confirmed);
        prop_assert_eq!(balances.iter().map(|b| b.received.quarters()).sum::<i64>(), confirmed);

        // A newcomer receiving every change backwards, and twice, ends with the same ledger.
        let mut changes = group.devices[0].doc.automerge().get_changes(&[]);
        changes.reverse();
        let mut newcomer = GroupDoc::empty(ActorId::random());
        for change in changes.iter().chain(&changes) {
            newcomer.apply_bytes(change.raw_bytes()).unwrap();
        }
        prop_assert_eq!(newcomer.ledger(), first);
    }
}
