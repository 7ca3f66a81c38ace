//! The shape of changes from elsewhere, checked before automerge sees them. automerge 0.12
//! applies a change whose operations name objects or predecessors that do not exist (it then
//! panics or saves a document that no longer loads), so every operation is checked here against
//! the document and the rest of the batch: only the kinds of operation aidmesh writes, on objects
//! that exist, overwriting values that were there.

use std::collections::{HashMap, HashSet};

use automerge::{legacy, ActorId, Change, ChangeHash, ObjType, ReadDoc, ScalarValue};

use super::GroupDoc;
use crate::error::{Error, Result};

const ROOT: &str = "_root";

/// An operation's id: its counter and actor. Kept as borrowed parts, not automerge's printed
/// `counter@actor`: printing every id of a new member's first sync took a quarter of a second.
type OpKey<'a> = (u64, &'a ActorId);
/// An object's id; `None` for the root.
type ObjKey<'a> = Option<OpKey<'a>>;

impl GroupDoc {
    /// Refuses the whole batch if one change in it is not a change aidmesh could have made.
    pub(crate) fn check_structure(&self, changes: &[&Change]) -> Result<()> {
        let in_batch: HashSet<ChangeHash> = changes.iter().map(|c| c.hash()).collect();
        let decoded: Vec<legacy::Change> = changes.iter().map(|c| c.decode()).collect();
        // First what the batch itself makes and writes, so its changes may come in any order.
        let mut made: HashSet<OpKey> = HashSet::new();
        let mut written: HashSet<(ObjKey, &str, OpKey)> = HashSet::new();
        for (change, ops) in changes.iter().zip(&decoded) {
            for (i, op) in ops.operations.iter().enumerate() {
                let id = (change.start_op().get() + i as u64, change.actor_id());
                if let legacy::Key::Map(key) = &op.key {
                    written.insert((object(&op.obj), key.as_str(), id));
                }
                if matches!(op.action, legacy::OpType::Make(_)) {
                    made.insert(id);
                }
            }
        }
        // A record has one founding change (a group's first, or a generation's seed): another is
        // a record of its own (another generation of the group, or a forgery), never mixed in.
        let mut founded = !self.doc.get_heads().is_empty();
        let mut maps_here: HashMap<ObjKey, bool> = HashMap::new();
        let by_hash: HashMap<ChangeHash, &Change> = changes.iter().map(|c| (c.hash(), *c)).collect();
        let mut frontiers: HashMap<ChangeHash, Vec<ChangeHash>> = HashMap::new();
        for (change, ops) in changes.iter().zip(&decoded) {
            let refuse = |why: &str| {
                let device = change.actor_id().to_hex_string();
                Error::BadChanges(format!("a change from device {} {why}", &device[..device.len().min(8)]))
            };
            // A sync holds such a change back until they come (`SyncSession::receive`).
            if change.deps().iter().any(|d| !in_batch.contains(d) && !self.holds(d)) {
                return Err(refuse("arrived before the changes it builds on; sync again or bring the earlier bundle first"));
            }
            let founding = change.deps().is_empty();
            if founding && std::mem::replace(&mut founded, true) {
                return Err(refuse("starts a record of its own: it belongs to another generation of the group's record, or to none"));
            }
            let start = change.start_op().get();
            let own = |counter: u64| (start..start + ops.operations.len() as u64).contains(&counter);
            let mut lists_here: HashSet<OpKey> = HashSet::new();
            for (i, op) in ops.operations.iter().enumerate() {
                let id = (start + i as u64, change.actor_id());
                let obj = object(&op.obj);
                match (&op.action, &op.key, op.insert) {
                    // An item of a list this same change made (aidmesh writes lists whole): a
                    // plain value, or a map or list (a weekly slot) filled in the same change.
                    (legacy::OpType::Put(_) | legacy::OpType::Make(ObjType::Map | ObjType::List), legacy::Key::Seq(after), true) => {
                        let after_own = match after {
                            legacy::ElementId::Head => true,
                            legacy::ElementId::Id(legacy::OpId(counter, actor)) => actor == change.actor_id() && own(*counter),
                        };
                        let plain_item = match &op.action {
                            legacy::OpType::Put(value) => plain(value),
                            _ => true,
                        };
                        if !obj.is_some_and(|list| lists_here.contains(&list)) || !after_own || !op.pred.is_empty() || !plain_item {
                            return Err(refuse("writes a list in a way aidmesh never does"));
                        }
                        if matches!(op.action, legacy::OpType::Make(ObjType::List)) {
                            lists_here.insert(id);
                        }
                    }
                    (legacy::OpType::Make(ObjType::Map | ObjType::List) | legacy::OpType::Delete | legacy::OpType::Put(_), legacy::Key::Map(key), false) => {
                        if let legacy::OpType::Put(value) = &op.action {
                            if !plain(value) {
                                return Err(refuse("holds a kind of value aidmesh never writes"));
                            }
                        }
                        if matches!(op.action, legacy::OpType::Delete) && op.pred.is_empty() {
                            return Err(refuse("deletes nothing"));
                        }
                        if obj.is_none() && !founding {
                            return Err(refuse("writes the top of the group's record"));
                        }
                        let exists = obj.is_some_and(|o| made.contains(&o)) || *maps_here.entry(obj).or_insert_with(|| self.is_map(&printed(obj)));
                        if !exists {
                            return Err(refuse("writes into a record that does not exist"));
                        }
                        for legacy::OpId(counter, actor) in op.pred.iter() {
                            if written.contains(&(obj, key.as_str(), (*counter, actor))) {
                                continue;
                            }
                            let (obj, pred) = (printed(obj), printed(Some((*counter, actor))));
                            if self.holds_now(&obj, key, &pred) {
                                continue;
                            }
                            let held_before = frontiers.entry(change.hash()).or_insert_with(|| held_before(change, &by_hash));
                            if !self.held_at(&obj, key, &pred, held_before) {
                                return Err(refuse("claims to replace a value that was never there"));
                            }
                        }
                        if matches!(op.action, legacy::OpType::Make(ObjType::List)) {
                            lists_here.insert(id);
                        }
                    }
                    _ => return Err(refuse("holds an operation aidmesh never writes")),
                }
            }
        }
        Ok(())
    }

    fn is_map(&self, obj: &str) -> bool {
        if obj == ROOT {
            return true;
        }
        self.doc.import_obj(obj).and_then(|o| self.doc.object_type(&o)).is_ok_and(|t| t == ObjType::Map)
    }

    /// Whether operation `pred` wrote `key` of `obj` and is there now.
    fn holds_now(&self, obj: &str, key: &str, pred: &str) -> bool {
        let Ok(obj) = self.doc.import_obj(obj) else { return false };
        self.doc.get_all(&obj, key).is_ok_and(|values| names(&values, pred))
    }

    /// Whether operation `pred` wrote `key` of `obj` and was there at `heads` (when they are all
    /// in the document).
    fn held_at(&self, obj: &str, key: &str, pred: &str, heads: &[ChangeHash]) -> bool {
        let Ok(obj) = self.doc.import_obj(obj) else { return false };
        heads.iter().all(|d| self.holds(d))
            && self.doc.get_all_at(&obj, key, heads).is_ok_and(|values| names(&values, pred))
    }
}

/// Whether one of a key's values was written by operation `pred`.
fn names(values: &[(automerge::Value<'_>, automerge::ObjId)], pred: &str) -> bool {
    values.iter().any(|(_, id)| id.to_string() == pred)
}

/// The changes already in the document that `change` builds on, through any changes of its own
/// batch in between: where a value it overwrites was, if the batch did not write it.
fn held_before(change: &Change, batch: &HashMap<ChangeHash, &Change>) -> Vec<ChangeHash> {
    let mut stack = change.deps().to_vec();
    let mut seen = HashSet::new();
    let mut outside = Vec::new();
    while let Some(hash) = stack.pop() {
        if seen.insert(hash) {
            match batch.get(&hash) {
                Some(earlier) => stack.extend_from_slice(earlier.deps()),
                None => outside.push(hash),
            }
        }
    }
    outside
}

/// The id of the object an operation writes into.
fn object(obj: &legacy::ObjectId) -> ObjKey<'_> {
    match obj {
        legacy::ObjectId::Root => None,
        legacy::ObjectId::Id(legacy::OpId(counter, actor)) => Some((*counter, actor)),
    }
}

/// An id as automerge prints it (`counter@actor`, or `_root`), to look it up in the document.
fn printed(id: ObjKey) -> String {
    match id {
        None => ROOT.to_string(),
        Some((counter, actor)) => format!("{counter}@{}", actor.to_hex_string()),
    }
}

/// The values the codec writes: no counters, no values of unknown kinds.
fn plain(value: &ScalarValue) -> bool {
    !matches!(value, ScalarValue::Counter(_) | ScalarValue::Unknown { .. })
}
