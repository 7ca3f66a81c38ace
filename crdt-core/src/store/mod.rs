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
//!
//! `mod.rs` opens, creates and unlocks the file and keeps the device's identity and keys;
//! `write.rs` is the write path; `queries.rs` the reads from the index; `index.rs` derives it.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{params, Connection, OpenFlags, Transaction};
use serde::Serialize;
use uuid::Uuid;

use crate::engine::GroupDoc;
use crate::error::{Error, Result};
use crate::invite::{Invite, InvitedRecord};
use crate::model::{Category, EntryStatus, NeedStatus, NewMember, OfferStatus, Party, Urgency};
use crate::secret::{DeviceKey, EpochSecret, GroupSecret};
use crate::signing::{Signatures, Signer};
use crate::sync::Generation;
use crate::validation::{check_text, Field, ValidationError, MAX_TITLE};

mod db;
mod generations;
mod groups;
mod import;
mod index;
mod meeting;
mod privacy;
mod queries;
mod referrals;
mod write;

use db::{classify, current_generation, get_meta, insert_chunk, insert_signatures, set_meta, GENERATION_SEED};
use index::reindex_all;
pub use groups::{check_new_group, choose_group, group_files, new_group_file, GroupOnDevice, FIRST_GROUP_FILE};
pub use generations::RenewalPreview;
pub use import::{ImportProgress, Imported, NeedToImport};
pub use privacy::Upkeep;
pub use referrals::carry_referrals;

/// The schema this build writes. `MIGRATIONS[n]` takes a database from version n to n + 1.
pub const SCHEMA_VERSION: i64 = 9;
const MIGRATIONS: &[&str] = &[
    include_str!("schema_v1.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql"),
    include_str!("schema_v5.sql"),
    include_str!("schema_v6.sql"),
    include_str!("schema_v7.sql"),
    include_str!("schema_v8.sql"),
    include_str!("schema_v9.sql"),
];

pub struct Store {
    path: PathBuf,
    conn: Connection,
    /// Signs this device's changes; its public half is the device's actor id.
    signer: Signer,
    device: DeviceKey,
    /// The current group secret, and its epoch.
    secret: GroupSecret,
    epoch: u32,
    group_id: Uuid,
    /// The member this device acts for; `None` on a device that joined but has not synced yet.
    me: Option<Uuid>,
    doc: Option<GroupDoc>,
    /// Which generation of the record `doc` is, and an older one while a meeting syncs it.
    generation: Generation,
    archive: Option<(Generation, GroupDoc)>,
    /// The highest chunk id already applied to `doc`.
    loaded_up_to: i64,
    chunks_since_snapshot: i64,
    /// Failures after a write was committed: the write stands (`Store::take_warnings`).
    warnings: Vec<Error>,
    /// The key upkeep after an action failed, so the next action tends every need.
    upkeep_owed: bool,
    /// SQLCipher's raw key, so a second connection can read beside the first (`reader`)
    /// without deriving it again (Argon2 takes tens of milliseconds on purpose).
    raw_key: RawKey,
}

type RawKey = zeroize::Zeroizing<String>;

/// A device this one has synced with.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
        let signer = Signer::generate();
        let device = DeviceKey::generate();
        let now = Utc::now();
        let (mut doc, member) = GroupDoc::create(signer.actor(), group_name, founder, now)?;
        doc.add_device(member.id, &device.id(), now)?;
        let group_id = doc.group()?.id;
        let founding: Signatures = doc.take_unsaved().made_here.iter().map(|hash| (*hash, signer.sign(group_id, hash))).collect();
        let identity = Identity { signer, device, secret: GroupSecret::generate(), epoch: 0, group_id, member: Some(member.id), join_name: None };
        build(path, key, &identity, Some((&doc, &founding)), None)?;
        let mut store = Store::open(path, key)?;
        store.make_organizer_key()?;
        Ok(store)
    }

    /// Creates the database of a device joining a group by invite. It holds no record until its
    /// first sync (or bundle); then the device adds itself as a volunteer named `name`.
    pub fn join(path: &Path, key: &DbKey, invite: &Invite, name: &str) -> Result<Store> {
        refuse_existing(path)?;
        check_text(Field::YourName, name, MAX_TITLE)?;
        let identity = Identity {
            signer: Signer::generate(),
            device: DeviceKey::generate(),
            secret: invite.secret.clone(),
            epoch: invite.epoch,
            group_id: invite.group,
            member: None,
            join_name: Some(name.trim().to_string()),
        };
        build(path, key, &identity, None, invite.record.as_ref())?;
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
        let (mut conn, raw_key) = unlock(path, key).map_err(|e| match e {
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
        let generation = current_generation(&conn).map_err(|e| corrupt(e.to_string()))?;
        Ok(Store {
            path: path.to_path_buf(),
            conn,
            signer: identity.signer,
            device: identity.device,
            secret: identity.secret,
            epoch: identity.epoch,
            group_id: identity.group_id,
            me: identity.member,
            doc: None,
            generation,
            archive: None,
            loaded_up_to: 0,
            chunks_since_snapshot: 0,
            warnings: Vec::new(),
            upkeep_owed: false,
            raw_key,
        })
    }

    /// A plain SQLite connection to an encrypted database, unlocked with its key: for tests and
    /// repair tools that must look below the store. Nothing else should write through it.
    pub fn unlocked_connection(path: &Path, key: &DbKey) -> Result<Connection> {
        let (conn, _) = unlock(path, key)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)?;
        Ok(conn)
    }

    /// A second, read-only connection to this store's file, for reading beside the first on
    /// another thread.
    fn reader(path: &Path, raw_key: &RawKey) -> Result<Connection> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        DbKey::apply_raw(&conn, raw_key)?;
        conn.pragma_update(None, "cache_size", -16384)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
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

    /// The group secret this device uses now, with its epoch.
    fn current_secret(&self) -> EpochSecret {
        EpochSecret { epoch: self.epoch, secret: self.secret.clone() }
    }

    /// Every group secret this device holds, the current one included: what a device that has
    /// not yet learned of a removal still uses.
    fn held_secrets(&self) -> Result<Vec<EpochSecret>> {
        let mut stmt = self.conn.prepare_cached("SELECT epoch, secret FROM epoch_secrets ORDER BY epoch DESC")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        let mut secrets = Vec::new();
        for row in rows {
            let (epoch, bytes) = row?;
            let bytes = bytes.try_into().map_err(|_| Error::Corrupt { path: self.path.clone(), detail: "a group secret has the wrong length".into() })?;
            secrets.push(EpochSecret { epoch, secret: GroupSecret::from_bytes(bytes) });
        }
        Ok(secrets)
    }

    pub fn group_id(&self) -> Uuid {
        self.group_id
    }

    /// An invite to this group; `address` is where this device can be reached, if known.
    pub fn invite(&self, address: Option<String>) -> Result<Invite> {
        if let Some(address) = &address {
            crate::invite::check_address(address)?;
        }
        let record = match get_meta(&self.conn, GENERATION_SEED)? {
            Some(seed) if self.generation.depth > 0 => Some(InvitedRecord { id: self.generation.id.clone(), depth: self.generation.depth, seed }),
            _ => None,
        };
        Ok(Invite { group: self.group_id, secret: self.secret.clone(), epoch: self.epoch, address, record })
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
        let hex = key.raw_hex(&rand::random());
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
fn unlock(path: &Path, key: &DbKey) -> Result<(Connection, RawKey)> {
    // SQLCipher keeps the file's random salt in its first 16 bytes, unencrypted.
    let mut salt = [0u8; SALT_LEN];
    std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read_exact(&mut file, &mut salt))
        .map_err(|source| Error::Io { context: format!("cannot read {}", path.display()), source })?;
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    let raw_key = key.raw_hex(&salt);
    DbKey::apply_raw(&conn, &raw_key)?;
    Ok((conn, raw_key))
}

/// The key to the device database, from a passphrase (or a random one kept in the OS keyring).
/// The whole file is encrypted with SQLCipher under a key that Argon2id derives from it, with
/// the file's own random salt.
pub struct DbKey(zeroize::Zeroizing<String>);

impl DbKey {
    pub fn passphrase(passphrase: &str) -> Result<DbKey> {
        if passphrase.is_empty() {
            return Err(ValidationError::Empty(Field::Passphrase).into());
        }
        Ok(DbKey(zeroize::Zeroizing::new(passphrase.to_string())))
    }

    fn apply_raw(conn: &Connection, hex: &RawKey) -> rusqlite::Result<()> {
        // A wrong key is reported as an error of ours; SQLCipher's own log would only add noise.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        conn.execute_batch(&zeroize::Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", hex.as_str())))
    }

    /// The raw key SQLCipher takes, in hex: Argon2id of the passphrase with the file's salt, then
    /// the salt itself. SQLCipher uses both as given, with no key derivation of its own.
    fn raw_hex(&self, salt: &[u8; SALT_LEN]) -> RawKey {
        let mut raw = zeroize::Zeroizing::new([0u8; 32]);
        argon2::Argon2::default().hash_password_into(self.0.as_bytes(), salt, raw.as_mut()).expect("32-byte output and a 16-byte salt are valid");
        zeroize::Zeroizing::new(format!("{}{}", data_encoding::HEXLOWER.encode(raw.as_ref()), data_encoding::HEXLOWER.encode(salt)))
    }
}

impl std::fmt::Debug for DbKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbKey(…)")
    }
}

/// Who this device is, kept in `meta`: never in the shared record.
struct Identity {
    signer: Signer,
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
        set_meta(tx, "signing_key", &data_encoding::HEXLOWER.encode(&self.signer.private_bytes()))?;
        set_meta(tx, "device_key", &data_encoding::HEXLOWER.encode(&self.device.private_bytes()))?;
        tx.execute("INSERT INTO epoch_secrets (secret, epoch, current) VALUES (?1, ?2, 1)", params![&self.secret.as_bytes()[..], self.epoch])?;
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
        let (epoch, secret): (u32, Vec<u8>) = conn
            .query_row("SELECT epoch, secret FROM epoch_secrets WHERE current = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|_| "this device's group secret is missing".to_string())?;
        if get("signing_key")?.is_none() {
            return Err("it was made by an aidmesh from before changes were signed; make the group again with this version".into());
        }
        Ok(Identity {
            signer: Signer::from_bytes(&bytes32("signing_key")?),
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
/// A new database for `identity`, holding the founding `doc`, or nothing yet (a device joining:
/// `record` is the renewed record its invite vouches for).
fn build(path: &Path, key: &DbKey, identity: &Identity, doc: Option<(&GroupDoc, &Signatures)>, record: Option<&InvitedRecord>) -> Result<()> {
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    {
        let mut conn = Connection::open(&partial)?;
        DbKey::apply_raw(&conn, &key.raw_hex(&rand::random()))?;
        // Lets compaction hand freed pages back to the filesystem (set before any table).
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        configure(&conn)?;
        migrate(&mut conn, 0)?;
        let tx = conn.transaction()?;
        identity.write(&tx)?;
        if let Some((doc, signatures)) = doc {
            insert_chunk(&tx, true, &doc.save())?;
            insert_signatures(&tx, signatures)?;
            reindex_all(&tx, doc)?;
        }
        if let Some(InvitedRecord { id, depth, seed }) = record {
            set_meta(&tx, "generation", id)?;
            set_meta(&tx, "generation_depth", &depth.to_string())?;
            set_meta(&tx, GENERATION_SEED, seed)?;
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
    // 16 MiB of decrypted pages (SQLite's default is 2): a search touches rows all over the
    // needs table, and re-decrypting them on each keystroke took the search list over 10 ms.
    conn.pragma_update(None, "cache_size", -16384)?;
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
