//! Authority resolved from history: who is in the group, with what role and which devices, and
//! which changes count. Any device holding the group secret can write any change, so a role, a
//! device or a verdict counts only if the member who signed it had the right to it in the
//! change's causal past.
//!
//! The resolver replays the changes that write members, device bindings or the group's settings
//! in one order every device computes alike (causal order, ties broken by change hash, never by
//! clock). Each is accepted whole or ignored whole. A demotion or removal wins over the target's
//! concurrent acts ("strong remove"): those are revoked and the replay runs again, until nothing
//! more is revoked. Resolutions and hour verdicts ("acts") are then checked against the role their
//! author held at their own causal past. Ignored changes stay in the document (they are signed and
//! are relayed like any other) but have no effect, and organizers see them listed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use automerge::{legacy, Change, ChangeHash, ObjId, ReadDoc, Value, ROOT};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value as Json;
use uuid::Uuid;

use super::{Collection, GroupDoc, ACTORS, GROUP};
use crate::codec;
use crate::model::{HourEntry, HourVerdict, Resolution, Role};

/// What an ignored change tried to do.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Attempt {
    /// Change a role (their own, or someone else's).
    Role,
    /// Remove a member or bring one back.
    Removal,
    /// Add or drop a member's devices, or write on a member's behalf from another device.
    Device,
    /// Add a member, or edit someone else's record.
    Member,
    /// Change the group's settings, its organizer key or its secret epoch.
    Settings,
    /// Decide a conflict.
    Resolution,
    /// Confirm, dispute or void hours.
    Hours,
    /// Confirm, dispute or void hours the record does not hold: in a new generation, hours
    /// settled before the renewal, which the opening balances count as they were.
    ArchivedHours,
    /// Sign two different changes with one number (the second was refused, not kept).
    Equivocation,
}

/// A signed change that has no effect because its author had no right to it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ignored {
    /// The change's hash, in hex.
    pub change: String,
    /// The device (its actor id, in hex) that signed it.
    pub device: String,
    /// The member that device writes for, if any.
    pub member: Option<Uuid>,
    pub attempt: Attempt,
    /// The record it wrote (a member, a verdict, a resolution), if one.
    pub record: Option<String>,
    pub at: DateTime<Utc>,
}

/// The resolver's answer: the state that counts.
#[derive(Debug, Default)]
pub(crate) struct Authority {
    /// Member records as the accepted changes wrote them.
    pub(crate) members: BTreeMap<String, Json>,
    pub(crate) group: Option<Json>,
    /// Device (actor hex) to member.
    pub(crate) actors: BTreeMap<String, Uuid>,
    /// Resolutions and verdicts that do not count.
    pub(crate) ignored_records: HashSet<(Collection, String)>,
    pub(crate) ignored: Vec<Ignored>,
    /// Entries that ignored verdicts judge but the document does not hold: when one comes,
    /// those verdicts are judged again.
    pub(crate) awaited_entries: HashSet<String>,
}

impl Authority {
    /// The records whose reading differs between two answers, for indexes to refresh.
    pub(crate) fn differences(&self, other: &Authority) -> BTreeSet<(Collection, String)> {
        let members = self.members.keys().chain(other.members.keys()).filter(|k| self.members.get(*k) != other.members.get(*k));
        let members = members.map(|k| (Collection::Members, k.clone()));
        let records = self.ignored_records.symmetric_difference(&other.ignored_records).cloned();
        members.chain(records).collect()
    }
}

/// What one change wrote that authority cares about.
#[derive(Default)]
struct Reach {
    /// Member records, each with the fields the change wrote (an empty path: the whole record).
    members: BTreeMap<String, BTreeSet<Path>>,
    actors: BTreeSet<String>,
    /// The fields of the group the change wrote.
    group: BTreeSet<Path>,
}

impl Reach {
    fn is_empty(&self) -> bool {
        self.members.is_empty() && self.actors.is_empty() && self.group.is_empty()
    }
}

/// Ends the path of a watched object made inside a list: what is written in it writes the list.
const IN_LIST: &str = "\0list";

/// Map keys from a record (or the group) down to a field.
type Path = Vec<String>;

/// What the resolver has read of the history so far: history only grows, so each change is read
/// once.
#[derive(Default)]
pub(crate) struct Scan {
    heads: Vec<ChangeHash>,
    candidates: Vec<Candidate>,
    /// The changes that wrote each resolution and verdict.
    acts: BTreeMap<(Collection, String), Vec<Writer>>,
    /// What the last check found of each act (by how many changes had written it), valid while
    /// the replay that judged them reads the same (`act_basis`).
    act_verdicts: HashMap<(Collection, String), (usize, Option<Ignored>)>,
    act_basis: String,
    /// Each change's candidate ancestors (itself included).
    ancestry: HashMap<ChangeHash, Arc<Bits>>,
    /// The last change number each device signed, for telling equivocation apart.
    pub(crate) last_seq: HashMap<String, u64>,
    /// The objects authority reads (see `watched_objects`).
    watched: HashMap<String, Place>,
}

/// The maps under the root that authority reads.
const WATCHED: [&str; 5] = [GROUP, ACTORS, "members", "resolutions", "hour_verdicts"];

/// Where an object sits: the map under the root, the record (its key there) it belongs to, and
/// the path from that record (or from the group) to it.
type Place = (&'static str, Option<String>, Path);

/// A change that wrote a resolution or verdict.
struct Writer {
    hash: ChangeHash,
    actor: String,
    at: i64,
}

/// A change that writes authority, with the candidates among its ancestors (itself included).
struct Candidate {
    hash: ChangeHash,
    actor: String,
    /// The group's first change, taken as it is.
    founding: bool,
    at: i64,
    reach: Reach,
    ancestors: Arc<Bits>,
}

/// A set of candidate positions.
#[derive(Clone, Default, PartialEq)]
struct Bits(Vec<u64>);

impl Bits {
    fn with(&self, i: usize) -> Bits {
        let mut bits = self.clone();
        if bits.0.len() <= i / 64 {
            bits.0.resize(i / 64 + 1, 0);
        }
        bits.0[i / 64] |= 1 << (i % 64);
        bits
    }

    fn union(&self, other: &Bits) -> Bits {
        let (long, short) = if self.0.len() >= other.0.len() { (self, other) } else { (other, self) };
        let mut bits = long.clone();
        bits.0.iter_mut().zip(&short.0).for_each(|(a, b)| *a |= b);
        bits
    }

    fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|word| word & (1 << (i % 64)) != 0)
    }
}

/// Where a member stands after an accepted change, in replay order.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Standing {
    organizer: bool,
    active: bool,
}

impl Standing {
    /// A record that does not exist stands nowhere.
    fn of(record: Option<&Json>) -> Standing {
        let Some(record) = record.filter(|r| r.is_object()) else { return Standing { organizer: false, active: false } };
        let field = |name: &str| record.get(name);
        Standing {
            organizer: field("role").and_then(Json::as_str) == Some(Role::Organizer.as_str()),
            active: field("removed_at").is_none_or(Json::is_null),
        }
    }
}

const EPOCH: &str = "epoch";
const EPOCH_SECRET: &str = "epoch_secret";

/// The group's secret as its record names it, in the order it moves: epoch, then secret id.
fn epoch_of(group: &Json) -> Option<(u64, String)> {
    let epoch = group.get(EPOCH)?.as_u64()?;
    Some((epoch, group.get(EPOCH_SECRET).and_then(Json::as_str).unwrap_or_default().to_string()))
}

/// The fields of a member record that only organizers may write.
const RIGHTS: [(&str, Attempt); 3] = [("role", Attempt::Role), ("removed_at", Attempt::Removal), ("device_ids", Attempt::Device)];

/// The replayed state while it is being built.
#[derive(Default)]
struct Replay {
    members: BTreeMap<String, Json>,
    group: Option<Json>,
    actors: BTreeMap<String, Uuid>,
    /// For each member, where they stood after each accepted change that moved them (candidate index).
    standings: BTreeMap<Uuid, Vec<(usize, Standing)>>,
    /// Accepted changes that took a member's rights away: (candidate, member).
    losses: Vec<(usize, Uuid)>,
    /// Accepted candidates by the member who wrote them.
    authored: Vec<(usize, Uuid)>,
    ignored: Vec<(usize, Option<Uuid>, Attempt, Option<String>)>,
}

impl Replay {
    fn standing(&self, member: Uuid) -> Standing {
        Standing::of(self.members.get(&member.to_string()))
    }
}

impl GroupDoc {
    /// Resolves authority from the whole history.
    pub(crate) fn resolve_authority(&self) -> Authority {
        self.read_new_changes();
        let mut scan = self.scan.borrow_mut();
        let candidates = &scan.candidates;
        let order = causal_order(candidates);
        let mut revoked = BTreeSet::new();
        let replay = loop {
            let replay = self.replay(candidates, &order, &revoked);
            let newly: BTreeSet<usize> = replay
                .losses
                .iter()
                .flat_map(|&(loss, target)| {
                    replay.authored.iter().filter(move |&&(c, author)| {
                        author == target && c != loss && !candidates[loss].ancestors.has(c) && !candidates[c].ancestors.has(loss)
                    })
                })
                .map(|&(c, _)| c)
                .filter(|c| !revoked.contains(c))
                .collect();
            if newly.is_empty() {
                break replay;
            }
            revoked.extend(newly);
        };
        let mut authority = Authority { members: replay.members.clone(), group: replay.group.clone(), actors: replay.actors.clone(), ..Authority::default() };
        for &c in &revoked {
            let author = replay.actors.get(&candidates[c].actor).copied();
            let attempt = if candidates[c].reach.group.is_empty() { Attempt::Member } else { Attempt::Settings };
            authority.ignored.push(ignored(&candidates[c], author, attempt, None));
        }
        for &(c, member, attempt, ref record) in &replay.ignored {
            authority.ignored.push(ignored(&candidates[c], member, attempt, record.clone()));
        }
        self.check_acts(&mut scan, &replay, &mut authority);
        authority.ignored.sort_by(|a, b| (a.at, &a.change).cmp(&(b.at, &b.change)));
        authority
    }

    /// Reads the changes that arrived since the last scan: the authority candidates with their
    /// ancestry, and the changes that wrote each resolution or verdict.
    pub(crate) fn read_new_changes(&self) {
        let mut scan = self.scan.borrow_mut();
        if scan.heads == self.doc.get_heads() {
            return;
        }
        let scan = &mut *scan;
        let empty = Arc::new(Bits::default());
        // automerge keeps its history in causal order, so every dependency comes first.
        if scan.watched.is_empty() {
            scan.watched = self.watched_objects();
        }
        let mut since = scan.heads.clone();
        if let Some(seed) = self.seed_change().filter(|_| since.is_empty()) {
            self.read_seed(seed, scan);
            since = vec![seed];
        }
        for change in self.doc.get_changes(&since) {
            let mut inherited = change.deps().iter().filter_map(|d| scan.ancestry.get(d)).fold(None::<Arc<Bits>>, |acc, bits| match acc {
                None => Some(bits.clone()),
                Some(acc) if acc == *bits => Some(acc),
                Some(acc) => Some(Arc::new(acc.union(bits))),
            });
            let reach = self.reach(&change, &mut scan.watched, &mut scan.acts);
            if !reach.is_empty() {
                let bits = Arc::new(inherited.as_deref().unwrap_or(&empty).with(scan.candidates.len()));
                inherited = Some(bits.clone());
                scan.candidates.push(Candidate {
                    hash: change.hash(),
                    actor: change.actor_id().to_hex_string(),
                    founding: change.deps().is_empty(),
                    at: change.timestamp(),
                    reach,
                    ancestors: bits,
                });
            }
            scan.ancestry.insert(change.hash(), inherited.unwrap_or_else(|| empty.clone()));
            let last = scan.last_seq.entry(change.actor_id().to_hex_string()).or_default();
            *last = (*last).max(change.seq());
        }
        scan.heads = self.doc.get_heads();
    }

    /// Reads a generation's seed as the founding candidate without decoding its operations (a
    /// group's years make hundreds of thousands): it wrote every record, so what it reached is
    /// what the record holds at the seed alone.
    fn read_seed(&self, seed: ChangeHash, scan: &mut Scan) {
        let Some(meta) = self.doc.get_change_meta_by_hash(&seed) else { return };
        let (actor, heads) = (meta.actor.to_hex_string(), [seed]);
        let keys = |top: &str| match self.doc.get_at(ROOT, top, &heads) {
            Ok(Some((Value::Object(_), map))) => self.doc.keys_at(&map, &heads).collect(),
            _ => Vec::new(),
        };
        let mut reach = Reach { actors: keys(ACTORS).into_iter().collect(), ..Reach::default() };
        reach.members = keys("members").into_iter().map(|member| (member, BTreeSet::from([Vec::new()]))).collect();
        if self.doc.get_at(ROOT, GROUP, &heads).is_ok_and(|group| group.is_some()) {
            reach.group.insert(Vec::new());
        }
        for (top, collection) in [("resolutions", Collection::Resolutions), ("hour_verdicts", Collection::HourVerdicts)] {
            for key in keys(top) {
                scan.acts.entry((collection, key)).or_default().push(Writer { hash: seed, actor: actor.clone(), at: meta.timestamp });
            }
        }
        let ancestors = Arc::new(Bits::default().with(scan.candidates.len()));
        scan.candidates.push(Candidate { hash: seed, actor: actor.clone(), founding: true, at: meta.timestamp, reach, ancestors: ancestors.clone() });
        scan.ancestry.insert(seed, ancestors);
        let last = scan.last_seq.entry(actor).or_default();
        *last = (*last).max(meta.seq);
    }

    /// The objects authority reads, by id: the maps of members, devices, resolutions and
    /// verdicts, every member record and what is nested in it, the group and what is nested in
    /// it, each with the map it is under and the record it belongs to. Looking an operation's
    /// object up here is what lets a scan skip every other operation cheaply.
    fn watched_objects(&self) -> HashMap<String, Place> {
        let mut watched = HashMap::new();
        for top in WATCHED {
            for (value, map) in self.doc.get_all(ROOT, top).unwrap_or_default() {
                if !matches!(value, Value::Object(_)) {
                    continue;
                }
                watched.insert(map.to_string(), (top, None, Vec::new()));
                match top {
                    GROUP => self.watch_nested(&map, (top, None, Vec::new()), &mut watched),
                    ACTORS => {}
                    _ => {
                        for key in self.doc.keys(&map) {
                            for (value, record) in self.doc.get_all(&map, &key).unwrap_or_default() {
                                if matches!(value, Value::Object(_)) {
                                    let place = (top, Some(key.clone()), Vec::new());
                                    watched.insert(record.to_string(), place.clone());
                                    // Verdicts and resolutions are written whole, once: their
                                    // records are enough (and there can be 100,000 of them).
                                    if top == "members" {
                                        self.watch_nested(&record, place, &mut watched);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        watched
    }

    /// The objects in the map `obj` (lists hold only plain values).
    fn watch_nested(&self, obj: &ObjId, place: Place, watched: &mut HashMap<String, Place>) {
        for key in self.doc.keys(obj) {
            for (value, id) in self.doc.get_all(obj, &key).unwrap_or_default() {
                if matches!(value, Value::Object(_)) {
                    let (top, record, path) = &place;
                    let inner = (*top, record.clone(), [path.clone(), vec![key.clone()]].concat());
                    watched.insert(id.to_string(), inner.clone());
                    self.watch_nested(&id, inner, watched);
                }
            }
        }
    }

    /// What `change` wrote among members, devices and settings; the acts it wrote go to `acts`.
    fn reach(&self, change: &Change, watched: &mut HashMap<String, Place>, acts: &mut BTreeMap<(Collection, String), Vec<Writer>>) -> Reach {
        let mut reach = Reach::default();
        let start = change.start_op().get();
        for (i, op) in change.decode().operations.into_iter().enumerate() {
            let legacy::ObjectId::Id(legacy::OpId(counter, actor)) = &op.obj else {
                // The founding change makes the maps under the root.
                if let (legacy::Key::Map(key), legacy::OpType::Make(_)) = (&op.key, &op.action) {
                    if let Some(top) = WATCHED.into_iter().find(|top| key == *top) {
                        watched.insert(format!("{}@{}", start + i as u64, change.actor_id().to_hex_string()), (top, None, Vec::new()));
                        if top == GROUP {
                            reach.group.insert(Vec::new());
                        }
                    }
                }
                continue;
            };
            let Some((top, record, path)) = watched.get(&format!("{counter}@{}", actor.to_hex_string())).cloned() else { continue };
            let map_key = match &op.key {
                legacy::Key::Map(key) => Some(key.to_string()),
                legacy::Key::Seq(_) => None,
            };
            // An operation on a map under the root writes a whole record; one inside a record
            // (or the group) writes the field at its path (a list is written whole).
            let in_list = map_key.is_none();
            let (key, mut field) = match (top, record) {
                (GROUP, _) => (None, [path, map_key.into_iter().collect()].concat()),
                (_, Some(record)) => (Some(record), [path, map_key.into_iter().collect()].concat()),
                (_, None) => (map_key, Vec::new()),
            };
            // Inside a list, every operation writes the list: its path ends there.
            let list_end = field.iter().position(|key| key == IN_LIST);
            if let Some(list_end) = list_end {
                field.truncate(list_end);
            }
            if matches!(op.action, legacy::OpType::Make(_)) {
                let made = if in_list || list_end.is_some() { [field.clone(), vec![IN_LIST.to_string()]].concat() } else { field.clone() };
                watched.insert(format!("{}@{}", start + i as u64, change.actor_id().to_hex_string()), (top, key.clone(), made));
            }
            match (top, key) {
                (GROUP, _) => _ = reach.group.insert(field),
                (ACTORS, Some(key)) => _ = reach.actors.insert(key),
                ("members", Some(key)) => _ = reach.members.entry(key).or_default().insert(field),
                (top, Some(key)) if top == "resolutions" || top == "hour_verdicts" => {
                    let collection = if top == "resolutions" { Collection::Resolutions } else { Collection::HourVerdicts };
                    let writers = acts.entry((collection, key)).or_default();
                    if writers.last().is_none_or(|w| w.hash != change.hash()) {
                        writers.push(Writer { hash: change.hash(), actor: change.actor_id().to_hex_string(), at: change.timestamp() });
                    }
                }
                _ => {}
            }
        }
        reach
    }

    fn replay(&self, candidates: &[Candidate], order: &[usize], revoked: &BTreeSet<usize>) -> Replay {
        let mut replay = Replay::default();
        let members_obj = self.collection_obj(Collection::Members);
        let actors_obj = match self.doc.get(ROOT, ACTORS) {
            Ok(Some((Value::Object(_), id))) => Some(id),
            _ => None,
        };
        for &c in order.iter().filter(|c| !revoked.contains(c)) {
            let candidate = &candidates[c];
            let after = &[candidate.hash][..];
            let at = |obj: &Option<ObjId>, key: &str, heads: &[ChangeHash]| obj.as_ref().and_then(|obj| self.json_at(obj, key, heads));
            // What each record reads right after the change: the fields it wrote hold its values.
            let members: Vec<(&String, &BTreeSet<Path>, Option<Json>)> =
                candidate.reach.members.iter().map(|(k, fields)| (k, fields, at(&members_obj, k, after))).collect();
            let bindings: Vec<(&String, Option<Uuid>)> = candidate
                .reach
                .actors
                .iter()
                .map(|k| (k, at(&actors_obj, k, after).and_then(|j| j.as_str().and_then(|s| s.parse().ok()))))
                .collect();
            let group = (!candidate.reach.group.is_empty()).then(|| self.json_at(&ROOT, GROUP, after));

            let author = replay.actors.get(&candidate.actor).copied();
            let verdict = if candidate.founding { Ok(()) } else { judge(&replay, candidate, author, &members, &bindings, group.is_some()) };
            match verdict {
                Err((attempt, record)) => replay.ignored.push((c, author, attempt, record)),
                Ok(()) => {
                    for (key, fields, after) in members {
                        let Ok(id) = key.parse::<Uuid>() else { continue };
                        let was = replay.standing(id);
                        let record = replay.members.entry(key.clone()).or_insert(Json::Null);
                        write_fields(record, fields, after.as_ref());
                        let now = replay.standing(id);
                        if now != was {
                            replay.standings.entry(id).or_default().push((c, now));
                        }
                        if (was.organizer && !now.organizer) || (was.active && !now.active) {
                            replay.losses.push((c, id));
                        }
                    }
                    for (key, member) in bindings {
                        if let Some(member) = member {
                            replay.actors.insert(key.clone(), member);
                        }
                    }
                    if let Some(after) = group {
                        let group = replay.group.get_or_insert(Json::Null);
                        let before = epoch_of(group);
                        write_fields(group, &candidate.reach.group, after.as_ref());
                        // The secret only moves forward: of two moves made apart, the later
                        // epoch stays, and of two secrets for one epoch the higher id.
                        if before > epoch_of(group) {
                            if let (Some((epoch, secret)), Some(fields)) = (before, group.as_object_mut()) {
                                fields.insert(EPOCH.into(), epoch.into());
                                fields.insert(EPOCH_SECRET.into(), secret.into());
                            }
                        }
                    }
                    if let Some(author) = author.or_else(|| replay.actors.get(&candidate.actor).copied()) {
                        replay.authored.push((c, author));
                    }
                }
            }
        }
        replay
    }

    /// Resolutions and verdicts count only if one change wrote each, by the member it names,
    /// who had the right to it in that change's causal past and lost no rights concurrently.
    fn check_acts(&self, scan: &mut Scan, replay: &Replay, authority: &mut Authority) {
        let Scan { candidates, acts, ancestry, act_verdicts, act_basis, .. } = scan;
        let basis = format!("{:?} {:?} {:?}", replay.standings, replay.losses, replay.actors);
        if *act_basis != basis {
            act_verdicts.clear();
            *act_basis = basis;
        }
        let mut loss_ancestors: HashMap<usize, HashSet<ChangeHash>> = HashMap::new();
        let mut awaited = HashSet::new();
        // A generation's seed holds only the acts authority counted at its cut, under the actor of
        // the organizer who renewed: each stands as it was judged there (a record's founding change
        // is refused unless this device built it or its invite vouched for it).
        let founding = candidates.iter().find(|c| c.founding).map(|c| c.hash);
        // A verdict on an entry a renewed record does not hold is on hours in its archive.
        let renewed = self.seed_change().is_some();
        for (record, writers) in acts.iter() {
            let Some(first) = writers.first() else { continue };
            let known = act_verdicts.get(record).filter(|(count, _)| *count == writers.len());
            let verdict = match known {
                Some((_, verdict)) => verdict.clone(),
                None => {
                    let (collection, key) = record;
                    let author = replay.actors.get(&first.actor).copied();
                    let ancestors = ancestry.get(&first.hash).cloned().unwrap_or_default();
                    // `None` while the entry a verdict judges is not here (its replay may come later).
                    let allowed = match author.filter(|_| writers.len() == 1) {
                        _ if writers.len() == 1 && Some(first.hash) == founding => Some(true),
                        None => Some(false),
                        Some(author) => {
                            let standing = standing_at(replay, author, &ancestors);
                            let lost_concurrently = replay.losses.iter().any(|&(loss, member)| {
                                member == author
                                    && !ancestors.has(loss)
                                    && !loss_ancestors.entry(loss).or_insert_with(|| self.ancestors_of(candidates[loss].hash)).contains(&first.hash)
                            });
                            if standing.active && !lost_concurrently { self.act_allowed(*collection, key, author, standing.organizer) } else { Some(false) }
                        }
                    };
                    let verdict = (allowed != Some(true)).then(|| Ignored {
                        change: first.hash.to_string(),
                        device: first.actor.clone(),
                        member: author,
                        attempt: match (collection, allowed) {
                            (Collection::Resolutions, _) => Attempt::Resolution,
                            (_, None) if renewed => Attempt::ArchivedHours,
                            _ => Attempt::Hours,
                        },
                        record: Some(key.clone()),
                        at: DateTime::from_timestamp(first.at, 0).unwrap_or_default(),
                    });
                    match allowed {
                        Some(_) => _ = act_verdicts.insert(record.clone(), (writers.len(), verdict.clone())),
                        None => awaited.extend(self.written_record::<HourVerdict>(*collection, key).map(|v| v.entry.to_string())),
                    }
                    verdict
                }
            };
            if let Some(ignored) = verdict {
                authority.ignored_records.insert(record.clone());
                authority.ignored.push(ignored);
            }
        }
        authority.awaited_entries = awaited;
    }

    /// Whether `author` may have written the resolution or verdict `key` as it reads now;
    /// `None` for a verdict on an entry the document does not hold (yet, or at all: the entry
    /// of a late verdict replayed into a new generation may be in the archive).
    fn act_allowed(&self, collection: Collection, key: &str, author: Uuid, organizer: bool) -> Option<bool> {
        match collection {
            Collection::Resolutions => {
                let resolution = self.written_record::<Resolution>(collection, key);
                Some(organizer && resolution.is_some_and(|r| r.decided_by == author))
            }
            _ => {
                let Some(verdict) = self.written_record::<HourVerdict>(collection, key) else { return Some(false) };
                let id = verdict.entry.to_string();
                let entry = self.written_json(Collection::HourEntries, &id).ok().flatten()?;
                let entry = codec::from_json::<HourEntry>(super::with_id(entry, &id)).ok();
                Some(verdict.by == author && entry.is_some_and(|entry| entry.may_judge(verdict.kind, author, organizer)))
            }
        }
    }

    /// Every change `hash` depends on, directly or not, and itself.
    fn ancestors_of(&self, hash: ChangeHash) -> HashSet<ChangeHash> {
        let mut seen = HashSet::from([hash]);
        let mut next = vec![hash];
        while let Some(hash) = next.pop() {
            for dep in self.doc.get_change_meta_by_hash(&hash).map(|c| c.deps).unwrap_or_default() {
                if seen.insert(dep) {
                    next.push(dep);
                }
            }
        }
        seen
    }

    /// The value at `key` of `obj` as it was at `heads`, as JSON.
    fn json_at(&self, obj: &ObjId, key: &str, heads: &[ChangeHash]) -> Option<Json> {
        let (value, id) = self.doc.get_at(obj, key, heads).ok()??;
        codec::read(&self.doc, &value, &id, Some(heads)).ok()
    }
}

/// Whether a candidate's author may write everything it wrote, or what it tried that it may not.
fn judge(
    replay: &Replay,
    candidate: &Candidate,
    author: Option<Uuid>,
    members: &[(&String, &BTreeSet<Path>, Option<Json>)],
    bindings: &[(&String, Option<Uuid>)],
    group: bool,
) -> Result<(), (Attempt, Option<String>)> {
    // The author's standing in the change's own causal past, not in whatever the replay
    // reached before it.
    let standing = author.map(|a| standing_at(replay, a, &candidate.ancestors));
    let organizer = standing.is_some_and(|s| s.organizer && s.active);
    if standing.is_some_and(|s| !s.active) {
        return Err((Attempt::Member, None));
    }
    // A device joining by invite adds its person as a volunteer and writes for them: the one
    // thing a device that writes for nobody yet may do.
    let joins = |key: &String, after: &Option<Json>| {
        author.is_none()
            && Standing::of(after.as_ref()) == Standing { organizer: false, active: true }
            && bindings.iter().any(|(device, member)| **device == candidate.actor && member.is_some_and(|m| m.to_string() == **key))
    };
    for (key, fields, after) in members {
        let record = Some(key.to_string());
        if !replay.members.get(*key).is_some_and(Json::is_object) {
            if !(organizer || joins(key, after)) {
                return Err((Attempt::Member, record));
            }
            continue;
        }
        for (field, attempt) in RIGHTS {
            if !organizer && fields.iter().any(|path| path.first().is_none_or(|first| first == field)) {
                return Err((attempt, record));
            }
        }
        if !organizer && author.map(|a| a.to_string()).as_ref() != Some(*key) {
            return Err((Attempt::Member, record));
        }
    }
    for (device, member) in bindings {
        let Some(member) = member else { return Err((Attempt::Device, None)) };
        let record = Some(member.to_string());
        if replay.actors.get(*device).is_some_and(|bound| bound != member) {
            return Err((Attempt::Device, record));
        }
        let own_join = **device == candidate.actor && members.iter().any(|(key, _, after)| joins(key, after));
        if !(organizer || own_join || replay.actors.get(*device) == Some(member)) {
            return Err((Attempt::Device, record));
        }
    }
    if group && !organizer {
        return Err((Attempt::Settings, None));
    }
    Ok(())
}

/// Where `member` stood at a point whose candidate ancestors are `ancestors`.
fn standing_at(replay: &Replay, member: Uuid, ancestors: &Bits) -> Standing {
    replay
        .standings
        .get(&member)
        .and_then(|history| history.iter().rev().find(|(c, _)| ancestors.has(*c)))
        .map(|(_, standing)| *standing)
        .unwrap_or(Standing { organizer: false, active: false })
}

/// Candidates in causal order, ties broken by change hash: the same on every device.
fn causal_order(candidates: &[Candidate]) -> Vec<usize> {
    let mut waiting: Vec<usize> = (0..candidates.len()).map(|c| (0..c).filter(|&a| candidates[c].ancestors.has(a)).count()).collect();
    let mut ready: BTreeSet<(ChangeHash, usize)> = (0..candidates.len()).filter(|&c| waiting[c] == 0).map(|c| (candidates[c].hash, c)).collect();
    let mut order = Vec::with_capacity(candidates.len());
    while let Some((_, c)) = ready.pop_first() {
        order.push(c);
        for later in c + 1..candidates.len() {
            if candidates[later].ancestors.has(c) {
                waiting[later] -= 1;
                if waiting[later] == 0 {
                    ready.insert((candidates[later].hash, later));
                }
            }
        }
    }
    order
}

fn ignored(candidate: &Candidate, member: Option<Uuid>, attempt: Attempt, record: Option<String>) -> Ignored {
    Ignored {
        change: candidate.hash.to_string(),
        device: candidate.actor.clone(),
        member,
        attempt,
        record,
        at: DateTime::from_timestamp(candidate.at, 0).unwrap_or_default(),
    }
}

/// Writes into `target` the fields at `paths` as `after` holds them (an empty path: all of it).
fn write_fields(target: &mut Json, paths: &BTreeSet<Path>, after: Option<&Json>) {
    for path in paths {
        let value = path.iter().fold(after, |json, key| json.and_then(|j| j.get(key))).cloned();
        set_at(target, path, value);
    }
}

/// Sets the value at `path` (removes it for `None`), making the maps on the way.
fn set_at(target: &mut Json, path: &[String], value: Option<Json>) {
    let Some((first, rest)) = path.split_first() else {
        *target = value.unwrap_or(Json::Null);
        return;
    };
    if !target.is_object() {
        *target = Json::Object(Default::default());
    }
    let Json::Object(fields) = target else { return };
    match (rest.is_empty(), value) {
        (true, Some(value)) => _ = fields.insert(first.clone(), value),
        (true, None) => _ = fields.remove(first),
        (false, value) => set_at(fields.entry(first.clone()).or_insert(Json::Null), rest, value),
    }
}
