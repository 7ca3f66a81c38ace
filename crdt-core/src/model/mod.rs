//! The group's domain: typed records as they are read out of the shared document,
//! and the inputs (with their validation) that create them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validation::{check_count, check_length, check_text, string_enum, Field, ValidationError, MAX_TEXT, MAX_TITLE};

mod ledger;
mod status;
mod time;

pub use crate::seal::SealedContact;
pub use ledger::*;
pub use time::{end_of_day, in_zone, parse_deadline, parse_time_zone};

string_enum!(Role(Role) { Organizer = "organizer", Volunteer = "volunteer" });

string_enum!(
    /// What kind of help a need asks for or an offer gives.
    Category(Category) {
        Groceries = "groceries",
        Meals = "meals",
        Medical = "medical",
        Transport = "transport",
        Childcare = "childcare",
        Eldercare = "eldercare",
        Housing = "housing",
        Money = "money",
        Translation = "translation",
        Paperwork = "paperwork",
        TechHelp = "tech_help",
        Household = "household",
        Other = "other",
    }
);

string_enum!(
    /// Declared most urgent first, so the derived order sorts lists the way organizers read them.
    Urgency(Urgency) { Critical = "critical", High = "high", Normal = "normal", Low = "low" }
);

string_enum!(NeedStatus(NeedStatus) {
    Open = "open",
    Matched = "matched",
    InProgress = "in_progress",
    Done = "done",
    Cancelled = "cancelled",
    Expired = "expired",
    Referred = "referred",
});

string_enum!(
    /// How a request reached the group: posted in the app, or taken by whoever answers the
    /// hotline, reads the texts, types in a paper sheet or a web form, or meets the person.
    Channel(Channel) { App = "app", Phone = "phone", Text = "text", Paper = "paper", WalkIn = "walk_in", WebForm = "web_form" }
);

string_enum!(OfferKind(Kind) { Skill = "skill", Item = "item", Transport = "transport", Time = "time" });

string_enum!(OfferStatus(OfferStatus) { Active = "active", Paused = "paused", Withdrawn = "withdrawn" });

string_enum!(AssignmentStatus(AssignmentStatus) {
    Proposed = "proposed",
    Accepted = "accepted",
    Declined = "declined",
    Done = "done",
    Cancelled = "cancelled",
});

/// Neighbourhood names are the group's zones; neighbours feed the matching engine.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AreaInfo {
    #[serde(default)]
    pub neighbours: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Keyed by area name so that two organizers adding different areas never collide.
    #[serde(default)]
    pub areas: BTreeMap<String, AreaInfo>,
    /// Days after a need closes before its contact details are shredded.
    #[serde(default = "default_expiry_days")]
    pub expiry_days: u32,
    /// Days past its 'needed by' before an unanswered need counts as expired.
    #[serde(default = "default_grace_days")]
    pub grace_days: u32,
    /// The categories this group works with; needs and offers must use one of them.
    #[serde(default = "all_categories")]
    pub categories: Vec<Category>,
    /// Where the group is (an IANA name): a date means the end of that day there, and weekly
    /// slots are read there.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Months between renewals of the group's record (`Store::renewal_due_at`); 0: only when an
    /// organizer asks.
    #[serde(default)]
    pub renew_every_months: u32,
}

impl Settings {
    /// The group's time zone; UTC if the record names one this build does not know.
    pub fn zone(&self) -> chrono_tz::Tz {
        parse_time_zone(&self.time_zone).unwrap_or(chrono_tz::UTC)
    }

    /// Areas next to `area`, in either direction: listing B as next to A makes them neighbours.
    pub fn neighbours(&self, area: &str) -> Vec<String> {
        let mut next: Vec<String> = self
            .areas
            .iter()
            .filter(|(name, info)| name.as_str() != area && info.neighbours.iter().any(|n| n == area))
            .map(|(name, _)| name.clone())
            .chain(self.areas.get(area).into_iter().flat_map(|info| info.neighbours.iter().cloned()))
            .collect();
        next.sort();
        next.dedup();
        next
    }
}

fn default_expiry_days() -> u32 {
    30
}

fn default_grace_days() -> u32 {
    7
}

fn default_time_zone() -> String {
    "UTC".into()
}

fn all_categories() -> Vec<Category> {
    Category::ALL.to_vec()
}

impl Default for Settings {
    fn default() -> Self {
        Self { areas: BTreeMap::new(), expiry_days: default_expiry_days(), grace_days: default_grace_days(), categories: all_categories(), time_zone: default_time_zone(), renew_every_months: 0 }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub settings: Settings,
    /// The public half of the organizer key (hex): contact details are sealed to it. Its
    /// private half reaches organizers' devices only in envelopes, never in the record.
    #[serde(default)]
    pub organizer_key: Option<String>,
    /// Organizer keys replaced when an organizer left: devices delete what was sealed to them.
    #[serde(default)]
    pub retired_organizer_keys: Vec<String>,
    /// Which group secret is current. It moves on when a member is removed; the new secret
    /// reaches the remaining devices in envelopes.
    #[serde(default)]
    pub epoch: u32,
    /// Which secret of that epoch (`GroupSecret::id` in hex; empty for the founding secret). Two
    /// removals made apart start two secrets for one epoch; the record keeps the higher id.
    #[serde(default)]
    pub epoch_secret: String,
}

impl Group {
    /// The order in which the record's secret moves: only ever forward.
    pub fn epoch_rank(&self) -> (u32, &str) {
        (self.epoch, &self.epoch_secret)
    }

    /// The id of the secret the record names; `None` for the founding secret.
    pub fn epoch_secret_id(&self) -> Option<u64> {
        u64::from_str_radix(&self.epoch_secret, 16).ok()
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: Uuid,
    pub display_name: String,
    pub role: Role,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub skills: Vec<String>,
    pub home_area: Option<String>,
    #[serde(default)]
    pub device_ids: Vec<String>,
    pub removed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Latitude and longitude rounded to two decimals (about 1 km), never an exact address.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Coords {
    pub lat: f64,
    pub lon: f64,
}

impl Coords {
    pub fn coarse(lat: f64, lon: f64) -> Result<Self, ValidationError> {
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(ValidationError::BadCoordinates { lat, lon });
        }
        let round = |x: f64| (x * 100.0).round() / 100.0;
        Ok(Self { lat: round(lat), lon: round(lon) })
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Need {
    pub id: Uuid,
    /// Empty only when an organizer removed it while renewing the record.
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub category: Category,
    pub urgency: Urgency,
    pub area: String,
    pub coords: Option<Coords>,
    pub needed_by: Option<DateTime<Utc>>,
    pub window_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub languages: Vec<String>,
    pub household_size: Option<u32>,
    #[serde(default)]
    pub recurring: bool,
    pub volunteers_needed: u32,
    pub status: NeedStatus,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was last closed (done, cancelled, expired, referred); `None` while it is not.
    /// Reports read how long people waited from it.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub closed_at: Option<DateTime<Utc>>,
    /// Never sent to the app, which says only whether the details can be opened.
    #[cfg_attr(feature = "ts", ts(skip))]
    pub sealed_contact: Option<SealedContact>,
    /// When someone asked the group to forget this person: every device deletes the key to the
    /// contact details when it learns of it.
    #[serde(default)]
    pub contact_forgotten_at: Option<DateTime<Utc>>,
    /// How the request reached the group; `None` on needs from before it was recorded.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// The person did not agree that the volunteers assigned may read their contact details:
    /// only organizers (and whoever took the request) can. False, the default, is how details
    /// were always shared; a false field is not even written (`codec::write`).
    #[serde(default)]
    pub contact_organizers_only: bool,
    /// Where organizers sent this need, and what became of it there.
    #[serde(default)]
    pub referral: Option<Referral>,
    /// The group that sent this need here, if it came as a referral.
    #[serde(default)]
    pub referred_from: Option<ReferredFrom>,
}

crate::validation::names_enum!(
    /// How far a referred need has come in the group it was sent to, as a device in both groups
    /// last saw it. It names no person of that group.
    ReferralProgress {
        Sent = "sent",
        Accepted = "accepted",
        Assigned = "assigned",
        Done = "done",
        Cancelled = "cancelled",
        Returned = "returned",
    }
);

/// A need sent to another group this device is also in. Kept on the need in the group that sent it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    /// 1 for a need's first referral; one more each time a returned need is sent again. The need
    /// it becomes in the other group takes its id from this (`referred_need_id`).
    pub number: u32,
    pub group: Uuid,
    pub group_name: String,
    /// The area it goes to in that group (groups name their areas differently).
    pub area: String,
    pub by: Uuid,
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub note: String,
    /// Whether the person's contact details went with it (only with their consent).
    #[serde(default)]
    pub with_contact: bool,
    /// What the other group has done with it, carried back by devices in both groups.
    pub progress: ReferralProgress,
    pub progress_at: DateTime<Utc>,
    /// Why the other group returned it.
    #[serde(default)]
    pub reason: String,
}

/// Where a referred need came from, kept on the need in the group it was sent to. Names no
/// person of the sending group.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReferredFrom {
    pub group: Uuid,
    pub group_name: String,
    pub need: Uuid,
    pub number: u32,
    #[serde(default)]
    pub note: String,
    /// What happened to the need before it was sent, oldest first.
    #[serde(default)]
    pub history: Vec<ReferralStep>,
    #[serde(default)]
    pub accepted_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub returned_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reason: String,
}

/// One step of a need's history as it travels with a referral: when, which action, and the
/// status it left the need in. Who did it stays in the group it happened in.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReferralStep {
    pub at: DateTime<Utc>,
    pub action: String,
    pub status: Option<NeedStatus>,
}

/// A weekly time slot such as "mon 09:00-12:00".
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklySlot {
    pub day: Weekday,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl FromStr for WeeklySlot {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        let bad = || ValidationError::BadSlot(s.to_string());
        let (day, times) = s.trim().split_once(' ').ok_or_else(bad)?;
        let (start, end) = times.trim().split_once('-').ok_or_else(bad)?;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        let slot = Self { day: day.parse().map_err(|_| bad())?, start: time(start)?, end: time(end)? };
        if slot.start >= slot.end {
            return Err(bad());
        }
        Ok(slot)
    }
}

impl fmt::Display for WeeklySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}-{}", self.day, self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Availability {
    #[serde(default)]
    pub weekly: Vec<WeeklySlot>,
    #[serde(default)]
    pub dates: Vec<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: Uuid,
    /// The member who gives this help.
    pub member: Uuid,
    /// Empty only when an organizer removed it while renewing the record.
    #[serde(default)]
    pub what: String,
    pub categories: Vec<Category>,
    pub kind: OfferKind,
    pub area: String,
    /// Where the volunteer helps from, rounded like a need's (for distance in matching).
    pub coords: Option<Coords>,
    #[serde(default)]
    pub availability: Availability,
    /// How many open assignments the member takes on through this offer at once.
    pub capacity: u32,
    #[serde(default)]
    pub languages: Vec<String>,
    /// A food pantry or similar: never runs out, so capacity is not checked.
    #[serde(default)]
    pub inexhaustible: bool,
    pub status: OfferStatus,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: Uuid,
    pub need: Uuid,
    pub volunteer: Uuid,
    pub offer: Option<Uuid>,
    pub assigned_by: Uuid,
    pub status: AssignmentStatus,
    #[serde(default)]
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How lists show an id: its last 8 hex digits. They are random, whereas a uuid v7 starts with
/// the time, so records made in the same minute would otherwise look alike.
pub fn short_id(id: Uuid) -> String {
    id.simple().to_string()[24..].to_string()
}

/// Members' names by id, for everything that shows who.
#[derive(Clone, Debug, Default)]
pub struct Names(HashMap<Uuid, String>);

impl Names {
    pub fn new<'a>(members: impl IntoIterator<Item = &'a Member>) -> Names {
        Names(members.into_iter().map(|m| (m.id, m.display_name.clone())).collect())
    }

    /// A member's name; their short id while this device has not heard of them yet.
    pub fn of(&self, id: Uuid) -> String {
        self.0.get(&id).cloned().unwrap_or_else(|| short_id(id))
    }

    /// A party to hours: a member's name, or "the group".
    pub fn party(&self, party: Party) -> String {
        match party {
            Party::Member(id) => self.of(id),
            Party::Group => "the group".into(),
        }
    }
}

/// What assignments take up: the places filled on each need and the open assignments on each
/// offer (the capacity it has used), counted by `fills_need` and `is_active`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Load {
    pub filled: HashMap<Uuid, u32>,
    pub open_by_offer: HashMap<Uuid, u32>,
}

impl Load {
    pub fn of<'a>(assignments: impl IntoIterator<Item = &'a Assignment>) -> Load {
        let mut load = Load::default();
        for a in assignments {
            if a.status.fills_need() {
                *load.filled.entry(a.need).or_default() += 1;
            }
            if let Some(offer) = a.offer.filter(|_| a.status.is_active()) {
                *load.open_by_offer.entry(offer).or_default() += 1;
            }
        }
        load
    }

    pub fn filled(&self, need: Uuid) -> u32 {
        self.filled.get(&need).copied().unwrap_or(0)
    }

    pub fn open_through(&self, offer: Uuid) -> u32 {
        self.open_by_offer.get(&offer).copied().unwrap_or(0)
    }
}

/// What an organizer decided about a conflict, kept for the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    pub id: Uuid,
    pub conflict: Uuid,
    pub record: Uuid,
    /// It quotes the record's title: empty when that title was purged while renewing.
    #[serde(default)]
    pub summary: String,
    pub decided_by: Uuid,
    pub decided_at: DateTime<Utc>,
}

/// A need as typed into the form or the CLI, before it becomes a record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewNeed {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub urgency: Urgency,
    pub area: String,
    pub coords: Option<Coords>,
    pub needed_by: Option<DateTime<Utc>>,
    pub window_start: Option<DateTime<Utc>>,
    pub languages: Vec<String>,
    pub household_size: Option<u32>,
    pub recurring: bool,
    pub volunteers_needed: u32,
    pub channel: Option<Channel>,
    pub contact_organizers_only: bool,
}

impl NewNeed {
    pub fn new(title: &str, category: Category, urgency: Urgency, area: &str) -> Self {
        Self {
            title: title.to_string(),
            description: String::new(),
            category,
            urgency,
            area: area.to_string(),
            coords: None,
            needed_by: None,
            window_start: None,
            languages: Vec::new(),
            household_size: None,
            recurring: false,
            volunteers_needed: 1,
            channel: None,
            contact_organizers_only: false,
        }
    }

    /// Whether the need can be posted at `now` in a group with `settings`.
    pub fn validate(&self, settings: &Settings, now: DateTime<Utc>) -> Result<(), ValidationError> {
        check_text(Field::Title, &self.title, MAX_TITLE)?;
        check_length(Field::Description, &self.description, MAX_TEXT)?;
        check_category(settings, self.category)?;
        check_area(settings, &self.area)?;
        if let Some(needed_by) = self.needed_by {
            if needed_by < now {
                return Err(ValidationError::NeededByInPast(needed_by));
            }
            if self.window_start.is_some_and(|start| start > needed_by) {
                return Err(ValidationError::WindowAfterNeededBy);
            }
        }
        check_count(Field::VolunteersNeeded, self.volunteers_needed)?;
        self.household_size.map_or(Ok(()), |size| check_count(Field::HouseholdSize, size))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewOffer {
    pub member: Uuid,
    pub what: String,
    pub categories: Vec<Category>,
    pub kind: OfferKind,
    pub area: String,
    pub coords: Option<Coords>,
    pub availability: Availability,
    pub capacity: u32,
    pub languages: Vec<String>,
    pub inexhaustible: bool,
}

impl NewOffer {
    pub fn new(member: Uuid, what: &str, categories: Vec<Category>, kind: OfferKind, area: &str) -> Self {
        Self {
            member,
            what: what.to_string(),
            categories,
            kind,
            area: area.to_string(),
            coords: None,
            availability: Availability::default(),
            capacity: 1,
            languages: Vec::new(),
            inexhaustible: false,
        }
    }

    pub fn validate(&self, settings: &Settings) -> Result<(), ValidationError> {
        check_text(Field::What, &self.what, MAX_TITLE)?;
        if self.categories.is_empty() {
            return Err(ValidationError::Empty(Field::Categories));
        }
        for category in &self.categories {
            check_category(settings, *category)?;
        }
        check_area(settings, &self.area)?;
        check_count(Field::Capacity, self.capacity)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct NewMember {
    pub display_name: String,
    pub role: Role,
    pub languages: Vec<String>,
    pub skills: Vec<String>,
    pub home_area: Option<String>,
}

impl NewMember {
    pub fn new(display_name: &str, role: Role) -> Self {
        Self {
            display_name: display_name.to_string(),
            role,
            languages: Vec::new(),
            skills: Vec::new(),
            home_area: None,
        }
    }

    pub fn validate(&self, settings: &Settings) -> Result<(), ValidationError> {
        check_text(Field::YourName, &self.display_name, MAX_TITLE)?;
        if let Some(area) = &self.home_area {
            check_area(settings, area)?;
        }
        Ok(())
    }
}

pub(crate) fn check_category(settings: &Settings, category: Category) -> Result<(), ValidationError> {
    if settings.categories.contains(&category) {
        Ok(())
    } else {
        Err(ValidationError::CategoryNotUsed(category.to_string()))
    }
}

/// A group that has listed its areas only accepts those; a group with none accepts any name.
fn check_area(settings: &Settings, area: &str) -> Result<(), ValidationError> {
    if area.trim().is_empty() {
        return Err(ValidationError::Empty(Field::Area));
    }
    if settings.areas.is_empty() || settings.areas.contains_key(area) {
        return Ok(());
    }
    Err(ValidationError::Unknown {
        what: Field::Area,
        value: area.to_string(),
        allowed: settings.areas.keys().cloned().collect::<Vec<_>>().join(", "),
    })
}
