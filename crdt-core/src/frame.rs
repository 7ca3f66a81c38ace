//! What two devices say to each other during a sync, inside the encrypted channel:
//! `[version][kind][payload]`, where a sync payload is deflate of
//! `[u32 length][signatures][automerge sync message]` (raw automerge messages are several times
//! larger than their content). The signatures are those of the changes the message carries.

use std::io::{Read, Write};

use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;

pub const VERSION: u8 = 2;
/// The largest frame accepted from the wire, compressed. Checked before anything is allocated.
pub const MAX_FRAME: usize = 16 << 20;
/// The largest sync message accepted after decompression.
pub const MAX_MESSAGE: usize = 128 << 20;

const KIND_SYNC: u8 = 1;
const KIND_ENVELOPES: u8 = 2;

#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// An automerge sync message, and the signatures (`signing::encode`) of its changes.
    Sync { message: Vec<u8>, signatures: Vec<u8> },
    /// Key envelopes (`seal::encode_envelopes`): they travel beside the record, never in it.
    Envelopes(Vec<u8>),
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
}

pub fn encode(frame: &Frame) -> Vec<u8> {
    match frame {
        Frame::Sync { message, signatures } => {
            let mut out = DeflateEncoder::new(vec![VERSION, KIND_SYNC], Compression::best());
            out.write_all(&(signatures.len() as u32).to_be_bytes()).expect("writing to memory");
            out.write_all(signatures).expect("writing to memory");
            out.write_all(message).expect("writing to memory");
            out.finish().expect("writing to memory")
        }
        // Sealed boxes do not compress.
        Frame::Envelopes(list) => [&[VERSION, KIND_ENVELOPES][..], list].concat(),
    }
}

pub fn decode(bytes: &[u8]) -> Result<Frame, FrameError> {
    if bytes.len() > MAX_FRAME {
        return Err(FrameError::TooLarge { size: bytes.len(), limit: MAX_FRAME });
    }
    let [version, kind, payload @ ..] = bytes else { return Err(FrameError::Short) };
    if *version != VERSION {
        return Err(FrameError::Version(*version));
    }
    match *kind {
        KIND_SYNC => {
            let mut message = Vec::new();
            DeflateDecoder::new(payload)
                .take(MAX_MESSAGE as u64 + 1)
                .read_to_end(&mut message)
                .map_err(|e| FrameError::Damaged(e.to_string()))?;
            if message.len() > MAX_MESSAGE {
                return Err(FrameError::TooLarge { size: message.len(), limit: MAX_MESSAGE });
            }
            let [a, b, c, d, rest @ ..] = message.as_slice() else { return Err(FrameError::Short) };
            let length = u32::from_be_bytes([*a, *b, *c, *d]) as usize;
            if rest.len() < length {
                return Err(FrameError::Short);
            }
            let (signatures, message) = rest.split_at(length);
            Ok(Frame::Sync { message: message.to_vec(), signatures: signatures.to_vec() })
        }
        KIND_ENVELOPES => Ok(Frame::Envelopes(payload.to_vec())),
        other => Err(FrameError::Kind(other)),
    }
}
