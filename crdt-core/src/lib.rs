//! aidmesh's core: the group's shared record as one automerge document, typed reads and
//! validated actions over it, conflicts surfaced as decisions, per-record history, and the
//! device's durable SQLite store with its query index.
//!
//! Architecture invariant: this crate knows nothing about Tauri, IPC, the UI or sockets.

mod chunks;
mod codec;
pub mod conflict;
pub mod doc;
pub mod error;
pub mod history;
pub mod model;
pub mod store;

pub use automerge::ActorId;
pub use conflict::{Conflict, ConflictKind, Side};
pub use doc::{Collection, Export, GroupDoc, InvalidRecord, Loaded, Resolution, Touched};
pub use error::{Error, Result, ValidationError};
pub use history::{FieldChange, HistoryEntry};
pub use model::*;
pub use store::{NeedFilter, OfferFilter, Store};
