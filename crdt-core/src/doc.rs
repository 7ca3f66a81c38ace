//! `GroupDoc`: the group's whole shared record as one automerge document.
//!
//! Layout (every record is a map keyed by its uuid):
//! ```text
//! root
//! ├─ group        { id, name, created_at, settings { areas { <name>: { neighbours } }, expiry_days, categories } }
//! ├─ members      { <uuid>: Member }
//! ├─ needs        { <uuid>: Need }
//! ├─ offers       { <uuid>: Offer }
//! ├─ assignments  { <uuid>: Assignment }
//! ├─ resolutions  { <uuid>: Resolution }  organizers' recorded decisions on conflicts
//! ├─ hour_entries { <uuid>: HourEntry }   timebank hours, written once, never edited
//! ├─ hour_verdicts { <uuid>: HourVerdict } confirmations, disputes and voids of entries
//! └─ actors       { <actor hex>: member uuid }  who made each change, for history
//! ```
//! Each user action is one automerge change whose message is `<action> <record ids…>`.
//! Every map above exists from the group's creation: a map two devices created apart would be
//! two different objects under one key, and automerge would show only one of them.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{ActorId, Automerge, Change, ChangeHash, LoadOptions, ObjId, ObjType, OnPartialLoad, ReadDoc, Value, ROOT};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::chunks::{self, Chunk};
use crate::codec;
use crate::error::{Error, Result, ValidationError};
use crate::ledger::{HourEntry, HourVerdict, LedgerLinks};
use crate::model::*;

/// The maps of records under the document root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    /// The group record itself (name and settings): not a map of records, but it can conflict.
    Group,
    Members,
    Needs,
    Offers,
    Assignments,
    Resolutions,
    HourEntries,
    HourVerdicts,
}

impl Collection {
    /// The maps of records (everything but the group itself).
    pub const ALL: [Collection; 7] =
        [Self::Members, Self::Needs, Self::Offers, Self::Assignments, Self::Resolutions, Self::HourEntries, Self::HourVerdicts];

    pub fn key(self) -> &'static str {
        match self {
            Self::Group => GROUP,
            Self::Members => "members",
            Self::Needs => "needs",
            Self::Offers => "offers",
            Self::Assignments => "assignments",
            Self::Resolutions => "resolutions",
            Self::HourEntries => "hour_entries",
            Self::HourVerdicts => "hour_verdicts",
        }
    }

    /// The singular noun used in messages ("no need matches …").
    pub fn noun(self) -> &'static str {
        match self {
            Self::Group => "group",
            Self::Members => "member",
            Self::Needs => "need",
            Self::Offers => "offer",
            Self::Assignments => "assignment",
            Self::Resolutions => "resolution",
            Self::HourEntries => "hour entry",
            Self::HourVerdicts => "hour verdict",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }
}

const GROUP: &str = "group";
const ACTORS: &str = "actors";

/// A record that could not be read: the reason is shown to organizers, the rest still loads.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InvalidRecord {
    pub collection: Collection,
    pub id: String,
    pub reason: String,
}

/// Records of one collection, plus those that failed to read.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded<T> {
    pub records: Vec<T>,
    pub invalid: Vec<InvalidRecord>,
}

/// What an organizer decided about a conflict, kept for the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    pub id: Uuid,
    pub conflict: Uuid,
    pub record: Uuid,
    pub summary: String,
    pub decided_by: Uuid,
    pub decided_at: DateTime<Utc>,
}

/// The records an applied set of changes touched, so indexes update only those.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Touched {
    pub group: bool,
    pub records: BTreeSet<(Collection, String)>,
    /// A whole collection appeared or was replaced: re-read all of it.
    pub collections: BTreeSet<Collection>,
}

impl Touched {
    pub fn is_empty(&self) -> bool {
        !self.group && self.records.is_empty() && self.collections.is_empty()
    }

    fn extend(&mut self, other: Touched) {
        self.group |= other.group;
        self.records.extend(other.records);
        self.collections.extend(other.collections);
    }
}

/// Changes applied to the in-memory document that the store has not written yet.
#[derive(Default)]
pub(crate) struct Unsaved {
    pub(crate) bytes: Vec<u8>,
    pub(crate) touched: Touched,
}

/// Which assignments belong to which need and which offer, so that assigning reads a handful
/// of records rather than all of them. Built on first use, then updated by every change.
#[derive(Default)]
struct Links {
    by_need: HashMap<Uuid, BTreeSet<Uuid>>,
    by_offer: HashMap<Uuid, BTreeSet<Uuid>>,
}

impl Links {
    fn add(&mut self, assignment: &Assignment) {
        self.by_need.entry(assignment.need).or_default().insert(assignment.id);
        if let Some(offer) = assignment.offer {
            self.by_offer.entry(offer).or_default().insert(assignment.id);
        }
    }
}

pub struct GroupDoc {
    doc: Automerge,
    links: RefCell<Option<Links>>,
    ledger_links: Option<LedgerLinks>,
    unsaved: Unsaved,
    /// The group's settings and its members are read by nearly every action; they are kept
    /// here until a change touches them.
    group: RefCell<Option<Group>>,
    members: RefCell<HashMap<Uuid, Member>>,
}

/// Writes inside one change, remembering which records it touched.
pub(crate) struct Writer<'a, 'b> {
    pub(crate) tx: &'a mut Transaction<'b>,
    ids: Vec<Uuid>,
    touched: Touched,
}

impl Writer<'_, '_> {
    /// Writes `new` over `old` (or creates it) in `collection`, touching only changed fields.
    pub(crate) fn put<T: Serialize>(&mut self, collection: Collection, id: Uuid, new: &T, old: Option<&T>) -> Result<()> {
        self.mention(id);
        self.touched.records.insert((collection, id.to_string()));
        let map = map_id(self.tx, collection)?;
        let without_id = |record: &T| {
            let mut json = codec::to_json(record);
            json.as_object_mut().map(|fields| fields.remove("id"));
            json
        };
        let old = old.map(without_id);
        codec::write(self.tx, &map, &id.to_string(), &without_id(new), old.as_ref())
    }

    /// Writes the group itself (name, settings).
    pub(crate) fn put_group(&mut self, new: &Group, old: Option<&Group>) -> Result<()> {
        self.touched.group = true;
        let old = old.map(codec::to_json);
        codec::write(self.tx, &ROOT, GROUP, &codec::to_json(new), old.as_ref())
    }

    /// Writes one field (a dotted path) of a record, or of the group itself.
    pub(crate) fn put_field(&mut self, collection: Collection, record: &str, field: &str, value: &Json) -> Result<()> {
        let gone = || Error::ConflictGone;
        let mut obj = self.tx.get(ROOT, collection.key())?.ok_or_else(gone)?.1;
        // The group is one map; every other collection is a map of records by id.
        let record_key = (collection != Collection::Group).then_some(record);
        let path: Vec<&str> = record_key.into_iter().chain(field.split('.')).collect();
        let (last, parents) = path.split_last().ok_or_else(gone)?;
        for key in parents {
            obj = self.tx.get(&obj, *key)?.ok_or_else(gone)?.1;
        }
        codec::write(self.tx, &obj, last, value, None)?;
        match collection {
            Collection::Group => self.touched.group = true,
            _ => {
                self.touched.records.insert((collection, record.to_string()));
            }
        }
        Ok(())
    }

    /// Records that `actor` writes on behalf of `member`.
    pub(crate) fn put_actor(&mut self, actor: &str, member: Uuid) -> Result<()> {
        let actors = match self.tx.get(ROOT, ACTORS)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self.tx.put_object(ROOT, ACTORS, ObjType::Map)?,
        };
        self.tx.put(&actors, actor, member.to_string())?;
        Ok(())
    }

    /// Names a record in the change's message without writing it (a resolved conflict).
    pub(crate) fn mention(&mut self, id: Uuid) {
        if !self.ids.contains(&id) {
            self.ids.push(id);
        }
    }
}

impl GroupDoc {
    /// Starts a new group with its first member (an organizer, normally), mapped to `actor`.
    pub fn create(actor: ActorId, name: &str, founder: NewMember, now: DateTime<Utc>) -> Result<(Self, Member)> {
        check_text("group name", name, MAX_TITLE)?;
        let settings = Settings::default();
        founder.validate(&settings)?;
        let group = Group { id: Uuid::now_v7(), name: name.trim().to_string(), created_at: now, settings, organizer_key: None, epoch: 0 };
        let mut doc = GroupDoc::empty(actor.clone());
        let member = new_member(founder, now);
        doc.change("group.create", now, |w| {
            w.put_group(&group, None)?;
            w.touched.collections.extend(Collection::ALL);
            let tx = &mut *w.tx;
            for collection in Collection::ALL {
                tx.put_object(ROOT, collection.key(), ObjType::Map)?;
            }
            let actors = tx.put_object(ROOT, ACTORS, ObjType::Map)?;
            tx.put(&actors, actor.to_hex_string(), member.id.to_string())?;
            w.put(Collection::Members, member.id, &member, None)
        })?;
        Ok((doc, member))
    }

    /// Loads a saved document (or concatenated saves and change chunks) and acts as `actor`.
    pub fn load(bytes: &[u8], actor: ActorId) -> Result<Self> {
        let doc = Automerge::load_with_options(bytes, LoadOptions::new().on_partial_load(OnPartialLoad::Error))
            .map_err(|e| Error::BadChanges(e.to_string()))?;
        Ok(GroupDoc::wrap(doc.with_actor(actor)))
    }

    pub fn empty(actor: ActorId) -> Self {
        GroupDoc::wrap(Automerge::new().with_actor(actor))
    }

    fn wrap(doc: Automerge) -> Self {
        GroupDoc { doc, links: RefCell::default(), ledger_links: None, unsaved: Unsaved::default(), group: RefCell::default(), members: RefCell::default() }
    }

    /// A copy of this document that makes its own changes as `actor` (a second device in tests).
    pub fn fork_as(&self, actor: ActorId) -> Self {
        GroupDoc::wrap(self.doc.fork().with_actor(actor))
    }

    pub fn automerge(&self) -> &Automerge {
        &self.doc
    }

    pub fn actor(&self) -> &ActorId {
        self.doc.get_actor()
    }

    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes made since `heads`, as bytes another replica can apply.
    pub fn changes_since(&self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    /// Applies saves or change chunks from elsewhere, in any order and any number of times:
    /// changes whose predecessors have not arrived wait for them. Every chunk is checked first,
    /// so damaged bytes are refused with nothing applied.
    pub fn apply_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let bad = |e: &dyn std::fmt::Display| Error::BadChanges(e.to_string());
        let mut changes = Vec::new();
        for chunk in chunks::split(bytes).map_err(|e| bad(&e))? {
            match chunk {
                Chunk::Document(data) => {
                    let doc = Automerge::load_with_options(data, LoadOptions::new().on_partial_load(OnPartialLoad::Error)).map_err(|e| bad(&e))?;
                    changes.extend(doc.get_changes(&[]));
                }
                Chunk::Change(data) => {
                    // Unlike automerge's own loading, `Change::from_bytes` does not check the
                    // checksum, and automerge 0.12 applies a damaged change that still parses (then
                    // panics, or saves a document that no longer loads).
                    let change = Change::from_bytes(data.to_vec()).map_err(|e| bad(&e))?;
                    if change.hash().0[..4] != chunks::checksum(data) {
                        return Err(bad(&"a change is damaged: its checksum does not match"));
                    }
                    changes.push(change);
                }
            }
        }
        let before = self.heads();
        // automerge 0.12 applies a batch by rebuilding its op columns once per change in it:
        // 200 edits to a 10,000-need record took 800 MB in one batch, 7 MB one at a time. A
        // batch is kept for a document with nothing yet (a first sync), where it is fast.
        let applied = if before.is_empty() {
            self.doc.apply_changes(changes)
        } else {
            changes.into_iter().try_for_each(|change| self.doc.apply_changes([change]))
        };
        // Whatever was applied before a failure is noted too, so the store never keeps it
        // unsaved (it drops the document instead).
        self.after_external_change(&before);
        applied.map_err(|e| bad(&e))
    }

    pub(crate) fn automerge_mut(&mut self) -> &mut Automerge {
        &mut self.doc
    }

    /// After changes arrived from elsewhere: keep them for the store to persist, and note what
    /// they touched.
    pub(crate) fn after_external_change(&mut self, before: &[ChangeHash]) {
        if self.heads() != before {
            let touched = self.touched(before);
            self.unsaved.bytes.extend(self.doc.save_after(before));
            self.note(touched);
        }
    }

    /// Hands over the changes made since the last call, for the store to write.
    pub(crate) fn take_unsaved(&mut self) -> Unsaved {
        std::mem::take(&mut self.unsaved)
    }

    /// Records what a change touched, and keeps the assignment links in step.
    fn note(&mut self, touched: Touched) {
        if touched.group {
            self.group.take();
        }
        let members = self.members.get_mut();
        if touched.collections.contains(&Collection::Members) {
            members.clear();
        }
        for (_, id) in touched.records.iter().filter(|(c, _)| *c == Collection::Members) {
            id.parse().map(|id| members.remove(&id)).ok();
        }
        if touched.collections.contains(&Collection::Assignments) {
            self.links.get_mut().take();
        }
        if touched.collections.contains(&Collection::HourEntries) || touched.collections.contains(&Collection::HourVerdicts) {
            self.ledger_links = None;
        }
        let (mut links, mut ledger_links) = (self.links.get_mut().take(), self.ledger_links.take());
        for (collection, id) in &touched.records {
            match (collection, links.as_mut(), ledger_links.as_mut()) {
                (Collection::Assignments, Some(links), _) => {
                    if let Ok(Some(Ok(assignment))) = self.read_record(*collection, id) {
                        links.add(&assignment);
                    }
                }
                (Collection::HourEntries, _, Some(ledger_links)) => {
                    if let Ok(Some(Ok(entry))) = self.read_record(*collection, id) {
                        ledger_links.add_entry(&entry);
                    }
                }
                (Collection::HourVerdicts, _, Some(ledger_links)) => {
                    if let Ok(Some(Ok(verdict))) = self.read_record(*collection, id) {
                        ledger_links.add_verdict(&verdict);
                    }
                }
                _ => {}
            }
        }
        (*self.links.get_mut(), self.ledger_links) = (links, ledger_links);
        self.unsaved.touched.extend(touched);
    }

    /// Verdicts by entry and entries by assignment, so that a confirmation reads one entry's
    /// verdicts rather than the whole ledger. Built on first use, then updated by every change.
    pub(crate) fn ledger_links(&mut self) -> &LedgerLinks {
        if self.ledger_links.is_none() {
            let mut links = LedgerLinks::default();
            self.hour_entries().records.iter().for_each(|e| links.add_entry(e));
            self.hour_verdicts().records.iter().for_each(|v| links.add_verdict(v));
            self.ledger_links = Some(links);
        }
        self.ledger_links.as_ref().expect("built above")
    }

    /// The assignments of a need, or of an offer, read through the links.
    pub(crate) fn assignments_of(&self, need: Option<Uuid>, offer: Option<Uuid>) -> Vec<Assignment> {
        if self.links.borrow().is_none() {
            let mut links = Links::default();
            self.assignments().records.iter().for_each(|a| links.add(a));
            *self.links.borrow_mut() = Some(links);
        }
        let links = self.links.borrow();
        let links = links.as_ref().expect("built above");
        let ids: Vec<Uuid> = match (need, offer) {
            (Some(need), _) => links.by_need.get(&need).into_iter().flatten().copied().collect(),
            (None, Some(offer)) => links.by_offer.get(&offer).into_iter().flatten().copied().collect(),
            (None, None) => Vec::new(),
        };
        // A link can be stale only if another device rewrote an assignment's need or offer.
        ids.into_iter()
            .filter_map(|id| self.assignment(id).ok())
            .filter(|a| need.is_none_or(|n| a.need == n) && offer.is_none_or(|o| a.offer == Some(o)))
            .collect()
    }

    pub fn merge(&mut self, other: &mut GroupDoc) -> Result<()> {
        self.doc.merge(&mut other.doc)?;
        Ok(())
    }

    /// Changes that arrived before the changes they depend on, still waiting.
    pub fn has_missing_changes(&self) -> bool {
        !self.doc.get_missing_deps(&[]).is_empty()
    }

    /// Which records the changes since `before` wrote. Read from the changes' own operations,
    /// so the cost follows the size of the changes, not of the document (a diff walks it all).
    pub(crate) fn touched(&self, before: &[ChangeHash]) -> Touched {
        let mut touched = Touched::default();
        // Record path (collection key, record key) of each object seen, looked up once.
        let mut paths: HashMap<String, Vec<String>> = HashMap::new();
        for change in self.doc.get_changes(before) {
            for op in change.decode().operations {
                let mut path = match &op.obj {
                    automerge::legacy::ObjectId::Root => Vec::new(),
                    automerge::legacy::ObjectId::Id(automerge::legacy::OpId(counter, actor)) => {
                        let id = format!("{counter}@{}", actor.to_hex_string());
                        paths.entry(id).or_insert_with_key(|id| self.path_of(id)).clone()
                    }
                };
                if let automerge::legacy::Key::Map(key) = &op.key {
                    path.push(key.to_string());
                }
                match (path.first(), path.get(1)) {
                    (Some(top), _) if top == GROUP => touched.group = true,
                    (Some(top), Some(id)) => {
                        if let Some(collection) = Collection::from_key(top) {
                            touched.records.insert((collection, id.clone()));
                        }
                    }
                    (Some(top), None) => touched.collections.extend(Collection::from_key(top)),
                    _ => {}
                }
            }
        }
        touched
    }

    /// The first two map keys on the way from the root to an object (`needs`, then the record).
    fn path_of(&self, object: &str) -> Vec<String> {
        let Ok(object) = self.doc.import_obj(object) else { return Vec::new() };
        let Ok(parents) = self.doc.parents(&object) else { return Vec::new() };
        let mut keys: Vec<String> = parents
            .filter_map(|parent| match parent.prop {
                automerge::Prop::Map(key) => Some(key),
                automerge::Prop::Seq(_) => None,
            })
            .collect();
        keys.reverse();
        keys.truncate(2);
        keys
    }

    // ----- reading -----

    pub fn group(&self) -> Result<Group> {
        if let Some(group) = self.group.borrow().as_ref() {
            return Ok(group.clone());
        }
        let group = self.read_group()?;
        *self.group.borrow_mut() = Some(group.clone());
        Ok(group)
    }

    fn read_group(&self) -> Result<Group> {
        let (value, id) = self
            .doc
            .get(ROOT, GROUP)?
            .ok_or_else(|| Error::BadChanges("the document has no group".into()))?;
        codec::from_json(codec::read(&self.doc, &value, &id, None)?)
            .map_err(|reason| Error::BadChanges(format!("the group settings cannot be read: {reason}")))
    }

    pub fn members(&self) -> Loaded<Member> {
        self.collection(Collection::Members)
    }

    pub fn needs(&self) -> Loaded<Need> {
        self.collection(Collection::Needs)
    }

    pub fn offers(&self) -> Loaded<Offer> {
        self.collection(Collection::Offers)
    }

    pub fn assignments(&self) -> Loaded<Assignment> {
        self.collection(Collection::Assignments)
    }

    pub fn resolutions(&self) -> Loaded<Resolution> {
        self.collection(Collection::Resolutions)
    }

    pub fn member(&self, id: Uuid) -> Result<Member> {
        if let Some(member) = self.members.borrow().get(&id) {
            return Ok(member.clone());
        }
        let member: Member = self.record(Collection::Members, id)?;
        self.members.borrow_mut().insert(id, member.clone());
        Ok(member)
    }

    pub fn need(&self, id: Uuid) -> Result<Need> {
        self.record(Collection::Needs, id)
    }

    pub fn offer(&self, id: Uuid) -> Result<Offer> {
        self.record(Collection::Offers, id)
    }

    pub fn assignment(&self, id: Uuid) -> Result<Assignment> {
        self.record(Collection::Assignments, id)
    }

    /// The member on whose behalf an automerge actor (a device) writes.
    pub fn member_for_actor(&self, actor: &ActorId) -> Option<Uuid> {
        let (_, actors) = self.doc.get(ROOT, ACTORS).ok()??;
        match self.doc.get(&actors, actor.to_hex_string()).ok()?? {
            (Value::Scalar(s), _) => s.as_str().and_then(|s| s.parse().ok()),
            _ => None,
        }
    }

    /// The record at `id` as JSON, or why it cannot be had.
    pub fn record_json(&self, collection: Collection, id: &str) -> Result<Option<Json>> {
        let Some(map) = self.collection_obj(collection) else { return Ok(None) };
        match self.doc.get(&map, id)? {
            None => Ok(None),
            Some((value, obj)) => Ok(Some(codec::read(&self.doc, &value, &obj, None)?)),
        }
    }

    /// Reads one record (its id is its key); the error says why it is not a valid record.
    pub fn read_record<T: DeserializeOwned>(&self, collection: Collection, id: &str) -> Result<Option<Result<T, String>>> {
        Ok(self.record_json(collection, id)?.map(|mut json| {
            json.as_object_mut().map(|fields| fields.insert("id".into(), Json::String(id.to_string())));
            codec::from_json(json)
        }))
    }

    pub(crate) fn record<T: DeserializeOwned>(&self, collection: Collection, id: Uuid) -> Result<T> {
        match self.read_record(collection, &id.to_string())? {
            None => Err(Error::NotFound { kind: collection.noun(), id: id.to_string() }),
            Some(Ok(record)) => Ok(record),
            Some(Err(reason)) => Err(Error::BadChanges(format!("{} {id} cannot be read: {reason}", collection.noun()))),
        }
    }

    pub(crate) fn collection_obj(&self, collection: Collection) -> Option<ObjId> {
        match self.doc.get(ROOT, collection.key()).ok()?? {
            (Value::Object(ObjType::Map), id) => Some(id),
            _ => None,
        }
    }

    pub(crate) fn record_ids(&self, collection: Collection) -> Vec<String> {
        self.collection_obj(collection)
            .map(|map| self.doc.keys(&map).collect())
            .unwrap_or_default()
    }

    pub(crate) fn collection<T: DeserializeOwned>(&self, collection: Collection) -> Loaded<T> {
        let mut loaded = Loaded { records: Vec::new(), invalid: Vec::new() };
        for id in self.record_ids(collection) {
            match self.read_record(collection, &id) {
                Ok(Some(Ok(record))) => loaded.records.push(record),
                Ok(Some(Err(reason))) => loaded.invalid.push(InvalidRecord { collection, id, reason }),
                Ok(None) => {}
                Err(e) => loaded.invalid.push(InvalidRecord { collection, id, reason: e.to_string() }),
            }
        }
        loaded
    }

    // ----- actions: each is one change, validated before anything is written -----

    /// Runs `f` as one automerge change. On error nothing is committed. The change's message is
    /// the action followed by the id of every record `f` wrote, which is what history reads.
    pub(crate) fn change<F>(&mut self, action: &str, now: DateTime<Utc>, f: F) -> Result<()>
    where
        F: FnOnce(&mut Writer<'_, '_>) -> Result<()>,
    {
        let commit = |ids: &Vec<Uuid>| {
            let message = std::iter::once(action.to_string()).chain(ids.iter().map(Uuid::to_string)).collect::<Vec<_>>().join(" ");
            CommitOptions::default().with_message(message).with_time(now.timestamp())
        };
        let (ids_and_touched, hash) = self
            .doc
            .transact_with(
                |(ids, _): &(Vec<Uuid>, Touched)| commit(ids),
                |tx| {
                    let mut writer = Writer { tx, ids: Vec::new(), touched: Touched::default() };
                    f(&mut writer)?;
                    Ok((writer.ids, writer.touched))
                },
            )
            .map(|success| (success.result, success.hash))
            .map_err(|failure: automerge::transaction::Failure<Error>| failure.error)?;
        if let Some(change) = hash.and_then(|hash| self.doc.get_change_by_hash(&hash)) {
            self.unsaved.bytes.extend(change.raw_bytes());
        }
        self.note(ids_and_touched.1);
        Ok(())
    }

    pub(crate) fn require_organizer(&self, by: Uuid, action: &'static str) -> Result<Member> {
        let member = self.member(by)?;
        if member.role != Role::Organizer {
            return Err(ValidationError::OrganizersOnly(action).into());
        }
        Ok(member)
    }

    /// Records that this document's actor writes on behalf of `member` (a new device joining).
    pub fn register_actor(&mut self, member: Uuid, now: DateTime<Utc>) -> Result<()> {
        let actor = self.actor().to_hex_string();
        self.change("device.register", now, |w| {
            w.mention(member);
            w.put_actor(&actor, member)
        })
    }

    /// Records one of `member`'s devices (its public key), and that this document's actor writes
    /// for them.
    pub fn add_device(&mut self, member: Uuid, device: &str, now: DateTime<Utc>) -> Result<Member> {
        let old = self.member(member)?;
        let mut new = old.clone();
        if !new.device_ids.iter().any(|d| d == device) {
            new.device_ids.push(device.to_string());
        }
        let actor = self.actor().to_hex_string();
        self.change("device.add", now, |w| {
            w.put(Collection::Members, member, &new, Some(&old))?;
            w.put_actor(&actor, member)
        })?;
        Ok(new)
    }

    /// A device that joined by invite adds its person as a volunteer. Holding the group secret
    /// is what lets it in; organizers can change the role later.
    pub fn join_as(&mut self, name: &str, device: &str, now: DateTime<Utc>) -> Result<Member> {
        let input = NewMember::new(name, Role::Volunteer);
        input.validate(&self.group()?.settings)?;
        let member = Member { device_ids: vec![device.to_string()], ..new_member(input, now) };
        let actor = self.actor().to_hex_string();
        self.change("member.join", now, |w| {
            w.put(Collection::Members, member.id, &member, None)?;
            w.put_actor(&actor, member.id)
        })?;
        Ok(member)
    }

    pub fn add_member(&mut self, by: Uuid, input: NewMember, now: DateTime<Utc>) -> Result<Member> {
        self.require_organizer(by, "add members")?;
        input.validate(&self.group()?.settings)?;
        let member = new_member(input, now);
        self.change("member.add", now, |w| w.put(Collection::Members, member.id, &member, None))?;
        Ok(member)
    }

    pub fn remove_member(&mut self, by: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<Member> {
        self.require_organizer(by, "remove members")?;
        if by == id {
            return Err(ValidationError::RemoveSelf.into());
        }
        let old = self.active_member(id)?;
        let removed = Member { removed_at: Some(now), ..old.clone() };
        self.change("member.remove", now, |w| w.put(Collection::Members, id, &removed, Some(&old)))?;
        Ok(removed)
    }

    /// Moves the group to the group-secret epoch `epoch`, whose secret the caller has sealed to
    /// every remaining device (see `Store::remove_member`).
    pub fn move_to_epoch(&mut self, by: Uuid, epoch: u32, now: DateTime<Utc>) -> Result<()> {
        self.require_organizer(by, "change the group secret")?;
        let old = self.group()?;
        let new = Group { epoch: epoch.max(old.epoch), ..old.clone() };
        self.change("group.epoch", now, |w| w.put_group(&new, Some(&old)))
    }

    /// Makes a member an organizer or a volunteer again. Organizers only; nobody changes their
    /// own role, so a group always keeps the organizer who made the change.
    pub fn set_role(&mut self, by: Uuid, id: Uuid, role: Role, now: DateTime<Utc>) -> Result<Member> {
        self.require_organizer(by, "change roles")?;
        if by == id {
            return Err(ValidationError::OwnRole.into());
        }
        let old = self.active_member(id)?;
        let new = Member { role, ..old.clone() };
        self.change("member.role", now, |w| w.put(Collection::Members, id, &new, Some(&old)))?;
        Ok(new)
    }

    pub fn add_area(&mut self, by: Uuid, name: &str, neighbours: &[String], now: DateTime<Utc>) -> Result<()> {
        self.require_organizer(by, "add areas")?;
        check_text("area name", name, MAX_TITLE)?;
        let old = self.group()?;
        if old.settings.areas.contains_key(name.trim()) {
            return Err(ValidationError::AreaExists(name.trim().to_string()).into());
        }
        if let Some(unknown) = neighbours.iter().find(|n| !old.settings.areas.contains_key(n.as_str())) {
            return Err(ValidationError::Unknown {
                what: "area",
                value: unknown.clone(),
                allowed: old.settings.areas.keys().cloned().collect::<Vec<_>>().join(", "),
            }
            .into());
        }
        // Only the new area's own entry is written: adjacency is read both ways (see
        // `Settings::neighbours`), so organizers adding areas apart never touch the same list.
        let mut new = old.clone();
        new.settings.areas.insert(name.trim().to_string(), AreaInfo { neighbours: neighbours.to_vec() });
        self.change("area.add", now, |w| w.put_group(&new, Some(&old)))
    }

    pub fn add_need(&mut self, by: Uuid, input: NewNeed, now: DateTime<Utc>) -> Result<Need> {
        self.active_member(by)?;
        input.validate(&self.group()?.settings, now)?;
        let need = Need {
            id: Uuid::now_v7(),
            title: input.title.trim().to_string(),
            description: input.description.trim().to_string(),
            category: input.category,
            urgency: input.urgency,
            area: input.area.trim().to_string(),
            coords: input.coords,
            needed_by: input.needed_by,
            window_start: input.window_start,
            languages: input.languages,
            household_size: input.household_size,
            recurring: input.recurring,
            volunteers_needed: input.volunteers_needed,
            status: NeedStatus::Open,
            created_by: by,
            created_at: now,
            updated_at: now,
            sealed_contact: None,
            contact_forgotten_at: None,
        };
        self.change("need.add", now, |w| w.put(Collection::Needs, need.id, &need, None))?;
        Ok(need)
    }

    pub fn set_need_status(&mut self, by: Uuid, id: Uuid, status: NeedStatus, now: DateTime<Utc>) -> Result<Need> {
        self.active_member(by)?;
        let old = self.need(id)?;
        let new = Need { status, updated_at: now, ..old.clone() };
        self.change("need.status", now, |w| w.put(Collection::Needs, id, &new, Some(&old)))?;
        Ok(new)
    }

    /// Stores a need's contact details, already sealed. The person who posted the need and
    /// organizers may; nobody may once the group has been asked to forget this person.
    pub fn set_contact(&mut self, by: Uuid, id: Uuid, sealed: SealedContact, now: DateTime<Utc>) -> Result<Need> {
        let old = self.need_for_contact(by, id, "change someone's contact details")?;
        if old.contact_forgotten_at.is_some() {
            return Err(ValidationError::ContactForgotten.into());
        }
        let new = Need { sealed_contact: Some(sealed), updated_at: now, ..old.clone() };
        self.change("need.contact", now, |w| w.put(Collection::Needs, id, &new, Some(&old)))?;
        Ok(new)
    }

    /// "Forget this person": drops the sealed contact details and records that every device
    /// must delete the key to them (which is what makes the copies in history unreadable).
    pub fn forget_contact(&mut self, by: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<Need> {
        let old = self.need_for_contact(by, id, "forget someone's contact details")?;
        let new = Need { sealed_contact: None, contact_forgotten_at: Some(old.contact_forgotten_at.unwrap_or(now)), updated_at: now, ..old.clone() };
        self.change("need.forget", now, |w| w.put(Collection::Needs, id, &new, Some(&old)))?;
        Ok(new)
    }

    fn need_for_contact(&self, by: Uuid, id: Uuid, action: &'static str) -> Result<Need> {
        self.active_member(by)?;
        let need = self.need(id)?;
        if need.created_by != by {
            self.require_organizer(by, action)?;
        }
        Ok(need)
    }

    /// How long contact details are kept after a need closes, and how long past 'needed by' an
    /// unanswered need waits before it counts as expired. Organizers only.
    pub fn set_retention(&mut self, by: Uuid, expiry_days: u32, grace_days: u32, now: DateTime<Utc>) -> Result<Group> {
        self.require_organizer(by, "change how long details are kept")?;
        for (field, days) in [("expiry days", expiry_days), ("grace days", grace_days)] {
            if !(1..=MAX_RETENTION_DAYS).contains(&days) {
                return Err(ValidationError::DaysOutOfRange { field, days, max: MAX_RETENTION_DAYS }.into());
            }
        }
        let old = self.group()?;
        let mut new = old.clone();
        (new.settings.expiry_days, new.settings.grace_days) = (expiry_days, grace_days);
        self.change("group.retention", now, |w| w.put_group(&new, Some(&old)))?;
        Ok(new)
    }

    /// Records the organizer key's public half; done once, when the group is made.
    pub fn set_organizer_key(&mut self, by: Uuid, public_hex: &str, now: DateTime<Utc>) -> Result<()> {
        self.require_organizer(by, "set the organizer key")?;
        let old = self.group()?;
        let new = Group { organizer_key: Some(public_hex.to_string()), ..old.clone() };
        self.change("group.organizer_key", now, |w| w.put_group(&new, Some(&old)))
    }

    pub fn add_offer(&mut self, by: Uuid, input: NewOffer, now: DateTime<Utc>) -> Result<Offer> {
        self.active_member(by)?;
        let giver = self.active_member(input.member)?;
        if giver.id != by {
            self.require_organizer(by, "post offers for someone else")?;
        }
        input.validate(&self.group()?.settings)?;
        let offer = Offer {
            id: Uuid::now_v7(),
            member: input.member,
            what: input.what.trim().to_string(),
            categories: input.categories,
            kind: input.kind,
            area: input.area.trim().to_string(),
            coords: input.coords,
            availability: input.availability,
            capacity: input.capacity,
            languages: input.languages,
            inexhaustible: input.inexhaustible,
            status: OfferStatus::Active,
            created_by: by,
            created_at: now,
            updated_at: now,
        };
        self.change("offer.add", now, |w| w.put(Collection::Offers, offer.id, &offer, None))?;
        Ok(offer)
    }

    pub fn set_offer_status(&mut self, by: Uuid, id: Uuid, status: OfferStatus, now: DateTime<Utc>) -> Result<Offer> {
        self.active_member(by)?;
        let old = self.offer(id)?;
        if old.member != by {
            self.require_organizer(by, "change someone else's offer")?;
        }
        let new = Offer { status, updated_at: now, ..old.clone() };
        self.change("offer.status", now, |w| w.put(Collection::Offers, id, &new, Some(&old)))?;
        Ok(new)
    }

    /// Assigns a volunteer to a need (as *proposed*). Organizers assign anyone; a volunteer may
    /// take a need on themselves. Places and capacity are checked against what this device knows;
    /// what others did meanwhile shows up as a conflict after sync.
    pub fn assign(&mut self, by: Uuid, need_id: Uuid, volunteer: Uuid, offer_id: Option<Uuid>, note: &str, now: DateTime<Utc>) -> Result<Assignment> {
        self.active_member(by)?;
        if by != volunteer {
            self.require_organizer(by, "assign other members")?;
        }
        let volunteer = self.active_member(volunteer)?;
        let need = self.need(need_id)?;
        if !need.status.takes_assignments() {
            return Err(ValidationError::NeedClosed(need.status.to_string()).into());
        }
        let of_need = self.assignments_of(Some(need_id), None);
        let filling: Vec<_> = of_need.iter().filter(|a| a.status.fills_need()).collect();
        if filling.iter().any(|a| a.volunteer == volunteer.id) {
            return Err(ValidationError::AlreadyAssigned(volunteer.display_name).into());
        }
        if filling.len() >= need.volunteers_needed as usize {
            return Err(ValidationError::NeedFull(need.volunteers_needed).into());
        }
        if let Some(offer_id) = offer_id {
            let offer = self.offer(offer_id)?;
            if offer.status != OfferStatus::Active {
                return Err(ValidationError::OfferNotActive { what: offer.what, status: offer.status.to_string() }.into());
            }
            if offer.member != volunteer.id {
                return Err(ValidationError::OfferOfAnotherMember { what: offer.what }.into());
            }
            let open = self.assignments_of(None, Some(offer_id)).iter().filter(|a| a.status.is_active()).count();
            if !offer.inexhaustible && open >= offer.capacity as usize {
                return Err(ValidationError::AtCapacity { what: offer.what, capacity: offer.capacity }.into());
            }
        }
        check_length("note", note, MAX_TEXT)?;
        let assignment = Assignment {
            id: Uuid::now_v7(),
            need: need_id,
            volunteer: volunteer.id,
            offer: offer_id,
            assigned_by: by,
            status: AssignmentStatus::Proposed,
            note: note.trim().to_string(),
            created_at: now,
            updated_at: now,
        };
        let filled = filling.len() + 1 >= need.volunteers_needed as usize;
        let need_after = (need.status == NeedStatus::Open && filled).then(|| Need { status: NeedStatus::Matched, updated_at: now, ..need.clone() });
        self.change("assign", now, |w| {
            w.put(Collection::Assignments, assignment.id, &assignment, None)?;
            if let Some(new) = &need_after {
                w.put(Collection::Needs, need_id, new, Some(&need))?;
            }
            Ok(())
        })?;
        Ok(assignment)
    }

    /// Moves an assignment along, and the need with it: accepted work puts the need in progress,
    /// the last assignment done marks the need done, a decline reopens the need's place.
    pub fn set_assignment_status(&mut self, by: Uuid, id: Uuid, status: AssignmentStatus, now: DateTime<Utc>) -> Result<Assignment> {
        self.active_member(by)?;
        let old = self.assignment(id)?;
        if old.volunteer != by {
            self.require_organizer(by, "change someone else's assignment")?;
        }
        let new = Assignment { status, updated_at: now, ..old.clone() };
        let need = self.need(old.need)?;
        let others: Vec<_> = self.assignments_of(Some(old.need), None).into_iter().filter(|a| a.id != id).collect();
        let filling = others.iter().filter(|a| a.status.fills_need()).count() + usize::from(status.fills_need());
        let need_status = match status {
            AssignmentStatus::Accepted if need.status == NeedStatus::Matched => Some(NeedStatus::InProgress),
            AssignmentStatus::Done if others.iter().all(|a| !a.status.is_active()) && filling >= need.volunteers_needed as usize => {
                Some(NeedStatus::Done)
            }
            AssignmentStatus::Declined | AssignmentStatus::Cancelled
                if matches!(need.status, NeedStatus::Matched | NeedStatus::InProgress) && filling < need.volunteers_needed as usize =>
            {
                Some(NeedStatus::Open)
            }
            _ => None,
        }
        .filter(|s| *s != need.status);
        let need_after = need_status.map(|status| Need { status, updated_at: now, ..need.clone() });
        self.change("assignment.status", now, |w| {
            w.put(Collection::Assignments, id, &new, Some(&old))?;
            if let Some(after) = &need_after {
                w.put(Collection::Needs, need.id, after, Some(&need))?;
            }
            Ok(())
        })?;
        Ok(new)
    }

    pub(crate) fn active_member(&self, id: Uuid) -> Result<Member> {
        let member = self.member(id)?;
        if member.removed_at.is_some() {
            return Err(ValidationError::MemberRemoved(member.display_name).into());
        }
        Ok(member)
    }
}

fn new_member(input: NewMember, now: DateTime<Utc>) -> Member {
    Member {
        id: Uuid::now_v7(),
        display_name: input.display_name.trim().to_string(),
        role: input.role,
        languages: input.languages,
        skills: input.skills,
        home_area: input.home_area,
        device_ids: Vec::new(),
        removed_at: None,
        created_at: now,
    }
}

fn map_id(tx: &Transaction<'_>, collection: Collection) -> Result<ObjId> {
    match tx.get(ROOT, collection.key())? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(Error::BadChanges(format!("the document has no {} map", collection.key()))),
    }
}

/// Everything the group holds, for `aidmesh export` and backups.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Export {
    pub group: Group,
    pub members: Vec<Member>,
    pub needs: Vec<Need>,
    pub offers: Vec<Offer>,
    pub assignments: Vec<Assignment>,
    pub resolutions: Vec<Resolution>,
    pub hour_entries: Vec<HourEntry>,
    pub hour_verdicts: Vec<HourVerdict>,
    pub conflicts: Vec<crate::conflict::Conflict>,
    pub invalid_records: Vec<InvalidRecord>,
}

impl GroupDoc {
    pub fn export(&self) -> Result<Export> {
        let (members, needs, offers, assignments, resolutions) =
            (self.members(), self.needs(), self.offers(), self.assignments(), self.resolutions());
        let (hour_entries, hour_verdicts) = (self.hour_entries(), self.hour_verdicts());
        let invalid_records = [
            &members.invalid,
            &needs.invalid,
            &offers.invalid,
            &assignments.invalid,
            &resolutions.invalid,
            &hour_entries.invalid,
            &hour_verdicts.invalid,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
        Ok(Export {
            group: self.group()?,
            members: members.records,
            needs: needs.records,
            offers: offers.records,
            assignments: assignments.records,
            resolutions: resolutions.records,
            hour_entries: hour_entries.records,
            hour_verdicts: hour_verdicts.records,
            conflicts: self.conflicts(),
            invalid_records,
        })
    }
}
