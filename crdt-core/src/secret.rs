//! The group secret and the keys derived from it. Whoever holds the secret is in the group:
//! it authenticates the sync handshake, encrypts bundles and hides which group meets on a LAN.
//! Each use gets its own key (HKDF with a distinct label), so no key ever serves two purposes.

use std::collections::BTreeSet;
use std::fmt;

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

pub const SECRET_LEN: usize = 32;

#[derive(Clone, PartialEq, Eq)]
pub struct GroupSecret([u8; SECRET_LEN]);

impl GroupSecret {
    pub fn generate() -> Self {
        GroupSecret(rand::random())
    }

    pub fn from_bytes(bytes: [u8; SECRET_LEN]) -> Self {
        GroupSecret(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; SECRET_LEN] {
        &self.0
    }

    fn derive(&self, label: &str) -> [u8; 32] {
        let mut key = [0u8; 32];
        expand(&self.0, label.as_bytes(), &mut key);
        key
    }

    /// Names this secret without revealing it: two removals made apart start two secrets with
    /// one epoch number, and the record says which of them the group keeps.
    pub fn id(&self) -> u64 {
        u64::from_be_bytes(self.derive("aidmesh/secret-id/v1")[..8].try_into().expect("8 of 32 bytes"))
    }

    /// Proves, before the handshake, that this secret is held, without naming it to anyone who
    /// does not: a keyed hash of the peer's fresh `nonce`, so it cannot be linked across meetings.
    pub fn proof(&self, nonce: &[u8]) -> [u8; 8] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.derive("aidmesh/secret-proof/v1")).expect("any key length works");
        mac.update(nonce);
        mac.finalize().into_bytes()[..8].try_into().expect("8 of 32 bytes")
    }

    /// The pre-shared key for the Noise `XXpsk3` handshake between members' devices.
    pub fn noise_psk(&self) -> [u8; 32] {
        self.derive("aidmesh/noise-psk/v1")
    }

    /// The key that encrypts and authenticates sneakernet bundles.
    pub fn bundle_key(&self) -> [u8; 32] {
        self.derive("aidmesh/bundle/v1")
    }

    /// What a device announces on the LAN: a keyed hash of the group id for one UTC day. Members
    /// recognise their group; outsiders learn nothing, and cannot link one day's tag to the next.
    pub fn discovery_tag(&self, group: Uuid, day: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.derive("aidmesh/discovery/v1")).expect("any key length works");
        mac.update(group.as_bytes());
        mac.update(&day.to_be_bytes());
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes()[..10])
    }

    /// A short tag naming the group inside a bundle, so that a bundle for another group is told
    /// apart from a damaged one without revealing the group id.
    pub fn bundle_tag(&self, group: Uuid) -> [u8; 16] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.derive("aidmesh/bundle-tag/v1")).expect("any key length works");
        mac.update(group.as_bytes());
        mac.finalize().into_bytes()[..16].try_into().expect("16 of 32 bytes")
    }
}

/// Never printed: a secret in a log is a secret given away.
impl fmt::Debug for GroupSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("GroupSecret(…)")
    }
}

/// A device's long-term X25519 key. Its public half is the device id: the Noise handshake proves
/// a peer holds the matching private key.
#[derive(Clone)]
pub struct DeviceKey(x25519_dalek::StaticSecret);

impl DeviceKey {
    pub fn generate() -> Self {
        DeviceKey(x25519_dalek::StaticSecret::from(rand::random::<[u8; 32]>()))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DeviceKey(x25519_dalek::StaticSecret::from(bytes))
    }

    pub fn private_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn public_bytes(&self) -> [u8; 32] {
        x25519_dalek::PublicKey::from(&self.0).to_bytes()
    }

    /// The device id: the public key in hex.
    pub fn id(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.public_bytes())
    }
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceKey({})", self.id())
    }
}

/// A group secret and the epoch it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpochSecret {
    pub epoch: u32,
    pub secret: GroupSecret,
}

impl EpochSecret {
    /// The order the group keeps: the later epoch, and of two secrets started apart for one
    /// epoch, the higher id (the same choice on every device, see `Group::epoch_key`).
    pub fn rank(&self) -> (u32, u64) {
        (self.epoch, self.secret.id())
    }
}

/// What a device needs to meet another: its key, every group secret it holds, the one the
/// record names now, and the devices the group has removed, which it never syncs with whatever
/// secret they hold.
#[derive(Clone, Debug)]
pub struct Keyring {
    pub device: DeviceKey,
    pub current: EpochSecret,
    /// Every secret this device holds, the current one included.
    pub secrets: Vec<EpochSecret>,
    pub removed_devices: BTreeSet<String>,
    /// The devices of members not removed, as the record names them.
    pub known_devices: BTreeSet<String>,
}

impl Keyring {
    /// Whether a device may sync with this one using `secret`. A removed device never may. An
    /// older secret than the current one is only for devices the record knows: someone removed
    /// who kept an old invite could otherwise make a fresh key and meet the group with the
    /// secret from before the removal.
    pub fn admits(&self, device: &str, secret: &EpochSecret) -> bool {
        !self.removed_devices.contains(device) && (secret.rank() >= self.current.rank() || self.known_devices.contains(device))
    }
}

/// Fills `out` with key material for `label` from `key` (HKDF-SHA256).
pub(crate) fn expand(key: &[u8], label: &[u8], out: &mut [u8]) {
    Hkdf::<Sha256>::new(None, key).expand(label, out).expect("at most 32 bytes is a valid HKDF length");
}
