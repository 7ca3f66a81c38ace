//! Typed errors. Every message is written for the person at the screen: what is wrong and,
//! where it helps, what to do.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::Category;

/// Input that cannot become a record. Nothing is written when one of these is returned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValidationError {
    #[error("the {0} cannot be empty")]
    Empty(&'static str),
    #[error("the {field} is too long (at most {max} characters)")]
    TooLong { field: &'static str, max: usize },
    #[error("unknown {what} '{value}' (expected one of: {allowed})")]
    Unknown { what: &'static str, value: String, allowed: String },
    #[error("this group does not use the category '{0}'")]
    CategoryNotUsed(Category),
    #[error("'needed by' ({0}) is already in the past")]
    NeededByInPast(DateTime<Utc>),
    #[error("the time window starts after 'needed by'")]
    WindowAfterNeededBy,
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("coordinates {lat}, {lon} are outside the map")]
    BadCoordinates { lat: f64, lon: f64 },
    #[error("'{0}' is not a weekly slot like 'mon 09:00-12:00'")]
    BadSlot(String),
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
    #[error("{field} must be between 1 and {max} (got {days})")]
    DaysOutOfRange { field: &'static str, days: u32, max: u32 },
    #[error("nobody removes themselves; ask another organizer")]
    RemoveSelf,
    #[error("the group was asked to forget this person; their contact details cannot be added again on this need")]
    ContactForgotten,
}

/// Everything that can go wrong in the core and the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("no {kind} matches '{id}'")]
    NotFound { kind: &'static str, id: String },
    #[error("'{prefix}' matches {count} {kind}s; type more of the id")]
    Ambiguous { kind: &'static str, prefix: String, count: usize },
    #[error("that conflict is no longer open (someone may have resolved it already)")]
    ConflictGone,
    #[error("{0}")]
    BadResolution(String),
    #[error("the received changes are damaged or not aidmesh data: {0}")]
    BadChanges(String),
    #[error("no aidmesh database at {0}; create a group with `aidmesh init` first")]
    NoDatabase(PathBuf),
    #[error("an aidmesh database already exists at {0}")]
    AlreadyExists(PathBuf),
    #[error(
        "the database at {path} was written by a newer aidmesh (schema {found}, this version knows {supported}); \
         update aidmesh, the file was left untouched"
    )]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },
    #[error("the database at {path} is damaged ({detail}); it was left untouched — restore a backup or sync from another device")]
    Corrupt { path: PathBuf, detail: String },
    #[error("the passphrase for the database at {0} is wrong (or the file is damaged); it was left untouched")]
    WrongKey(PathBuf),
    #[error(transparent)]
    Frame(#[from] crate::frame::FrameError),
    #[error(transparent)]
    Invite(#[from] crate::invite::InviteError),
    #[error(transparent)]
    Bundle(#[from] crate::bundle::BundleError),
    #[error(transparent)]
    Seal(#[from] crate::seal::SealError),
    #[error("only organizers and the volunteers assigned to this need can read its contact details")]
    ContactNotYours,
    #[error("this group was made before contact details could be sealed, so it has no organizer key")]
    NoOrganizerKey,
    #[error("this need has no contact details")]
    NoContact,
    #[error("these contact details were forgotten on {0}; no device can read them any more")]
    ContactGone(String),
    #[error("these contact details were shredded {days} days after the need closed, as this group's settings ask")]
    ContactExpired { days: u32 },
    #[error("this device was removed from the group, so it cannot read what the group shared after that")]
    Removed,
    #[error("this device joined {0} but has not synced with it yet: sync with a member's device (`aidmesh sync ADDRESS`) or import a bundle")]
    NotSyncedYet(String),
    #[error("this device was invited to another group than the one it just synced with")]
    WrongGroup,
    #[error("the shared record is damaged: {0}")]
    Document(#[from] automerge::AutomergeError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
