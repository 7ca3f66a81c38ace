//! Referrals between two groups: a need sent from Eastside to Cleveland SEWG by a device in
//! both, its outcome carried back, and the person's contact details going only with consent,
//! to the receiving group's organizers and the volunteer assigned there.

use std::collections::BTreeSet;
use std::path::Path;

use aidmesh_tests::{founded_and_joined, sync_stores, sync_stores_capturing, test_key};
use chrono::Duration;
use crdt_core::seal::Subject;
use crdt_core::*;
use automerge::ReadDoc;
use proptest::prelude::*;
use tempfile::TempDir;

use crate::privacy::contains;

const PHONE: &str = "555-0142-REFERRALPHONE";
/// Cleveland's volunteer: no byte of Eastside's record may name her.
const VOLUNTEER: &str = "Victoria Quillfeather";

fn person() -> Contact {
    Contact { name: "Rosa".into(), phone: PHONE.into(), notes: "insulin, second floor".into(), ..Contact::default() }
}

/// Eastside (Ana, organizer; Dee, organizer) and Cleveland SEWG (Bea, organizer; Victoria,
/// volunteer). Ana's and Dee's devices are in both groups, each group in a database of its own
/// in the same data folder, as `aidmesh` keeps them.
struct Network {
    _dirs: Vec<TempDir>,
    ana_a: Store,
    dee_a: Store,
    ana_b: Store,
    dee_b: Store,
    bea: Store,
    vic: Store,
}

fn network() -> Network {
    let dirs: Vec<TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let [ana, dee, bea, vic]: [&Path; 4] = [0, 1, 2, 3].map(|i| dirs[i].path());
    let (mut ana_a, joined) = founded_and_joined(&[ana, dee], &["Dee"]);
    let mut dee_a = joined.into_iter().next().unwrap();
    let dee_id = dee_a.me().unwrap();
    ana_a.act(|doc, me, now| doc.set_role(me, dee_id, Role::Organizer, now)).unwrap();
    sync_stores(&mut ana_a, &mut dee_a);
    sync_stores(&mut ana_a, &mut dee_a);

    let mut bea_store = Store::create(&bea.join("aidmesh.db"), &test_key(), "Cleveland SEWG", NewMember::new("Bea", Role::Organizer)).unwrap();
    let invite = bea_store.invite(None).unwrap();
    let mut join = |path: std::path::PathBuf, name: &str| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut store = Store::join(&path, &test_key(), &invite, name).unwrap();
        sync_stores(&mut bea_store, &mut store);
        store
    };
    let ana_b = join(ana.join("groups/cleveland.db"), "Ana");
    let dee_b = join(dee.join("groups/cleveland.db"), "Dee");
    let vic = join(vic.join("aidmesh.db"), VOLUNTEER);
    Network { _dirs: dirs, ana_a, dee_a, ana_b, dee_b, bea: bea_store, vic }
}

/// Who holds an envelope to the contact details of `need` in this store.
fn contact_recipients(store: &Store, need: Uuid) -> BTreeSet<String> {
    let conn = Store::unlocked_connection(store.path(), &test_key()).unwrap();
    let mut query = conn.prepare("SELECT recipient FROM envelopes WHERE subject = ?1").unwrap();
    let rows = query.query_map([Subject::Contact(need).as_string()], |row| row.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

fn finish(store: &mut Store, assignment: Uuid, status: AssignmentStatus) {
    store.act(|doc, me, now| doc.set_assignment_status(me, assignment, status, now)).unwrap();
}

#[test]
fn a_referred_need_comes_back_done_by_the_other_group_without_its_volunteers_name() {
    let mut net = network();
    let need = net.ana_a.post_need(NewNeed::new("Insulin pick-up", Category::Medical, Urgency::High, "North"), &person()).unwrap().id;
    let sent = net.ana_a.refer(need, &mut net.ana_b, None, "They live on our border", true).unwrap();
    assert_eq!(sent.status, NeedStatus::Referred);
    let referral = sent.referral.clone().unwrap();
    assert_eq!((referral.group_name.as_str(), referral.number, referral.with_contact), ("Cleveland SEWG", 1, true));

    // Cleveland's organizer sees it with where it came from and its history so far.
    let there = referred_need_id(net.ana_a.group_id(), need, 1);
    sync_stores(&mut net.ana_b, &mut net.bea);
    let received = net.bea.need(there).unwrap();
    let from = received.referred_from.clone().unwrap();
    assert_eq!((received.title.as_str(), received.status, from.group_name.as_str(), from.need), ("Insulin pick-up", NeedStatus::Open, "Eastside", need));
    assert_eq!(from.history.first().map(|step| step.action.as_str()), Some("need.add"));
    assert_eq!(net.bea.contact(there).unwrap(), person(), "Cleveland's organizers read the details");
    assert!(matches!(net.ana_b.contact(there), Err(Error::ContactNotYours)), "the bridging device is a volunteer in Cleveland");

    // Bea accepts and assigns Victoria, who then reads the details, and finishes the work.
    net.bea.act(|doc, me, now| doc.answer_referral(me, there, Answer::Accept, now)).unwrap();
    sync_stores(&mut net.bea, &mut net.vic);
    assert!(matches!(net.vic.contact(there), Err(Error::ContactNotYours)), "not before she is assigned");
    let vic_id = net.vic.me().unwrap();
    let assignment = net.bea.act(|doc, me, now| doc.assign(me, there, vic_id, None, "", now)).unwrap().id;
    sync_stores(&mut net.bea, &mut net.vic);
    sync_stores(&mut net.bea, &mut net.dee_b);
    assert_eq!(net.vic.contact(there).unwrap(), person(), "the volunteer assigned");
    finish(&mut net.vic, assignment, AssignmentStatus::Accepted);
    finish(&mut net.vic, assignment, AssignmentStatus::Done);
    sync_stores(&mut net.vic, &mut net.bea);
    sync_stores(&mut net.bea, &mut net.ana_b);

    // Ana's device carries the outcome home; Eastside sees it done by Cleveland SEWG.
    assert_eq!(carry_referrals(&mut net.ana_a, &mut net.ana_b).unwrap(), 1);
    assert_eq!(carry_referrals(&mut net.ana_a, &mut net.ana_b).unwrap(), 0, "nothing new to carry");
    sync_stores(&mut net.ana_a, &mut net.dee_a);
    // Dee's Cleveland copy last saw it assigned: carrying that never moves Eastside's news back.
    assert_eq!(net.dee_b.need(there).unwrap().progress_as_referred().unwrap().0, ReferralProgress::Assigned);
    assert_eq!(carry_referrals(&mut net.dee_a, &mut net.dee_b).unwrap(), 0);
    let home = net.dee_a.need(need).unwrap();
    let referral = home.referral.unwrap();
    assert_eq!((home.status, referral.progress, referral.group_name.as_str()), (NeedStatus::Referred, ReferralProgress::Done, "Cleveland SEWG"));
    for store in [&mut net.ana_a, &mut net.dee_a] {
        let doc = store.doc().unwrap().save();
        assert!(!contains(&doc, VOLUNTEER) && !contains(&doc, "Quillfeather"), "Eastside's record names no Cleveland volunteer");
        assert!(!contains(&doc, &vic_id.to_string()), "nor their id");
    }

    // In Cleveland the key is sealed to its organizers and to Victoria, and to nobody else.
    let organizers = net.bea.group().unwrap().organizer_key.unwrap();
    let allowed = BTreeSet::from([organizers, net.vic.device().id()]);
    let mut sealed_to = BTreeSet::new();
    for store in [&net.bea, &net.vic, &net.ana_b, &net.dee_b] {
        sealed_to.extend(contact_recipients(store, there));
    }
    assert_eq!(sealed_to, allowed);
    assert!(conflicts_everywhere(&mut net).is_empty());
}

#[test]
fn without_consent_no_contact_detail_reaches_the_other_group_and_a_returned_need_can_go_again() {
    let mut net = network();
    let input = NewNeed { contact_organizers_only: true, channel: Some(Channel::Phone), ..NewNeed::new("Rides to dialysis", Category::Transport, Urgency::Normal, "North") };
    let need = net.ana_a.post_need(input, &person()).unwrap().id;

    // Refused whole: Cleveland lists its areas and has no "North"; nothing changes in either group.
    net.bea.act(|doc, me, now| doc.add_area(me, "Downtown", &[], now)).unwrap();
    sync_stores(&mut net.bea, &mut net.ana_b);
    let err = net.ana_a.refer(need, &mut net.ana_b, None, "", false).unwrap_err();
    assert!(matches!(err, Error::Invalid(ValidationError::Unknown { what: Field::Area, .. })), "{err}");
    assert_eq!(net.ana_a.need(need).unwrap().status, NeedStatus::Open);
    assert!(net.ana_b.needs(&NeedFilter::default()).unwrap().is_empty());
    let err = net.ana_a.refer(need, &mut net.dee_a, None, "", false).unwrap_err();
    assert!(matches!(err, Error::Invalid(ValidationError::ReferToOwnGroup)), "{err}");
    let err = net.ana_a.refer(need, &mut net.ana_b, Some("Downtown"), "", true).unwrap_err();
    assert!(matches!(err, Error::Invalid(ValidationError::NoConsent)), "asking to send the details is refused: {err}");

    let sent = net.ana_a.refer(need, &mut net.ana_b, Some("Downtown"), "", false).unwrap();
    assert!(!sent.referral.unwrap().with_contact, "the person did not agree to share their details");
    let there = referred_need_id(net.ana_a.group_id(), need, 1);
    let (frames, ..) = sync_stores_capturing(&mut net.ana_b, &mut net.bea);
    let received = net.bea.need(there).unwrap();
    assert_eq!((received.area.as_str(), received.sealed_contact.is_none()), ("Downtown", true));
    assert!(matches!(net.bea.contact(there), Err(Error::NoContact)));
    for store in [&mut net.bea, &mut net.ana_b] {
        assert!(contact_recipients(store, there).is_empty());
        assert!(!contains(&store.doc().unwrap().save(), PHONE));
    }
    assert!(frames.iter().all(|frame| !contains(frame, PHONE)));

    // Cleveland returns it; Eastside sees it open again, with the reason, and sends it again.
    let err = net.vic.act(|doc, me, now| doc.answer_referral(me, there, Answer::Return { reason: "no".into() }, now));
    assert!(matches!(err, Err(Error::NotFound { .. }) | Err(Error::Invalid(ValidationError::OrganizersOnly(_)))));
    let reason = "No drivers on dialysis days";
    net.bea.act(|doc, me, now| doc.answer_referral(me, there, Answer::Return { reason: reason.into() }, now)).unwrap();
    sync_stores(&mut net.bea, &mut net.ana_b);
    carry_referrals(&mut net.ana_a, &mut net.ana_b).unwrap();
    let home = net.ana_a.need(need).unwrap();
    let referral = home.referral.clone().unwrap();
    assert_eq!((home.status, referral.progress, referral.reason.as_str()), (NeedStatus::Open, ReferralProgress::Returned, reason));
    let again = net.ana_a.refer(need, &mut net.ana_b, Some("Downtown"), "Second try: a new driver joined", false).unwrap();
    assert_eq!(again.referral.unwrap().number, 2);
    let second = referred_need_id(net.ana_a.group_id(), need, 2);
    assert_ne!(second, there);
    sync_stores(&mut net.ana_b, &mut net.bea);
    assert_eq!(net.bea.need(second).unwrap().status, NeedStatus::Open);
    assert_eq!(net.bea.need(there).unwrap().status, NeedStatus::Referred, "the returned one stays closed there");
    // Taken back by hand while Cleveland still has it, it cannot go a third time.
    net.ana_a.act(|doc, me, now| doc.set_need_status(me, need, NeedStatus::Open, now)).unwrap();
    let err = net.ana_a.refer(need, &mut net.ana_b, Some("Downtown"), "", false).unwrap_err();
    assert!(matches!(err, Error::Invalid(ValidationError::StillReferred(_))), "{err}");
    assert!(conflicts_everywhere(&mut net).is_empty());
}

fn conflicts_everywhere(net: &mut Network) -> Vec<Conflict> {
    [&mut net.ana_a, &mut net.dee_a, &mut net.ana_b, &mut net.dee_b, &mut net.bea, &mut net.vic].into_iter().flat_map(|s| s.conflicts().unwrap()).collect()
}

/// Every copy of a record: two devices that created it while apart each made one, and the
/// document keeps both (reads see one of them).
fn copies_of(store: &mut Store, id: Uuid) -> Vec<automerge::hydrate::Value> {
    let doc = store.doc().unwrap().automerge();
    let (_, needs) = doc.get(automerge::ROOT, Collection::Needs.key()).unwrap().unwrap();
    doc.get_all(&needs, id.to_string()).unwrap().iter().map(|(_, copy)| ReadDoc::hydrate(doc, copy, None).unwrap()).collect()
}

/// What happens between the two bridging devices and Cleveland's organizer, in a test's order.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Ana's and Dee's Eastside devices sync.
    EastsideMeets,
    /// Dee's device carries referrals between its two groups.
    DeeCarries,
    /// Ana's device does.
    AnaCarries,
    /// Bea syncs with Ana's or Dee's Cleveland device.
    BeaMeetsAna,
    BeaMeetsDee,
    /// Ana's and Dee's Cleveland devices sync.
    ClevelandBridgesMeet,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        Just(Step::EastsideMeets),
        Just(Step::DeeCarries),
        Just(Step::AnaCarries),
        Just(Step::BeaMeetsAna),
        Just(Step::BeaMeetsDee),
        Just(Step::ClevelandBridgesMeet),
    ]
}

proptest! {
    // Each case makes six encrypted stores.
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Two devices in both groups carrying one referral, in any order and any number of times,
    /// make exactly one need in Cleveland, the same on every device, with no conflict.
    #[test]
    fn two_bridging_devices_carrying_one_referral_make_one_need(steps in proptest::collection::vec(step(), 0..10)) {
        let mut net = network();
        let need = net.ana_a.post_need(NewNeed::new("Insulin pick-up", Category::Medical, Urgency::High, "North"), &person()).unwrap().id;
        // Ana referred it two days ago, and her device's Cleveland copy has not left it (or was
        // never made): Dee's device, seeing the referral in Eastside, carries it over too.
        let referral = Destination { group: net.ana_b.group_id(), group_name: "Cleveland SEWG".into(), area: "North".into(), note: String::new(), with_contact: true };
        net.ana_a.act(|doc, me, now| doc.refer_need(me, need, &referral, now - Duration::days(2))).unwrap();
        let run = |net: &mut Network, step: Step| match step {
            Step::EastsideMeets => drop(sync_stores(&mut net.ana_a, &mut net.dee_a)),
            Step::DeeCarries => drop(carry_referrals(&mut net.dee_a, &mut net.dee_b).unwrap()),
            Step::AnaCarries => drop(carry_referrals(&mut net.ana_a, &mut net.ana_b).unwrap()),
            Step::BeaMeetsAna => drop(sync_stores(&mut net.bea, &mut net.ana_b)),
            Step::BeaMeetsDee => drop(sync_stores(&mut net.bea, &mut net.dee_b)),
            Step::ClevelandBridgesMeet => drop(sync_stores(&mut net.ana_b, &mut net.dee_b)),
        };
        for step in steps {
            run(&mut net, step);
        }
        for step in [Step::EastsideMeets, Step::AnaCarries, Step::DeeCarries, Step::BeaMeetsAna, Step::BeaMeetsDee, Step::BeaMeetsAna] {
            run(&mut net, step);
        }
        let there = referred_need_id(net.ana_a.group_id(), need, 1);
        let mut seen = Vec::new();
        for store in [&mut net.bea, &mut net.ana_b, &mut net.dee_b] {
            let needs = store.needs(&NeedFilter::default()).unwrap();
            prop_assert_eq!(needs.iter().map(|n| n.id).collect::<Vec<_>>(), vec![there]);
            prop_assert!(store.conflicts().unwrap().is_empty());
            let copies = copies_of(store, there);
            prop_assert!(copies.iter().all(|copy| *copy == copies[0]), "two devices that made it wrote the same record");
            seen.push(needs[0].clone());
        }
        prop_assert!(seen.iter().all(|n| *n == seen[0]));
        prop_assert_eq!(net.bea.contact(there).unwrap(), person());
    }
}

/// Ana's and Dee's devices each made Cleveland's copy of a referred need before either copy
/// spread, and Bea cancelled it having seen only Dee's. Once the copies meet on her device, her
/// cancellation is not hidden behind the other copy: it is a decision for an organizer, and
/// deciding it settles every copy, on every device.
#[test]
fn an_edit_to_one_of_two_copies_of_a_referred_need_is_never_hidden() {
    let mut net = network();
    let need = net.ana_a.post_need(NewNeed::new("Insulin pick-up", Category::Medical, Urgency::High, "North"), &person()).unwrap().id;
    let referral = Destination { group: net.ana_b.group_id(), group_name: "Cleveland SEWG".into(), area: "North".into(), note: String::new(), with_contact: true };
    net.ana_a.act(|doc, me, now| doc.refer_need(me, need, &referral, now - Duration::days(2))).unwrap();
    sync_stores(&mut net.ana_a, &mut net.dee_a);
    assert_eq!(carry_referrals(&mut net.ana_a, &mut net.ana_b).unwrap(), 1);
    assert_eq!(carry_referrals(&mut net.dee_a, &mut net.dee_b).unwrap(), 1);
    let there = referred_need_id(net.ana_a.group_id(), need, 1);

    sync_stores(&mut net.bea, &mut net.dee_b);
    net.bea.act(|doc, me, now| doc.set_need_status(me, there, NeedStatus::Cancelled, now)).unwrap();
    sync_stores(&mut net.bea, &mut net.ana_b);
    assert_eq!(copies_of(&mut net.bea, there).len(), 2, "both devices' copies are in the record");
    let conflicts = net.bea.conflicts().unwrap();
    let status = conflicts.iter().find(|c| c.field.as_deref() == Some("status")).unwrap_or_else(|| panic!("{conflicts:#?}"));
    let values: BTreeSet<String> = status.sides.iter().map(|s| s.value.as_str().unwrap().to_string()).collect();
    assert_eq!(values, BTreeSet::from(["cancelled".to_string(), "open".to_string()]));
    let bea = net.bea.me().unwrap();
    let cancelled = status.sides.iter().position(|s| s.value == "cancelled").unwrap();
    assert_eq!(status.sides[cancelled].by, Some(bea), "the side says who decided it");

    let conflict = status.id;
    net.bea.act(|doc, me, now| doc.resolve(me, conflict, &[cancelled], now)).unwrap();
    sync_stores(&mut net.bea, &mut net.ana_b);
    for store in [&mut net.bea, &mut net.ana_b] {
        assert_eq!(store.need(there).unwrap().status, NeedStatus::Cancelled);
        assert!(store.conflicts().unwrap().is_empty());
    }
    // Any later edit goes into both copies, so they never drift apart again.
    net.bea.act(|doc, me, now| doc.set_need_status(me, there, NeedStatus::Open, now)).unwrap();
    let statuses: Vec<_> = copies_of(&mut net.bea, there).iter().map(|copy| format!("{copy:?}").contains("\"open\"")).collect();
    assert_eq!(statuses, [true, true]);
}
