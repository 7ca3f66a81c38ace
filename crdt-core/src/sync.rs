//! One sync between this device and another, as a state machine with no I/O: frames in,
//! frames out, progress and a digest of what changed. It drives automerge's sync protocol; a
//! driver (sockets, encryption) moves the frames. One automerge `sync::State` per peer device is
//! persisted by the store, so the next meeting resumes from the heads both sides already share.
//!
//! Three things keep a meeting to two round trips. Between stores, the first frame is a hello
//! naming the generations of the record each side holds, and it carries the first sync message
//! for the newest, which the peer takes when that is the generation both sync. A resumed session
//! assumes the peer still has exactly what both shared last time, so that first message already
//! carries every change made since (automerge alone would first exchange summaries). And the
//! session is finished as soon as this side knows the peer's heads equal its own and has sent its
//! own heads: both sides then know they hold the same record, with no closing handshake.

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use automerge::sync::{self, SyncDoc};
use automerge::{Change, ChangeHash, ReadDoc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::chunks;
use crate::conflict::Conflict;
use crate::engine::{parse_changes, Collection, GroupDoc, Touched};
use crate::error::{Error, Result};
use crate::frame::{self, Frame, SyncMessage};
use crate::seal::{self, Envelope};
use crate::signing::{self, Signatures};

/// How far a sync has come, for a progress bar.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Progress {
    pub frames_sent: u64,
    pub frames_received: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    pub changes_received: u64,
    /// The changes the last message carried, when one is being applied: the total so far is known
    /// only message by message.
    pub changes_in_last_message: u64,
}

/// New and updated records of one kind.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    pub new: usize,
    pub updated: usize,
}

/// What a sync changed on this device: shown to people after a meeting ("3 new needs, 1 conflict").
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Digest {
    pub needs: Counts,
    pub offers: Counts,
    pub assignments: Counts,
    pub members: Counts,
    /// Timebank entries: new ones, and ones confirmed, disputed or voided since.
    pub hours: Counts,
    pub group_changed: bool,
    /// This device moved to a renewed record of the group in this meeting (issue 16).
    pub renewed: bool,
    /// Conflicts among the records this sync touched.
    pub conflicts: Vec<Conflict>,
    pub progress: Progress,
}

impl Digest {
    pub fn is_empty(&self) -> bool {
        self.records() == 0 && !self.group_changed && !self.renewed
    }

    /// How many records came or changed.
    pub fn records(&self) -> usize {
        [&self.needs, &self.offers, &self.assignments, &self.members, &self.hours].iter().map(|c| c.new + c.updated).sum()
    }
}

/// A generation of the group's record (issue 16): `id` is the renewal that started it (empty for
/// the first), `depth` how many renewals came before it and it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generation {
    pub id: String,
    pub depth: u32,
}

/// The most generations a device names in its hello: it holds its record and a few archives.
const MAX_HELD: usize = 16;

/// The hello of a session between stores: which generations this side holds (newest first),
/// until the peer says which it holds.
struct Greeting {
    held: Vec<Generation>,
    sent: bool,
    heard: bool,
}

pub struct SyncSession {
    /// The group whose changes this session exchanges: their signatures name it.
    group: Uuid,
    state: sync::State,
    /// Until both sides said which generations they hold; then the one this session syncs.
    greeting: Option<Greeting>,
    chosen: Option<Generation>,
    /// The two sides were on different generations: meet again once this one is done.
    again: bool,
    /// The first sync message the peer's hello carried, until taken into the record synced.
    first_in: Option<SyncMessage>,
    /// The seed of a renewed record that this device's invite vouches for: taken unsigned.
    vouched_seed: Option<ChangeHash>,
    /// The heads of the record synced, before: set once it is known which record that is.
    before: Option<Vec<automerge::ChangeHash>>,
    /// A hash of the last sync message sent, until the peer's next frame. automerge offers some
    /// messages again every time it is asked (a reset, when the peer names changes this device
    /// lacks), and the driver asks until there is nothing to send: a repeat is not sent.
    unanswered: Option<[u8; 32]>,
    progress: Progress,
    /// Key envelopes to send first (then `None`), and the store's id of the newest of them.
    envelopes_out: Option<Vec<Envelope>>,
    pub(crate) envelopes_up_to: i64,
    /// Envelopes received, for the store to keep.
    envelopes_in: Vec<Envelope>,
    /// Subject and recipient of every envelope the peer sent: it holds those already, so they
    /// are not sent back to it next time.
    from_peer: BTreeSet<(String, String)>,
    /// The records this sync's changes touched, noted as they were applied, so the digest
    /// does not work them out again from the document.
    touched: Touched,
    /// Changes received before their predecessors (a bloom filter's false positive leaves some
    /// out), with their signatures, checked already. Kept out of automerge, which would apply
    /// them unchecked once the predecessors came, until their shape can be checked.
    waiting: Vec<Change>,
    waiting_signatures: Signatures,
    /// Parts of a large frame still to send, and the received parts of one from the peer.
    parts_out: VecDeque<Vec<u8>>,
    parts_in: frame::Parts,
}

impl SyncSession {
    /// Starts a sync of `group` from the state saved after the last one with this peer (if any).
    /// A saved state that cannot be read only costs a full exchange, so it is dropped, not an error.
    pub fn new(doc: &GroupDoc, group: Uuid, saved: Option<&[u8]>) -> Self {
        SyncSession { state: resumed(saved), before: Some(doc.heads()), ..SyncSession::greeting(group, Vec::new()) }
    }

    /// Starts a sync of `group` between two stores, which first say which generations of the
    /// record they hold (`held`, newest first) and then sync the newest both hold. `saved` is the
    /// state saved after the last sync with this peer, of the newest generation held here.
    pub fn between_generations(group: Uuid, mut held: Vec<Generation>, saved: Option<&[u8]>) -> Self {
        held.truncate(MAX_HELD);
        SyncSession { state: resumed(saved), ..SyncSession::greeting(group, held) }
    }

    fn greeting(group: Uuid, held: Vec<Generation>) -> Self {
        let greeting = (!held.is_empty()).then_some(Greeting { held, sent: false, heard: false });
        SyncSession {
            group,
            state: sync::State::new(),
            greeting,
            chosen: None,
            again: false,
            first_in: None,
            vouched_seed: None,
            before: None,
            unanswered: None,
            progress: Progress::default(),
            envelopes_out: None,
            envelopes_up_to: 0,
            envelopes_in: Vec::new(),
            from_peer: BTreeSet::new(),
            touched: Touched::default(),
            waiting: Vec::new(),
            waiting_signatures: Signatures::new(),
            parts_out: VecDeque::new(),
            parts_in: frame::Parts::default(),
        }
    }

    /// Takes the seed `seed` of the renewed record this device joined by invite without a
    /// signature: nobody signs a seed, every device on that record builds it, and the invite
    /// named it.
    pub fn vouching(self, seed: Option<ChangeHash>) -> Self {
        SyncSession { vouched_seed: seed, ..self }
    }

    /// Key envelopes to send first, ahead of the record, so the peer holds them by the time it
    /// sees this side's heads; `up_to` is the store's id of the newest.
    pub fn with_envelopes(self, envelopes: Vec<Envelope>, up_to: i64) -> Self {
        SyncSession { envelopes_out: Some(envelopes).filter(|e| !e.is_empty()), envelopes_up_to: up_to, ..self }
    }

    /// The next frame to send, if there is one now. `signatures_of` gives the signatures of
    /// the changes it will carry (the store keeps them). Before the peer's hello, `doc` is the
    /// newest generation held here.
    pub fn next_frame(&mut self, doc: &GroupDoc, signatures_of: impl FnOnce(&[automerge::ChangeHash]) -> Result<Signatures>) -> Result<Option<Vec<u8>>> {
        // Envelopes first, so the peer holds them by the time it sees this side's heads.
        if let Some(envelopes) = self.envelopes_out.take() {
            return Ok(Some(self.count_sent(frame::encode(&Frame::Envelopes(seal::encode_envelopes(&envelopes))))));
        }
        if self.greeting.as_ref().is_some_and(|g| !g.sent) {
            return self.hello(doc, signatures_of).map(Some);
        }
        if let Some(part) = self.parts_out.pop_front() {
            return Ok(Some(self.count_sent(part)));
        }
        if self.greeting.as_ref().is_some_and(|g| !g.heard) {
            // The record waits until the peer says which generation it holds.
            return Ok(None);
        }
        let Some(message) = self.sync_message(doc, signatures_of)? else { return Ok(None) };
        self.parts_out = frame::encode_in_parts(&Frame::Sync { message: message.message, signatures: message.signatures })?.into();
        let first = self.parts_out.pop_front().expect("a frame has at least one part");
        Ok(Some(self.count_sent(first)))
    }

    /// The hello, with the first sync message for the newest generation held here when it fits
    /// in one frame: the peer takes it if that is the generation both sync, so a meeting between
    /// devices on the same record takes no longer for the hello.
    fn hello(&mut self, doc: &GroupDoc, signatures_of: impl FnOnce(&[automerge::ChangeHash]) -> Result<Signatures>) -> Result<Vec<u8>> {
        let greeting = self.greeting.as_mut().expect("called before the hello is sent");
        greeting.sent = true;
        let held = serde_json::to_vec(&greeting.held).expect("generations serialize");
        // Heard already (a peer that spoke first), the message is of the generation chosen:
        // the peer takes it only if that is the newest held here.
        let of_newest = self.chosen.as_ref().is_none_or(|chosen| *chosen == greeting.held[0]);
        if greeting.heard {
            self.greeting = None;
        }
        let before = (self.state.clone(), self.before.clone(), self.unanswered);
        let first = if of_newest { self.sync_message(doc, signatures_of)? } else { None };
        let mut hello = frame::encode(&Frame::Hello { held: held.clone(), first });
        if hello.len() > frame::PART {
            // It goes once the peer's hello is heard, in parts, as it would have.
            (self.state, self.before, self.unanswered) = before;
            hello = frame::encode(&Frame::Hello { held, first: None });
        }
        Ok(self.count_sent(hello))
    }

    /// The next sync message of the record `doc`, if automerge has one to send, with the
    /// signatures of the changes it carries.
    fn sync_message(&mut self, doc: &GroupDoc, signatures_of: impl FnOnce(&[automerge::ChangeHash]) -> Result<Signatures>) -> Result<Option<SyncMessage>> {
        self.before.get_or_insert_with(|| doc.heads());
        let sent_before = self.state.sent_hashes.clone();
        let Some(mut message) = doc.automerge().generate_sync_message(&mut self.state) else { return Ok(None) };
        if !self.waiting.is_empty() {
            // automerge asks for the changes held here (it never saw them), which the peer will
            // not send again; ask for what they wait for instead.
            let held: HashSet<ChangeHash> = self.waiting.iter().map(Change::hash).collect();
            let lacking = self.waiting.iter().flat_map(|c| c.deps()).filter(|d| !held.contains(*d) && !doc.holds(d));
            message.need = message.need.iter().filter(|h| !held.contains(*h)).chain(lacking).copied().collect::<BTreeSet<_>>().into_iter().collect();
        }
        // automerge notes every change a message carries as sent.
        let carried: Vec<_> = self.state.sent_hashes.difference(&sent_before).copied().collect();
        if carried.is_empty() && !message.changes.is_empty() {
            // The whole document again, to a peer whose empty-handed message crossed the first
            // copy (automerge sends the document while the peer's heads are empty).
            return Ok(None);
        }
        let message = message.encode();
        let hash = <[u8; 32]>::from(Sha256::digest(&message));
        if self.unanswered == Some(hash) {
            return Ok(None);
        }
        self.unanswered = Some(hash);
        // A generation's seed is nobody's to sign: a peer on the same generation built it too,
        // and a newcomer's invite names it.
        let seed = doc.seed_change();
        let signed: Vec<_> = carried.into_iter().filter(|hash| Some(*hash) != seed).collect();
        Ok(Some(SyncMessage { message, signatures: signing::encode(&signatures_of(&signed)?) }))
    }

    fn count_sent(&mut self, bytes: Vec<u8>) -> Vec<u8> {
        self.progress.frames_sent += 1;
        self.progress.bytes_sent += bytes.len() as u64;
        bytes
    }

    /// Whether the peer sent an envelope for this subject and recipient in this meeting.
    pub(crate) fn peer_sent(&self, subject: &str, recipient: &str) -> bool {
        self.from_peer.contains(&(subject.to_string(), recipient.to_string()))
    }

    /// Records what changes applied for this sync touched.
    pub(crate) fn note_touched(&mut self, touched: Touched) {
        self.touched.group |= touched.group;
        self.touched.actors |= touched.actors;
        self.touched.records.extend(touched.records);
        self.touched.collections.extend(touched.collections);
    }

    /// The envelopes received so far, handed over once.
    pub(crate) fn take_envelopes(&mut self) -> Vec<Envelope> {
        std::mem::take(&mut self.envelopes_in)
    }

    /// Takes a frame from the other device, applying any changes it carries to `doc`. After the
    /// peer's hello, its first sync message may wait to be taken (`has_first_message`).
    pub fn receive(&mut self, doc: &mut GroupDoc, bytes: &[u8]) -> Result<Progress> {
        self.progress.frames_received += 1;
        self.progress.bytes_received += bytes.len() as u64;
        let Some(frame) = self.parts_in.take(bytes)? else { return Ok(self.progress.clone()) };
        let (message, signatures) = match frame {
            Frame::Sync { .. } if self.greeting.as_ref().is_some_and(|g| !g.heard) => {
                // Before the peer's hello, a sync frame is the tail of an earlier round of this
                // meeting (or nothing honest): the round that starts now syncs it again.
                return Ok(self.progress.clone());
            }
            Frame::Sync { message, signatures } => (message, signing::decode(&signatures)?),
            Frame::Envelopes(list) => {
                let envelopes = seal::decode_envelopes(&list)?;
                self.from_peer.extend(envelopes.iter().map(|e| (e.subject.clone(), e.recipient.clone())));
                self.envelopes_in.extend(envelopes);
                return Ok(self.progress.clone());
            }
            Frame::Hello { held, first } => {
                // Its first message is taken if it is of the generation synced, into the record
                // of that generation (`take_first_message`), which may not be `doc`.
                let peers_newest = self.choose(&held)?;
                self.first_in = first.filter(|_| peers_newest);
                return Ok(self.progress.clone());
            }
        };
        self.apply(doc, message, signatures)
    }

    /// Whether the peer's hello carried a first message for the generation chosen, still to be
    /// taken (`take_first_message`) into that generation's record.
    pub fn has_first_message(&self) -> bool {
        self.first_in.is_some()
    }

    /// Takes the first message of the peer's hello into `doc`, the record of the generation
    /// this session syncs.
    pub fn take_first_message(&mut self, doc: &mut GroupDoc) -> Result<Progress> {
        let Some(SyncMessage { message, signatures }) = self.first_in.take() else { return Ok(self.progress.clone()) };
        self.apply(doc, message, signing::decode(&signatures)?)
    }

    /// Applies a sync message from the peer, whose changes' `signatures` are to be checked.
    fn apply(&mut self, doc: &mut GroupDoc, message: Vec<u8>, signatures: Signatures) -> Result<Progress> {
        self.before.get_or_insert_with(|| doc.heads());
        self.unanswered = None;
        let mut message = sync::Message::decode(&message).map_err(|e| Error::BadChanges(e.to_string()))?;
        if !message.have.iter().all(|have| usable_bloom(&have.bloom)) {
            return Err(Error::BadChanges("a sync message carries a damaged bloom filter".into()));
        }
        let mut carried = Vec::new();
        for chunk in message.changes.iter() {
            carried.extend(parse_changes(chunk)?);
        }
        let changes = message.changes.len() as u64;
        let held_before = !self.waiting.is_empty();
        let mut signatures = signatures;
        signatures.append(&mut self.waiting_signatures);
        carried.append(&mut self.waiting);
        let (ready, waiting) = doc.ready_to_apply(carried);
        let unchecked: Vec<_> = waiting.iter().map(|c| (c.actor_id().clone(), c.hash(), signatures.get(&c.hash()))).collect();
        signing::verify_all(self.group, &unchecked)?;
        let checked = doc.check_signed(&ready, &signatures, self.group, self.vouched_seed)?;
        if held_before || !waiting.is_empty() {
            message.changes = ready.iter().map(|c| c.raw_bytes().to_vec()).collect::<Vec<_>>().into();
        }
        self.waiting_signatures = waiting.iter().filter_map(|c| Some((c.hash(), *signatures.get(&c.hash())?))).collect();
        self.waiting = waiting;
        // automerge takes a message with no heads for a peer that lost everything, and forgets
        // what it sent. A peer that had nothing and still has nothing has lost nothing: its
        // message crossed ours, which is on its way. (A new member was sent the record twice.)
        let crossed = message.heads.is_empty() && self.state.their_heads.as_ref().is_some_and(Vec::is_empty);
        let sent = crossed.then(|| self.state.sent_hashes.clone());
        doc.receive_sync(&mut self.state, message, checked)?;
        if let Some(sent) = sent {
            self.state.sent_hashes = sent;
        }
        self.progress.changes_in_last_message = changes;
        self.progress.changes_received += changes;
        Ok(self.progress.clone())
    }

    /// Takes the peer's hello: this session syncs the newest generation both sides hold.
    /// Returns whether that is the peer's newest, of which its hello may carry the first message.
    fn choose(&mut self, peer: &[u8]) -> Result<bool> {
        let Some(greeting) = self.greeting.as_mut().filter(|g| !g.heard) else {
            return Err(Error::BadChanges("the other device said twice which generations it holds".into()));
        };
        greeting.heard = true;
        let peer: Vec<Generation> = serde_json::from_slice(peer).map_err(|e| Error::BadChanges(format!("the other device's hello is damaged: {e}")))?;
        if peer.is_empty() || peer.len() > MAX_HELD {
            return Err(Error::BadChanges(format!("the other device names {} generations of the record", peer.len())));
        }
        let newest_shared = greeting.held.iter().filter(|g| peer.contains(g)).max_by(|a, b| a.depth.cmp(&b.depth).then_with(|| b.id.cmp(&a.id)));
        let chosen = newest_shared.cloned().ok_or(Error::NoCommonGeneration)?;
        self.again = greeting.held[0] != peer[0];
        if chosen != greeting.held[0] {
            // The saved state, and any first message the hello carried, were of the newest
            // generation held here: the peer drops that message, and syncing starts afresh.
            (self.state, self.before, self.unanswered) = (sync::State::new(), None, None);
        }
        if greeting.sent {
            self.greeting = None;
        }
        let peers_newest = chosen == peer[0];
        self.chosen = Some(chosen);
        Ok(peers_newest)
    }

    /// The generation this session syncs, once both sides said which they hold.
    pub fn generation(&self) -> Option<&Generation> {
        self.chosen.as_ref()
    }

    /// The two sides were on different generations of the record: once this session is done (and
    /// the one behind moved over), they should meet again.
    pub fn again(&self) -> bool {
        self.again
    }

    /// Both sides hold the same record, and both know it: the peer told us its heads, and we
    /// have sent ours. Call after sending whatever `next_frame` had.
    pub fn is_finished(&self, doc: &GroupDoc) -> bool {
        let heads = doc.heads();
        self.greeting.is_none() && self.parts_out.is_empty() && self.state.their_heads.as_ref() == Some(&heads) && self.state.last_sent_heads == heads
    }

    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// What to keep for the next sync with this peer.
    pub fn saved_state(&self) -> Vec<u8> {
        self.state.encode()
    }

    /// The heads both sides share: what a bundle for this peer can leave out.
    pub fn shared_heads(&self) -> &[automerge::ChangeHash] {
        &self.state.shared_heads
    }

    /// What this sync changed on this device.
    pub fn digest(&self, doc: &GroupDoc) -> Digest {
        let before = self.before.clone().unwrap_or_else(|| doc.heads());
        digest_of(doc, &before, &self.touched, self.progress.clone())
    }
}

/// The sync state saved after the last meeting with a peer (none if it cannot be read: that
/// only costs a full exchange).
fn resumed(saved: Option<&[u8]>) -> sync::State {
    let mut state = saved.and_then(|bytes| sync::State::decode(bytes).ok()).unwrap_or_default();
    if !state.shared_heads.is_empty() {
        // "They have what we shared": send what is new at once. If they got some of it from
        // someone else meanwhile, the cost is a few duplicate bytes, never a wrong result.
        state.their_have = Some(vec![sync::Have { last_sync: state.shared_heads.clone(), bloom: Default::default() }]);
        state.their_need = Some(Vec::new());
    }
    state
}

/// More probes than any sensible filter uses (automerge uses 7); each costs work per change.
const MAX_BLOOM_PROBES: u64 = 64;

/// automerge 0.12 trusts a peer's bloom filter: one with entries but no bits per entry makes it
/// divide by zero, and a huge probe count makes it allocate and loop without bound, the next
/// time it picks changes to send. Its fields are private, so they are read back from its bytes.
fn usable_bloom(bloom: &sync::BloomFilter) -> bool {
    let bytes = bloom.to_bytes();
    let mut rest = bytes.as_slice();
    let mut next = || {
        let (value, length) = chunks::uleb128(rest)?;
        rest = &rest[length..];
        Some(value)
    };
    match (next(), next(), next()) {
        // No entries: automerge never probes it.
        (None, _, _) => true,
        (Some(_entries), Some(bits_per_entry), Some(probes)) => bits_per_entry > 0 && probes <= MAX_BLOOM_PROBES,
        _ => false,
    }
}

/// What changed in `doc` since `before`, by kind of record, with the conflicts among them.
pub fn digest(doc: &GroupDoc, before: &[automerge::ChangeHash], progress: Progress) -> Digest {
    digest_of(doc, before, &doc.touched(before), progress)
}

/// The digest of the records in `touched`, which changed since `before`.
fn digest_of(doc: &GroupDoc, before: &[automerge::ChangeHash], touched: &Touched, progress: Progress) -> Digest {
    // A device that had nothing (a new member's first sync) is told what it received, not which
    // records are in conflict: the conflicts screen lists those, and finding them read every
    // record again (0.45 s of a new member's 10,000-need first sync).
    let first = before.is_empty();
    let mut counts: BTreeMap<Collection, Counts> = BTreeMap::new();
    for (collection, id) in &touched.records {
        let existed =
            !first && doc.collection_obj(*collection).and_then(|map| doc.automerge().get_at(&map, id.as_str(), before).ok().flatten()).is_some();
        let entry = counts.entry(*collection).or_default();
        if existed {
            entry.updated += 1;
        } else {
            entry.new += 1;
        }
    }
    // A verdict is something that happened to an entry: it counts as an update of that entry,
    // unless the entry itself is new.
    let judged: BTreeSet<Uuid> = touched
        .records
        .iter()
        .filter(|(collection, _)| *collection == Collection::HourVerdicts)
        .filter_map(|(_, id)| doc.hour_verdict(id.parse().ok()?).ok())
        .map(|verdict| verdict.entry)
        .filter(|entry| !touched.records.contains(&(Collection::HourEntries, entry.to_string())))
        .collect();
    let mut take = |collection| counts.remove(&collection).unwrap_or_default();
    Digest {
        needs: take(Collection::Needs),
        offers: take(Collection::Offers),
        assignments: take(Collection::Assignments),
        members: take(Collection::Members),
        hours: Counts { new: take(Collection::HourEntries).new, updated: judged.len() },
        group_changed: touched.group,
        renewed: false,
        conflicts: if first { Vec::new() } else { doc.conflicts_touching(touched) },
        progress,
    }
}

impl GroupDoc {
    /// Applies a sync message whose changes' `signatures` were checked: its changes become
    /// unsaved changes for the store to persist, with their signatures.
    pub(crate) fn receive_sync(&mut self, state: &mut sync::State, message: sync::Message, signatures: Signatures) -> Result<()> {
        let before = self.heads();
        self.automerge_mut().receive_sync_message(state, message)?;
        self.after_external_change(&before);
        self.keep_signatures(signatures);
        Ok(())
    }
}
