//! Typed reads that the actions and the conflict finder share: assignments by need and by
//! offer, and the timebank's entries with the status their verdicts give them
//! (`model::ledger` has the arithmetic).

use uuid::Uuid;

use crate::engine::{Collection, GroupDoc, Link, Loaded};
use crate::error::Result;
use crate::model::{Assignment, EntryStatus, HourEntry, HourVerdict, Ledger, LedgerEntry};

const ASSIGNMENTS_BY_NEED: Link = Link { collection: Collection::Assignments, field: "need" };
const ASSIGNMENTS_BY_OFFER: Link = Link { collection: Collection::Assignments, field: "offer" };
const VERDICTS_BY_ENTRY: Link = Link { collection: Collection::HourVerdicts, field: "entry" };
const ENTRIES_BY_ASSIGNMENT: Link = Link { collection: Collection::HourEntries, field: "assignment" };

impl GroupDoc {
    /// The assignments of a need.
    pub fn assignments_of_need(&self, need: Uuid) -> Vec<Assignment> {
        self.linked(ASSIGNMENTS_BY_NEED, need)
    }

    /// The assignments made through an offer.
    pub fn assignments_of_offer(&self, offer: Uuid) -> Vec<Assignment> {
        self.linked(ASSIGNMENTS_BY_OFFER, offer)
    }

    pub(crate) fn entry_with_verdicts(&self, id: Uuid) -> Result<(HourEntry, Vec<HourVerdict>)> {
        Ok((self.hour_entry(id)?, self.linked(VERDICTS_BY_ENTRY, id)))
    }

    /// The entries logged for an assignment that have not been voided.
    pub(crate) fn live_entries_of_assignment(&self, assignment: Uuid) -> Vec<LedgerEntry> {
        self.linked::<HourEntry>(ENTRIES_BY_ASSIGNMENT, assignment)
            .into_iter()
            .map(|entry| LedgerEntry { status: EntryStatus::of(&self.linked::<HourVerdict>(VERDICTS_BY_ENTRY, entry.id)), entry })
            .filter(|e| e.status != EntryStatus::Voided)
            .collect()
    }

    pub fn hour_entries(&self) -> Loaded<HourEntry> {
        self.collection(Collection::HourEntries)
    }

    pub fn hour_verdicts(&self) -> Loaded<HourVerdict> {
        self.collection(Collection::HourVerdicts)
    }

    pub fn hour_entry(&self, id: Uuid) -> Result<HourEntry> {
        self.record(Collection::HourEntries, id)
    }

    pub fn hour_verdict(&self, id: Uuid) -> Result<HourVerdict> {
        self.record(Collection::HourVerdicts, id)
    }

    /// Every entry with its status, after the opening balances: what balances and statements
    /// are computed from.
    pub fn ledger(&self) -> Ledger {
        Ledger::new(self.hour_entries().records, &self.hour_verdicts().records).after(self.opening())
    }
}
