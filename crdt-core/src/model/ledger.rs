//! The timebank: members log hours of help they gave, to another member or to the group, and
//! the receiving side (or an organizer) confirms them.
//!
//! Every entry, and every verdict on it (confirm, dispute, void), is its own record, written
//! once and never edited. Replicas that merge in any order therefore hold the same *set* of
//! records, and an entry's status and every balance are functions of that set alone: two
//! confirmations made apart are two records about one entry, and the entry still counts once.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub};
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use super::{Category, Names};
use crate::validation::{string_enum, ValidationError};

/// An amount of time in whole quarter hours, kept exact as a count of quarters. Written, read
/// and shown as hours: `1.5`, `0.25`, `-2`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "number"))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hours(i64);

impl Hours {
    pub const ZERO: Hours = Hours(0);
    /// The most one entry can hold: a day.
    pub const MAX_ENTRY: Hours = Hours(24 * 4);

    pub const fn from_quarters(quarters: i64) -> Hours {
        Hours(quarters)
    }

    pub fn quarters(self) -> i64 {
        self.0
    }

    /// Hours one entry may hold: more than 0, at most 24.
    pub fn check_entry(self) -> Result<Hours, ValidationError> {
        if self <= Hours::ZERO || self > Hours::MAX_ENTRY {
            return Err(ValidationError::HoursOutOfRange(self.to_string()));
        }
        Ok(self)
    }

    fn from_hours(hours: f64, text: impl FnOnce() -> String) -> Result<Hours, ValidationError> {
        let quarters = hours * 4.0;
        // Quarter hours are exact in binary floating point, so this test is exact too.
        if !quarters.is_finite() || quarters.fract() != 0.0 || quarters.abs() > 1e15 {
            return Err(ValidationError::NotQuarterHours(text()));
        }
        Ok(Hours(quarters as i64))
    }
}

impl FromStr for Hours {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        let hours: f64 = s.trim().parse().map_err(|_| ValidationError::NotQuarterHours(s.to_string()))?;
        Hours::from_hours(hours, || s.to_string())
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let quarters = self.0.unsigned_abs();
        let fraction = ["", ".25", ".5", ".75"][(quarters % 4) as usize];
        f.pad(&format!("{sign}{}{fraction}", quarters / 4))
    }
}

impl Serialize for Hours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0 as f64 / 4.0)
    }
}

impl<'de> Deserialize<'de> for Hours {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hours = f64::deserialize(deserializer)?;
        Hours::from_hours(hours, || hours.to_string()).map_err(serde::de::Error::custom)
    }
}

/// An entry's hours as read from the document: one written elsewhere outside the allowed range
/// becomes an invalid record, not a balance.
fn entry_hours<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Hours, D::Error> {
    Hours::deserialize(deserializer)?.check_entry().map_err(serde::de::Error::custom)
}

impl Add for Hours {
    type Output = Hours;
    fn add(self, other: Hours) -> Hours {
        Hours(self.0 + other.0)
    }
}

impl AddAssign for Hours {
    fn add_assign(&mut self, other: Hours) {
        self.0 += other.0;
    }
}

impl Sub for Hours {
    type Output = Hours;
    fn sub(self, other: Hours) -> Hours {
        Hours(self.0 - other.0)
    }
}

impl Neg for Hours {
    type Output = Hours;
    fn neg(self) -> Hours {
        Hours(-self.0)
    }
}

/// Who hours go to: a member, or the group as a whole. Written as the member's id or `group`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    Member(Uuid),
    Group,
}

const GROUP_PARTY: &str = "group";

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Party::Member(id) => id.fmt(f),
            Party::Group => f.pad(GROUP_PARTY),
        }
    }
}

impl FromStr for Party {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, uuid::Error> {
        if s == GROUP_PARTY {
            return Ok(Party::Group);
        }
        s.parse().map(Party::Member)
    }
}

impl Serialize for Party {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Party {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

/// Hours of help `from` gave to `to`. Never edited: what happens to it afterwards is a verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HourEntry {
    pub id: Uuid,
    /// The member who gave the help, and earns the hours.
    pub from: Uuid,
    /// Who received the help, and spends the hours.
    pub to: Party,
    #[serde(deserialize_with = "entry_hours")]
    pub hours: Hours,
    pub assignment: Option<Uuid>,
    pub category: Option<Category>,
    #[serde(default)]
    pub note: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

string_enum!(VerdictKind(Verdict) { Confirm = "confirm", Dispute = "dispute", Void = "void" });

string_enum!(
    /// Where an entry stands, derived from its verdicts. Only confirmed hours count in balances.
    EntryStatus(HoursStatus) { Pending = "pending", Confirmed = "confirmed", Disputed = "disputed", Voided = "voided" }
);

/// A confirmation, dispute or void of one entry, by one member.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HourVerdict {
    pub id: Uuid,
    pub entry: Uuid,
    pub kind: VerdictKind,
    #[serde(default)]
    pub reason: String,
    /// The disputes an organizer's confirmation settles: the ones they could see.
    #[serde(default)]
    pub settles: Vec<Uuid>,
    pub by: Uuid,
    pub at: DateTime<Utc>,
}

impl HourVerdict {
    pub(crate) fn new(entry: Uuid, kind: VerdictKind, reason: &str, by: Uuid, at: DateTime<Utc>) -> HourVerdict {
        HourVerdict { id: Uuid::now_v7(), entry, kind, reason: reason.trim().to_string(), settles: Vec::new(), by, at }
    }
}

impl EntryStatus {
    /// The status an entry's verdicts give it, in whatever order they arrived: a void ends it;
    /// a dispute that no confirmation settles holds it; otherwise any confirmation confirms it.
    pub fn of<V: Borrow<HourVerdict>>(verdicts: &[V]) -> EntryStatus {
        let has = |kind| verdicts.iter().any(|v| v.borrow().kind == kind);
        if has(VerdictKind::Void) {
            EntryStatus::Voided
        } else if open_disputes(verdicts).next().is_some() {
            EntryStatus::Disputed
        } else if has(VerdictKind::Confirm) {
            EntryStatus::Confirmed
        } else {
            EntryStatus::Pending
        }
    }
}

/// Disputes no confirmation has settled.
pub(crate) fn open_disputes<V: Borrow<HourVerdict>>(verdicts: &[V]) -> impl Iterator<Item = Uuid> + '_ {
    let settled = |dispute: Uuid| verdicts.iter().any(|v| v.borrow().kind == VerdictKind::Confirm && v.borrow().settles.contains(&dispute));
    verdicts.iter().map(Borrow::borrow).filter(move |v| v.kind == VerdictKind::Dispute && !settled(v.id)).map(|v| v.id)
}

/// Hours as typed into the form or the CLI, before they become an entry.
#[derive(Clone, Debug, PartialEq)]
pub struct NewHours {
    pub from: Uuid,
    pub to: Party,
    pub hours: Hours,
    pub assignment: Option<Uuid>,
    /// Defaults to the category of the linked assignment's need.
    pub category: Option<Category>,
    pub note: String,
}

impl NewHours {
    pub fn new(from: Uuid, to: Party, hours: Hours) -> Self {
        Self { from, to, hours, assignment: None, category: None, note: String::new() }
    }
}

/// An entry and the status its verdicts give it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    #[serde(flatten)]
    pub entry: HourEntry,
    pub status: EntryStatus,
}

impl HourEntry {
    /// Whether `by` may give this entry a verdict of `kind`, by who they are (what the entry's
    /// status allows is checked where the verdict is made): the receiver or an organizer
    /// confirms, never the giver; either party or an organizer disputes; an organizer, or whoever
    /// logged or gave the hours, voids.
    pub fn may_judge(&self, kind: VerdictKind, by: Uuid, organizer: bool) -> bool {
        let party = self.from == by || self.to == Party::Member(by);
        match kind {
            VerdictKind::Confirm => self.from != by && (organizer || self.to == Party::Member(by)),
            VerdictKind::Dispute => organizer || party,
            VerdictKind::Void => organizer || by == self.created_by || by == self.from,
        }
    }
}

impl LedgerEntry {
    /// Whether `by` may confirm this entry now: the member who received the help, or an
    /// organizer (for hours given to the group, and to settle a dispute); never the giver.
    pub fn check_confirm(&self, by: Uuid, organizer: bool) -> Result<(), ValidationError> {
        match self.status {
            EntryStatus::Voided => return Err(ValidationError::Voided),
            EntryStatus::Confirmed => return Err(ValidationError::AlreadyConfirmed),
            EntryStatus::Disputed if !organizer => return Err(ValidationError::OrganizersOnly("confirm disputed hours")),
            EntryStatus::Disputed | EntryStatus::Pending => {}
        }
        if self.entry.from == by {
            return Err(ValidationError::ConfirmOwnHours);
        }
        if !organizer && self.entry.to != Party::Member(by) {
            return Err(ValidationError::NotTheReceiver);
        }
        Ok(())
    }
}

/// Entries with their statuses, oldest first (ties by id, so every replica lists them alike),
/// after what each party had when the record was last renewed (`opening`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Ledger {
    pub entries: Vec<LedgerEntry>,
    /// Each party's confirmed hours in the entries a renewal left in the archive.
    pub opening: Vec<Balance>,
}

impl Ledger {
    pub fn new(entries: Vec<HourEntry>, verdicts: &[HourVerdict]) -> Ledger {
        // Verdicts sorted by entry, so each entry's are one slice (no map of lists to build).
        let mut verdicts: Vec<&HourVerdict> = verdicts.iter().collect();
        verdicts.sort_unstable_by_key(|v| v.entry);
        let entries = entries
            .into_iter()
            .map(|entry| {
                let first = verdicts.partition_point(|v| v.entry < entry.id);
                let count = verdicts[first..].iter().take_while(|v| v.entry == entry.id).count();
                let status = EntryStatus::of(&verdicts[first..first + count]);
                LedgerEntry { entry, status }
            })
            .collect();
        Ledger::in_order(entries)
    }

    /// A ledger of entries whose statuses are already known (read from the store's index).
    pub fn in_order(mut entries: Vec<LedgerEntry>) -> Ledger {
        entries.sort_by_key(|e| (e.entry.created_at, e.entry.id));
        Ledger { entries, opening: Vec::new() }
    }

    /// This ledger, starting from `opening` (`GroupDoc::opening`).
    pub fn after(self, opening: Vec<Balance>) -> Ledger {
        Ledger { opening, ..self }
    }

    /// Every party with confirmed hours: what they gave, received, and the difference.
    pub fn balances(&self) -> Vec<Balance> {
        let mut totals = Totals::opening(&self.opening);
        for e in self.entries.iter().filter(|e| e.status == EntryStatus::Confirmed) {
            totals.given(Party::Member(e.entry.from), e.entry.hours);
            totals.received(e.entry.to, e.entry.hours);
        }
        totals.balances()
    }

    /// One party's entries, oldest first, with the balance after each.
    pub fn statement(&self, party: Party) -> Statement {
        let opening = self.opening.iter().find(|b| b.party == party).map_or(Hours::ZERO, |b| b.net);
        let mut balance = opening;
        let mut lines = Vec::new();
        for LedgerEntry { entry, status } in &self.entries {
            let (hours, with) = if Party::Member(entry.from) == party {
                (entry.hours, entry.to)
            } else if entry.to == party {
                (-entry.hours, Party::Member(entry.from))
            } else {
                continue;
            };
            if *status == EntryStatus::Confirmed {
                balance += hours;
            }
            lines.push(StatementLine {
                entry: entry.id,
                at: entry.created_at,
                with,
                hours,
                status: *status,
                balance,
                category: entry.category,
                assignment: entry.assignment,
                note: entry.note.clone(),
            });
        }
        Statement { party, opening, balance, lines }
    }
}

/// What one party gave and received in confirmed hours. `net` is what they have in the bank.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub party: Party,
    pub given: Hours,
    pub received: Hours,
    pub net: Hours,
}

/// Sums confirmed hours per party; shared by the ledger in memory and the store's index.
#[derive(Default)]
pub(crate) struct Totals(HashMap<Party, (Hours, Hours)>);

impl Totals {
    /// Totals that start from `opening`.
    pub(crate) fn opening(opening: &[Balance]) -> Totals {
        let mut totals = Totals::default();
        for b in opening {
            totals.given(b.party, b.given);
            totals.received(b.party, b.received);
        }
        totals
    }

    pub(crate) fn given(&mut self, party: Party, hours: Hours) {
        self.0.entry(party).or_default().0 += hours;
    }

    pub(crate) fn received(&mut self, party: Party, hours: Hours) {
        self.0.entry(party).or_default().1 += hours;
    }

    /// Members by id, then the group.
    pub(crate) fn balances(self) -> Vec<Balance> {
        let mut balances: Vec<Balance> = self.0.into_iter().map(|(party, (given, received))| Balance { party, given, received, net: given - received }).collect();
        balances.sort_by_key(|b| b.party);
        balances
    }
}

/// One party's entries with a running balance; only confirmed lines move it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Statement {
    pub party: Party,
    /// The balance carried over when the record was last renewed, before the first line.
    pub opening: Hours,
    pub balance: Hours,
    pub lines: Vec<StatementLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatementLine {
    pub entry: Uuid,
    pub at: DateTime<Utc>,
    /// The other side of the entry.
    pub with: Party,
    /// Positive for hours given, negative for hours received.
    pub hours: Hours,
    pub status: EntryStatus,
    /// The balance after this line.
    pub balance: Hours,
    pub category: Option<Category>,
    pub assignment: Option<Uuid>,
    pub note: String,
}

impl Statement {
    /// The statement as CSV (RFC 4180), parties by name. Text that a spreadsheet would run as a
    /// formula is prefixed with `'`.
    pub fn to_csv(&self, names: &Names) -> String {
        let mut csv = String::from("date,entry,with,hours,status,balance,category,assignment,note\r\n");
        if self.opening != Hours::ZERO {
            csv.push_str(&format!(",,,{0},opening,{0},,,\r\n", self.opening));
        }
        for line in &self.lines {
            let fields = [
                line.at.to_rfc3339_opts(SecondsFormat::Secs, true),
                line.entry.to_string(),
                csv_text(&names.party(line.with)),
                line.hours.to_string(),
                line.status.to_string(),
                line.balance.to_string(),
                line.category.map(|c| c.to_string()).unwrap_or_default(),
                line.assignment.map(|a| a.to_string()).unwrap_or_default(),
                csv_text(&line.note),
            ];
            csv.push_str(&fields.map(|f| csv_field(&f)).join(","));
            csv.push_str("\r\n");
        }
        csv
    }
}

/// Free text that could start a spreadsheet formula is defused (OWASP's CSV injection advice).
fn csv_text(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
