//! The timebank: members log hours of help they gave, to another member or to the group, and
//! the receiving side (or an organizer) confirms them.
//!
//! Every entry, and every verdict on it (confirm, dispute, void), is its own record, written
//! once and never edited. Replicas that merge in any order therefore hold the same *set* of
//! records, and an entry's status and every balance are functions of that set alone: two
//! confirmations made apart are two records about one entry, and the entry still counts once.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub};
use std::str::FromStr;

use automerge::ReadDoc;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::doc::{Collection, GroupDoc, Loaded};
use crate::error::{Result, ValidationError};
use crate::model::{check_category, check_length, check_text, string_enum, AssignmentStatus, Category, Role, MAX_TEXT};

/// An amount of time in whole quarter hours, kept exact as a count of quarters. Written, read
/// and shown as hours: `1.5`, `0.25`, `-2`.
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

string_enum!(VerdictKind("verdict") { Confirm = "confirm", Dispute = "dispute", Void = "void" });

string_enum!(
    /// Where an entry stands, derived from its verdicts. Only confirmed hours count in balances.
    EntryStatus("hours status") { Pending = "pending", Confirmed = "confirmed", Disputed = "disputed", Voided = "voided" }
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
fn open_disputes<V: Borrow<HourVerdict>>(verdicts: &[V]) -> impl Iterator<Item = Uuid> + '_ {
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

/// Which verdicts belong to which entry, and which entries to which assignment.
#[derive(Default)]
pub(crate) struct LedgerLinks {
    verdicts_by_entry: HashMap<Uuid, BTreeSet<Uuid>>,
    entries_by_assignment: HashMap<Uuid, BTreeSet<Uuid>>,
}

impl LedgerLinks {
    pub(crate) fn add_entry(&mut self, entry: &HourEntry) {
        if let Some(assignment) = entry.assignment {
            self.entries_by_assignment.entry(assignment).or_default().insert(entry.id);
        }
    }

    pub(crate) fn add_verdict(&mut self, verdict: &HourVerdict) {
        self.verdicts_by_entry.entry(verdict.entry).or_default().insert(verdict.id);
    }
}

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
        check_length("note", &input.note, MAX_TEXT)?;
        let mut category = input.category;
        if let Some(id) = input.assignment {
            let assignment = self.assignment(id)?;
            if assignment.volunteer != input.from {
                return Err(ValidationError::AssignmentOfAnotherMember(self.member(assignment.volunteer)?.display_name).into());
            }
            if assignment.status != AssignmentStatus::Done {
                return Err(ValidationError::AssignmentNotDone(assignment.status.to_string()).into());
            }
            if let Some(logged) = self.live_entry_of_assignment(id) {
                return Err(ValidationError::AlreadyLogged(logged).into());
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
        self.change("hours.log", now, |w| w.put(Collection::HourEntries, entry.id, &entry, None))?;
        Ok(entry)
    }

    /// Confirms an entry: the member who received the help does, or an organizer (for hours
    /// given to the group, and to settle a dispute). Never the member who gave them.
    pub fn confirm_hours(&mut self, by: Uuid, entry_id: Uuid, now: DateTime<Utc>) -> Result<HourVerdict> {
        let member = self.active_member(by)?;
        let (entry, verdicts) = self.entry_with_verdicts(entry_id)?;
        match EntryStatus::of(&verdicts) {
            EntryStatus::Voided => return Err(ValidationError::Voided.into()),
            EntryStatus::Confirmed => return Err(ValidationError::AlreadyConfirmed.into()),
            EntryStatus::Disputed if member.role != Role::Organizer => {
                return Err(ValidationError::OrganizersOnly("confirm disputed hours").into());
            }
            EntryStatus::Disputed | EntryStatus::Pending => {}
        }
        if entry.from == by {
            return Err(ValidationError::ConfirmOwnHours.into());
        }
        if member.role != Role::Organizer && entry.to != Party::Member(by) {
            return Err(ValidationError::NotTheReceiver.into());
        }
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
        check_text("reason", reason, MAX_TEXT)?;
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
        check_text("reason", reason, MAX_TEXT)?;
        self.add_verdict(by, &entry, VerdictKind::Void, reason, Vec::new(), now)
    }

    fn add_verdict(&mut self, by: Uuid, entry: &HourEntry, kind: VerdictKind, reason: &str, settles: Vec<Uuid>, now: DateTime<Utc>) -> Result<HourVerdict> {
        let verdict = HourVerdict { settles, ..HourVerdict::new(entry.id, kind, reason, by, now) };
        let action = match kind {
            VerdictKind::Confirm => "hours.confirm",
            VerdictKind::Dispute => "hours.dispute",
            VerdictKind::Void => "hours.void",
        };
        self.change(action, now, |w| {
            // Named in the message so that the entry's history shows what became of it.
            w.mention(entry.id);
            w.put(Collection::HourVerdicts, verdict.id, &verdict, None)
        })?;
        Ok(verdict)
    }

    fn entry_with_verdicts(&mut self, id: Uuid) -> Result<(HourEntry, Vec<HourVerdict>)> {
        let entry = self.hour_entry(id)?;
        let ids: Vec<Uuid> = self.ledger_links().verdicts_by_entry.get(&id).into_iter().flatten().copied().collect();
        let verdicts = ids.into_iter().filter_map(|id| self.record(Collection::HourVerdicts, id).ok()).collect();
        Ok((entry, verdicts))
    }

    /// An entry for this assignment that has not been voided, if there is one.
    fn live_entry_of_assignment(&mut self, assignment: Uuid) -> Option<Uuid> {
        let entries: Vec<Uuid> = self.ledger_links().entries_by_assignment.get(&assignment).into_iter().flatten().copied().collect();
        entries.into_iter().find(|id| {
            self.entry_with_verdicts(*id).is_ok_and(|(_, verdicts)| EntryStatus::of(&verdicts) != EntryStatus::Voided)
        })
    }

    /// Assignments with more than one entry that is not voided: `log_hours` allows one, so
    /// these were logged on devices apart. Reads only each entry's `assignment` field unless
    /// there is such a pair, so that a large ledger costs little here.
    pub(crate) fn hours_logged_twice(&self) -> Vec<(Uuid, Vec<LedgerEntry>)> {
        let Some(map) = self.collection_obj(Collection::HourEntries) else { return Vec::new() };
        let doc = self.automerge();
        let mut by_assignment: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
        for id in doc.keys(&map) {
            let assignment = doc.get(&map, id.as_str()).ok().flatten().and_then(|(_, record)| doc.get(&record, "assignment").ok().flatten());
            if let (Some((automerge::Value::Scalar(value), _)), Ok(entry)) = (assignment, id.parse::<Uuid>()) {
                if let Some(assignment) = value.as_str().and_then(|s| s.parse().ok()) {
                    by_assignment.entry(assignment).or_default().push(entry);
                }
            }
        }
        by_assignment.retain(|_, entries| entries.len() > 1);
        if by_assignment.is_empty() {
            return Vec::new();
        }
        let ledger = self.ledger();
        let live = |id: &Uuid| ledger.entries.iter().find(|e| e.entry.id == *id && e.status != EntryStatus::Voided).cloned();
        by_assignment
            .into_iter()
            .map(|(assignment, ids)| (assignment, ids.iter().filter_map(live).collect::<Vec<_>>()))
            .filter(|(_, entries)| entries.len() > 1)
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

    /// Every entry with its status: what balances and statements are computed from.
    pub fn ledger(&self) -> Ledger {
        Ledger::new(self.hour_entries().records, &self.hour_verdicts().records)
    }
}

/// An entry and the status its verdicts give it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    #[serde(flatten)]
    pub entry: HourEntry,
    pub status: EntryStatus,
}

/// Entries with their statuses, oldest first (ties by id, so every replica lists them alike).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Ledger {
    pub entries: Vec<LedgerEntry>,
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
        Ledger { entries }
    }

    /// Every party with confirmed hours: what they gave, received, and the difference.
    pub fn balances(&self) -> Vec<Balance> {
        let mut totals = Totals::default();
        for e in self.entries.iter().filter(|e| e.status == EntryStatus::Confirmed) {
            totals.given(Party::Member(e.entry.from), e.entry.hours);
            totals.received(e.entry.to, e.entry.hours);
        }
        totals.balances()
    }

    /// One party's entries, oldest first, with the balance after each.
    pub fn statement(&self, party: Party) -> Statement {
        let mut balance = Hours::ZERO;
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
        Statement { party, balance, lines }
    }
}

/// What one party gave and received in confirmed hours. `net` is what they have in the bank.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
    /// The statement as CSV (RFC 4180), parties shown by `name`. Text that a spreadsheet would
    /// run as a formula is prefixed with `'`.
    pub fn to_csv(&self, name: impl Fn(Party) -> String) -> String {
        let mut csv = String::from("date,entry,with,hours,status,balance,category,assignment,note\r\n");
        for line in &self.lines {
            let fields = [
                line.at.to_rfc3339_opts(SecondsFormat::Secs, true),
                line.entry.to_string(),
                csv_text(&name(line.with)),
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
