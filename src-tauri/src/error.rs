//! The one error type commands return. It serializes to `{kind, code, field, message, params}`:
//! the UI translates `code` (with `params`), shows the message under `field` when a form field is
//! to blame, and falls back to the English `message`.

use std::collections::BTreeMap;

use aidmesh_net::NetError;
use crdt_core::{Error as CoreError, InviteError, ValidationError};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::{json, Value as Json};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error(transparent)]
    Net(NetError),
    #[error("{message}")]
    Input { code: &'static str, field: &'static str, message: String },
    #[error("this device is not in a group yet: start one or join with an invite")]
    NoGroup,
    #[error("this device is already in a group")]
    AlreadyInGroup,
    #[error("type this device's passphrase to unlock it")]
    Locked,
    #[error("{0}")]
    Io(String),
    /// The device's database could not be opened at start (damaged, from a newer aidmesh); it
    /// was left untouched. `code` is the core error's.
    #[error("{message}")]
    Unusable { code: String, message: String },
}

pub type AppResult<T> = Result<T, AppError>;

impl From<ValidationError> for AppError {
    fn from(e: ValidationError) -> Self {
        AppError::Core(e.into())
    }
}

impl From<NetError> for AppError {
    /// A core error met during a sync is reported as the core error it is.
    fn from(e: NetError) -> Self {
        match e {
            NetError::Core(e) => AppError::Core(e),
            other => AppError::Net(other),
        }
    }
}

impl From<InviteError> for AppError {
    fn from(e: InviteError) -> Self {
        AppError::Core(e.into())
    }
}

impl AppError {
    fn kind(&self) -> &'static str {
        match self {
            AppError::Core(e) => match e {
                CoreError::Invalid(_) | CoreError::Ambiguous { .. } | CoreError::BadResolution(_) => "validation",
                CoreError::NotFound { .. } => "not_found",
                CoreError::ConflictGone => "conflict_gone",
                CoreError::NotSyncedYet(_) => "not_ready",
                CoreError::Invite(_) | CoreError::WrongGroup => "invite",
                CoreError::Bundle(_) => "bundle",
                CoreError::BadChanges(_) | CoreError::Frame(_) => "network",
                CoreError::ContactNotYours | CoreError::NoContact | CoreError::ContactGone(_) | CoreError::ContactExpired { .. } => "privacy",
                CoreError::WrongKey(_) => "validation",
                _ => "storage",
            },
            AppError::Net(_) => "network",
            AppError::Input { .. } => "validation",
            AppError::NoGroup | AppError::AlreadyInGroup | AppError::Locked => "not_ready",
            AppError::Io(_) | AppError::Unusable { .. } => "storage",
        }
    }

    /// The rule that failed, as a stable snake_case name: the variant's own name, so every new
    /// variant gets a code without a table to keep in step.
    pub fn code(&self) -> String {
        match self {
            AppError::Core(CoreError::Invalid(e)) => variant_name(e),
            AppError::Core(CoreError::Bundle(e)) => variant_name(e),
            AppError::Core(CoreError::Invite(InviteError::Version(_))) => "version".into(),
            AppError::Core(CoreError::Invite(InviteError::BadAddress(_))) => "bad_address".into(),
            AppError::Core(CoreError::Invite(_)) => "invite_invalid".into(),
            AppError::Net(NetError::Io(_)) => "connection_lost".into(),
            AppError::Core(e) => variant_name(e),
            AppError::Net(e) => variant_name(e),
            AppError::Input { code, .. } => (*code).into(),
            AppError::NoGroup => "no_group".into(),
            AppError::AlreadyInGroup => "already_in_group".into(),
            AppError::Locked => "locked".into(),
            AppError::Io(_) => "io".into(),
            AppError::Unusable { code, .. } => code.clone(),
        }
    }

    /// The form field the error belongs to, named as the UI's inputs are.
    fn field(&self) -> Option<&'static str> {
        let AppError::Core(CoreError::Invalid(e)) = self else {
            return match self {
                AppError::Input { field, .. } => Some(field),
                AppError::Core(CoreError::Invite(_)) => Some("invite"),
                AppError::Core(CoreError::WrongKey(_)) => Some("passphrase"),
                _ => None,
            };
        };
        Some(match e {
            ValidationError::Empty(what) | ValidationError::Zero(what) => form_field(what),
            ValidationError::TooLong { field, .. } => form_field(field),
            ValidationError::Unknown { what, .. } => form_field(what),
            ValidationError::CategoryNotUsed(_) => "category",
            ValidationError::NeededByInPast(_) | ValidationError::WindowAfterNeededBy => "needed_by",
            ValidationError::BadCoordinates { .. } => "coords",
            ValidationError::BadSlot(_) => "weekly",
            ValidationError::NotQuarterHours(_) | ValidationError::HoursOutOfRange(_) => "hours",
            ValidationError::HoursToSelf => "to",
            ValidationError::DaysOutOfRange { field, .. } => form_field(field),
            _ => return None,
        })
    }

    fn params(&self) -> BTreeMap<&'static str, Json> {
        let mut params = BTreeMap::new();
        if let AppError::Core(CoreError::Invalid(e)) = self {
            match e {
                ValidationError::TooLong { max, .. } => {
                    params.insert("max", json!(max));
                }
                ValidationError::DaysOutOfRange { days, max, .. } => {
                    params.insert("days", json!(days));
                    params.insert("max", json!(max));
                }
                ValidationError::Unknown { value, allowed, .. } => {
                    params.insert("value", json!(value));
                    params.insert("allowed", json!(allowed));
                }
                ValidationError::NeedFull(n) => {
                    params.insert("count", json!(n));
                }
                ValidationError::AtCapacity { what, capacity } => {
                    params.insert("what", json!(what));
                    params.insert("capacity", json!(capacity));
                }
                ValidationError::MemberRemoved(name) | ValidationError::AlreadyAssigned(name) => {
                    params.insert("name", json!(name));
                }
                ValidationError::NeedClosed(status) => {
                    params.insert("status", json!(status));
                }
                ValidationError::NotQuarterHours(value) | ValidationError::HoursOutOfRange(value) => {
                    params.insert("value", json!(value));
                }
                _ => {}
            }
        }
        params
    }
}

/// The core names fields in words ("volunteers needed"); the UI's inputs are named in snake case.
fn form_field(what: &str) -> &'static str {
    match what {
        "title" => "title",
        "description" => "description",
        "area" => "area",
        "category" => "category",
        "categories" => "categories",
        "urgency" => "urgency",
        "offer description" => "what",
        "offer kind" => "kind",
        "capacity" => "capacity",
        "volunteers needed" => "volunteers_needed",
        "household size" => "household_size",
        "group name" => "group_name",
        "name" => "your_name",
        "role" => "role",
        "reason" => "reason",
        "passphrase" => "passphrase",
        "contact name" => "contact_name",
        "phone" => "phone",
        "email" => "email",
        "address" => "address",
        "private notes" => "notes",
        "contact details" => "contact",
        "expiry days" => "expiry_days",
        "grace days" => "grace_days",
        _ => "form",
    }
}

/// `OrganizersOnly("assign")` → `organizers_only`.
fn variant_name(value: &impl std::fmt::Debug) -> String {
    let debug = format!("{value:?}");
    let name = debug.split(|c: char| !c.is_alphanumeric()).next().unwrap_or_default();
    let mut snake = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake
}

impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("AppError", 5)?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("code", &self.code())?;
        s.serialize_field("field", &self.field())?;
        s.serialize_field("message", &self.to_string())?;
        s.serialize_field("params", &self.params())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_name_their_rule_and_field() {
        let error = AppError::from(ValidationError::Zero("volunteers needed"));
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["kind"], "validation");
        assert_eq!(json["code"], "zero");
        assert_eq!(json["field"], "volunteers_needed");
        assert_eq!(json["message"], "volunteers needed must be at least 1");
    }

    #[test]
    fn codes_are_snake_case_variant_names() {
        let error = AppError::from(ValidationError::OrganizersOnly("assign"));
        assert_eq!(serde_json::to_value(&error).unwrap()["code"], "organizers_only");
        assert_eq!(serde_json::to_value(AppError::from(CoreError::ConflictGone)).unwrap()["code"], "conflict_gone");
    }

    #[test]
    fn an_invite_from_a_newer_aidmesh_says_update_not_damaged() {
        let json = serde_json::to_value(AppError::from(InviteError::Version(9))).unwrap();
        assert_eq!((json["code"].as_str(), json["field"].as_str()), (Some("version"), Some("invite")));
        let lost = AppError::from(NetError::Io(std::io::ErrorKind::ConnectionReset.into()));
        assert_eq!(serde_json::to_value(lost).unwrap()["code"], "connection_lost");
    }
}
