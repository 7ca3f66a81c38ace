//! What a set of changes wrote: which records, so that indexes and caches update only those.

use std::collections::{BTreeSet, HashMap};

use automerge::{ChangeHash, ReadDoc};

use super::{Collection, GroupDoc, GROUP};

/// The records an applied set of changes touched, so indexes update only those.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Touched {
    pub group: bool,
    pub records: BTreeSet<(Collection, String)>,
    /// A whole collection appeared or was replaced: re-read all of it.
    pub collections: BTreeSet<Collection>,
}

impl Touched {
    pub fn is_empty(&self) -> bool {
        !self.group && self.records.is_empty() && self.collections.is_empty()
    }

    pub(crate) fn extend(&mut self, other: Touched) {
        self.group |= other.group;
        self.records.extend(other.records);
        self.collections.extend(other.collections);
    }
}

impl GroupDoc {
    /// Which records the changes since `before` wrote. Read from the changes' own operations,
    /// so the cost follows the size of the changes, not of the document (a diff walks it all).
    pub(crate) fn touched(&self, before: &[ChangeHash]) -> Touched {
        let mut touched = Touched::default();
        // Record path (collection key, record key) of each object seen, looked up once.
        let mut paths: HashMap<String, Vec<String>> = HashMap::new();
        for change in self.doc.get_changes(before) {
            for op in change.decode().operations {
                let mut path = match &op.obj {
                    automerge::legacy::ObjectId::Root => Vec::new(),
                    automerge::legacy::ObjectId::Id(automerge::legacy::OpId(counter, actor)) => {
                        let id = format!("{counter}@{}", actor.to_hex_string());
                        paths.entry(id).or_insert_with_key(|id| self.path_of(id)).clone()
                    }
                };
                if let automerge::legacy::Key::Map(key) = &op.key {
                    path.push(key.to_string());
                }
                match (path.first(), path.get(1)) {
                    (Some(top), _) if top == GROUP => touched.group = true,
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
