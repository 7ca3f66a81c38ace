//! The few SQL helpers every part of the store shares: the `meta` table, the chunks and their
//! signatures, and how
//! SQLite's errors are told to the person.

use std::path::Path;

use automerge::ChangeHash;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::error::Error;
use crate::signing::Signatures;
use crate::sync::Generation;

/// SQLite's "damaged" errors become `Corrupt`, which promises the file was left alone.
pub(super) fn classify(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            Error::Corrupt { path: path.to_path_buf(), detail: e.to_string() }
        }
        _ => Error::Sqlite(e),
    }
}

/// The `meta` key naming the seed of the record this device works on (a renewed one): what an
/// invite vouches for, and what a device that joined by such an invite takes unsigned.
pub(super) const GENERATION_SEED: &str = "generation_seed";

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

pub(super) fn insert_signatures(tx: &Transaction<'_>, signatures: &Signatures) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached("INSERT OR IGNORE INTO signatures (hash, signature) VALUES (?1, ?2)")?;
    for (hash, signature) in signatures {
        stmt.execute(params![&hash.0[..], &signature[..]])?;
    }
    Ok(())
}

/// The signatures of `hashes`, every one of which this device must hold: it keeps a signature
/// for every change it has.
pub(super) fn signatures_of(conn: &Connection, path: &Path, hashes: &[ChangeHash]) -> Result<Signatures, Error> {
    let mut stmt = conn.prepare_cached("SELECT signature FROM signatures WHERE hash = ?1")?;
    let mut out = Signatures::new();
    for hash in hashes {
        let signature: Option<Vec<u8>> = stmt.query_row([&hash.0[..]], |r| r.get(0)).optional()?;
        let signature = signature.and_then(|s| <[u8; 64]>::try_from(s).ok());
        let signature = signature.ok_or_else(|| Error::Corrupt { path: path.to_path_buf(), detail: format!("change {hash} has no signature") })?;
        out.insert(*hash, signature);
    }
    Ok(out)
}

/// The generation of the record in `chunks`: the first one (no id, depth 0) until a renewal.
pub(super) fn current_generation(conn: &Connection) -> rusqlite::Result<Generation> {
    let depth = get_meta(conn, "generation_depth")?.and_then(|depth| depth.parse().ok()).unwrap_or(0);
    Ok(Generation { id: get_meta(conn, "generation")?.unwrap_or_default(), depth })
}
