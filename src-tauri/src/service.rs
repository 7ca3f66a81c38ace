//! The sync service: the hub that accepts members' devices (and syncs with the ones discovery
//! finds) in the background, one-off syncs by address, and the events that tell the UI.

use std::time::Duration;

use aidmesh_net::{Channel, HubEvent, HubOptions, SharedStore};
use chrono::Utc;
use crdt_core::{Digest, Progress};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};

use crate::error::AppResult;
use crate::state::{lock, App};

pub const DATA_CHANGED: &str = "data-changed";
pub const SYNC_PROGRESS: &str = "sync-progress";
pub const SYNC_DIGEST: &str = "sync-digest";
pub const PEER_FOUND: &str = "peer-found";
pub const PEER_LOST: &str = "peer-lost";
pub const CONFLICT_APPEARED: &str = "conflict-appeared";

/// A device discovery has not seen for this long is no longer nearby.
const NEARBY_FOR: Duration = Duration::from_secs(120);

#[derive(Serialize, Clone)]
struct SyncProgressEvent<'a> {
    address: Option<&'a str>,
    peer: Option<&'a str>,
    phase: &'static str,
    progress: Progress,
    message: Option<String>,
}

#[derive(Serialize, Clone)]
struct SyncDigestEvent<'a> {
    address: Option<&'a str>,
    peer: &'a str,
    peer_name: Option<String>,
    digest: &'a Digest,
}

/// Tells the UI that the record changed (`reason`: local, sync or bundle), so visible lists reload.
pub fn data_changed(app: &AppHandle, reason: &str) {
    let _ = app.emit(DATA_CHANGED, serde_json::json!({ "reason": reason }));
}

/// After a sync or an imported bundle: the digest, fresh lists, and any conflicts it brought.
pub fn report_digest(app: &AppHandle, store: &SharedStore, peer: &str, address: Option<&str>, digest: &Digest) {
    let peer_name = lock(store).peers().ok().and_then(|peers| peers.into_iter().find(|p| p.device == peer).and_then(|p| p.member));
    let _ = app.emit(SYNC_DIGEST, SyncDigestEvent { address, peer, peer_name, digest });
    if !digest.is_empty() {
        // Conflicts come only from what others did: count them again for the list badges first.
        let recount = recount_conflicts(&app.state::<App>(), store);
        if let Err(e) = recount {
            eprintln!("aidmesh: could not count conflicts: {e}");
        }
        data_changed(app, "sync");
    }
    if !digest.conflicts.is_empty() {
        let _ = app.emit(CONFLICT_APPEARED, serde_json::json!({ "count": digest.conflicts.len(), "conflicts": digest.conflicts }));
    }
}

/// Every open conflict, remembered per need for the list badges.
pub fn recount_conflicts(state: &App, store: &SharedStore) -> AppResult<Vec<crdt_core::Conflict>> {
    let mut store = lock(store);
    let conflicts = store.doc()?.conflicts();
    state.remember_conflicts(&store, &conflicts)?;
    Ok(conflicts)
}

/// Starts the hub in the background: listens for members' devices, and syncs with the ones
/// discovery finds (when discovery is on). Failing to listen is reported, not fatal: syncs by
/// address and bundles still work.
pub fn start(app: &AppHandle, store: SharedStore) {
    spawn_upkeep(app.clone(), store.clone());
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let state = handle.state::<App>();
        let listener = match tokio::net::TcpListener::bind(&state.net.listen).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("aidmesh: cannot listen on {}: {e}; syncs by address and bundles still work", state.net.listen);
                return;
            }
        };
        let options = HubOptions { discovery: state.net.discovery, max_connections: 16, run_for: None };
        let events = {
            let (handle, store) = (handle.clone(), store.clone());
            move |event: HubEvent| on_hub_event(&handle, &store, event)
        };
        if let Err(e) = aidmesh_net::serve(store, listener, options, std::future::pending(), events).await {
            eprintln!("aidmesh: the sync service stopped: {e}");
        }
    });
    spawn_nearby_expiry(app.clone());
}

/// How often the privacy rules run while the app is open (they also run after every action
/// and sync): contact details are shredded on the day they expire even on an idle device.
const UPKEEP_EVERY: Duration = Duration::from_secs(3600);

fn spawn_upkeep(app: AppHandle, store: SharedStore) {
    tauri::async_runtime::spawn(async move {
        let mut ticks = tokio::time::interval(UPKEEP_EVERY);
        loop {
            ticks.tick().await;
            let done = tokio::task::block_in_place(|| lock(&store).upkeep(Utc::now()));
            match done {
                Ok(done) if done != Default::default() => data_changed(&app, "upkeep"),
                Ok(_) => {}
                Err(e) => eprintln!("aidmesh: could not apply the privacy rules: {e}"),
            }
        }
    });
}

fn on_hub_event(app: &AppHandle, store: &SharedStore, event: HubEvent) {
    let state = app.state::<App>();
    match event {
        HubEvent::Listening(address) => {
            *lock(&state.listening) = Some(address);
            // The Sync screen shows where this device can be reached: let it read the status again.
            data_changed(app, "listening");
        }
        HubEvent::Synced { peer, digest } => report_digest(app, store, &peer, None, &digest),
        HubEvent::Discovered(address) => {
            let address = address.to_string();
            let seen_before = lock(&state.nearby).insert(address.clone(), Utc::now()).is_some();
            if !seen_before {
                let _ = app.emit(PEER_FOUND, serde_json::json!({ "address": address }));
            }
        }
        HubEvent::Refused { from, reason } => eprintln!("aidmesh: refused {from}: {reason}"),
        HubEvent::Failed { peer, reason } => eprintln!("aidmesh: sync with {peer} failed: {reason}"),
    }
}

/// Forgets nearby devices not seen for a while and tells the UI. Sends nothing on the network.
fn spawn_nearby_expiry(app: AppHandle) {
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
                let _ = app.emit(PEER_LOST, serde_json::json!({ "address": address }));
            }
        }
    });
}

/// Syncs with the device at `address`, telling the UI how far it has come.
pub async fn sync_with(app: &AppHandle, store: &SharedStore, address: &str) -> AppResult<Digest> {
    let emit = |peer: Option<&str>, phase: &'static str, progress: &Progress, message: Option<String>| {
        let _ = app.emit(SYNC_PROGRESS, SyncProgressEvent { address: Some(address), peer, phase, progress: progress.clone(), message });
    };
    emit(None, "connecting", &Progress::default(), None);
    let outcome = async {
        let keys = lock(store).keyring()?;
        let mut channel = Channel::connect(address, &keys).await?;
        let peer = channel.peer.clone();
        let digest = aidmesh_net::sync_over(&mut channel, store, Some(address), |progress| emit(Some(&peer), "syncing", progress, None)).await?;
        Ok::<_, aidmesh_net::NetError>((peer, digest))
    }
    .await;
    match outcome {
        Ok((peer, digest)) => {
            emit(Some(&peer), "done", &digest.progress, None);
            report_digest(app, store, &peer, Some(address), &digest);
            Ok(digest)
        }
        Err(e) => {
            emit(None, "failed", &Progress::default(), Some(e.to_string()));
            Err(e.into())
        }
    }
}
