//! The timebank's actions: logging hours, and confirming, disputing or voiding them.
//!
//! Every entry, and every verdict on it, is its own record, written once and never edited (see
//! `model::ledger`), so an entry's status and every balance are functions of the set of records.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::engine::{Action, Collection, GroupDoc};
use crate::error::Result;
use crate::model::{check_category, open_disputes, Category, AssignmentStatus, EntryStatus, HourEntry, HourVerdict, LedgerEntry, NewHours, Party, Role, VerdictKind};
use crate::validation::{check_length, check_text, Field, ValidationError, MAX_TEXT};

/// Hours from another timebank's records, with an id from the source row so that importing the
/// file again adds nothing.
#[derive(Clone, Debug)]
pub struct ImportedHours {
    pub id: Uuid,
    pub hours: NewHours,
    /// When they were given, as the old records say.
    pub at: DateTime<Utc>,
}

impl HourEntry {
    /// The entry `by` logs at `at` for `input`, checked already (`checked_hours`).
    fn logged(id: Uuid, input: NewHours, category: Option<Category>, by: Uuid, at: DateTime<Utc>) -> HourEntry {
        HourEntry {
            id,
            from: input.from,
            to: input.to,
            hours: input.hours,
            assignment: input.assignment,
            category,
            note: input.note.trim().to_string(),
            created_by: by,
            created_at: at,
        }
    }
}

impl GroupDoc {
    /// Logs hours `input.from` gave. Members log their own; organizers may log anyone's.
    /// Hours linked to an assignment must be its volunteer's, for finished work, logged once.
    pub fn log_hours(&mut self, by: Uuid, input: NewHours, now: DateTime<Utc>) -> Result<HourEntry> {
        let category = self.checked_hours(by, &input)?;
        let entry = HourEntry::logged(Uuid::now_v7(), input, category, by, now);
        self.change(Action::HoursLog, now, |w| w.put(Collection::HourEntries, entry.id, &entry, None))?;
        Ok(entry)
    }

    /// Whether `by` may log `input`, and the category the entry takes.
    fn checked_hours(&self, by: Uuid, input: &NewHours) -> Result<Option<Category>> {
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
        Ok(category)
    }

    /// Adds hour entries from another timebank's records (organizers), skipping those held
    /// already, each confirmed by the organizer importing them: the old timebank had settled
    /// them. Hours the organizer gave stay pending, since nobody confirms their own. Every entry
    /// is checked before any is written. Returns the ids added.
    pub fn import_hours(&mut self, by: Uuid, entries: Vec<ImportedHours>, now: DateTime<Utc>) -> Result<Vec<Uuid>> {
        self.require_organizer(by, "import records")?;
        let (mut new, mut seen) = (Vec::new(), HashSet::new());
        for imported in entries {
            if self.hour_entry(imported.id).is_ok() || !seen.insert(imported.id) {
                continue;
            }
            let category = self.checked_hours(by, &imported.hours)?;
            new.push(HourEntry::logged(imported.id, imported.hours, category, by, imported.at));
        }
        for entry in &new {
            self.change(Action::HoursLog, now, |w| w.put(Collection::HourEntries, entry.id, entry, None))?;
            if entry.from != by {
                self.add_verdict(by, entry, VerdictKind::Confirm, "", Vec::new(), now)?;
            }
        }
        Ok(new.into_iter().map(|e| e.id).collect())
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
