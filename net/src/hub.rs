//! The always-on hub (a laptop at the community centre, or any device left serving): accepts
//! syncs from members' devices, many at once, for every group it is in, on one port, and syncs
//! with members it discovers on the LAN.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crdt_core::Digest;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{timeout, Instant};

use crate::channel::{Channel, NetError, IO_TIMEOUT};
use crate::discovery::{Discovery, DiscoveryError, DiscoveryMode};
use crate::session::sync_over;
use crate::{lock, SharedStore};

/// After a good sync with a discovered device, wait this long before syncing with it again.
const RESYNC_AFTER: Duration = Duration::from_secs(30);
/// After a failed one, wait this long, doubling up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(300);

pub struct HubOptions {
    pub discovery: DiscoveryMode,
    /// Connections served at once; more wait for a free place. With several groups, one group
    /// holds at most half of them (`per_group`), so a crowd from one cannot keep out the others.
    pub max_connections: usize,
    /// Stop by itself after this long (tests and demos); `None` runs until shut down.
    pub run_for: Option<Duration>,
}

impl HubOptions {
    /// The places one of `groups` groups may hold at once: every place when it is the only one,
    /// half of them otherwise.
    pub fn per_group(&self, groups: usize) -> usize {
        let all = self.max_connections.max(1);
        if groups > 1 { all.div_ceil(2) } else { all }
    }
}

/// What the hub did, for its log.
#[derive(Debug)]
pub enum HubEvent {
    Listening(SocketAddr),
    Refused { from: SocketAddr, reason: String },
    /// A sync of the group at this place in `serve`'s list.
    Synced { group: usize, peer: String, digest: Box<Digest> },
    Failed { peer: String, reason: String },
    Discovered(SocketAddr),
}

/// Serves `groups` (each group's store on this device) until `shutdown`, `run_for` or an error.
pub async fn serve(
    groups: Vec<SharedStore>,
    listener: TcpListener,
    options: HubOptions,
    shutdown: impl Future<Output = ()>,
    events: impl Fn(HubEvent) + Send + Sync + 'static,
) -> Result<(), DiscoveryError> {
    let events = Arc::new(events);
    let local = listener.local_addr()?;
    let groups = Arc::new(groups);
    let mut discoveries = Vec::new();
    for (place, store) in groups.iter().enumerate() {
        let (keys, group) = {
            let store = lock(store);
            (store.keyring().map_err(|e| DiscoveryError::Keys(e.to_string()))?, store.group_id())
        };
        discoveries.extend(Discovery::start(options.discovery, &keys, group, local.port())?.map(|discovery| (place, discovery)));
    }
    events(HubEvent::Listening(local));
    let places = Arc::new(Semaphore::new(options.max_connections.max(1)));
    let group_places: Arc<Vec<Arc<Semaphore>>> = Arc::new(groups.iter().map(|_| Arc::new(Semaphore::new(options.per_group(groups.len())))).collect());
    let stop_at = options.run_for.map(|d| Instant::now() + d);
    // When each discovered device may be synced with next, and the backoff after that.
    let next_try: Arc<Mutex<HashMap<SocketAddr, (Instant, Duration)>>> = Arc::default();
    tokio::pin!(shutdown);
    loop {
        let stopped = async {
            match stop_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let look_around = async {
            if discoveries.is_empty() {
                std::future::pending::<()>().await;
            }
            // Each group's browser in turn; one that found a device returns it at once.
            for (place, discovery) in &discoveries {
                let found = discovery.found(Duration::from_secs(1) / discoveries.len() as u32).await;
                if !found.is_empty() {
                    return (*place, found);
                }
            }
            (0, Vec::new())
        };
        tokio::select! {
            _ = &mut shutdown => break,
            _ = stopped => break,
            accepted = listener.accept() => {
                let (stream, from) = accepted?;
                let Ok(place) = places.clone().acquire_owned().await else { break };
                let (groups, group_places, events) = (groups.clone(), group_places.clone(), events.clone());
                tokio::spawn(async move {
                    let _place = place;
                    // Read afresh each time: a removal or a new epoch learned in the last sync counts now.
                    let keys = match groups.iter().map(|store| lock(store).keyring()).collect::<Result<Vec<_>, _>>() {
                        Ok(keys) => keys,
                        Err(e) => return events(HubEvent::Refused { from, reason: e.to_string() }),
                    };
                    let (channel, group) = match timeout(IO_TIMEOUT, Channel::accept_for(stream, &keys)).await {
                        Ok(Ok(accepted)) => accepted,
                        Ok(Err(e)) => return events(HubEvent::Refused { from, reason: e.to_string() }),
                        Err(_) => return events(HubEvent::Refused { from, reason: NetError::Timeout("handshake").to_string() }),
                    };
                    let Ok(_group_place) = group_places[group].clone().try_acquire_owned() else {
                        return events(HubEvent::Refused { from, reason: "this group's devices hold every place it may have; try again in a moment".into() });
                    };
                    let peer = channel.peer.clone();
                    let outcome = sync_with(channel, &groups[group], None).await;
                    report(&*events, group, peer, outcome);
                });
            }
            (group, found) = look_around => {
                for address in found.into_iter().filter(|a| *a != local) {
                    let now = Instant::now();
                    {
                        let mut next_try = next_try.lock().unwrap_or_else(|p| p.into_inner());
                        if next_try.get(&address).is_some_and(|(at, _)| *at > now) {
                            continue;
                        }
                        // Assume failure until the sync says otherwise; a success resets it.
                        let backoff = next_try.get(&address).map_or(FIRST_BACKOFF, |(_, b)| *b);
                        next_try.insert(address, (now + backoff, (backoff * 2).min(MAX_BACKOFF)));
                    }
                    events(HubEvent::Discovered(address));
                    let (store, events, next_try) = (groups[group].clone(), events.clone(), next_try.clone());
                    tokio::spawn(async move {
                        let keys = match lock(&store).keyring() {
                            Ok(keys) => keys,
                            Err(e) => return events(HubEvent::Failed { peer: address.to_string(), reason: e.to_string() }),
                        };
                        let channel = match Channel::connect(&address.to_string(), &keys).await {
                            Ok(channel) => channel,
                            Err(e) => return events(HubEvent::Failed { peer: address.to_string(), reason: e.to_string() }),
                        };
                        let peer = channel.peer.clone();
                        let outcome = sync_with(channel, &store, Some(address.to_string())).await;
                        if outcome.is_ok() {
                            next_try.lock().unwrap_or_else(|p| p.into_inner()).insert(address, (Instant::now() + RESYNC_AFTER, FIRST_BACKOFF));
                        }
                        report(&*events, group, peer, outcome);
                    });
                }
            }
        }
    }
    Ok(())
}

async fn sync_with(mut channel: Channel, store: &SharedStore, address: Option<String>) -> Result<Digest, NetError> {
    sync_over(&mut channel, store, address.as_deref(), |_| {}).await
}

fn report(events: &(dyn Fn(HubEvent) + Send + Sync), group: usize, peer: String, outcome: Result<Digest, NetError>) {
    match outcome {
        Ok(digest) => events(HubEvent::Synced { group, peer, digest: Box::new(digest) }),
        Err(e) => events(HubEvent::Failed { peer, reason: e.to_string() }),
    }
}
