//! The group's domain: typed records as they are read out of the shared document,
//! and the inputs (with their validation) that create them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ValidationError;

/// A closed set of lower-case names, stored in the document as those names. (Used by `ledger.rs` too.)
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident ($what:literal) { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::ValidationError;
            fn from_str(s: &str) -> Result<Self, $crate::error::ValidationError> {
                let wanted = s.trim().to_lowercase().replace('-', "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| {
                    $crate::error::ValidationError::Unknown {
                        what: $what,
                        value: s.to_string(),
                        allowed: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    }
                })
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(Role("role") { Organizer = "organizer", Volunteer = "volunteer" });

string_enum!(
    /// What kind of help a need asks for or an offer gives.
    Category("category") {
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
    Urgency("urgency") { Critical = "critical", High = "high", Normal = "normal", Low = "low" }
);

string_enum!(NeedStatus("need status") {
    Open = "open",
    Matched = "matched",
    InProgress = "in_progress",
    Done = "done",
    Cancelled = "cancelled",
    Expired = "expired",
    Referred = "referred",
});

impl NeedStatus {
    /// Whether volunteers can still be assigned (places permitting): the need is not closed.
    pub fn takes_assignments(self) -> bool {
        matches!(self, Self::Open | Self::Matched | Self::InProgress)
    }
}

string_enum!(OfferKind("offer kind") { Skill = "skill", Item = "item", Transport = "transport", Time = "time" });

string_enum!(OfferStatus("offer status") { Active = "active", Paused = "paused", Withdrawn = "withdrawn" });

string_enum!(AssignmentStatus("assignment status") {
    Proposed = "proposed",
    Accepted = "accepted",
    Declined = "declined",
    Done = "done",
    Cancelled = "cancelled",
});

impl AssignmentStatus {
    /// Whether the assignment still takes up one of the need's places and the volunteer's time.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Proposed | Self::Accepted)
    }

    /// Whether the assignment fills one of the need's places (finished work fills it too).
    pub fn fills_need(self) -> bool {
        self.is_active() || self == Self::Done
    }
}

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
}

impl Settings {
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

fn all_categories() -> Vec<Category> {
    Category::ALL.to_vec()
}

impl Default for Settings {
    fn default() -> Self {
        Self { areas: BTreeMap::new(), expiry_days: default_expiry_days(), grace_days: default_grace_days(), categories: all_categories() }
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
    /// Which group secret is current. It moves on when a member is removed; the new secret
    /// reaches the remaining devices in envelopes.
    #[serde(default)]
    pub epoch: u32,
}

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

/// Encrypted contact details of the person helped. Only the privacy layer can open it;
/// this crate stores and replicates the ciphertext and never sees plaintext.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SealedContact(pub String);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Need {
    pub id: Uuid,
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
    pub sealed_contact: Option<SealedContact>,
    /// When someone asked the group to forget this person: every device deletes the key to the
    /// contact details when it learns of it.
    #[serde(default)]
    pub contact_forgotten_at: Option<DateTime<Utc>>,
}

/// A weekly time slot such as "mon 09:00-12:00".
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

pub const MAX_TITLE: usize = 200;
/// The longest a group may keep contact details, or wait past 'needed by': ten years.
pub const MAX_RETENTION_DAYS: u32 = 3650;
pub const MAX_TEXT: usize = 4000;

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
        }
    }

    pub(crate) fn validate(&self, settings: &Settings, now: DateTime<Utc>) -> Result<(), ValidationError> {
        check_text("title", &self.title, MAX_TITLE)?;
        check_length("description", &self.description, MAX_TEXT)?;
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
        if self.volunteers_needed == 0 {
            return Err(ValidationError::Zero("volunteers needed"));
        }
        if self.household_size == Some(0) {
            return Err(ValidationError::Zero("household size"));
        }
        Ok(())
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

    pub(crate) fn validate(&self, settings: &Settings) -> Result<(), ValidationError> {
        check_text("offer description", &self.what, MAX_TITLE)?;
        if self.categories.is_empty() {
            return Err(ValidationError::Empty("categories"));
        }
        for category in &self.categories {
            check_category(settings, *category)?;
        }
        check_area(settings, &self.area)?;
        if self.capacity == 0 {
            return Err(ValidationError::Zero("capacity"));
        }
        Ok(())
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

    pub(crate) fn validate(&self, settings: &Settings) -> Result<(), ValidationError> {
        check_text("name", &self.display_name, MAX_TITLE)?;
        if let Some(area) = &self.home_area {
            check_area(settings, area)?;
        }
        Ok(())
    }
}

pub(crate) fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::Empty(field));
    }
    check_length(field, value, max)
}

pub(crate) fn check_length(field: &'static str, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.chars().count() > max {
        return Err(ValidationError::TooLong { field, max });
    }
    Ok(())
}

pub(crate) fn check_category(settings: &Settings, category: Category) -> Result<(), ValidationError> {
    if settings.categories.contains(&category) {
        Ok(())
    } else {
        Err(ValidationError::CategoryNotUsed(category))
    }
}

/// A group that has listed its areas only accepts those; a group with none accepts any name.
fn check_area(settings: &Settings, area: &str) -> Result<(), ValidationError> {
    if area.trim().is_empty() {
        return Err(ValidationError::Empty("area"));
    }
    if settings.areas.is_empty() || settings.areas.contains_key(area) {
        return Ok(());
    }
    Err(ValidationError::Unknown {
        what: "area",
        value: area.to_string(),
        allowed: settings.areas.keys().cloned().collect::<Vec<_>>().join(", "),
    })
}
