//! The device's durable copy of the group: one SQLite file.
//!
//! Durability contract: an action returns only after its automerge change chunk has been
//! committed in WAL mode with `synchronous=FULL`. The `chunks` table is the source of truth;
//! everything else (the query index, the FTS table) is derived from the document in the same
//! transaction, so lists never disagree with the record. The document itself is loaded only when
//! an action, history or conflicts need it: the first screen reads the index alone.
//!
//! Several processes may share the file (the app and the CLI). Every write takes SQLite's write
//! lock first and catches up on chunks others wrote, so compaction never drops a chunk that the
//! snapshot does not contain.

use std::path::{Path, PathBuf};

use automerge::ActorId;
use chrono::{DateTime, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::doc::{Collection, GroupDoc, InvalidRecord, Touched};
use crate::error::{Error, Result, ValidationError};
use crate::invite::Invite;
use crate::ledger::{Balance, EntryStatus, HourEntry, HourVerdict, Hours, Ledger, LedgerEntry, Party, Totals};
use crate::matching::Matcher;
use crate::model::{check_text, Assignment, Category, Group, Member, Need, NeedStatus, NewMember, Offer, OfferStatus, Urgency, MAX_TITLE};
use crate::secret::{DeviceKey, GroupSecret};

mod meeting;
mod privacy;

pub use privacy::Upkeep;

/// The schema this build writes. `MIGRATIONS[n]` takes a database from version n to n + 1.
pub const SCHEMA_VERSION: i64 = 2;
const MIGRATIONS: &[&str] = &[include_str!("schema_v1.sql"), include_str!("schema_v2.sql")];

/// How the index tables are derived from the document; a change here rebuilds every index.
const INDEX_VERSION: &str = "2";

/// After this many change chunks the store folds them into one snapshot.
const COMPACT_AFTER: i64 = 500;

pub struct Store {
    path: PathBuf,
    conn: Connection,
    actor: ActorId,
    device: DeviceKey,
    /// The current group secret, and its epoch.
    secret: GroupSecret,
    epoch: u32,
    group_id: Uuid,
    /// The member this device acts for; `None` on a device that joined but has not synced yet.
    me: Option<Uuid>,
    doc: Option<GroupDoc>,
    /// The highest chunk id already applied to `doc`.
    loaded_up_to: i64,
    chunks_since_snapshot: i64,
}

/// A device this one has synced with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Peer {
    pub device: String,
    /// The member whose device it is, once the record says so.
    pub member: Option<String>,
    pub address: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
}

/// Filters for the needs list; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct NeedFilter {
    pub status: Option<NeedStatus>,
    /// Only needs still taking volunteers (open, matched, in progress): what organizers work on.
    pub active_only: bool,
    pub category: Option<Category>,
    pub urgency: Option<Urgency>,
    pub area: Option<String>,
    /// Words that must all appear (as prefixes) in the title, description or area.
    pub search: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct OfferFilter {
    pub status: Option<OfferStatus>,
    pub category: Option<Category>,
    pub area: Option<String>,
    pub member: Option<Uuid>,
}

/// Filters for the timebank's entries; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct LedgerFilter {
    /// Entries this party gave or received.
    pub party: Option<Party>,
    pub status: Option<EntryStatus>,
}

impl Store {
    /// Creates the database for a new group, with this device's first member.
    pub fn create(path: &Path, key: &DbKey, group_name: &str, founder: NewMember) -> Result<Store> {
        refuse_existing(path)?;
        let actor = ActorId::random();
        let device = DeviceKey::generate();
        let now = Utc::now();
        let (mut doc, member) = GroupDoc::create(actor.clone(), group_name, founder, now)?;
        doc.add_device(member.id, &device.id(), now)?;
        let group_id = doc.group()?.id;
        let identity = Identity { actor, device, secret: GroupSecret::generate(), epoch: 0, group_id, member: Some(member.id), join_name: None };
        build(path, key, &identity, Some(&doc))?;
        let mut store = Store::open(path, key)?;
        store.make_organizer_key()?;
        Ok(store)
    }

    /// Creates the database of a device joining a group by invite. It holds no record until its
    /// first sync (or bundle); then the device adds itself as a volunteer named `name`.
    pub fn join(path: &Path, key: &DbKey, invite: &Invite, name: &str) -> Result<Store> {
        refuse_existing(path)?;
        check_text("name", name, MAX_TITLE)?;
        let identity = Identity {
            actor: ActorId::random(),
            device: DeviceKey::generate(),
            secret: invite.secret.clone(),
            epoch: invite.epoch,
            group_id: invite.group,
            member: None,
            join_name: Some(name.trim().to_string()),
        };
        build(path, key, &identity, None)?;
        Store::open(path, key)
    }

    /// Opens an existing database with its key. A wrong key, a damaged file or one from a newer
    /// aidmesh is refused before anything is written to it.
    pub fn open(path: &Path, key: &DbKey) -> Result<Store> {
        if !path.is_file() {
            return Err(Error::NoDatabase(path.to_path_buf()));
        }
        let corrupt = |detail: String| Error::Corrupt { path: path.to_path_buf(), detail };
        if is_plaintext(path) {
            encrypt_in_place(path, key).map_err(|e| corrupt(format!("it is unencrypted, and encrypting it failed: {e}")))?;
        }
        let mut conn = unlock(path, key).map_err(|e| match e {
            Error::Io { .. } => corrupt("it is too short to be an aidmesh database".into()),
            Error::Sqlite(e) => corrupt(e.to_string()),
            other => other,
        })?;
        // The first read is where SQLCipher checks the key (every page carries a MAC).
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => return Err(Error::WrongKey(path.to_path_buf())),
            other => other.map_err(|e| corrupt(e.to_string()))?,
        };
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| corrupt(e.to_string()))?;
        if version > SCHEMA_VERSION {
            return Err(Error::NewerSchema { path: path.to_path_buf(), found: version, supported: SCHEMA_VERSION });
        }
        if version == 0 {
            return Err(corrupt("it is not an aidmesh database".into()));
        }
        // The key is right and the file is ours: closing may now fold the log in as usual.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
        configure(&conn).map_err(|e| classify(path, e))?;
        migrate(&mut conn, version)?;
        let identity = Identity::read(&conn).map_err(corrupt)?;
        Ok(Store {
            path: path.to_path_buf(),
            conn,
            actor: identity.actor,
            device: identity.device,
            secret: identity.secret,
            epoch: identity.epoch,
            group_id: identity.group_id,
            me: identity.member,
            doc: None,
            loaded_up_to: 0,
            chunks_since_snapshot: 0,
        })
    }

    /// A plain SQLite connection to an encrypted database, unlocked with its key: for tests and
    /// repair tools that must look below the store. Nothing else should write through it.
    pub fn unlocked_connection(path: &Path, key: &DbKey) -> Result<Connection> {
        let conn = unlock(path, key)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
        Ok(conn)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The member this device acts for.
    pub fn me(&self) -> Result<Uuid> {
        self.me.ok_or(Error::NotSyncedYet(format!("group {}", self.group_id)))
    }

    /// This device's long-term key; its public half is the device id.
    pub fn device(&self) -> &DeviceKey {
        &self.device
    }

    /// The current group secret.
    pub fn secret(&self) -> &GroupSecret {
        &self.secret
    }

    /// The epoch of the current group secret.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The group secret of an earlier (or the current) epoch, if this device holds it: what a
    /// device that has not yet learned of a removal still uses.
    fn secret_of_epoch(&self, epoch: u32) -> Result<Option<GroupSecret>> {
        let bytes: Option<Vec<u8>> = self.conn.query_row("SELECT secret FROM epochs WHERE epoch = ?1", [epoch], |r| r.get(0)).optional()?;
        Ok(bytes.and_then(|b| b.try_into().ok()).map(GroupSecret::from_bytes))
    }

    pub fn group_id(&self) -> Uuid {
        self.group_id
    }

    /// An invite to this group; `address` is where this device can be reached, if known.
    pub fn invite(&self, address: Option<String>) -> Result<Invite> {
        if let Some(address) = &address {
            crate::invite::check_address(address)?;
        }
        Ok(Invite { group: self.group_id, secret: self.secret.clone(), epoch: self.epoch, address })
    }

    /// The whole document, loaded (and caught up with other writers) on first use.
    pub fn doc(&mut self) -> Result<&GroupDoc> {
        self.catch_up()?;
        Ok(self.doc.as_ref().expect("catch_up loads the document"))
    }

    /// Runs one user action against the document and makes it durable before returning.
    /// `f` gets the document, this device's member id and the current time.
    /// Keys are granted or shredded to match what the action changed before it returns.
    pub fn act<T>(&mut self, f: impl FnOnce(&mut GroupDoc, Uuid, DateTime<Utc>) -> Result<T>) -> Result<T> {
        let me = self.me()?;
        let (result, touched) = self.write(|doc| f(doc, me, Utc::now()))?;
        let scope = self.scope_of(&touched)?;
        if scope.as_ref().is_none_or(|needs| !needs.is_empty()) {
            self.tend(Utc::now(), scope)?;
        }
        Ok(result)
    }

    /// Applies changes received from another device (sync, bundle). Returns what they touched.
    pub fn apply_remote(&mut self, bytes: &[u8]) -> Result<Touched> {
        Ok(self.write(|doc| doc.apply_bytes(bytes))?.1)
    }

    /// The write path shared by local actions and received changes: lock, catch up, change,
    /// persist the new chunk and the index in one transaction.
    fn write<T>(&mut self, f: impl FnOnce(&mut GroupDoc) -> Result<T>) -> Result<(T, Touched)> {
        self.catch_up()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let doc = self.doc.as_mut().expect("catch_up loads the document");
        // Another process may have written between our catch-up and taking the lock.
        let mut loaded_up_to = self.loaded_up_to;
        for (id, data) in chunks_after(&tx, loaded_up_to).map_err(|e| classify(&self.path, e))? {
            doc.apply_bytes(&data).map_err(|e| Error::Corrupt { path: self.path.clone(), detail: format!("stored change {id} cannot be read: {e}") })?;
            loaded_up_to = id;
        }
        self.loaded_up_to = loaded_up_to;
        // What catch-up applied is stored already.
        doc.take_unsaved();
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
        if unsaved.bytes.is_empty() {
            return Ok((result, unsaved.touched));
        }
        let persisted = (|| -> Result<i64> {
            let id = insert_chunk(&tx, false, &unsaved.bytes)?;
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
            self.compact()?;
        }
        Ok((result, unsaved.touched))
    }

    /// Folds every chunk into one snapshot. Only chunks already in the in-memory document
    /// (which the snapshot is saved from) are deleted, under the write lock.
    pub fn compact(&mut self) -> Result<()> {
        self.catch_up()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let doc = self.doc.as_mut().expect("catch_up loads the document");
        for (_, data) in chunks_after(&tx, self.loaded_up_to)? {
            doc.apply_bytes(&data).map_err(|e| Error::Corrupt { path: self.path.clone(), detail: e.to_string() })?;
        }
        doc.take_unsaved();
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
    fn catch_up(&mut self) -> Result<()> {
        let rows = chunks_after(&self.conn, self.loaded_up_to).map_err(|e| classify(&self.path, e))?;
        let Some(&(newest, _)) = rows.last() else {
            return match (&self.doc, self.me) {
                (Some(_), _) => Ok(()),
                // A device that joined starts from nothing and fills up at its first sync.
                (None, None) => {
                    self.doc = Some(GroupDoc::empty(self.actor.clone()));
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
                let mut doc = GroupDoc::load(&first.1, self.actor.clone()).map_err(damaged)?;
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

    // ----- reads from the index (no document load) -----

    pub fn group(&self) -> Result<Group> {
        let json = match (get_meta(&self.conn, "group")?, self.me) {
            (Some(json), _) => json,
            (None, None) => return Err(Error::NotSyncedYet(format!("group {}", self.group_id))),
            (None, Some(_)) => return Err(Error::Corrupt { path: self.path.clone(), detail: "the group is missing".into() }),
        };
        serde_json::from_str(&json).map_err(|e| Error::Corrupt { path: self.path.clone(), detail: e.to_string() })
    }

    /// Needs, most urgent first, then soonest `needed_by`, then oldest.
    pub fn needs(&self, filter: &NeedFilter) -> Result<Vec<Need>> {
        // Given an area, its index answers the usual filters (area, status, category) before a
        // single row is read: SQLite would rather walk the status index to skip sorting, and on
        // an encrypted file every row it reads costs a page decryption.
        let mut sql = String::from(if filter.area.is_some() { "SELECT needs.json FROM needs INDEXED BY needs_by_area" } else { "SELECT needs.json FROM needs" });
        let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        let active: Vec<String> = NeedStatus::ALL.iter().filter(|s| s.takes_assignments()).map(|s| format!("'{s}'")).collect();
        let active = format!("needs.status IN ({})", active.join(", "));
        let mut clauses = Vec::new();
        if filter.active_only {
            clauses.push(active.as_str());
        }
        if let Some(query) = filter.search.as_deref().and_then(fts_query) {
            sql.push_str(" JOIN needs_text ON needs_text.rowid = needs.rowid");
            clauses.push("needs_text MATCH ?");
            args.push(Box::new(query));
        }
        for (clause, value) in [
            ("needs.status = ?", filter.status.map(|s| s.as_str().to_string())),
            ("needs.category = ?", filter.category.map(|c| c.as_str().to_string())),
            ("needs.urgency = ?", filter.urgency.map(|u| (u as i64).to_string())),
            ("needs.area = ?", filter.area.clone()),
        ] {
            if let Some(value) = value {
                clauses.push(clause);
                args.push(Box::new(value));
            }
        }
        if !clauses.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&clauses.join(" AND "));
        }
        sql.push_str(" ORDER BY needs.urgency, needs.needed_by IS NULL, needs.needed_by, needs.created_at");
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        self.json_rows(&sql, rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())))
    }

    pub fn offers(&self, filter: &OfferFilter) -> Result<Vec<Offer>> {
        let mut clauses = Vec::new();
        let mut args: Vec<String> = Vec::new();
        for (clause, value) in [
            ("status = ?", filter.status.map(|s| s.as_str().to_string())),
            ("categories LIKE ?", filter.category.map(|c| format!("%,{c},%"))),
            ("area = ?", filter.area.clone()),
            ("member = ?", filter.member.map(|m| m.to_string())),
        ] {
            if let Some(value) = value {
                clauses.push(clause);
                args.push(value);
            }
        }
        let filter = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
        self.json_rows(&format!("SELECT json FROM offers{filter} ORDER BY created_at"), rusqlite::params_from_iter(args))
    }

    /// Assignments, optionally of one need or one volunteer, oldest first.
    pub fn assignments(&self, need: Option<Uuid>, volunteer: Option<Uuid>) -> Result<Vec<Assignment>> {
        // One statement per shape, so SQLite uses the index on need or volunteer.
        let (sql, args): (&str, Vec<String>) = match (need, volunteer) {
            (Some(n), Some(v)) => ("SELECT json FROM assignments WHERE need = ?1 AND volunteer = ?2 ORDER BY created_at", vec![n.to_string(), v.to_string()]),
            (Some(n), None) => ("SELECT json FROM assignments WHERE need = ?1 ORDER BY created_at", vec![n.to_string()]),
            (None, Some(v)) => ("SELECT json FROM assignments WHERE volunteer = ?1 ORDER BY created_at", vec![v.to_string()]),
            (None, None) => ("SELECT json FROM assignments ORDER BY created_at", vec![]),
        };
        self.json_rows(sql, rusqlite::params_from_iter(args))
    }

    pub fn members(&self) -> Result<Vec<Member>> {
        self.json_rows("SELECT json FROM members ORDER BY display_name COLLATE NOCASE", [])
    }

    pub fn need(&self, id: Uuid) -> Result<Need> {
        let found = self.json_rows("SELECT json FROM needs WHERE id = ?1", [id.to_string()])?;
        found.into_iter().next().ok_or(Error::NotFound { kind: Collection::Needs.noun(), id: id.to_string() })
    }

    /// One timebank entry with its status.
    pub fn hour_entry(&self, id: Uuid) -> Result<LedgerEntry> {
        let found = self.json_rows("SELECT json_set(json, '$.status', status) FROM hour_entries WHERE id = ?1", [id.to_string()])?;
        found.into_iter().next().ok_or(Error::NotFound { kind: Collection::HourEntries.noun(), id: id.to_string() })
    }

    /// A matcher over the index: the group's areas, members, offers and assignments.
    pub fn matcher(&self) -> Result<Matcher> {
        Ok(Matcher::new(self.group()?.settings, self.members()?, self.offers(&OfferFilter::default())?, &self.assignments(None, None)?))
    }

    /// Timebank entries with their statuses, oldest first.
    pub fn ledger(&self, filter: &LedgerFilter) -> Result<Ledger> {
        let mut clauses = Vec::new();
        let mut args: Vec<String> = Vec::new();
        if let Some(party) = filter.party {
            clauses.push("(from_member = ?1 OR to_party = ?1)");
            args.push(party.to_string());
        }
        if let Some(status) = filter.status {
            clauses.push(if args.is_empty() { "status = ?1" } else { "status = ?2" });
            args.push(status.as_str().to_string());
        }
        let filter = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
        let sql = format!("SELECT json_set(json, '$.status', status) FROM hour_entries{filter} ORDER BY created_at, id");
        Ok(Ledger::in_order(self.json_rows(&sql, rusqlite::params_from_iter(args))?))
    }

    /// Every party's confirmed hours, summed in the index (no document load).
    pub fn balances(&self) -> Result<Vec<Balance>> {
        let mut totals = Totals::default();
        for (column, given) in [("from_member", true), ("to_party", false)] {
            let sql = format!("SELECT {column}, sum(quarters) FROM hour_entries WHERE status = ?1 GROUP BY {column}");
            let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| classify(&self.path, e))?;
            let rows = stmt.query_map([EntryStatus::Confirmed.as_str()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (party, quarters) = row?;
                let party = party.parse().map_err(|e| Error::Corrupt { path: self.path.clone(), detail: format!("index row: {e}") })?;
                let hours = Hours::from_quarters(quarters);
                if given {
                    totals.given(party, hours);
                } else {
                    totals.received(party, hours);
                }
            }
        }
        Ok(totals.balances())
    }

    /// Records received from elsewhere that could not be read, with the reason.
    pub fn invalid_records(&self) -> Result<Vec<InvalidRecord>> {
        let mut stmt = self.conn.prepare("SELECT collection, id, reason FROM invalid_records ORDER BY collection, id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (collection, id, reason) = row?;
            let collection = serde_json::from_value(serde_json::Value::String(collection))
                .map_err(|e| Error::Corrupt { path: self.path.clone(), detail: e.to_string() })?;
            out.push(InvalidRecord { collection, id, reason });
        }
        Ok(out)
    }

    /// Every id in `collection`, sorted (for abbreviating ids in lists).
    pub fn ids(&self, collection: Collection) -> Result<Vec<Uuid>> {
        let Some(table) = index_table(collection) else { return Ok(Vec::new()) };
        let mut stmt = self.conn.prepare(&format!("SELECT id FROM {table} ORDER BY id"))?;
        let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(ids.filter_map(|id| id.ok()?.parse().ok()).collect())
    }

    /// The full id of the record in `collection` whose id starts with `prefix` (hyphens optional).
    pub fn find(&self, collection: Collection, prefix: &str) -> Result<Uuid> {
        let table = index_table(collection).ok_or(Error::NotFound { kind: collection.noun(), id: prefix.to_string() })?;
        let not_found = || Error::NotFound { kind: collection.noun(), id: prefix.trim().to_string() };
        let digits: String = prefix.trim().to_lowercase().chars().filter(|c| *c != '-').collect();
        if digits.is_empty() || digits.len() > 32 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(not_found());
        }
        // Back into the stored, hyphenated form: 8-4-4-4-12.
        let mut prefix = String::new();
        for (i, c) in digits.chars().enumerate() {
            if matches!(i, 8 | 12 | 16 | 20) {
                prefix.push('-');
            }
            prefix.push(c);
        }
        let mut stmt = self.conn.prepare(&format!("SELECT id FROM {table} WHERE id >= ?1 AND id < ?1 || 'g' ORDER BY id LIMIT 2"))?;
        let ids: Vec<String> = stmt.query_map([&prefix], |r| r.get(0))?.collect::<Result<_, _>>()?;
        match ids.as_slice() {
            [] => Err(not_found()),
            [one] => one.parse().map_err(|_| not_found()),
            _ => {
                let count: i64 = self.conn.query_row(
                    &format!("SELECT count(*) FROM {table} WHERE id >= ?1 AND id < ?1 || 'g'"),
                    [&prefix],
                    |r| r.get(0),
                )?;
                Err(Error::Ambiguous { kind: collection.noun(), prefix, count: count as usize })
            }
        }
    }

    fn json_rows<T: DeserializeOwned>(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| classify(&self.path, e))?;
        let rows = stmt.query_map(params, |r| r.get::<_, String>(0)).map_err(|e| classify(&self.path, e))?;
        rows.map(|json| {
            let json = json.map_err(|e| classify(&self.path, e))?;
            serde_json::from_str(&json).map_err(|e| Error::Corrupt { path: self.path.clone(), detail: format!("index row: {e}") })
        })
        .collect()
    }
}

const SALT_LEN: usize = 16;

/// Whether the file is a plain SQLite database: one made before aidmesh encrypted them.
fn is_plaintext(path: &Path) -> bool {
    let mut header = [0u8; 16];
    std::fs::File::open(path).and_then(|mut file| std::io::Read::read_exact(&mut file, &mut header)).is_ok() && &header == b"SQLite format 3\0"
}

/// Encrypts a database made before aidmesh encrypted them, under `key`: an encrypted copy is
/// written beside it, then renamed over it, so a crash leaves one whole file or the other.
fn encrypt_in_place(path: &Path, key: &DbKey) -> Result<()> {
    let encrypted = path.with_extension("encrypting");
    let _ = std::fs::remove_file(&encrypted);
    {
        // CREATE: the encrypted copy is a new file, attached to this connection.
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        // Folds the write-ahead log in, so the copy has every change.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let hex = key.raw_hex(&rand::random())?;
        let target = encrypted.to_str().ok_or_else(|| Error::Corrupt { path: path.to_path_buf(), detail: "its path is not UTF-8".into() })?;
        conn.execute("ATTACH DATABASE ?1 AS encrypted KEY ?2", params![target, format!("x'{}'", hex.as_str())])?;
        conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
        conn.execute_batch(&format!("PRAGMA encrypted.user_version = {version}; DETACH DATABASE encrypted;"))?;
    }
    std::fs::File::open(&encrypted).and_then(|file| file.sync_all()).map_err(|source| Error::Io { context: format!("cannot write {}", encrypted.display()), source })?;
    std::fs::rename(&encrypted, path).map_err(|source| Error::Io { context: format!("cannot replace {}", path.display()), source })?;
    let _ = std::fs::remove_file(format!("{}-wal", path.display()));
    let _ = std::fs::remove_file(format!("{}-shm", path.display()));
    Ok(())
}

/// Opens an existing database and gives SQLCipher its key, without checking it yet. Closing the
/// connection will not checkpoint the write-ahead log until the caller turns that back on: with
/// a wrong key, a checkpoint on close would throw away the log (and the changes in it).
fn unlock(path: &Path, key: &DbKey) -> Result<Connection> {
    // SQLCipher keeps the file's random salt in its first 16 bytes, unencrypted.
    let mut salt = [0u8; SALT_LEN];
    std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut salt))
        .map_err(|source| Error::Io { context: format!("cannot read {}", path.display()), source })?;
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    key.apply(&conn, &salt)?;
    Ok(conn)
}

/// The key to the device database, from a passphrase (or a random one kept in the OS keyring).
/// The whole file is encrypted with SQLCipher under a key that Argon2id derives from it, with
/// the file's own random salt.
pub struct DbKey(zeroize::Zeroizing<String>);

impl DbKey {
    pub fn passphrase(passphrase: &str) -> Result<DbKey> {
        if passphrase.is_empty() {
            return Err(ValidationError::Empty("passphrase").into());
        }
        Ok(DbKey(zeroize::Zeroizing::new(passphrase.to_string())))
    }

    fn apply(&self, conn: &Connection, salt: &[u8; SALT_LEN]) -> rusqlite::Result<()> {
        let hex = self.raw_hex(salt)?;
        // A wrong key is reported as an error of ours; SQLCipher's own log would only add noise.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex.as_str()))
    }

    /// The raw key SQLCipher takes, in hex: Argon2id of the passphrase with the file's salt, then
    /// the salt itself. SQLCipher uses both as given, with no key derivation of its own.
    fn raw_hex(&self, salt: &[u8; SALT_LEN]) -> rusqlite::Result<zeroize::Zeroizing<String>> {
        let mut raw = zeroize::Zeroizing::new([0u8; 32]);
        argon2::Argon2::default().hash_password_into(self.0.as_bytes(), salt, raw.as_mut()).expect("32-byte output and a 16-byte salt are valid");
        Ok(zeroize::Zeroizing::new(format!("{}{}", data_encoding::HEXLOWER.encode(raw.as_ref()), data_encoding::HEXLOWER.encode(salt))))
    }
}

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(…)")
    }
}

/// Who this device is, kept in `meta`: never in the shared record.
struct Identity {
    actor: ActorId,
    device: DeviceKey,
    secret: GroupSecret,
    epoch: u32,
    group_id: Uuid,
    member: Option<Uuid>,
    /// The name a joining device will use once it has the group's record.
    join_name: Option<String>,
}

impl Identity {
    fn write(&self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        set_meta(tx, "actor", &self.actor.to_hex_string())?;
        set_meta(tx, "device_key", &data_encoding::HEXLOWER.encode(&self.device.private_bytes()))?;
        tx.execute("INSERT INTO epochs (epoch, secret) VALUES (?1, ?2)", params![self.epoch, &self.secret.as_bytes()[..]])?;
        set_meta(tx, "group_id", &self.group_id.to_string())?;
        if let Some(member) = self.member {
            set_meta(tx, "member", &member.to_string())?;
        }
        if let Some(name) = &self.join_name {
            set_meta(tx, "join_name", name)?;
        }
        Ok(())
    }

    fn read(conn: &Connection) -> Result<Identity, String> {
        let get = |key: &str| get_meta(conn, key).map_err(|e| e.to_string());
        let required = |key: &str| get(key)?.ok_or_else(|| format!("this device's {key} is missing"));
        let bytes32 = |key: &str| -> Result<[u8; 32], String> {
            let bytes = data_encoding::HEXLOWER.decode(required(key)?.as_bytes()).map_err(|_| format!("bad {key}"))?;
            bytes.try_into().map_err(|_| format!("bad {key}"))
        };
        let actor = data_encoding::HEXLOWER.decode(required("actor")?.as_bytes()).map_err(|_| "bad actor".to_string())?;
        let (epoch, secret): (u32, Vec<u8>) = conn
            .query_row("SELECT epoch, secret FROM epochs ORDER BY epoch DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|_| "this device's group secret is missing".to_string())?;
        Ok(Identity {
            actor: ActorId::from(actor),
            device: DeviceKey::from_bytes(bytes32("device_key")?),
            secret: GroupSecret::from_bytes(secret.try_into().map_err(|_| "bad group secret".to_string())?),
            epoch,
            group_id: required("group_id")?.parse().map_err(|_| "bad group id".to_string())?,
            member: get("member")?.map(|m| m.parse().map_err(|_| "bad member id".to_string())).transpose()?,
            join_name: get("join_name")?,
        })
    }
}

fn refuse_existing(path: &Path) -> Result<()> {
    if path.exists() {
        return Err(Error::AlreadyExists(path.to_path_buf()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { context: format!("cannot create {}", dir.display()), source })?;
    }
    Ok(())
}

/// Writes a new database beside its final name and renames it into place, so a half-made one
/// never appears.
fn build(path: &Path, key: &DbKey, identity: &Identity, doc: Option<&GroupDoc>) -> Result<()> {
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    {
        let mut conn = Connection::open(&partial)?;
        key.apply(&conn, &rand::random())?;
        // Lets compaction hand freed pages back to the filesystem (set before any table).
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        configure(&conn)?;
        migrate(&mut conn, 0)?;
        let tx = conn.transaction()?;
        identity.write(&tx)?;
        if let Some(doc) = doc {
            insert_chunk(&tx, true, &doc.save())?;
            reindex_all(&tx, doc)?;
        }
        tx.commit()?;
        conn.pragma_update(None, "journal_mode", "DELETE")?;
    }
    std::fs::rename(&partial, path).map_err(|source| Error::Io { context: format!("cannot create {}", path.display()), source })
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit is on disk when it returns, even across power loss (NORMAL is not).
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Deleted rows (shredded keys above all) are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
}

fn migrate(conn: &mut Connection, from: i64) -> Result<()> {
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// SQLite's "damaged" errors become `Corrupt`, which promises the file was left alone.
fn classify(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            Error::Corrupt { path: path.to_path_buf(), detail: e.to_string() }
        }
        _ => Error::Sqlite(e),
    }
}

fn get_meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()
}

fn set_meta(tx: &Transaction<'_>, key: &str, value: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?.execute([key, value])?;
    Ok(())
}

fn insert_chunk(tx: &Transaction<'_>, snapshot: bool, data: &[u8]) -> rusqlite::Result<i64> {
    tx.prepare_cached("INSERT INTO chunks (snapshot, data) VALUES (?1, ?2)")?.execute(params![snapshot, data])?;
    Ok(tx.last_insert_rowid())
}

fn chunks_after(conn: &Connection, id: i64) -> rusqlite::Result<Vec<(i64, Vec<u8>)>> {
    let mut stmt = conn.prepare_cached("SELECT id, data FROM chunks WHERE id > ?1 ORDER BY id")?;
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

fn index_table(collection: Collection) -> Option<&'static str> {
    match collection {
        Collection::Needs => Some("needs"),
        Collection::Offers => Some("offers"),
        Collection::Assignments => Some("assignments"),
        Collection::Members => Some("members"),
        Collection::HourEntries => Some("hour_entries"),
        Collection::HourVerdicts => Some("hour_verdicts"),
        Collection::Group | Collection::Resolutions => None,
    }
}

fn reindex_all(tx: &Transaction<'_>, doc: &GroupDoc) -> Result<()> {
    let everything = Touched { group: true, records: Default::default(), collections: Collection::ALL.into_iter().collect() };
    reindex(tx, doc, &everything)?;
    set_meta(tx, "index_version", INDEX_VERSION)?;
    Ok(())
}

/// Brings the index rows of the touched records in line with the document.
fn reindex(tx: &Transaction<'_>, doc: &GroupDoc, touched: &Touched) -> Result<()> {
    if touched.group {
        // A group that cannot be read leaves the last good copy in place.
        if let Ok(group) = doc.group() {
            set_meta(tx, "group", &serde_json::to_string(&group).expect("serializable"))?;
        }
    }
    let mut records = touched.records.clone();
    let mut collections = touched.collections.clone();
    // Entries take their status from their verdicts, so rebuilding the verdicts rebuilds the
    // entries too (entries sort first: every verdict then sets its entry's status again).
    if collections.contains(&Collection::HourVerdicts) {
        collections.insert(Collection::HourEntries);
    }
    for &collection in &collections {
        let Some(table) = index_table(collection) else { continue };
        // Rebuilt whole: clear the table, its search index and its invalid records, then refill.
        if collection == Collection::Needs {
            tx.execute("INSERT INTO needs_text (needs_text) VALUES ('delete-all')", [])?;
        }
        tx.execute(&format!("DELETE FROM {table}"), [])?;
        tx.execute("DELETE FROM invalid_records WHERE collection = ?1", [collection.key()])?;
        records.extend(doc.record_ids(collection).into_iter().map(|id| (collection, id)));
    }
    for (collection, id) in &records {
        reindex_record(tx, doc, *collection, id)?;
    }
    Ok(())
}

fn reindex_record(tx: &Transaction<'_>, doc: &GroupDoc, collection: Collection, id: &str) -> Result<()> {
    let Some(table) = index_table(collection) else { return Ok(()) };
    if collection == Collection::Needs {
        tx.prepare_cached("DELETE FROM needs_text WHERE rowid = (SELECT rowid FROM needs WHERE id = ?1)")?.execute([id])?;
    }
    tx.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?.execute([id])?;
    tx.prepare_cached("DELETE FROM invalid_records WHERE collection = ?1 AND id = ?2")?.execute([collection.key(), id])?;
    let outcome = match collection {
        Collection::Needs => doc.read_record::<Need>(collection, id)?.map(|r| r.map(|need| index_need(tx, &need))),
        Collection::Offers => doc.read_record::<Offer>(collection, id)?.map(|r| r.map(|offer| index_offer(tx, &offer))),
        Collection::Assignments => doc.read_record::<Assignment>(collection, id)?.map(|r| r.map(|a| index_assignment(tx, &a))),
        Collection::Members => doc.read_record::<Member>(collection, id)?.map(|r| r.map(|m| index_member(tx, &m))),
        Collection::HourEntries => doc.read_record::<HourEntry>(collection, id)?.map(|r| r.map(|e| index_hour_entry(tx, &e))),
        Collection::HourVerdicts => doc.read_record::<HourVerdict>(collection, id)?.map(|r| r.map(|v| index_hour_verdict(tx, &v))),
        Collection::Group | Collection::Resolutions => None,
    };
    match outcome {
        None => Ok(()),
        Some(Ok(written)) => Ok(written?),
        Some(Err(reason)) => {
            tx.prepare_cached("INSERT INTO invalid_records (collection, id, reason) VALUES (?1, ?2, ?3)")?.execute([collection.key(), id, &reason])?;
            Ok(())
        }
    }
}

fn index_need(tx: &Transaction<'_>, need: &Need) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO needs (id, status, category, urgency, area, needed_by, created_at, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(
        params![
            need.id.to_string(),
            need.status.as_str(),
            need.category.as_str(),
            need.urgency as i64,
            need.area,
            need.needed_by.map(|t| t.timestamp_millis()),
            need.created_at.timestamp_millis(),
            serde_json::to_string(need).expect("serializable"),
        ],
    )?;
    tx.prepare_cached("INSERT INTO needs_text (rowid, title, description, area) VALUES (last_insert_rowid(), ?1, ?2, ?3)")?.execute(
        params![need.title, need.description, need.area],
    )?;
    Ok(())
}

fn index_offer(tx: &Transaction<'_>, offer: &Offer) -> rusqlite::Result<()> {
    let categories = format!(",{},", offer.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(","));
    tx.prepare_cached("INSERT INTO offers (id, member, status, area, categories, created_at, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(
        params![
            offer.id.to_string(),
            offer.member.to_string(),
            offer.status.as_str(),
            offer.area,
            categories,
            offer.created_at.timestamp_millis(),
            serde_json::to_string(offer).expect("serializable"),
        ],
    )?;
    Ok(())
}

fn index_assignment(tx: &Transaction<'_>, a: &Assignment) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO assignments (id, need, volunteer, status, created_at, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?.execute(
        params![
            a.id.to_string(),
            a.need.to_string(),
            a.volunteer.to_string(),
            a.status.as_str(),
            a.created_at.timestamp_millis(),
            serde_json::to_string(a).expect("serializable"),
        ],
    )?;
    Ok(())
}

fn index_member(tx: &Transaction<'_>, m: &Member) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO members (id, display_name, json) VALUES (?1, ?2, ?3)")?.execute(
        params![m.id.to_string(), m.display_name, serde_json::to_string(m).expect("serializable")],
    )?;
    Ok(())
}

fn index_hour_entry(tx: &Transaction<'_>, entry: &HourEntry) -> rusqlite::Result<()> {
    let status = status_in_index(tx, entry.id)?;
    tx.prepare_cached("INSERT INTO hour_entries (id, from_member, to_party, quarters, status, created_at, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?
        .execute(params![
            entry.id.to_string(),
            entry.from.to_string(),
            entry.to.to_string(),
            entry.hours.quarters(),
            status.as_str(),
            entry.created_at.timestamp_millis(),
            serde_json::to_string(entry).expect("serializable"),
        ])?;
    Ok(())
}

/// Indexes a verdict and moves its entry to the status its verdicts now give it.
fn index_hour_verdict(tx: &Transaction<'_>, verdict: &HourVerdict) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO hour_verdicts (id, entry, json) VALUES (?1, ?2, ?3)")?.execute(params![
        verdict.id.to_string(),
        verdict.entry.to_string(),
        serde_json::to_string(verdict).expect("serializable"),
    ])?;
    let status = status_in_index(tx, verdict.entry)?;
    tx.prepare_cached("UPDATE hour_entries SET status = ?2 WHERE id = ?1")?.execute(params![verdict.entry.to_string(), status.as_str()])?;
    Ok(())
}

/// An entry's status from the verdicts in the index, by the same rule the document uses.
fn status_in_index(tx: &Transaction<'_>, entry: Uuid) -> rusqlite::Result<EntryStatus> {
    let mut stmt = tx.prepare_cached("SELECT json FROM hour_verdicts WHERE entry = ?1")?;
    let rows = stmt.query_map([entry.to_string()], |r| r.get::<_, String>(0))?;
    let mut verdicts = Vec::new();
    for json in rows {
        // Rows are written from typed verdicts just above, so they always read back.
        verdicts.extend(serde_json::from_str::<HourVerdict>(&json?).ok());
    }
    Ok(EntryStatus::of(&verdicts))
}

/// Turns what a person typed into an FTS5 query: every word must appear, as a prefix.
/// Quoting each word means no input can be FTS syntax (and so none can be an error).
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}
