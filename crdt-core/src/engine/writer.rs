//! How the record changes: every user action is one automerge change, made by `GroupDoc::change`,
//! and every write inside it goes through a `Writer`, which remembers what it wrote.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{ChangeHash, ObjId, ObjType, PatchLog, ReadDoc, Value, ROOT};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value as Json;
use uuid::Uuid;

use super::generation::{GENERATION, REPLAYED};
use super::{Action, Collection, GroupDoc, Touched, ACTORS, GROUP};
use crate::codec;
use crate::error::{Error, Result};
use crate::model::Group;

/// Writes inside one change, remembering which records it touched.
pub(crate) struct Writer<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    ids: Vec<Uuid>,
    touched: Touched,
}

impl Writer<'_, '_> {
    /// Writes `new` over `old` (or creates it) in `collection`, touching only changed fields.
    pub(crate) fn put<T: Serialize>(&mut self, collection: Collection, id: Uuid, new: &T, old: Option<&T>) -> Result<()> {
        self.mention(id);
        self.touched.records.insert((collection, id.to_string()));
        let map = map_id(self.tx, collection)?;
        let without_id = |record: &T| {
            let mut json = codec::to_json(record);
            json.as_object_mut().map(|fields| fields.remove("id"));
            json
        };
        let (key, old, new) = (id.to_string(), old.map(without_id), without_id(new));
        // A record devices apart each created has a copy from each: an edit goes into every
        // copy, so that none keeps a value the others lost (`conflict.rs` shows where they differ).
        let copies = codec::copies(&*self.tx, &map, &key)?;
        match (copies.len(), old.as_ref(), new.as_object()) {
            (2.., Some(Json::Object(old)), Some(new)) => copies.iter().try_for_each(|copy| codec::write_fields(self.tx, copy, new, Some(old))),
            _ => codec::write(self.tx, &map, &key, &new, old.as_ref()),
        }
    }

    /// Writes the group itself (name, settings).
    pub(crate) fn put_group(&mut self, new: &Group, old: Option<&Group>) -> Result<()> {
        self.touched.group = true;
        let old = old.map(codec::to_json);
        codec::write(self.tx, &ROOT, GROUP, &codec::to_json(new), old.as_ref())
    }

    /// Writes one field (a dotted path) of a record, or of the group itself.
    pub(crate) fn put_field(&mut self, collection: Collection, record: &str, field: &str, value: &Json) -> Result<()> {
        let gone = || Error::ConflictGone;
        let collection_obj = self.tx.get(ROOT, collection.key())?.ok_or_else(gone)?.1;
        // The group is one map; every other collection is a map of records by id, and a record
        // may have copies (see `put`): the field is written in each.
        let records = match collection {
            Collection::Group => vec![collection_obj],
            _ => codec::copies(&*self.tx, &collection_obj, record)?,
        };
        let path: Vec<&str> = field.split('.').collect();
        let (last, parents) = path.split_last().ok_or_else(gone)?;
        let mut written = false;
        'copies: for mut obj in records {
            for key in parents {
                // A copy without the field's parent map (`coords` unset there) keeps it unset.
                let Some((_, child)) = self.tx.get(&obj, *key)? else { continue 'copies };
                obj = child;
            }
            codec::write(self.tx, &obj, last, value, None)?;
            written = true;
        }
        if !written {
            return Err(gone());
        }
        match collection {
            Collection::Group => self.touched.group = true,
            _ => {
                self.touched.records.insert((collection, record.to_string()));
            }
        }
        Ok(())
    }

    /// Writes `new` over `old` as the document holds them, typed or not: a record of
    /// `collection` under `key`, or the group itself. What a new generation's seed and its
    /// replays write: they copy what the old record held.
    pub(crate) fn put_json(&mut self, collection: Collection, key: &str, new: &Json, old: Option<&Json>) -> Result<()> {
        let (obj, key) = match collection {
            Collection::Group => {
                self.touched.group = true;
                (ROOT, GROUP)
            }
            _ => {
                self.touched.records.insert((collection, key.to_string()));
                (map_id(self.tx, collection)?, key)
            }
        };
        codec::write(self.tx, &obj, key, new, old)
    }

    /// Writes the scalar `value` at `field` of a record even where it holds that value already:
    /// automerge drops a put that changes nothing, and a replayed write must stand beside the
    /// writes it was concurrent with, whatever the seed holds (`generation.rs`).
    pub(crate) fn put_anew(&mut self, collection: Collection, id: &str, field: &str, value: &Json) -> Result<()> {
        let map = map_id(self.tx, collection)?;
        let Some((_, record)) = self.tx.get(&map, id)? else { return Ok(()) };
        if self.tx.get(&record, field)?.is_some() {
            self.tx.delete(&record, field)?;
        }
        codec::write(self.tx, &record, field, value, None)
    }

    /// Writes a map at the root, which only a founding change (a group's or a seed's) may do.
    pub(crate) fn put_root(&mut self, key: &str, value: &Json) -> Result<()> {
        codec::write(self.tx, &ROOT, key, value, None)
    }

    /// Notes in a new generation that the late change `hash` was replayed.
    pub(crate) fn mark_replayed(&mut self, hash: &ChangeHash) -> Result<()> {
        let missing = || Error::BadChanges("the document is not a new generation of the record".into());
        let (_, generation) = self.tx.get(ROOT, GENERATION)?.ok_or_else(missing)?;
        let (_, replayed) = self.tx.get(&generation, REPLAYED)?.ok_or_else(missing)?;
        self.tx.put(&replayed, hash.to_string(), true)?;
        Ok(())
    }

    /// Records that `actor` writes on behalf of `member`.
    pub(crate) fn put_actor(&mut self, actor: &str, member: Uuid) -> Result<()> {
        let actors = match self.tx.get(ROOT, ACTORS)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => return Err(Error::BadChanges("the document has no actors map".into())),
        };
        self.tx.put(&actors, actor, member.to_string())?;
        self.touched.actors = true;
        Ok(())
    }

    /// Makes the maps of every collection: done once, when the group is made (see the layout).
    pub(crate) fn create_collections(&mut self) -> Result<()> {
        for collection in Collection::ALL {
            self.tx.put_object(ROOT, collection.key(), ObjType::Map)?;
        }
        self.tx.put_object(ROOT, ACTORS, ObjType::Map)?;
        self.touched.collections.extend(Collection::ALL);
        self.touched.actors = true;
        Ok(())
    }

    /// Names a record in the change's message without writing it (a resolved conflict).
    pub(crate) fn mention(&mut self, id: Uuid) {
        if !self.ids.contains(&id) {
            self.ids.push(id);
        }
    }
}

impl GroupDoc {
    /// Runs `f` as one automerge change. On error nothing is committed. The change's message is
    /// the action followed by the id of every record `f` wrote, which is what history reads.
    pub(crate) fn change<F>(&mut self, action: Action, now: DateTime<Utc>, f: F) -> Result<()>
    where
        F: FnOnce(&mut Writer<'_, '_>) -> Result<()>,
    {
        self.change_at(None, action, now, f).map(|_| ())
    }

    /// `change`, made as if this document held only `heads` when `heads` are given: the change
    /// depends on them alone, so it is concurrent with everything else here (a late change
    /// replayed into a new generation, see `generation.rs`). It returns the change's hash.
    pub(crate) fn change_at<F>(&mut self, heads: Option<&[ChangeHash]>, action: Action, now: DateTime<Utc>, f: F) -> Result<Option<ChangeHash>>
    where
        F: FnOnce(&mut Writer<'_, '_>) -> Result<()>,
    {
        let mut tx = match heads {
            Some(heads) => self.doc.transaction_at(PatchLog::inactive(), heads).map_err(|e| Error::BadChanges(e.to_string()))?,
            None => self.doc.transaction(),
        };
        let mut writer = Writer { tx: &mut tx, ids: Vec::new(), touched: Touched::default() };
        if let Err(e) = f(&mut writer) {
            tx.rollback();
            return Err(e);
        }
        let Writer { ids, touched, .. } = writer;
        let (hash, _) = tx.commit_with(CommitOptions::default().with_message(super::message(action, &ids)).with_time(now.timestamp()));
        if let Some(change) = hash.and_then(|hash| self.doc.get_change_by_hash(&hash)) {
            self.unsaved.bytes.extend(change.raw_bytes());
            self.unsaved.made_here.push(change.hash());
        }
        self.note(touched, false);
        Ok(hash)
    }
}

fn map_id(tx: &Transaction<'_>, collection: Collection) -> Result<ObjId> {
    match tx.get(ROOT, collection.key())? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(Error::BadChanges(format!("the document has no {} map", collection.key()))),
    }
}

