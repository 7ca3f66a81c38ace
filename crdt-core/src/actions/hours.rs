//! The timebank's actions: logging hours, and confirming, disputing or voiding them.
//!
//! Every entry, and every verdict on it, is its own record, written once and never edited (see
//! `model::ledger`), so an entry's status and every balance are functions of the set of records.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::engine::{Action, Collection, GroupDoc};
use crate::error::Result;
use crate::model::{check_category, open_disputes, AssignmentStatus, EntryStatus, HourEntry, HourVerdict, LedgerEntry, NewHours, Party, Role, VerdictKind};
use crate::validation::{check_length, check_text, Field, ValidationError, MAX_TEXT};

impl GroupDoc {
    /// Logs hours `input.from` gave. Members log their own; organizers may log anyone's.
    /// Hours linked to an assignment must be its volunteer's, for finished work, logged once.
    pub fn log_hours(&mut self, by: Uuid, input: NewHours, now: DateTime<Utc>) -> Result<HourEntry> {
        self.active_member(by)?;
        self.active_member(input.from)?;
        if input.from != by {
            self.require_organizer(by, "log hours someone else gave")?;
        }
        match input.to {
            Party::Member(to) if to == input.from => return Err(ValidationError::HoursToSelf.into()),
            Party::Member(to) => {
                self.active_member(to)?;
            }
            Party::Group => {}
        }
        input.hours.check_entry()?;
        check_length(Field::Note, &input.note, MAX_TEXT)?;
        let mut category = input.category;
        if let Some(id) = input.assignment {
            let assignment = self.assignment(id)?;
            if assignment.volunteer != input.from {
                return Err(ValidationError::AssignmentOfAnotherMember(self.member(assignment.volunteer)?.display_name).into());
            }
            if assignment.status != AssignmentStatus::Done {
                return Err(ValidationError::AssignmentNotDone(assignment.status.to_string()).into());
            }
            if let Some(logged) = self.live_entries_of_assignment(id).first() {
                return Err(ValidationError::AlreadyLogged(logged.entry.id).into());
            }
            category = category.or(Some(self.need(assignment.need)?.category));
        }
        if let Some(category) = category {
            check_category(&self.group()?.settings, category)?;
        }
        let entry = HourEntry {
            id: Uuid::now_v7(),
            from: input.from,
            to: input.to,
            hours: input.hours,
            assignment: input.assignment,
            category,
            note: input.note.trim().to_string(),
            created_by: by,
            created_at: now,
        };
        self.change(Action::HoursLog, now, |w| w.put(Collection::HourEntries, entry.id, &entry, None))?;
        Ok(entry)
    }

    /// Confirms an entry: the member who received the help does, or an organizer (for hours
    /// given to the group, and to settle a dispute). Never the member who gave them.
    pub fn confirm_hours(&mut self, by: Uuid, entry_id: Uuid, now: DateTime<Utc>) -> Result<HourVerdict> {
        let member = self.active_member(by)?;
        let (entry, verdicts) = self.entry_with_verdicts(entry_id)?;
        let entry = LedgerEntry { entry, status: EntryStatus::of(&verdicts) };
        entry.check_confirm(by, member.role == Role::Organizer)?;
        let entry = entry.entry;
        let settles = open_disputes(&verdicts).collect();
        self.add_verdict(by, &entry, VerdictKind::Confirm, "", settles, now)
    }

    /// Disputes an entry that is not yet confirmed: either member in it, or an organizer, with a reason.
    pub fn dispute_hours(&mut self, by: Uuid, entry_id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<HourVerdict> {
        let member = self.active_member(by)?;
        let (entry, verdicts) = self.entry_with_verdicts(entry_id)?;
        match EntryStatus::of(&verdicts) {
            EntryStatus::Voided => return Err(ValidationError::Voided.into()),
            EntryStatus::Confirmed => return Err(ValidationError::AlreadyConfirmed.into()),
            EntryStatus::Disputed => return Err(ValidationError::AlreadyDisputed.into()),
            EntryStatus::Pending => {}
        }
        if member.role != Role::Organizer && entry.from != by && entry.to != Party::Member(by) {
            return Err(ValidationError::NotAParty("dispute these hours").into());
        }
        check_text(Field::Reason, reason, MAX_TEXT)?;
        self.add_verdict(by, &entry, VerdictKind::Dispute, reason, Vec::new(), now)
    }

    /// Voids an entry, with a reason: organizers always; whoever logged or gave the hours only
    /// until they are confirmed. A void is final.
    pub fn void_hours(&mut self, by: Uuid, entry_id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<HourVerdict> {
        let member = self.active_member(by)?;
        let (entry, verdicts) = self.entry_with_verdicts(entry_id)?;
        let status = EntryStatus::of(&verdicts);
        if status == EntryStatus::Voided {
            return Err(ValidationError::Voided.into());
        }
        if member.role != Role::Organizer {
            if by != entry.created_by && by != entry.from {
                return Err(ValidationError::OrganizersOnly("void hours someone else logged").into());
            }
            if status == EntryStatus::Confirmed {
                return Err(ValidationError::OrganizersOnly("void confirmed hours").into());
            }
        }
        check_text(Field::Reason, reason, MAX_TEXT)?;
        self.add_verdict(by, &entry, VerdictKind::Void, reason, Vec::new(), now)
    }

    fn add_verdict(&mut self, by: Uuid, entry: &HourEntry, kind: VerdictKind, reason: &str, settles: Vec<Uuid>, now: DateTime<Utc>) -> Result<HourVerdict> {
        let verdict = HourVerdict { settles, ..HourVerdict::new(entry.id, kind, reason, by, now) };
        let action = match kind {
            VerdictKind::Confirm => Action::HoursConfirm,
            VerdictKind::Dispute => Action::HoursDispute,
            VerdictKind::Void => Action::HoursVoid,
        };
        self.change(action, now, |w| {
            // Named in the message so that the entry's history shows what became of it.
            w.mention(entry.id);
            w.put(Collection::HourVerdicts, verdict.id, &verdict, None)
        })?;
        Ok(verdict)
    }
}
