//! Structural diff between two states, as a readable list of changes.
//!
//! Each change has an operation (`add`, `remove`, `replace`), a JSON Pointer path, and the values
//! before and after. Arrays of objects that carry an identifying key (`id`, `sku`, `lineId`, ...)
//! are matched by that key rather than by position, so inserting a line at the top of a purchase
//! order is one added line, not every line changed. Subtrees that are equal on both sides are
//! skipped whole.
//!
//! This is hand-written because no crate fit: `json-patch`'s `diff` and `serde_json_diff` match
//! arrays by position only, and `jsondiffpatch` has no Rust port. Identities are hashed with
//! `rustc-hash`, which is several times faster than the default hasher for short keys.

use rustc_hash::{FxHashMap, FxHashSet};

use serde_json::{Map, Value};

/// The kind of a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Replace,
}

impl Op {
    /// The RFC 6902 name of the operation.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Remove => "remove",
            Op::Replace => "replace",
        }
    }
}

/// One change between two states.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    pub op: Op,
    /// A JSON Pointer (RFC 6901). Array elements are named by their index on the side they exist
    /// on: the new index for `add` and `replace`, the old one for `remove`.
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Keys that identify an object within an array, tried in this order.
pub const IDENTITY_KEYS: [&str; 8] = [
    "id", "lineId", "line_id", "sku", "key", "uuid", "_id", "code",
];

/// The changes that turn `before` into `after`.
pub fn diff(before: &Value, after: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    let empty = Value::Object(Map::new());
    // An aggregate that does not exist yet (or any more) is shown as fields added (or removed).
    match (before, after) {
        (Value::Null, Value::Object(_)) => diff_values(&empty, after, &mut String::new(), &mut out),
        (Value::Object(_), Value::Null) => {
            diff_values(before, &empty, &mut String::new(), &mut out)
        }
        _ => diff_values(before, after, &mut String::new(), &mut out),
    }
    out
}

/// Walks both values once: containers are compared child by child (there is no equality check
/// of whole subtrees at every level, which would walk deep trees once per level).
fn diff_values(before: &Value, after: &Value, path: &mut String, out: &mut Vec<Difference>) {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => diff_objects(old, new, path, out),
        // Arrays whose elements keep their identities in place (the common case: an element
        // changed, nothing moved) are compared by position, which gives the same changes as
        // matching by key, without building indexes.
        (Value::Array(old), Value::Array(new)) if same_identities_in_place(old, new) => {
            diff_positional_arrays(old, new, path, out)
        }
        (Value::Array(old), Value::Array(new)) => match identity_key(old, new) {
            Some(key) => diff_keyed_arrays(old, new, key, path, out),
            None => diff_positional_arrays(old, new, path, out),
        },
        _ if before == after => {}
        _ => out.push(Difference {
            op: Op::Replace,
            path: path.clone(),
            before: Some(before.clone()),
            after: Some(after.clone()),
        }),
    }
}

fn diff_objects(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    path: &mut String,
    out: &mut Vec<Difference>,
) {
    // The same keys in the same order (the usual case between two states of one aggregate):
    // walk both maps side by side, without looking keys up.
    if old.len() == new.len() && old.keys().zip(new.keys()).all(|(a, b)| a == b) {
        for ((key, old_value), new_value) in old.iter().zip(new.values()) {
            with_segment(path, key, |path| {
                diff_values(old_value, new_value, path, out)
            });
        }
        return;
    }
    for (key, old_value) in old {
        match new.get(key) {
            Some(new_value) => with_segment(path, key, |path| {
                diff_values(old_value, new_value, path, out)
            }),
            None => out.push(removed(join(path, key), old_value)),
        }
    }
    for (key, new_value) in new {
        if !old.contains_key(key) {
            out.push(added(join(path, key), new_value));
        }
    }
}

fn diff_positional_arrays(
    old: &[Value],
    new: &[Value],
    path: &mut String,
    out: &mut Vec<Difference>,
) {
    for (idx, (old_item, new_item)) in old.iter().zip(new).enumerate() {
        with_index(path, idx, |path| diff_values(old_item, new_item, path, out));
    }
    // Removals are listed from the end, so that applying them in order keeps indexes valid.
    for idx in (new.len()..old.len()).rev() {
        out.push(removed(join(path, &idx.to_string()), &old[idx]));
    }
    for (idx, item) in new.iter().enumerate().skip(old.len()) {
        out.push(added(join(path, &idx.to_string()), item));
    }
}

fn diff_keyed_arrays(
    old: &[Value],
    new: &[Value],
    key: &str,
    path: &mut String,
    out: &mut Vec<Difference>,
) {
    let old_by_id = index_by_id(old, key);
    let new_by_id = index_by_id(new, key);
    for (old_idx, old_item) in old.iter().enumerate().rev() {
        if !id_of(old_item, key).is_some_and(|id| new_by_id.contains_key(&id)) {
            out.push(removed(join(path, &old_idx.to_string()), old_item));
        }
    }
    for (new_idx, new_item) in new.iter().enumerate() {
        match id_of(new_item, key).and_then(|id| old_by_id.get(&id).copied()) {
            Some(old_idx) => with_index(path, new_idx, |path| {
                diff_values(&old[old_idx], new_item, path, out)
            }),
            None => out.push(added(join(path, &new_idx.to_string()), new_item)),
        }
    }
}

/// The first identity key that every element on both sides has, with a string or number value
/// that is unique within each side.
fn identity_key(old: &[Value], new: &[Value]) -> Option<&'static str> {
    if old.is_empty() || new.is_empty() {
        return None;
    }
    IDENTITY_KEYS
        .into_iter()
        .find(|key| unique_scalar_ids(old, key) && unique_scalar_ids(new, key))
}

/// True when both arrays have the same length and each pair of elements has the same identity
/// (the same value at the first identity key the old element has), or neither is keyed.
fn same_identities_in_place(old: &[Value], new: &[Value]) -> bool {
    old.len() == new.len()
        && old.iter().zip(new).all(|(a, b)| {
            match IDENTITY_KEYS
                .iter()
                .find_map(|k| a.get(*k).map(|id| (*k, id)))
            {
                Some((key, id)) => b.get(key) == Some(id),
                None => !IDENTITY_KEYS.iter().any(|k| b.get(*k).is_some()),
            }
        })
}

fn unique_scalar_ids(items: &[Value], key: &str) -> bool {
    let mut seen = FxHashSet::default();
    seen.reserve(items.len());
    items
        .iter()
        .all(|item| id_of(item, key).is_some_and(|id| seen.insert(id)))
}

/// The identity of an array element, hashable without allocating; `"7"` and `7` stay distinct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Id<'a> {
    Text(&'a str),
    Signed(i64),
    Unsigned(u64),
    Float(u64),
}

fn id_of<'a>(item: &'a Value, key: &str) -> Option<Id<'a>> {
    match item.get(key)? {
        Value::String(text) => Some(Id::Text(text)),
        Value::Number(n) => Some(match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => Id::Unsigned(u),
            (None, Some(i), _) => Id::Signed(i),
            (None, None, f) => Id::Float(f.unwrap_or(f64::NAN).to_bits()),
        }),
        _ => None,
    }
}

fn index_by_id<'a>(items: &'a [Value], key: &str) -> FxHashMap<Id<'a>, usize> {
    items
        .iter()
        .enumerate()
        .filter_map(|(idx, item)| id_of(item, key).map(|id| (id, idx)))
        .collect()
}

fn with_segment(path: &mut String, segment: &str, f: impl FnOnce(&mut String)) {
    let len = path.len();
    push_segment(path, segment);
    f(path);
    path.truncate(len);
}

fn join(path: &str, segment: &str) -> String {
    let mut joined = path.to_string();
    push_segment(&mut joined, segment);
    joined
}

/// Appends an RFC 6901 reference token, escaping `~` and `/`.
fn push_segment(path: &mut String, segment: &str) {
    path.push('/');
    if segment.contains(['~', '/']) {
        path.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    } else {
        path.push_str(segment);
    }
}

/// Like `with_segment`, for an array index, without making a string of it first.
fn with_index(path: &mut String, idx: usize, f: impl FnOnce(&mut String)) {
    use std::fmt::Write;
    let len = path.len();
    let _ = write!(path, "/{idx}");
    f(path);
    path.truncate(len);
}

fn added(path: String, value: &Value) -> Difference {
    Difference {
        op: Op::Add,
        path,
        before: None,
        after: Some(value.clone()),
    }
}

fn removed(path: String, value: &Value) -> Difference {
    Difference {
        op: Op::Remove,
        path,
        before: Some(value.clone()),
        after: None,
    }
}
