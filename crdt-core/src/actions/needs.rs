//! Needs: posting one, its status by hand, and the contact details of the person helped.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::engine::{Action, Collection, GroupDoc};
use crate::error::Result;
use crate::model::{Need, NeedStatus, NewNeed, SealedContact};
use crate::validation::ValidationError;

/// A need brought over from a group's earlier records (a spreadsheet, a form export). Its id
/// comes from the source row, so one row imported twice, on any device, is one need.
#[derive(Clone, Debug)]
pub struct ImportedNeed {
    pub id: Uuid,
    pub need: NewNeed,
    /// Open, or one of the closed statuses (a need is matched only by assignments).
    pub status: NeedStatus,
    pub posted_at: DateTime<Utc>,
    pub sealed_contact: Option<SealedContact>,
}

impl Need {
    /// A need as `by` posts it at `at`: open, with no contact details yet.
    fn posted(id: Uuid, input: NewNeed, by: Uuid, at: DateTime<Utc>) -> Need {
        Need {
            id,
            title: input.title.trim().to_string(),
            description: input.description.trim().to_string(),
            category: input.category,
            urgency: input.urgency,
            area: input.area.trim().to_string(),
            coords: input.coords,
            needed_by: input.needed_by,
            window_start: input.window_start,
            languages: input.languages,
            household_size: input.household_size,
            recurring: input.recurring,
            volunteers_needed: input.volunteers_needed,
            status: NeedStatus::Open,
            created_by: by,
            created_at: at,
            updated_at: at,
            closed_at: None,
            sealed_contact: None,
            contact_forgotten_at: None,
            channel: input.channel,
            contact_organizers_only: input.contact_organizers_only,
            referral: None,
            referred_from: None,
        }
    }
}

impl GroupDoc {
    pub fn add_need(&mut self, by: Uuid, input: NewNeed, now: DateTime<Utc>) -> Result<Need> {
        self.post_need(by, Uuid::now_v7(), input, None, now)
    }

    /// `add_need` with its id chosen, and the contact details of the person asking sealed with
    /// it (an intake: `Store::post_need`).
    pub fn post_need(&mut self, by: Uuid, id: Uuid, input: NewNeed, sealed_contact: Option<SealedContact>, now: DateTime<Utc>) -> Result<Need> {
        self.active_member(by)?;
        input.validate(&self.group()?.settings, now)?;
        let need = Need { sealed_contact, ..Need::posted(id, input, by, now) };
        self.change(Action::NeedAdd, now, |w| w.put(Collection::Needs, need.id, &need, None))?;
        Ok(need)
    }

    /// Closes a need by hand (done, cancelled, expired, referred) or reopens a closed one
    /// (`NeedStatus::may_become`). A reopened need takes the status its assignments give it,
    /// whichever open status was asked for.
    pub fn set_need_status(&mut self, by: Uuid, id: Uuid, status: NeedStatus, now: DateTime<Utc>) -> Result<Need> {
        self.active_member(by)?;
        let old = self.need(id)?;
        if old.status == status {
            return Ok(old);
        }
        if !old.status.may_become(status) {
            return Err(ValidationError::NoSuchTransition { kind: "need", from: old.status.to_string(), to: status.to_string() }.into());
        }
        let status = if status.takes_assignments() { self.reopened_status(&old) } else { status };
        let new = old.moved_to(status, now);
        self.change(Action::NeedStatus, now, |w| w.put(Collection::Needs, id, &new, Some(&old)))?;
        Ok(new)
    }

    /// Stores a need's contact details, already sealed. The person who posted the need and
    /// organizers may; nobody may once the group has been asked to forget this person.
    pub fn set_contact(&mut self, by: Uuid, id: Uuid, sealed: SealedContact, now: DateTime<Utc>) -> Result<Need> {
        let old = self.need_for_contact(by, id, "change someone's contact details")?;
        if old.contact_forgotten_at.is_some() {
            return Err(ValidationError::ContactForgotten.into());
        }
        let new = Need { sealed_contact: Some(sealed), updated_at: now, ..old.clone() };
        self.change(Action::NeedContact, now, |w| w.put(Collection::Needs, id, &new, Some(&old)))?;
        Ok(new)
    }

    /// "Forget this person": drops the sealed contact details and records that every device
    /// must delete the key to them (which is what makes the copies in history unreadable).
    pub fn forget_contact(&mut self, by: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<Need> {
        let old = self.need_for_contact(by, id, "forget someone's contact details")?;
        let new = Need { sealed_contact: None, contact_forgotten_at: Some(old.contact_forgotten_at.unwrap_or(now)), updated_at: now, ..old.clone() };
        self.change(Action::NeedForget, now, |w| w.put(Collection::Needs, id, &new, Some(&old)))?;
        Ok(new)
    }

    /// Adds needs from a group's earlier records (organizers), skipping those held already.
    /// Every one is checked before any is written. Returns the ids added. The
    /// record keeps when each was posted; a closed one counts as closed then, since old records
    /// seldom say when it closed.
    pub fn import_needs(&mut self, by: Uuid, needs: Vec<ImportedNeed>, now: DateTime<Utc>) -> Result<Vec<Uuid>> {
        self.active_member(by)?;
        self.require_organizer(by, "import records")?;
        let settings = self.group()?.settings;
        let (mut new, mut seen) = (Vec::new(), HashSet::new());
        for imported in needs {
            if self.need(imported.id).is_ok() || !seen.insert(imported.id) {
                continue;
            }
            imported.need.validate(&settings, imported.posted_at)?;
            if !NeedStatus::Open.may_become(imported.status) {
                return Err(ValidationError::NoSuchTransition { kind: "need", from: NeedStatus::Open.to_string(), to: imported.status.to_string() }.into());
            }
            let need = Need { sealed_contact: imported.sealed_contact, ..Need::posted(imported.id, imported.need, by, imported.posted_at) };
            new.push(need.moved_to(imported.status, imported.posted_at));
        }
        // A change per need would make a 10,000-row sheet 10,000 changes, each with its
        // signature and index entry; a hundred per change keeps the history and the write small.
        for batch in new.chunks(100) {
            self.change(Action::NeedAdd, now, |w| batch.iter().try_for_each(|need| w.put(Collection::Needs, need.id, need, None)))?;
        }
        Ok(new.into_iter().map(|n| n.id).collect())
    }

    /// The status a closed need takes when it opens again: what its assignments give it, and
    /// open if every place was done (it is open for more help).
    pub(crate) fn reopened_status(&self, need: &Need) -> NeedStatus {
        Some(NeedStatus::from_assignments(need.volunteers_needed, self.assignments_of_need(need.id).iter().map(|a| a.status)))
            .filter(|derived| derived.takes_assignments())
            .unwrap_or(NeedStatus::Open)
    }

    fn need_for_contact(&self, by: Uuid, id: Uuid, action: &'static str) -> Result<Need> {
        self.active_member(by)?;
        let need = self.need(id)?;
        if need.created_by != by {
            self.require_organizer(by, action)?;
        }
        Ok(need)
    }

}
