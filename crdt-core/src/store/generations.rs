//! Generations of the group's record on this device (issue 16; the rules are in
//! `engine/generation.rs`). Renewing, or learning of a renewal in a meeting, moves the device to
//! the new record in one transaction: the old one goes to `archive_chunks`, the new one (the seed
//! every device builds alike, and the replays of this device's late changes) becomes `chunks`,
//! and the index is rebuilt from it. The archive is kept for meetings with devices still on it
//! until the person deletes it.

use std::collections::HashSet;

use chrono::{DateTime, Months, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use uuid::Uuid;

use super::db::{current_generation, get_meta, insert_chunk, insert_signatures, set_meta, GENERATION_SEED};
use super::write::apply_stored_after;
use super::index::{reindex_all, RECORD_STARTED};
use super::Store;
use crate::engine::{Collection, GroupDoc, Purged, Renewal};
use crate::model::{Assignment, Need, Offer};
use crate::report::{Logged, Period};
use crate::error::{Error, Result};
use crate::sync::Generation;

/// Records of the group's archives a report counts (`Store::archived_for_report`).
#[derive(Default)]
pub(super) struct Archived {
    pub needs: Vec<Need>,
    pub assignments: Vec<Assignment>,
    pub offers: Vec<Offer>,
    pub entries: Vec<Logged>,
    /// What happened before this time is in an archive this device no longer keeps.
    pub not_held_before: Option<DateTime<Utc>>,
}

/// What renewing the record now would do, for the organizer to see first.
#[derive(Clone, Debug, Serialize)]
pub struct RenewalPreview {
    pub generation: Generation,
    /// The changes of the record's history: they stay in the archive, and the new record starts
    /// from the state they led to.
    pub history_changes: usize,
    pub members: usize,
    /// Needs and offers the new record carries, and those it leaves in the archive (closed
    /// needs, with their assignments; withdrawn offers).
    pub needs: usize,
    pub offers: usize,
    pub needs_archived: usize,
    pub offers_archived: usize,
    /// Hour entries confirmed or voided: each party's confirmed hours carry over as an opening
    /// balance (`GroupDoc::opening`).
    pub hours_archived: usize,
    /// Renewing waits until these are decided.
    pub conflicts_open: usize,
    /// The text each purge leaves out, as it reads now.
    pub purged: Vec<(Purged, String)>,
}

impl Store {
    /// What `renew(purged)` would do now, without doing it; a purge that cannot be done is the
    /// error renewing would give.
    pub fn renewal_preview(&mut self, purged: &[Purged]) -> Result<RenewalPreview> {
        // From the index: finding them in the document reads every record.
        let conflicts_open = self.conflicts()?.len();
        let doc = self.doc()?;
        let texts = purged.iter().cloned().zip(doc.purged_texts(purged)?).collect();
        let history_changes = doc.automerge().get_changes_meta(&[]).len();
        let archived = doc.archived_by_renewing();
        let archived_of = |kind| archived.iter().filter(|(collection, _)| *collection == kind).count();
        let (needs_archived, offers_archived, hours_archived) = (archived_of(Collection::Needs), archived_of(Collection::Offers), archived_of(Collection::HourEntries));
        Ok(RenewalPreview {
            generation: self.generation.clone(),
            history_changes,
            members: self.members()?.len(),
            needs: self.ids(Collection::Needs)?.len().saturating_sub(needs_archived),
            offers: self.ids(Collection::Offers)?.len().saturating_sub(offers_archived),
            needs_archived,
            offers_archived,
            hours_archived,
            conflicts_open,
            purged: texts,
        })
    }

    /// The generation of the record this device works on.
    pub fn generation(&self) -> &Generation {
        &self.generation
    }

    /// The generations this device holds, newest first: its record, then its archives.
    pub fn held_generations(&self) -> Result<Vec<Generation>> {
        let mut stmt = self.conn.prepare_cached("SELECT DISTINCT generation, depth FROM archive_chunks ORDER BY depth DESC, generation")?;
        let archived = stmt.query_map([], |r| Ok(Generation { id: r.get(0)?, depth: r.get(1)? }))?;
        std::iter::once(Ok(self.generation.clone())).chain(archived.map(|g| g.map_err(Error::from))).collect()
    }

    /// Renews the group's record (organizers), leaving out the text in `purged`, and moves this
    /// device to the new record at once.
    pub fn renew(&mut self, purged: Vec<Purged>) -> Result<Renewal> {
        let renewal = self.act(|doc, me, now| doc.renew(me, purged, now))?;
        self.move_over(false)?;
        Ok(renewal)
    }

    /// When the group's record is next due for renewal: `Settings::renew_every_months` after
    /// this generation started. `None` when the group renews only when an organizer asks.
    pub fn renewal_due_at(&mut self) -> Result<Option<DateTime<Utc>>> {
        let months = self.group()?.settings.renew_every_months;
        if months == 0 {
            return Ok(None);
        }
        Ok(self.record_started()?.checked_add_months(Months::new(months)))
    }

    /// When this generation of the record started (`GroupDoc::started_at`).
    fn record_started(&mut self) -> Result<DateTime<Utc>> {
        match get_meta(&self.conn, RECORD_STARTED)?.and_then(|at| DateTime::parse_from_rfc3339(&at).ok()) {
            Some(at) => Ok(at.to_utc()),
            // A record indexed before the time was.
            None => self.doc()?.started_at(),
        }
    }

    /// What the archives this device keeps add to a report over `period` that starts before
    /// the record did: the needs, assignments, offers and hours (logged in the period) renewals
    /// left there, each once, as the newest archive holding it has it, and none the record
    /// holds. Members are all carried. Says from when on the group's records are not here, if
    /// the device no longer keeps the archive that had them.
    pub(super) fn archived_for_report(&mut self, period: Period) -> Result<Archived> {
        let mut archived = Archived::default();
        if self.generation.depth == 0 {
            return Ok(archived);
        }
        let mut held_from = self.record_started()?;
        if period.from >= held_from {
            return Ok(archived);
        }
        let mut seen: HashSet<Uuid> = HashSet::new();
        for collection in [Collection::Needs, Collection::Assignments, Collection::Offers, Collection::HourEntries] {
            seen.extend(self.ids(collection)?);
        }
        let (current, mut oldest_depth) = (self.generation.clone(), self.generation.depth);
        // Newest first, so a record carried through several renewals counts as it was last.
        for generation in self.held_generations()?.into_iter().filter(|held| *held != current) {
            // Not kept in memory: an archive of years is a phone's whole memory.
            let doc = self.load_archive(&generation)?;
            let mut unseen = |id: Uuid| seen.insert(id);
            archived.needs.extend(doc.needs().records.into_iter().filter(|n| unseen(n.id)));
            archived.assignments.extend(doc.assignments().records.into_iter().filter(|a| unseen(a.id)));
            archived.offers.extend(doc.offers().records.into_iter().filter(|o| unseen(o.id)));
            let entries = doc.ledger().entries.into_iter().filter(|e| unseen(e.entry.id) && period.holds(e.entry.created_at));
            archived.entries.extend(entries.map(|e| Logged::from(&e)));
            (oldest_depth, held_from) = (generation.depth, doc.started_at()?);
        }
        if oldest_depth > 0 && period.from < held_from {
            archived.not_held_before = Some(held_from);
        }
        Ok(archived)
    }

    /// Renews the record, keeping all its text, if its schedule says it is due at `now` (a hub
    /// at start, or `aidmesh renew --if-due` on a timer). Returns the renewal, if it renewed.
    pub fn renew_if_due(&mut self, now: DateTime<Utc>) -> Result<Option<Renewal>> {
        match self.renewal_due_at()? {
            Some(due) if due <= now => self.renew(Vec::new()).map(Some),
            _ => Ok(None),
        }
    }

    /// Moves this device to the renewal that wins, if its record knows of one; `archive_met`
    /// says a meeting synced the archive this record came from, which may have brought a
    /// renewal that wins over the one this device moved to (renewals made apart). Returns the
    /// renewal moved to.
    pub(super) fn move_over(&mut self, archive_met: bool) -> Result<Option<Renewal>> {
        self.catch_up()?;
        let actor = self.signer.actor();
        let doc = self.doc.as_ref().expect("catch_up loads the document");
        if let Some(winner) = doc.renewals().into_iter().next() {
            let mut next = doc.seed(&winner, actor)?;
            doc.replay_late_changes(&mut next)?;
            let depth = self.generation.depth + 1;
            return Ok(self.start_generation(next, &winner, depth, true)?.then_some(winner));
        }
        let Some(from) = self.archived_before()? else { return Ok(None) };
        if !archive_met {
            return Ok(None);
        }
        let renewals = self.archive_doc(&from)?.renewals();
        let Some(winner) = renewals.into_iter().next().filter(|winner| winner.id != self.generation.id) else { return Ok(None) };
        let lost = self.doc.as_ref().expect("loaded above");
        let archive = &self.archive.as_ref().expect("loaded above").1;
        let mut next = archive.seed(&winner, actor)?;
        archive.replay_late_changes(&mut next)?;
        archive.replay_lost_generation(lost, &mut next)?;
        Ok(self.start_generation(next, &winner, from.depth + 1, false)?.then_some(winner))
    }

    /// Makes `next` this device's record, in one transaction: the record it replaces goes to
    /// the archive when `archive` (a generation that lost is dropped: its work was replayed).
    /// Returns whether it moved: not if another process wrote meanwhile (the next meeting or
    /// renewal moves over with that too).
    fn start_generation(&mut self, mut next: GroupDoc, renewal: &Renewal, depth: u32, archive: bool) -> Result<bool> {
        let unsaved = next.take_unsaved();
        let signatures: crate::signing::Signatures = unsaved.made_here.iter().map(|hash| (*hash, self.signer.sign(self.group_id, hash))).collect();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let newest: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM chunks", [], |r| r.get(0))?;
        if newest != self.loaded_up_to || current_generation(&tx)? != self.generation {
            return Ok(false);
        }
        if archive {
            tx.execute(
                "INSERT INTO archive_chunks (generation, depth, data) SELECT ?1, ?2, data FROM chunks ORDER BY id",
                params![self.generation.id, self.generation.depth],
            )?;
        }
        tx.execute("DELETE FROM chunks", [])?;
        let snapshot = insert_chunk(&tx, true, &next.save())?;
        insert_signatures(&tx, &signatures)?;
        set_meta(&tx, "generation", &renewal.id)?;
        set_meta(&tx, "generation_depth", &depth.to_string())?;
        set_meta(&tx, GENERATION_SEED, &next.seed_change().map(|seed| seed.to_string()).unwrap_or_default())?;
        // What peers were known to hold was of the old record.
        tx.execute("UPDATE peers SET sync_state = NULL", [])?;
        reindex_all(&tx, &next)?;
        tx.commit()?;
        self.generation = Generation { id: renewal.id.clone(), depth };
        (self.doc, self.archive, self.loaded_up_to, self.chunks_since_snapshot) = (Some(next), None, snapshot, 0);
        Ok(true)
    }

    /// The archived generation this device's record was started from, if it keeps it.
    fn archived_before(&self) -> Result<Option<Generation>> {
        let Some(depth) = self.generation.depth.checked_sub(1) else { return Ok(None) };
        let mut stmt = self.conn.prepare_cached("SELECT generation FROM archive_chunks WHERE depth = ?1 LIMIT 1")?;
        Ok(stmt.query_row([depth], |r| r.get(0)).optional()?.map(|id| Generation { id, depth }))
    }

    /// The archived generation `generation`, loaded on first use and kept (a meeting on it).
    pub(super) fn archive_doc(&mut self, generation: &Generation) -> Result<&mut GroupDoc> {
        if self.archive.as_ref().is_none_or(|(held, _)| held != generation) {
            self.archive = Some((generation.clone(), self.load_archive(generation)?));
        }
        Ok(&mut self.archive.as_mut().expect("loaded just above").1)
    }

    /// The archived generation `generation`, read from the database.
    fn load_archive(&self, generation: &Generation) -> Result<GroupDoc> {
        let mut stmt = self.conn.prepare_cached("SELECT data FROM archive_chunks WHERE generation = ?1 ORDER BY id")?;
        let chunks: Vec<Vec<u8>> = stmt.query_map([&generation.id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let damaged = |e: Error| Error::Corrupt { path: self.path.clone(), detail: format!("an archived record cannot be read: {e}") };
        let (first, rest) = chunks.split_first().ok_or_else(|| Error::NotFound { kind: "archived record", id: generation.id.clone() })?;
        let mut doc = GroupDoc::load(first, self.signer.actor()).map_err(damaged)?;
        doc.apply_bytes(&rest.concat()).map_err(damaged)?;
        doc.take_unsaved();
        Ok(doc)
    }

    /// Runs `f` on the archived generation `generation` (a meeting with a device still on it)
    /// and keeps what it received, durably, before returning.
    pub(super) fn write_archive<T>(&mut self, generation: &Generation, f: impl FnOnce(&mut GroupDoc) -> Result<T>) -> Result<T> {
        let doc = self.archive_doc(generation)?;
        let result = f(doc);
        let unsaved = doc.take_unsaved();
        let persisted = result.and_then(|result| {
            if !unsaved.bytes.is_empty() {
                let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                tx.execute("INSERT INTO archive_chunks (generation, depth, data) VALUES (?1, ?2, ?3)", params![generation.id, generation.depth, unsaved.bytes])?;
                insert_signatures(&tx, &unsaved.signatures)?;
                tx.commit()?;
            }
            Ok(result)
        });
        if persisted.is_err() {
            // Nothing unpersisted is kept in memory.
            self.archive = None;
        }
        persisted
    }

    /// Deletes the archived generations on this device (a phone needs only the record it
    /// works on), with the signatures of their changes. Returns how many were deleted.
    pub fn delete_archive(&mut self) -> Result<usize> {
        let archived = self.held_generations()?.len() - 1;
        self.catch_up()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let generation = current_generation(&tx)?;
        if generation != self.generation {
            // Another process moved the device over meanwhile: delete beside that record.
            drop(tx);
            self.forget_loaded(generation);
            return self.delete_archive();
        }
        // Under the lock, with what other processes stored meanwhile: their signatures stay.
        let doc = self.doc.as_mut().expect("catch_up loads the document");
        self.loaded_up_to = apply_stored_after(&tx, doc, self.loaded_up_to, &self.path)?;
        let held: Vec<[u8; 32]> = doc.automerge().get_changes_meta(&[]).iter().map(|c| c.hash.0).collect();
        tx.execute("DELETE FROM archive_chunks", [])?;
        tx.execute("CREATE TEMP TABLE IF NOT EXISTS held (hash BLOB PRIMARY KEY)", [])?;
        tx.execute("DELETE FROM held", [])?;
        {
            let mut insert = tx.prepare_cached("INSERT OR IGNORE INTO held (hash) VALUES (?1)")?;
            for hash in &held {
                insert.execute([&hash[..]])?;
            }
        }
        tx.execute("DELETE FROM signatures WHERE hash NOT IN (SELECT hash FROM held)", [])?;
        tx.execute("DROP TABLE held", [])?;
        tx.commit()?;
        self.archive = None;
        // `secure_delete` overwrote the rows; this hands their pages back and empties the log.
        self.conn.execute_batch("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(archived)
    }
}
