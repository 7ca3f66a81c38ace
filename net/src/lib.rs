//! The thin driver around `crdt-core`'s sync state machine: encrypted TCP channels, the sync
//! loop over one of them, the always-on hub that accepts many at once, and LAN discovery.
//!
//! Architecture invariant: no sync logic lives here. Frames are produced and consumed by
//! `crdt_core::SyncSession` through the `Store`; this crate only moves bytes, with a timeout
//! on every await and a bound on every buffer.

pub mod channel;
pub mod discovery;
pub mod hub;
pub mod session;

use std::sync::{Arc, Mutex, MutexGuard};

use crdt_core::Store;

pub use channel::{Channel, NetError};
pub use discovery::DiscoveryMode;
pub use hub::{serve, HubEvent, HubOptions};
pub use session::sync_over;

/// The device's store, shared by every connection. Held only between awaits, never across one.
pub type SharedStore = Arc<Mutex<Store>>;

pub fn shared(store: Store) -> SharedStore {
    Arc::new(Mutex::new(store))
}

fn lock(store: &SharedStore) -> MutexGuard<'_, Store> {
    // A panic elsewhere while holding the lock leaves SQLite consistent (transactions roll back).
    store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
