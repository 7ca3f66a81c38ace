//! aidmesh's core: the group's shared record as one automerge document, typed reads and
//! validated actions over it, conflicts surfaced as decisions, per-record history, explained
//! matching of offers to needs, the timebank ledger, and the device's durable SQLite store
//! with its query index.
//!
//! Architecture invariant: this crate knows nothing about Tauri, IPC, the UI or sockets. Sync
//! is a state machine here; moving its frames is a driver's job (`aidmesh-net`).

pub mod bundle;
mod chunks;
mod codec;
pub mod conflict;
pub mod doc;
pub mod error;
pub mod frame;
pub mod history;
pub mod invite;
pub mod ledger;
pub mod matching;
pub mod model;
pub mod seal;
pub mod secret;
pub mod store;
pub mod sync;

pub use automerge::ActorId;
pub use uuid::Uuid;
pub use conflict::{Conflict, ConflictKind, Side};
pub use doc::{Collection, Export, GroupDoc, InvalidRecord, Loaded, Resolution, Touched};
pub use error::{Error, Result, ValidationError};
pub use history::{FieldChange, HistoryEntry};
pub use ledger::{Balance, EntryStatus, HourEntry, HourVerdict, Hours, Ledger, LedgerEntry, NewHours, Party, Statement, StatementLine, VerdictKind};
pub use matching::{Batch, Candidate, Excluded, Exclusion, Matcher, Proposal, Ranking, Reason, Unfilled};
pub use model::*;
pub use invite::{Invite, InviteError};
pub use seal::Contact;
pub use secret::{DeviceKey, GroupSecret, Keyring};
pub use store::{DbKey, LedgerFilter, NeedFilter, OfferFilter, Store, Upkeep};
pub use sync::{Digest, Progress, SyncSession};
