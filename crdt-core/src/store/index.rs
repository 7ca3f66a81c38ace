//! The query index: rows derived from the document, committed with every chunk, so lists never
//! disagree with the record.

use std::collections::btree_map::{BTreeMap, Entry};
use std::collections::BTreeSet;

use rusqlite::{params, Transaction};
use uuid::Uuid;

use super::db::{get_meta, set_meta};
use crate::conflict::Conflict;
use crate::engine::{Collection, GroupDoc, Touched};
use crate::error::Result;
use crate::model::{Assignment, EntryStatus, HourEntry, HourVerdict, Member, Need, Offer, Party};

pub(super) fn index_table(collection: Collection) -> Option<&'static str> {
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

/// How the index tables are derived from the document; a change here rebuilds every index.
pub(super) const INDEX_VERSION: &str = "2";

pub(super) fn reindex_all(tx: &Transaction<'_>, doc: &GroupDoc) -> Result<()> {
    let everything = Touched { group: true, actors: true, records: Default::default(), collections: Collection::ALL.into_iter().collect() };
    reindex(tx, doc, &everything)?;
    forget_conflicts(tx)?;
    set_meta(tx, "index_version", INDEX_VERSION)?;
    Ok(())
}

/// The meta key of the opening balances (`GroupDoc::opening`), as JSON.
pub(super) const OPENING: &str = "opening";
/// The meta key of when this generation of the record started (`GroupDoc::started_at`).
pub(super) const RECORD_STARTED: &str = "record_started";

/// Brings the index rows of the touched records in line with the document.
pub(super) fn reindex(tx: &Transaction<'_>, doc: &GroupDoc, touched: &Touched) -> Result<()> {
    if touched.group {
        // A group that cannot be read leaves the last good copy in place.
        if let Ok(group) = doc.group() {
            set_meta(tx, "group", &serde_json::to_string(&group).expect("serializable"))?;
        }
        // The seed writes the group, and the opening and its time with it.
        set_meta(tx, OPENING, &serde_json::to_string(&doc.opening()).expect("serializable"))?;
        if let Ok(started) = doc.started_at() {
            set_meta(tx, RECORD_STARTED, &started.to_rfc3339())?;
        }
    }
    // Read before the loop below indexes them.
    let added = added_members(tx, touched)?;
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
    // An empty index (a new member's first sync: the whole record at once) has no old rows to
    // delete first; skipping those three statements a record saved a third of the time.
    let mut empty: BTreeMap<Collection, bool> = BTreeMap::new();
    for (collection, id) in &records {
        let Some(table) = index_table(*collection) else { continue };
        let empty = match empty.entry(*collection) {
            Entry::Occupied(known) => *known.get(),
            Entry::Vacant(unknown) => *unknown.insert(index_is_empty(tx, *collection, table)?),
        };
        reindex_record(tx, doc, *collection, id, empty)?;
    }
    reindex_conflicts(tx, doc, touched, added.as_ref())
}

/// The members these writes created, if creating members is all they did to who is who;
/// `None` if they may have changed an existing member, a device or the group. A device bound,
/// even with a member joining, counts as a change: a binding can move a device that already
/// wrote to someone else (concurrent bindings, a device rebinding itself), and the engine does
/// not say which devices moved.
fn added_members(tx: &Transaction<'_>, touched: &Touched) -> rusqlite::Result<Option<BTreeSet<Uuid>>> {
    if touched.group || touched.actors || touched.collections.contains(&Collection::Members) {
        return Ok(None);
    }
    let mut added = BTreeSet::new();
    for (collection, id) in &touched.records {
        if *collection != Collection::Members {
            continue;
        }
        let known: i64 = tx.query_row("SELECT count(*) FROM members WHERE id = ?1", [id], |r| r.get(0))?;
        match id.parse() {
            Ok(id) if known == 0 => _ = added.insert(id),
            _ => return Ok(None),
        }
    }
    Ok(Some(added))
}

/// Whether writes that moved authority may change what stored conflicts read. Names and
/// devices appear on every side, so a change to an existing member or a device may; members
/// an organizer added name nobody yet, unless a stored conflict already points at one (a
/// record the index could not read before, or bytes a modified app wrote): as its record, the
/// author of a side, or the volunteer of an assignment on one.
fn renames_sides(touched: &Touched, stored: &[Conflict], added: Option<&BTreeSet<Uuid>>) -> bool {
    if !touched.moves_authority() {
        return false;
    }
    let Some(added) = added else { return true };
    let named = |id: Option<Uuid>| id.is_some_and(|id| added.contains(&id));
    stored.iter().any(|conflict| {
        named((conflict.collection == Collection::Members).then(|| conflict.record.parse().ok()).flatten())
            || conflict.sides.iter().any(|side| named(side.by) || named(side.value.get("volunteer").and_then(|v| v.as_str()?.parse().ok())))
    })
}

/// Finds again the open conflicts these writes can have made or settled. Writes that may have
/// changed what the stored sides read (`renames_sides`) or replaced a whole collection make the
/// index forget them all instead: the next read finds them (`Store::conflicts`), so a new
/// member's first sync does not pay for it.
fn reindex_conflicts(tx: &Transaction<'_>, doc: &GroupDoc, touched: &Touched, added: Option<&BTreeSet<Uuid>>) -> Result<()> {
    // The index is checked first: while it has forgotten them, a write costs nothing here.
    let Some(stored) = indexed_conflicts(tx)? else { return forget_conflicts(tx) };
    let Some(mut affected) = doc.affected(touched).filter(|_| !renames_sides(touched, &stored, added)) else { return forget_conflicts(tx) };
    // Two passes: a conflict widens what is found again, which may cover another stored one.
    for conflict in stored.iter().filter(|c| affected.covers(c)).collect::<Vec<_>>() {
        affected.include(conflict);
    }
    for conflict in stored.iter().filter(|c| affected.covers(c)) {
        tx.prepare_cached("DELETE FROM conflicts WHERE id = ?1")?.execute([conflict.id.to_string()])?;
    }
    store_conflicts(tx, &doc.conflicts_of(&affected))
}

/// The open conflicts the index holds, or `None` when it holds none that are current (or one
/// cannot be read: then they are found again in the document).
pub(super) fn indexed_conflicts(conn: &rusqlite::Connection) -> rusqlite::Result<Option<Vec<Conflict>>> {
    if get_meta(conn, "conflicts_indexed")?.is_none() {
        return Ok(None);
    }
    let mut stmt = conn.prepare_cached("SELECT json FROM conflicts")?;
    let rows: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(rows.iter().map(|json| serde_json::from_str(json).ok()).collect())
}

/// Adds `conflicts` to the index and marks it current.
pub(super) fn store_conflicts(tx: &Transaction<'_>, conflicts: &[Conflict]) -> Result<()> {
    for conflict in conflicts {
        tx.prepare_cached("INSERT OR REPLACE INTO conflicts (id, json) VALUES (?1, ?2)")?
            .execute([conflict.id.to_string(), serde_json::to_string(conflict).expect("serializable")])?;
    }
    set_meta(tx, "conflicts_indexed", "1")?;
    Ok(())
}

pub(super) fn forget_conflicts(tx: &Transaction<'_>) -> Result<()> {
    tx.execute("DELETE FROM conflicts", [])?;
    tx.execute("DELETE FROM meta WHERE key = 'conflicts_indexed'", [])?;
    Ok(())
}

fn index_is_empty(tx: &Transaction<'_>, collection: Collection, table: &str) -> rusqlite::Result<bool> {
    let rows: i64 = tx.query_row(&format!("SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)"), [], |r| r.get(0))?;
    let invalid: i64 =
        tx.query_row("SELECT count(*) FROM (SELECT 1 FROM invalid_records WHERE collection = ?1 LIMIT 1)", [collection.key()], |r| r.get(0))?;
    Ok(rows + invalid == 0)
}

/// Writes one record's index rows; `empty` when the collection has none yet to replace.
fn reindex_record(tx: &Transaction<'_>, doc: &GroupDoc, collection: Collection, id: &str, empty: bool) -> Result<()> {
    let Some(table) = index_table(collection) else { return Ok(()) };
    if !empty {
        if collection == Collection::Needs {
            tx.prepare_cached("DELETE FROM needs_text WHERE rowid = (SELECT rowid FROM needs WHERE id = ?1)")?.execute([id])?;
        }
        tx.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?.execute([id])?;
        tx.prepare_cached("DELETE FROM invalid_records WHERE collection = ?1 AND id = ?2")?.execute([collection.key(), id])?;
    }
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
    tx.prepare_cached("INSERT INTO hour_entries (id, from_member, to_party, quarters, status, created_at, category, json, from_no, to_no) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")?
        .execute(params![
            entry.id.to_string(),
            entry.from.to_string(),
            entry.to.to_string(),
            entry.hours.quarters(),
            status.as_str(),
            entry.created_at.timestamp_millis(),
            entry.category.map(|c| c.as_str()),
            serde_json::to_string(entry).expect("serializable"),
            party_no(tx, &Party::Member(entry.from))?,
            party_no(tx, &entry.to)?,
        ])?;
    Ok(())
}

/// The number `parties` gives a party (a new one the first time).
fn party_no(tx: &Transaction<'_>, party: &Party) -> rusqlite::Result<i64> {
    tx.prepare_cached("INSERT INTO parties (id) VALUES (?1) ON CONFLICT (id) DO UPDATE SET id = id RETURNING no")?.query_row([party.to_string()], |r| r.get(0))
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
pub(super) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conflict::{ConflictKind, Side};

    fn conflict(collection: Collection, record: Uuid, by: [Option<Uuid>; 2]) -> Conflict {
        let side = |by| Side { value: serde_json::Value::Null, assignment: None, entry: None, by, by_name: None, at: None };
        Conflict { id: Uuid::now_v7(), kind: ConflictKind::ConcurrentEdit, collection, record: record.to_string(), label: String::new(), field: None, sides: by.map(side).to_vec() }
    }

    #[test]
    fn only_members_added_leave_the_stored_conflicts_as_they_read() {
        let (ana, bea, eli) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let stored = [conflict(Collection::Needs, Uuid::now_v7(), [Some(ana), Some(bea)]), conflict(Collection::Members, bea, [Some(ana), None])];
        let adding = Touched { records: [(Collection::Members, eli.to_string())].into(), ..Touched::default() };
        let added = BTreeSet::from([eli]);
        assert!(!renames_sides(&adding, &stored, Some(&added)), "a member added");
        assert!(renames_sides(&adding, &stored, None), "an existing member, a device or the group changed");
        let named = [conflict(Collection::Needs, Uuid::now_v7(), [Some(ana), Some(eli)])];
        assert!(renames_sides(&adding, &named, Some(&added)), "a side already naming the new member");
        let about = [conflict(Collection::Members, eli, [Some(ana), Some(bea)])];
        assert!(renames_sides(&adding, &about, Some(&added)), "a conflict already about the new member");
        let mut assigned = conflict(Collection::Needs, Uuid::now_v7(), [Some(ana), Some(bea)]);
        assigned.sides[0].value = serde_json::json!({ "volunteer": eli.to_string(), "volunteer_name": null });
        assert!(renames_sides(&adding, &[assigned], Some(&added)), "an assignment on a side already for the new member");
        assert!(!renames_sides(&Touched::default(), &named, None), "authority untouched");
    }
}
