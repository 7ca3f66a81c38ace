//! The organizers' audit trail: for one record, every change with who, when, and each field's
//! old and new value. Derived from the document's own change graph, so it cannot drift from
//! what the record holds.

use automerge::{ChangeHash, ObjId, PatchAction, Prop, ReadDoc};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value as Json;
use uuid::Uuid;

use crate::codec;
use crate::engine::{message_parts, GroupDoc};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// Path inside the record, e.g. `status` or `availability.weekly`.
    pub field: String,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub old: Json,
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub new: Json,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub change: String,
    pub at: Option<DateTime<Utc>>,
    pub by: Option<Uuid>,
    pub by_name: Option<String>,
    /// The action that made the change, e.g. `need.status` or `resolve`.
    pub action: String,
    pub fields: Vec<FieldChange>,
}

impl GroupDoc {
    /// Every change that touched the record with this id, oldest first.
    pub fn history(&self, record: Uuid) -> Vec<HistoryEntry> {
        let id = record.to_string();
        let names: std::collections::BTreeMap<Uuid, String> =
            self.members().records.into_iter().map(|m| (m.id, m.display_name)).collect();
        let doc = self.automerge();
        let mut entries = Vec::new();
        for meta in doc.get_changes_meta(&[]) {
            let message = meta.message.as_deref().unwrap_or_default();
            let (action, mut ids) = message_parts(message);
            if !ids.any(|w| w == id) {
                continue;
            }
            let action = action.to_string();
            let after = [meta.hash];
            let fields = doc
                .diff(&meta.deps, &after)
                .into_iter()
                .filter_map(|patch| field_change(self, &id, &patch.path, patch.obj, patch.action, &meta.deps, &after))
                .collect();
            let by = self.member_for_actor(&meta.actor);
            entries.push(HistoryEntry {
                change: meta.hash.to_string(),
                at: DateTime::from_timestamp(meta.timestamp, 0),
                by,
                by_name: by.and_then(|id| names.get(&id).cloned()),
                action,
                fields,
            });
        }
        entries
    }
}

/// The field change a patch describes, if it is a put or delete inside this record's map.
fn field_change(
    doc: &GroupDoc,
    record: &str,
    path: &[(ObjId, Prop)],
    obj: ObjId,
    action: PatchAction,
    before: &[ChangeHash],
    after: &[ChangeHash],
) -> Option<FieldChange> {
    // path[0] is the collection under the root, path[1] the record; deeper entries are nested maps.
    let keys: Vec<&str> = path
        .iter()
        .map(|(_, prop)| match prop {
            Prop::Map(key) => Some(key.as_str()),
            Prop::Seq(_) => None,
        })
        .collect::<Option<_>>()?;
    if keys.get(1) != Some(&record) {
        return None;
    }
    let am = doc.automerge();
    let (key, new) = match action {
        PatchAction::PutMap { key, value: (value, id), .. } => {
            let new = codec::read(am, &value, &id, Some(after)).ok()?;
            (key, new)
        }
        PatchAction::DeleteMap { key } => (key, Json::Null),
        _ => return None,
    };
    let old = match am.get_at(&obj, key.as_str(), before).ok()? {
        Some((value, id)) => codec::read(am, &value, &id, Some(before)).ok()?,
        None => Json::Null,
    };
    let field = keys[2..].iter().copied().chain(std::iter::once(key.as_str())).collect::<Vec<_>>().join(".");
    Some(FieldChange { field, old, new })
}
