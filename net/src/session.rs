//! One sync over an open channel: the same loop on both sides. Send whatever the session has,
//! then wait for the peer's next frame, until both sides hold the same record and know it.

use std::time::Duration;

use crdt_core::{Digest, Progress};
use tokio::time::{timeout_at, Instant};

use crate::channel::{Channel, NetError, Result};
use crate::{lock, SharedStore};

/// A whole sync must finish within this time, however the peer behaves.
pub const SYNC_DEADLINE: Duration = Duration::from_secs(300);

/// At most this many sessions in one meeting: one on an older generation of the record both
/// hold, the one behind moves over (twice if renewals were made apart), then the newest.
const MAX_ROUNDS: usize = 3;

/// Syncs this device's store with the device at the other end of `channel`. `address` is where
/// the peer can be reached again, if known. Received changes are durable as they arrive, so a sync
/// cut short keeps everything that got through. When the two devices were on different
/// generations of the group's record, they meet again on the one the device behind moved to.
pub async fn sync_over(channel: &mut Channel, store: &SharedStore, address: Option<&str>, mut on_progress: impl FnMut(&Progress)) -> Result<Digest> {
    let deadline = Instant::now() + SYNC_DEADLINE;
    let peer = channel.peer.clone();
    let mut renewed = false;
    for _ in 0..MAX_ROUNDS {
        let mut session = lock(store).begin_sync(&peer)?;
        loop {
            loop {
                let frame = lock(store).next_sync_frame(&mut session)?;
                let Some(frame) = frame else { break };
                timeout_at(deadline, channel.send(&frame)).await.map_err(|_| NetError::Timeout("syncing"))??;
            }
            if lock(store).sync_finished(&session)? {
                break;
            }
            let frame = timeout_at(deadline, channel.recv()).await.map_err(|_| NetError::Timeout("syncing"))??;
            let progress = lock(store).receive_sync_frame(&mut session, &frame)?;
            on_progress(&progress);
        }
        let mut digest = lock(store).end_sync(&session, &peer, address)?;
        renewed |= digest.renewed;
        if !session.again() {
            digest.renewed = renewed;
            return Ok(digest);
        }
    }
    Err(crdt_core::Error::NoCommonGeneration.into())
}
