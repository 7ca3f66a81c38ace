//! Records travel between typed structs and automerge maps through serde's JSON model.
//!
//! Writing diffs the new JSON against the old one and touches only the keys that changed, so
//! two people editing different fields of one record never collide, while two people editing
//! the same field leave both values for `conflicts()` to show. Maps nest (one key at a time);
//! lists are replaced whole. Reading goes back through serde, so a field that is missing or
//! wrongly typed becomes a reason ("invalid type: integer, expected a string"), not a panic.
//!
//! A record's id is its key in the collection map and is not stored again inside it.

use automerge::hydrate;
use automerge::transaction::Transactable;
use automerge::{ObjId, ObjType, ReadDoc, ScalarValue, Value};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Number, Value as Json};

use crate::error::Result;

pub(crate) fn to_json<T: Serialize>(record: &T) -> Json {
    serde_json::to_value(record).expect("domain records always serialize to JSON")
}

pub(crate) fn from_json<T: DeserializeOwned>(json: Json) -> Result<T, String> {
    serde_json::from_value(json).map_err(|e| e.to_string())
}

/// Writes `new` under `key` of `obj`, where `old` is what the document holds there now.
/// `Json::Null` deletes the key; keys absent from `new` are left alone, so fields written by a
/// newer version of aidmesh survive an edit made by this one.
pub(crate) fn write<T: Transactable>(tx: &mut T, obj: &ObjId, key: &str, new: &Json, old: Option<&Json>) -> Result<()> {
    match new {
        Json::Null => {
            if old.is_some_and(|old| !old.is_null()) {
                tx.delete(obj, key)?;
            }
        }
        Json::Object(fields) => match (old, tx.get(obj, key)?) {
            (Some(Json::Object(old_fields)), Some((Value::Object(ObjType::Map), child))) => write_fields(tx, &child, fields, Some(old_fields))?,
            _ => {
                let child = tx.put_object(obj, key, ObjType::Map)?;
                write_fields(tx, &child, fields, None)?;
            }
        },
        Json::Array(items) => {
            let list = tx.put_object(obj, key, ObjType::List)?;
            for (index, item) in items.iter().enumerate() {
                insert(tx, &list, index, item)?;
            }
        }
        scalar => {
            tx.put(obj, key, to_scalar(scalar))?;
        }
    }
    Ok(())
}

/// Writes into the map `obj` the fields of `new` that differ from `old`.
pub(crate) fn write_fields<T: Transactable>(tx: &mut T, obj: &ObjId, new: &Map<String, Json>, old: Option<&Map<String, Json>>) -> Result<()> {
    for (field, value) in new {
        let old_value = old.and_then(|o| o.get(field));
        // A field that starts out empty is not written at all (fewer operations to keep in
        // memory); every such field has a serde default that reads it back.
        if old_value.is_none() && starts_empty(value) {
            continue;
        }
        if old_value != Some(value) {
            write(tx, obj, field, value, old_value)?;
        }
    }
    Ok(())
}

/// Every copy of the map under `key` of `obj`: one, unless devices apart each created it (a
/// record whose id comes from its content, such as a referral or an imported row).
pub(crate) fn copies<R: ReadDoc>(doc: &R, obj: &ObjId, key: &str) -> Result<Vec<ObjId>> {
    Ok(doc.get_all(obj, key)?.into_iter().filter(|(value, _)| matches!(value, Value::Object(ObjType::Map))).map(|(_, id)| id).collect())
}

/// Empty lists, empty text and `false`. Empty maps are still created: they are the containers
/// that let two devices add different keys without colliding.
fn starts_empty(value: &Json) -> bool {
    match value {
        Json::Null | Json::Bool(false) => true,
        Json::String(s) => s.is_empty(),
        Json::Array(items) => items.is_empty(),
        _ => false,
    }
}

fn insert<T: Transactable>(tx: &mut T, list: &ObjId, index: usize, item: &Json) -> Result<()> {
    match item {
        Json::Object(fields) => {
            let child = tx.insert_object(list, index, ObjType::Map)?;
            for (field, value) in fields {
                write(tx, &child, field, value, None)?;
            }
        }
        Json::Array(items) => {
            let child = tx.insert_object(list, index, ObjType::List)?;
            for (i, value) in items.iter().enumerate() {
                insert(tx, &child, i, value)?;
            }
        }
        scalar => tx.insert(list, index, to_scalar(scalar))?,
    }
    Ok(())
}

fn to_scalar(json: &Json) -> ScalarValue {
    match json {
        Json::Bool(b) => ScalarValue::Boolean(*b),
        Json::String(s) => ScalarValue::Str(s.as_str().into()),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => ScalarValue::Int(i),
            (None, Some(u)) => ScalarValue::Uint(u),
            _ => ScalarValue::F64(n.as_f64().unwrap_or_default()),
        },
        _ => ScalarValue::Null,
    }
}

/// The JSON form of the value under `obj` (a map, list, text or scalar), at `heads` if given.
pub(crate) fn read<R: ReadDoc>(doc: &R, value: &Value<'_>, id: &ObjId, heads: Option<&[automerge::ChangeHash]>) -> Result<Json> {
    Ok(match value {
        Value::Object(_) => hydrated(&doc.hydrate(id, heads)?),
        Value::Scalar(scalar) => scalar_json(scalar),
    })
}

fn hydrated(value: &hydrate::Value) -> Json {
    match value {
        hydrate::Value::Scalar(scalar) => scalar_json(scalar),
        hydrate::Value::Map(map) => {
            Json::Object(map.iter().map(|(key, entry)| (key.clone(), hydrated(&entry.value))).collect::<Map<_, _>>())
        }
        hydrate::Value::List(list) => Json::Array(list.iter().map(|entry| hydrated(&entry.value)).collect()),
        hydrate::Value::Text(text) => Json::String(text.to_string()),
    }
}

fn scalar_json(scalar: &ScalarValue) -> Json {
    match scalar {
        ScalarValue::Str(s) => Json::String(s.to_string()),
        ScalarValue::Int(i) | ScalarValue::Timestamp(i) => Json::from(*i),
        ScalarValue::Uint(u) => Json::from(*u),
        ScalarValue::F64(f) => Number::from_f64(*f).map_or(Json::Null, Json::Number),
        ScalarValue::Counter(c) => Json::from(i64::from(c)),
        ScalarValue::Boolean(b) => Json::Bool(*b),
        // Bytes, nulls and types from a future automerge have no meaning in aidmesh records.
        ScalarValue::Bytes(_) | ScalarValue::Null | ScalarValue::Unknown { .. } => Json::Null,
    }
}
