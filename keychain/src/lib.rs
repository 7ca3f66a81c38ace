//! The device database's passphrase, kept in the OS keyring where one works (the Secret Service
//! on Linux desktops, the Keychain on Apple systems, the Credential Manager on Windows), so that
//! nobody has to type it. Where none works (a phone without one, a server, CI) the person
//! chooses a passphrase instead; callers ask for it then.
//!
//! The keyring entry is named by the database's full path, so the app and the CLI sharing one
//! data folder share one entry.

use std::path::{Path, PathBuf};

/// The keyring's service name for aidmesh's entries.
const SERVICE: &str = "org.aidmesh.app";

/// The passphrase stored for the database at `path`, if the keyring holds one.
pub fn stored(path: &Path) -> Option<String> {
    entry(path)?.get_password().ok()
}

/// Makes a random passphrase for a new database at `path` and stores it in the keyring. `None`
/// when no keyring works here: then the person chooses one.
pub fn create(path: &Path) -> Option<String> {
    let entry = entry(path)?;
    let passphrase = data_encoding::BASE32_NOPAD.encode(&rand::random::<[u8; 32]>());
    entry.set_password(&passphrase).ok()?;
    // Read back: some keyrings accept a write they cannot keep (a locked or session-only store).
    (entry.get_password().ok()? == passphrase).then_some(passphrase)
}

/// Whether a keyring works here, so no passphrase needs to be asked for.
pub fn available() -> bool {
    let Ok(probe) = keyring::Entry::new(SERVICE, "availability probe") else { return false };
    matches!(probe.get_password(), Ok(_) | Err(keyring::Error::NoEntry))
}

fn entry(path: &Path) -> Option<keyring::Entry> {
    keyring::Entry::new(SERVICE, &absolute(path).display().to_string()).ok()
}

/// The path with its folder made absolute and free of links (the file itself may not exist yet).
fn absolute(path: &Path) -> PathBuf {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    match (folder.canonicalize(), path.file_name()) {
        (Ok(folder), Some(name)) => folder.join(name),
        _ => path.to_path_buf(),
    }
}
