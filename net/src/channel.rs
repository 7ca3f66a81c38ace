//! An encrypted, authenticated channel between two members' devices: TCP carrying Noise
//! `XXpsk3_25519_ChaChaPoly_BLAKE2s`. The PSK comes from the group secret, so a device outside
//! the group fails the handshake before a single byte of the record is sent. Each side's static
//! key is its device key, so the peer's device id is authenticated too.
//!
//! The group secret changes (a new epoch) whenever a member is removed, and two removals made
//! apart start two secrets for one epoch until the record settles on one. Before the handshake
//! each side sends a hello in the clear, the initiator first: a fresh nonce, and for each secret
//! it holds its epoch and a keyed hash of that nonce (`GroupSecret::proof`), which outsiders
//! cannot link from one meeting to the next. A device serving several groups answers with the
//! hello of the group the initiator's proves (`accept_for`), and with nothing to anyone else. Both sides then use the newest secret both hold,
//! so a device that has not heard of a removal yet still meets the others and learns of it. Both
//! hellos are the handshake's prologue: changing them in flight fails it. Once the peer's key is
//! proven, a device the group has removed is refused whatever the secret, and a secret older than
//! this side's current one is only for devices the record knows (`Keyring::admits`): a removed
//! member with an old invite and a fresh key gets nowhere. The responder withholds its
//! confirmation, the initiator hangs up.
//!
//! On the wire every Noise message is `[u16 length][ciphertext]`. Above it, frames are
//! `[u32 length][frame]`, split across Noise messages; a length over `frame::MAX_FRAME` is
//! refused before anything is allocated. A message that fails to decrypt ends the connection
//! (a failed decryption must never be retried: TOB-SNOW-7).

use std::time::Duration;

use crdt_core::frame::MAX_FRAME;
use crdt_core::{EpochSecret, Keyring};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const PARAMS: &str = "Noise_XXpsk3_25519_ChaChaPoly_BLAKE2s";
const NOISE_MAX: usize = 65535;
const TAG: usize = 16;
const CONFIRM: &[u8] = b"aidmesh/1";
/// Every read and write must make progress within this time, or the peer is gone.
pub const IO_TIMEOUT: Duration = Duration::from_secs(15);
/// How long to wait for the start of the peer's next frame: it may be applying what it was just
/// sent (a new member's first sync of a group with years of history took 108 s on a laptop). A
/// peer that is gone is noticed sooner, by TCP keepalive (`KEEPALIVE`): a busy peer's system
/// still answers the probes, a phone that walked out of range does not.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(240);
/// Probes after 10 s of silence, every 5 s, 3 unanswered: a vanished peer is dropped in 25 s.
const KEEPALIVE: socket2::TcpKeepalive =
    socket2::TcpKeepalive::new().with_time(Duration::from_secs(10)).with_interval(Duration::from_secs(5)).with_retries(3);

/// `code` for the app: the variant's name in snake case.
#[derive(Debug, thiserror::Error, strum::IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum NetError {
    #[error("could not reach {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("the connection failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the other device stopped answering ({0})")]
    Timeout(&'static str),
    #[error("the other device is not in this group, or not an aidmesh device (handshake failed)")]
    Handshake,
    #[error("the connection was tampered with or damaged; it was closed")]
    Decrypt,
    #[error("the other device sent a frame of {0} bytes, over the limit")]
    TooLarge(usize),
    #[error("the other device closed the connection")]
    Closed,
    #[error(transparent)]
    Core(#[from] crdt_core::Error),
}

pub type Result<T> = std::result::Result<T, NetError>;

pub struct Channel {
    stream: TcpStream,
    noise: snow::TransportState,
    /// Decrypted bytes not yet taken as a frame.
    inbox: Vec<u8>,
    /// The peer's device id (its authenticated static public key, hex).
    pub peer: String,
    /// Bytes written to the socket, handshake included.
    pub bytes_written: u64,
}

impl Channel {
    /// Connects to a member's device and runs the handshake as initiator.
    pub async fn connect(address: &str, keys: &Keyring) -> Result<Channel> {
        let mut stream = timeout(IO_TIMEOUT, TcpStream::connect(address))
            .await
            .map_err(|_| NetError::Timeout("connecting"))?
            .map_err(|e| NetError::Connect(address.to_string(), e))?;
        prepare(&stream)?;
        // The initiator speaks first: a device serving several groups answers for the one its
        // hello proves.
        let mine = Hello::of(keys);
        send_hello(&mut stream, &mine).await?;
        let theirs = read_hello(&mut stream).await?;
        Self::handshake(stream, keys, mine, theirs, true).await
    }

    /// Runs the handshake as responder on a connection someone opened to us.
    pub async fn accept(stream: TcpStream, keys: &Keyring) -> Result<Channel> {
        Ok(Self::accept_for(stream, std::slice::from_ref(keys)).await?.0)
    }

    /// As `accept`, for a device that serves several groups: the initiator's hello proves which
    /// group it is in (a keyed hash only that group's members can make), and only that group's
    /// hello is sent back, so nobody learns which other groups meet here. Returns the channel
    /// and the group's place in `groups`.
    pub async fn accept_for(mut stream: TcpStream, groups: &[Keyring]) -> Result<(Channel, usize)> {
        prepare(&stream)?;
        let theirs = read_hello(&mut stream).await?;
        let proven = |keys: &Keyring| keys.secrets.iter().any(|held| theirs.offers.contains(&(held.epoch, held.secret.proof(&theirs.nonce))));
        let group = groups.iter().position(proven).ok_or(NetError::Handshake)?;
        let mine = Hello::of(&groups[group]);
        send_hello(&mut stream, &mine).await?;
        Ok((Self::handshake(stream, &groups[group], mine, theirs, false).await?, group))
    }

    async fn handshake(mut stream: TcpStream, keys: &Keyring, mine: Hello, theirs: Hello, initiator: bool) -> Result<Channel> {
        let shared = newest_shared(&mine, &theirs).ok_or(NetError::Handshake)?;
        let prologue = if initiator { [mine.bytes, theirs.bytes].concat() } else { [theirs.bytes, mine.bytes].concat() };
        let private = keys.device.private_bytes();
        let psk = shared.secret.noise_psk();
        let builder = snow::Builder::new(PARAMS.parse().expect("valid Noise parameters"))
            .local_private_key(&private)
            .and_then(|b| b.prologue(&prologue))
            .and_then(|b| b.psk(3, &psk))
            .map_err(|_| NetError::Handshake)?;
        let mut noise = if initiator { builder.build_initiator() } else { builder.build_responder() }.map_err(|_| NetError::Handshake)?;
        let mut buffer = vec![0u8; NOISE_MAX];
        let mut written = 0u64;
        // XX: -> e; <- e, ee, s, es; -> s, se, psk.
        while !noise.is_handshake_finished() {
            if noise.is_my_turn() {
                let len = noise.write_message(&[], &mut buffer).map_err(|_| NetError::Handshake)?;
                written += write_noise(&mut stream, &buffer[..len]).await?;
            } else {
                let message = read_noise(&mut stream, IO_TIMEOUT).await?;
                noise.read_message(&message, &mut buffer).map_err(|_| NetError::Handshake)?;
            }
        }
        let peer: String = noise.get_remote_static().map(|key| key.iter().map(|b| format!("{b:02x}")).collect()).ok_or(NetError::Handshake)?;
        let mut noise = noise.into_transport_mode().map_err(|_| NetError::Handshake)?;
        // Only the responder can tell a wrong group secret (in the last handshake message). It
        // confirms a good one, so the initiator learns the outcome too, instead of a bare hang-up.
        if !keys.admits(&peer, &shared) {
            return Err(NetError::Handshake);
        }
        if initiator {
            let confirmation = read_noise(&mut stream, IO_TIMEOUT).await.map_err(|_| NetError::Handshake)?;
            noise.read_message(&confirmation, &mut buffer).map_err(|_| NetError::Handshake)?;
        } else {
            let len = noise.write_message(CONFIRM, &mut buffer).map_err(|_| NetError::Handshake)?;
            written += write_noise(&mut stream, &buffer[..len]).await?;
        }
        Ok(Channel { stream, noise, inbox: Vec::new(), peer, bytes_written: written })
    }

    /// Sends one frame.
    pub async fn send(&mut self, frame: &[u8]) -> Result<()> {
        let mut plain = Vec::with_capacity(frame.len() + 4);
        plain.extend_from_slice(&(frame.len() as u32).to_be_bytes());
        plain.extend_from_slice(frame);
        let mut sealed = vec![0u8; NOISE_MAX];
        for chunk in plain.chunks(NOISE_MAX - TAG) {
            let len = self.noise.write_message(chunk, &mut sealed).map_err(|_| NetError::Decrypt)?;
            self.bytes_written += write_noise(&mut self.stream, &sealed[..len]).await?;
        }
        Ok(())
    }

    /// Receives one frame.
    pub async fn recv(&mut self) -> Result<Vec<u8>> {
        loop {
            if self.inbox.len() >= 4 {
                let len = u32::from_be_bytes(self.inbox[..4].try_into().expect("4 bytes")) as usize;
                if len > MAX_FRAME {
                    return Err(NetError::TooLarge(len));
                }
                if self.inbox.len() >= 4 + len {
                    let frame = self.inbox[4..4 + len].to_vec();
                    self.inbox.drain(..4 + len);
                    return Ok(frame);
                }
            }
            let wait = if self.inbox.is_empty() { ANSWER_TIMEOUT } else { IO_TIMEOUT };
            let message = read_noise(&mut self.stream, wait).await?;
            let mut plain = vec![0u8; message.len()];
            let len = self.noise.read_message(&message, &mut plain).map_err(|_| NetError::Decrypt)?;
            self.inbox.extend_from_slice(&plain[..len]);
        }
    }
}

/// At most this many secrets are offered, the newest first: one per removal.
const MAX_OFFERED: usize = 32;
const NONCE: usize = 16;
const OFFER: usize = 4 + 8;

/// What a side says before the handshake: `[nonce 16][count u8][(epoch u32, proof 8)]…`.
struct Hello {
    nonce: [u8; NONCE],
    offers: Vec<(u32, [u8; 8])>,
    bytes: Vec<u8>,
    /// The secrets offered, on this side's own hello.
    offered: Vec<EpochSecret>,
}

impl Hello {
    fn of(keys: &Keyring) -> Hello {
        let nonce: [u8; NONCE] = rand::random();
        let mut offered = keys.secrets.clone();
        offered.sort_by_key(|held| std::cmp::Reverse(held.rank()));
        offered.truncate(MAX_OFFERED);
        let offers: Vec<(u32, [u8; 8])> = offered.iter().map(|held| (held.epoch, held.secret.proof(&nonce))).collect();
        let mut bytes = nonce.to_vec();
        bytes.push(offers.len() as u8);
        for (epoch, proof) in &offers {
            bytes.extend_from_slice(&epoch.to_be_bytes());
            bytes.extend_from_slice(proof);
        }
        Hello { nonce, offers, bytes, offered }
    }

    fn parse(bytes: Vec<u8>) -> Hello {
        let nonce = bytes[..NONCE].try_into().expect("read whole");
        let offers = bytes[NONCE + 1..]
            .chunks_exact(OFFER)
            .map(|offer| (u32::from_be_bytes(offer[..4].try_into().expect("4 bytes")), offer[4..].try_into().expect("8 bytes")))
            .collect();
        Hello { nonce, offers, bytes, offered: Vec::new() }
    }
}

/// The newest secret offered on both sides: each side finds the same one, since a secret both
/// offer is proven in both hellos.
fn newest_shared(mine: &Hello, theirs: &Hello) -> Option<EpochSecret> {
    mine.offered.iter().filter(|held| theirs.offers.contains(&(held.epoch, held.secret.proof(&theirs.nonce)))).max_by_key(|held| held.rank()).cloned()
}

fn prepare(stream: &TcpStream) -> Result<()> {
    stream.set_nodelay(true)?;
    socket2::SockRef::from(stream).set_tcp_keepalive(&KEEPALIVE)?;
    Ok(())
}

async fn send_hello(stream: &mut TcpStream, hello: &Hello) -> Result<()> {
    timeout(IO_TIMEOUT, stream.write_all(&hello.bytes)).await.map_err(|_| NetError::Timeout("sending"))??;
    Ok(())
}

async fn read_hello(stream: &mut TcpStream) -> Result<Hello> {
    let mut head = [0u8; NONCE + 1];
    read_exact(stream, &mut head).await?;
    let count = usize::from(head[NONCE]);
    if count > MAX_OFFERED {
        return Err(NetError::Handshake);
    }
    let mut bytes = vec![0u8; NONCE + 1 + count * OFFER];
    bytes[..NONCE + 1].copy_from_slice(&head);
    read_exact(stream, &mut bytes[NONCE + 1..]).await?;
    Ok(Hello::parse(bytes))
}

async fn read_exact(stream: &mut TcpStream, into: &mut [u8]) -> Result<()> {
    match timeout(IO_TIMEOUT, stream.read_exact(into)).await.map_err(|_| NetError::Timeout("receiving"))? {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(NetError::Handshake),
        Err(e) => Err(e.into()),
    }
}

async fn write_noise(stream: &mut TcpStream, message: &[u8]) -> Result<u64> {
    let mut out = Vec::with_capacity(message.len() + 2);
    out.extend_from_slice(&(message.len() as u16).to_be_bytes());
    out.extend_from_slice(message);
    timeout(IO_TIMEOUT, stream.write_all(&out)).await.map_err(|_| NetError::Timeout("sending"))??;
    Ok(out.len() as u64)
}

/// One Noise message: `wait` bounds the wait for its length, `IO_TIMEOUT` the rest.
async fn read_noise(stream: &mut TcpStream, wait: Duration) -> Result<Vec<u8>> {
    let mut len = [0u8; 2];
    match timeout(wait, stream.read_exact(&mut len)).await.map_err(|_| NetError::Timeout("receiving"))? {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(NetError::Closed),
        Err(e) => return Err(e.into()),
    }
    let mut message = vec![0u8; u16::from_be_bytes(len) as usize];
    timeout(IO_TIMEOUT, stream.read_exact(&mut message)).await.map_err(|_| NetError::Timeout("receiving"))??;
    Ok(message)
}
