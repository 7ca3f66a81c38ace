//! Why a row is wrong, or left out: a code the app words in the person's language, with the
//! values the sentence names. `Display` is the English sentence the CLI prints.

use crdt_core::ValidationError;
use serde::Serialize;
use thiserror::Error;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RowProblem {
    #[error("its status says to leave it out")]
    StatusLeavesOut,
    #[error("the group has its phone number already")]
    PhoneKnown,
    #[error("household size '{value}' is not a number")]
    NotANumber { value: String },
    #[error("'{value}' is not a date")]
    NotADate { value: String },
    #[error("'{value}' could be day/month or month/day")]
    DateOrderUnknown { value: String },
    #[error("'{value}' has a two-digit year; write the year in full (like 2024)")]
    TwoDigitYear { value: String },
    #[error("'{value}' is not a day of the calendar")]
    NoSuchDay { value: String },
    #[error("'{value}' has a time that is not like 14:30 or 2:30 PM")]
    BadTime { value: String },
    #[error("'{value}' does not exist in the group's time zone")]
    NotInTimeZone { value: String },
    #[error("it has no name")]
    NoName,
    #[error("it has {columns} columns; a transfer has at least 6 (source id, source type, destination id, destination type, seconds, created at)")]
    TooFewColumns { columns: usize },
    #[error("member {id} is not in the group: import the volunteer sheet with their id first")]
    UnknownMember { id: String },
    #[error("'{value}' is neither member nor organization")]
    NotAParty { value: String },
    #[error("hours the organization gave: aidmesh counts hours members give")]
    OrganizationHours,
    #[error("'{value}' is not a number of seconds")]
    NotSeconds { value: String },
    #[error("{seconds} seconds is not a whole number of quarter hours")]
    NotQuarterHours { seconds: i64 },
    /// A rule of the record the row breaks (a title too long, a need in the past…): the core's
    /// rule by its code, and its English sentence.
    #[error("{message}")]
    Invalid { rule: String, message: String },
}

impl From<ValidationError> for RowProblem {
    fn from(e: ValidationError) -> Self {
        let rule: &'static str = (&e).into();
        RowProblem::Invalid { rule: rule.to_string(), message: e.to_string() }
    }
}
