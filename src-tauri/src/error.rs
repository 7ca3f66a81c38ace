//! The one error type commands return. It serializes to `ErrorBody` (`{kind, code, field,
//! message, params}`, `AppError` in the UI's contract): the UI translates `code` (with `params`),
//! shows the message under `field` when a form field is to blame, and falls back to the English
//! `message`.

use std::collections::BTreeMap;
#[cfg(test)]
use std::collections::BTreeSet;

use aidmesh_net::NetError;
use aidmesh_sheets::ImportError;
#[cfg(test)]
use crdt_core::bundle::BundleError;
use crdt_core::totals::TotalsError;
use crdt_core::{Error as CoreError, Field, InviteError, ValidationError};
use serde::{Serialize, Serializer};
use serde_json::{json, Value as Json};
#[cfg(test)]
use strum::VariantNames;
use ts_rs::TS;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error(transparent)]
    Net(NetError),
    /// The address typed to sync with (an invite's address is the invite's to blame).
    #[error(transparent)]
    SyncAddress(InviteError),
    #[error("this device is not in a group yet: start one or join with an invite")]
    NoGroup,
    #[error("type this device's passphrase to unlock it")]
    Locked,
    #[error("{0}")]
    Io(String),
    /// A network totals file that cannot be used (damaged, changed, for other days…).
    #[error(transparent)]
    Totals(#[from] TotalsError),
    /// A sheet that cannot be imported, or a choice about it that cannot be used.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The device's database could not be opened at start (damaged, from a newer aidmesh); it
    /// was left untouched. `code` is the core error's.
    #[error("{message}")]
    Unusable { code: &'static str, message: String },
}

pub type AppResult<T> = Result<T, AppError>;

/// What kind of trouble an error is, for a sentence when its code has no translation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, TS, strum::VariantNames)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ErrorKind {
    Validation,
    NotFound,
    NotReady,
    ConflictGone,
    Network,
    Bundle,
    Invite,
    Storage,
    Privacy,
}

/// An error as the UI receives it.
#[derive(Clone, Serialize, TS)]
#[ts(rename = "AppError")]
pub struct ErrorBody {
    pub kind: ErrorKind,
    /// The rule that failed: one of `ERROR_CODES`.
    #[ts(type = "ErrorCode")]
    pub code: &'static str,
    /// The form input to blame, if one is.
    pub field: Option<Field>,
    /// The core's English sentence: the fallback when `code` has no translation.
    pub message: String,
    /// The values a translated sentence needs (`max`, `name`, ...).
    #[ts(type = "Record<string, string | number>")]
    pub params: BTreeMap<&'static str, Json>,
}

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

/// Codes the app gives besides the core's and the network's.
#[cfg(test)]
const APP_CODES: &[&str] = &["no_group", "locked", "io", "connection_lost", "invite_invalid", "totals_invalid", "import_invalid", "import_not_ready"];

/// Every code `AppError::code` can give: the UI's contract lists them, and must word each.
#[cfg(test)]
pub fn error_codes() -> BTreeSet<&'static str> {
    // The core errors that only wrap another are reported by the inner error's code.
    let wrappers = ["invalid", "bundle", "invite"];
    let core = CoreError::VARIANTS.iter().filter(|c| !wrappers.contains(c));
    let net = NetError::VARIANTS.iter().filter(|c| !["io", "core"].contains(c));
    let invite = ["version", "bad_address"];
    ValidationError::VARIANTS.iter().chain(core).chain(BundleError::VARIANTS).chain(net).chain(&invite).chain(APP_CODES).copied().collect()
}

impl AppError {
    fn kind(&self) -> ErrorKind {
        match self {
            AppError::Core(e) => match e {
                CoreError::Invalid(_) | CoreError::Ambiguous { .. } | CoreError::BadResolution(_) | CoreError::WrongKey(_) => ErrorKind::Validation,
                CoreError::NotFound { .. } => ErrorKind::NotFound,
                CoreError::ConflictGone => ErrorKind::ConflictGone,
                CoreError::NotSyncedYet(_) => ErrorKind::NotReady,
                CoreError::Invite(_) | CoreError::WrongGroup => ErrorKind::Invite,
                CoreError::Bundle(_) => ErrorKind::Bundle,
                CoreError::BadChanges(_) | CoreError::Frame(_) | CoreError::Equivocation { .. } => ErrorKind::Network,
                CoreError::ContactNotYours | CoreError::NoOrganizerKeyHere | CoreError::NoContact | CoreError::ContactGone(_) | CoreError::ContactExpired { .. } => ErrorKind::Privacy,
                _ => ErrorKind::Storage,
            },
            AppError::Net(_) => ErrorKind::Network,
            AppError::SyncAddress(_) | AppError::Totals(_) | AppError::Import(_) => ErrorKind::Validation,
            AppError::NoGroup | AppError::Locked => ErrorKind::NotReady,
            AppError::Io(_) | AppError::Unusable { .. } => ErrorKind::Storage,
        }
    }

    /// The rule that failed, as a stable snake_case name: the variant's own name (strum), so
    /// every new variant gets a code without a table to keep in step.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Core(CoreError::Invalid(e)) => e.into(),
            AppError::Core(CoreError::Bundle(e)) => e.into(),
            AppError::Core(CoreError::Invite(e)) | AppError::SyncAddress(e) => invite_code(e),
            AppError::Core(e) => e.into(),
            AppError::Net(NetError::Io(_)) => "connection_lost",
            AppError::Net(e) => e.into(),
            AppError::NoGroup => "no_group",
            AppError::Locked => "locked",
            AppError::Io(_) => "io",
            AppError::Totals(_) => "totals_invalid",
            AppError::Import(ImportError::NotReady) => "import_not_ready",
            AppError::Import(_) => "import_invalid",
            AppError::Unusable { code, .. } => code,
        }
    }

    /// The form input the error belongs to.
    fn field(&self) -> Option<Field> {
        match self {
            AppError::Core(CoreError::Invalid(e)) => e.field(),
            AppError::Core(CoreError::Invite(_)) => Some(Field::Invite),
            AppError::Core(CoreError::WrongKey(_)) => Some(Field::Passphrase),
            AppError::SyncAddress(_) => Some(Field::Address),
            _ => None,
        }
    }

    fn params(&self) -> BTreeMap<&'static str, Json> {
        if let AppError::Totals(_) | AppError::Import(_) = self {
            return [("detail", json!(self.to_string()))].into_iter().collect();
        }
        if let AppError::Core(CoreError::Referral { title, group, .. }) = self {
            return [("title", json!(title)), ("group", json!(group))].into_iter().collect();
        }
        let AppError::Core(CoreError::Invalid(e)) = self else { return BTreeMap::new() };
        let pairs: Vec<(&'static str, Json)> = match e {
            ValidationError::TooLong { max, .. } => vec![("max", json!(max))],
            ValidationError::TooBig { max, .. } => vec![("max", json!(max))],
            ValidationError::DaysOutOfRange { days, max, .. } => vec![("days", json!(days)), ("max", json!(max))],
            ValidationError::Unknown { value, allowed, .. } => vec![("value", json!(value)), ("allowed", json!(allowed))],
            ValidationError::NeedFull(n) => vec![("count", json!(n))],
            ValidationError::ConflictsOpen(n) => vec![("count", json!(n))],
            ValidationError::AtCapacity { what, capacity } => vec![("what", json!(what)), ("capacity", json!(capacity))],
            ValidationError::MemberRemoved(name) | ValidationError::AlreadyAssigned(name) => vec![("name", json!(name))],
            ValidationError::NeedClosed(status) => vec![("status", json!(status))],
            ValidationError::StillReferred(group) => vec![("group", json!(group))],
            ValidationError::NoSuchTransition { from, to, .. } => vec![("from", json!(from)), ("to", json!(to))],
            ValidationError::NotQuarterHours(value)
            | ValidationError::HoursOutOfRange(value)
            | ValidationError::BadDate(value)
            | ValidationError::BadTimeZone(value) => vec![("value", json!(value))],
            _ => vec![],
        };
        pairs.into_iter().collect()
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody { kind: self.kind(), code: self.code(), field: self.field(), message: self.to_string(), params: self.params() }
    }
}

/// An invite from a newer aidmesh asks for an update, a bad address names the address; any
/// other fault means the invite itself is not usable.
fn invite_code(e: &InviteError) -> &'static str {
    match e {
        InviteError::Version(_) | InviteError::BadAddress(_) => e.into(),
        _ => "invite_invalid",
    }
}

impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.body().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_name_their_rule_and_field() {
        let error = AppError::from(ValidationError::Zero(Field::VolunteersNeeded));
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["kind"], "validation");
        assert_eq!(json["code"], "zero");
        assert_eq!(json["field"], "volunteers_needed");
        assert_eq!(json["message"], "volunteers needed must be at least 1");
        let too_big = serde_json::to_value(AppError::from(ValidationError::TooBig { field: Field::Capacity, max: 10_000 })).unwrap();
        assert_eq!((too_big["code"].as_str(), too_big["field"].as_str(), &too_big["params"]["max"]), (Some("too_big"), Some("capacity"), &json!(10_000)));
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

    #[test]
    fn every_code_given_is_in_the_contracts_list() {
        let codes = error_codes();
        let samples = [
            AppError::from(ValidationError::HoursToSelf),
            AppError::from(CoreError::NotSyncedYet("group".into())),
            AppError::from(CoreError::from(BundleError::Tampered)),
            AppError::from(InviteError::Checksum),
            AppError::SyncAddress(InviteError::BadAddress("x".into())),
            AppError::from(NetError::Handshake),
            AppError::from(NetError::Io(std::io::ErrorKind::BrokenPipe.into())),
            AppError::NoGroup,
            AppError::Locked,
            AppError::Io("disk".into()),
            AppError::from(ImportError::Binary),
            AppError::from(ImportError::NotReady),
        ];
        for error in samples {
            assert!(codes.contains(error.code()), "{} is missing from error_codes()", error.code());
        }
        assert!(!codes.contains("invalid") && !codes.contains("core"), "errors that wrap another give the inner code");
    }
}
