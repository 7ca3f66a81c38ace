//! What two devices say to each other during a sync, inside the encrypted channel:
//! `[version][kind][payload]`, where a sync payload is deflate of
//! `[u32 length][signatures][automerge sync message]` (raw automerge messages are several times
//! larger than their content). The signatures are those of the changes the message carries.
//!
//! A meeting between stores starts with a hello: `[u32 length][generations, JSON]`, then
//! possibly the first sync payload, deflated as above.
//!
//! A frame larger than `PART` (a new member's first sync of a group with years of history) is
//! sent as parts, `[version][part][u32 whole length][bytes]`, each a frame of its own, so the
//! channel's limit on one frame holds however large the record grows; `Parts` puts them back
//! together, refusing anything that does not add up before allocating for it.

use std::io::{Read, Write};

use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;

pub const VERSION: u8 = 3;
/// The largest frame accepted from the wire, compressed. Checked before anything is allocated.
pub const MAX_FRAME: usize = 16 << 20;
/// The largest sync message accepted after decompression.
pub const MAX_MESSAGE: usize = 128 << 20;
/// The largest frame sent whole; larger ones go in parts of this size.
pub const PART: usize = 4 << 20;
/// The largest frame accepted in parts: the largest sync message, with deflate's overhead on
/// bytes that do not compress.
pub const MAX_WHOLE: usize = MAX_MESSAGE + MAX_MESSAGE / 1024 + 64;

const KIND_SYNC: u8 = 1;
const KIND_ENVELOPES: u8 = 2;
const KIND_PART: u8 = 3;
const KIND_HELLO: u8 = 4;

#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// An automerge sync message, and the signatures (`signing::encode`) of its changes.
    Sync { message: Vec<u8>, signatures: Vec<u8> },
    /// Key envelopes (`seal::encode_envelopes`): they travel beside the record, never in it.
    Envelopes(Vec<u8>),
    /// The generations of the record a device holds, newest first (`sync::Generation`, as JSON),
    /// so both sides sync the same one; and, when it fits, the first sync message for the
    /// newest, which the peer takes if that is the one synced (it nearly always is), so a meeting
    /// costs no extra trip for the hello.
    Hello { held: Vec<u8>, first: Option<SyncMessage> },
}

/// A sync message and the signatures of the changes it carries, as `Frame::Sync` holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncMessage {
    pub message: Vec<u8>,
    pub signatures: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum FrameError {
    #[error("a sync frame of {size} bytes is over the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
    #[error("the other device speaks sync version {0}, this one {VERSION}; update aidmesh on both")]
    Version(u8),
    #[error("unknown sync frame kind {0}")]
    Kind(u8),
    #[error("a sync frame is cut short")]
    Short,
    #[error("a sync frame is damaged: {0}")]
    Damaged(String),
    #[error("the parts of a sync frame do not add up")]
    Parts,
}

pub fn encode(frame: &Frame) -> Vec<u8> {
    match frame {
        Frame::Sync { message, signatures } => deflated(vec![VERSION, KIND_SYNC], message, signatures),
        // Sealed boxes do not compress.
        Frame::Envelopes(list) => [&[VERSION, KIND_ENVELOPES][..], list].concat(),
        Frame::Hello { held, first } => {
            let start = [&[VERSION, KIND_HELLO][..], &(held.len() as u32).to_be_bytes(), held].concat();
            match first {
                Some(SyncMessage { message, signatures }) => deflated(start, message, signatures),
                None => start,
            }
        }
    }
}

/// `start`, then deflate of `[u32 length][signatures][message]`.
fn deflated(start: Vec<u8>, message: &[u8], signatures: &[u8]) -> Vec<u8> {
    let mut out = DeflateEncoder::new(start, Compression::best());
    out.write_all(&(signatures.len() as u32).to_be_bytes()).expect("writing to memory");
    out.write_all(signatures).expect("writing to memory");
    out.write_all(message).expect("writing to memory");
    out.finish().expect("writing to memory")
}

/// `[u32 length][that many bytes][the rest]`, split into the bytes and the rest.
fn length_prefixed(bytes: &[u8]) -> Result<(&[u8], &[u8]), FrameError> {
    let [a, b, c, d, rest @ ..] = bytes else { return Err(FrameError::Short) };
    let length = u32::from_be_bytes([*a, *b, *c, *d]) as usize;
    if rest.len() < length {
        return Err(FrameError::Short);
    }
    Ok(rest.split_at(length))
}

/// The sync message in a deflated payload, refused if it inflates past `MAX_MESSAGE`.
fn inflated(payload: &[u8]) -> Result<SyncMessage, FrameError> {
    let mut message = Vec::new();
    DeflateDecoder::new(payload).take(MAX_MESSAGE as u64 + 1).read_to_end(&mut message).map_err(|e| FrameError::Damaged(e.to_string()))?;
    if message.len() > MAX_MESSAGE {
        return Err(FrameError::TooLarge { size: message.len(), limit: MAX_MESSAGE });
    }
    let (signatures, message) = length_prefixed(&message)?;
    Ok(SyncMessage { message: message.to_vec(), signatures: signatures.to_vec() })
}

/// `encode`, in parts when the frame is larger than `PART`; one the peer would refuse is
/// refused here.
pub fn encode_in_parts(frame: &Frame) -> Result<Vec<Vec<u8>>, FrameError> {
    let whole = encode(frame);
    if whole.len() <= PART {
        return Ok(vec![whole]);
    }
    if whole.len() > MAX_WHOLE {
        return Err(FrameError::TooLarge { size: whole.len(), limit: MAX_WHOLE });
    }
    let length = (whole.len() as u32).to_be_bytes();
    Ok(whole.chunks(PART).map(|part| [&[VERSION, KIND_PART][..], &length, part].concat()).collect())
}

pub fn decode(bytes: &[u8]) -> Result<Frame, FrameError> {
    decode_within(bytes, MAX_FRAME)
}

/// Puts a frame sent in parts back together; frames sent whole pass straight through.
#[derive(Debug, Default)]
pub struct Parts {
    whole: Vec<u8>,
    expected: usize,
}

impl Parts {
    /// Takes one frame from the wire: the frame it is or completes, or `None` while parts of
    /// one are still to come.
    pub fn take(&mut self, bytes: &[u8]) -> Result<Option<Frame>, FrameError> {
        let Some(([a, b, c, d], part)) = bytes.strip_prefix(&[VERSION, KIND_PART]).and_then(|rest| rest.split_first_chunk::<4>()) else {
            if !self.whole.is_empty() {
                return Err(FrameError::Parts);
            }
            return decode(bytes).map(Some);
        };
        let length = u32::from_be_bytes([*a, *b, *c, *d]) as usize;
        if length > MAX_WHOLE {
            return Err(FrameError::TooLarge { size: length, limit: MAX_WHOLE });
        }
        if self.whole.is_empty() {
            // Only sync messages grow past a part; anything else is refused before it is kept.
            if !part.starts_with(&[VERSION, KIND_SYNC]) {
                return Err(FrameError::Parts);
            }
            self.expected = length;
        }
        if part.is_empty() || length != self.expected || self.whole.len() + part.len() > length {
            return Err(FrameError::Parts);
        }
        self.whole.extend_from_slice(part);
        if self.whole.len() < length {
            return Ok(None);
        }
        decode_within(&std::mem::take(&mut self.whole), MAX_WHOLE).map(Some)
    }
}

fn decode_within(bytes: &[u8], limit: usize) -> Result<Frame, FrameError> {
    if bytes.len() > limit {
        return Err(FrameError::TooLarge { size: bytes.len(), limit });
    }
    let [version, kind, payload @ ..] = bytes else { return Err(FrameError::Short) };
    if *version != VERSION {
        return Err(FrameError::Version(*version));
    }
    match *kind {
        KIND_SYNC => inflated(payload).map(|SyncMessage { message, signatures }| Frame::Sync { message, signatures }),
        KIND_ENVELOPES => Ok(Frame::Envelopes(payload.to_vec())),
        KIND_HELLO => {
            let (held, first) = length_prefixed(payload)?;
            let first = (!first.is_empty()).then(|| inflated(first)).transpose()?;
            Ok(Frame::Hello { held: held.to_vec(), first })
        }
        other => Err(FrameError::Kind(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sync frame that deflate cannot shrink below `PART`, so it goes in three parts.
    fn large() -> Frame {
        let mut message = vec![0u8; 2 * PART + PART / 2];
        rand::fill(&mut message[..]);
        Frame::Sync { message, signatures: vec![7; 96] }
    }

    #[test]
    fn a_frame_larger_than_a_part_goes_in_parts_and_comes_back_whole() {
        let frame = large();
        let parts = encode_in_parts(&frame).unwrap();
        assert_eq!(parts.len(), 3);
        assert!(parts.iter().all(|part| part.len() <= PART + 6 && part.len() <= MAX_FRAME));
        let mut received = Parts::default();
        assert_eq!(received.take(&parts[0]), Ok(None));
        assert_eq!(received.take(&parts[1]), Ok(None));
        assert_eq!(received.take(&parts[2]), Ok(Some(frame)));
        // Then the next frame, whole.
        let small = Frame::Envelopes(vec![1, 2, 3]);
        assert_eq!(encode_in_parts(&small), Ok(vec![encode(&small)]));
        assert_eq!(received.take(&encode(&small)), Ok(Some(small)));
    }

    #[test]
    fn a_hello_comes_back_with_or_without_its_first_message_and_one_claiming_more_than_it_holds_is_refused() {
        let held = br#"[{"id":"","depth":0}]"#.to_vec();
        let first = SyncMessage { message: vec![5; 300], signatures: vec![7; 64] };
        for hello in [Frame::Hello { held: held.clone(), first: None }, Frame::Hello { held: held.clone(), first: Some(first) }] {
            assert_eq!(decode(&encode(&hello)), Ok(hello));
        }
        let claims_more = [&[VERSION, KIND_HELLO][..], &1000u32.to_be_bytes(), &held].concat();
        assert_eq!(decode(&claims_more), Err(FrameError::Short));
    }

    #[test]
    fn parts_that_do_not_add_up_are_refused() {
        let parts = encode_in_parts(&large()).unwrap();
        let whole = encode(&Frame::Envelopes(vec![1]));
        let refused = |frames: &[&[u8]]| {
            let mut received = Parts::default();
            frames.iter().map(|frame| received.take(frame)).find_map(Result::err)
        };
        assert_eq!(refused(&[&parts[0], &whole]), Some(FrameError::Parts), "a whole frame amid parts");
        assert_eq!(refused(&[&parts[0], &parts[1], &parts[1], &parts[2]]), Some(FrameError::Parts), "a part too many");
        let mut longer = parts[1].clone();
        longer[5] ^= 1;
        assert_eq!(refused(&[&parts[0], &longer]), Some(FrameError::Parts), "parts of frames of two lengths");
        assert_eq!(refused(&[&parts[0][..6]]), Some(FrameError::Parts), "an empty part");
        let huge = [&[VERSION, KIND_PART][..], &u32::MAX.to_be_bytes(), &[0]].concat();
        assert_eq!(refused(&[&huge]), Some(FrameError::TooLarge { size: u32::MAX as usize, limit: MAX_WHOLE }), "a length over the limit");
        let nested = [&[VERSION, KIND_PART][..], &7u32.to_be_bytes(), &[VERSION, KIND_PART, 0, 0, 0, 1, 0]].concat();
        assert_eq!(refused(&[&nested]), Some(FrameError::Parts), "a part inside a part");
        let envelopes = [&[VERSION, KIND_PART][..], &3u32.to_be_bytes(), &[VERSION, KIND_ENVELOPES, 0]].concat();
        assert_eq!(refused(&[&envelopes]), Some(FrameError::Parts), "envelopes in parts");
    }
}
