//! Referrals: a need sent from one group to another that a device is in. The sending group's
//! need keeps where it went and how far it has come (`Need::referral`); the need it becomes in
//! the other group keeps where it came from (`Need::referred_from`). The two live in two
//! documents, so a device in both carries each across (`store/referrals.rs`). Neither names a
//! person of the other group.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::engine::{Action, Collection, GroupDoc};
use crate::error::Result;
use crate::model::{Group, Names, Need, NeedStatus, NewNeed, Referral, ReferralProgress, ReferralStep, ReferredFrom, SealedContact};
use crate::validation::{check_length, check_text, Field, ValidationError, MAX_TEXT};

/// Fixed, so that every device derives the same id for the need a referral becomes.
const REFERRAL_NAMESPACE: Uuid = Uuid::from_u128(0x3f0c_51d2_7a84_4b19_9e6d_c2a7_18f4_0b5e);

/// The id of the need that referral `number` of `need` (in group `from`) becomes in the group
/// it is sent to. Every device carrying it derives the same id, so two never make two needs.
pub fn referred_need_id(from: Uuid, need: Uuid, number: u32) -> Uuid {
    Uuid::new_v5(&REFERRAL_NAMESPACE, format!("{from}/{need}/{number}").as_bytes())
}

/// Where an organizer sends a need.
#[derive(Clone, Debug)]
pub struct Destination {
    pub group: Uuid,
    pub group_name: String,
    /// The area the need goes to there.
    pub area: String,
    pub note: String,
    /// Whether the person's contact details go too (`Store::refer` decides: only with consent).
    pub with_contact: bool,
}

/// What the receiving group's organizers answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Accept,
    Return { reason: String },
}

impl Need {
    /// How far this need, received as a referral, has come: what a device in both groups carries
    /// back to the group that sent it. `None` for a need that was not referred here.
    pub fn progress_as_referred(&self) -> Option<(ReferralProgress, DateTime<Utc>, String)> {
        let from = self.referred_from.as_ref()?;
        let closed_at = self.closed_at.unwrap_or(self.updated_at);
        Some(match (from.returned_at, self.status) {
            (Some(at), _) => (ReferralProgress::Returned, at, from.reason.clone()),
            (None, NeedStatus::Done) => (ReferralProgress::Done, closed_at, String::new()),
            (None, NeedStatus::Cancelled | NeedStatus::Expired | NeedStatus::Referred) => (ReferralProgress::Cancelled, closed_at, String::new()),
            (None, NeedStatus::Matched | NeedStatus::InProgress) => (ReferralProgress::Assigned, self.updated_at, String::new()),
            (None, NeedStatus::Open) => match from.accepted_at {
                Some(at) => (ReferralProgress::Accepted, at, String::new()),
                None => (ReferralProgress::Sent, self.created_at, String::new()),
            },
        })
    }

    /// Who posted it: the member, or for a need received as a referral, the group that sent it.
    pub fn posted_by(&self, names: &Names) -> String {
        match &self.referred_from {
            Some(from) if from.group == self.created_by => from.group_name.clone(),
            _ => names.of(self.created_by),
        }
    }

    /// The need a referral becomes in the group it is sent to: the need as the sending group
    /// holds it, with the referral's id, times and area, so that devices carrying one referral of
    /// an unchanged need write the same record. It counts as posted by the sending group.
    fn received(from: &Group, sent: &Need, referral: &Referral, history: Vec<ReferralStep>, sealed_contact: Option<SealedContact>) -> Need {
        Need {
            id: referred_need_id(from.id, sent.id, referral.number),
            area: referral.area.clone(),
            status: NeedStatus::Open,
            created_by: from.id,
            created_at: referral.at,
            updated_at: referral.at,
            closed_at: None,
            sealed_contact,
            contact_forgotten_at: None,
            referral: None,
            referred_from: Some(ReferredFrom {
                group: from.id,
                group_name: from.name.clone(),
                need: sent.id,
                number: referral.number,
                note: referral.note.clone(),
                history,
                accepted_at: None,
                returned_at: None,
                reason: String::new(),
            }),
            ..sent.clone()
        }
    }

    /// The need as a form would have posted it, for the receiving group's checks.
    fn as_new(&self) -> NewNeed {
        NewNeed {
            title: self.title.clone(),
            description: self.description.clone(),
            category: self.category,
            urgency: self.urgency,
            area: self.area.clone(),
            coords: self.coords,
            needed_by: self.needed_by,
            window_start: self.window_start,
            languages: self.languages.clone(),
            household_size: self.household_size,
            recurring: self.recurring,
            volunteers_needed: self.volunteers_needed,
            channel: self.channel,
            contact_organizers_only: self.contact_organizers_only,
        }
    }
}

impl Referral {
    /// Whether what a device saw of the need in the other group is newer than what this
    /// referral shows: a later time, or at the same time a step further. A device whose copy of
    /// the other group is behind never moves the progress back.
    pub fn is_news(&self, seen: &(ReferralProgress, DateTime<Utc>, String)) -> bool {
        (seen.1, seen.0) > (self.progress_at, self.progress)
    }

    /// Whether the other group may still be working on it: sent, accepted or assigned there.
    pub fn is_live(&self) -> bool {
        matches!(self.progress, ReferralProgress::Sent | ReferralProgress::Accepted | ReferralProgress::Assigned)
    }
}

impl GroupDoc {
    /// The need as it would be once sent to `to` (organizers), written nowhere: `Store::refer`
    /// checks this before it writes anything in either group.
    pub fn referral_of(&self, by: Uuid, id: Uuid, to: &Destination, now: DateTime<Utc>) -> Result<Need> {
        self.active_member(by)?;
        self.require_organizer(by, "refer a need to another group")?;
        if to.group == self.group()?.id {
            return Err(ValidationError::ReferToOwnGroup.into());
        }
        check_length(Field::Note, &to.note, MAX_TEXT)?;
        let old = self.need(id)?;
        if !old.status.takes_assignments() {
            return Err(ValidationError::NoSuchTransition { kind: "need", from: old.status.to_string(), to: NeedStatus::Referred.to_string() }.into());
        }
        // Reopened by hand while the other group still has it: a second referral would make a
        // second need there for one person.
        if let Some(live) = old.referral.as_ref().filter(|r| r.is_live()) {
            return Err(ValidationError::StillReferred(live.group_name.clone()).into());
        }
        let referral = Referral {
            number: old.referral.as_ref().map_or(1, |r| r.number.saturating_add(1)),
            group: to.group,
            group_name: to.group_name.clone(),
            area: to.area.clone(),
            by,
            at: now,
            note: to.note.trim().to_string(),
            with_contact: to.with_contact,
            progress: ReferralProgress::Sent,
            progress_at: now,
            reason: String::new(),
        };
        Ok(Need { referral: Some(referral), ..old.moved_to(NeedStatus::Referred, now) })
    }

    /// Sends a need to another group (organizers): it becomes `referred`, naming where it went.
    pub fn refer_need(&mut self, by: Uuid, id: Uuid, to: &Destination, now: DateTime<Utc>) -> Result<Need> {
        let new = self.referral_of(by, id, to, now)?;
        let old = self.need(id)?;
        self.change(Action::NeedRefer, now, |w| w.put(Collection::Needs, id, &new, Some(&old)))?;
        Ok(new)
    }

    /// The need `sent` from group `from` becomes here, checked against this group's settings
    /// (its dates as of when it was sent); `None` if it is here already.
    pub fn referred_need(&self, from: &Group, sent: &Need, history: Vec<ReferralStep>, sealed: Option<SealedContact>) -> Result<Option<Need>> {
        let referral = sent.referral.as_ref().ok_or(ValidationError::NotReferred)?;
        let need = Need::received(from, sent, referral, history, sealed);
        if self.need(need.id).is_ok() {
            return Ok(None);
        }
        need.as_new().validate(&self.group()?.settings, referral.at)?;
        Ok(Some(need))
    }

    /// Writes a need received as a referral (any member's device in both groups carries it).
    /// Returns whether it was new here.
    pub fn take_referral(&mut self, by: Uuid, from: &Group, sent: &Need, history: Vec<ReferralStep>, sealed: Option<SealedContact>, now: DateTime<Utc>) -> Result<bool> {
        self.active_member(by)?;
        let Some(need) = self.referred_need(from, sent, history, sealed)? else { return Ok(false) };
        self.change(Action::ReferralTake, now, |w| w.put(Collection::Needs, need.id, &need, None))?;
        Ok(true)
    }

    /// Accepts a referred need, or returns it to the group that sent it with a reason
    /// (organizers). A returned need closes here; the sending group sees it back open.
    pub fn answer_referral(&mut self, by: Uuid, id: Uuid, answer: Answer, now: DateTime<Utc>) -> Result<Need> {
        self.active_member(by)?;
        self.require_organizer(by, "accept or return a referral")?;
        let old = self.need(id)?;
        let from = old.referred_from.clone().ok_or(ValidationError::NotReferred)?;
        let new = match answer {
            Answer::Accept => Need { referred_from: Some(ReferredFrom { accepted_at: from.accepted_at.or(Some(now)), ..from }), updated_at: now, ..old.clone() },
            Answer::Return { reason } => {
                check_text(Field::Reason, &reason, MAX_TEXT)?;
                if !old.status.takes_assignments() {
                    return Err(ValidationError::NoSuchTransition { kind: "need", from: old.status.to_string(), to: NeedStatus::Referred.to_string() }.into());
                }
                let returned = ReferredFrom { returned_at: Some(now), reason: reason.trim().to_string(), ..from };
                Need { referred_from: Some(returned), ..old.moved_to(NeedStatus::Referred, now) }
            }
        };
        let action = if new.referred_from.as_ref().is_some_and(|f| f.returned_at.is_some()) { Action::ReferralReturn } else { Action::ReferralAccept };
        self.change(action, now, |w| w.put(Collection::Needs, id, &new, Some(&old)))?;
        Ok(new)
    }

    /// Notes how far a need sent elsewhere has come there, as a device in both groups saw it
    /// (`Need::progress_as_referred`). A need returned opens again here, with the reason.
    pub fn note_referral_progress(&mut self, by: Uuid, id: Uuid, number: u32, seen: (ReferralProgress, DateTime<Utc>, String), now: DateTime<Utc>) -> Result<Need> {
        self.active_member(by)?;
        let old = self.need(id)?;
        let referral = old.referral.clone().filter(|r| r.number == number).ok_or(ValidationError::NotReferred)?;
        if !referral.is_news(&seen) {
            return Ok(old);
        }
        check_length(Field::Reason, &seen.2, MAX_TEXT)?;
        let (progress, progress_at, reason) = seen;
        let reopened = progress == ReferralProgress::Returned && old.status == NeedStatus::Referred;
        let need = match reopened {
            true => old.moved_to(self.reopened_status(&old), now),
            false => Need { updated_at: now, ..old.clone() },
        };
        let new = Need { referral: Some(Referral { progress, progress_at, reason, ..referral }), ..need };
        self.change(Action::ReferralProgress, now, |w| w.put(Collection::Needs, id, &new, Some(&old)))?;
        Ok(new)
    }

    /// What happened to a need before referral `number` sent it, oldest first, without who.
    pub fn steps_before_referral(&self, id: Uuid, number: u32) -> Vec<ReferralStep> {
        let mut referrals_seen = 0;
        self.history(id)
            .into_iter()
            .take_while(|entry| {
                referrals_seen += u32::from(entry.action == Action::NeedRefer.as_str());
                referrals_seen < number
            })
            .filter_map(|entry| {
                let status = entry.fields.iter().find(|f| f.field == "status").and_then(|f| serde_json::from_value(f.new.clone()).ok());
                Some(ReferralStep { at: entry.at?, action: entry.action, status })
            })
            .collect()
    }
}
