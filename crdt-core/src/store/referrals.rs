//! Referrals carried between two groups on this device; the rules are in `actions/referrals.rs`.
//! Each group is a database of its own, so only a device in both can move a need from one to
//! the other, and carry back how far it has come.

use chrono::Utc;
use uuid::Uuid;

use super::{NeedFilter, Store};
use crate::actions::{referred_need_id, Destination};
use crate::error::{Error, Result};
use crate::model::{Group, Need, NeedStatus};
use crate::seal::{Envelope, Subject};
use crate::validation::ValidationError;

/// How long a referral waits for the device of the organizer who made it (which writes it in the
/// other group at once) before other devices in both groups carry it over too. Two devices
/// carrying it write one need, but a copy from each, and an edit made to one copy before they
/// meet is a conflict for an organizer (`conflict.rs`): better only when the first device's copy
/// seems not to have reached the other group.
const OTHERS_CARRY_OVER_AFTER: chrono::Duration = chrono::Duration::days(1);

impl Store {
    /// Sends `need` to `target`, another group on this device (organizers), into `area` there
    /// (by default the need's own). The person's contact details go too only if the organizer
    /// asks (`with_contact`) and the person agreed to share them with whoever helps. Everything
    /// is checked first; the need then appears in `target`, and only after that is it marked
    /// referred here, so a crash in between leaves a referral that sending again completes.
    pub fn refer(&mut self, need: Uuid, target: &mut Store, area: Option<&str>, note: &str, with_contact: bool) -> Result<Need> {
        let me = self.me()?;
        let current = self.need(need)?;
        let with_contact = with_contact && current.sealed_contact.is_some();
        if with_contact {
            if current.contact_organizers_only {
                return Err(ValidationError::NoConsent.into());
            }
            // Details this device cannot open (expired, forgotten, not its own) cannot go.
            self.contact(need)?;
        }
        let to = target.group()?;
        let destination = Destination {
            group: to.id,
            group_name: to.name,
            area: area.map_or_else(|| current.area.clone(), |a| a.trim().to_string()),
            note: note.to_string(),
            with_contact,
        };
        let now = Utc::now();
        let referred = self.doc()?.referral_of(me, need, &destination, now)?;
        self.carry_over(&self.group()?, &referred, target)?;
        self.act(|doc, me, _| doc.refer_need(me, need, &destination, now))
    }

    /// Writes in `target` the need that `sent` (referred from this group, `from`) becomes there,
    /// unless it is there already. Contact details go only if the referral took them, sealed
    /// with a key derived from this group's (so every device carrying it writes the same bytes)
    /// to the target group's organizers alone; its own upkeep grants them to whoever is assigned
    /// there. Returns whether it wrote; `false` too when the details should go but this device
    /// cannot open them, leaving it to a device that can.
    fn carry_over(&mut self, from: &Group, sent: &Need, target: &mut Store) -> Result<bool> {
        let referral = sent.referral.as_ref().ok_or(ValidationError::NotReferred)?;
        let id = referred_need_id(from.id, sent.id, referral.number);
        let history = self.doc()?.steps_before_referral(sent.id, referral.number);
        let (sealed, envelopes) = match referral.with_contact {
            true => {
                let (Ok(contact), Some(key)) = (self.contact(sent.id), self.record_key(sent.id)?) else { return Ok(false) };
                let organizers = target.group()?.organizer_key.ok_or(Error::NoOrganizerKey)?;
                let key = key.derive(&format!("aidmesh/referral/{id}"));
                let envelope = Envelope::seal(Subject::Contact(id), &organizers, &key).ok_or(Error::NoOrganizerKey)?;
                (Some(key.seal_contact_deterministic(id, &contact)), vec![envelope])
            }
            false => (None, Vec::new()),
        };
        // Checked before the key is kept, so that a need the other group refuses (its areas,
        // its categories) leaves no key behind there.
        if target.doc()?.referred_need(from, sent, history.clone(), sealed.clone())?.is_none() {
            return Ok(false);
        }
        target.insert_envelopes(&envelopes)?;
        target.act(|doc, me, now| doc.take_referral(me, from, sent, history, sealed, now))
    }

    /// Carries this group's referrals to `target`: needs sent there that it does not hold yet,
    /// and how far those it holds have come. One that cannot be carried (the other group refuses
    /// it, a record there cannot be read) becomes a warning and the others still go. Returns how
    /// many records it wrote.
    fn carry_to(&mut self, target: &mut Store) -> Result<usize> {
        let to = target.group()?;
        // Runs after every sync: with nothing sent to `target`, it reads nothing more.
        let referred = self.needs(&NeedFilter { status: Some(NeedStatus::Referred), ..NeedFilter::default() })?;
        let sent_there: Vec<Need> = referred.into_iter().filter(|n| n.referral.as_ref().is_some_and(|r| r.group == to.id)).collect();
        if sent_there.is_empty() || !self.is_active_member()? || !target.is_active_member()? {
            return Ok(0);
        }
        let from = self.group()?;
        let mut written = 0;
        for sent in sent_there {
            let Some(referral) = sent.referral.as_ref() else { continue };
            let number = referral.number;
            let carried = match target.need(referred_need_id(from.id, sent.id, number)) {
                Ok(there) => match there.progress_as_referred().filter(|seen| referral.is_news(seen)) {
                    Some(seen) => self.act(|doc, me, now| doc.note_referral_progress(me, sent.id, number, seen, now)).map(|_| true),
                    None => Ok(false),
                },
                Err(Error::NotFound { .. }) if referral.by == self.me()? || referral.at < Utc::now() - OTHERS_CARRY_OVER_AFTER => self.carry_over(&from, &sent, target),
                Err(Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(e),
            };
            match carried {
                Ok(wrote) => written += usize::from(wrote),
                Err(e) => self.warnings.push(Error::Referral { title: sent.title.clone(), group: to.name.clone(), source: Box::new(e) }),
            }
        }
        Ok(written)
    }

    /// Whether this device's member is in the group and not removed (only they write).
    fn is_active_member(&self) -> Result<bool> {
        let me = self.me()?;
        Ok(self.members()?.iter().any(|m| m.id == me && m.removed_at.is_none()))
    }
}

/// Carries referrals both ways between two groups on this device (`Store::carry_to`): run it
/// after either has synced. Returns how many records it wrote.
pub fn carry_referrals(a: &mut Store, b: &mut Store) -> Result<usize> {
    Ok(a.carry_to(b)? + b.carry_to(a)?)
}
