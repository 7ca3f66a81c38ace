//! The write path: every local action and every received change is applied to the document,
//! then its chunk and the index rows it touched are committed in one SQLite transaction.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, TransactionBehavior};
use uuid::Uuid;

use super::index::{reindex, reindex_all, INDEX_VERSION};
use super::db::{chunks_after, classify, current_generation, get_meta, insert_chunk, insert_signatures};
use super::Store;
use crate::engine::{GroupDoc, Touched};
use crate::error::{Error, Result};
use crate::signing::Signatures;
use crate::sync::Generation;

/// After this many change chunks the store folds them into one snapshot.
const COMPACT_AFTER: i64 = 500;

impl Store {
    /// The whole document, loaded (and caught up with other writers) on first use.
    pub fn doc(&mut self) -> Result<&GroupDoc> {
        self.catch_up()?;
        Ok(self.doc.as_ref().expect("catch_up loads the document"))
    }

    /// Runs one user action against the document and makes it durable before returning.
    /// `f` gets the document, this device's member id and the current time.
    /// Keys are granted or shredded to match what the action changed before it returns.
    ///
    /// Once the action is committed it has happened: a failure of the upkeep after it does not
    /// fail the action (a retry would do it twice) but becomes a warning (`take_warnings`).
    pub fn act<T>(&mut self, f: impl FnOnce(&mut GroupDoc, Uuid, DateTime<Utc>) -> Result<T>) -> Result<T> {
        let me = self.me()?;
        let (result, touched) = self.write(|doc| f(doc, me, Utc::now()))?;
        // After a failed upkeep, the next one looks at every need, not only what it touched.
        let scope = if self.upkeep_owed { Ok(None) } else { self.scope_of(&touched) };
        let tended = scope.and_then(|scope| match scope {
            Some(needs) if needs.is_empty() => Ok(()),
            scope => self.tend(Utc::now(), scope).map(drop),
        });
        self.upkeep_owed = tended.is_err();
        self.warn_after_commit("granting and shredding keys", tended);
        Ok(result)
    }

    /// What went wrong after an acknowledged write since the last call: the write stands, but
    /// the person should know (the app shows these, the CLI prints them).
    pub fn take_warnings(&mut self) -> Vec<Error> {
        std::mem::take(&mut self.warnings)
    }

    pub(super) fn warn_after_commit(&mut self, what: &str, result: Result<()>) {
        if let Err(e) = result {
            tracing::warn!("saved, but {what} failed afterwards: {e}");
            self.warnings.push(Error::AfterCommit { what: what.to_string(), source: Box::new(e) });
        }
    }

    /// Applies changes received from another device (sync, bundle), each of which must carry
    /// its author's signature. Returns what they touched.
    pub fn apply_remote(&mut self, bytes: &[u8], signatures: &Signatures) -> Result<Touched> {
        let group = self.group_id;
        let applied = self.write(|doc| doc.apply_signed(bytes, signatures, group));
        Ok(self.keep_evidence(applied)?.1)
    }

    /// Keeps the evidence of an equivocation that refused what arrived, for organizers.
    pub(super) fn keep_evidence<T>(&mut self, result: Result<T>) -> Result<T> {
        if let Err(Error::Equivocation { device, seq, change }) = &result {
            self.conn.execute(
                "INSERT OR IGNORE INTO equivocations (device, seq, change, seen_at) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![device, *seq as i64, change, Utc::now().timestamp()],
            )?;
        }
        result
    }

    /// The write path shared by local actions and received changes: lock, catch up, change,
    /// persist the new chunk and the index in one transaction.
    pub(super) fn write<T>(&mut self, f: impl FnOnce(&mut GroupDoc) -> Result<T>) -> Result<(T, Touched)> {
        self.catch_up()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let generation = current_generation(&tx)?;
        if generation != self.generation {
            // Another process moved the device to a renewed record between our catch-up and
            // taking the lock: write on that one.
            drop(tx);
            self.forget_loaded(generation);
            return self.write(f);
        }
        let doc = self.doc.as_mut().expect("catch_up loads the document");
        // Another process may have written between our catch-up and taking the lock.
        self.loaded_up_to = apply_stored_after(&tx, doc, self.loaded_up_to, &self.path)?;
        let result = match f(doc) {
            Ok(result) => result,
            Err(e) => {
                // An action that made changes before failing (several in one `act`) has left
                // them in memory only: forget the document so they are never shown.
                if !doc.take_unsaved().bytes.is_empty() {
                    (self.doc, self.loaded_up_to) = (None, 0);
                }
                return Err(e);
            }
        };
        let unsaved = doc.take_unsaved();
        let (signer, group) = (&self.signer, self.group_id);
        let mut signatures = unsaved.signatures;
        signatures.extend(unsaved.made_here.iter().map(|hash| (*hash, signer.sign(group, hash))));
        if unsaved.bytes.is_empty() {
            // Nothing new (a frame of changes held already, or one that waits in the session).
            return Ok((result, unsaved.touched));
        }
        let persisted = (|| -> Result<i64> {
            let id = insert_chunk(&tx, false, &unsaved.bytes)?;
            insert_signatures(&tx, &signatures)?;
            reindex(&tx, doc, &unsaved.touched)?;
            tx.commit()?;
            Ok(id)
        })();
        match persisted {
            Ok(id) => {
                self.loaded_up_to = id;
                self.chunks_since_snapshot += 1;
            }
            Err(e) => {
                // The change lives only in memory: forget it so nothing unpersisted is ever shown.
                // The next read loads the document again from the first chunk.
                (self.doc, self.loaded_up_to) = (None, 0);
                return Err(e);
            }
        }
        if self.chunks_since_snapshot >= COMPACT_AFTER {
            let compacted = self.compact();
            self.warn_after_commit("compacting the database", compacted);
        }
        Ok((result, unsaved.touched))
    }

    /// Folds every chunk into one snapshot. Only chunks already in the in-memory document
    /// (which the snapshot is saved from) are deleted, under the write lock.
    pub fn compact(&mut self) -> Result<()> {
        self.catch_up()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if current_generation(&tx)? != self.generation {
            // Another process moved the device over: its record is one snapshot already.
            return Ok(());
        }
        let doc = self.doc.as_mut().expect("catch_up loads the document");
        apply_stored_after(&tx, doc, self.loaded_up_to, &self.path)?;
        let newest: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM chunks", [], |r| r.get(0))?;
        tx.execute("DELETE FROM chunks WHERE id <= ?1", [newest])?;
        let snapshot = insert_chunk(&tx, true, &doc.save())?;
        tx.commit()?;
        // Best effort: give back the pages the old chunks used, and shrink the WAL.
        let _ = self.conn.execute_batch("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);");
        self.loaded_up_to = snapshot;
        self.chunks_since_snapshot = 0;
        Ok(())
    }

    /// Loads the document if needed, then applies chunks other processes wrote since.
    pub(super) fn catch_up(&mut self) -> Result<()> {
        let rows = chunks_after(&self.conn, self.loaded_up_to).map_err(|e| classify(&self.path, e))?;
        if !rows.is_empty() {
            let generation = current_generation(&self.conn)?;
            if generation != self.generation && self.doc.is_none() {
                self.generation = generation;
            } else if generation != self.generation {
                // Another process moved the device to a renewed record: load that one whole.
                self.forget_loaded(generation);
                return self.catch_up();
            }
        }
        let Some(&(newest, _)) = rows.last() else {
            return match (&self.doc, self.me) {
                (Some(_), _) => Ok(()),
                // A device that joined starts from nothing and fills up at its first sync.
                (None, None) => {
                    self.doc = Some(GroupDoc::empty(self.signer.actor()));
                    Ok(())
                }
                (None, Some(_)) => Err(Error::Corrupt { path: self.path.clone(), detail: "it holds no group record".into() }),
            };
        };
        let damaged = |e: Error| Error::Corrupt { path: self.path.clone(), detail: format!("a stored change cannot be read: {e}") };
        match &mut self.doc {
            Some(doc) => {
                for (_, data) in &rows {
                    doc.apply_bytes(data).map_err(damaged)?;
                }
                doc.take_unsaved();
                self.chunks_since_snapshot += rows.len() as i64;
            }
            None => {
                // The snapshot is loaded whole; the chunks after it are applied like received
                // changes (see `GroupDoc::apply_bytes` for why not in one load). Any missing
                // predecessor means a damaged sequence.
                let (first, rest) = rows.split_first().expect("rows is not empty");
                let mut doc = GroupDoc::load(&first.1, self.signer.actor()).map_err(damaged)?;
                let later: Vec<u8> = rest.iter().flat_map(|(_, data)| data.iter().copied()).collect();
                doc.apply_bytes(&later).map_err(damaged)?;
                if doc.has_missing_changes() {
                    return Err(damaged(Error::BadChanges("a stored change is missing".into())));
                }
                doc.take_unsaved();
                self.chunks_since_snapshot = self.conn.query_row("SELECT count(*) FROM chunks WHERE snapshot = 0", [], |r| r.get(0))?;
                // The index commits with every chunk, so it can only be stale if this build derives
                // it differently from the one that wrote it.
                if get_meta(&self.conn, "index_version")?.as_deref() != Some(INDEX_VERSION) {
                    let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                    reindex_all(&tx, &doc)?;
                    tx.commit()?;
                }
                self.doc = Some(doc);
            }
        }
        self.loaded_up_to = newest;
        Ok(())
    }


    /// Forgets the records loaded in memory: the device is now on `generation` (another process
    /// moved it over), which the next read loads whole.
    pub(super) fn forget_loaded(&mut self, generation: Generation) {
        (self.generation, self.doc, self.archive, self.loaded_up_to) = (generation, None, None, 0);
    }
}

/// Applies to `doc` the chunks stored after `loaded_up_to` (by another process, since our
/// catch-up), under the write lock `tx` holds; returns the newest chunk id. What they hold is
/// stored already, so nothing of it is left to save.
pub(super) fn apply_stored_after(tx: &Transaction<'_>, doc: &mut GroupDoc, loaded_up_to: i64, path: &std::path::Path) -> Result<i64> {
    let mut newest = loaded_up_to;
    for (id, data) in chunks_after(tx, loaded_up_to).map_err(|e| classify(path, e))? {
        doc.apply_bytes(&data).map_err(|e| Error::Corrupt { path: path.to_path_buf(), detail: format!("stored change {id} cannot be read: {e}") })?;
        newest = id;
    }
    doc.take_unsaved();
    Ok(newest)
}
