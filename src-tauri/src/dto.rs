//! What crosses the IPC edge: the shapes of `ui/src/api/types.ts`. Records are flattened with
//! the names a screen shows (members by name, a need's title beside its assignment), so the UI
//! never joins records itself.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use crdt_core::{
    Assignment, Availability, Candidate, Category, Conflict, EntryStatus, Excluded, Group, HourEntry, LedgerEntry, Member, Need, NeedStatus,
    NewNeed, NewOffer, Offer, OfferKind, OfferStatus, Party, StatementLine, Urgency, Uuid, WeeklySlot,
};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Member names by id, for every view that shows who.
pub struct Names(HashMap<Uuid, String>);

impl Names {
    pub fn new(members: &[Member]) -> Names {
        Names(members.iter().map(|m| (m.id, m.display_name.clone())).collect())
    }

    pub fn of(&self, id: Uuid) -> String {
        self.0.get(&id).cloned().unwrap_or_else(|| "?".into())
    }

    pub fn party(&self, party: Party) -> String {
        match party {
            Party::Member(id) => self.of(id),
            Party::Group => "group".into(),
        }
    }
}

#[derive(Serialize)]
pub struct GroupInfo {
    pub id: Uuid,
    pub name: String,
    pub areas: Vec<String>,
    pub categories: Vec<Category>,
    pub expiry_days: u32,
    pub grace_days: u32,
}

impl From<Group> for GroupInfo {
    fn from(group: Group) -> Self {
        GroupInfo {
            id: group.id,
            name: group.name,
            areas: group.settings.areas.into_keys().collect(),
            categories: group.settings.categories,
            expiry_days: group.settings.expiry_days,
            grace_days: group.settings.grace_days,
        }
    }
}

#[derive(Serialize)]
pub struct Status {
    /// `new` (no group), `locked` (passphrase needed), `waiting` (joined, no record yet) or `ready`.
    pub state: &'static str,
    /// Whether creating, joining or unlocking needs a passphrase typed (none is when the
    /// environment gives it).
    pub asks_passphrase: bool,
    pub group: Option<GroupInfo>,
    pub me: Option<Member>,
    pub device_id: Option<String>,
    pub listening: Option<String>,
    pub discovery: &'static str,
}

#[derive(Serialize)]
pub struct NeedSummary {
    pub id: Uuid,
    pub title: String,
    pub category: Category,
    pub urgency: Urgency,
    pub area: String,
    pub status: NeedStatus,
    pub volunteers_needed: u32,
    pub filled: usize,
    pub created_at: DateTime<Utc>,
    pub needed_by: Option<DateTime<Utc>>,
    pub created_by_name: String,
    pub conflicts: usize,
}

impl NeedSummary {
    pub fn new(need: Need, filled: usize, conflicts: usize, names: &Names) -> Self {
        NeedSummary {
            created_by_name: names.of(need.created_by),
            id: need.id,
            title: need.title,
            category: need.category,
            urgency: need.urgency,
            area: need.area,
            status: need.status,
            volunteers_needed: need.volunteers_needed,
            filled,
            created_at: need.created_at,
            needed_by: need.needed_by,
            conflicts,
        }
    }
}

#[derive(Serialize)]
pub struct NeedDetail {
    /// With its sealed contact details left out: who may open them is the privacy layer's call.
    pub need: Need,
    pub created_by_name: String,
    pub assignments: Vec<AssignmentView>,
    pub history: Vec<crdt_core::HistoryEntry>,
    pub conflicts: Vec<Conflict>,
    pub contact: ContactState,
}

/// Whether this device can show the need's contact details, and if not, why; the details
/// themselves come only when asked for (`need_contact`).
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactState {
    None,
    Readable,
    NotYours,
    Forgotten,
    Expired,
}

impl ContactState {
    pub fn of(result: crdt_core::Result<crdt_core::Contact>) -> ContactState {
        use crdt_core::Error;
        match result {
            Ok(_) => ContactState::Readable,
            Err(Error::ContactGone(_)) => ContactState::Forgotten,
            Err(Error::ContactExpired { .. }) => ContactState::Expired,
            Err(Error::NoContact) => ContactState::None,
            Err(_) => ContactState::NotYours,
        }
    }
}

#[derive(Serialize)]
pub struct AssignmentView {
    pub id: Uuid,
    pub need: Uuid,
    pub need_title: String,
    pub need_area: String,
    pub need_urgency: Urgency,
    pub volunteer: Uuid,
    pub volunteer_name: String,
    pub offer: Option<Uuid>,
    pub assigned_by_name: String,
    pub status: crdt_core::AssignmentStatus,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub hours_logged: bool,
}

impl AssignmentView {
    pub fn new(a: Assignment, need: &Need, hours_logged: bool, names: &Names) -> Self {
        AssignmentView {
            id: a.id,
            need: a.need,
            need_title: need.title.clone(),
            need_area: need.area.clone(),
            need_urgency: need.urgency,
            volunteer: a.volunteer,
            volunteer_name: names.of(a.volunteer),
            offer: a.offer,
            assigned_by_name: names.of(a.assigned_by),
            status: a.status,
            note: a.note,
            created_at: a.created_at,
            updated_at: a.updated_at,
            hours_logged,
        }
    }
}

#[derive(Serialize)]
pub struct AvailabilityView {
    pub weekly: Vec<String>,
    pub dates: Vec<NaiveDate>,
}

#[derive(Serialize)]
pub struct OfferView {
    pub id: Uuid,
    pub member: Uuid,
    pub member_name: String,
    pub what: String,
    pub categories: Vec<Category>,
    pub kind: OfferKind,
    pub area: String,
    pub availability: AvailabilityView,
    pub capacity: u32,
    pub languages: Vec<String>,
    pub inexhaustible: bool,
    pub status: OfferStatus,
    pub open_assignments: usize,
    pub created_at: DateTime<Utc>,
}

impl OfferView {
    pub fn new(o: Offer, open_assignments: usize, names: &Names) -> Self {
        OfferView {
            member_name: names.of(o.member),
            id: o.id,
            member: o.member,
            what: o.what,
            categories: o.categories,
            kind: o.kind,
            area: o.area,
            availability: AvailabilityView { weekly: o.availability.weekly.iter().map(ToString::to_string).collect(), dates: o.availability.dates },
            capacity: o.capacity,
            languages: o.languages,
            inexhaustible: o.inexhaustible,
            status: o.status,
            open_assignments,
            created_at: o.created_at,
        }
    }
}

/// A candidate with who and what it is. The core's reasons serialize with their rule, points
/// and English text; the UI words them from the rule.
#[derive(Serialize)]
pub struct CandidateView {
    pub offer: Uuid,
    pub member: Uuid,
    pub member_name: String,
    pub offer_what: String,
    pub score: u32,
    pub reasons: serde_json::Value,
}

impl CandidateView {
    pub fn new(c: Candidate, offers: &HashMap<Uuid, Offer>, names: &Names) -> Self {
        // The core serializes a candidate's reasons with their points and text: reuse that.
        let reasons = serde_json::to_value(&c).map(|v| v["reasons"].clone()).unwrap_or_default();
        CandidateView {
            member_name: names.of(c.member),
            offer_what: offers.get(&c.offer).map(|o| o.what.clone()).unwrap_or_default(),
            offer: c.offer,
            member: c.member,
            score: c.score,
            reasons,
        }
    }
}

#[derive(Serialize)]
pub struct ExcludedView {
    pub offer: Uuid,
    pub member: Uuid,
    pub member_name: String,
    pub offer_what: String,
    pub why: serde_json::Value,
}

impl ExcludedView {
    pub fn new(e: Excluded, offers: &HashMap<Uuid, Offer>, names: &Names) -> Self {
        let why = serde_json::to_value(&e).map(|v| v["why"].clone()).unwrap_or_default();
        ExcludedView {
            member_name: names.of(e.member),
            offer_what: offers.get(&e.offer).map(|o| o.what.clone()).unwrap_or_default(),
            offer: e.offer,
            member: e.member,
            why,
        }
    }
}

#[derive(Serialize)]
pub struct RankingView {
    pub need: Uuid,
    pub places_left: u32,
    pub candidates: Vec<CandidateView>,
    pub excluded: Vec<ExcludedView>,
}

#[derive(Serialize)]
pub struct ProposalView {
    pub need: Uuid,
    pub need_title: String,
    pub need_urgency: Urgency,
    #[serde(flatten)]
    pub candidate: CandidateView,
}

#[derive(Serialize)]
pub struct UnfilledView {
    pub need: Uuid,
    pub need_title: String,
    pub places_left: u32,
}

#[derive(Serialize)]
pub struct BatchView {
    pub proposals: Vec<ProposalView>,
    pub total_score: u64,
    pub unfilled: Vec<UnfilledView>,
}

/// One proposal an organizer kept.
#[derive(Deserialize)]
pub struct Pick {
    pub need: Uuid,
    pub member: Uuid,
    pub offer: Uuid,
}

#[derive(Serialize)]
pub struct HourEntryView {
    pub id: Uuid,
    pub from: Uuid,
    pub from_name: String,
    pub to: Party,
    pub to_name: String,
    pub hours: crdt_core::Hours,
    pub assignment: Option<Uuid>,
    pub category: Option<Category>,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub status: EntryStatus,
}

impl HourEntryView {
    pub fn new(LedgerEntry { entry, status }: LedgerEntry, names: &Names) -> Self {
        Self::of(entry, status, names)
    }

    pub fn of(entry: HourEntry, status: EntryStatus, names: &Names) -> Self {
        HourEntryView {
            from_name: names.of(entry.from),
            to_name: names.party(entry.to),
            id: entry.id,
            from: entry.from,
            to: entry.to,
            hours: entry.hours,
            assignment: entry.assignment,
            category: entry.category,
            note: entry.note,
            created_at: entry.created_at,
            status,
        }
    }
}

#[derive(Serialize)]
pub struct StatementLineView {
    pub entry: Uuid,
    pub at: DateTime<Utc>,
    pub with: Party,
    pub with_name: String,
    pub hours: crdt_core::Hours,
    pub status: EntryStatus,
    pub balance: crdt_core::Hours,
    pub category: Option<Category>,
    pub note: String,
}

impl StatementLineView {
    pub fn new(line: StatementLine, names: &Names) -> Self {
        StatementLineView {
            with_name: names.party(line.with),
            entry: line.entry,
            at: line.at,
            with: line.with,
            hours: line.hours,
            status: line.status,
            balance: line.balance,
            category: line.category,
            note: line.note,
        }
    }
}

#[derive(Serialize)]
pub struct MyHours {
    pub given: crdt_core::Hours,
    pub received: crdt_core::Hours,
    pub net: crdt_core::Hours,
    pub lines: Vec<StatementLineView>,
    pub csv: String,
}

#[derive(Serialize)]
pub struct InviteView {
    pub link: String,
    pub code: String,
    pub qr_svg: String,
}

#[derive(Serialize, Clone)]
pub struct Nearby {
    pub address: String,
    pub seen_at: DateTime<Utc>,
}

#[derive(Serialize)]
pub struct BundleWritten {
    pub path: String,
    pub bytes: usize,
}

#[derive(Deserialize)]
pub struct NewNeedInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub category: Category,
    pub urgency: Urgency,
    pub area: String,
    pub needed_by: Option<String>,
    pub volunteers_needed: u32,
    pub household_size: Option<u32>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub recurring: bool,
}

impl NewNeedInput {
    pub fn into_new_need(self) -> Result<NewNeed, AppError> {
        let needed_by = self.needed_by.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(parse_when).transpose()?;
        Ok(NewNeed {
            description: self.description.trim().to_string(),
            coords: None,
            needed_by,
            window_start: None,
            languages: clean_list(self.languages),
            household_size: self.household_size,
            recurring: self.recurring,
            volunteers_needed: self.volunteers_needed,
            ..NewNeed::new(self.title.trim(), self.category, self.urgency, self.area.trim())
        })
    }
}

#[derive(Deserialize)]
pub struct NewOfferInput {
    pub what: String,
    pub categories: Vec<Category>,
    pub kind: OfferKind,
    pub area: String,
    pub capacity: u32,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub weekly: Vec<String>,
    #[serde(default)]
    pub inexhaustible: bool,
}

impl NewOfferInput {
    pub fn into_new_offer(self, member: Uuid) -> Result<NewOffer, AppError> {
        let weekly = self.weekly.iter().filter(|s| !s.trim().is_empty()).map(|s| s.parse::<WeeklySlot>()).collect::<Result<Vec<_>, _>>()?;
        Ok(NewOffer {
            availability: Availability { weekly, dates: Vec::new() },
            capacity: self.capacity,
            languages: clean_list(self.languages),
            inexhaustible: self.inexhaustible,
            ..NewOffer::new(member, self.what.trim(), self.categories, self.kind, self.area.trim())
        })
    }
}

#[derive(Deserialize)]
pub struct NeedFilterInput {
    pub status: Option<NeedStatus>,
    #[serde(default)]
    pub active_only: bool,
    pub category: Option<Category>,
    pub urgency: Option<Urgency>,
    pub area: Option<String>,
    pub search: Option<String>,
}

#[derive(Deserialize)]
pub struct NewHoursInput {
    pub assignment: Option<Uuid>,
    pub to: String,
    pub hours: String,
    #[serde(default)]
    pub note: String,
}

/// A date from a date picker (`2026-12-01`, meaning by the end of that day) or a full RFC 3339 time.
fn parse_when(text: &str) -> Result<DateTime<Utc>, AppError> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|day| day.and_time(NaiveTime::from_hms_opt(23, 59, 0).expect("a valid time")).and_utc())
        .map_err(|_| AppError::Input { code: "bad_date", field: "needed_by", message: format!("'{text}' is not a date like 2026-12-01") })
}

/// "Spanish, , english " → ["Spanish", "english"].
fn clean_list(items: Vec<String>) -> Vec<String> {
    items.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}
