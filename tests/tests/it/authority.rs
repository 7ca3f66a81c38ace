//! Authority resolved from history: a modified client that holds the group secret and signs
//! validly still cannot give itself rights. Its changes are kept and relayed, have no effect on
//! any honest device, and organizers see them listed.

use aidmesh_tests::{at, deliver_some, founded_and_joined, sync_stores, test_key, Cli, Group, Rogue};
use crdt_core::*;
use proptest::prelude::*;
use serde_json::json;
use tempfile::TempDir;

/// Ana (organizer, founder) and Bo and Cy (volunteers), each on their own device. Bo posts a
/// need with contact details; Ana logs three hours Cy gave Bo.
struct Town {
    _dirs: Vec<TempDir>,
    ana: Store,
    bo: Store,
    cy: Store,
    need: Uuid,
    entry: Uuid,
}

fn town() -> Town {
    let dirs: Vec<TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let paths: Vec<&std::path::Path> = dirs.iter().map(TempDir::path).collect();
    let (mut ana, joined) = founded_and_joined(&paths, &["Bo", "Cy"]);
    let [mut bo, mut cy]: [Store; 2] = joined.try_into().ok().unwrap();
    let need = bo.act(|doc, me, now| doc.add_need(me, NewNeed::new("Groceries for a neighbour", Category::Groceries, Urgency::High, "North"), now)).unwrap().id;
    bo.set_contact(need, &Contact { phone: "555-0100".into(), ..Contact::default() }).unwrap();
    let (bo_id, cy_id) = (bo.me().unwrap(), cy.me().unwrap());
    let hours = NewHours::new(cy_id, Party::Member(bo_id), Hours::from_quarters(12));
    let entry = ana.act(|doc, me, now| doc.log_hours(me, hours, now)).unwrap().id;
    for other in [&mut bo, &mut cy] {
        sync_stores(&mut ana, other);
    }
    Town { _dirs: dirs, ana, bo, cy, need, entry }
}

#[test]
fn a_modified_client_cannot_promote_itself_borrow_an_organizers_record_confirm_its_hours_or_decide() {
    let mut town = town();
    let (ana_id, bo_id, cy_id) = (town.ana.me().unwrap(), town.bo.me().unwrap(), town.cy.me().unwrap());
    let ana_before = town.ana.members().unwrap().into_iter().find(|m| m.id == ana_id).unwrap();
    let group_before = town.ana.group().unwrap();
    // Cy's second phone, bound to Cy by Ana as any device would be, runs a modified app.
    let mut rogue = Rogue::of(&mut town.ana, cy_id);
    let (cy_s, ana_s, entry) = (cy_id.to_string(), ana_id.to_string(), town.entry.to_string());
    let rogue_device = "ab".repeat(32);
    let attempts = [
        (Attempt::Role, rogue.write(&["members", &cy_s, "role"], json!("organizer"))),
        (Attempt::Device, rogue.write(&["members", &ana_s, "device_ids"], json!([ana_before.device_ids[0], rogue_device]))),
        (Attempt::Device, rogue.write(&["actors", &rogue_device], json!(ana_s))),
        (Attempt::Settings, rogue.write(&["group", "settings", "expiry_days"], json!(1))),
        (
            Attempt::Hours,
            rogue.write(&["hour_verdicts", &Uuid::now_v7().to_string()], json!({"entry": entry, "kind": "confirm", "by": cy_s, "at": at(60).to_rfc3339()})),
        ),
        (
            Attempt::Hours,
            rogue.write(&["hour_verdicts", &Uuid::now_v7().to_string()], json!({"entry": entry, "kind": "confirm", "by": bo_id.to_string(), "at": at(60).to_rfc3339()})),
        ),
        (
            Attempt::Resolution,
            rogue.write(
                &["resolutions", &Uuid::now_v7().to_string()],
                json!({"conflict": Uuid::now_v7().to_string(), "record": town.need.to_string(), "summary": "mine", "decided_by": cy_s, "decided_at": at(60).to_rfc3339()}),
            ),
        ),
    ];
    rogue.deliver(&mut town.ana).unwrap();
    // Honest devices relay what they cannot use: Bo and Cy get it from Ana.
    for _ in 0..2 {
        sync_stores(&mut town.ana, &mut town.bo);
        sync_stores(&mut town.ana, &mut town.cy);
    }
    for (who, store) in [("Ana", &mut town.ana), ("Bo", &mut town.bo), ("Cy", &mut town.cy)] {
        let members = store.members().unwrap();
        let cy = members.iter().find(|m| m.id == cy_id).unwrap();
        assert_eq!(cy.role, Role::Volunteer, "{who}: self-promotion is ignored");
        let ana = members.iter().find(|m| m.id == ana_id).unwrap();
        assert_eq!(ana.device_ids, ana_before.device_ids, "{who}: no device added to an organizer's record");
        let doc = store.doc().unwrap();
        assert_eq!(doc.member_for_actor(&ActorId::from(vec![0xab; 32])), None, "{who}");
        assert_eq!(store.group().unwrap().settings, group_before.settings, "{who}: retention unchanged");
        assert!(store.balances().unwrap().is_empty(), "{who}: self-confirmed hours count for nothing");
        assert_eq!(store.hour_entry(town.entry).unwrap().status, EntryStatus::Pending, "{who}");
        assert!(store.doc().unwrap().resolutions().records.is_empty(), "{who}: a volunteer decides no conflict");
        let ignored = store.doc().unwrap().ignored();
        let listed: Vec<(Attempt, String)> = ignored.iter().map(|i| (i.attempt, i.change.clone())).collect();
        for (attempt, change) in &attempts {
            assert!(listed.contains(&(*attempt, change.to_string())), "{who}: {attempt:?} {change} listed in {listed:?}");
        }
        assert!(ignored.iter().all(|i| i.member == Some(cy_id)), "{who}: each names the member the device writes for");
    }
    // No organizer key was sealed to Cy's devices: Cy still cannot open the contact details.
    assert!(matches!(town.cy.contact(town.need), Err(Error::ContactNotYours)));
    // The ledger really works: Bo, who received the help, can still confirm it.
    let entry = town.entry;
    town.bo.act(|doc, me, now| doc.confirm_hours(me, entry, now)).unwrap();
    assert_eq!(town.bo.balances().unwrap().len(), 2);
}

#[derive(Clone, Debug)]
enum Move {
    Role { device: usize, target: usize, organizer: bool },
    Remove { device: usize, target: usize },
    Epoch { device: usize, epoch: u32, secret: u64 },
    Deliver { from: usize, to: usize, subset: u64, reverse: bool, duplicate: bool },
}

fn moves() -> impl Strategy<Value = Move> {
    // Mostly the two organizers, and the volunteers as targets, so that acts made apart often
    // touch the same person.
    let actor = prop_oneof![3 => 0..2usize, 1 => 2..4usize];
    prop_oneof![
        4 => (actor.clone(), 1..4usize, any::<bool>()).prop_map(|(device, target, organizer)| Move::Role { device, target, organizer }),
        1 => (actor.clone(), 1..4usize).prop_map(|(device, target)| Move::Remove { device, target }),
        1 => (actor, 1..4u32, 0..3u64).prop_map(|(device, epoch, secret)| Move::Epoch { device, epoch, secret }),
        3 => (0..4usize, 0..4usize, any::<u64>(), any::<bool>(), any::<bool>())
            .prop_map(|(from, to, subset, reverse, duplicate)| Move::Deliver { from, to, subset, reverse, duplicate }),
    ]
}

/// Who is in, with what role and devices, who writes for whom, the epoch, and what is ignored.
fn authority_of(doc: &GroupDoc, actors: &[ActorId]) -> String {
    let mut members: Vec<(Uuid, Role, bool, Vec<String>)> =
        doc.members().records.into_iter().map(|m| (m.id, m.role, m.removed_at.is_some(), m.device_ids)).collect();
    members.sort_by_key(|m| m.0);
    let bound: Vec<Option<Uuid>> = actors.iter().map(|a| doc.member_for_actor(a)).collect();
    let ignored: Vec<String> = doc.ignored().into_iter().map(|i| i.change).collect();
    let group = doc.group().unwrap();
    format!("{members:?}\n{bound:?}\nepoch {} {}\n{ignored:?}", group.epoch, group.epoch_secret)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Organizers promote, demote and remove each other while apart; whatever order, drops
    /// and duplicates the changes travel in, every device ends with the same answer.
    #[test]
    fn concurrent_promotions_demotions_and_removals_resolve_alike_everywhere(script in proptest::collection::vec(moves(), 1..32)) {
        let mut group = Group::new();
        let members: Vec<Uuid> = (0..4).map(|i| group.member(i)).collect();
        let actors: Vec<ActorId> = group.devices.iter().map(|d| d.doc.actor().clone()).collect();
        for (step, m) in script.iter().enumerate() {
            let now = at(10 + step as i64);
            // Refused actions (not an organizer here, removed, one's own role) write nothing.
            let _ = match *m {
                Move::Role { device, target, organizer } => {
                    let role = if organizer { Role::Organizer } else { Role::Volunteer };
                    group.devices[device].doc.set_role(members[device], members[target], role, now).map(drop)
                }
                Move::Remove { device, target } => group.devices[device].doc.remove_member(members[device], members[target], now).map(drop),
                Move::Epoch { device, epoch, secret } => group.devices[device].doc.move_to_epoch(members[device], epoch, secret, now),
                Move::Deliver { from, to, subset, reverse, duplicate } => {
                    deliver_some(&mut group.devices, from, to, subset, reverse, duplicate);
                    Ok(())
                }
            };
        }
        group.sync_all();
        let first = authority_of(&group.devices[0].doc, &actors);
        for device in &group.devices[1..] {
            prop_assert_eq!(&authority_of(&device.doc, &actors), &first);
        }
        // At least one organizer always remains: nobody changes or removes themselves.
        prop_assert!(first.contains("Organizer, false"), "{}", first);
    }
}

/// p2panda's "strong remove": a demotion wins over what its target did concurrently, on every
/// device, whichever arrives first; what the target did before the demotion still counts.
#[test]
fn a_demotion_revokes_what_its_target_did_concurrently_but_not_before() {
    let mut group = Group::new();
    let [ana, bea, cai, dev] = [0, 1, 2, 3].map(|i| group.member(i));
    group.devices[Group::ORGANIZER_B].doc.set_role(bea, dev, Role::Organizer, at(5)).unwrap();
    group.sync_all();
    // Apart: Ana demotes Bea; Bea, not knowing, promotes Cai and removes Dev.
    group.devices[Group::ORGANIZER_A].doc.set_role(ana, bea, Role::Volunteer, at(6)).unwrap();
    let bea_doc = &mut group.devices[Group::ORGANIZER_B].doc;
    let base = bea_doc.heads();
    bea_doc.set_role(bea, cai, Role::Organizer, at(7)).unwrap();
    bea_doc.remove_member(bea, dev, at(8)).unwrap();
    let revoked: Vec<String> = bea_doc.automerge().get_changes(&base).iter().map(|c| c.hash().to_string()).collect();
    assert_eq!(revoked.len(), 2);
    group.sync_all();
    for device in &group.devices {
        let role = |id| device.doc.member(id).unwrap().role;
        assert_eq!((role(bea), role(cai), role(dev)), (Role::Volunteer, Role::Volunteer, Role::Organizer));
        assert!(device.doc.member(dev).unwrap().removed_at.is_none(), "the removal was concurrent with Bea's demotion");
        let ignored: Vec<String> = device.doc.ignored().into_iter().map(|i| i.change).collect();
        assert!(revoked.iter().all(|c| ignored.contains(c)), "{ignored:?}");
        assert!(device.doc.group().is_ok());
    }
    // Dev, promoted by Bea before her demotion, is still an organizer and can act.
    group.devices[Group::VOLUNTEER_B].doc.set_role(dev, cai, Role::Organizer, at(9)).unwrap();
}

/// The same through real `aidmesh` processes on loopback: the modified client's changes reach
/// the hub by an honest member's sync (honest devices relay what they cannot use), and neither
/// the hub nor another member gives it anything.
#[test]
fn real_processes_relay_a_modified_clients_changes_and_ignore_them() {
    let dirs: Vec<TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let [hub, cy, bo] = [0, 1, 2].map(|i| Cli::new(dirs[i].path()));
    hub.ok(&["init", "--group", "Eastside", "--name", "Ana"]).unwrap();
    let (mut serving, address) = hub.serve(&[]).unwrap();
    let link = hub.json(&["invite", "--address", &address]).unwrap()["link"].as_str().unwrap().to_string();
    for (cli, name) in [(&cy, "Cy"), (&bo, "Bo")] {
        cli.ok(&["join", &link, "--name", name]).unwrap();
        cli.ok(&["sync", &address]).unwrap();
    }
    let need = bo.json(&["need", "add", "--title", "Groceries", "--category", "groceries", "--area", "North"]).unwrap()["id"].as_str().unwrap().to_string();
    bo.ok(&["need", "set-contact", &need, "--phone", "555-0100"]).unwrap();
    bo.ok(&["sync", &address]).unwrap();
    cy.ok(&["sync", &address]).unwrap();
    let members = hub.json(&["member", "list"]).unwrap();
    let cy_id: Uuid = members.as_array().unwrap().iter().find(|m| m["display_name"] == "Cy").unwrap()["id"].as_str().unwrap().parse().unwrap();
    let expiry = hub.json(&["retention"]).unwrap()["expiry_days"].clone();

    // Ana's device binds a second device to Cy (writing from another process into the hub's
    // file); that device runs a modified app and hands its changes to Cy's phone.
    let mut rogue = Rogue::of(&mut Store::open(&hub.data_dir.join("aidmesh.db"), &test_key()).unwrap(), cy_id);
    rogue.write(&["members", &cy_id.to_string(), "role"], json!("organizer"));
    rogue.write(&["group", "settings", "expiry_days"], json!(1));
    cy.ok(&["sync", &address]).unwrap();
    rogue.deliver(&mut Store::open(&cy.data_dir.join("aidmesh.db"), &test_key()).unwrap()).unwrap();
    cy.ok(&["sync", &address]).unwrap();
    bo.ok(&["sync", &address]).unwrap();
    cy.ok(&["sync", &address]).unwrap();

    for cli in [&hub, &bo, &cy] {
        let members = cli.json(&["member", "list"]).unwrap();
        let cy = members.as_array().unwrap().iter().find(|m| m["id"] == json!(cy_id)).unwrap().clone();
        assert_eq!(cy["role"], "volunteer", "{members}");
        assert_eq!(cli.json(&["retention"]).unwrap()["expiry_days"], expiry);
        let ignored = cli.json(&["ignored"]).unwrap();
        let mut attempts: Vec<&str> = ignored.as_array().unwrap().iter().map(|i| i["attempt"].as_str().unwrap()).collect();
        attempts.sort();
        assert_eq!(attempts, ["role", "settings"], "{ignored}");
    }
    let shown = hub.ok(&["ignored"]).unwrap();
    assert!(shown.contains("Cy tried to change their own role"), "{shown}");
    // No organizer key reached Cy's phone: the contact details stay closed to it.
    let err = cy.fails(&["need", "contact", &need]).unwrap();
    assert!(err.contains("organizers and the volunteers assigned"), "{err}");
    serving.kill().unwrap();
    serving.wait().unwrap();
}
