//! Invites: how a new device learns which group to join, its secret, and (optionally) where a
//! member is listening. Two written forms, both checksummed so that a mistyped or damaged invite
//! is refused clearly: a link (`aidmesh:join?…`, carries an address) and a short code for reading
//! aloud or typing (no address). Both render as QR codes.

use data_encoding::{BASE32_NOPAD, HEXLOWER};
use qrcode::render::{svg, unicode};
use qrcode::QrCode;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::secret::{GroupSecret, SECRET_LEN};

const VERSION: u8 = 1;
const LINK_PREFIX: &str = "aidmesh:join?";

#[derive(Debug, Clone, PartialEq, thiserror::Error, strum::IntoStaticStr, strum::VariantNames)]
#[strum(serialize_all = "snake_case")]
pub enum InviteError {
    #[error("this is not an aidmesh invite (it should start with 'aidmesh:join?' or be a code of letters and digits)")]
    NotAnInvite,
    #[error("the invite is incomplete: its {0} is missing")]
    Missing(&'static str),
    #[error("the invite is damaged (its checksum does not match); ask for it again")]
    Checksum,
    #[error("the invite is damaged: {0}")]
    Malformed(&'static str),
    #[error("this invite was made by a newer aidmesh (invite version {0}); update aidmesh to use it")]
    Version(u8),
    #[error("'{0}' is not an address like 192.168.1.20:7370 or hub.local:7370")]
    BadAddress(String),
}

/// An address fit for an invite: a host name or IP address and a port. Anything else could
/// break the link's fields or make it too long for a QR code.
pub fn check_address(address: &str) -> Result<(), InviteError> {
    let bad = || InviteError::BadAddress(address.chars().take(80).collect());
    let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
    let host_chars = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':');
    if address.len() > 255 || host.is_empty() || !host.chars().all(host_chars) || port.parse::<u16>().is_err() {
        return Err(bad());
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Invite {
    pub group: Uuid,
    pub secret: GroupSecret,
    /// The epoch of `secret`: it moves on each time a member is removed.
    pub epoch: u32,
    /// Where a member's device listens (`host:port`), if the inviter shared it.
    pub address: Option<String>,
    /// The renewed record the inviter works on, if the group's record was renewed: the new
    /// member takes that record's seed from whoever it meets, since the invite vouches for it,
    /// and never needs the history before it. Links only (a code is read aloud).
    pub record: Option<InvitedRecord>,
}

/// A generation of the group's record (`sync::Generation`) and the hash of its seed, in hex.
#[derive(Debug, Clone, PartialEq)]
pub struct InvitedRecord {
    pub id: String,
    pub depth: u32,
    pub seed: String,
}

impl InvitedRecord {
    /// `<id>.<depth>.<seed>`, as the link's `r` field.
    fn field(&self) -> String {
        format!("{}.{}.{}", self.id, self.depth, self.seed)
    }

    fn parse(field: &str) -> Result<InvitedRecord, InviteError> {
        let bad = InviteError::Malformed("bad record");
        let mut parts = field.split('.');
        let (Some(id), Some(depth), Some(seed), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else { return Err(bad) };
        let hash = |text: &str| text.len() == 64 && HEXLOWER.decode(text.as_bytes()).is_ok();
        let depth = depth.parse().map_err(|_| InviteError::Malformed("bad record"))?;
        if !hash(id) || !hash(seed) || depth == 0 {
            return Err(bad);
        }
        Ok(InvitedRecord { id: id.to_string(), depth, seed: seed.to_string() })
    }
}

impl Invite {
    /// `aidmesh:join?v=1&g=<group>&k=<secret>[&e=<epoch>][&a=<address>][&r=<record>]&c=<checksum>`.
    pub fn to_link(&self) -> String {
        let mut link = format!("{LINK_PREFIX}v={VERSION}&g={}&k={}", self.group.simple(), BASE32_NOPAD.encode(self.secret.as_bytes()));
        if self.epoch > 0 {
            link.push_str(&format!("&e={}", self.epoch));
        }
        if let Some(address) = &self.address {
            link.push_str(&format!("&a={address}"));
        }
        if let Some(record) = &self.record {
            link.push_str(&format!("&r={}", record.field()));
        }
        link.push_str(&format!("&c={}", HEXLOWER.encode(&self.checksum(self.address.as_deref(), self.record.as_ref()))));
        link
    }

    /// The short form, in groups of five characters: group and secret, no address.
    pub fn to_code(&self) -> String {
        let mut bytes = vec![VERSION];
        bytes.extend_from_slice(self.group.as_bytes());
        bytes.extend_from_slice(self.secret.as_bytes());
        if self.epoch > 0 {
            bytes.extend_from_slice(&self.epoch.to_be_bytes());
        }
        bytes.extend_from_slice(&self.checksum(None, None));
        let code = BASE32_NOPAD.encode(&bytes);
        code.as_bytes().chunks(5).map(|c| std::str::from_utf8(c).expect("base32 is ASCII")).collect::<Vec<_>>().join("-")
    }

    pub fn parse(text: &str) -> Result<Invite, InviteError> {
        let text = text.trim();
        match text.strip_prefix(LINK_PREFIX) {
            Some(query) => Self::parse_link(query),
            None => Self::parse_code(text),
        }
    }

    fn parse_link(query: &str) -> Result<Invite, InviteError> {
        let field = |name: &str| query.split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='));
        let version: u8 = field("v").ok_or(InviteError::Missing("version"))?.parse().map_err(|_| InviteError::Malformed("bad version"))?;
        if version != VERSION {
            return Err(InviteError::Version(version));
        }
        let group = Uuid::try_parse(field("g").ok_or(InviteError::Missing("group"))?).map_err(|_| InviteError::Malformed("bad group id"))?;
        let secret = BASE32_NOPAD.decode(field("k").ok_or(InviteError::Missing("key"))?.as_bytes()).map_err(|_| InviteError::Malformed("bad key"))?;
        let secret: [u8; SECRET_LEN] = secret.try_into().map_err(|_| InviteError::Malformed("bad key length"))?;
        let address = field("a").map(str::to_string);
        if let Some(address) = &address {
            check_address(address).map_err(|_| InviteError::Malformed("bad address"))?;
        }
        let epoch = field("e").map_or(Ok(0), |e| e.parse().map_err(|_| InviteError::Malformed("bad epoch")))?;
        let record = field("r").map(InvitedRecord::parse).transpose()?;
        let invite = Invite { group, secret: GroupSecret::from_bytes(secret), epoch, address, record };
        let checksum = HEXLOWER.decode(field("c").ok_or(InviteError::Missing("checksum"))?.as_bytes()).map_err(|_| InviteError::Checksum)?;
        if checksum != invite.checksum(invite.address.as_deref(), invite.record.as_ref()) {
            return Err(InviteError::Checksum);
        }
        Ok(invite)
    }

    fn parse_code(code: &str) -> Result<Invite, InviteError> {
        let cleaned: String = code.chars().filter(|c| !matches!(c, '-' | ' ')).map(|c| c.to_ascii_uppercase()).collect();
        let bytes = BASE32_NOPAD.decode(cleaned.as_bytes()).map_err(|_| InviteError::NotAnInvite)?;
        let Some((&version, rest)) = bytes.split_first() else { return Err(InviteError::NotAnInvite) };
        if version != VERSION {
            return Err(if matches!(bytes.len(), 53 | 57) { InviteError::Version(version) } else { InviteError::NotAnInvite });
        }
        // Group, secret, then the epoch only once there has been a removal, then the checksum.
        let epoch_len = match rest.len().checked_sub(16 + SECRET_LEN + 4) {
            Some(len @ (0 | 4)) => len,
            _ => return Err(InviteError::Malformed("wrong length")),
        };
        let group = Uuid::from_slice(&rest[..16]).expect("16 bytes");
        let secret: [u8; SECRET_LEN] = rest[16..16 + SECRET_LEN].try_into().expect("32 bytes");
        let epoch = rest[16 + SECRET_LEN..16 + SECRET_LEN + epoch_len].try_into().map_or(0, u32::from_be_bytes);
        let invite = Invite { group, secret: GroupSecret::from_bytes(secret), epoch, address: None, record: None };
        if rest[16 + SECRET_LEN + epoch_len..] != invite.checksum(None, None) {
            return Err(InviteError::Checksum);
        }
        Ok(invite)
    }

    fn checksum(&self, address: Option<&str>, record: Option<&InvitedRecord>) -> [u8; 4] {
        let mut hash = Sha256::new();
        hash.update(b"aidmesh-invite");
        hash.update([VERSION]);
        hash.update(self.group.as_bytes());
        hash.update(self.secret.as_bytes());
        if self.epoch > 0 {
            hash.update(self.epoch.to_be_bytes());
        }
        hash.update(address.unwrap_or_default().as_bytes());
        if let Some(record) = record {
            hash.update(record.field().as_bytes());
        }
        hash.finalize()[..4].try_into().expect("4 of 32 bytes")
    }

    /// The link as an SVG QR code, for the app.
    pub fn qr_svg(&self) -> String {
        self.qr().render::<svg::Color<'_>>().min_dimensions(240, 240).quiet_zone(true).build()
    }

    /// The link as a QR code in Unicode blocks, for a terminal.
    pub fn qr_text(&self) -> String {
        self.qr().render::<unicode::Dense1x2>().quiet_zone(true).build()
    }

    fn qr(&self) -> QrCode {
        QrCode::new(self.to_link().as_bytes()).expect("an invite link always fits a QR code")
    }
}
