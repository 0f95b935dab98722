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

use super::number;

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
    let mut path = Path::default();
    // An aggregate that does not exist yet (or any more) is shown as fields added (or removed).
    match (before, after) {
        (Value::Null, Value::Object(_)) => diff_values(&empty, after, &mut path, &mut out),
        (Value::Object(_), Value::Null) => diff_values(before, &empty, &mut path, &mut out),
        _ => diff_values(before, after, &mut path, &mut out),
    }
    out
}

/// Where the walk is: the keys and indexes from the root, made into a JSON Pointer only when a
/// change is found there (most of the tree has none).
#[derive(Default)]
struct Path<'a>(Vec<Segment<'a>>);

#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    fn within(&mut self, segment: Segment<'a>, f: impl FnOnce(&mut Path<'a>)) {
        self.0.push(segment);
        f(self);
        self.0.pop();
    }

    /// The path as an RFC 6901 JSON Pointer, with `segment` appended if given.
    fn pointer(&self, segment: Option<Segment<'_>>) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for segment in self.0.iter().copied().chain(segment) {
            match segment {
                Segment::Key(key) if key.contains(['~', '/']) => {
                    out.push('/');
                    out.push_str(&key.replace('~', "~0").replace('/', "~1"));
                }
                Segment::Key(key) => {
                    out.push('/');
                    out.push_str(key);
                }
                Segment::Index(idx) => {
                    let _ = write!(out, "/{idx}");
                }
            }
        }
        out
    }
}

/// Walks both values once: containers are compared child by child (there is no equality check
/// of whole subtrees at every level, which would walk deep trees once per level).
fn diff_values<'a>(
    before: &'a Value,
    after: &'a Value,
    path: &mut Path<'a>,
    out: &mut Vec<Difference>,
) {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => diff_objects(old, new, path, out),
        // Arrays whose elements keep their identities in place (the common case: an element
        // changed, nothing moved) are compared by position, which gives the same changes as
        // matching by key, without building indexes.
        (Value::Array(old), Value::Array(new)) if same_identities_in_place(old, new) => {
            diff_positional_arrays(old, new, path, out)
        }
        (Value::Array(old), Value::Array(new)) => match keyed(old, new) {
            Some(keyed) => diff_keyed_arrays(keyed, path, out),
            None => diff_positional_arrays(old, new, path, out),
        },
        // Numbers are compared by value: `1250.5` and `1250.50` are the same amount.
        (Value::Number(a), Value::Number(b)) if number::same_value(a.as_str(), b.as_str()) => {}
        _ if before == after => {}
        _ => out.push(Difference {
            op: Op::Replace,
            path: path.pointer(None),
            before: Some(before.clone()),
            after: Some(after.clone()),
        }),
    }
}

fn diff_objects<'a>(
    old: &'a Map<String, Value>,
    new: &'a Map<String, Value>,
    path: &mut Path<'a>,
    out: &mut Vec<Difference>,
) {
    // The same keys in the same order (the usual case between two states of one aggregate):
    // walk both maps side by side, without looking keys up.
    if old.len() == new.len() && old.keys().zip(new.keys()).all(|(a, b)| a == b) {
        for ((key, old_value), new_value) in old.iter().zip(new.values()) {
            path.within(Segment::Key(key), |path| {
                diff_values(old_value, new_value, path, out)
            });
        }
        return;
    }
    for (key, old_value) in old {
        match new.get(key) {
            Some(new_value) => path.within(Segment::Key(key), |path| {
                diff_values(old_value, new_value, path, out)
            }),
            None => out.push(removed(path.pointer(Some(Segment::Key(key))), old_value)),
        }
    }
    for (key, new_value) in new {
        if !old.contains_key(key) {
            out.push(added(path.pointer(Some(Segment::Key(key))), new_value));
        }
    }
}

fn diff_positional_arrays<'a>(
    old: &'a [Value],
    new: &'a [Value],
    path: &mut Path<'a>,
    out: &mut Vec<Difference>,
) {
    for (idx, (old_item, new_item)) in old.iter().zip(new).enumerate() {
        path.within(Segment::Index(idx), |path| {
            diff_values(old_item, new_item, path, out)
        });
    }
    // Removals are listed from the end, so that applying them in order keeps indexes valid.
    for idx in (new.len()..old.len()).rev() {
        out.push(removed(path.pointer(Some(Segment::Index(idx))), &old[idx]));
    }
    for (idx, item) in new.iter().enumerate().skip(old.len()) {
        out.push(added(path.pointer(Some(Segment::Index(idx))), item));
    }
}

fn diff_keyed_arrays<'a>(keyed: Keyed<'a>, path: &mut Path<'a>, out: &mut Vec<Difference>) {
    let Keyed {
        old,
        new,
        new_ids,
        old_by_id,
        new_id_set,
        old_ids,
    } = keyed;
    for (old_idx, old_item) in old.iter().enumerate().rev() {
        if !new_id_set.contains(&old_ids[old_idx]) {
            out.push(removed(
                path.pointer(Some(Segment::Index(old_idx))),
                old_item,
            ));
        }
    }
    for (new_idx, new_item) in new.iter().enumerate() {
        match old_by_id.get(&new_ids[new_idx]) {
            Some(&old_idx) => path.within(Segment::Index(new_idx), |path| {
                diff_values(&old[old_idx], new_item, path, out)
            }),
            None => out.push(added(path.pointer(Some(Segment::Index(new_idx))), new_item)),
        }
    }
}

/// Two arrays matched by an identity key: each element's identity, computed once.
struct Keyed<'a> {
    old: &'a [Value],
    new: &'a [Value],
    old_ids: Vec<Id<'a>>,
    new_ids: Vec<Id<'a>>,
    old_by_id: FxHashMap<Id<'a>, usize>,
    new_id_set: FxHashSet<Id<'a>>,
}

/// The arrays keyed by the first identity key that every element on both sides has, with a
/// string or number value that is unique within each side.
fn keyed<'a>(old: &'a [Value], new: &'a [Value]) -> Option<Keyed<'a>> {
    if old.is_empty() || new.is_empty() {
        return None;
    }
    IDENTITY_KEYS.into_iter().find_map(|key| {
        let old_ids: Vec<Id<'a>> = old
            .iter()
            .map(|item| id_of(item, key))
            .collect::<Option<_>>()?;
        let new_ids: Vec<Id<'a>> = new
            .iter()
            .map(|item| id_of(item, key))
            .collect::<Option<_>>()?;
        let old_by_id: FxHashMap<Id<'a>, usize> = old_ids
            .iter()
            .enumerate()
            .map(|(idx, &id)| (id, idx))
            .collect();
        let new_id_set: FxHashSet<Id<'a>> = new_ids.iter().copied().collect();
        (old_by_id.len() == old.len() && new_id_set.len() == new.len()).then_some(Keyed {
            old,
            new,
            old_ids,
            new_ids,
            old_by_id,
            new_id_set,
        })
    })
}

/// True when both arrays have the same length and each pair of elements has the same identity
/// (the same value at the first identity key the old element has), or neither is keyed.
fn same_identities_in_place(old: &[Value], new: &[Value]) -> bool {
    old.len() == new.len()
        && old.iter().zip(new).all(|(a, b)| {
            match IDENTITY_KEYS
                .iter()
                .find_map(|k| field(a, k).map(|id| (*k, id)))
            {
                Some((key, id)) => field(b, key) == Some(id),
                None => !IDENTITY_KEYS.iter().any(|k| field(b, k).is_some()),
            }
        })
}

/// Objects with at most this many fields are searched by scanning them, which is faster than
/// hashing the key for the few fields a typical array element has.
const SCAN_FIELDS: usize = 8;

/// A field of an object (`None` for anything else).
fn field<'a>(item: &'a Value, key: &str) -> Option<&'a Value> {
    let Value::Object(object) = item else {
        return None;
    };
    if object.len() <= SCAN_FIELDS {
        object.iter().find_map(|(k, v)| (k == key).then_some(v))
    } else {
        object.get(key)
    }
}

/// The identity of an array element, hashable without allocating; `"7"` and `7` stay distinct.
/// A number that is not an integer (rare as a key) is its text as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Id<'a> {
    Text(&'a str),
    Signed(i64),
    Unsigned(u64),
    Number(&'a str),
}

fn id_of<'a>(item: &'a Value, key: &str) -> Option<Id<'a>> {
    match field(item, key)? {
        Value::String(text) => Some(Id::Text(text)),
        Value::Number(n) => Some(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Id::Unsigned(u),
            (None, Some(i)) => Id::Signed(i),
            (None, None) => Id::Number(n.as_str()),
        }),
        _ => None,
    }
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

/// The identity key an array's elements are named by, as the diff matches them: the first of
/// `IDENTITY_KEYS` that every element has, with a string or number value unique in the array.
pub fn array_key(items: &[Value]) -> Option<&'static str> {
    if items.is_empty() {
        return None;
    }
    IDENTITY_KEYS.into_iter().find(|key| {
        let ids: Option<FxHashSet<Id<'_>>> = items.iter().map(|item| id_of(item, key)).collect();
        ids.is_some_and(|ids| ids.len() == items.len())
    })
}

/// An element's identity in a keyed array: its key's value (text as it is, other values as
/// JSON): `L2`.
pub fn element_id(item: &Value, key: &str) -> Option<String> {
    let id = field(item, key)?;
    Some(id.as_str().map_or_else(|| id.to_string(), str::to_string))
}

/// An element's label in a keyed array: `lineId=L2`.
pub fn element_label(item: &Value, key: &str) -> Option<String> {
    element_id(item, key).map(|id| format!("{key}={id}"))
}

/// A JSON Pointer token as written (RFC 6901): `~` as `~0`, `/` as `~1`.
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// A JSON Pointer token as it names a key: `~1` is `/`, `~0` is `~`.
pub fn unescape_token(raw: &str) -> String {
    raw.replace("~1", "/").replace("~0", "~")
}

/// Turns JSON Pointers into paths people read, naming array elements by their identity key
/// where the array has one (`/lines/1/qty` → `lines[lineId=L2].qty`), as the diff matches them.
/// Each array's key is found once, however many paths pass through it.
#[derive(Default)]
pub struct ReadablePaths {
    keys: FxHashMap<String, Option<&'static str>>,
}

impl ReadablePaths {
    /// The readable form of `pointer`, read in `state` (the side on which the path exists).
    /// Tokens that `state` does not have are written as they are.
    pub fn of(&mut self, state: &Value, pointer: &str) -> String {
        if pointer.is_empty() {
            return "/".into();
        }
        let mut out = String::new();
        let mut at = Some(state);
        let mut prefix = String::new();
        for raw in pointer.split('/').skip(1) {
            let token = unescape_token(raw);
            match at {
                Some(Value::Array(items)) => {
                    let item = token.parse::<usize>().ok().and_then(|i| items.get(i));
                    let key = *self
                        .keys
                        .entry(prefix.clone())
                        .or_insert_with(|| array_key(items));
                    let label = item
                        .zip(key)
                        .and_then(|(item, key)| element_label(item, key));
                    out.push_str(&format!("[{}]", label.unwrap_or_else(|| token.clone())));
                    at = item;
                }
                other => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(&token);
                    at = other.and_then(|value| value.get(&token));
                }
            }
            prefix.push('/');
            prefix.push_str(raw);
        }
        out
    }
}
