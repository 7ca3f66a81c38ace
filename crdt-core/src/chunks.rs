//! Splits automerge's binary format into its chunks so that every chunk is checked before any
//! is applied. automerge 0.12 parses chunks internally without exposing it, and its
//! `load_incremental` quietly applies the good prefix of damaged input. The header layout is
//! fixed by the automerge binary format: magic bytes, checksum, type, uLEB128 length.

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
const HEADER_BEFORE_LENGTH: usize = 4 + 4 + 1;

pub(crate) enum Chunk<'a> {
    /// A whole saved document (self-contained).
    Document(&'a [u8]),
    /// One change, compressed or not.
    Change(&'a [u8]),
}

pub(crate) fn split(mut bytes: &[u8]) -> Result<Vec<Chunk<'_>>, String> {
    let mut chunks = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < HEADER_BEFORE_LENGTH || bytes[..4] != MAGIC {
            return Err(format!("chunk {} does not start like automerge data", chunks.len() + 1));
        }
        let kind = bytes[8];
        let (length, length_bytes) = uleb128(&bytes[HEADER_BEFORE_LENGTH..]).ok_or("a chunk length is damaged")?;
        let end = HEADER_BEFORE_LENGTH
            .checked_add(length_bytes)
            .and_then(|header| header.checked_add(usize::try_from(length).ok()?))
            .filter(|end| *end <= bytes.len())
            .ok_or_else(|| format!("chunk {} is cut short", chunks.len() + 1))?;
        let (chunk, rest) = bytes.split_at(end);
        chunks.push(match kind {
            0 => Chunk::Document(chunk),
            1 | 2 => Chunk::Change(chunk),
            other => return Err(format!("unknown chunk type {other}")),
        });
        bytes = rest;
    }
    Ok(chunks)
}

/// The checksum a chunk's header carries: the first 4 bytes of its hash. `chunk` is one that
/// `split` returned.
pub(crate) fn checksum(chunk: &[u8]) -> [u8; 4] {
    chunk[4..8].try_into().expect("split checks the header is there")
}

/// An unsigned LEB128 number and how many bytes it took; `None` if it is cut short or overlong.
pub(crate) fn uleb128(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f).checked_shl(7 * i as u32)?;
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}
