//! What input may be: the limits, the form fields that can be wrong, and `ValidationError`.
//!
//! A leaf: it knows no record type, so every layer above (the model, the actions, the store, the
//! app's generated contract) takes its limits and field names from here.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// The longest title, name or one-line text.
pub const MAX_TITLE: usize = 200;
/// The longest description, note or reason.
pub const MAX_TEXT: usize = 4000;
/// The largest count typed into a form (volunteers needed, household size, capacity).
pub const MAX_COUNT: u32 = 10_000;
/// The longest a group may keep contact details, or wait past 'needed by': ten years.
pub const MAX_RETENTION_DAYS: u32 = 3650;
/// Ten years between renewals of the record at most.
pub const MAX_RENEW_EVERY_MONTHS: u32 = 120;
/// The longest parts of a person's contact details.
pub const MAX_CONTACT_NAME: usize = 200;
pub const MAX_PHONE: usize = 64;
pub const MAX_EMAIL: usize = 254;
pub const MAX_ADDRESS: usize = 500;

/// A closed set of lower-case names.
macro_rules! names_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "ts", derive(::ts_rs::TS))]
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
    };
}

/// A closed set of lower-case names, stored in the document as those names, and read from what
/// a person typed (the `Field` names what is wrong when it is none of them).
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident ($what:ident) { $($variant:ident = $text:literal),+ $(,)? }) => {
        $crate::validation::names_enum!($(#[$meta])* $name { $($variant = $text),+ });

        impl std::str::FromStr for $name {
            type Err = $crate::validation::ValidationError;
            fn from_str(s: &str) -> Result<Self, $crate::validation::ValidationError> {
                let wanted = s.trim().to_lowercase().replace('-', "_");
                Self::ALL.iter().copied().find(|v| v.as_str() == wanted).ok_or_else(|| {
                    $crate::validation::ValidationError::Unknown {
                        what: $crate::validation::Field::$what,
                        value: s.to_string(),
                        allowed: Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    }
                })
            }
        }
    };
}
pub(crate) use {names_enum, string_enum};

names_enum!(
    /// An input that can be wrong, named as the app's form inputs are (`volunteers_needed`);
    /// `words` names it in a sentence ("volunteers needed").
    Field {
        Title = "title",
        Description = "description",
        Category = "category",
        Categories = "categories",
        Urgency = "urgency",
        Area = "area",
        AreaName = "area_name",
        GroupName = "group_name",
        YourName = "your_name",
        What = "what",
        Kind = "kind",
        Capacity = "capacity",
        VolunteersNeeded = "volunteers_needed",
        HouseholdSize = "household_size",
        NeededBy = "needed_by",
        Coords = "coords",
        Weekly = "weekly",
        Role = "role",
        NeedStatus = "need_status",
        OfferStatus = "offer_status",
        AssignmentStatus = "assignment_status",
        Verdict = "verdict",
        HoursStatus = "hours_status",
        Hours = "hours",
        To = "to",
        Member = "member",
        Note = "note",
        Reason = "reason",
        Passphrase = "passphrase",
        Invite = "invite",
        ContactName = "contact_name",
        Phone = "phone",
        Email = "email",
        Address = "address",
        Notes = "notes",
        Contact = "contact",
        ExpiryDays = "expiry_days",
        GraceDays = "grace_days",
        TimeZone = "time_zone",
        RenewEveryMonths = "renew_every_months",
        Channel = "channel",
    }
);

impl Field {
    /// The field in an English sentence.
    pub fn words(self) -> &'static str {
        match self {
            Field::AreaName => "area name",
            Field::GroupName => "group name",
            Field::YourName => "name",
            Field::What => "offer description",
            Field::Kind => "offer kind",
            Field::VolunteersNeeded => "volunteers needed",
            Field::HouseholdSize => "household size",
            Field::NeededBy => "'needed by' date",
            Field::Weekly => "weekly slot",
            Field::NeedStatus => "need status",
            Field::OfferStatus => "offer status",
            Field::AssignmentStatus => "assignment status",
            Field::HoursStatus => "hours status",
            Field::To => "receiver",
            Field::ContactName => "contact name",
            Field::Notes => "private notes",
            Field::Contact => "contact details",
            Field::ExpiryDays => "expiry days",
            Field::GraceDays => "grace days",
            Field::TimeZone => "time zone",
            Field::RenewEveryMonths => "months between renewals",
            other => other.as_str(),
        }
    }
}

/// Input that cannot become a record. Nothing is written when one of these is returned.
#[derive(Debug, Clone, PartialEq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum ValidationError {
    #[error("the {} cannot be empty", .0.words())]
    Empty(Field),
    #[error("the {} is too long (at most {max} characters)", .field.words())]
    TooLong { field: Field, max: usize },
    #[error("unknown {} '{value}' (expected one of: {allowed})", .what.words())]
    Unknown { what: Field, value: String, allowed: String },
    #[error("this group does not use the category '{0}'")]
    CategoryNotUsed(String),
    #[error("'{0}' is not a date like 2026-12-01 or a time like 2026-12-01T18:00:00Z")]
    BadDate(String),
    #[error("'needed by' ({0}) is already in the past")]
    NeededByInPast(DateTime<Utc>),
    #[error("the time window starts after 'needed by'")]
    WindowAfterNeededBy,
    #[error("the report's first day ({first}) is after its last ({last})")]
    PeriodBackwards { first: NaiveDate, last: NaiveDate },
    #[error("{} must be at least 1", .0.words())]
    Zero(Field),
    #[error("{} must be at most {max}", .field.words())]
    TooBig { field: Field, max: u32 },
    #[error("coordinates {lat}, {lon} are outside the map")]
    BadCoordinates { lat: f64, lon: f64 },
    #[error("'{0}' is not a weekly slot like 'mon 09:00-12:00'")]
    BadSlot(String),
    #[error("'{0}' is not a time zone like Europe/Madrid or America/Chicago")]
    BadTimeZone(String),
    #[error("the offer '{what}' is {status} and cannot take assignments")]
    OfferNotActive { what: String, status: String },
    #[error("the offer '{what}' belongs to another member")]
    OfferOfAnotherMember { what: String },
    #[error("{0} has been removed from the group")]
    MemberRemoved(String),
    #[error("{0} is already assigned to this need")]
    AlreadyAssigned(String),
    #[error("an area called '{0}' already exists")]
    AreaExists(String),
    #[error("only organizers can {0}")]
    OrganizersOnly(&'static str),
    #[error("this need is {0}; reopen it before assigning anyone")]
    NeedClosed(String),
    #[error("this need already has the {0} volunteer(s) it asked for")]
    NeedFull(u32),
    #[error("the offer '{what}' is at its capacity of {capacity} open assignment(s)")]
    AtCapacity { what: String, capacity: u32 },
    #[error("a {kind} that is {from} cannot become {to}")]
    NoSuchTransition { kind: &'static str, from: String, to: String },
    #[error("'{0}' is not a number of hours in whole quarter hours (like 1.5 or 0.25)")]
    NotQuarterHours(String),
    #[error("an entry must be more than 0 and at most 24 hours (got {0})")]
    HoursOutOfRange(String),
    #[error("hours cannot go from a member to themselves")]
    HoursToSelf,
    #[error("this assignment is {0}; log its hours once it is done")]
    AssignmentNotDone(String),
    #[error("this assignment is {0}'s, so its hours are logged as given by them")]
    AssignmentOfAnotherMember(String),
    #[error("hours for this assignment are already logged (entry {0}); void that entry to log them again")]
    AlreadyLogged(Uuid),
    #[error("these hours are already confirmed; an organizer can void them if they are wrong")]
    AlreadyConfirmed,
    #[error("these hours are already disputed; an organizer confirms or voids them")]
    AlreadyDisputed,
    #[error("these hours have been voided")]
    Voided,
    #[error("you gave these hours, so the member who received the help (or another organizer) confirms them")]
    ConfirmOwnHours,
    #[error("only the member who received the help, or an organizer, can confirm these hours")]
    NotTheReceiver,
    #[error("only the members in this entry, or an organizer, can {0}")]
    NotAParty(&'static str),
    #[error("nobody changes their own role; ask another organizer")]
    OwnRole,
    #[error("{} must be between 1 and {max} (got {days})", .field.words())]
    DaysOutOfRange { field: Field, days: u32, max: u32 },
    #[error("nobody removes themselves; ask another organizer")]
    RemoveSelf,
    #[error("the group was asked to forget this person; their contact details cannot be added again on this need")]
    ContactForgotten,
    #[error("a need is referred to another group, not to the group it is in")]
    ReferToOwnGroup,
    #[error("this need was not referred between groups")]
    NotReferred,
    #[error("this need is still with {0}; wait for their answer before sending it elsewhere")]
    StillReferred(String),
    #[error("the person did not agree to share their contact details, so they stay here")]
    NoConsent,
    #[error("{0} conflicts are open: decide them before renewing the group's record")]
    ConflictsOpen(usize),
    #[error("'{0}' cannot be removed from the record; only the titles and descriptions of needs and the text of offers can")]
    NotPurgeable(String),
    #[error("the group's record was already renewed; move to the new record before renewing again")]
    AlreadyRenewed,
}

impl ValidationError {
    /// The input to blame, where one is.
    pub fn field(&self) -> Option<Field> {
        Some(match self {
            Self::Empty(field) | Self::Zero(field) => *field,
            Self::TooLong { field, .. } | Self::TooBig { field, .. } | Self::DaysOutOfRange { field, .. } => *field,
            Self::Unknown { what, .. } => *what,
            Self::CategoryNotUsed(_) => Field::Category,
            Self::BadDate(_) | Self::NeededByInPast(_) | Self::WindowAfterNeededBy => Field::NeededBy,
            Self::BadCoordinates { .. } => Field::Coords,
            Self::BadSlot(_) => Field::Weekly,
            Self::BadTimeZone(_) => Field::TimeZone,
            Self::NotQuarterHours(_) | Self::HoursOutOfRange(_) => Field::Hours,
            Self::HoursToSelf => Field::To,
            _ => return None,
        })
    }
}

/// Text that must be there, at most `max` characters.
pub(crate) fn check_text(field: Field, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::Empty(field));
    }
    check_length(field, value, max)
}

/// Text that may be empty, at most `max` characters.
pub(crate) fn check_length(field: Field, value: &str, max: usize) -> Result<(), ValidationError> {
    if value.chars().count() > max {
        return Err(ValidationError::TooLong { field, max });
    }
    Ok(())
}

/// A count typed into a form: at least 1, at most `MAX_COUNT`.
pub(crate) fn check_count(field: Field, value: u32) -> Result<(), ValidationError> {
    match value {
        0 => Err(ValidationError::Zero(field)),
        n if n > MAX_COUNT => Err(ValidationError::TooBig { field, max: MAX_COUNT }),
        _ => Ok(()),
    }
}
