//! Sneakernet bundles: changes sealed for carrying on a USB stick. Only devices holding the
//! group secret of the bundle's epoch can read or forge one. Layout:
//! `AIDMESHB` · version · group tag (16) · epoch (u32) · key list length (u32) · key list ·
//! nonce (24) · XChaCha20-Poly1305(deflate(content)), with everything before the ciphertext
//! authenticated as associated data. The key list in the clear holds the epoch's secret sealed
//! to each remaining device (`seal.rs`), so a device that missed a removal can still read the
//! bundle and move to the new epoch. The content is
//! `[u32 length][changes][u32 length][change signatures][key envelopes]`.

use std::io::{Read, Write};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use uuid::Uuid;

use crate::seal::{decode_envelopes, encode_envelopes, Envelope, Subject};
use crate::secret::{EpochSecret, GroupSecret};

const MAGIC: &[u8; 8] = b"AIDMESHB";
const VERSION: u8 = 3;
const TAG_AT: usize = MAGIC.len() + 1;
const EPOCH_AT: usize = TAG_AT + 16;
const KEYS_AT: usize = EPOCH_AT + 4;
const NONCE: usize = 24;
/// The largest bundle file accepted; checked before it is read.
pub const MAX_BUNDLE: u64 = 256 << 20;
/// The largest content a bundle may unpack to.
const MAX_CONTENT: u64 = 1 << 30;

#[derive(Debug, Clone, PartialEq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum BundleError {
    #[error("this is not an aidmesh bundle")]
    NotABundle,
    #[error("this bundle was made by another version of aidmesh (bundle version {0}); update aidmesh on both devices")]
    Version(u8),
    #[error("this bundle is for another group")]
    OtherGroup,
    #[error("this bundle is locked with a group key this device was never given: it was made after this device was removed from the group, or for another group")]
    NoKey,
    #[error("this bundle is cut short (was the copy interrupted?)")]
    Truncated,
    #[error("this bundle has been damaged or tampered with; nothing was imported")]
    Tampered,
    #[error("this bundle is too large ({size} bytes, the limit is {limit})")]
    TooLarge { size: u64, limit: u64 },
}

/// What a bundle carries: changes, their signatures (`signing::encode`), key envelopes.
#[derive(Debug, Clone, PartialEq)]
pub struct Contents {
    pub changes: Vec<u8>,
    pub signatures: Vec<u8>,
    pub envelopes: Vec<Envelope>,
}

/// Seals `contents` with a group secret. The envelopes that carry that secret to devices go in
/// the clear part too.
pub fn seal(current: &EpochSecret, group: Uuid, contents: &Contents) -> Vec<u8> {
    let Contents { changes, signatures, envelopes } = contents;
    let EpochSecret { epoch, secret } = current;
    let epoch_subject = Subject::Epoch(*epoch, secret.id()).as_string();
    let keys: Vec<Envelope> = envelopes.iter().filter(|e| e.subject == epoch_subject).cloned().collect();
    let keys = encode_envelopes(&keys);
    let mut content = (changes.len() as u32).to_be_bytes().to_vec();
    content.extend_from_slice(changes);
    content.extend_from_slice(&(signatures.len() as u32).to_be_bytes());
    content.extend_from_slice(signatures);
    content.extend_from_slice(&encode_envelopes(envelopes));
    let mut compressed = DeflateEncoder::new(Vec::new(), Compression::best());
    compressed.write_all(&content).expect("writing to memory");
    let compressed = compressed.finish().expect("writing to memory");
    let mut out = Vec::with_capacity(KEYS_AT + 4 + keys.len() + NONCE + compressed.len() + 16);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&secret.bundle_tag(group));
    out.extend_from_slice(&epoch.to_be_bytes());
    out.extend_from_slice(&(keys.len() as u32).to_be_bytes());
    out.extend_from_slice(&keys);
    let nonce: [u8; NONCE] = rand::random();
    let cipher = XChaCha20Poly1305::new(&secret.bundle_key().into());
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: &compressed, aad: &out })
        .expect("encryption of an in-memory buffer cannot fail");
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

/// The parts of a bundle before its ciphertext, checked for shape only.
struct Header<'a> {
    epoch: u32,
    keys: &'a [u8],
    /// Everything the ciphertext authenticates.
    clear: &'a [u8],
    rest: &'a [u8],
}

fn header(bytes: &[u8]) -> Result<Header<'_>, BundleError> {
    if bytes.len() as u64 > MAX_BUNDLE {
        return Err(BundleError::TooLarge { size: bytes.len() as u64, limit: MAX_BUNDLE });
    }
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(BundleError::NotABundle);
    }
    if bytes.len() <= MAGIC.len() {
        return Err(BundleError::Truncated);
    }
    let version = bytes[MAGIC.len()];
    if version != VERSION {
        return Err(BundleError::Version(version));
    }
    if bytes.len() < KEYS_AT + 4 {
        return Err(BundleError::Truncated);
    }
    let epoch = u32::from_be_bytes(bytes[EPOCH_AT..KEYS_AT].try_into().expect("4 bytes"));
    let keys_len = u32::from_be_bytes(bytes[KEYS_AT..KEYS_AT + 4].try_into().expect("4 bytes")) as usize;
    let clear_len = KEYS_AT + 4 + keys_len;
    if bytes.len() < clear_len + NONCE + 16 {
        return Err(BundleError::Truncated);
    }
    Ok(Header { epoch, keys: &bytes[KEYS_AT + 4..clear_len], clear: &bytes[..clear_len], rest: &bytes[clear_len..] })
}

/// The epoch whose secret a bundle is sealed with.
pub fn epoch(bytes: &[u8]) -> Result<u32, BundleError> {
    Ok(header(bytes)?.epoch)
}

/// The key envelopes in a bundle's clear part: its epoch's secret, sealed to each device.
pub fn epoch_keys(bytes: &[u8]) -> Result<Vec<Envelope>, BundleError> {
    decode_envelopes(header(bytes)?.keys).map_err(|_| BundleError::Tampered)
}

/// What is inside a bundle, if it is intact and for this group.
pub fn open(secret: &GroupSecret, group: Uuid, bytes: &[u8]) -> Result<Contents, BundleError> {
    let header = header(bytes)?;
    if header.clear[TAG_AT..EPOCH_AT] != secret.bundle_tag(group) {
        return Err(BundleError::OtherGroup);
    }
    let (nonce, sealed) = header.rest.split_at(NONCE);
    let cipher = XChaCha20Poly1305::new(&secret.bundle_key().into());
    let compressed = cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: header.clear })
        .map_err(|_| BundleError::Tampered)?;
    let mut content = Vec::new();
    DeflateDecoder::new(compressed.as_slice())
        .take(MAX_CONTENT + 1)
        .read_to_end(&mut content)
        .map_err(|_| BundleError::Tampered)?;
    if content.len() as u64 > MAX_CONTENT {
        return Err(BundleError::TooLarge { size: content.len() as u64, limit: MAX_CONTENT });
    }
    let (changes, rest) = length_prefixed(&content)?;
    let (signatures, envelopes) = length_prefixed(rest)?;
    let envelopes = decode_envelopes(envelopes).map_err(|_| BundleError::Tampered)?;
    Ok(Contents { changes: changes.to_vec(), signatures: signatures.to_vec(), envelopes })
}

/// `[u32 length][part][rest]` split into part and rest.
fn length_prefixed(bytes: &[u8]) -> Result<(&[u8], &[u8]), BundleError> {
    let [a, b, c, d, rest @ ..] = bytes else { return Err(BundleError::Tampered) };
    let length = u32::from_be_bytes([*a, *b, *c, *d]) as usize;
    if rest.len() < length {
        return Err(BundleError::Tampered);
    }
    Ok(rest.split_at(length))
}
