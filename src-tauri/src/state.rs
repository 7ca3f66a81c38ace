//! What the app holds while it runs: where its data lives, the device's store once there is a
//! group, how it meets other devices, and who it has seen nearby.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use aidmesh_net::{DiscoveryMode, SharedStore};
use chrono::{DateTime, Utc};
use crdt_core::{Collection, Conflict, DbKey, Store};

use crate::error::{AppError, AppResult};

/// The database's name inside the data directory; the CLI uses the same, so both can share one.
const DATABASE: &str = "aidmesh.db";
/// Where the app accepts syncs unless `AIDMESH_LISTEN` says otherwise (the CLI hub's default too).
const DEFAULT_LISTEN: &str = "0.0.0.0:7370";

/// How this device meets others, from the environment:
/// - `AIDMESH_LISTEN`: address to accept syncs on (default `0.0.0.0:7370`);
/// - `AIDMESH_DISCOVERY`: `off` (default), `loopback` (private network namespaces only) or
///   `lan`. Off by default so that no run multicasts on a network nobody chose.
pub struct NetConfig {
    pub listen: String,
    pub discovery: DiscoveryMode,
}

impl NetConfig {
    pub fn from_env() -> Result<NetConfig, String> {
        let listen = std::env::var("AIDMESH_LISTEN").unwrap_or_else(|_| DEFAULT_LISTEN.into());
        let discovery = match std::env::var("AIDMESH_DISCOVERY") {
            Ok(mode) => mode.parse()?,
            Err(_) => DiscoveryMode::Off,
        };
        Ok(NetConfig { listen, discovery })
    }
}

pub struct App {
    pub data_dir: PathBuf,
    pub net: NetConfig,
    store: Mutex<Option<SharedStore>>,
    /// Where the sync service listens, once it does.
    pub listening: Mutex<Option<std::net::SocketAddr>>,
    /// Members' devices discovery found, and when last.
    pub nearby: Mutex<BTreeMap<String, DateTime<Utc>>>,
    /// Open conflicts per record id, as of the last time they were computed (for list badges,
    /// which must not load the whole document).
    pub conflicts_by_record: Mutex<BTreeMap<String, usize>>,
    /// Why the device's database could not be opened (damaged, newer, wrong file), as the error's
    /// code and message; the file is left untouched and every command says so.
    unusable: Option<(&'static str, String)>,
    /// `AIDMESH_PASSPHRASE`, when the device's passphrase is given by its environment (kiosks,
    /// tests); otherwise the OS keyring keeps it, or the person types it.
    env_passphrase: Option<String>,
    /// Whether an OS keyring works here (asked once: it can take a moment).
    keyring: bool,
}

impl App {
    /// Opens the device's store if this device is already in a group and its passphrase is
    /// given by the environment (`AIDMESH_PASSPHRASE`) or the keyring; otherwise the store waits
    /// for `unlock`.
    pub fn new(data_dir: PathBuf, net: NetConfig) -> App {
        App::with_passphrase(data_dir, net, std::env::var("AIDMESH_PASSPHRASE").ok().filter(|p| !p.is_empty()))
    }

    /// As `new`, with the passphrase the environment gives, if any (then none is ever asked for
    /// and the keyring is not used).
    pub fn with_passphrase(data_dir: PathBuf, net: NetConfig, env_passphrase: Option<String>) -> App {
        let path = data_dir.join(DATABASE);
        let keyring = env_passphrase.is_none() && aidmesh_keychain::available();
        let known = env_passphrase.clone().or_else(|| keyring.then(|| aidmesh_keychain::stored(&path)).flatten());
        let opened = known.filter(|_| path.exists()).map(|p| Store::open(&path, &DbKey::passphrase(&p)?));
        let (store, unusable) = match opened {
            None => (None, None),
            Some(Ok(store)) => (Some(aidmesh_net::shared(store)), None),
            Some(Err(e)) => {
                let e = AppError::from(e);
                (None, Some((e.code(), e.to_string())))
            }
        };
        let store = Mutex::new(store);
        let (listening, nearby, conflicts_by_record) = Default::default();
        App { data_dir, net, store, listening, nearby, conflicts_by_record, unusable, env_passphrase, keyring }
    }

    /// Whether the person must type the passphrase: no keyring, or a locked database the
    /// keyring did not open (its entry gone, or the passphrase was chosen by hand).
    pub fn asks_passphrase(&self) -> bool {
        self.env_passphrase.is_none() && (!self.keyring || self.is_locked())
    }

    /// A database exists but has not been unlocked yet.
    pub fn is_locked(&self) -> bool {
        self.shared_store().is_none() && self.database_path().exists()
    }

    /// The database key: the environment's passphrase, else the one typed, else the keyring's
    /// (made and kept there for a new database).
    pub fn key(&self, typed: Option<&str>) -> AppResult<DbKey> {
        let path = self.database_path();
        let passphrase = match (&self.env_passphrase, typed.filter(|t| !t.is_empty())) {
            (Some(given), _) => Some(given.clone()),
            (None, Some(typed)) => Some(typed.to_string()),
            (None, None) if !self.keyring => None,
            (None, None) if path.exists() => aidmesh_keychain::stored(&path),
            (None, None) => aidmesh_keychain::create(&path),
        };
        Ok(DbKey::passphrase(passphrase.as_deref().unwrap_or_default())?)
    }

    /// Opens the existing database with the passphrase typed. A wrong one changes nothing.
    pub fn unlock(&self, passphrase: &str) -> AppResult<SharedStore> {
        self.check_usable()?;
        let mut slot = lock(&self.store);
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let store = aidmesh_net::shared(Store::open(&self.database_path(), &self.key(Some(passphrase))?)?);
        *slot = Some(store.clone());
        Ok(store)
    }

    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(DATABASE)
    }

    pub fn shared_store(&self) -> Option<SharedStore> {
        lock(&self.store).clone()
    }

    /// The store, or "unlock first", or "start or join a group first".
    pub fn store(&self) -> AppResult<SharedStore> {
        self.check_usable()?;
        match self.shared_store() {
            Some(store) => Ok(store),
            None if self.is_locked() => Err(AppError::Locked),
            None => Err(AppError::NoGroup),
        }
    }

    pub fn check_usable(&self) -> AppResult<()> {
        match &self.unusable {
            Some((code, message)) => Err(AppError::Unusable { code, message: message.clone() }),
            None => Ok(()),
        }
    }

    /// Creates the device's store with `make` (a new group, or a join), once.
    pub fn adopt(&self, make: impl FnOnce(&Path) -> AppResult<Store>) -> AppResult<SharedStore> {
        self.check_usable()?;
        let mut slot = lock(&self.store);
        if slot.is_some() || self.database_path().exists() {
            return Err(AppError::AlreadyInGroup);
        }
        std::fs::create_dir_all(&self.data_dir).map_err(|e| AppError::Io(format!("cannot create {}: {e}", self.data_dir.display())))?;
        let store = aidmesh_net::shared(make(&self.database_path())?);
        *slot = Some(store.clone());
        Ok(store)
    }
}

impl App {
    /// Counts open conflicts per need (an assignment's conflict counts for its need), for the
    /// badges on the needs list, which reads the index only.
    pub fn remember_conflicts(&self, store: &Store, conflicts: &[Conflict]) -> AppResult<()> {
        let need_of: HashMap<String, String> = store.assignments(None, None)?.into_iter().map(|a| (a.id.to_string(), a.need.to_string())).collect();
        let mut counts = BTreeMap::new();
        for c in conflicts {
            let record = match c.collection {
                Collection::Assignments => need_of.get(&c.record).cloned().unwrap_or_else(|| c.record.clone()),
                _ => c.record.clone(),
            };
            *counts.entry(record).or_default() += 1;
        }
        *lock(&self.conflicts_by_record) = counts;
        Ok(())
    }
}

/// A poisoned lock still guards consistent data: SQLite rolls back what a panic interrupted.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
