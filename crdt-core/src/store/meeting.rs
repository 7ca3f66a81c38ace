//! Meeting other devices: sync sessions whose state outlives the meeting, the devices met, and
//! sealed bundles for the USB stick. The network is not here (see `aidmesh-net`): a driver hands
//! frames in and out.

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::db::{signatures_of, GENERATION_SEED};
use super::Store;
use crate::bundle::{self, Contents};
use crate::engine::{GroupDoc, Touched};
use crate::error::{Error, Result};
use crate::seal::Subject;
use crate::secret::{GroupSecret, Keyring};
use crate::signing;
use crate::store::Peer;
use crate::sync::{self, Digest, Generation, Progress, SyncSession};

impl Store {
    /// What the network driver needs to meet other devices: keys, secrets, removed devices.
    pub fn keyring(&self) -> Result<Keyring> {
        // Before the record arrives (a device that just joined) nobody is known to be removed.
        let members = if self.me.is_some() { self.members()? } else { Vec::new() };
        let (removed, known): (Vec<_>, Vec<_>) = members.into_iter().partition(|m| m.removed_at.is_some());
        let removed_devices = removed.into_iter().flat_map(|m| m.device_ids).collect();
        let known_devices = known.into_iter().flat_map(|m| m.device_ids).collect();
        Ok(Keyring { device: self.device.clone(), current: self.current_secret(), secrets: self.held_secrets()?, removed_devices, known_devices })
    }

    /// Starts a sync with the device `peer`, resuming from what the last one left.
    pub fn begin_sync(&mut self, peer: &str) -> Result<SyncSession> {
        let saved = self.saved_sync_state(peer)?;
        let sent: i64 = self.conn.query_row("SELECT envelopes_sent FROM peers WHERE device = ?1", [peer], |r| r.get(0)).optional()?.unwrap_or(0);
        let (envelopes, up_to) = self.envelopes_after(sent)?;
        let vouched = super::get_meta(&self.conn, GENERATION_SEED)?.and_then(|seed| seed.parse().ok());
        Ok(SyncSession::between_generations(self.group_id, self.held_generations()?, saved.as_deref()).with_envelopes(envelopes, up_to).vouching(vouched))
    }

    /// The archived generation a session syncs, if it syncs one (a device still on it).
    fn archive_synced(&self, session: &SyncSession) -> Option<Generation> {
        session.generation().filter(|g| **g != self.generation).cloned()
    }

    /// The record a session syncs: this device's, or an archived generation.
    fn synced_doc(&mut self, session: &SyncSession) -> Result<&GroupDoc> {
        match self.archive_synced(session) {
            Some(generation) => Ok(self.archive_doc(&generation)?),
            None => self.doc(),
        }
    }

    /// The next frame for the peer, if any.
    pub fn next_sync_frame(&mut self, session: &mut SyncSession) -> Result<Option<Vec<u8>>> {
        self.synced_doc(session)?;
        let doc = match &self.archive {
            Some((generation, doc)) if session.generation() == Some(generation) => doc,
            _ => self.doc.as_ref().expect("loaded just above"),
        };
        session.next_frame(doc, |hashes| signatures_of(&self.conn, &self.path, hashes))
    }

    /// Whether both sides now hold the same record, and know it.
    pub fn sync_finished(&mut self, session: &SyncSession) -> Result<bool> {
        Ok(session.is_finished(self.synced_doc(session)?))
    }

    /// Applies a frame from the peer; changes it carries are durable when this returns.
    pub fn receive_sync_frame(&mut self, session: &mut SyncSession, frame: &[u8]) -> Result<Progress> {
        let progress = self.receive_into_synced(session, |session, doc| session.receive(doc, frame))?;
        if !session.has_first_message() {
            return Ok(progress);
        }
        // A hello, which chose the record synced: its first message goes into that one.
        self.receive_into_synced(session, SyncSession::take_first_message)
    }

    /// Runs `receive` on the record the session syncs and keeps what it brought.
    fn receive_into_synced(&mut self, session: &mut SyncSession, receive: impl FnOnce(&mut SyncSession, &mut GroupDoc) -> Result<Progress>) -> Result<Progress> {
        if let Some(generation) = self.archive_synced(session) {
            let received = self.write_archive(&generation, |doc| receive(session, doc));
            let progress = self.keep_evidence(received)?;
            self.insert_envelopes(&session.take_envelopes())?;
            return Ok(progress);
        }
        let received = self.write(|doc| receive(session, doc));
        let (progress, touched) = self.keep_evidence(received)?;
        session.note_touched(touched);
        self.insert_envelopes(&session.take_envelopes())?;
        session.note_touched(self.complete_join()?);
        Ok(progress)
    }

    /// Records the meeting (state to resume from, when, where) and says what it changed. A
    /// meeting that brought a renewal moves this device to the renewed record
    /// (`Digest::renewed`); `SyncSession::again` says to meet once more on it.
    pub fn end_sync(&mut self, session: &SyncSession, peer: &str, address: Option<&str>) -> Result<Digest> {
        let archive_met = self.archive_synced(session).is_some();
        let mut digest = session.digest(self.synced_doc(session)?);
        let envelopes_sent = self.envelopes_held_by(session)?;
        self.conn.execute(
            "INSERT INTO peers (device, address, last_synced_at, sync_state, envelopes_sent) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(device) DO UPDATE SET address = coalesce(excluded.address, address),
                 last_synced_at = excluded.last_synced_at, sync_state = coalesce(excluded.sync_state, sync_state), envelopes_sent = excluded.envelopes_sent",
            params![peer, address, Utc::now().timestamp_millis(), (!archive_met).then(|| session.saved_state()), envelopes_sent],
        )?;
        // The meeting stands even if moving over fails: that is told, and the next one tries again.
        let moved = self.move_over(archive_met);
        digest.renewed = moved.as_ref().is_ok_and(Option::is_some);
        self.warn_after_commit("moving to the renewed record", moved.map(drop));
        self.upkeep(Utc::now())?;
        Ok(digest)
    }

    /// The newest envelope id the peer is known to hold: the last one sent to it, moved on past
    /// the envelopes stored since that the peer itself sent in this meeting. Sending those back
    /// cost every resumed meeting an extra frame. The mark is one id, so it stops at the first
    /// envelope from anywhere else (a concurrent meeting): that one and any after it go next time.
    fn envelopes_held_by(&self, session: &SyncSession) -> Result<i64> {
        let mut held = session.envelopes_up_to;
        let mut stmt = self.conn.prepare_cached("SELECT id, subject, recipient FROM envelopes WHERE id > ?1 ORDER BY id")?;
        let rows = stmt.query_map([held], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?;
        for row in rows {
            let (id, subject, recipient) = row?;
            if !session.peer_sent(&subject, &recipient) {
                break;
            }
            held = id;
        }
        Ok(held)
    }

    /// The devices this one has synced with, most recent first.
    pub fn peers(&self) -> Result<Vec<Peer>> {
        let members = self.members()?;
        let mut stmt = self.conn.prepare("SELECT device, address, last_synced_at FROM peers ORDER BY last_synced_at DESC")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, Option<i64>>(2)?)))?;
        rows.map(|row| {
            let (device, address, last) = row?;
            let member = members.iter().find(|m| m.device_ids.contains(&device)).map(|m| m.display_name.clone());
            Ok(Peer { device, member, address, last_synced_at: last.and_then(DateTime::from_timestamp_millis) })
        })
        .collect()
    }

    /// Changes sealed for carrying by hand: all of them, or only those `peer` (a device this one
    /// has synced with) does not have yet.
    pub fn export_bundle(&mut self, peer: Option<&str>) -> Result<Vec<u8>> {
        let since = match peer {
            None => Vec::new(),
            Some(peer) => self.shared_heads(peer)?,
        };
        // One pass gives both the changes' bytes and their hashes (the bundle deflates it all).
        let doc = self.doc()?;
        // A generation's seed is nobody's to sign: a device on the same generation builds it.
        let seed = doc.seed_change();
        let missing: Vec<_> = doc.automerge().get_changes(&since).into_iter().filter(|c| Some(c.hash()) != seed).collect();
        let changes = missing.iter().flat_map(|c| c.raw_bytes().iter().copied()).collect();
        let hashes: Vec<ChangeHash> = missing.iter().map(|c| c.hash()).collect();
        let signatures = signing::encode(&signatures_of(&self.conn, &self.path, &hashes)?);
        let (envelopes, _) = self.envelopes_after(0)?;
        Ok(bundle::seal(&self.current_secret(), self.group_id, &Contents { changes, signatures, envelopes }))
    }

    /// Applies a bundle. Importing the same bundle twice changes nothing the second time.
    pub fn import_bundle(&mut self, bytes: &[u8]) -> Result<Digest> {
        let epoch = bundle::epoch(bytes)?;
        // Two secrets may share an epoch (removals made apart): the one that opens the bundle.
        let mut refused = None;
        let mut opened = None;
        for held in self.held_secrets()?.into_iter().filter(|held| held.epoch == epoch) {
            match bundle::open(&held.secret, self.group_id, bytes) {
                Ok(contents) => opened = Some(contents),
                Err(e) => refused = Some(e),
            }
        }
        let (Contents { changes, signatures, envelopes }, learned) = match opened {
            Some(contents) => (contents, None),
            None => match self.secret_from_bundle(bytes, epoch) {
                Ok(secret) => (bundle::open(&secret, self.group_id, bytes)?, Some(secret)),
                // Say why the secret held did not open it (another group's bundle, a damaged one).
                Err(e) => return Err(refused.map_or(e, Error::from)),
            },
        };
        let signatures = signing::decode(&signatures)?;
        if let Some(secret) = learned {
            self.keep_epoch_secret(epoch, &secret)?;
        }
        let before = self.doc()?.heads();
        // Changes first: a bundle refused for a bad signature leaves nothing behind.
        self.apply_remote(&changes, &signatures)?;
        self.insert_envelopes(&envelopes)?;
        self.complete_join()?;
        self.upkeep(Utc::now())?;
        Ok(sync::digest(self.doc()?, &before, Progress::default()))
    }

    /// The secret of a bundle's epoch that this device has not learned yet, from the key list
    /// in the bundle's clear part: only a device that remains in the group finds one for itself.
    fn secret_from_bundle(&mut self, bytes: &[u8], epoch: u32) -> Result<GroupSecret> {
        let me = self.device.id();
        let sealing_key = self.sealing_key();
        let for_epoch = |subject: &str| matches!(Subject::parse(subject), Some(Subject::Epoch(e, _)) if e == epoch);
        let secret = bundle::epoch_keys(bytes)?
            .iter()
            .filter(|e| e.recipient == me && for_epoch(&e.subject))
            .find_map(|e| e.open(&sealing_key).ok())
            .ok_or(bundle::BundleError::NoKey)?;
        Ok(GroupSecret::from_bytes(secret.0))
    }

    /// The heads this device and `peer` were known to share after their last sync.
    fn shared_heads(&self, peer: &str) -> Result<Vec<ChangeHash>> {
        let saved = self.saved_sync_state(peer)?.ok_or_else(|| Error::NotFound { kind: "device this one has synced with", id: peer.to_string() })?;
        let state = automerge::sync::State::decode(&saved).map_err(|e| Error::BadChanges(e.to_string()))?;
        Ok(state.shared_heads)
    }

    fn saved_sync_state(&self, peer: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.conn.query_row("SELECT sync_state FROM peers WHERE device = ?1", [peer], |r| r.get(0)).optional()?.flatten())
    }

    /// A device that joined by invite becomes a member once the group's record has arrived.
    /// Returns what that touched (its own member record).
    fn complete_join(&mut self) -> Result<Touched> {
        if self.me.is_some() {
            return Ok(Touched::default());
        }
        let Some(name) = super::get_meta(&self.conn, "join_name")? else { return Ok(Touched::default()) };
        let doc = self.doc()?;
        let Ok(group) = doc.group() else { return Ok(Touched::default()) };
        if group.id != self.group_id {
            return Err(Error::WrongGroup);
        }
        let device = self.device.id();
        let (member, touched) = self.write(|doc| doc.join_as(&name, &device, Utc::now()))?;
        let tx = self.conn.transaction()?;
        super::set_meta(&tx, "member", &member.id.to_string())?;
        tx.execute("DELETE FROM meta WHERE key = 'join_name'", [])?;
        tx.commit()?;
        self.me = Some(member.id);
        Ok(touched)
    }
}
