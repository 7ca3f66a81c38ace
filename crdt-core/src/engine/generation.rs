//! Generations: a new document for the group's record, started from the state of the old one at
//! a cut, so that what a phone holds stops growing with the group's age (issue 16).
//!
//! - An organizer renews the record: a `Renewal` in the old record (a key of its own in the
//!   group map, so organizers renewing apart never write the same key) names the cut (the heads
//!   their device held), when, and who. Authority checks it like any change to the group.
//! - The new record's first change, its seed, is a function of the old record at the cut alone:
//!   made by an actor derived from the renewal's id, at the renewal's time, holding every record
//!   as it counts there. Every device that holds the cut builds the same change, byte for byte,
//!   so none has to take another's seed on trust.
//! - Changes made on the old record after the cut (late changes) are replayed by the device that
//!   made them, as the same action at the same time. A replay depends only on the seed and on
//!   the replays of the late changes it built on, so it is concurrent with whatever the new
//!   record gained meanwhile: a late edit and a new edit of one field meet as a conflict.
//! - A replay never waits. A late change built on another device's late change that is not
//!   replayed yet (that device has not moved over, and may never) writes its own fields onto
//!   what the new record holds, and a record the new record lacks (the other device created it
//!   late) whole, as it stood after the change. When the other device's own replay comes, equal
//!   values agree, and a record both created shows as two copies whose differing fields are a
//!   decision (`conflict.rs`).
//! - Of renewals made apart, the one with the lowest id wins.

use std::collections::{HashMap, HashSet};

use automerge::{ActorId, Automerge, Change, ChangeHash, ObjType, ReadDoc, Value, ROOT};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::writer::Writer;
use super::{message_parts, Action, Attempt, Collection, GroupDoc, Ignored, GROUP};
use crate::codec;
use crate::model::{Assignment, Balance, EntryStatus, HourVerdict, LedgerEntry, OfferStatus, Party, Totals};
use crate::error::{Error, Result};

/// The group map's key for a renewal, followed by its id.
const RENEWAL: &str = "renewal_";
/// The new record's own map at its root: the renewal it started from, and which late changes
/// were replayed into it (`replayed` maps each one's hash to `true`).
pub(super) const GENERATION: &str = "generation";
pub(super) const REPLAYED: &str = "replayed";
/// The generation map's key for each party's confirmed hours in the entries left in the archive.
const OPENING: &str = "opening";

/// An organizer's decision to start a new generation of the group's record at `cut`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewal {
    /// A hash of the rest: of renewals made apart, the lowest id wins.
    pub id: String,
    /// The heads of the old record that the new one starts from, in hex, sorted.
    pub cut: Vec<String>,
    pub at: DateTime<Utc>,
    pub by: Uuid,
    /// Text the new record does not hold at all (a phone number typed into a title).
    #[serde(default)]
    pub purged: Vec<Purged>,
}

/// One field of one record left out of the new generation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purged {
    pub collection: Collection,
    pub record: String,
    pub field: String,
}

impl Purged {
    /// The free-text fields that can be purged.
    pub const FIELDS: [(Collection, &'static str); 3] = [(Collection::Needs, "title"), (Collection::Needs, "description"), (Collection::Offers, "what")];
}

impl Renewal {
    /// A renewal of the record at `cut`.
    pub fn new(cut: &[ChangeHash], at: DateTime<Utc>, by: Uuid, purged: Vec<Purged>) -> Renewal {
        let mut cut: Vec<String> = cut.iter().map(ChangeHash::to_string).collect();
        cut.sort();
        let mut hash = Sha256::new();
        hash.update(b"aidmesh/generation/v1");
        for head in &cut {
            hash.update(head.as_bytes());
        }
        hash.update(at.timestamp_millis().to_be_bytes());
        hash.update(by.as_bytes());
        for Purged { collection, record, field } in &purged {
            hash.update(format!("\0{}\0{record}\0{field}", collection.key()).as_bytes());
        }
        Renewal { id: data_encoding::HEXLOWER.encode(&hash.finalize()), cut, at, by, purged }
    }

    /// `record` of `collection` without the fields this renewal purged, nor the summary of a
    /// decided conflict about a purged record (it quotes the title).
    fn without_purged(&self, collection: Collection, id: &str, mut record: Json) -> Json {
        if let Json::Object(fields) = &mut record {
            for purged in self.purged.iter().filter(|p| p.collection == collection && p.record == id) {
                fields.remove(&purged.field);
            }
            if collection == Collection::Resolutions && self.purged.iter().any(|p| fields.get("record").and_then(Json::as_str) == Some(p.record.as_str())) {
                fields.remove("summary");
            }
        }
        record
    }

    pub fn cut_heads(&self) -> Result<Vec<ChangeHash>> {
        self.cut.iter().map(|head| head.parse().map_err(|_| Error::BadChanges(format!("a renewal names '{head}' as a change")))).collect()
    }

    /// The author of the seed: the same on every device, so that every device's seed is one change.
    fn seed_actor(&self) -> Result<ActorId> {
        let id = data_encoding::HEXLOWER.decode(self.id.as_bytes()).ok().filter(|id| id.len() == 32);
        let id = id.ok_or_else(|| Error::BadChanges(format!("a renewal has the id '{}'", self.id)))?;
        Ok(ActorId::from(&id[..16]))
    }
}

/// What `replay_late_changes` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Late changes replayed now.
    pub replayed: usize,
    /// Of those, how many built on another device's late change not replayed yet, and so
    /// brought along what they saw of it.
    pub ahead: usize,
}

impl GroupDoc {
    /// Records `renewal` in the group map (see `actions/settings.rs` for who may renew).
    pub(crate) fn record_renewal(&mut self, renewal: &Renewal) -> Result<()> {
        let json = codec::to_json(renewal);
        self.change(Action::GroupRenew, renewal.at, |w| w.put_field(Collection::Group, "", &format!("{RENEWAL}{}", renewal.id), &json))
    }

    /// The renewals that count here, lowest id first: the first is the one every device moves
    /// to. Each was written by an organizer (authority judges the group map), at a cut this
    /// document holds, purging only free text, under the id that is the hash of what it says,
    /// so that every device agrees on the order. The hash does not stop a modified organizer's
    /// app from trying times until its id sorts first: renewing is trusted to organizers.
    pub fn renewals(&self) -> Vec<Renewal> {
        let authority = self.authority();
        let Some(Json::Object(group)) = authority.group.clone() else { return Vec::new() };
        let purges_text = |r: &Renewal| r.purged.iter().all(|p| Purged::FIELDS.contains(&(p.collection, p.field.as_str())));
        let honest = |r: &Renewal| {
            r.cut_heads().is_ok_and(|cut| !cut.is_empty() && cut.iter().all(|head| self.holds(head)) && Renewal::new(&cut, r.at, r.by, r.purged.clone()) == *r)
                && purges_text(r)
        };
        // Written from a device of the organizer it names: history shows who renewed.
        let group_obj = self.collection_obj(Collection::Group);
        let by_its_author = |key: &str, r: &Renewal| {
            let written = group_obj.as_ref().and_then(|group| self.doc.get_all(group, key).ok()).unwrap_or_default();
            written.iter().any(|(_, op)| {
                let author = self.doc.hash_for_opid(op).and_then(|hash| self.doc.get_change_meta_by_hash(&hash)).map(|c| c.actor.to_hex_string());
                author.and_then(|actor| authority.actors.get(&actor).copied()) == Some(r.by)
            })
        };
        let mut renewals: Vec<Renewal> = group
            .into_iter()
            .filter(|(key, _)| key.starts_with(RENEWAL))
            .filter_map(|(key, value)| codec::from_json::<Renewal>(value).ok().filter(|r| by_its_author(&key, r)))
            .filter(honest)
            .collect();
        renewals.sort_by(|a, b| a.id.cmp(&b.id));
        renewals
    }

    /// The first document of the generation `renewal` starts, acting as `actor`: the records
    /// that are still live at the renewal's cut (`archived_by_renewing`), as they count there, in one
    /// change every device builds alike.
    pub fn seed(&self, renewal: &Renewal, actor: ActorId) -> Result<GroupDoc> {
        let cut = renewal.cut_heads()?;
        let mut heads = self.heads();
        heads.sort();
        // The organizer's own device renews at its heads: no copy to make, and what it read to
        // renew (authority, the records) is read already.
        let forked;
        let at_cut = if heads == cut {
            self
        } else {
            forked = GroupDoc::wrap(self.doc.fork_at(&cut).map_err(|e| Error::BadChanges(e.to_string()))?);
            &forked
        };
        let mut group = at_cut.authority().group.clone().ok_or_else(|| Error::BadChanges("the document has no group".into()))?;
        // The new record starts with no renewal of its own.
        if let Json::Object(fields) = &mut group {
            fields.retain(|key, _| !key.starts_with(RENEWAL));
        }
        let mut actors = at_cut.authority().actors.clone();
        let seed_actor = renewal.seed_actor()?;
        // History names the organizer who renewed as the seed's author.
        actors.insert(seed_actor.to_hex_string(), renewal.by);
        let archived = at_cut.archived_by_renewing();
        let mut generation = codec::to_json(renewal);
        if let Json::Object(fields) = &mut generation {
            fields.insert(REPLAYED.into(), Json::Object(Default::default()));
            fields.insert(OPENING.into(), codec::to_json(&at_cut.opening_after(&archived)));
        }
        let mut seed = GroupDoc::wrap(Automerge::new().with_actor(seed_actor));
        seed.change(Action::GroupRenew, renewal.at, |w| {
            w.create_collections()?;
            w.put_root(GENERATION, &generation)?;
            w.put_json(Collection::Group, GROUP, &group, None)?;
            for collection in Collection::ALL {
                for id in at_cut.record_ids(collection).into_iter().filter(|id| !archived.contains(&(collection, id.clone()))) {
                    if let Some(record) = at_cut.record_json(collection, &id)? {
                        w.put_json(collection, &id, &renewal.without_purged(collection, &id, record), None)?;
                    }
                }
            }
            actors.iter().try_for_each(|(actor, member)| w.put_actor(actor, *member))
        })?;
        // Every device builds the seed: it is nobody's change to sign.
        seed.unsaved.made_here.clear();
        seed.doc.set_actor(actor);
        Ok(seed)
    }

    /// Each party's confirmed hours when this generation started, in the entries its renewal
    /// left in the archive (none for a first generation). Read as the seed wrote it: the seed is
    /// the same on every device, and no later change can alter what it holds.
    pub fn opening(&self) -> Vec<Balance> {
        self.seed_wrote(OPENING).unwrap_or_default()
    }

    /// When this generation of the record started: its renewal's time, read as the seed wrote
    /// it (as `opening` is), or the group's creation for a first generation.
    pub fn started_at(&self) -> Result<DateTime<Utc>> {
        match self.seed_wrote("at") {
            Some(at) => Ok(at),
            None => Ok(self.group()?.created_at),
        }
    }

    /// What the seed wrote under `key` of the generation map, at the seed's heads.
    fn seed_wrote<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        let seed = self.seed_hash().ok()?;
        let read = || -> Result<Option<Json>> {
            let Some((_, generation)) = self.doc.get_at(ROOT, GENERATION, &[seed])? else { return Ok(None) };
            let Some((value, obj)) = self.doc.get_at(&generation, key, &[seed])? else { return Ok(None) };
            codec::read(&self.doc, &value, &obj, Some(&[seed])).map(Some)
        };
        read().ok().flatten().and_then(|json| codec::from_json(json).ok())
    }

    /// Verdicts given in this generation on hours its renewal left in the archive (an entry
    /// confirmed at the cut that a device apart voided or disputed): the opening still counts
    /// them. Listed for an organizer, who can correct a balance with an entry; never applied by
    /// themselves, since whether an entry is in the opening, and with what hours, is the
    /// archive's to say, and an archive is input from whoever holds it.
    pub fn verdicts_on_archived_hours(&self) -> Vec<HourVerdict> {
        // Authority does not count them (who may judge an entry it cannot read?): they are
        // among the ignored, where the device's member must be the verdict's author.
        let authority = self.authority();
        let verdict = |i: &Ignored| self.written_record::<HourVerdict>(Collection::HourVerdicts, i.record.as_deref()?).filter(|v| Some(v.by) == i.member);
        authority.ignored.iter().filter(|i| i.attempt == Attempt::ArchivedHours).filter_map(verdict).collect()
    }

    /// The opening of a generation that would archive `archived` now: this one's, plus the
    /// confirmed hours of the entries archived.
    fn opening_after(&self, archived: &HashSet<(Collection, String)>) -> Vec<Balance> {
        let mut totals = Totals::opening(&self.opening());
        let ledger = self.ledger();
        for LedgerEntry { entry, status } in &ledger.entries {
            if *status == EntryStatus::Confirmed && archived.contains(&(Collection::HourEntries, entry.id.to_string())) {
                totals.given(Party::Member(entry.from), entry.hours);
                totals.received(entry.to, entry.hours);
            }
        }
        totals.balances()
    }

    /// The renewal this document is the generation of, if it is one.
    pub fn generation(&self) -> Option<Renewal> {
        let (value, obj) = self.doc.get(ROOT, GENERATION).ok()??;
        codec::read(&self.doc, &value, &obj, None).ok().and_then(|json| codec::from_json(json).ok())
    }

    /// Replays into `next`, the generation started from this document, the late changes this
    /// device made here: each as the same action at the same time, writing what it wrote.
    /// Replaying twice replays nothing more.
    pub fn replay_late_changes(&self, next: &mut GroupDoc) -> Result<Replayed> {
        let renewal = next.generation().ok_or_else(not_a_generation)?;
        let late = self.late_since(&renewal)?;
        let late_hashes: HashSet<ChangeHash> = late.iter().map(|c| c.hash()).collect();
        let mut replays = next.replays_of(self, &late)?;
        self.replay_mine(&late, next, &mut replays, |dep, replays| placed(&late_hashes, dep, replays))
    }

    /// Replays into `next` the changes this device made on `lost`: a generation of the same old
    /// record (this document) started by a renewal that lost to `next`'s (renewals made apart).
    /// What the lost seed held beyond the winner's cut stands in `next` as those changes' replays.
    pub fn replay_lost_generation(&self, lost: &GroupDoc, next: &mut GroupDoc) -> Result<Replayed> {
        let (won, lost_from) = (next.generation().ok_or_else(not_a_generation)?, lost.generation().ok_or_else(not_a_generation)?);
        let late = self.late_since(&won)?;
        let mut replays = next.replays_of(self, &late)?;
        replays.extend(next.replays_of(lost, &[])?);
        let late_hashes: HashSet<ChangeHash> = late.iter().map(|c| c.hash()).collect();
        let beyond_lost: HashSet<ChangeHash> = self.late_since(&lost_from)?.iter().map(|c| c.hash()).collect();
        let lost_seed = lost.seed_hash()?;
        let seed_held: Vec<ChangeHash> = late_hashes.difference(&beyond_lost).copied().collect();
        // The old record's change each replay in the lost generation stands for.
        let replayed_in_lost: HashMap<ChangeHash, ChangeHash> = lost.replays_of(self, &[])?.into_iter().map(|(old, replay)| (replay, old)).collect();
        let old_place = |old: &ChangeHash, replays: &HashMap<ChangeHash, ChangeHash>| placed(&late_hashes, old, replays);
        let place = |dep: &ChangeHash, replays: &HashMap<ChangeHash, ChangeHash>| {
            if *dep == lost_seed {
                seed_held.iter().map(|old| old_place(old, replays)).collect::<Option<Vec<_>>>().map(|heads| heads.concat())
            } else if let Some(old) = replayed_in_lost.get(dep) {
                old_place(old, replays)
            } else {
                replays.get(dep).map(|replay| vec![*replay])
            }
        };
        let made_there: Vec<Change> = lost.doc.get_changes(&[lost_seed]).into_iter().filter(|c| !replayed_in_lost.contains_key(&c.hash())).collect();
        lost.replay_mine(&made_there, next, &mut replays, place)
    }

    /// Replays into `next` this device's changes among `changes` (in causal order) that are not
    /// replayed yet. `place` says which changes of `next` stand for one they built on (none: the
    /// seed holds it), or `None` while its replay has not arrived.
    fn replay_mine<F>(&self, changes: &[Change], next: &mut GroupDoc, replays: &mut HashMap<ChangeHash, ChangeHash>, place: F) -> Result<Replayed>
    where
        F: Fn(&ChangeHash, &HashMap<ChangeHash, ChangeHash>) -> Option<Vec<ChangeHash>>,
    {
        let renewal = next.generation().ok_or_else(not_a_generation)?;
        let seed = next.seed_hash()?;
        let me = next.actor().clone();
        let mut done = Replayed::default();
        for change in changes.iter().filter(|c| *c.actor_id() == me) {
            let Some(action) = action_of(change).filter(|_| !replays.contains_key(&change.hash())) else { continue };
            let placed: Vec<Option<Vec<ChangeHash>>> = change.deps().iter().map(|dep| place(dep, replays)).collect();
            let ahead = placed.iter().any(Option::is_none);
            let mut heads: Vec<ChangeHash> = std::iter::once(seed).chain(placed.into_iter().flatten().flatten()).collect();
            heads.sort();
            heads.dedup();
            // A device's changes follow one another: after its own writes on the new record, a
            // replay could not be concurrent with them (automerge would make it as another,
            // unsigned actor). The store replays when it moves over, before anything else.
            if next.doc.get_changes_meta(&heads).iter().any(|c| *c.actor == me) {
                return Err(Error::ReplayAfterOwnWrites);
            }
            let writes = self.rewrite(change, &renewal, next, &heads, ahead)?;
            let at = DateTime::from_timestamp(change.timestamp(), 0).unwrap_or(renewal.at);
            let hash = next.change_at(Some(&heads), action, at, |w| writes.write(w))?;
            replays.extend(hash.map(|hash| (change.hash(), hash)));
            done.replayed += 1;
            done.ahead += usize::from(ahead);
        }
        Ok(done)
    }

    /// What `change` wrote here, to be written as a change of `next` at `heads`. When the replay
    /// runs `ahead` (`next` lacks a late change `change` built on), records are written from
    /// what `next` holds, so they bring along what that change did. A record `next` does not hold
    /// (closed at the cut, so in the archive) comes back whole, as the change left it.
    fn rewrite(&self, change: &Change, renewal: &Renewal, next: &GroupDoc, heads: &[ChangeHash], ahead: bool) -> Result<Rewrite> {
        let touched = self.touched_by(change.deps(), std::slice::from_ref(change));
        let (before, after) = (change.deps(), [change.hash()]);
        let mut rewrite = Rewrite {
            mentions: message_parts(change.message().unwrap_or_default()).1.filter_map(|id| id.parse().ok()).collect(),
            group: touched.group.then(|| Ok::<_, Error>((self.group_at(&after)?, self.group_at(before)?))).transpose()?,
            records: Vec::new(),
            actors: Vec::new(),
            replayed: change.hash(),
        };
        // A late edit of purged text is not carried over: the organizer removed that text.
        for &(collection, ref id) in &touched.records {
            let read = |doc: &GroupDoc, heads: &[ChangeHash]| Ok::<_, Error>(doc.written_at(collection, id, heads)?.map(|r| renewal.without_purged(collection, id, r)));
            let (old, new, found) = (read(self, before)?, read(self, &after)?, read(next, heads)?);
            let base = if ahead || found.is_none() { found } else { old.clone() };
            rewrite.records.push(RecordWrite { collection, id: id.clone(), old, base, new });
        }
        if touched.actors {
            let bound_before = self.actors_at(before)?;
            rewrite.actors = self.actors_at(&after)?.into_iter().filter(|bound| !bound_before.contains(bound)).collect();
        }
        Ok(rewrite)
    }

    /// The changes here that the renewal's cut does not hold, in causal order.
    fn late_since(&self, renewal: &Renewal) -> Result<Vec<Change>> {
        let cut = renewal.cut_heads()?;
        if !cut.iter().all(|head| self.holds(head)) {
            return Err(Error::BadChanges("this record does not hold the cut that generation started from".into()));
        }
        Ok(self.doc.get_changes(&cut))
    }

    /// The seed of the generation this document is, if it is one.
    pub fn seed_change(&self) -> Option<ChangeHash> {
        self.seed_hash().ok()
    }

    /// The seed's hash: the change that wrote the generation map.
    fn seed_hash(&self) -> Result<ChangeHash> {
        let (_, obj) = self.doc.get(ROOT, GENERATION)?.ok_or_else(|| Error::BadChanges("the document has no generation".into()))?;
        self.doc.hash_for_opid(&obj).ok_or_else(|| Error::BadChanges("the generation has no seed".into()))
    }

    /// Each change of `old` replayed here, with the change that replayed it. Only a replay by
    /// the change's own device counts: a mark written by another holds nothing back. A renewal
    /// among `late` is a decision about the old record, not part of it: it stands as the seed.
    fn replays_of(&self, old: &GroupDoc, late: &[Change]) -> Result<HashMap<ChangeHash, ChangeHash>> {
        let seed = self.seed_hash()?;
        let mut replays: HashMap<ChangeHash, ChangeHash> = late.iter().filter(|c| action_of(c) == Some(Action::GroupRenew)).map(|c| (c.hash(), seed)).collect();
        let Some((_, generation)) = self.doc.get(ROOT, GENERATION)? else { return Ok(replays) };
        let Some((_, replayed)) = self.doc.get(&generation, REPLAYED)? else { return Ok(replays) };
        let author = |doc: &Automerge, hash: &ChangeHash| doc.get_change_meta_by_hash(hash).map(|c| c.actor.into_owned());
        for key in self.doc.keys(&replayed) {
            let Ok(late) = key.parse::<ChangeHash>() else { continue };
            for (_, op) in self.doc.get_all(&replayed, key.as_str())? {
                let Some(replay) = self.doc.hash_for_opid(&op) else { continue };
                if author(&self.doc, &replay).is_some_and(|by| Some(by) == author(&old.doc, &late)) {
                    replays.insert(late, replay);
                }
            }
        }
        Ok(replays)
    }

    /// The record as the document held it at `heads`, whoever wrote it.
    fn written_at(&self, collection: Collection, id: &str, heads: &[ChangeHash]) -> Result<Option<Json>> {
        let Some(map) = self.collection_obj(collection) else { return Ok(None) };
        match self.doc.get_at(&map, id, heads)? {
            None => Ok(None),
            Some((value, obj)) => Ok(Some(codec::read(&self.doc, &value, &obj, Some(heads))?)),
        }
    }

    fn group_at(&self, heads: &[ChangeHash]) -> Result<Json> {
        match self.doc.get_at(ROOT, GROUP, heads)? {
            Some((value @ Value::Object(ObjType::Map), obj)) => codec::read(&self.doc, &value, &obj, Some(heads)),
            _ => Err(Error::BadChanges("the document has no group".into())),
        }
    }

    fn actors_at(&self, heads: &[ChangeHash]) -> Result<Vec<(String, Uuid)>> {
        let Some((value, obj)) = self.doc.get_at(ROOT, super::ACTORS, heads)? else { return Ok(Vec::new()) };
        let Json::Object(actors) = codec::read(&self.doc, &value, &obj, Some(heads))? else { return Ok(Vec::new()) };
        Ok(actors.into_iter().filter_map(|(actor, member)| Some((actor, member.as_str()?.parse().ok()?))).collect())
    }
}

impl GroupDoc {
    /// The records a renewal now would leave in the archive: needs closed here with their
    /// assignments and the decisions about them, withdrawn offers no kept assignment names, and
    /// hours confirmed or voided (but for a kept assignment's, which say it was logged) with
    /// their verdicts: the opening balances count the confirmed ones (`opening_after`).
    /// Everything else is live and carried, records that cannot be read included (they are not
    /// known to be closed). A late change to an archived need or offer brings it back
    /// (`rewrite`); a late verdict on archived hours is listed (`verdicts_on_archived_hours`).
    pub(crate) fn archived_by_renewing(&self) -> HashSet<(Collection, String)> {
        let closed: HashSet<Uuid> = self.needs().records.iter().filter(|n| !n.status.takes_assignments() && !n.recurring).map(|n| n.id).collect();
        let (archived, kept): (Vec<Assignment>, Vec<Assignment>) = self.assignments().records.into_iter().partition(|a| closed.contains(&a.need));
        let named: HashSet<Uuid> = kept.iter().filter_map(|a| a.offer).collect();
        let withdrawn = self.offers().records.into_iter().filter(|o| o.status == OfferStatus::Withdrawn && !named.contains(&o.id)).map(|o| o.id);
        let decided = self.resolutions().records.into_iter().filter(|r| closed.contains(&r.record)).map(|r| r.id);
        let kept_ids: HashSet<Uuid> = kept.iter().map(|a| a.id).collect();
        let settled: HashSet<Uuid> = (self.ledger().entries.into_iter())
            .filter(|e| matches!(e.status, EntryStatus::Confirmed | EntryStatus::Voided) && !e.entry.assignment.is_some_and(|a| kept_ids.contains(&a)))
            .map(|e| e.entry.id)
            .collect();
        let verdicts = self.hour_verdicts().records.into_iter().filter(|v| settled.contains(&v.entry)).map(|v| v.id);
        let of = |collection: Collection| move |id: Uuid| (collection, id.to_string());
        closed
            .iter()
            .copied()
            .map(of(Collection::Needs))
            .chain(archived.iter().map(|a| a.id).map(of(Collection::Assignments)))
            .chain(withdrawn.map(of(Collection::Offers)))
            .chain(decided.map(of(Collection::Resolutions)))
            .chain(settled.iter().copied().map(of(Collection::HourEntries)))
            .chain(verdicts.map(of(Collection::HourVerdicts)))
            .collect()
    }
}

/// One late change's writes, read from the old record, to be written into the new one.
struct Rewrite {
    mentions: Vec<Uuid>,
    /// The group's settings after the change and before it.
    group: Option<(Json, Json)>,
    records: Vec<RecordWrite>,
    /// Devices the change bound to members.
    actors: Vec<(String, Uuid)>,
    replayed: ChangeHash,
}

/// A record a late change touched: as it was before the change (`old`) and after it (`new`) on
/// the old record, and as the replay finds it (`base`: `old`, unless the replay runs ahead).
struct RecordWrite {
    collection: Collection,
    id: String,
    old: Option<Json>,
    base: Option<Json>,
    new: Option<Json>,
}

impl Rewrite {
    fn write(&self, w: &mut Writer<'_, '_>) -> Result<()> {
        self.mentions.iter().for_each(|id| w.mention(*id));
        if let Some((after, before)) = &self.group {
            w.put_json(Collection::Group, GROUP, after, Some(before))?;
        }
        for RecordWrite { collection, id, old, base, new } in &self.records {
            let target = own_changes_onto(base.as_ref(), old.as_ref(), new.clone().unwrap_or(Json::Null));
            w.put_json(*collection, id, &with_deletions(base.as_ref(), target), base.as_ref())?;
            // A field the change set to a value the seed holds already must still show beside a
            // concurrent write of another (a late "open" against a new "done" on a need the
            // seed has open).
            if let (Some(Json::Object(old)), Some(Json::Object(new))) = (old, new) {
                for (field, value) in new.iter().filter(|(f, v)| !v.is_object() && !v.is_array() && !v.is_null() && old.get(*f) != Some(*v)) {
                    w.put_anew(*collection, id, field, value)?;
                }
            }
        }
        for (actor, member) in &self.actors {
            w.put_actor(actor, *member)?;
        }
        w.mark_replayed(&self.replayed)
    }
}

/// What a replay writes on a record the new record holds as `base`: `new`, where the late change
/// found it as `base`; where it did not (a replay ahead of another device's), only the fields the
/// change itself changed from `old`, so it never writes what another device's unreplayed change
/// did to a record the new record has (authority may not have counted that).
fn own_changes_onto(base: Option<&Json>, old: Option<&Json>, new: Json) -> Json {
    match (base, old, new) {
        (Some(Json::Object(base)), Some(Json::Object(old)), Json::Object(new)) if base != old => {
            let mut target = base.clone();
            for (field, value) in &new {
                if old.get(field) != Some(value) {
                    target.insert(field.clone(), value.clone());
                }
            }
            for field in old.keys().filter(|field| !new.contains_key(*field)) {
                target.remove(field);
            }
            Json::Object(target)
        }
        (_, _, new) => new,
    }
}

/// `new` with a null for every field of `old` it no longer has (at any depth): the document
/// holds a cleared field as absent, and a write leaves absent fields alone (`codec::write`).
fn with_deletions(old: Option<&Json>, new: Json) -> Json {
    match (old, new) {
        (Some(Json::Object(old)), Json::Object(mut new)) => {
            for (key, value) in old {
                let kept = new.remove(key);
                let written = match kept {
                    Some(kept) => with_deletions(Some(value), kept),
                    None => Json::Null,
                };
                new.insert(key.clone(), written);
            }
            Json::Object(new)
        }
        (_, new) => new,
    }
}

/// Which changes of the new record stand for `old`, a change of the old one: none when the seed
/// holds it (it is not among the `late` ones), else its replay, or `None` until that arrives.
fn placed(late: &HashSet<ChangeHash>, old: &ChangeHash, replays: &HashMap<ChangeHash, ChangeHash>) -> Option<Vec<ChangeHash>> {
    match late.contains(old) {
        true => replays.get(old).map(|replay| vec![*replay]),
        false => Some(Vec::new()),
    }
}

/// The action a change made: the first word of its message.
fn action_of(change: &Change) -> Option<Action> {
    Action::parse(message_parts(change.message()?).0)
}

fn not_a_generation() -> Error {
    Error::BadChanges("that document is not a new generation of the record".into())
}
