//! Sneakernet bundles: changes sealed for carrying on a USB stick. Only devices holding the
//! group secret can read or forge one. Layout:
//! `AIDMESHB` · version · group tag (16) · nonce (24) · XChaCha20-Poly1305(deflate(changes)),
//! with everything before the ciphertext authenticated as associated data.

use std::io::{Read, Write};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use uuid::Uuid;

use crate::secret::GroupSecret;

const MAGIC: &[u8; 8] = b"AIDMESHB";
const VERSION: u8 = 1;
const HEADER: usize = MAGIC.len() + 1 + 16;
const NONCE: usize = 24;
/// The largest bundle file accepted; checked before it is read.
pub const MAX_BUNDLE: u64 = 256 << 20;
/// The largest content a bundle may unpack to.
const MAX_CONTENT: u64 = 1 << 30;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BundleError {
    #[error("this is not an aidmesh bundle")]
    NotABundle,
    #[error("this bundle was made by a newer aidmesh (bundle version {0}); update aidmesh to read it")]
    Version(u8),
    #[error("this bundle is for another group")]
    OtherGroup,
    #[error("this bundle is cut short (was the copy interrupted?)")]
    Truncated,
    #[error("this bundle has been damaged or tampered with; nothing was imported")]
    Tampered,
    #[error("this bundle is too large ({size} bytes, the limit is {limit})")]
    TooLarge { size: u64, limit: u64 },
}

pub fn seal(secret: &GroupSecret, group: Uuid, changes: &[u8]) -> Vec<u8> {
    let mut compressed = DeflateEncoder::new(Vec::new(), Compression::best());
    compressed.write_all(changes).expect("writing to memory");
    let compressed = compressed.finish().expect("writing to memory");
    let mut out = Vec::with_capacity(HEADER + NONCE + compressed.len() + 16);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&secret.bundle_tag(group));
    let nonce: [u8; NONCE] = rand::random();
    let cipher = XChaCha20Poly1305::new(&secret.bundle_key().into());
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: &compressed, aad: &out[..HEADER] })
        .expect("encryption of an in-memory buffer cannot fail");
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// The changes inside a bundle, if it is intact and for this group.
pub fn open(secret: &GroupSecret, group: Uuid, bytes: &[u8]) -> Result<Vec<u8>, BundleError> {
    if bytes.len() as u64 > MAX_BUNDLE {
        return Err(BundleError::TooLarge { size: bytes.len() as u64, limit: MAX_BUNDLE });
    }
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(BundleError::NotABundle);
    }
    if bytes.len() < HEADER + NONCE + 16 {
        return Err(BundleError::Truncated);
    }
    let version = bytes[MAGIC.len()];
    if version != VERSION {
        return Err(BundleError::Version(version));
    }
    if bytes[MAGIC.len() + 1..HEADER] != secret.bundle_tag(group) {
        return Err(BundleError::OtherGroup);
    }
    let (nonce, sealed) = bytes[HEADER..].split_at(NONCE);
    let cipher = XChaCha20Poly1305::new(&secret.bundle_key().into());
    let compressed = cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: &bytes[..HEADER] })
        .map_err(|_| BundleError::Tampered)?;
    let mut changes = Vec::new();
    DeflateDecoder::new(compressed.as_slice())
        .take(MAX_CONTENT + 1)
        .read_to_end(&mut changes)
        .map_err(|_| BundleError::Tampered)?;
    if changes.len() as u64 > MAX_CONTENT {
        return Err(BundleError::TooLarge { size: changes.len() as u64, limit: MAX_CONTENT });
    }
    Ok(changes)
}
