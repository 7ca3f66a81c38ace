//! The privacy rules, kept on this device: who holds which key (see `seal.rs`).
//!
//! `upkeep` brings the envelopes in line with the record after every action, sync and bundle:
//! - an organizer's device seals the organizer key to every organizer's devices, and each
//!   need's record key to the devices of the volunteers assigned to it;
//! - every device deletes the keys of needs the group asked to forget, and of needs closed for
//!   longer than the group's `expiry_days` (the shredding is local and needs no record, so it
//!   happens on schedule even on a device that never syncs again);
//! - an organizer's device marks open needs past `needed_by` plus the grace period as expired;
//! - a device moves to the newest group secret that has been sealed to it.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension};
use uuid::Uuid;

use super::{NeedFilter, Store};
use crate::engine::{Collection, Renewal, Touched};
use crate::error::{Error, Result};
use crate::model::{Group, Member, Need, NeedStatus, NewNeed, Role, SealedContact};
use crate::seal::{Contact, Envelope, Key32, SealingKey, Subject};
use crate::secret::{EpochSecret, GroupSecret};
use crate::validation::ValidationError;

/// Collections whose wholesale rebuild (a received snapshot) calls for a full `upkeep`.
const AFFECTS_KEYS: [Collection; 3] = [Collection::Needs, Collection::Assignments, Collection::Members];

/// What one `upkeep` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Upkeep {
    /// Envelopes sealed for organizers and assigned volunteers.
    pub granted: usize,
    /// Needs whose keys were deleted (forgotten or past expiry).
    pub shredded: usize,
    /// Open needs marked expired.
    pub expired: usize,
    /// The epoch this device moved to, if it moved.
    pub moved_to_epoch: Option<u32>,
}

impl Store {
    /// Adds or replaces a need's contact details. Only the sealed form reaches the record; the
    /// key is sealed to this device and to the organizer key, and later to assigned volunteers.
    pub fn set_contact(&mut self, need: Uuid, contact: &Contact) -> Result<()> {
        contact.validate()?;
        let current = self.need(need)?;
        let organizer = self.group()?.organizer_key.ok_or(Error::NoOrganizerKey)?;
        let key = match current.sealed_contact {
            Some(_) => self.record_key(need)?.ok_or(Error::ContactNotYours)?,
            None => Key32::generate(),
        };
        let (sealed, envelopes) = self.seal_contact(need, contact, &key, &organizer);
        // Keys first: a crash in between leaves a spare envelope, never details nobody can open.
        self.insert_envelopes(&envelopes)?;
        self.act(|doc, me, now| doc.set_contact(me, need, sealed, now))?;
        Ok(())
    }

    /// Posts a need with the contact details of the person asking sealed in the same change (an
    /// intake), so no need is ever without the details it was posted with. Everything is
    /// checked first: a need or details that cannot be posted (mistyped, a removed member, no
    /// organizer key yet) leave nothing behind, not even the details' keys.
    pub fn post_need(&mut self, input: NewNeed, contact: &Contact) -> Result<Need> {
        if contact.is_empty() {
            return self.act(|doc, me, now| doc.add_need(me, input, now));
        }
        contact.validate()?;
        let me = self.me()?;
        self.doc()?.active_member(me)?;
        let group = self.group()?;
        input.validate(&group.settings, Utc::now())?;
        let organizer = group.organizer_key.ok_or(Error::NoOrganizerKey)?;
        let id = Uuid::now_v7();
        let (sealed, envelopes) = self.seal_contact(id, contact, &Key32::generate(), &organizer);
        // Keys first, as in `set_contact`: a crash before the need leaves a spare key, never a
        // need whose details nobody can open.
        self.insert_envelopes(&envelopes)?;
        self.act(|doc, me, now| doc.post_need(me, id, input, Some(sealed), now))
    }

    /// `contact` sealed with `key`, and the key sealed to this device and to the organizer key.
    pub(super) fn seal_contact(&self, need: Uuid, contact: &Contact, key: &Key32, organizer: &str) -> (SealedContact, Vec<Envelope>) {
        let subject = Subject::Contact(need);
        let envelopes = [self.device.id().as_str(), organizer].into_iter().filter_map(|to| Envelope::seal(subject, to, key)).collect();
        (key.seal_contact(need, contact), envelopes)
    }

    /// A need's contact details, if this device may read them; otherwise why not.
    pub fn contact(&mut self, need: Uuid) -> Result<Contact> {
        let need = self.need(need)?;
        if let Some(at) = need.contact_forgotten_at {
            return Err(Error::ContactGone(at.format("%Y-%m-%d").to_string()));
        }
        let sealed = need.sealed_contact.clone().ok_or(Error::NoContact)?;
        let days = self.group()?.settings.expiry_days;
        if past_expiry(&need, days, Utc::now()) {
            return Err(Error::ContactExpired { days });
        }
        let key = self.record_key(need.id)?.ok_or(Error::ContactNotYours)?;
        Ok(key.open_contact(need.id, &sealed)?)
    }

    /// Whether this device holds a key to the need's contact details.
    pub fn can_read_contact(&self, need: Uuid) -> Result<bool> {
        Ok(self.record_key(need)?.is_some())
    }

    /// Brings keys in line with the record at time `now`; see the module comment. Reads the
    /// index, never the whole document, so it is cheap enough to run after every sync.
    pub fn upkeep(&mut self, now: DateTime<Utc>) -> Result<Upkeep> {
        self.tend(now, None)
    }

    /// What an action touched, as the needs whose keys it may change; `None` for everything
    /// (members or the group changed: roles, devices, expiry settings, the epoch).
    pub(super) fn scope_of(&self, touched: &Touched) -> Result<Option<BTreeSet<Uuid>>> {
        if touched.group || touched.collections.iter().any(|c| AFFECTS_KEYS.contains(c)) || touched.records.iter().any(|(c, _)| *c == Collection::Members) {
            return Ok(None);
        }
        let mut needs = BTreeSet::new();
        for (collection, id) in &touched.records {
            let Ok(id) = id.parse::<Uuid>() else { continue };
            match collection {
                Collection::Needs => {
                    needs.insert(id);
                }
                Collection::Assignments => needs.extend(self.assignment_need(id)?),
                _ => {}
            }
        }
        Ok(Some(needs))
    }

    /// `upkeep` for the needs in `scope` only, or for all when `None` (which also expires
    /// overdue needs and grants the organizer key).
    pub(super) fn tend(&mut self, now: DateTime<Utc>, scope: Option<BTreeSet<Uuid>>) -> Result<Upkeep> {
        let Ok(me) = self.me() else { return Ok(Upkeep::default()) };
        // Only needs with contact details (or forgotten ones) can have keys to shred or pass on.
        let ids = match scope.clone() {
            Some(ids) => ids.into_iter().collect(),
            None => self.needs_with_keys()?,
        };
        let needs: Vec<Need> =
            ids.into_iter().filter_map(|id| self.need(id).ok()).filter(|n| n.sealed_contact.is_some() || n.contact_forgotten_at.is_some()).collect();
        // Most actions end here, before reading the group or looking for a newer epoch (5 % of
        // adding a need). A new epoch arrives by sync or bundle, or with a change to the group,
        // and each of those tends everything.
        if needs.is_empty() && scope.is_some() {
            return Ok(Upkeep::default());
        }
        let group = self.group()?;
        let mut done = Upkeep { moved_to_epoch: self.adopt_recorded_secret(&group)?, ..Upkeep::default() };
        let mut shredded = false;
        for need in &needs {
            let due = need.contact_forgotten_at.is_some() || past_expiry(need, group.settings.expiry_days, now);
            if due && self.conn.execute("DELETE FROM envelopes WHERE subject = ?1", [Subject::Contact(need.id).as_string()])? > 0 {
                done.shredded += 1;
                shredded = true;
            }
        }
        if scope.is_none() && self.delete_retired_organizer_keys(&group)? {
            shredded = true;
        }
        if shredded {
            // The WAL may still hold pages with the deleted keys until it is checkpointed.
            self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        }
        let members = self.members()?;
        if scope.is_none() && self.doc()?.require_organizer(me, "renew the group secret").is_ok() && self.secret_reached_removed(&group, &members)? {
            let next = self.start_epoch(None)?;
            self.write(|doc| doc.move_to_epoch(me, next.epoch, next.secret.id(), now))?;
            done.moved_to_epoch = self.adopt_recorded_secret(&self.group()?)?;
        }
        let Some(organizer) = self.organizer_key()? else { return Ok(done) };

        let devices = |id: Uuid| members.iter().filter(move |m| m.id == id && m.removed_at.is_none()).flat_map(|m| m.device_ids.iter().cloned());
        let mut grants: Vec<Envelope> = Vec::new();
        if scope.is_none() {
            let subject = Subject::organizer_key(&organizer.public_hex());
            for device in members.iter().filter(|m| m.role == Role::Organizer).flat_map(|m| devices(m.id)) {
                if !self.has_envelope(subject, &device)? {
                    grants.extend(Envelope::seal(subject, &device, &organizer.to_bytes()));
                }
            }
        }
        for need in needs.iter().filter(|n| n.sealed_contact.is_some() && n.contact_forgotten_at.is_none()) {
            if past_expiry(need, group.settings.expiry_days, now) {
                continue;
            }
            let subject = Subject::Contact(need.id);
            // Without the person's consent, only organizers read their details.
            let assigned = self.assignments(Some(need.id), None)?.into_iter().filter(|a| !need.contact_organizers_only && a.status.fills_need());
            let recipients: Vec<String> = assigned.flat_map(|a| devices(a.volunteer)).chain(group.organizer_key.clone()).collect();
            let mut missing = Vec::new();
            for recipient in recipients {
                if !self.has_envelope(subject, &recipient)? {
                    missing.push(recipient);
                }
            }
            if missing.is_empty() {
                continue;
            }
            let Some(key) = self.record_key(need.id)? else { continue };
            grants.extend(missing.iter().filter_map(|to| Envelope::seal(subject, to, &key)));
        }
        done.granted = self.insert_envelopes(&grants)?;

        if scope.is_none() {
            let cutoff = now - Duration::days(group.settings.grace_days.into());
            let overdue = self.overdue_needs(cutoff)?;
            if !overdue.is_empty() {
                self.write(|doc| overdue.iter().try_for_each(|&id| doc.set_need_status(me, id, NeedStatus::Expired, now).map(drop)))?;
                done.expired = overdue.len();
            }
        }
        Ok(done)
    }

    /// Needs whose contact-detail keys this device holds (for itself, or for any other device).
    fn needs_with_keys(&self) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached("SELECT DISTINCT subject FROM envelopes WHERE subject LIKE 'contact:%'")?;
        let subjects = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut needs = Vec::new();
        for subject in subjects {
            if let Some(Subject::Contact(need)) = Subject::parse(&subject?) {
                needs.push(need);
            }
        }
        Ok(needs)
    }

    /// Open or matched needs whose 'needed by' passed before `cutoff`.
    fn overdue_needs(&self, cutoff: DateTime<Utc>) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM needs WHERE status IN ('open', 'matched') AND needed_by IS NOT NULL AND needed_by < ?1",
        )?;
        let ids = stmt.query_map([cutoff.timestamp_millis()], |r| r.get::<_, String>(0))?;
        ids.map(|id| id?.parse().map_err(|_| Error::BadChanges("an index row has a bad need id".into()))).collect()
    }

    fn assignment_need(&self, assignment: Uuid) -> Result<Option<Uuid>> {
        let need: Option<String> = self.conn.query_row("SELECT need FROM assignments WHERE id = ?1", [assignment.to_string()], |r| r.get(0)).optional()?;
        Ok(need.and_then(|n| n.parse().ok()))
    }

    /// Makes the group's organizer key, held by this (the founding) device.
    pub(super) fn make_organizer_key(&mut self) -> Result<()> {
        let key = SealingKey::generate();
        let envelope = Envelope::seal(Subject::organizer_key(&key.public_hex()), &self.device.id(), &key.to_bytes()).expect("a device id is a public key");
        self.insert_envelopes(&[envelope])?;
        let public = key.public_hex();
        self.act(|doc, me, now| doc.set_organizer_key(me, &public, now))
    }

    /// The organizer key, if it has been sealed to this device.
    fn organizer_key(&self) -> Result<Option<SealingKey>> {
        let Some(public) = self.group()?.organizer_key else { return Ok(None) };
        let subject = Subject::organizer_key(&public);
        Ok(self.open_envelope(subject, &self.device.id(), &self.sealing_key())?.map(|key| SealingKey::from_bytes(key.0)))
    }

    /// Replaces the organizer key when `leaving` (an organizer) is removed or demoted, so their
    /// devices open nothing sealed from now on: a new key, sealed to the other organizers'
    /// devices, every contact key this device can open sealed to it again, and the old key's
    /// envelopes deleted here (other devices delete theirs at their next upkeep). Needs a device
    /// that holds the current key; otherwise nothing is changed.
    fn rotate_organizer_key(&mut self, leaving: Uuid) -> Result<String> {
        self.organizer_key()?.ok_or(Error::NoOrganizerKeyHere)?;
        let new = SealingKey::generate();
        let public = new.public_hex();
        let mut envelopes = Vec::new();
        for need in self.needs(&NeedFilter::default())?.into_iter().filter(|n| n.sealed_contact.is_some() && n.contact_forgotten_at.is_none()) {
            if let Some(key) = self.record_key(need.id)? {
                envelopes.extend(Envelope::seal(Subject::Contact(need.id), &public, &key));
            }
        }
        let organizers = self.members()?.into_iter().filter(|m| m.role == Role::Organizer && m.removed_at.is_none() && m.id != leaving);
        let subject = Subject::organizer_key(&public);
        envelopes.extend(organizers.flat_map(|m| m.device_ids).filter_map(|device| Envelope::seal(subject, &device, &new.to_bytes())));
        // Keys first: a crash in between leaves spare envelopes, never details nobody can open.
        self.insert_envelopes(&envelopes)?;
        Ok(public)
    }

    /// Deletes what was sealed to organizer keys the group replaced.
    fn delete_retired_organizer_keys(&mut self, group: &Group) -> Result<bool> {
        let mut deleted = 0;
        for retired in &group.retired_organizer_keys {
            deleted += self.conn.execute(
                "DELETE FROM envelopes WHERE recipient = ?1 OR subject = ?2",
                params![retired, Subject::organizer_key(retired).as_string()],
            )?;
        }
        Ok(deleted > 0)
    }

    /// The record key of a need's contact details, if sealed to this device or to the
    /// organizer key this device holds.
    pub(super) fn record_key(&self, need: Uuid) -> Result<Option<Key32>> {
        let subject = Subject::Contact(need);
        if let Some(key) = self.open_envelope(subject, &self.device.id(), &self.sealing_key())? {
            return Ok(Some(key));
        }
        let (Some(organizer), Some(public)) = (self.organizer_key()?, self.group().ok().and_then(|g| g.organizer_key)) else { return Ok(None) };
        self.open_envelope(subject, &public, &organizer)
    }

    pub(super) fn sealing_key(&self) -> SealingKey {
        SealingKey::from_bytes(self.device.private_bytes())
    }

    /// Opens the envelope for `subject` addressed to `recipient`. One that does not open was
    /// forged or damaged by whoever made it: it is treated as absent.
    fn open_envelope(&self, subject: Subject, recipient: &str, key: &SealingKey) -> Result<Option<Key32>> {
        Ok(self.envelope(subject, recipient)?.and_then(|envelope| envelope.open(key).ok()))
    }

    fn envelope(&self, subject: Subject, recipient: &str) -> Result<Option<Envelope>> {
        let subject = subject.as_string();
        let sealed = self
            .conn
            .query_row("SELECT sealed FROM envelopes WHERE subject = ?1 AND recipient = ?2", params![subject, recipient], |r| r.get(0))
            .optional()?;
        Ok(sealed.map(|sealed| Envelope { subject, recipient: recipient.to_string(), sealed }))
    }

    fn has_envelope(&self, subject: Subject, recipient: &str) -> Result<bool> {
        Ok(self.envelope(subject, recipient)?.is_some())
    }

    /// Stores envelopes, keeping the one already held for the same subject and recipient.
    /// Envelopes for needs the group has forgotten are never stored. Returns how many were new.
    pub(super) fn insert_envelopes(&mut self, envelopes: &[Envelope]) -> Result<usize> {
        // Most sync frames carry none: no transaction for them.
        if envelopes.is_empty() {
            return Ok(0);
        }
        let forgotten = |subject: &str| match Subject::parse(subject) {
            Some(Subject::Contact(need)) => self.need(need).is_ok_and(|n| n.contact_forgotten_at.is_some()),
            _ => false,
        };
        let keep: Vec<&Envelope> = envelopes.iter().filter(|e| !forgotten(&e.subject)).collect();
        let tx = self.conn.transaction()?;
        let mut added = 0;
        {
            let mut insert = tx.prepare_cached("INSERT OR IGNORE INTO envelopes (subject, recipient, sealed) VALUES (?1, ?2, ?3)")?;
            for envelope in keep {
                added += insert.execute(params![envelope.subject, envelope.recipient, envelope.sealed])?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// Envelopes stored after `after` (an envelope id), and the highest id among them.
    pub(super) fn envelopes_after(&self, after: i64) -> Result<(Vec<Envelope>, i64)> {
        let mut stmt = self.conn.prepare_cached("SELECT id, subject, recipient, sealed FROM envelopes WHERE id > ?1 ORDER BY id")?;
        let mut newest = after;
        let rows = stmt.query_map([after], |r| Ok((r.get::<_, i64>(0)?, Envelope { subject: r.get(1)?, recipient: r.get(2)?, sealed: r.get(3)? })))?;
        let mut envelopes = Vec::new();
        for row in rows {
            let (id, envelope) = row?;
            newest = newest.max(id);
            envelopes.push(envelope);
        }
        Ok((envelopes, newest))
    }

    /// Takes up the group secret the record names, if it is not the current one and this
    /// device holds it or finds it sealed to itself. The record's secret only moves forward,
    /// so of two removals made apart every device ends on the same one.
    fn adopt_recorded_secret(&mut self, group: &Group) -> Result<Option<u32>> {
        let recorded_id = group.epoch_secret_id();
        if (group.epoch, recorded_id) == (self.epoch, Some(self.secret.id())) || (group.epoch == 0 && recorded_id.is_none()) {
            return Ok(None);
        }
        let held = self.held_secrets()?.into_iter().find(|held| held.epoch == group.epoch && Some(held.secret.id()) == recorded_id);
        let secret = match (held, recorded_id) {
            (Some(held), _) => held.secret,
            (None, Some(id)) => match self.open_envelope(Subject::Epoch(group.epoch, id), &self.device.id(), &self.sealing_key())? {
                Some(key) => GroupSecret::from_bytes(key.0),
                None => return Ok(None),
            },
            (None, None) => return Ok(None),
        };
        self.keep_epoch_secret(group.epoch, &secret)?;
        self.conn.execute("UPDATE epoch_secrets SET current = (secret = ?1)", [&secret.as_bytes()[..]])?;
        (self.secret, self.epoch) = (secret, group.epoch);
        Ok(Some(group.epoch))
    }

    /// Remembers a group secret (one learned twice is kept once).
    pub(super) fn keep_epoch_secret(&self, epoch: u32, secret: &GroupSecret) -> Result<()> {
        self.conn.execute("INSERT OR IGNORE INTO epoch_secrets (secret, epoch) VALUES (?1, ?2)", params![&secret.as_bytes()[..], epoch])?;
        Ok(())
    }

    /// Whether the record's secret was sealed to a device of someone removed. It happens when
    /// two organizers remove two people while apart: each new secret reaches the person the
    /// other removed, so whichever the record keeps, an organizer starts another.
    fn secret_reached_removed(&self, group: &Group, members: &[Member]) -> Result<bool> {
        let Some(id) = group.epoch_secret_id() else { return Ok(false) };
        let removed: BTreeSet<&str> = members.iter().filter(|m| m.removed_at.is_some()).flat_map(|m| m.device_ids.iter().map(String::as_str)).collect();
        let mut stmt = self.conn.prepare_cached("SELECT recipient FROM envelopes WHERE subject = ?1")?;
        let recipients = stmt.query_map([Subject::Epoch(group.epoch, id).as_string()], |r| r.get::<_, String>(0))?;
        for recipient in recipients {
            if removed.contains(recipient?.as_str()) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Makes a new group secret for the epoch after the record's and this device's, sealed to
    /// every device of the members who stay (all but `leaving`). The record must move to it in
    /// the same write.
    fn start_epoch(&mut self, leaving: Option<Uuid>) -> Result<EpochSecret> {
        let doc = self.doc()?;
        let remaining: Vec<String> =
            doc.members().records.into_iter().filter(|m| Some(m.id) != leaving && m.removed_at.is_none()).flat_map(|m| m.device_ids).collect();
        let next = EpochSecret { epoch: doc.group()?.epoch.max(self.epoch) + 1, secret: GroupSecret::generate() };
        let subject = Subject::Epoch(next.epoch, next.secret.id());
        let key = Key32(*next.secret.as_bytes());
        let envelopes: Vec<Envelope> = remaining.iter().filter_map(|device| Envelope::seal(subject, device, &key)).collect();
        self.insert_envelopes(&envelopes)?;
        Ok(next)
    }

    /// Removes a member: their devices can no longer sync with the group or read what it shares
    /// from now on. A new group secret is sealed to every remaining device, and the record
    /// moves to its epoch in the same write.
    pub fn remove_member(&mut self, member: Uuid) -> Result<()> {
        let me = self.me()?;
        let doc = self.doc()?;
        doc.require_organizer(me, "remove members")?;
        let was_organizer = doc.member(member)?.role == Role::Organizer;
        let next = self.start_epoch(Some(member))?;
        let organizer_key = if was_organizer { Some(self.rotate_organizer_key(member)?) } else { None };
        self.act(|doc, me, now| {
            doc.remove_member(me, member, now)?;
            doc.move_to_epoch(me, next.epoch, next.secret.id(), now)?;
            organizer_key.as_deref().map_or(Ok(()), |key| doc.set_organizer_key(me, key, now))
        })?;
        Ok(())
    }

    /// Removes a member (`remove_member`) and renews the record at once, so that the record the
    /// group goes on with starts after the removal: it never held the history the removed
    /// member's devices keep, and a phone that deletes its archive keeps none of it either.
    /// Refused whole while conflicts are open, as renewing is.
    pub fn remove_member_and_renew(&mut self, member: Uuid) -> Result<Renewal> {
        let open = self.conflicts()?.len();
        if open > 0 {
            return Err(ValidationError::ConflictsOpen(open).into());
        }
        self.remove_member(member)?;
        self.renew(Vec::new())
    }

    /// Makes a member an organizer or a volunteer again. Demoting an organizer replaces the
    /// organizer key, as removing one does.
    pub fn set_role(&mut self, member: Uuid, role: Role) -> Result<Member> {
        // The checks first, so a refused change makes no key.
        let me = self.me()?;
        let doc = self.doc()?;
        doc.require_organizer(me, "change roles")?;
        let demoting = role != Role::Organizer && doc.member(member)?.role == Role::Organizer;
        let organizer_key = if demoting && member != me { Some(self.rotate_organizer_key(member)?) } else { None };
        self.act(|doc, me, now| {
            let changed = doc.set_role(me, member, role, now)?;
            organizer_key.as_deref().map_or(Ok(()), |key| doc.set_organizer_key(me, key, now))?;
            Ok(changed)
        })
    }
}

/// Whether a closed need's contact details are past the group's keeping time.
fn past_expiry(need: &Need, expiry_days: u32, now: DateTime<Utc>) -> bool {
    contact_outlived(need.status, need.updated_at, expiry_days, now)
}

/// Whether a need in `status`, last changed at `changed_at`, has been closed longer than the
/// group keeps contact details.
pub(super) fn contact_outlived(status: NeedStatus, changed_at: DateTime<Utc>, expiry_days: u32, now: DateTime<Utc>) -> bool {
    !status.takes_assignments() && changed_at + Duration::days(expiry_days.into()) <= now
}
