//! Reads from the index: lists, counts and the read models the app and the CLI show, without
//! loading the document.

use serde::de::DeserializeOwned;
use uuid::Uuid;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use rusqlite::{Connection, TransactionBehavior};

use super::index::{forget_conflicts, fts_query, index_table, indexed_conflicts, store_conflicts, OPENING};
use super::db::{chunks_after, classify, get_meta};
use super::{LedgerFilter, NeedFilter, OfferFilter, Store};
use crate::conflict::{in_order, Conflict};
use crate::engine::{Attempt, Collection, Ignored, InvalidRecord};
use crate::error::{Error, Result};
use crate::matching::Matcher;
use crate::report::{Bucket, Logged, Period, Records, Report};
use crate::totals::GroupTotals;
use chrono::{DateTime, NaiveDate};
use crate::model::{Assignment, Load, Party, Role, Balance, EntryStatus, Group, HourVerdict, Hours, Ledger, LedgerEntry, Member, Need, NeedStatus, Offer, Totals};

/// The slices of a report's period that the two connections share out.
const HOUR_SLICES: usize = 8;

impl Store {

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

    /// Places filled on each need and open assignments on each offer.
    pub fn load(&self) -> Result<Load> {
        Ok(Load::of(&self.assignments(None, None)?))
    }

    /// The entries `member` may confirm now (`LedgerEntry::check_confirm`): hours given to them,
    /// and for an organizer every entry someone else gave that is pending or disputed.
    pub fn hours_to_confirm(&self, member: Uuid) -> Result<Vec<LedgerEntry>> {
        let organizer = self.members()?.iter().any(|m| m.id == member && m.role == Role::Organizer);
        let waiting = |status| LedgerFilter { party: None, status: Some(status) };
        let mut entries = self.ledger(&waiting(EntryStatus::Pending))?.entries;
        entries.extend(self.ledger(&waiting(EntryStatus::Disputed))?.entries);
        entries.retain(|e| e.check_confirm(member, organizer).is_ok());
        Ok(Ledger::in_order(entries).entries)
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
        Ok(Ledger::in_order(self.json_rows(&sql, rusqlite::params_from_iter(args))?).after(self.opening()?))
    }

    /// Verdicts on hours the last renewal left in the archive (`GroupDoc::verdicts_on_archived_hours`).
    pub fn verdicts_on_archived_hours(&mut self) -> Result<Vec<HourVerdict>> {
        if self.generation.depth == 0 {
            return Ok(Vec::new());
        }
        Ok(self.doc()?.verdicts_on_archived_hours())
    }

    /// Each party's confirmed hours when this generation of the record started (`GroupDoc::opening`).
    pub fn opening(&self) -> Result<Vec<Balance>> {
        let Some(json) = get_meta(&self.conn, OPENING)? else { return Ok(Vec::new()) };
        serde_json::from_str(&json).map_err(|e| Error::Corrupt { path: self.path.clone(), detail: format!("opening balances: {e}") })
    }

    /// The meeting report over `period` (see `report`), from the index, and from the archives
    /// this device keeps when the period starts before the record did (`archived_for_report`).
    pub fn report(&mut self, period: Period, bucket: Bucket) -> Result<Report> {
        let archived = self.archived_for_report(period)?;
        // The dashboard from a cold start is meant to take under 200 ms on a group's years of
        // records, so two connections read side by side, each taking the next share when free:
        // the needs, assignments, offers and members, then the hours in slices of the period.
        // Records are read whole and in no order (no figure depends on it). Both connections
        // must read one snapshot: if the second sees another newest chunk (or cannot open),
        // this one reads all.
        let _snapshot = self.conn.unchecked_transaction()?;
        let newest = newest_chunk(&self.conn)?;
        let (path, raw_key) = (self.path.as_path(), &self.raw_key);
        let (needs, assignments, offers, members) = (OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new());
        let slices = period.slices(HOUR_SLICES);
        let parties = read_parties(&self.conn, path)?;
        let next = AtomicUsize::new(0);
        let read_shares = |conn: &Connection| -> Result<Vec<Logged>> {
            let mut logged = Vec::new();
            loop {
                match next.fetch_add(1, Ordering::Relaxed) {
                    0 => _ = needs.set(read_table::<Need>(conn, path, "needs")?),
                    1 => _ = assignments.set(read_table::<Assignment>(conn, path, "assignments")?),
                    2 => _ = offers.set(read_table::<Offer>(conn, path, "offers")?),
                    3 => _ = members.set(read_table::<Member>(conn, path, "members")?),
                    share => match slices.get(share - 4) {
                        Some(slice) => logged.extend(read_logged(conn, path, *slice, &parties)?),
                        None => return Ok(logged),
                    },
                }
            }
        };
        let entries = std::thread::scope(|scope| -> Result<_> {
            let beside = scope.spawn(|| -> Result<Vec<Logged>> {
                // Anything amiss before it takes a share (no second connection, another
                // snapshot) leaves all the reading to the first connection.
                let Ok(reader) = Store::reader(path, raw_key) else { return Ok(Vec::new()) };
                let Ok(_snapshot) = reader.unchecked_transaction() else { return Ok(Vec::new()) };
                if newest_chunk(&reader).ok() != Some(newest) {
                    return Ok(Vec::new());
                }
                read_shares(&reader)
            });
            let mut entries = read_shares(&self.conn)?;
            entries.extend(beside.join().expect("reading does not panic")?);
            Ok(entries)
        })?;
        let mut entries = entries;
        entries.extend(archived.entries);
        let needs = [taken(needs), archived.needs].concat();
        let assignments = [taken(assignments), archived.assignments].concat();
        let offers = [taken(offers), archived.offers].concat();
        let members = taken(members);
        let records = Records { needs: &needs, assignments: &assignments, entries: &entries, members: &members, offers: &offers };
        let report = Report::new(&records, period, bucket, self.group()?.settings.zone());
        Ok(Report { not_held_before: archived.not_held_before, ..report })
    }

    /// This group's totals over whole days, for the network of chapters (`totals`): counts
    /// only, no names.
    pub fn totals(&mut self, first_day: NaiveDate, last_day: NaiveDate) -> Result<GroupTotals> {
        let group = self.group()?;
        let report = self.report(Period::days(first_day, last_day, group.settings.zone())?, Bucket::Week)?;
        Ok(GroupTotals::of(&report, group.id, &group.name, first_day, last_day))
    }

    /// The same totals as a file signed by this device, to hand to other chapters.
    pub fn totals_file(&mut self, first_day: NaiveDate, last_day: NaiveDate) -> Result<Vec<u8>> {
        Ok(self.totals(first_day, last_day)?.sign(&self.signer))
    }

    /// Every party's confirmed hours, summed in the index (no document load).
    pub fn balances(&self) -> Result<Vec<Balance>> {
        let mut totals = Totals::opening(&self.opening()?);
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

    /// Every open conflict, in the order `GroupDoc::conflicts` lists them, from the index; when
    /// the index has forgotten them (`index::reindex_conflicts`), found in the document and kept.
    pub fn conflicts(&mut self) -> Result<Vec<Conflict>> {
        // One snapshot for the mark that the index is current and its rows: another process may
        // make it forget in between.
        let indexed = {
            let _snapshot = self.conn.unchecked_transaction()?;
            indexed_conflicts(&self.conn)?
        };
        if let Some(mut conflicts) = indexed {
            in_order(&mut conflicts);
            return Ok(conflicts);
        }
        self.catch_up()?;
        let conflicts = self.doc.as_ref().expect("catch_up loads the document").conflicts();
        // The scan (seconds on a large group) ran without the write lock; what it found is kept
        // only if no other process wrote meanwhile, and not keeping it just means scanning again.
        let kept = (|| -> Result<()> {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if chunks_after(&tx, self.loaded_up_to)?.is_empty() {
                // Rows that could not be read go too.
                forget_conflicts(&tx)?;
                store_conflicts(&tx, &conflicts)?;
                tx.commit()?;
            }
            Ok(())
        })();
        if let Err(e) = kept {
            tracing::warn!("could not keep the open conflicts in the index: {e}");
        }
        Ok(conflicts)
    }

    /// Changes that have no effect because their author had no right to them, and the changes
    /// refused because their device had signed another with the same number; oldest first.
    pub fn ignored(&mut self) -> Result<Vec<Ignored>> {
        let mut stmt = self.conn.prepare("SELECT device, change, seen_at FROM equivocations")?;
        let rows: Vec<(String, String, i64)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        let doc = self.doc()?;
        let mut ignored = doc.ignored();
        for (device, change, seen_at) in rows {
            let member = hex_actor(&device).and_then(|actor| doc.member_for_actor(&actor));
            let at = chrono::DateTime::from_timestamp(seen_at, 0).unwrap_or_default();
            ignored.push(Ignored { change, device, member, attempt: Attempt::Equivocation, record: None, at });
        }
        ignored.sort_by(|a, b| (a.at, &a.change).cmp(&(b.at, &b.change)));
        Ok(ignored)
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

    /// The full id of the record in `collection` that `text` names: the whole id, or any part
    /// of it that starts or ends it (hyphens optional), such as the short id lists show.
    pub fn find(&self, collection: Collection, text: &str) -> Result<Uuid> {
        let not_found = || Error::NotFound { kind: collection.noun(), id: text.trim().to_string() };
        let table = index_table(collection).ok_or_else(not_found)?;
        let digits: String = text.trim().to_lowercase().chars().filter(|c| *c != '-').collect();
        if digits.is_empty() || digits.len() > 32 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(not_found());
        }
        let sql = format!("SELECT id FROM {table} WHERE replace(id, '-', '') LIKE ?1 || '%' OR replace(id, '-', '') LIKE '%' || ?1");
        let mut stmt = self.conn.prepare(&sql)?;
        let ids: Vec<String> = stmt.query_map([&digits], |r| r.get(0))?.collect::<Result<_, _>>()?;
        match ids.as_slice() {
            [] => Err(not_found()),
            [one] => one.parse().map_err(|_| not_found()),
            _ => Err(Error::Ambiguous { kind: collection.noun(), prefix: text.trim().to_string(), count: ids.len() }),
        }
    }

    /// The member `text` names: a name or the start of one, in any case, if only one member in
    /// the group has it; else their id (as `find` reads it). Names come first: people type names,
    /// and "Ca" or "Bea" are hex digits too, which matched some id now and then.
    pub fn find_member(&self, text: &str) -> Result<Uuid> {
        let wanted = text.trim().to_lowercase();
        let members = self.members()?;
        let named = |exact: bool| -> Vec<&Member> {
            members
                .iter()
                .filter(|m| m.removed_at.is_none())
                .filter(|m| {
                    let name = m.display_name.to_lowercase();
                    if exact { name == wanted } else { name.starts_with(&wanted) }
                })
                .collect()
        };
        let found = Some(named(true)).filter(|exact| !exact.is_empty()).unwrap_or_else(|| named(false));
        match found.as_slice() {
            _ if wanted.is_empty() => Err(Error::NotFound { kind: "member", id: text.to_string() }),
            [] => self.find(Collection::Members, text),
            [one] => Ok(one.id),
            many => Err(Error::Ambiguous { kind: "member", prefix: text.trim().to_string(), count: many.len() }),
        }
    }

    fn json_rows<T: DeserializeOwned>(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<T>> {
        parse_rows(&self.path, &raw_rows(&self.conn, &self.path, sql, params)?)
    }
}

/// The hours logged in `period`, just the columns a report reads (a group logs hundreds of
/// thousands of entries over the years: their whole records would take most of a second), with
/// the parties by their numbers in `parties`.
fn read_logged(conn: &Connection, path: &Path, period: Period, parties: &HashMap<i64, Party>) -> Result<Vec<Logged>> {
    let corrupt = |detail: String| Error::Corrupt { path: path.to_path_buf(), detail: format!("index row: {detail}") };
    let party = |no: i64| parties.get(&no).copied().ok_or_else(|| corrupt(format!("no party {no}")));
    let sql = "SELECT from_no, to_no, quarters, status, created_at, category FROM hour_entries WHERE created_at >= ?1 AND created_at < ?2";
    let mut stmt = conn.prepare_cached(sql).map_err(|e| classify(path, e))?;
    let mut rows = stmt.query([period.from.timestamp_millis(), period.to.timestamp_millis()])?;
    let mut logged = Vec::new();
    // Read in place, without a string per cell: a half year can be 100,000 rows.
    while let Some(r) = rows.next()? {
        let Party::Member(from) = party(r.get(0)?)? else { return Err(corrupt("hours given by the group".into())) };
        let category = r.get_ref(5).and_then(|v| Ok(v.as_str_or_null()?))?;
        let at = r.get::<_, i64>(4)?;
        logged.push(Logged {
            from,
            to: party(r.get(1)?)?,
            hours: Hours::from_quarters(r.get(2)?),
            category: category.map(str::parse).transpose().map_err(|e| corrupt(format!("{e}")))?,
            confirmed: r.get_ref(3).and_then(|v| Ok(v.as_str()?))? == EntryStatus::Confirmed.as_str(),
            at: DateTime::from_timestamp_millis(at).ok_or_else(|| corrupt(format!("time {at}")))?,
        });
    }
    Ok(logged)
}

/// Every party in the hours' index, by its number.
fn read_parties(conn: &Connection, path: &Path) -> Result<HashMap<i64, Party>> {
    let corrupt = |detail: String| Error::Corrupt { path: path.to_path_buf(), detail: format!("index row: {detail}") };
    let mut stmt = conn.prepare_cached("SELECT no, id FROM parties").map_err(|e| classify(path, e))?;
    let mut rows = stmt.query([])?;
    let mut parties = HashMap::new();
    while let Some(r) = rows.next()? {
        let id = r.get_ref(1).and_then(|v| Ok(v.as_str()?))?;
        parties.insert(r.get(0)?, id.parse().map_err(|e| corrupt(format!("{e}")))?);
    }
    Ok(parties)
}

/// A share of a report's reading, read by one side or the other before both stopped.
fn taken<T>(share: OnceLock<T>) -> T {
    share.into_inner().expect("every share is read before both sides stop")
}

/// Every record of an index table, parsed.
fn read_table<T: DeserializeOwned>(conn: &Connection, path: &Path, table: &str) -> Result<Vec<T>> {
    parse_rows(path, &raw_rows(conn, path, &format!("SELECT json FROM {table}"), [])?)
}

/// The newest chunk's id: two connections that read the same one read the same records.
fn newest_chunk(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM chunks", [], |r| r.get(0))
}

/// The first column of each row, as stored: records as JSON.
fn raw_rows(conn: &Connection, path: &Path, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Vec<u8>>> {
    let mut stmt = conn.prepare_cached(sql).map_err(|e| classify(path, e))?;
    let rows = stmt.query_map(params, |r| Ok(r.get_ref(0)?.as_bytes()?.to_vec())).map_err(|e| classify(path, e))?;
    rows.map(|row| row.map_err(|e| classify(path, e))).collect()
}

fn parse_rows<T: DeserializeOwned>(path: &Path, rows: &[Vec<u8>]) -> Result<Vec<T>> {
    rows.iter().map(|json| serde_json::from_slice(json).map_err(|e| Error::Corrupt { path: path.to_path_buf(), detail: format!("index row: {e}") })).collect()
}

/// An actor id from its hex, as devices are named.
fn hex_actor(hex: &str) -> Option<automerge::ActorId> {
    let bytes: Option<Vec<u8>> = (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect();
    bytes.map(automerge::ActorId::from)
}
