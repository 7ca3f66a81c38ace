//! The general claim: however changes travel between 3 to 5 devices (partially, out of order,
//! twice), once everyone has everything they hold identical records and identical conflicts, and
//! every acknowledged write is still there or was superseded by a later write in the history.

use aidmesh_tests::{at, deliver_some, Device, Group};
use automerge::{ChangeHash, ReadDoc, ROOT};
use crdt_core::*;
use proptest::prelude::*;
use uuid::Uuid;

#[derive(Clone, Debug)]
enum Op {
    AddNeed { device: usize, volunteers: u32 },
    NeedStatus { device: usize, need: usize, status: usize },
    Assign { device: usize, need: usize, volunteer: usize, with_offer: bool },
    AssignmentStatus { device: usize, assignment: usize, status: usize },
    Resolve { device: usize, conflict: usize, keep: usize },
    /// `to` receives some of the changes `from` has that it lacks.
    Deliver { from: usize, to: usize, subset: u64, reverse: bool, duplicate: bool },
}

fn op() -> impl Strategy<Value = Op> {
    let device = 0..5usize;
    prop_oneof![
        2 => (device.clone(), 1..3u32).prop_map(|(device, volunteers)| Op::AddNeed { device, volunteers }),
        2 => (device.clone(), any::<usize>(), 0..NeedStatus::ALL.len()).prop_map(|(device, need, status)| Op::NeedStatus { device, need, status }),
        3 => (device.clone(), any::<usize>(), 0..4usize, any::<bool>())
            .prop_map(|(device, need, volunteer, with_offer)| Op::Assign { device, need, volunteer, with_offer }),
        2 => (device.clone(), any::<usize>(), 0..AssignmentStatus::ALL.len())
            .prop_map(|(device, assignment, status)| Op::AssignmentStatus { device, assignment, status }),
        1 => (device.clone(), any::<usize>(), 0..3usize).prop_map(|(device, conflict, keep)| Op::Resolve { device, conflict, keep }),
        4 => (device.clone(), device, any::<u64>(), any::<bool>(), any::<bool>())
            .prop_map(|(from, to, subset, reverse, duplicate)| Op::Deliver { from, to, subset, reverse, duplicate }),
    ]
}

/// A write some device acknowledged: the change, and the record (and field) it wrote.
#[derive(Debug)]
struct Ack {
    change: ChangeHash,
    collection: Collection,
    record: Uuid,
    field: Option<&'static str>,
}

struct World {
    devices: Vec<Device>,
    members: Vec<Uuid>,
    offer: Uuid,
    acks: Vec<Ack>,
    clock: i64,
}

impl World {
    fn new(count: usize) -> World {
        let mut group = Group::new();
        let members: Vec<Uuid> = (0..4).map(|i| group.member(i)).collect();
        let cai = members[Group::VOLUNTEER_A];
        let offer = NewOffer { capacity: 1, ..NewOffer::new(cai, "Errands by car", vec![Category::Groceries], OfferKind::Transport, "North") };
        let offer = group.devices[0].doc.add_offer(members[0], offer, at(3)).unwrap().id;
        group.sync_all();
        let mut devices = group.devices;
        devices.truncate(count);
        while devices.len() < count {
            // Ana's second phone.
            let actor = ActorId::random();
            devices[0].doc.bind_device(members[0], &actor, members[0], at(4)).unwrap();
            let doc = devices[0].doc.fork_as(actor);
            devices.push(Device { doc, member: members[0] });
        }
        World { devices, members, offer, acks: Vec::new(), clock: 10 }
    }

    fn apply(&mut self, op: &Op) {
        self.clock += 1;
        let now = at(self.clock);
        let n = self.devices.len();
        match *op {
            Op::Deliver { from, to, subset, reverse, duplicate } => deliver_some(&mut self.devices, from % n, to % n, subset, reverse, duplicate),
            ref action => {
                let device = action_device(action) % n;
                let me = self.devices[device].member;
                let heads = self.devices[device].doc.heads();
                let written = self.act(device, me, action, now);
                let doc = &self.devices[device].doc;
                match written {
                    Ok(Some((collection, record, field))) => {
                        let change = doc.automerge().get_last_local_change().expect("a change was made").hash();
                        self.acks.push(Ack { change, collection, record, field });
                    }
                    Ok(None) => assert_eq!(doc.heads(), heads),
                    Err(e) => assert_eq!(doc.heads(), heads, "a refused action ({e}) must write nothing"),
                }
            }
        }
    }

    /// Performs a local action; returns the record (and field) it acknowledged writing.
    fn act(&mut self, device: usize, me: Uuid, op: &Op, now: chrono::DateTime<chrono::Utc>) -> Result<Option<(Collection, Uuid, Option<&'static str>)>> {
        let doc = &mut self.devices[device].doc;
        let pick = |ids: Vec<Uuid>, i: usize| (!ids.is_empty()).then(|| ids[i % ids.len()]);
        let needs = || -> Vec<Uuid> { doc.needs().records.iter().map(|n| n.id).collect() };
        Ok(match *op {
            Op::AddNeed { volunteers, .. } => {
                let input = NewNeed { volunteers_needed: volunteers, ..NewNeed::new("Groceries", Category::Groceries, Urgency::Normal, "North") };
                Some((Collection::Needs, doc.add_need(me, input, now)?.id, None))
            }
            Op::NeedStatus { need, status, .. } => match pick(needs(), need) {
                Some(need) => {
                    // Setting the status it already has writes nothing, so acknowledges nothing.
                    let changes = doc.need(need)?.status != NeedStatus::ALL[status];
                    let id = doc.set_need_status(me, need, NeedStatus::ALL[status], now)?.id;
                    changes.then_some((Collection::Needs, id, Some("status")))
                }
                None => None,
            },
            Op::Assign { need, volunteer, with_offer, .. } => match pick(needs(), need) {
                Some(need) => {
                    let volunteer = self.members[volunteer];
                    let offer = (with_offer && volunteer == self.members[Group::VOLUNTEER_A]).then_some(self.offer);
                    Some((Collection::Assignments, doc.assign(me, need, volunteer, offer, "", now)?.id, None))
                }
                None => None,
            },
            Op::AssignmentStatus { assignment, status, .. } => {
                match pick(doc.assignments().records.iter().map(|a| a.id).collect(), assignment) {
                    Some(id) => {
                        let changes = doc.assignment(id)?.status != AssignmentStatus::ALL[status];
                        let id = doc.set_assignment_status(me, id, AssignmentStatus::ALL[status], now)?.id;
                        changes.then_some((Collection::Assignments, id, Some("status")))
                    }
                    None => None,
                }
            }
            Op::Resolve { conflict, keep, .. } => {
                let conflicts = doc.conflicts();
                match conflicts.get(conflict % conflicts.len().max(1)) {
                    Some(c) => Some((Collection::Resolutions, doc.resolve(me, c.id, &[keep % c.sides.len()], now)?.id, None)),
                    None => None,
                }
            }
            Op::Deliver { .. } => unreachable!("deliveries are not actions"),
        })
    }

    /// The meeting at the end: everyone exchanges everything until nothing is missing.
    fn meet(&mut self) {
        for _ in 0..2 {
            for from in 0..self.devices.len() {
                let bytes = self.devices[from].doc.changes_since(&[]);
                for to in 0..self.devices.len() {
                    if to != from {
                        self.devices[to].doc.apply_bytes(&bytes).unwrap();
                    }
                }
            }
        }
    }
}

fn action_device(op: &Op) -> usize {
    match *op {
        Op::AddNeed { device, .. }
        | Op::NeedStatus { device, .. }
        | Op::Assign { device, .. }
        | Op::AssignmentStatus { device, .. }
        | Op::Resolve { device, .. } => device,
        Op::Deliver { from, .. } => from,
    }
}

/// The write is still visible, or a later write to the same field (one that had seen it)
/// replaced it and shows in the record's history.
fn check_ack(doc: &GroupDoc, ack: &Ack) {
    let id = ack.record.to_string();
    assert!(doc.record_json(ack.collection, &id).unwrap().is_some(), "acknowledged {ack:?} is missing");
    let Some(field) = ack.field else { return };
    let am = doc.automerge();
    let (_, map) = am.get(ROOT, ack.collection.key()).unwrap().unwrap();
    let (_, record) = am.get(&map, id.as_str()).unwrap().unwrap();
    let visible = am.get_all(&record, field).unwrap().iter().any(|(_, op)| am.hash_for_opid(op) == Some(ack.change));
    if visible {
        return;
    }
    let superseded = doc.history(ack.record).iter().any(|entry| {
        let later: ChangeHash = entry.change.parse().unwrap();
        later != ack.change
            && entry.fields.iter().any(|f| f.field == field)
            && !am.get_changes(&[later]).iter().any(|c| c.hash() == ack.change)
    });
    assert!(superseded, "acknowledged {ack:?} vanished without a later write in the history");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_and_keep_every_acknowledged_write(count in 3..=5usize, ops in prop::collection::vec(op(), 1..40)) {
        let mut world = World::new(count);
        for op in &ops {
            world.apply(op);
        }
        world.meet();
        let first = &world.devices[0].doc;
        let export = serde_json::to_value(first.export().unwrap()).unwrap();
        for device in &world.devices[1..] {
            prop_assert_eq!(device.doc.heads(), first.heads());
            prop_assert_eq!(&serde_json::to_value(device.doc.export().unwrap()).unwrap(), &export);
            prop_assert_eq!(device.doc.conflicts(), first.conflicts());
        }
        for ack in &world.acks {
            check_ack(first, ack);
        }
    }
}
