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

impl Store {
    /// Sends `need` to `target`, another group on this device (organizers), into `area` there
    /// (by default the need's own). The person's contact details go too if they agreed to
    /// share them with whoever helps and this device can open them. Everything is checked
    /// first; the need then appears in `target`, and only after that is it marked referred
    /// here, so a crash in between leaves a referral that sending again completes.
    pub fn refer(&mut self, need: Uuid, target: &mut Store, area: Option<&str>, note: &str) -> Result<Need> {
        let me = self.me()?;
        let current = self.need(need)?;
        let to = target.group()?;
        let destination = Destination {
            group: to.id,
            group_name: to.name,
            area: area.map_or_else(|| current.area.clone(), |a| a.trim().to_string()),
            note: note.to_string(),
            with_contact: !current.contact_organizers_only && self.contact(need).is_ok(),
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
                (Some(key.seal_contact_once(id, &contact)), Envelope::seal(Subject::Contact(id), &organizers, &key).into_iter().collect())
            }
            false => (None, Vec::new()),
        };
        // Checked before the key is kept: a need that cannot go leaves nothing behind.
        if target.doc()?.referred_need(from, sent, history.clone(), sealed.clone())?.is_none() {
            return Ok(false);
        }
        target.insert_envelopes(&envelopes)?;
        target.act(|doc, me, now| doc.take_referral(me, from, sent, history, sealed, now))
    }

    /// Carries this group's referrals to `target`: needs sent there that it does not hold yet,
    /// and how far those it holds have come. Returns how many records it wrote.
    fn carry_to(&mut self, target: &mut Store) -> Result<usize> {
        let (from, to) = (self.group()?, target.group()?);
        let mut written = 0;
        for sent in self.needs(&NeedFilter { status: Some(NeedStatus::Referred), ..NeedFilter::default() })? {
            let Some(referral) = sent.referral.as_ref().filter(|r| r.group == to.id) else { continue };
            let number = referral.number;
            match target.need(referred_need_id(from.id, sent.id, number)) {
                Ok(there) => {
                    let Some(seen) = there.progress_as_referred().filter(|seen| !referral.has_seen(seen)) else { continue };
                    self.act(|doc, me, now| doc.note_referral_progress(me, sent.id, number, seen, now))?;
                    written += 1;
                }
                Err(Error::NotFound { .. }) => written += usize::from(self.carry_over(&from, &sent, target)?),
                Err(e) => return Err(e),
            }
        }
        Ok(written)
    }
}

/// Carries referrals both ways between two groups on this device (`Store::carry_to`): run it
/// after either has synced. Returns how many records it wrote.
pub fn carry_referrals(a: &mut Store, b: &mut Store) -> Result<usize> {
    Ok(a.carry_to(b)? + b.carry_to(a)?)
}
