//! Conflicts are decisions for a person, never silently dropped data.
//!
//! Found on every replica from the merged document alone, so two replicas with the same changes
//! list the same conflicts with the same ids. Resolving one writes an ordinary change that
//! supersedes every side, so after sync it is gone everywhere.

use std::collections::{BTreeMap, BTreeSet};

use automerge::hydrate;
use automerge::{ObjId, ReadDoc, Value, ROOT};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use uuid::Uuid;

use crate::codec;
use crate::engine::{field_of, Collection, GroupDoc, Touched};
use crate::model::{Assignment, LedgerEntry, Need, NeedStatus, Offer};

/// Fields that record when, not what: every edit rewrites `updated_at`, and `closed_at` follows the
/// status. Concurrent values there are bookkeeping, not decisions (the status itself is one).
const BOOKKEEPING: &[&str] = &["updated_at", "closed_at"];

/// Fields that devices in two groups carry from the other group's record: that group decides
/// them, and whichever device carries next writes its latest over every concurrent value.
const CARRIED: &[&str] = &["referral.progress", "referral.progress_at", "referral.reason"];

/// Whether the field at this dotted path is bookkeeping or carried, never a decision.
fn bookkeeping(path: &str) -> bool {
    BOOKKEEPING.contains(&path) || CARRIED.contains(&path)
}

/// Fixed namespace so that every replica derives the same conflict ids.
const CONFLICT_NAMESPACE: Uuid = Uuid::from_u128(0x6a1d_3e5c_98b4_4f0e_b7a2_5c1e_0d9f_aa11);

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConflictKind {
    /// Two people changed the same field while apart.
    ConcurrentEdit,
    /// One person marked a need done while another cancelled it.
    DoneVersusCancelled,
    /// More volunteers hold a need than it asked for.
    OverAssigned { volunteers_needed: u32 },
    /// A volunteer has more open assignments through one offer than its capacity.
    OverCapacity { capacity: u32 },
    /// Hours for one assignment were logged more than once, on devices apart.
    HoursLoggedTwice,
}

impl ConflictKind {
    /// How many sides a decision keeps: one value of a field, or up to the limit of assignments.
    pub(crate) fn keep_range(&self) -> (usize, usize) {
        match self {
            Self::ConcurrentEdit | Self::DoneVersusCancelled | Self::HoursLoggedTwice => (1, 1),
            Self::OverAssigned { volunteers_needed: limit } | Self::OverCapacity { capacity: limit } => (0, *limit as usize),
        }
    }
}

/// One side of a conflict: a value someone wrote, an assignment someone made, or hours someone logged.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Side {
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub value: Json,
    pub assignment: Option<Uuid>,
    pub entry: Option<Uuid>,
    pub by: Option<Uuid>,
    pub by_name: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub id: Uuid,
    pub kind: ConflictKind,
    pub collection: Collection,
    pub record: String,
    /// What a person recognises the record by: a need's title, a member's name.
    pub label: String,
    /// The field's path inside the record, for edit conflicts.
    pub field: Option<String>,
    pub sides: Vec<Side>,
}

/// Which conflicts a set of writes can have made or settled: those of the records it wrote, of
/// the needs and offers behind the assignments it wrote, and of the assignments whose hours it
/// logged or judged. Finding them again finds exactly what `conflicts()` lists for them.
#[derive(Clone, Debug, Default)]
pub struct Affected {
    group: bool,
    records: BTreeSet<(Collection, String)>,
    needs: BTreeSet<Uuid>,
    offers: BTreeSet<Uuid>,
    /// Assignments whose hour entries may have been logged twice.
    hours_of: BTreeSet<Uuid>,
}

/// Where a conflict belongs in `Affected`.
enum Key {
    Group,
    Record(Collection, String),
    Need(Uuid),
    Offer(Uuid),
    Hours(Uuid),
}

impl Key {
    fn of(conflict: &Conflict) -> Option<Key> {
        let id = conflict.record.parse::<Uuid>().ok();
        Some(match conflict.kind {
            ConflictKind::ConcurrentEdit | ConflictKind::DoneVersusCancelled if conflict.collection == Collection::Group => Key::Group,
            ConflictKind::ConcurrentEdit | ConflictKind::DoneVersusCancelled => Key::Record(conflict.collection, conflict.record.clone()),
            ConflictKind::OverAssigned { .. } => Key::Need(id?),
            ConflictKind::OverCapacity { .. } => Key::Offer(id?),
            ConflictKind::HoursLoggedTwice => Key::Hours(id?),
        })
    }
}

impl Affected {
    /// Whether these writes can have changed `conflict`: they wrote its record, or one of its
    /// sides (an assignment, an hour entry).
    pub fn covers(&self, conflict: &Conflict) -> bool {
        let wrote = |collection, id: Option<Uuid>| id.is_some_and(|id| self.records.contains(&(collection, id.to_string())));
        if conflict.sides.iter().any(|side| wrote(Collection::Assignments, side.assignment) || wrote(Collection::HourEntries, side.entry)) {
            return true;
        }
        match Key::of(conflict) {
            Some(Key::Group) => self.group,
            Some(Key::Record(collection, id)) => self.records.contains(&(collection, id)),
            Some(Key::Need(id)) => self.needs.contains(&id),
            Some(Key::Offer(id)) => self.offers.contains(&id),
            Some(Key::Hours(id)) => self.hours_of.contains(&id),
            None => false,
        }
    }

    /// Widens these to the record of `conflict`, so that finding again replaces it even when
    /// what was written no longer leads to it (an assignment that can no longer be read).
    pub fn include(&mut self, conflict: &Conflict) {
        match Key::of(conflict) {
            Some(Key::Group) => self.group = true,
            Some(Key::Record(collection, id)) => {
                self.records.insert((collection, id));
            }
            Some(Key::Need(id)) => {
                self.needs.insert(id);
            }
            Some(Key::Offer(id)) => {
                self.offers.insert(id);
            }
            Some(Key::Hours(id)) => {
                self.hours_of.insert(id);
            }
            None => {}
        }
    }
}

impl GroupDoc {
    /// Every open conflict, in a stable order.
    pub fn conflicts(&self) -> Vec<Conflict> {
        self.find_conflicts(None)
    }

    /// The open conflicts that involve these records (what a sync just touched): the same
    /// answer as `conflicts()` for them, without reading every record.
    pub fn conflicts_touching(&self, touched: &Touched) -> Vec<Conflict> {
        self.find_conflicts(self.affected(touched).as_ref())
    }

    /// The open conflicts of `affected`, in a stable order.
    pub fn conflicts_of(&self, affected: &Affected) -> Vec<Conflict> {
        self.find_conflicts(Some(affected))
    }

    /// What `touched` can have changed in the conflicts; `None` when it replaced a whole
    /// collection or a verdict no longer counts, so that every conflict must be found again.
    pub fn affected(&self, touched: &Touched) -> Option<Affected> {
        if touched.collections.iter().any(|c| !matches!(c, Collection::Group | Collection::Resolutions)) {
            return None;
        }
        let mut affected = Affected { group: touched.group, records: touched.records.clone(), ..Affected::default() };
        for (collection, id) in &touched.records {
            let Ok(id) = id.parse::<Uuid>() else { continue };
            match collection {
                Collection::Needs => {
                    affected.needs.insert(id);
                    // Hours logged twice are labelled with their need's title.
                    affected.hours_of.extend(self.assignments_of_need(id).iter().map(|a| a.id));
                }
                Collection::Offers => {
                    affected.offers.insert(id);
                }
                Collection::Assignments => {
                    affected.hours_of.insert(id);
                    if let Ok(a) = self.assignment(id) {
                        affected.needs.insert(a.need);
                        affected.offers.extend(a.offer);
                    }
                }
                Collection::HourEntries => affected.hours_of.extend(self.hour_entry(id).ok().and_then(|e| e.assignment)),
                Collection::HourVerdicts => {
                    // A verdict that no longer counts (another change wrote to it) cannot say
                    // which entry it judged, and that entry may count again: find them all.
                    let verdict = self.hour_verdict(id).ok()?;
                    affected.hours_of.extend(self.hour_entry(verdict.entry).ok().and_then(|e| e.assignment));
                }
                Collection::Group | Collection::Members | Collection::Resolutions => {}
            }
        }
        Some(affected)
    }

    fn find_conflicts(&self, scope: Option<&Affected>) -> Vec<Conflict> {
        let names: BTreeMap<Uuid, String> = self.members().records.into_iter().map(|m| (m.id, m.display_name)).collect();
        let mut found = Vec::new();
        for collection in [Collection::Members, Collection::Needs, Collection::Offers, Collection::Assignments] {
            let Some(map) = self.collection_obj(collection) else { continue };
            let ids: Vec<String> = match scope {
                Some(affected) => affected.records.iter().filter(|(c, _)| *c == collection).map(|(_, id)| id.clone()).collect(),
                None => self.record_ids(collection),
            };
            for id in ids {
                let Ok(Some((_, record_obj))) = self.automerge().get(&map, id.as_str()) else { continue };
                let Ok(record @ hydrate::Value::Map(_)) = ReadDoc::hydrate(self.automerge(), &record_obj, None) else { continue };
                let label = label(collection, &id, &record);
                found.extend(self.edit_conflicts(collection, &id, &label, &record_obj, &record, &names));
                found.extend(self.copy_conflicts(collection, &id, &label, &map, &names));
            }
        }
        if scope.is_none_or(|affected| affected.group) {
            if let (Ok(Some((_, group_obj))), Ok(group)) = (self.automerge().get(ROOT, Collection::Group.key()), self.group()) {
                if let Ok(fields @ hydrate::Value::Map(_)) = ReadDoc::hydrate(self.automerge(), &group_obj, None) {
                    found.extend(self.edit_conflicts(Collection::Group, &group.id.to_string(), &group.name, &group_obj, &fields, &names));
                }
            }
        }
        found.extend(self.assignment_conflicts(scope, &names));
        found.extend(self.hours_conflicts(scope, &names));
        in_order(&mut found);
        found
    }

    fn edit_conflicts(
        &self,
        collection: Collection,
        record: &str,
        label: &str,
        obj: &ObjId,
        fields: &hydrate::Value,
        names: &BTreeMap<Uuid, String>,
    ) -> Vec<Conflict> {
        let hydrate::Value::Map(fields) = fields else { return Vec::new() };
        let mut paths = Vec::new();
        self.conflicted_paths(obj, fields, &mut Vec::new(), &mut paths);
        paths.iter().filter_map(|(obj, path)| self.edit_conflict(collection, record, label, obj, path, names)).collect()
    }

    fn conflicted_paths(&self, obj: &ObjId, fields: &hydrate::Map, path: &mut Vec<String>, out: &mut Vec<(ObjId, Vec<String>)>) {
        for (key, entry) in fields.iter() {
            path.push(key.clone());
            if entry.conflict && !bookkeeping(&path.join(".")) {
                out.push((obj.clone(), path.clone()));
            } else if let hydrate::Value::Map(children) = &entry.value {
                if let Ok(Some((Value::Object(_), child))) = self.automerge().get(obj, key.as_str()) {
                    self.conflicted_paths(&child, children, path, out);
                }
            }
            path.pop();
        }
    }

    fn edit_conflict(
        &self,
        collection: Collection,
        record: &str,
        label: &str,
        obj: &ObjId,
        path: &[String],
        names: &BTreeMap<Uuid, String>,
    ) -> Option<Conflict> {
        let key = path.last()?;
        let values = self.automerge().get_all(obj, key.as_str()).ok()?;
        let mut sides = Vec::new();
        let mut op_ids = Vec::new();
        for (value, op) in &values {
            let json = codec::read(self.automerge(), value, op, None).ok()?;
            let (by, at) = self.author_of(op);
            sides.push(Side { value: json, assignment: None, entry: None, by, by_name: by.and_then(|id| names.get(&id).cloned()), at });
            op_ids.push(op.to_string());
        }
        // The same value written twice while apart is agreement, not a conflict.
        if sides.iter().all(|s| s.value == sides[0].value) {
            return None;
        }
        let field = path.join(".");
        let has = |status: NeedStatus| sides.iter().any(|s| s.value == json!(status.as_str()));
        let kind = if collection == Collection::Needs && field == "status" && has(NeedStatus::Done) && has(NeedStatus::Cancelled) {
            ConflictKind::DoneVersusCancelled
        } else {
            ConflictKind::ConcurrentEdit
        };
        let id = conflict_id(&format!("edit/{}/{record}/{field}/{}", collection.key(), op_ids.join(",")));
        Some(Conflict { id, kind, collection, record: record.to_string(), label: label.to_string(), field: Some(field), sides })
    }

    /// Where the copies of one record differ: devices apart each created it (its id comes from
    /// its content, as a referral's does), and someone edited one copy before the others met it.
    /// Each field that differs is a decision, with one side per copy; resolving it writes the
    /// value kept into every copy (`Writer::put_field`).
    fn copy_conflicts(&self, collection: Collection, record: &str, label: &str, map: &ObjId, names: &BTreeMap<Uuid, String>) -> Vec<Conflict> {
        let copies = codec::copies(self.automerge(), map, record).unwrap_or_default();
        if copies.len() < 2 {
            return Vec::new();
        }
        let leaves: Vec<BTreeMap<String, (Json, ObjId)>> = copies.iter().map(|copy| self.leaves(copy, "")).collect();
        let paths: BTreeSet<&String> = leaves.iter().flat_map(BTreeMap::keys).filter(|path| !bookkeeping(path)).collect();
        let copy_ids = copies.iter().map(ObjId::to_string).collect::<Vec<_>>().join(",");
        let mut found = Vec::new();
        for path in paths {
            let sides: Vec<Side> = leaves
                .iter()
                .map(|leaves| {
                    let (value, op) = leaves.get(path).cloned().map_or((Json::Null, None), |(value, op)| (value, Some(op)));
                    let (by, at) = op.map_or((None, None), |op| self.author_of(&op));
                    Side { value, assignment: None, entry: None, by, by_name: by.and_then(|id| names.get(&id).cloned()), at }
                })
                .collect();
            if sides.iter().all(|side| side.value == sides[0].value) {
                continue;
            }
            let id = conflict_id(&format!("copies/{}/{record}/{path}/{copy_ids}", collection.key()));
            found.push(Conflict { id, kind: ConflictKind::ConcurrentEdit, collection, record: record.to_string(), label: label.to_string(), field: Some(path.clone()), sides });
        }
        found
    }

    /// Every value under the map `obj` by its dotted path, with the operation that wrote it
    /// (maps nest; a list is one value).
    fn leaves(&self, obj: &ObjId, prefix: &str) -> BTreeMap<String, (Json, ObjId)> {
        let doc = self.automerge();
        let mut out = BTreeMap::new();
        for key in doc.keys(obj) {
            let Ok(Some((value, op))) = doc.get(obj, key.as_str()) else { continue };
            let path = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
            if let Value::Object(automerge::ObjType::Map) = value {
                out.extend(self.leaves(&op, &path));
            } else if let Ok(json) = codec::read(doc, &value, &op, None) {
                out.insert(path, (json, op));
            }
        }
        out
    }

    /// The member whose device made an operation, and when.
    fn author_of(&self, op: &ObjId) -> (Option<Uuid>, Option<DateTime<Utc>>) {
        let by = match op {
            ObjId::Id(_, actor, _) => self.member_for_actor(actor),
            ObjId::Root => None,
        };
        let at = self
            .automerge()
            .hash_for_opid(op)
            .and_then(|hash| self.automerge().get_change_meta_by_hash(&hash))
            .and_then(|meta| DateTime::from_timestamp(meta.timestamp, 0));
        (by, at)
    }

    fn assignment_conflicts(&self, scope: Option<&Affected>, names: &BTreeMap<Uuid, String>) -> Vec<Conflict> {
        let (needs, offers): (Vec<Need>, Vec<Offer>) = match scope {
            Some(affected) => (
                affected.needs.iter().filter_map(|id| self.need(*id).ok()).collect(),
                affected.offers.iter().filter_map(|id| self.offer(*id).ok()).collect(),
            ),
            None => (self.needs().records, self.offers().records),
        };
        let side = |a: &Assignment| Side {
            value: json!({
                "volunteer": a.volunteer,
                "volunteer_name": names.get(&a.volunteer),
                "status": a.status,
            }),
            assignment: Some(a.id),
            entry: None,
            by: Some(a.assigned_by),
            by_name: names.get(&a.assigned_by).cloned(),
            at: Some(a.created_at),
        };
        let mut found = Vec::new();
        for need in needs {
            let of_need = self.assignments_of_need(need.id);
            let holding: Vec<&Assignment> = of_need.iter().filter(|a| a.status.fills_need()).collect();
            if holding.len() > need.volunteers_needed as usize {
                found.push(Conflict {
                    id: conflict_id(&format!("over/{}/{}", need.id, ids_of(&holding))),
                    kind: ConflictKind::OverAssigned { volunteers_needed: need.volunteers_needed },
                    collection: Collection::Needs,
                    record: need.id.to_string(),
                    label: need.title.clone(),
                    field: None,
                    sides: holding.iter().map(|a| side(a)).collect(),
                });
            }
        }
        for offer in offers.into_iter().filter(|o| !o.inexhaustible) {
            let of_offer = self.assignments_of_offer(offer.id);
            let open: Vec<&Assignment> = of_offer.iter().filter(|a| a.status.is_active()).collect();
            if open.len() > offer.capacity as usize {
                found.push(Conflict {
                    id: conflict_id(&format!("capacity/{}/{}", offer.id, ids_of(&open))),
                    kind: ConflictKind::OverCapacity { capacity: offer.capacity },
                    collection: Collection::Offers,
                    record: offer.id.to_string(),
                    label: offer.what.clone(),
                    field: None,
                    sides: open.iter().map(|a| side(a)).collect(),
                });
            }
        }
        found
    }

    /// Assignments whose hours were logged more than once (each device allowed one); in a
    /// scope, those whose entries were logged or judged.
    fn hours_conflicts(&self, scope: Option<&Affected>, names: &BTreeMap<Uuid, String>) -> Vec<Conflict> {
        let twice = match scope {
            Some(affected) => affected
                .hours_of
                .iter()
                .map(|assignment| (*assignment, self.live_entries_of_assignment(*assignment)))
                .filter(|(_, entries)| entries.len() > 1)
                .collect(),
            None => self.hours_logged_twice(),
        };
        let side = |e: &LedgerEntry| Side {
            value: json!({ "hours": e.entry.hours, "status": e.status, "note": e.entry.note }),
            assignment: None,
            entry: Some(e.entry.id),
            by: Some(e.entry.created_by),
            by_name: names.get(&e.entry.created_by).cloned(),
            at: Some(e.entry.created_at),
        };
        let mut found = Vec::new();
        for (assignment, entries) in twice {
            let mut ids: Vec<String> = entries.iter().map(|e| e.entry.id.to_string()).collect();
            ids.sort();
            let need = self.assignment(assignment).and_then(|a| self.need(a.need));
            found.push(Conflict {
                id: conflict_id(&format!("hours/{assignment}/{}", ids.join(","))),
                kind: ConflictKind::HoursLoggedTwice,
                collection: Collection::Assignments,
                record: assignment.to_string(),
                label: need.map_or_else(|_| assignment.to_string(), |n| n.title),
                field: None,
                sides: entries.iter().map(side).collect(),
            });
        }
        found
    }

    /// Assignments with more than one entry that is not voided: `log_hours` allows one, so
    /// these were logged on devices apart. Reads only each entry's `assignment` field unless
    /// there is such a pair, so that a large ledger costs little here.
    pub(crate) fn hours_logged_twice(&self) -> Vec<(Uuid, Vec<LedgerEntry>)> {
        let Some(map) = self.collection_obj(Collection::HourEntries) else { return Vec::new() };
        let doc = self.automerge();
        let mut entries_by_assignment: BTreeMap<Uuid, usize> = BTreeMap::new();
        for key in doc.keys(&map) {
            if let Some(assignment) = field_of(doc, &map, &key, "assignment") {
                *entries_by_assignment.entry(assignment).or_default() += 1;
            }
        }
        entries_by_assignment
            .into_iter()
            .filter(|(_, count)| *count > 1)
            .map(|(assignment, _)| (assignment, self.live_entries_of_assignment(assignment)))
            .filter(|(_, entries)| entries.len() > 1)
            .collect()
    }
}

/// The order conflicts are listed in, the same on every device.
pub(crate) fn in_order(conflicts: &mut [Conflict]) {
    conflicts.sort_by(|a, b| (a.collection, &a.record, &a.field, a.id).cmp(&(b.collection, &b.record, &b.field, b.id)));
}

fn conflict_id(key: &str) -> Uuid {
    Uuid::new_v5(&CONFLICT_NAMESPACE, key.as_bytes())
}

fn ids_of(assignments: &[&Assignment]) -> String {
    let mut ids: Vec<String> = assignments.iter().map(|a| a.id.to_string()).collect();
    ids.sort();
    ids.join(",")
}

fn label(collection: Collection, id: &str, record: &hydrate::Value) -> String {
    let field = match collection {
        Collection::Needs => "title",
        Collection::Offers => "what",
        Collection::Members => "display_name",
        Collection::Group | Collection::Assignments | Collection::Resolutions | Collection::HourEntries | Collection::HourVerdicts => {
            return id.to_string()
        }
    };
    let hydrate::Value::Map(map) = record else { return String::new() };
    match map.get(field) {
        Some(hydrate::Value::Scalar(automerge::ScalarValue::Str(s))) => s.to_string(),
        _ => String::new(),
    }
}
