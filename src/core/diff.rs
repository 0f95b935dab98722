//! Structural diff between two states, as a readable list of changes.
//!
//! Each change has an operation (`add`, `remove`, `replace`, `move`), a JSON Pointer path, and
//! the values before and after. Arrays of objects that carry an identifying key (`id`, `sku`,
//! `lineId`, ...) are matched by that key rather than by position, so inserting a line at the top
//! of a purchase order is one added line, not every line changed, and reordering a few lines is
//! a few moves: the elements that keep their relative order are the longest increasing run of
//! old positions, and every other matched element is a `move`. Subtrees that are equal on both
//! sides are skipped whole. Between two moments of one stream, `diff_touched` walks only the
//! paths the events between them wrote (`touched::Touched`); the rest is the same on both sides.
//!
//! This is hand-written because no crate fit: `json-patch`'s `diff` and `serde_json_diff` match
//! arrays by position only, and `jsondiffpatch` has no Rust port. Identities are hashed with
//! `rustc-hash`, which is several times faster than the default hasher for short keys.

pub mod touched;

use rustc_hash::{FxHashMap, FxHashSet};

use serde_json::{Map, Value};

use super::number;
use touched::{Touched, EVERYTHING};

/// The kind of a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Replace,
    /// An element of a keyed array that changed its place among the others (`from` says where
    /// it was).
    Move,
}

impl Op {
    /// The RFC 6902 name of the operation.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Remove => "remove",
            Op::Replace => "replace",
            Op::Move => "move",
        }
    }
}

/// One change between two states.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    pub op: Op,
    /// A JSON Pointer (RFC 6901). Array elements are named by their index on the side they exist
    /// on: the new index for `add`, `replace` and `move`, the old one for `remove`.
    pub path: String,
    /// Where a moved element was: its JSON Pointer in the state before.
    pub from: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Keys that identify an object within an array, tried in this order.
pub const IDENTITY_KEYS: [&str; 8] = [
    "id", "lineId", "line_id", "sku", "key", "uuid", "_id", "code",
];

/// The changes that turn `before` into `after`.
pub fn diff(before: &Value, after: &Value) -> Vec<Difference> {
    diff_touched(before, after, &Touched::everything())
}

/// The changes that turn `before` into `after`, looking only where `touched` says the two can
/// differ; with `Touched::everything()` this is `diff`. The answer is the same as `diff`'s, in
/// the same order, whenever everything outside `touched` is equal on both sides.
pub fn diff_touched(before: &Value, after: &Value, touched: &Touched) -> Vec<Difference> {
    let mut out = Vec::new();
    let empty = Value::Object(Map::new());
    let mut path = Path::default();
    // An aggregate that does not exist yet (or any more) is shown as fields added (or removed).
    let (before, after) = match (before, after) {
        (Value::Null, Value::Object(_)) => (&empty, after),
        (Value::Object(_), Value::Null) => (before, &empty),
        _ => (before, after),
    };
    diff_values(before, after, touched, &mut path, &mut out);
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

/// Walks both values once, below the paths in `touched` only: containers are compared child by
/// child (there is no equality check of whole subtrees at every level, which would walk deep
/// trees once per level), and an object's untouched members and an array's untouched elements
/// are skipped.
fn diff_values<'a>(
    before: &'a Value,
    after: &'a Value,
    touched: &Touched,
    path: &mut Path<'a>,
    out: &mut Vec<Difference>,
) {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => diff_objects(old, new, touched, path, out),
        (Value::Array(old), Value::Array(new)) => diff_arrays(old, new, touched, path, out),
        // Numbers are compared by value: `1250.5` and `1250.50` are the same amount.
        (Value::Number(a), Value::Number(b)) if number::same_value(a.as_str(), b.as_str()) => {}
        _ if before == after => {}
        _ => out.push(Difference {
            op: Op::Replace,
            path: path.pointer(None),
            from: None,
            before: Some(before.clone()),
            after: Some(after.clone()),
        }),
    }
}

fn diff_objects<'a>(
    old: &'a Map<String, Value>,
    new: &'a Map<String, Value>,
    touched: &Touched,
    path: &mut Path<'a>,
    out: &mut Vec<Difference>,
) {
    // The same keys in the same order (the usual case between two states of one aggregate):
    // walk both maps side by side, without looking keys up.
    if old.len() == new.len() && old.keys().zip(new.keys()).all(|(a, b)| a == b) {
        for ((key, old_value), new_value) in old.iter().zip(new.values()) {
            if let Some(child) = touched.below(key) {
                path.within(Segment::Key(key), |path| {
                    diff_values(old_value, new_value, child, path, out)
                });
            }
        }
        return;
    }
    let mut n_removed = 0;
    for (key, old_value) in old {
        let Some(child) = touched.below(key) else {
            continue;
        };
        match new.get(key) {
            Some(new_value) => path.within(Segment::Key(key), |path| {
                diff_values(old_value, new_value, child, path, out)
            }),
            None => {
                n_removed += 1;
                out.push(removed(path.pointer(Some(Segment::Key(key))), old_value));
            }
        }
    }
    // The members of `old` that are not removed are in `new`; any other member was added.
    if new.len() + n_removed == old.len() {
        return;
    }
    for (key, new_value) in new {
        if touched.below(key).is_some() && !old.contains_key(key) {
            out.push(added(path.pointer(Some(Segment::Key(key))), new_value));
        }
    }
}

/// Arrays whose touched elements keep their identities in place (an element changed, nothing
/// moved) are compared at those elements only; arrays whose elements were added, removed or
/// moved are diffed whole, by position or, where their elements are keyed, by key.
fn diff_arrays<'a>(
    old: &'a [Value],
    new: &'a [Value],
    touched: &Touched,
    path: &mut Path<'a>,
    out: &mut Vec<Difference>,
) {
    match touched.indexes(old.len(), new.len()) {
        Some(idxs) if idxs.iter().all(|&(i, _)| same_identity(&old[i], &new[i])) => {
            for (idx, child) in idxs {
                path.within(Segment::Index(idx), |path| {
                    diff_values(&old[idx], &new[idx], child, path, out)
                });
            }
        }
        // Compared by position when every element keeps its identity in place, which gives the
        // same changes as matching by key, without building indexes.
        _ if same_identities_in_place(old, new) => diff_positional_arrays(old, new, path, out),
        _ => match keyed(old, new) {
            Some(keyed) => diff_keyed_arrays(keyed, path, out),
            None => diff_positional_arrays(old, new, path, out),
        },
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
            diff_values(old_item, new_item, &EVERYTHING, path, out)
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

/// Removals first (from the end, so that indexes stay valid), then each new element in order:
/// added, or matched, and then moved when it is not among those that kept their order.
fn diff_keyed_arrays<'a>(keyed: Keyed<'a>, path: &mut Path<'a>, out: &mut Vec<Difference>) {
    let Keyed {
        old,
        new,
        matches,
        kept,
    } = keyed;
    for (old_idx, old_item) in old.iter().enumerate().rev() {
        if !kept[old_idx] {
            out.push(removed(
                path.pointer(Some(Segment::Index(old_idx))),
                old_item,
            ));
        }
    }
    let in_order = longest_increasing(&matches);
    for (new_idx, new_item) in new.iter().enumerate() {
        let Some(old_idx) = matches[new_idx] else {
            out.push(added(path.pointer(Some(Segment::Index(new_idx))), new_item));
            continue;
        };
        if !in_order[new_idx] {
            out.push(Difference {
                op: Op::Move,
                path: path.pointer(Some(Segment::Index(new_idx))),
                from: Some(path.pointer(Some(Segment::Index(old_idx)))),
                before: None,
                after: None,
            });
        }
        path.within(Segment::Index(new_idx), |path| {
            diff_values(&old[old_idx], new_item, &EVERYTHING, path, out)
        });
    }
}

/// Which matched elements keep their relative order: a longest run of them whose old positions
/// increase (patience sorting, O(n log n)), marked by new position. Hand-written: the crates
/// that find one (`longest-increasing-subsequence`) take a plain slice and give indexes, which
/// would cost a copy of the matches and a second pass anyway.
fn longest_increasing(matches: &[Option<usize>]) -> Vec<bool> {
    // tails[k]: the new position ending the best run of length k + 1 found so far.
    let mut tails: Vec<usize> = Vec::new();
    let mut previous = vec![usize::MAX; matches.len()];
    for (new_idx, old_idx) in matches.iter().enumerate() {
        let Some(old_idx) = *old_idx else { continue };
        let after_all = |&t: &usize| matches[t].is_some_and(|o| o < old_idx);
        // Most elements keep their order and extend the longest run: no search for them.
        let k = match tails.last().is_none_or(after_all) {
            true => tails.len(),
            false => tails.partition_point(after_all),
        };
        if k > 0 {
            previous[new_idx] = tails[k - 1];
        }
        match tails.get_mut(k) {
            Some(tail) => *tail = new_idx,
            None => tails.push(new_idx),
        }
    }
    let mut in_order = vec![false; matches.len()];
    let mut at = tails.last().copied().unwrap_or(usize::MAX);
    while let Some(flag) = in_order.get_mut(at) {
        *flag = true;
        at = previous[at];
    }
    in_order
}

/// Two arrays matched by an identity key: for each new element, the old one with its identity,
/// and for each old element, whether a new one has its identity.
struct Keyed<'a> {
    old: &'a [Value],
    new: &'a [Value],
    matches: Vec<Option<usize>>,
    kept: Vec<bool>,
}

/// The arrays keyed by the first identity key that every element on both sides has, with a
/// string or number value that is unique within each side.
fn keyed<'a>(old: &'a [Value], new: &'a [Value]) -> Option<Keyed<'a>> {
    if old.is_empty() || new.is_empty() {
        return None;
    }
    IDENTITY_KEYS.into_iter().find_map(|key| {
        let (matches, kept) = match_by_key(old, new, key)?;
        Some(Keyed {
            old,
            new,
            matches,
            kept,
        })
    })
}

/// For each new element, the position of the old element with the same value at `key`, and for
/// each old element, whether it was matched; `None` when an element lacks the key or a value is
/// not unique on its side. One map of the old side; the new side's identities are checked for
/// repeats through it (a matched one) or in a set of the unmatched ones.
fn match_by_key(
    old: &[Value],
    new: &[Value],
    key: &str,
) -> Option<(Vec<Option<usize>>, Vec<bool>)> {
    let mut old_by_id = FxHashMap::with_capacity_and_hasher(old.len(), Default::default());
    for (idx, item) in old.iter().enumerate() {
        if old_by_id.insert(id_of(item, key)?, idx).is_some() {
            return None;
        }
    }
    let mut taken = vec![false; old.len()];
    let mut unmatched = FxHashSet::default();
    let mut matches = Vec::with_capacity(new.len());
    for item in new {
        let id = id_of(item, key)?;
        match old_by_id.get(&id) {
            Some(&old_idx) => {
                if std::mem::replace(&mut taken[old_idx], true) {
                    return None;
                }
                matches.push(Some(old_idx));
            }
            None if !unmatched.insert(id) => return None,
            None => matches.push(None),
        }
    }
    Some((matches, taken))
}

/// True when both arrays have the same length and each pair of elements has the same identity.
fn same_identities_in_place(old: &[Value], new: &[Value]) -> bool {
    old.len() == new.len() && old.iter().zip(new).all(|(a, b)| same_identity(a, b))
}

/// True when `b` has the same value as `a` at the first identity key `a` has, or neither is
/// keyed.
fn same_identity(a: &Value, b: &Value) -> bool {
    match IDENTITY_KEYS
        .iter()
        .find_map(|k| field(a, k).map(|id| (*k, id)))
    {
        Some((key, id)) => field(b, key) == Some(id),
        None => !IDENTITY_KEYS.iter().any(|k| field(b, k).is_some()),
    }
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

/// The identity of an array element, hashable without allocating: a string, or a number's text
/// as written; `"7"` and `7` stay distinct. JSON writes an integer one way only (no leading
/// zeros or `+`), so equal integers have equal text, and `-0` stays apart from `0` as before;
/// numbers are not parsed, which cost more than hashing them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Id<'a> {
    Text(&'a str),
    Number(&'a str),
}

fn id_of<'a>(item: &'a Value, key: &str) -> Option<Id<'a>> {
    match field(item, key)? {
        Value::String(text) => Some(Id::Text(text)),
        Value::Number(n) => Some(Id::Number(n.as_str())),
        _ => None,
    }
}

fn added(path: String, value: &Value) -> Difference {
    Difference {
        op: Op::Add,
        path,
        from: None,
        before: None,
        after: Some(value.clone()),
    }
}

fn removed(path: String, value: &Value) -> Difference {
    Difference {
        op: Op::Remove,
        path,
        from: None,
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
