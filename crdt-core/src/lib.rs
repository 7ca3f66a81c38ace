//! aidmesh's core: the group's shared record as one automerge document, typed reads and
//! validated actions over it, conflicts surfaced as decisions, per-record history, explained
//! matching of offers to needs, the timebank ledger, and the device's durable SQLite store
//! with its query index.
//!
//! Architecture invariant: this crate knows nothing about Tauri, IPC, the UI or sockets. Sync
//! is a state machine here; moving its frames is a driver's job (`aidmesh-net`).
//!
//! The modules are layered, lowest first; a module uses only modules above it in this list
//! (`tests/layers.rs` checks it):
//! 1. leaves: `validation`, `chunks`, `frame`, `secret`, `signing`, `seal`, `invite`, `bundle`;
//! 2. `error`, which gathers the leaves' errors, and `codec`;
//! 3. `model`: the records, their statuses, dates and the ledger's arithmetic;
//! 4. `engine`: the document, how a change is made, what it touched, its caches;
//! 5. reads over the document or its records: `reads`, `conflict`, `history`, `matching`, `report` (and `totals`, a group's report as a signed file);
//! 6. `actions`: every user action, one file per domain;
//! 7. `export`, `sync`;
//! 8. `store`: the device's database.

pub mod validation;
mod chunks;
pub mod frame;
pub mod secret;
pub mod signing;
pub mod seal;
pub mod invite;
pub mod bundle;
pub mod error;
mod codec;
pub mod model;
pub mod engine;
mod reads;
pub mod conflict;
pub mod history;
pub mod matching;
pub mod report;
pub mod totals;
mod actions;
pub mod export;
pub mod sync;
pub mod store;

pub use actions::{referred_need_id, Answer, Destination, ImportedHours, ImportedMember, ImportedNeed};
pub use automerge::ActorId;
pub use uuid::Uuid;
pub use conflict::{Affected, Conflict, ConflictKind, Side};
pub use engine::{Action, Attempt, Collection, GroupDoc, Ignored, InvalidRecord, Loaded, Purged, Renewal, Replayed, Touched};
pub use error::{Error, Result};
pub use export::Export;
pub use history::{FieldChange, HistoryEntry};
pub use matching::{Batch, Candidate, Excluded, Exclusion, Matcher, Proposal, Ranking, Reason, Unfilled};
pub use model::*;
pub use invite::{Invite, InviteError, InvitedRecord};
pub use seal::Contact;
pub use secret::{DeviceKey, EpochSecret, GroupSecret, Keyring};
pub use signing::{Signatures, Signer};
pub use store::{carry_referrals, check_new_group, choose_group, group_files, new_group_file, GroupOnDevice, FIRST_GROUP_FILE, DbKey, ImportProgress, Imported, NeedToImport, LedgerFilter, RenewalPreview, NeedFilter, OfferFilter, Store, Upkeep};
pub use sync::{Digest, Generation, Progress, SyncSession};
pub use validation::{Field, ValidationError, MAX_ADDRESS, MAX_CONTACT_NAME, MAX_COUNT, MAX_EMAIL, MAX_PHONE, MAX_RETENTION_DAYS, MAX_TEXT, MAX_TITLE};
