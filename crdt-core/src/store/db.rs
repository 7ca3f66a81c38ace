//! The few SQL helpers every part of the store shares: the `meta` table, the chunks, and how
//! SQLite's errors are told to the person.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::Error;

/// SQLite's "damaged" errors become `Corrupt`, which promises the file was left alone.
pub(super) fn classify(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            Error::Corrupt { path: path.to_path_buf(), detail: e.to_string() }
        }
        _ => Error::Sqlite(e),
    }
}

pub(super) fn get_meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()
}

pub(super) fn set_meta(tx: &Transaction<'_>, key: &str, value: &str) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?.execute([key, value])?;
    Ok(())
}

pub(super) fn insert_chunk(tx: &Transaction<'_>, snapshot: bool, data: &[u8]) -> rusqlite::Result<i64> {
    tx.prepare_cached("INSERT INTO chunks (snapshot, data) VALUES (?1, ?2)")?.execute(params![snapshot, data])?;
    Ok(tx.last_insert_rowid())
}

pub(super) fn chunks_after(conn: &Connection, id: i64) -> rusqlite::Result<Vec<(i64, Vec<u8>)>> {
    let mut stmt = conn.prepare_cached("SELECT id, data FROM chunks WHERE id > ?1 ORDER BY id")?;
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}
