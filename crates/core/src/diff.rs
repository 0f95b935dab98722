//! Structural diff between two states, as a readable list of changes.
//!
//! Each change has an operation (`add`, `remove`, `replace`, `move`), a JSON Pointer path, and
//! the values before and after. Arrays of objects that carry an identifying key (`id`, `sku`,
//! `lineId`, ...) are matched by that key rather than by position, so inserting a line at the top
//! of a purchase order is one added line, not every line changed, and reordering a few lines is
//! a few moves: the elements that keep their relative order are the longest increasing run of
//! old positions, and every other matched element is a `move`. Both arrays are walked in step,
//! so only the elements met out of place are looked up by identity. Subtrees that are equal on
//! both sides are skipped whole. Between two moments of one stream, `diff_touched` walks only the
//! paths the events between them wrote (`touched::Touched`); the rest is the same on both sides.
//!
//! This is hand-written because no crate fit: `json-patch`'s `diff` and `serde_json_diff` match
//! arrays by position only, and `jsondiffpatch` has no Rust port. Identities out of place are
//! hashed with `rustc-hash`, which is several times faster than the default hasher for short keys.

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
    let path = Path::default();
    // An aggregate that does not exist yet (or any more) is shown as fields added (or removed).
    let (before, after) = match (before, after) {
        (Value::Null, Value::Object(_)) => (&empty, after),
        (Value::Object(_), Value::Null) => (before, &empty),
        _ => (before, after),
    };
    diff_values(before, after, touched, &path, &mut out);
    out
}

/// Where the walk is: a chain of keys and indexes back to the root, one link in each frame of
/// the walk's stack, made into a JSON Pointer only when a change is found there (most of the tree
/// has none). A link costs nothing to make, where pushing onto and popping a vector for each
/// node took a tenth of a diff's time.
#[derive(Default)]
struct Path<'p, 'a> {
    parent: Option<&'p Path<'p, 'a>>,
    segment: Option<Segment<'a>>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> Path<'_, 'a> {
    #[inline]
    fn within(&self, segment: Segment<'a>, f: impl FnOnce(&Path<'_, 'a>)) {
        f(&Path {
            parent: Some(self),
            segment: Some(segment),
        })
    }

    /// The path as an RFC 6901 JSON Pointer, with `segment` appended if given.
    fn pointer(&self, segment: Option<Segment<'_>>) -> String {
        use std::fmt::Write;
        let mut segments: Vec<Segment<'_>> = segment.into_iter().collect();
        let mut at = Some(self);
        while let Some(link) = at {
            segments.extend(link.segment);
            at = link.parent;
        }
        let mut out = String::new();
        for segment in segments.into_iter().rev() {
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
    path: &Path<'_, 'a>,
    out: &mut Vec<Difference>,
) {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => diff_objects(old, new, touched, path, out),
        (Value::Array(old), Value::Array(new)) => diff_arrays(old, new, touched, path, out),
        // Numbers are compared by value: `1250.5` and `1250.50` are the same amount.
        (Value::Number(a), Value::Number(b)) if number::same_value(a.as_str(), b.as_str()) => {}
        (Value::String(a), Value::String(b)) if same_bytes(a.as_bytes(), b.as_bytes()) => {}
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

/// Byte equality, eight bytes at a time. Hand-written because WebAssembly has no instruction
/// that compares memory: `==` on slices ends in compiler-builtins' `memcmp`, which compares one
/// byte at a time there, and long text (notes, descriptions) then took most of the time of a
/// diff between two separately parsed states.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let ((a_words, a_rest), (b_words, b_rest)) = (a.as_chunks::<8>(), b.as_chunks::<8>());
    a.len() == b.len()
        && a_rest.iter().zip(b_rest).all(|(x, y)| x == y)
        && a_words
            .iter()
            .zip(b_words)
            .all(|(x, y)| u64::from_ne_bytes(*x) == u64::from_ne_bytes(*y))
}

fn diff_objects<'a>(
    old: &'a Map<String, Value>,
    new: &'a Map<String, Value>,
    touched: &Touched,
    path: &Path<'_, 'a>,
    out: &mut Vec<Difference>,
) {
    // The same keys in the same order (the usual case between two states of one aggregate):
    // walk both maps side by side, without looking keys up.
    if old.len() == new.len()
        && old
            .keys()
            .zip(new.keys())
            .all(|(a, b)| same_bytes(a.as_bytes(), b.as_bytes()))
    {
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
    path: &Path<'_, 'a>,
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
        _ if diff_in_place(old, new, path, out) => {}
        _ => match keyed(old, new, path) {
            Some(keyed) => diff_keyed_arrays(keyed, path, out),
            None => diff_positional_arrays(old, new, path, out),
        },
    }
}

fn diff_positional_arrays<'a>(
    old: &'a [Value],
    new: &'a [Value],
    path: &Path<'_, 'a>,
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
fn diff_keyed_arrays<'a>(keyed: Keyed<'a>, path: &Path<'_, 'a>, out: &mut Vec<Difference>) {
    let Keyed {
        old,
        new,
        matches,
        kept,
        diffed,
        early,
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
    let mut early = early.into_iter().peekable();
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
        if diffed[new_idx] {
            while let Some((_, change)) = early.next_if(|(idx, _)| *idx == new_idx) {
                out.push(change);
            }
            continue;
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

/// Two arrays matched by identity: for each new element, the old one with its identity, and for
/// each old element, whether a new one has its identity. The pairs met in place are diffed as
/// they are met, while their elements are at hand (`diffed`, by new position), and `early`
/// holds their changes with their new positions, in order.
struct Keyed<'a> {
    old: &'a [Value],
    new: &'a [Value],
    matches: Vec<Option<usize>>,
    kept: Vec<bool>,
    diffed: Vec<bool>,
    early: Vec<(usize, Difference)>,
}

/// The arrays matched by identity: each element by the first identity key it has with a string
/// or number value. Both arrays are walked in step, and elements that keep their identity in
/// place are paired as they are met, without hashing; only an element met out of place waits,
/// in a map by identity, for its other side (an insert at the top pairs the element after it at
/// once, and each moved element waits until its new place is reached). `None`, to be diffed by
/// position, when an element out of place has no identity, or one that another element waiting
/// on its side has.
fn keyed<'a>(old: &'a [Value], new: &'a [Value], path: &Path<'_, 'a>) -> Option<Keyed<'a>> {
    if old.is_empty() || new.is_empty() {
        return None;
    }
    let mut pairs = Pairs::new(old.len(), new.len());
    let (mut i, mut j) = (0, 0);
    while i < old.len() && j < new.len() {
        if same_key_value(&old[i], &new[j]) {
            pairs.pair_in_place((i, &old[i]), (j, &new[j]), path);
            (i, j) = (i + 1, j + 1);
            continue;
        }
        let (old_id, new_id) = (identity(&old[i])?, identity(&new[j])?);
        if let Some(found) = pairs.waiting_old.remove(&new_id) {
            pairs.pair(found, j);
            j += 1;
        } else if let Some(found) = pairs.waiting_new.remove(&old_id) {
            pairs.pair(i, found);
            i += 1;
        } else {
            wait(&mut pairs.waiting_old, old_id, i)?;
            wait(&mut pairs.waiting_new, new_id, j)?;
            (i, j) = (i + 1, j + 1);
        }
    }
    for (idx, item) in old.iter().enumerate().skip(i) {
        let id = identity(item)?;
        match pairs.waiting_new.remove(&id) {
            Some(found) => pairs.pair(idx, found),
            None => wait(&mut pairs.waiting_old, id, idx)?,
        }
    }
    for (idx, item) in new.iter().enumerate().skip(j) {
        let id = identity(item)?;
        match pairs.waiting_old.remove(&id) {
            Some(found) => pairs.pair(found, idx),
            None => wait(&mut pairs.waiting_new, id, idx)?,
        }
    }
    Some(Keyed {
        old,
        new,
        matches: pairs.matches,
        kept: pairs.kept,
        diffed: pairs.diffed,
        early: pairs.early,
    })
}

/// For each new element, the old element with its identity, as found so far; for each old one,
/// whether it has been paired; the changes of the pairs met in place (`Keyed`); and the elements
/// of each side still waiting for their other side.
struct Pairs<'a> {
    matches: Vec<Option<usize>>,
    kept: Vec<bool>,
    diffed: Vec<bool>,
    early: Vec<(usize, Difference)>,
    waiting_old: FxHashMap<KeyedId<'a>, usize>,
    waiting_new: FxHashMap<KeyedId<'a>, usize>,
}

/// An identity and the key it is the value of (its place in `IDENTITY_KEYS`).
type KeyedId<'a> = (usize, Id<'a>);

impl<'a> Pairs<'a> {
    fn new(n_old: usize, n_new: usize) -> Self {
        Pairs {
            matches: vec![None; n_new],
            kept: vec![false; n_old],
            diffed: vec![false; n_new],
            early: Vec::new(),
            waiting_old: FxHashMap::default(),
            waiting_new: FxHashMap::default(),
        }
    }

    fn pair(&mut self, old_idx: usize, new_idx: usize) {
        self.matches[new_idx] = Some(old_idx);
        self.kept[old_idx] = true;
    }

    /// Pairs two elements met in place and diffs them now: walking them later would fetch them
    /// from memory again.
    fn pair_in_place(
        &mut self,
        (old_idx, old_item): (usize, &'a Value),
        (new_idx, new_item): (usize, &'a Value),
        path: &Path<'_, 'a>,
    ) {
        self.pair(old_idx, new_idx);
        self.diffed[new_idx] = true;
        let mut found = Vec::new();
        path.within(Segment::Index(new_idx), |path| {
            diff_values(old_item, new_item, &EVERYTHING, path, &mut found)
        });
        self.early
            .extend(found.into_iter().map(|change| (new_idx, change)));
    }
}

/// Puts an element in a side's waiting elements; `None` when another one waiting on that side
/// has the same identity.
fn wait<'a>(
    waiting: &mut FxHashMap<KeyedId<'a>, usize>,
    id: KeyedId<'a>,
    idx: usize,
) -> Option<()> {
    waiting.insert(id, idx).is_none().then_some(())
}

/// An element's identity: the first identity key it has with a string or number value.
fn identity(item: &Value) -> Option<KeyedId<'_>> {
    IDENTITY_KEYS
        .iter()
        .enumerate()
        .find_map(|(k, key)| Some((k, id_of(item, key)?)))
}

/// True when `b` has the same string or number at the first identity key `a` has one at.
fn same_key_value(a: &Value, b: &Value) -> bool {
    identity(a).is_some_and(|(k, id)| id_of(b, IDENTITY_KEYS[k]) == Some(id))
}

/// Diffs arrays of the same length by position while each pair of elements has the same
/// identity, and says whether every pair had; at the first pair that has not, the changes found
/// so far are taken back out of `out`. One walk: checking every identity first, then diffing,
/// would fetch each element from memory twice, and on large arrays that is most of the time.
fn diff_in_place<'a>(
    old: &'a [Value],
    new: &'a [Value],
    path: &Path<'_, 'a>,
    out: &mut Vec<Difference>,
) -> bool {
    if old.len() != new.len() {
        return false;
    }
    let found_before = out.len();
    for (idx, (old_item, new_item)) in old.iter().zip(new).enumerate() {
        if !same_identity(old_item, new_item) {
            out.truncate(found_before);
            return false;
        }
        path.within(Segment::Index(idx), |path| {
            diff_values(old_item, new_item, &EVERYTHING, path, out)
        });
    }
    true
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
        object
            .iter()
            .find_map(|(k, v)| same_bytes(k.as_bytes(), key.as_bytes()).then_some(v))
    } else {
        object.get(key)
    }
}

/// The identity of an array element, hashable without allocating: a string, or a number's text
/// as written; `"7"` and `7` stay distinct. JSON writes an integer one way only (no leading
/// zeros or `+`), so equal integers have equal text, and `-0` stays apart from `0` as before;
/// numbers are not parsed, which cost more than hashing them.
#[derive(Clone, Copy, Debug, Eq, Hash)]
enum Id<'a> {
    Text(&'a str),
    Number(&'a str),
}

/// The same as the derived equality (the same kind and the same text), compared with
/// `same_bytes`: matching arrays by key compares an identity for every element.
impl PartialEq for Id<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Id::Text(a), Id::Text(b)) | (Id::Number(a), Id::Number(b)) => {
                same_bytes(a.as_bytes(), b.as_bytes())
            }
            _ => false,
        }
    }
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
