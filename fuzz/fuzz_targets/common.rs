//! Fixed keys and names shared by the fuzz targets and the seed generator. Everything is fixed,
//! not random, so a run is reproducible and a crasher replays the same way later.

#![allow(dead_code)]

use crdt_core::{ActorId, GroupSecret, Uuid};

pub const GROUP: Uuid = Uuid::from_u128(0x0195_0000_0000_7000_8000_0000_0000_f022);
pub const SECRET: [u8; 32] = [7; 32];
/// The receiving device's private key, the record key of `NEED`'s contact details, and that need.
pub const DEVICE_KEY: [u8; 32] = [9; 32];
pub const RECORD_KEY: [u8; 32] = [5; 32];
pub const NEED: Uuid = Uuid::from_u128(0x0195_0000_0000_7000_8000_0000_0000_0eed);

pub fn secret() -> GroupSecret {
    GroupSecret::from_bytes(SECRET)
}

/// The device that receives the fuzzed bytes.
pub fn receiver() -> ActorId {
    ActorId::from(b"fuzz-receiver".as_slice())
}

/// The device the seeds come from.
pub fn sender() -> ActorId {
    ActorId::from(b"fuzz-sender".as_slice())
}
