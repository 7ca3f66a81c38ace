//! The sync service: the hub that accepts members' devices (and syncs with the ones discovery
//! finds) in the background, one-off syncs by address, and the events that tell the UI.

use std::sync::atomic::Ordering;
use std::time::Duration;

use aidmesh_net::{Channel, HubEvent, HubOptions, SharedStore};
use chrono::Utc;
use crdt_core::{Conflict, Digest, Progress, Store};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use ts_rs::TS;

use crate::error::{AppError, AppResult};
use crate::state::{lock, place_of, App};

pub const DATA_CHANGED: &str = "data-changed";
pub const SYNC_PROGRESS: &str = "sync-progress";
pub const SYNC_DIGEST: &str = "sync-digest";
pub const PEER_FOUND: &str = "peer-found";
pub const PEER_LOST: &str = "peer-lost";
pub const CONFLICT_APPEARED: &str = "conflict-appeared";
/// How far an import being applied has got.
pub const IMPORT_PROGRESS: &str = "import-progress";
/// Something failed after a change was saved: the change stands, the person should know.
pub const WARNING: &str = "warning";

/// A device discovery has not seen for this long is no longer nearby.
const NEARBY_FOR: Duration = Duration::from_secs(120);

/// Why the record changed.
#[derive(Serialize, Clone, Copy, Debug, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReason {
    /// This device's own action.
    Local,
    Sync,
    Bundle,
    /// The privacy rules shredded or granted keys.
    Upkeep,
    /// The sync service started listening (the status shows where).
    Listening,
}

#[derive(Serialize, Clone, TS)]
pub struct DataChangedEvent {
    pub reason: ChangeReason,
}

#[derive(Serialize, Clone, Copy, Debug, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Connecting,
    Syncing,
    Done,
    Failed,
}

#[derive(Serialize, Clone, TS)]
pub struct SyncProgressEvent {
    pub address: Option<String>,
    pub peer: Option<String>,
    pub phase: SyncPhase,
    pub progress: Progress,
    pub message: Option<String>,
}

#[derive(Serialize, Clone, TS)]
pub struct SyncDigestEvent {
    pub address: Option<String>,
    pub peer: String,
    pub peer_name: Option<String>,
    pub digest: Digest,
}

#[derive(Serialize, Clone, TS)]
pub struct PeerEvent {
    pub address: String,
}

#[derive(Serialize, Clone, TS)]
pub struct ConflictAppearedEvent {
    pub count: usize,
    pub conflicts: Vec<Conflict>,
}

/// Tells the UI that the record changed, so visible lists reload: the UI's one reload path.
pub fn data_changed<R: Runtime>(app: &AppHandle<R>, reason: ChangeReason) {
    let _ = app.emit(DATA_CHANGED, DataChangedEvent { reason });
}

/// Shows what failed after changes were saved (`Store::take_warnings`): as warnings, since the
/// changes stand and doing them again would do them twice.
pub fn warn<R: Runtime>(app: &AppHandle<R>, warnings: Vec<crdt_core::Error>) {
    for warning in warnings {
        eprintln!("aidmesh: {warning}");
        let _ = app.emit(WARNING, AppError::from(warning).body());
    }
}

/// After a sync or an imported bundle: any warnings, the digest, fresh lists, and any conflicts it brought.
pub fn report_digest<R: Runtime>(app: &AppHandle<R>, store: &SharedStore, reason: ChangeReason, peer: &str, address: Option<&str>, digest: &Digest) {
    let (peer_name, warnings) = {
        let mut store = lock(store);
        let peer_name = store.peers().ok().and_then(|peers| peers.into_iter().find(|p| p.device == peer).and_then(|p| p.member));
        (peer_name, store.take_warnings())
    };
    warn(app, warnings);
    app.state::<App>().note_unread(store, digest.records());
    let event = SyncDigestEvent { address: address.map(String::from), peer: peer.to_string(), peer_name, digest: digest.clone() };
    let _ = app.emit(SYNC_DIGEST, event);
    if !digest.is_empty() {
        // Conflicts come only from what others did: count them again for the list badges first,
        // which are the group on screen's.
        let state = app.state::<App>();
        if state.shared_store().is_some_and(|on_screen| std::sync::Arc::ptr_eq(&on_screen, store)) {
            if let Err(e) = recount_conflicts(&state, store) {
                eprintln!("aidmesh: could not count conflicts: {e}");
            }
        }
        data_changed(app, reason);
    }
    if !digest.conflicts.is_empty() {
        let _ = app.emit(CONFLICT_APPEARED, ConflictAppearedEvent { count: digest.conflicts.len(), conflicts: digest.conflicts.clone() });
    }
}

/// Every open conflict, remembered per need for the list badges.
pub fn recount_conflicts(state: &App, store: &SharedStore) -> AppResult<Vec<Conflict>> {
    let mut store = lock(store);
    let conflicts = store.conflicts()?;
    state.remember_conflicts(&store, &conflicts)?;
    Ok(conflicts)
}

/// Starts the hub in the background, for every group on the device: listens for members'
/// devices, and syncs with the ones discovery finds (when discovery is on). Called again once a
/// group is added, it starts over with every group. Failing to listen is reported, not fatal:
/// syncs by address and bundles still work.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<App>();
    if state.hub_started.swap(true, Ordering::SeqCst) {
        state.hub_restart.notify_one();
        return;
    }
    spawn_upkeep(app.clone());
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = handle.state::<App>();
        loop {
            let listener = match tokio::net::TcpListener::bind(&state.net.listen).await {
                Ok(listener) => listener,
                Err(e) => {
                    eprintln!("aidmesh: cannot listen on {}: {e}; syncs by address and bundles still work", state.net.listen);
                    return;
                }
            };
            let options = HubOptions { discovery: state.net.discovery, max_connections: 16, run_for: None };
            let groups = state.all_stores();
            let events = {
                let (handle, groups) = (handle.clone(), groups.clone());
                move |event: HubEvent| on_hub_event(&handle, &groups, event)
            };
            if let Err(e) = aidmesh_net::serve(groups, listener, options, state.hub_restart.notified(), events).await {
                eprintln!("aidmesh: the sync service stopped: {e}");
                return;
            }
        }
    });
    spawn_nearby_expiry(app.clone());
}

/// Carries referrals between `synced`'s group and the device's other groups, and has the lists
/// reload if that wrote anything.
pub fn carry_referrals<R: Runtime>(app: &AppHandle<R>, synced: &SharedStore) {
    let groups = app.state::<App>().all_stores();
    let Some(place) = place_of(&groups, synced) else { return };
    match tokio::task::block_in_place(|| aidmesh_net::carry_referrals_from(&groups, place)) {
        Ok(0) => {}
        Ok(_) => data_changed(app, ChangeReason::Sync),
        Err(e) => warn(app, vec![e]),
    }
}

/// How often the privacy rules run while the app is open (they also run after every action
/// and sync): contact details are shredded on the day they expire even on an idle device.
const UPKEEP_EVERY: Duration = Duration::from_secs(3600);

fn spawn_upkeep<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut ticks = tokio::time::interval(UPKEEP_EVERY);
        loop {
            ticks.tick().await;
            for store in app.state::<App>().all_stores() {
                let (done, warnings) = tokio::task::block_in_place(|| {
                    let mut store = lock(&store);
                    (store.upkeep(Utc::now()), store.take_warnings())
                });
                warn(&app, warnings);
                match done {
                    Ok(done) if done != Default::default() => data_changed(&app, ChangeReason::Upkeep),
                    Ok(_) => {}
                    Err(e) => eprintln!("aidmesh: could not apply the privacy rules: {e}"),
                }
            }
        }
    });
}

fn on_hub_event<R: Runtime>(app: &AppHandle<R>, groups: &[SharedStore], event: HubEvent) {
    let state = app.state::<App>();
    match event {
        HubEvent::Listening(address) => {
            *lock(&state.listening) = Some(address);
            // The Sync screen shows where this device can be reached: let it read the status again.
            data_changed(app, ChangeReason::Listening);
        }
        HubEvent::Synced { group, peer, digest } => {
            report_digest(app, &groups[group], ChangeReason::Sync, &peer, None, &digest);
            carry_referrals(app, &groups[group]);
        }
        HubEvent::Discovered(address) => {
            let address = address.to_string();
            let seen_before = lock(&state.nearby).insert(address.clone(), Utc::now()).is_some();
            if !seen_before {
                let _ = app.emit(PEER_FOUND, PeerEvent { address });
            }
        }
        HubEvent::Refused { from, reason } => eprintln!("aidmesh: refused {from}: {reason}"),
        HubEvent::Failed { peer, reason } => eprintln!("aidmesh: sync with {peer} failed: {reason}"),
    }
}

/// Forgets nearby devices not seen for a while and tells the UI. Sends nothing on the network.
fn spawn_nearby_expiry<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(NEARBY_FOR / 4).await;
            let state = app.state::<App>();
            let cutoff = Utc::now() - NEARBY_FOR;
            let gone: Vec<String> = {
                let mut nearby = lock(&state.nearby);
                let gone = nearby.iter().filter(|(_, seen)| **seen < cutoff).map(|(a, _)| a.clone()).collect::<Vec<_>>();
                gone.iter().for_each(|a| {
                    nearby.remove(a);
                });
                gone
            };
            for address in gone {
                let _ = app.emit(PEER_LOST, PeerEvent { address });
            }
        }
    });
}

/// Syncs with the device at `address`, telling the UI how far it has come.
pub async fn sync_with<R: Runtime>(app: &AppHandle<R>, store: &SharedStore, address: &str) -> AppResult<Digest> {
    let emit = |peer: Option<&str>, phase: SyncPhase, progress: &Progress, message: Option<String>| {
        let event = SyncProgressEvent { address: Some(address.to_string()), peer: peer.map(String::from), phase, progress: progress.clone(), message };
        let _ = app.emit(SYNC_PROGRESS, event);
    };
    emit(None, SyncPhase::Connecting, &Progress::default(), None);
    let outcome = async {
        let keys = lock(store).keyring()?;
        let mut channel = Channel::connect(address, &keys).await?;
        let peer = channel.peer.clone();
        let digest = aidmesh_net::sync_over(&mut channel, store, Some(address), |progress| emit(Some(&peer), SyncPhase::Syncing, progress, None)).await?;
        Ok::<_, aidmesh_net::NetError>((peer, digest))
    }
    .await;
    match outcome {
        Ok((peer, digest)) => {
            emit(Some(&peer), SyncPhase::Done, &digest.progress, None);
            report_digest(app, store, ChangeReason::Sync, &peer, Some(address), &digest);
            carry_referrals(app, store);
            Ok(digest)
        }
        Err(e) => {
            emit(None, SyncPhase::Failed, &Progress::default(), Some(e.to_string()));
            Err(e.into())
        }
    }
}

/// Runs `f` on the store, which is this device's own change. What failed after the change was
/// saved is shown as a warning; the command still succeeds.
pub fn change<R: Runtime, T>(app: &AppHandle<R>, state: &App, f: impl FnOnce(&mut Store) -> crdt_core::Result<T>) -> AppResult<T> {
    let store = state.store()?;
    let (result, warnings) = tokio::task::block_in_place(|| {
        let mut store = lock(&store);
        (f(&mut store), store.take_warnings())
    });
    warn(app, warnings);
    Ok(result?)
}
