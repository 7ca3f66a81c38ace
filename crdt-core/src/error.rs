//! `Error`, everything that can go wrong in the core and the store. Every message is written for
//! the person at the screen: what is wrong and, where it helps, what to do.
//!
//! It gathers the leaves' own errors (validation, frames, signatures, invites, bundles, sealing) and names
//! no record type, so it sits just above the leaves and every layer above returns it.

use std::path::PathBuf;

use crate::validation::ValidationError;

/// Everything that can go wrong in the core and the store.
/// `code` names each failed rule for the app to translate: the variant's name in snake case.
#[derive(Debug, thiserror::Error, strum::IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error("no {kind} matches '{id}'")]
    NotFound { kind: &'static str, id: String },
    #[error("'{prefix}' matches {count} {kind}s; type more of it")]
    Ambiguous { kind: &'static str, prefix: String, count: usize },
    #[error("that conflict is no longer open (someone may have resolved it already)")]
    ConflictGone,
    #[error("this device already wrote on the group's renewed record, so its earlier changes can no longer be carried over as they were made")]
    ReplayAfterOwnWrites,
    #[error("the other device is on a renewed record of the group and no longer keeps the one this device is on (or the other way round): sync with a device that keeps the older record, such as a hub or an organizer's laptop")]
    NoCommonGeneration,
    #[error("{0}")]
    BadResolution(String),
    #[error("the received changes are damaged or not aidmesh data: {0}")]
    BadChanges(String),
    #[error(
        "device {device:.8} signed two different changes as its change number {seq}: a modified app, or a copied phone. \
         Nothing it sent was saved; organizers see it among the ignored changes"
    )]
    Equivocation { device: String, seq: u64, change: String },
    #[error("no aidmesh database at {0}; create a group with `aidmesh init` first")]
    NoDatabase(PathBuf),
    #[error("an aidmesh database already exists at {0}")]
    AlreadyExists(PathBuf),
    #[error("this device is in no group called '{wanted}'; it is in {names}")]
    NoSuchGroup { wanted: String, names: String },
    #[error("this device is in several groups ({names}): name the one you mean")]
    WhichGroup { names: String },
    #[error("this device is already in {0}; nothing was changed")]
    InGroupAlready(String),
    #[error("the referral of '{title}' to {group} could not be carried: {source}")]
    Referral { title: String, group: String, source: Box<Error> },
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
    #[error(transparent)]
    Signature(#[from] crate::signing::SignatureError),
    #[error("only organizers and the volunteers assigned to this need can read its contact details")]
    ContactNotYours,
    #[error("this group was made before contact details could be sealed, so it has no organizer key")]
    NoOrganizerKey,
    #[error(
        "this device does not hold the organizer key yet, so it cannot replace it for the organizer who leaves; \
         sync with another organizer's device first. Nothing was changed"
    )]
    NoOrganizerKeyHere,
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
    #[error("your change was saved, but {what} failed afterwards: {source}")]
    AfterCommit { what: String, source: Box<Error> },
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
