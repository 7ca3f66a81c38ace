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

/// Carries referrals between the group at `synced` and every other group in `groups`
/// (`crdt_core::carry_referrals`), after that group synced. Locks two stores at a time, the
/// lower place first, so two carriers never wait on each other. Returns how many records it wrote.
pub fn carry_referrals_from(groups: &[SharedStore], synced: usize) -> crdt_core::Result<usize> {
    let mut carried = 0;
    for other in (0..groups.len()).filter(|other| *other != synced) {
        let (low, high) = (synced.min(other), synced.max(other));
        let (mut first, mut second) = (lock(&groups[low]), lock(&groups[high]));
        carried += crdt_core::carry_referrals(&mut first, &mut second)?;
    }
    Ok(carried)
}

fn lock(store: &SharedStore) -> MutexGuard<'_, Store> {
    // A panic elsewhere while holding the lock leaves SQLite consistent (transactions roll back).
    store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
