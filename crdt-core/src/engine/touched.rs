//! What a set of changes wrote: which records, so that indexes and caches update only those.

use std::collections::{BTreeSet, HashMap};

use automerge::{legacy, Change, ChangeHash, ReadDoc};

use super::{Collection, GroupDoc, ACTORS, GROUP};

/// The record path of each object seen, looked up once.
#[derive(Default)]
pub(crate) struct Paths(HashMap<String, Vec<String>>);

/// The records an applied set of changes touched, so indexes update only those.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Touched {
    pub group: bool,
    /// Which device writes for which member changed.
    pub actors: bool,
    pub records: BTreeSet<(Collection, String)>,
    /// A whole collection appeared or was replaced: re-read all of it.
    pub collections: BTreeSet<Collection>,
}

impl Touched {
    pub fn is_empty(&self) -> bool {
        !self.group && !self.actors && self.records.is_empty() && self.collections.is_empty()
    }

    /// Whether these writes may change who is in the group, with what role, or the settings.
    pub(crate) fn moves_authority(&self) -> bool {
        self.group || self.actors || self.collections.contains(&Collection::Members) || self.records.iter().any(|(c, _)| *c == Collection::Members)
    }

    pub(crate) fn extend(&mut self, other: Touched) {
        self.group |= other.group;
        self.actors |= other.actors;
        self.records.extend(other.records);
        self.collections.extend(other.collections);
    }
}

impl GroupDoc {
    /// Which records the changes since `before` wrote. Read from the changes' own operations,
    /// so the cost follows the size of the changes, not of the document (a diff walks it all).
    pub(crate) fn touched(&self, before: &[ChangeHash]) -> Touched {
        self.touched_by(before, &self.doc.get_changes(before))
    }

    /// `touched`, given the changes since `before` (automerge rebuilds them on every call).
    pub(crate) fn touched_by(&self, before: &[ChangeHash], changes: &[Change]) -> Touched {
        if before.is_empty() {
            return self.everything();
        }
        let mut touched = Touched::default();
        let mut paths = Paths::default();
        for change in changes {
            for path in self.op_paths(change, &mut paths) {
                match (path.first().map(String::as_str), path.get(1)) {
                    (Some(GROUP), _) => touched.group = true,
                    (Some(ACTORS), _) => touched.actors = true,
                    (Some(top), Some(id)) => {
                        if let Some(collection) = Collection::from_key(top) {
                            touched.records.insert((collection, id.clone()));
                        }
                    }
                    (Some(top), None) => touched.collections.extend(Collection::from_key(top)),
                    _ => {}
                }
            }
        }
        touched
    }

    /// All of it: a first sync brings the whole record, so every record is new. Read from the
    /// collections, not from every change's operations (0.4 s of a new member's first sync).
    fn everything(&self) -> Touched {
        let mut touched = Touched { group: true, actors: true, ..Touched::default() };
        for collection in Collection::ALL {
            if let Some(map) = self.collection_obj(collection) {
                touched.collections.insert(collection);
                touched.records.extend(self.doc.keys(&map).map(|id| (collection, id)));
            }
        }
        touched
    }

    /// The first two map keys on the way from the root to what each operation of `change`
    /// writes (`needs`, then the record's id), with the objects' paths kept in `paths`.
    pub(crate) fn op_paths(&self, change: &Change, paths: &mut Paths) -> Vec<Vec<String>> {
        change
            .decode()
            .operations
            .into_iter()
            .map(|op| {
                let mut path = match &op.obj {
                    legacy::ObjectId::Root => Vec::new(),
                    legacy::ObjectId::Id(legacy::OpId(counter, actor)) => {
                        let id = format!("{counter}@{}", actor.to_hex_string());
                        paths.0.entry(id).or_insert_with_key(|id| self.path_of(id)).clone()
                    }
                };
                if let legacy::Key::Map(key) = &op.key {
                    path.push(key.to_string());
                }
                path.truncate(2);
                path
            })
            .collect()
    }

    /// The first two map keys on the way from the root to an object (`needs`, then the record).
    fn path_of(&self, object: &str) -> Vec<String> {
        let Ok(object) = self.doc.import_obj(object) else { return Vec::new() };
        let Ok(parents) = self.doc.parents(&object) else { return Vec::new() };
        let mut keys: Vec<String> = parents
            .filter_map(|parent| match parent.prop {
                automerge::Prop::Map(key) => Some(key),
                automerge::Prop::Seq(_) => None,
            })
            .collect();
        keys.reverse();
        keys.truncate(2);
        keys
    }
}
