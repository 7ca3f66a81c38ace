//! Sealed contact details, and the key envelopes that open them.
//!
//! A need's contact details are encrypted with a random record key (XChaCha20-Poly1305, the need
//! id as associated data). Only that ciphertext enters the shared record. The record key travels
//! in envelopes: libsodium sealed boxes (`crypto_box`) to one X25519 public key each, a device's
//! key or the group's organizer key. Envelopes never enter the automerge document, whose history
//! is forever: they live in a table of their own and move beside it during a sync or in a
//! bundle, so deleting them really does make the ciphertext unreadable.
//!
//! The same envelopes carry the organizer key to organizers' devices and each new group secret
//! (after a member is removed) to the devices that remain.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use crypto_box::aead::OsRng;
use data_encoding::{BASE64, HEXLOWER};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::validation::{check_length, Field, ValidationError, MAX_ADDRESS, MAX_CONTACT_NAME, MAX_EMAIL, MAX_PHONE, MAX_TEXT};

const NONCE: usize = 24;
/// Longest subject and sealed box accepted from outside; real ones are far smaller.
const MAX_SUBJECT: usize = 64;
const MAX_SEALED: usize = 256;
/// The most envelopes one frame or bundle may carry.
pub const MAX_ENVELOPES: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum SealError {
    #[error("sealed data is damaged or was opened with the wrong key")]
    Damaged,
    #[error("a list of key envelopes is damaged")]
    BadEnvelopes,
}

/// Encrypted contact details of the person helped, as the record holds them. Only the privacy
/// layer can open it; the record stores and replicates the ciphertext and never sees plaintext.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SealedContact(pub String);

/// The person helped: what only organizers and the volunteers assigned may read.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// An exact address or cross streets.
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub notes: String,
}

impl Contact {
    pub fn validate(&self) -> Result<(), ValidationError> {
        for (field, value, max) in [
            (Field::ContactName, &self.name, MAX_CONTACT_NAME),
            (Field::Phone, &self.phone, MAX_PHONE),
            (Field::Email, &self.email, MAX_EMAIL),
            (Field::Address, &self.address, MAX_ADDRESS),
            (Field::Notes, &self.notes, MAX_TEXT),
        ] {
            check_length(field, value, max)?;
        }
        if self.is_empty() {
            return Err(ValidationError::Empty(Field::Contact));
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        [&self.name, &self.phone, &self.email, &self.address, &self.notes].iter().all(|v| v.trim().is_empty())
    }
}

/// A 32-byte symmetric key: a record key, or a group secret carried in an envelope.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Key32(pub [u8; 32]);

impl Key32 {
    pub fn generate() -> Self {
        Key32(rand::random())
    }

    /// Encrypts `contact` for the need `need`.
    pub fn seal_contact(&self, need: Uuid, contact: &Contact) -> SealedContact {
        self.seal_with_nonce(need, contact, rand::random())
    }

    /// A key for `purpose` derived from this one: every device that holds this key derives it.
    pub fn derive(&self, purpose: &str) -> Key32 {
        let mut key = [0; 32];
        crate::secret::expand(&self.0, purpose.as_bytes(), &mut key);
        Key32(key)
    }

    /// `seal_contact` with the nonce derived from the key and the contact itself (as SIV does):
    /// every device sealing the same contact writes the same bytes, and two different contacts
    /// never share a nonce.
    pub fn seal_contact_deterministic(&self, need: Uuid, contact: &Contact) -> SealedContact {
        let mut nonce = [0; NONCE];
        let mut label = zeroize::Zeroizing::new(b"aidmesh/contact-nonce/v1".to_vec());
        label.extend_from_slice(need.as_bytes());
        label.extend_from_slice(&zeroize::Zeroizing::new(serde_json::to_vec(contact).expect("a contact serializes")));
        crate::secret::expand(&self.0, &label, &mut nonce);
        self.seal_with_nonce(need, contact, nonce)
    }

    fn seal_with_nonce(&self, need: Uuid, contact: &Contact, nonce: [u8; NONCE]) -> SealedContact {
        let mut plain = serde_json::to_vec(contact).expect("a contact serializes");
        let sealed = XChaCha20Poly1305::new(&self.0.into())
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: &plain, aad: need.as_bytes() })
            .expect("encryption of an in-memory buffer cannot fail");
        plain.zeroize();
        SealedContact(BASE64.encode(&[&nonce[..], &sealed].concat()))
    }

    pub fn open_contact(&self, need: Uuid, sealed: &SealedContact) -> Result<Contact, SealError> {
        let bytes = BASE64.decode(sealed.0.as_bytes()).map_err(|_| SealError::Damaged)?;
        if bytes.len() < NONCE {
            return Err(SealError::Damaged);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE);
        let mut plain = XChaCha20Poly1305::new(&self.0.into())
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: need.as_bytes() })
            .map_err(|_| SealError::Damaged)?;
        let contact = serde_json::from_slice(&plain).map_err(|_| SealError::Damaged);
        plain.zeroize();
        contact
    }
}

/// An X25519 key pair that envelopes are sealed to. Devices use their device key; organizers
/// share the group's organizer key.
#[derive(Clone)]
pub struct SealingKey(crypto_box::SecretKey);

impl SealingKey {
    pub fn generate() -> Self {
        SealingKey(crypto_box::SecretKey::generate(&mut OsRng))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SealingKey(crypto_box::SecretKey::from(bytes))
    }

    pub fn to_bytes(&self) -> Key32 {
        Key32(self.0.to_bytes())
    }

    /// The public half in hex: what envelopes name as their recipient.
    pub fn public_hex(&self) -> String {
        HEXLOWER.encode(self.0.public_key().as_bytes())
    }
}

/// What an envelope holds the key to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The record key of a need's contact details.
    Contact(Uuid),
    /// The group's organizer key, named by the start of its public half: it changes when an
    /// organizer is removed or demoted, and each key's envelopes are its own.
    OrganizerKey(u64),
    /// A group secret: its epoch and its id (two removals made apart start two for one epoch).
    Epoch(u32, u64),
}

impl Subject {
    pub fn as_string(self) -> String {
        match self {
            Subject::Contact(need) => format!("contact:{need}"),
            Subject::OrganizerKey(id) => format!("organizer:{id:016x}"),
            Subject::Epoch(epoch, id) => format!("epoch:{epoch}:{id:016x}"),
        }
    }

    /// The subject of the organizer key whose public half is `public_hex`.
    pub fn organizer_key(public_hex: &str) -> Subject {
        Subject::OrganizerKey(public_hex.get(..16).and_then(|start| u64::from_str_radix(start, 16).ok()).unwrap_or(0))
    }

    pub fn parse(s: &str) -> Option<Subject> {
        match s.split_once(':') {
            Some(("contact", need)) => need.parse().ok().map(Subject::Contact),
            Some(("epoch", rest)) => {
                let (epoch, id) = rest.split_once(':')?;
                Some(Subject::Epoch(epoch.parse().ok()?, u64::from_str_radix(id, 16).ok()?))
            }
            Some(("organizer", id)) => u64::from_str_radix(id, 16).ok().map(Subject::OrganizerKey),
            _ => None,
        }
    }
}

/// A key sealed to one recipient's public key. Anyone may carry it; only the recipient opens it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub subject: String,
    /// The recipient's X25519 public key in hex (a device id, or the organizer key).
    pub recipient: String,
    pub sealed: Vec<u8>,
}

impl Envelope {
    /// Seals `key` for `recipient` (a public key in hex). The subject is sealed with it, so an
    /// envelope moved onto another subject does not open.
    pub fn seal(subject: Subject, recipient: &str, key: &Key32) -> Option<Envelope> {
        let public = public_key(recipient)?;
        let subject = subject.as_string();
        let mut plain = [subject.as_bytes(), &key.0].concat();
        let sealed = public.seal(&mut OsRng, &plain).ok()?;
        plain.zeroize();
        Some(Envelope { subject, recipient: recipient.to_string(), sealed })
    }

    /// The key inside, if `key` is the recipient's.
    pub fn open(&self, key: &SealingKey) -> Result<Key32, SealError> {
        let mut plain = key.0.unseal(&self.sealed).map_err(|_| SealError::Damaged)?;
        let opened = match plain.strip_prefix(self.subject.as_bytes()) {
            Some(rest) => rest.try_into().map(Key32).map_err(|_| SealError::Damaged),
            None => Err(SealError::Damaged),
        };
        plain.zeroize();
        opened
    }
}

fn public_key(hex: &str) -> Option<crypto_box::PublicKey> {
    let bytes: [u8; 32] = HEXLOWER.decode(hex.as_bytes()).ok()?.try_into().ok()?;
    Some(crypto_box::PublicKey::from(bytes))
}

/// `[u32 count]` then per envelope `[u8 len][subject][32 recipient][u16 len][sealed]`.
pub fn encode_envelopes(envelopes: &[Envelope]) -> Vec<u8> {
    let mut out = (envelopes.len() as u32).to_be_bytes().to_vec();
    for envelope in envelopes {
        let recipient = HEXLOWER.decode(envelope.recipient.as_bytes()).expect("recipients are checked hex keys");
        out.push(envelope.subject.len() as u8);
        out.extend_from_slice(envelope.subject.as_bytes());
        out.extend_from_slice(&recipient);
        out.extend_from_slice(&(envelope.sealed.len() as u16).to_be_bytes());
        out.extend_from_slice(&envelope.sealed);
    }
    out
}

/// Reads what `encode_envelopes` wrote; anything malformed is refused whole.
pub fn decode_envelopes(bytes: &[u8]) -> Result<Vec<Envelope>, SealError> {
    let mut rest = bytes;
    let mut take = |n: usize| -> Result<&[u8], SealError> {
        if rest.len() < n {
            return Err(SealError::BadEnvelopes);
        }
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Ok(head)
    };
    let count = u32::from_be_bytes(take(4)?.try_into().expect("4 bytes")) as usize;
    if count > MAX_ENVELOPES {
        return Err(SealError::BadEnvelopes);
    }
    let mut envelopes = Vec::with_capacity(count.min(1024));
    for _ in 0..count {
        let subject_len = take(1)?[0] as usize;
        let subject = std::str::from_utf8(take(subject_len)?).map_err(|_| SealError::BadEnvelopes)?.to_string();
        let recipient = HEXLOWER.encode(take(32)?);
        let sealed_len = u16::from_be_bytes(take(2)?.try_into().expect("2 bytes")) as usize;
        let sealed = take(sealed_len)?.to_vec();
        if subject.len() > MAX_SUBJECT || sealed.len() > MAX_SEALED || Subject::parse(&subject).is_none() {
            return Err(SealError::BadEnvelopes);
        }
        envelopes.push(Envelope { subject, recipient, sealed });
    }
    if !rest.is_empty() {
        return Err(SealError::BadEnvelopes);
    }
    Ok(envelopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_opens_only_with_its_key_and_need() {
        let (key, need) = (Key32::generate(), Uuid::now_v7());
        let contact = Contact { phone: "555-0100".into(), ..Contact::default() };
        let sealed = key.seal_contact(need, &contact);
        assert_eq!(key.open_contact(need, &sealed).unwrap(), contact);
        assert_eq!(Key32::generate().open_contact(need, &sealed), Err(SealError::Damaged));
        assert_eq!(key.open_contact(Uuid::now_v7(), &sealed), Err(SealError::Damaged));
    }

    #[test]
    fn an_envelope_opens_only_for_its_recipient_and_subject() {
        let (alice, bob) = (SealingKey::generate(), SealingKey::generate());
        let key = Key32::generate();
        let envelope = Envelope::seal(Subject::Epoch(2, 9), &alice.public_hex(), &key).unwrap();
        assert!(envelope.open(&alice).unwrap() == key);
        assert!(envelope.open(&bob).is_err());
        let moved = Envelope { subject: Subject::Epoch(3, 9).as_string(), ..envelope.clone() };
        assert!(moved.open(&alice).is_err());
        let decoded = decode_envelopes(&encode_envelopes(&[envelope.clone(), envelope])).unwrap();
        assert_eq!(decoded.len(), 2);
        assert!(decode_envelopes(&[0, 0, 0, 9]).is_err());
    }
}
