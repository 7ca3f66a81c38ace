//! Records of one collection grouped by the id in one of their fields (assignments by need,
//! verdicts by entry), so that an action reads a handful of records rather than all of them.
//!
//! A domain asks for the grouping it needs (`GroupDoc::linked`); the engine builds it on first
//! use and keeps it in step with every change, knowing nothing of what the field means.

use std::collections::{BTreeSet, HashMap};

use automerge::{ObjId, ReadDoc, Value};
use uuid::Uuid;

use super::{Collection, Touched};

/// One grouping: records of `collection` by the uuid in their `field`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Link {
    pub(crate) collection: Collection,
    pub(crate) field: &'static str,
}

#[derive(Default)]
pub(crate) struct Links(HashMap<Link, HashMap<Uuid, BTreeSet<Uuid>>>);

impl Links {
    /// The records whose `link.field` held `value` when last seen. A record another device has
    /// since pointed elsewhere may still be listed: callers check the field they read.
    pub(crate) fn get(&mut self, doc: &impl ReadDoc, map: Option<ObjId>, link: Link, value: Uuid) -> Vec<Uuid> {
        let groups = self.0.entry(link).or_insert_with(|| {
            let mut groups: HashMap<Uuid, BTreeSet<Uuid>> = HashMap::new();
            if let Some(map) = &map {
                for key in doc.keys(map) {
                    if let (Some(target), Ok(id)) = (field_of(doc, map, &key, link.field), key.parse()) {
                        groups.entry(target).or_default().insert(id);
                    }
                }
            }
            groups
        });
        groups.get(&value).into_iter().flatten().copied().collect()
    }

    /// Keeps every grouping in step with what a change touched.
    pub(crate) fn note(&mut self, doc: &impl ReadDoc, map_of: impl Fn(Collection) -> Option<ObjId>, touched: &Touched) {
        self.0.retain(|link, _| !touched.collections.contains(&link.collection));
        for (link, groups) in &mut self.0 {
            let Some(map) = map_of(link.collection) else { continue };
            for (_, key) in touched.records.iter().filter(|(c, _)| *c == link.collection) {
                if let (Some(target), Ok(id)) = (field_of(doc, &map, key, link.field), key.parse()) {
                    groups.entry(target).or_default().insert(id);
                }
            }
        }
    }
}

/// The uuid in one field of one record, read without reading the rest of the record.
pub(crate) fn field_of(doc: &impl ReadDoc, map: &ObjId, key: &str, field: &str) -> Option<Uuid> {
    let (_, record) = doc.get(map, key).ok()??;
    match doc.get(&record, field).ok()?? {
        (Value::Scalar(value), _) => value.as_str()?.parse().ok(),
        _ => None,
    }
}
