//! What the app holds while it runs: where its data lives, the device's store once there is a
//! group, how it meets other devices, and who it has seen nearby.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};

use aidmesh_net::{DiscoveryMode, SharedStore};
use chrono::{DateTime, Utc};
use crdt_core::{check_new_group, group_files, new_group_file, Collection, Conflict, DbKey, GroupOnDevice, Store, Uuid, FIRST_GROUP_FILE};

use crate::error::{AppError, AppResult};

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

/// The groups this device is in, each a store of its own (`crdt_core::group_files`), and the one
/// on screen.
#[derive(Default)]
struct Groups {
    open: Vec<SharedStore>,
    current: usize,
    /// Changes other devices brought to each group since it was last on screen.
    unread: Vec<usize>,
}

/// A group on this device as the group switcher shows it.
pub struct GroupEntry {
    pub store: SharedStore,
    pub current: bool,
    pub unread: usize,
}

pub struct App {
    pub data_dir: PathBuf,
    pub net: NetConfig,
    groups: Mutex<Groups>,
    /// Where the sync service listens, once it does.
    pub listening: Mutex<Option<std::net::SocketAddr>>,
    /// Members' devices discovery found, and when last.
    pub nearby: Mutex<BTreeMap<String, DateTime<Utc>>>,
    /// Open conflicts per record id of the group on screen, as of the last time they were
    /// computed (for list badges, which must not load the whole document).
    pub conflicts_by_record: Mutex<BTreeMap<String, usize>>,
    /// Why a group's database could not be opened (damaged, newer, wrong file), as the error's
    /// code and message; the file is left untouched and every command says so.
    unusable: Option<(&'static str, String)>,
    /// `AIDMESH_PASSPHRASE`, when the device's passphrase is given by its environment (kiosks,
    /// tests); otherwise the OS keyring keeps one per group, or the person types it.
    env_passphrase: Option<String>,
    /// Whether an OS keyring works here (asked once: it can take a moment).
    keyring: bool,
    /// Without a keyring, the passphrase typed to unlock or start the first group: every group on
    /// the device uses it, so one passphrase unlocks them all.
    typed: Mutex<Option<zeroize::Zeroizing<String>>>,
    /// Whether the sync service runs; it serves every group on the device.
    pub hub_started: AtomicBool,
    /// Tells the sync service to start again, with every group (one was added).
    pub hub_restart: tokio::sync::Notify,
}

impl App {
    /// Opens the device's groups if it is already in some and their passphrase is given by the
    /// environment (`AIDMESH_PASSPHRASE`) or the keyring; otherwise they wait for `unlock`.
    pub fn new(data_dir: PathBuf, net: NetConfig) -> App {
        App::with_passphrase(data_dir, net, std::env::var("AIDMESH_PASSPHRASE").ok().filter(|p| !p.is_empty()))
    }

    /// As `new`, with the passphrase the environment gives, if any (then none is ever asked for
    /// and the keyring is not used).
    pub fn with_passphrase(data_dir: PathBuf, net: NetConfig, env_passphrase: Option<String>) -> App {
        let keyring = env_passphrase.is_none() && aidmesh_keychain::available();
        let mut app = App {
            data_dir,
            net,
            groups: Mutex::default(),
            listening: Mutex::default(),
            nearby: Mutex::default(),
            conflicts_by_record: Mutex::default(),
            unusable: None,
            env_passphrase,
            keyring,
            typed: Mutex::default(),
            hub_started: AtomicBool::new(false),
            hub_restart: tokio::sync::Notify::new(),
        };
        match app.open_all(None) {
            Ok(opened) => *lock(&app.groups) = opened,
            // Locked: a passphrase is still to be typed.
            Err(AppError::Locked) => {}
            Err(e) => app.unusable = Some((e.code(), e.to_string())),
        }
        app
    }

    /// Every group's store, each opened with its key (`key_for`); `Locked` while one has no
    /// passphrase known yet.
    fn open_all(&self, typed: Option<&str>) -> AppResult<Groups> {
        let files = group_files(&self.data_dir)?;
        let mut open = Vec::new();
        for path in &files {
            let Some(passphrase) = self.known_passphrase(path, typed) else { return Err(AppError::Locked) };
            open.push(aidmesh_net::shared(Store::open(path, &DbKey::passphrase(&passphrase)?)?));
        }
        Ok(Groups { unread: vec![0; open.len()], open, current: 0 })
    }

    /// Whether the person must type the passphrase: a locked device the keyring did not open
    /// (its entry gone, or the passphrase was chosen by hand), or a first group with no keyring.
    /// A further group uses the passphrase the device was unlocked with.
    pub fn asks_passphrase(&self) -> bool {
        self.env_passphrase.is_none() && (self.is_locked() || (!self.keyring && self.shared_store().is_none()))
    }

    /// The device is in a group but has not unlocked it yet.
    pub fn is_locked(&self) -> bool {
        lock(&self.groups).open.is_empty() && self.data_dir.join(FIRST_GROUP_FILE).exists()
    }

    /// The passphrase of the group database at `path`: the environment's, else the one typed,
    /// else the keyring's (made and kept there for a new database).
    fn known_passphrase(&self, path: &Path, typed: Option<&str>) -> Option<String> {
        let remembered = lock(&self.typed).as_ref().map(|typed| typed.to_string());
        match (&self.env_passphrase, typed.filter(|t| !t.is_empty()).map(str::to_string).or(remembered)) {
            (Some(given), _) => Some(given.clone()),
            (None, Some(typed)) => Some(typed),
            (None, None) if !self.keyring => None,
            (None, None) if path.exists() => aidmesh_keychain::stored(path),
            (None, None) => aidmesh_keychain::create(path),
        }
    }

    /// Opens every group's database with the passphrase typed. A wrong one changes nothing.
    pub fn unlock(&self, passphrase: &str) -> AppResult<SharedStore> {
        self.check_usable()?;
        if !self.is_locked() {
            return self.store();
        }
        let opened = self.open_all(Some(passphrase))?;
        *lock(&self.groups) = opened;
        self.remember(passphrase.to_string());
        self.store()
    }

    /// Keeps a typed passphrase for the device's further groups (not one from the keyring or
    /// the environment, which give it again).
    fn remember(&self, passphrase: String) {
        if self.env_passphrase.is_none() && !self.keyring {
            *lock(&self.typed) = Some(zeroize::Zeroizing::new(passphrase));
        }
    }

    /// The group on screen, if the device is in one and it is unlocked.
    pub fn shared_store(&self) -> Option<SharedStore> {
        let groups = lock(&self.groups);
        groups.open.get(groups.current).cloned()
    }

    /// Every group's store, in the order of their files.
    pub fn all_stores(&self) -> Vec<SharedStore> {
        lock(&self.groups).open.clone()
    }

    /// The group on screen, or "unlock first", or "start or join a group first".
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

    /// Adds a group to the device with `make` (a new group, or a join) in a database of its
    /// own, and puts it on screen. `id` and `name` say which group it is, as far as known: a
    /// device is in a group once, and groups are told apart by name.
    pub fn adopt(&self, id: Option<Uuid>, name: Option<&str>, typed: Option<&str>, make: impl FnOnce(&Path, &DbKey) -> AppResult<Store>) -> AppResult<SharedStore> {
        self.check_usable()?;
        if self.is_locked() {
            return Err(AppError::Locked);
        }
        let on_device = self.all_stores().iter().map(|store| GroupOnDevice::of(&lock(store))).collect::<crdt_core::Result<Vec<_>>>()?;
        check_new_group(&on_device, id, name)?;
        let path = new_group_file(&self.data_dir);
        let folder = path.parent().unwrap_or(&self.data_dir);
        std::fs::create_dir_all(folder).map_err(|e| AppError::Io(format!("cannot create {}: {e}", folder.display())))?;
        let passphrase = self.known_passphrase(&path, typed).unwrap_or_default();
        let store = aidmesh_net::shared(make(&path, &DbKey::passphrase(&passphrase)?)?);
        self.remember(passphrase);
        let mut groups = lock(&self.groups);
        groups.open.push(store.clone());
        groups.unread.push(0);
        groups.current = groups.open.len() - 1;
        Ok(store)
    }

    /// Puts the group `id` on screen; its changes count as read.
    pub fn switch_to(&self, id: Uuid) -> AppResult<SharedStore> {
        // Each store is locked with the list let go: a long sync of one must not hold up the rest.
        let place = self.all_stores().iter().position(|store| lock(store).group_id() == id);
        let place = place.ok_or(AppError::Core(crdt_core::Error::NotFound { kind: "group", id: id.to_string() }))?;
        let mut groups = lock(&self.groups);
        groups.current = place;
        groups.unread[place] = 0;
        Ok(groups.open[place].clone())
    }

    /// Counts `changes` a sync brought to `store`'s group as unread, unless it is on screen.
    pub fn note_unread(&self, store: &SharedStore, changes: usize) {
        let mut groups = lock(&self.groups);
        if let Some(place) = place_of(&groups.open, store).filter(|place| *place != groups.current) {
            groups.unread[place] += changes;
        }
    }

    /// Runs `f` on two groups' stores, locked in the order of their places, as carrying
    /// referrals locks them (`aidmesh_net::carry_referrals_from`), so neither waits on the other.
    pub fn with_two<T>(&self, a: &SharedStore, b: &SharedStore, f: impl FnOnce(&mut Store, &mut Store) -> T) -> T {
        let places = self.all_stores();
        if place_of(&places, a) < place_of(&places, b) {
            let (mut a, mut b) = (lock(a), lock(b));
            f(&mut a, &mut b)
        } else {
            let (mut b, mut a) = (lock(b), lock(a));
            f(&mut a, &mut b)
        }
    }

    /// Every group with whether it is on screen and its unread changes.
    pub fn group_entries(&self) -> Vec<GroupEntry> {
        let groups = lock(&self.groups);
        groups.open.iter().enumerate().map(|(place, store)| GroupEntry { store: store.clone(), current: place == groups.current, unread: groups.unread[place] }).collect()
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

/// Where `store` stands among the device's groups.
pub fn place_of(groups: &[SharedStore], store: &SharedStore) -> Option<usize> {
    groups.iter().position(|open| std::sync::Arc::ptr_eq(open, store))
}

/// A poisoned lock still guards consistent data: SQLite rolls back what a panic interrupted.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
