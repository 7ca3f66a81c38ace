//! The document engine: `GroupDoc`, the group's whole shared record as one automerge document.
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

//!
//! The engine knows the layout, how a change is made (`writer.rs`), what a change touched
//! (`touched.rs`) and the caches that follow changes (`links.rs`). It knows no rule of any
//! domain: those are the actions in `crate::actions`, one file per domain.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use automerge::{ActorId, Automerge, Change, ChangeHash, LoadOptions, ObjId, ObjType, OnPartialLoad, ReadDoc, Value, ROOT};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::chunks::{self, Chunk};
use crate::codec;
use crate::error::{Error, Result};
use crate::model::{Assignment, Group, Member, Need, Offer, Resolution};
use crate::signing::{self, Signatures, Signer};

mod action;
mod authority;
mod check;
mod generation;
mod links;
mod touched;
mod writer;

pub use action::Action;
pub(crate) use action::{message, message_parts};
pub use authority::{Attempt, Ignored};
pub use generation::{Purged, Renewal, Replayed};
pub(crate) use links::{field_of, Link};
pub use touched::Touched;

/// The maps of records under the document root.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

pub(crate) const GROUP: &str = "group";
pub(crate) const ACTORS: &str = "actors";

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

/// Changes applied to the in-memory document that the store has not written yet.
#[derive(Default)]
pub(crate) struct Unsaved {
    pub(crate) bytes: Vec<u8>,
    pub(crate) touched: Touched,
    /// The changes this device made, for the store to sign.
    pub(crate) made_here: Vec<ChangeHash>,
    /// The signatures of changes received, checked before they were applied.
    pub(crate) signatures: Signatures,
}

pub struct GroupDoc {
    doc: Automerge,
    links: RefCell<links::Links>,
    unsaved: Unsaved,
    /// The group's settings and its members are read by nearly every action (who acts, with
    /// what role); they are kept here until a change touches them.
    group: RefCell<Option<Group>>,
    members: RefCell<HashMap<Uuid, Member>>,
    /// Who may do what, resolved from history (`authority.rs`), and what of the history the
    /// resolver has read.
    authority: RefCell<Option<Arc<authority::Authority>>>,
    scan: RefCell<authority::Scan>,
}

impl GroupDoc {
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
        GroupDoc {
            doc,
            links: RefCell::default(),
            unsaved: Unsaved::default(),
            group: RefCell::default(),
            members: RefCell::default(),
            authority: RefCell::default(),
            scan: RefCell::default(),
        }
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

    /// Whether the change `hash` is in this document. Reads its metadata only: automerge's
    /// `get_change_by_hash` rebuilds the whole change, a tenth of a meetup's time.
    pub fn holds(&self, hash: &ChangeHash) -> bool {
        self.doc.get_change_meta_by_hash(hash).is_some()
    }

    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes made since `heads`, as bytes another replica can apply.
    pub fn changes_since(&self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    /// Signatures by `signer` of every change it made since `heads`: what a device sends beside
    /// its changes (tests and benchmarks build second devices this way).
    pub fn sign_since(&self, signer: &Signer, group: Uuid, heads: &[ChangeHash]) -> Signatures {
        let actor = signer.actor();
        self.doc.get_changes(heads).into_iter().filter(|c| *c.actor_id() == actor).map(|c| (c.hash(), signer.sign(group, &c.hash()))).collect()
    }

    /// Applies saves or change chunks this device already checked (its own store's chunks), in
    /// any order and any number of times: changes whose predecessors have not arrived wait for
    /// them. Every chunk is parsed first, so damaged bytes are refused with nothing applied.
    /// Changes from another device go through `apply_signed`.
    pub fn apply_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let changes = parse_changes(bytes)?;
        self.apply_changes(changes)
    }

    /// Applies changes from another device of `group`, each of which must carry its author's
    /// signature (or be held here already). One that does not refuses them all: nothing is applied.
    pub fn apply_signed(&mut self, bytes: &[u8], signatures: &Signatures, group: Uuid) -> Result<()> {
        let changes = parse_changes(bytes)?;
        let checked = self.check_signed(&changes, signatures, group, None)?;
        self.apply_changes(changes)?;
        self.keep_signatures(checked);
        Ok(())
    }

    /// A device numbers its changes 1, 2, 3…; two different changes with one number mean a
    /// modified app or a copied phone (equivocation): the second is refused, naming the device.
    fn check_one_change_per_number(&self, unseen: &[&Change]) -> Result<()> {
        self.read_new_changes();
        let held = &self.scan.borrow().last_seq;
        let mut numbered: HashMap<(&ActorId, u64), ChangeHash> = HashMap::new();
        for change in unseen {
            let repeated = numbered.insert((change.actor_id(), change.seq()), change.hash()).is_some_and(|other| other != change.hash());
            if repeated || held.get(&change.actor_id().to_hex_string()).is_some_and(|&last| change.seq() <= last) {
                return Err(Error::Equivocation { device: change.actor_id().to_hex_string(), seq: change.seq(), change: change.hash().to_string() });
            }
        }
        Ok(())
    }

    /// Signatures of received changes, for the store to keep beside them.
    pub(crate) fn keep_signatures(&mut self, signatures: Signatures) {
        self.unsaved.signatures.extend(signatures);
    }

    /// The signatures of the changes in `changes` this document lacks, each checked against its
    /// author's key; `vouched` needs none (a renewed record's seed, which nobody signs, named by
    /// the invite this device joined with).
    pub(crate) fn check_signed(&self, changes: &[Change], signatures: &Signatures, group: Uuid, vouched: Option<ChangeHash>) -> Result<Signatures> {
        let unseen: Vec<&Change> = changes.iter().filter(|c| !self.holds(&c.hash())).collect();
        let new: Vec<(ActorId, ChangeHash, Option<&[u8; 64]>)> =
            unseen.iter().filter(|c| Some(c.hash()) != vouched).map(|c| (c.actor_id().clone(), c.hash(), signatures.get(&c.hash()))).collect();
        signing::verify_all(group, &new)?;
        // The shape first: changes of another generation are refused as such, not taken for a
        // device numbering two changes alike.
        self.check_structure(&unseen)?;
        self.check_one_change_per_number(&unseen)?;
        Ok(new.into_iter().filter_map(|(_, hash, signature)| Some((hash, *signature?))).collect())
    }

    fn apply_changes(&mut self, changes: Vec<Change>) -> Result<()> {
        let before = self.heads();
        // automerge 0.12 applies a batch by rebuilding its op columns once per change in it:
        // 200 edits to a 10,000-need record took 800 MB in one batch, 7 MB one at a time. One
        // at a time costs time instead, so a batch is kept where the document is small beside
        // what arrives (a first sync): 195,000 changes one by one took over 10 minutes.
        let applied = if changes.len() as u64 > self.doc.stats().num_changes {
            self.doc.apply_changes(changes)
        } else {
            changes.into_iter().try_for_each(|change| self.doc.apply_changes([change]))
        };
        // Whatever was applied before a failure is noted too, so the store never keeps it
        // unsaved (it drops the document instead).
        self.after_external_change(&before);
        applied.map_err(|e| Error::BadChanges(e.to_string()))
    }

    /// Splits `changes` into those whose predecessors are all here or among them (in an order
    /// automerge can apply), and those still waiting for one. Changes held already are dropped.
    pub(crate) fn ready_to_apply(&self, changes: Vec<Change>) -> (Vec<Change>, Vec<Change>) {
        let mut unseen = HashSet::new();
        let mut pending: Vec<Option<Change>> =
            changes.into_iter().filter(|c| !self.holds(&c.hash()) && unseen.insert(c.hash())).map(Some).collect();
        // Kahn's order: each change waits for its predecessors that are not here yet.
        let mut missing = vec![0usize; pending.len()];
        let mut waiting_on: HashMap<ChangeHash, Vec<usize>> = HashMap::new();
        for (i, change) in pending.iter().enumerate() {
            for dep in change.iter().flat_map(|c| c.deps()) {
                if !self.holds(dep) {
                    missing[i] += 1;
                    waiting_on.entry(*dep).or_default().push(i);
                }
            }
        }
        let mut next: Vec<usize> = (0..pending.len()).filter(|&i| missing[i] == 0).collect();
        let mut ready = Vec::new();
        while let Some(i) = next.pop() {
            let change = pending[i].take().expect("each change is ready once");
            for j in waiting_on.remove(&change.hash()).unwrap_or_default() {
                missing[j] -= 1;
                if missing[j] == 0 {
                    next.push(j);
                }
            }
            ready.push(change);
        }
        (ready, pending.into_iter().flatten().collect())
    }

    pub(crate) fn automerge_mut(&mut self) -> &mut Automerge {
        &mut self.doc
    }

    /// After changes arrived from elsewhere: keep them for the store to persist, and note what
    /// they touched.
    pub(crate) fn after_external_change(&mut self, before: &[ChangeHash]) {
        if self.heads() != before {
            let changes = self.doc.get_changes(before);
            let touched = self.touched_by(before, &changes);
            self.unsaved.bytes.extend(changes.iter().flat_map(Change::raw_bytes));
            self.note(touched, true);
        }
    }

    /// Hands over the changes made since the last call, for the store to write.
    pub(crate) fn take_unsaved(&mut self) -> Unsaved {
        std::mem::take(&mut self.unsaved)
    }

    /// Records what a change touched, and keeps the caches in step. A change from elsewhere may
    /// be a resolution or verdict its author had no right to; this device's own are allowed by
    /// construction.
    fn note(&mut self, mut touched: Touched, from_elsewhere: bool) {
        let acts = touched.records.iter().any(|(c, _)| matches!(c, Collection::HourVerdicts | Collection::Resolutions));
        // An entry that verdicts judged before it came (a replay can bring it after them).
        let authority = self.authority.get_mut().as_ref();
        let awaited = touched.records.iter().any(|(c, id)| *c == Collection::HourEntries && authority.is_some_and(|a| a.awaited_entries.contains(id)));
        if touched.moves_authority() || (from_elsewhere && acts) || awaited {
            // Who may do what can change what counts of records nobody touched now (a demotion
            // revokes its target's concurrent acts), so those are noted too.
            if let Some(old) = self.authority.get_mut().take() {
                let new = self.authority();
                touched.records.extend(new.differences(&old));
                touched.group |= new.group != old.group;
            }
            self.group.take();
            self.members.get_mut().clear();
        }
        let links = self.links.get_mut();
        links.note(&self.doc, |collection| collection_obj(&self.doc, collection), &touched);
        self.unsaved.touched.extend(touched);
    }

    /// The records of `link.collection` whose `link.field` is `value` (the assignments of a
    /// need), read through a cache the engine keeps in step with every change.
    pub(crate) fn linked<T: DeserializeOwned>(&self, link: Link, value: Uuid) -> Vec<T> {
        let map = self.collection_obj(link.collection);
        let ids = self.links.borrow_mut().get(&self.doc, map.clone(), link, value);
        // A cached id can be stale only if another device rewrote the field since.
        let still_linked = |id: &Uuid| map.as_ref().is_some_and(|map| links::field_of(&self.doc, map, &id.to_string(), link.field) == Some(value));
        ids.into_iter().filter(still_linked).filter_map(|id| self.record(link.collection, id).ok()).collect()
    }

    /// Who may do what, resolved from history.
    pub(crate) fn authority(&self) -> Arc<authority::Authority> {
        self.authority.borrow_mut().get_or_insert_with(|| Arc::new(self.resolve_authority())).clone()
    }

    /// Signed changes that have no effect because their author had no right to them, oldest first.
    pub fn ignored(&self) -> Vec<Ignored> {
        self.authority().ignored.clone()
    }

    /// Changes that arrived before the changes they depend on, still waiting.
    pub fn has_missing_changes(&self) -> bool {
        !self.doc.get_missing_deps(&[]).is_empty()
    }

    pub fn group(&self) -> Result<Group> {
        if let Some(group) = self.group.borrow().as_ref() {
            return Ok(group.clone());
        }
        let group = self.read_group()?;
        *self.group.borrow_mut() = Some(group.clone());
        Ok(group)
    }

    fn read_group(&self) -> Result<Group> {
        let group = self.authority().group.clone().ok_or_else(|| Error::BadChanges("the document has no group".into()))?;
        codec::from_json(group).map_err(|reason| Error::BadChanges(format!("the group settings cannot be read: {reason}")))
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
        self.authority().actors.get(&actor.to_hex_string()).copied()
    }

    /// The record at `id` as JSON, or why it cannot be had.
    /// Members are read as authority resolved them; a resolution or verdict whose author had no
    /// right to it is not there.
    pub fn record_json(&self, collection: Collection, id: &str) -> Result<Option<Json>> {
        match collection {
            Collection::Members => return Ok(self.authority().members.get(id).filter(|m| m.is_object()).cloned()),
            Collection::Resolutions | Collection::HourVerdicts if self.authority().ignored_records.contains(&(collection, id.to_string())) => return Ok(None),
            _ => {}
        }
        self.written_json(collection, id)
    }

    /// The record at `id` as the document holds it, whoever wrote it.
    pub(crate) fn written_json(&self, collection: Collection, id: &str) -> Result<Option<Json>> {
        let Some(map) = self.collection_obj(collection) else { return Ok(None) };
        match self.doc.get(&map, id)? {
            None => Ok(None),
            Some((value, obj)) => Ok(Some(codec::read(&self.doc, &value, &obj, None)?)),
        }
    }

    /// Reads one record (its id is its key); the error says why it is not a valid record.
    pub fn read_record<T: DeserializeOwned>(&self, collection: Collection, id: &str) -> Result<Option<Result<T, String>>> {
        Ok(self.record_json(collection, id)?.map(|json| codec::from_json(with_id(json, id))))
    }

    /// The record at `id` as the document holds it, whoever wrote it, if it reads as a `T`.
    pub(crate) fn written_record<T: DeserializeOwned>(&self, collection: Collection, id: &str) -> Option<T> {
        self.written_json(collection, id).ok().flatten().and_then(|json| codec::from_json(with_id(json, id)).ok())
    }

    pub(crate) fn record<T: DeserializeOwned>(&self, collection: Collection, id: Uuid) -> Result<T> {
        match self.read_record(collection, &id.to_string())? {
            None => Err(Error::NotFound { kind: collection.noun(), id: id.to_string() }),
            Some(Ok(record)) => Ok(record),
            Some(Err(reason)) => Err(Error::BadChanges(format!("{} {id} cannot be read: {reason}", collection.noun()))),
        }
    }

    pub(crate) fn collection_obj(&self, collection: Collection) -> Option<ObjId> {
        collection_obj(&self.doc, collection)
    }

    pub(crate) fn record_ids(&self, collection: Collection) -> Vec<String> {
        if collection == Collection::Members {
            return self.authority().members.iter().filter(|(_, m)| m.is_object()).map(|(id, _)| id.clone()).collect();
        }
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

    /// The member `by`, if they may act at all: in the group, not removed.
    pub(crate) fn active_member(&self, id: Uuid) -> Result<Member> {
        let member = self.member(id)?;
        if member.removed_at.is_some() {
            return Err(crate::validation::ValidationError::MemberRemoved(member.display_name).into());
        }
        Ok(member)
    }
}

fn collection_obj(doc: &Automerge, collection: Collection) -> Option<ObjId> {
    match doc.get(ROOT, collection.key()).ok()?? {
        (Value::Object(ObjType::Map), id) => Some(id),
        _ => None,
    }
}

/// Every change in saves or change chunks, each checked (checksum included) before any is used.
pub fn parse_changes(bytes: &[u8]) -> Result<Vec<Change>> {
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
    Ok(changes)
}

/// A record as the document holds it, with its id (its key) among its fields.
fn with_id(mut json: Json, id: &str) -> Json {
    json.as_object_mut().map(|fields| fields.insert("id".into(), Json::String(id.to_string())));
    json
}
