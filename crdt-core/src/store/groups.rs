//! The groups a device is in. Each has a database of its own (its file, key, device keys and
//! group secret), so two groups cannot tell that one phone is in both. The first is the data
//! folder's `aidmesh.db`, where a device kept its one group before; the others are
//! `groups/<random>.db`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use uuid::Uuid;

use super::Store;
use crate::error::{Error, Result};

/// The first group's database in a data folder.
pub const FIRST_GROUP_FILE: &str = "aidmesh.db";
const MORE_GROUPS: &str = "groups";

/// A group on this device: its database and what it is called.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupOnDevice {
    pub path: PathBuf,
    pub id: Uuid,
    /// `None` on a device that joined but does not have the group's record yet.
    pub name: Option<String>,
}

impl GroupOnDevice {
    pub fn of(store: &Store) -> Result<GroupOnDevice> {
        let name = match store.group() {
            Ok(group) => Some(group.name),
            Err(Error::NotSyncedYet(_)) => None,
            Err(e) => return Err(e),
        };
        Ok(GroupOnDevice { path: store.path().to_path_buf(), id: store.group_id(), name })
    }

    /// Its name, or for a group not synced yet the start of its id.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| format!("a group not synced yet ({:.8})", self.id.simple().to_string()))
    }
}

/// Every group database in `dir`: the first, then the others by file name.
pub fn group_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = Some(dir.join(FIRST_GROUP_FILE)).filter(|first| first.is_file()).into_iter().collect();
    let more = dir.join(MORE_GROUPS);
    let entries = match std::fs::read_dir(&more) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(source) => return Err(Error::Io { context: format!("cannot list {}", more.display()), source }),
    };
    let mut others = Vec::new();
    for entry in entries {
        let path = entry.map_err(|source| Error::Io { context: format!("cannot list {}", more.display()), source })?.path();
        if path.extension().is_some_and(|ext| ext == "db") && path.is_file() {
            others.push(path);
        }
    }
    others.sort();
    files.extend(others);
    Ok(files)
}

/// Where the next group's database goes in `dir`.
pub fn new_group_file(dir: &Path) -> PathBuf {
    let first = dir.join(FIRST_GROUP_FILE);
    if first.exists() {
        dir.join(MORE_GROUPS).join(format!("{}.db", Uuid::from_bytes(rand::random()).simple()))
    } else {
        first
    }
}

/// The group `wanted` names, in any case: its whole name, or the start of its name or id if only
/// one group has it. With no name, the device's only group.
pub fn choose_group<'a>(groups: &'a [GroupOnDevice], wanted: Option<&str>) -> Result<&'a GroupOnDevice> {
    let Some(wanted) = wanted.map(|w| w.trim().to_lowercase()) else {
        return match groups {
            [only] => Ok(only),
            [] => Err(Error::NotFound { kind: "group", id: String::new() }),
            _ => Err(Error::WhichGroup { names: names(groups) }),
        };
    };
    let name = |g: &GroupOnDevice| g.name.as_deref().unwrap_or_default().to_lowercase();
    let exact: Vec<&GroupOnDevice> = groups.iter().filter(|g| !wanted.is_empty() && name(g) == wanted).collect();
    let found = if exact.is_empty() {
        let id = |g: &GroupOnDevice| g.id.simple().to_string();
        groups.iter().filter(|g| !wanted.is_empty() && (name(g).starts_with(&wanted) || id(g).starts_with(&wanted))).collect()
    } else {
        exact
    };
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::NoSuchGroup { wanted, names: names(groups) }),
        many => Err(Error::Ambiguous { kind: "group", prefix: wanted, count: many.len() }),
    }
}

fn names(groups: &[GroupOnDevice]) -> String {
    groups.iter().map(|g| format!("'{}'", g.label())).collect::<Vec<_>>().join(", ")
}

/// Refuses a new group on a device already in one with the same id, or the same name (people
/// choose a group by its name).
pub fn check_new_group(groups: &[GroupOnDevice], id: Option<Uuid>, name: Option<&str>) -> Result<()> {
    let folded = |name: &str| name.trim().to_lowercase();
    let same_name = |g: &GroupOnDevice| name.is_some_and(|n| g.name.as_deref().is_some_and(|m| folded(m) == folded(n)));
    match groups.iter().find(|g| Some(g.id) == id || same_name(g)) {
        Some(g) => Err(Error::InGroupAlready(g.name.as_ref().map_or_else(|| "that group (not synced yet)".into(), |name| format!("the group '{name}'")))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: Option<&str>, id: u128) -> GroupOnDevice {
        GroupOnDevice { path: PathBuf::from(format!("{id}.db")), id: Uuid::from_u128(id), name: name.map(str::to_string) }
    }

    #[test]
    fn a_group_is_chosen_by_its_name_the_start_of_it_or_of_its_id() {
        let groups = [group(Some("Cleveland SEWG"), 0xabc << 116), group(Some("Cleveland Timebank"), 0xdef << 116), group(None, 0x123 << 116)];
        assert_eq!(choose_group(&groups, Some("cleveland sewg")).unwrap(), &groups[0]);
        assert_eq!(choose_group(&groups, Some("Cleveland T")).unwrap(), &groups[1]);
        assert_eq!(choose_group(&groups, Some("123")).unwrap(), &groups[2]);
        assert!(matches!(choose_group(&groups, Some("Cleveland")), Err(Error::Ambiguous { count: 2, .. })));
        let none = choose_group(&groups, Some("Akron")).unwrap_err().to_string();
        assert!(none.contains("'Cleveland SEWG', 'Cleveland Timebank'"), "{none}");
        assert!(matches!(choose_group(&groups, Some("  ")), Err(Error::NoSuchGroup { .. })));
        assert!(matches!(choose_group(&groups, None), Err(Error::WhichGroup { .. })));
        assert_eq!(choose_group(&groups[..1], None).unwrap(), &groups[0]);
        assert!(check_new_group(&groups, None, Some("cleveland sewg ")).is_err());
        assert!(check_new_group(&groups, Some(groups[2].id), Some("Akron")).is_err());
        assert!(check_new_group(&groups, Some(Uuid::from_u128(7)), Some("Akron")).is_ok());
    }
}
