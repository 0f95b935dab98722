//! Where two states of one stream can differ: the paths the events between them wrote.
//!
//! Every change an event makes names where it writes: a merge its keys (and theirs, as deep as
//! it merges), a JSON Patch its paths, changed fields their names; a snapshot or a deletion
//! writes everything. Between two moments of a stream, nothing outside the union of those
//! paths can differ, so the diff walks only them (`diff::diff_touched`) and skips the rest of
//! the states, however large. Operations that add, remove or move an element mark its parent's
//! members as changed, since they shift an array's indexes.
//!
//! A node keeps its members in a short list ordered by token rather than a map, so that the walk
//! meets array indexes in order without sorting them; past `MAX_MEMBERS` written members, the
//! node is walked whole instead.

use serde_json::{Map, Value};

use crate::event::Change;

/// A tree of the paths written, by JSON Pointer token.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Touched {
    /// Everything below here may differ.
    pub whole: bool,
    /// Members were added, removed or moved here (an array's indexes may have shifted).
    pub members_changed: bool,
    /// The members written, by token, each once, shortest token first and then in text order:
    /// array indexes (`2` before `10`) are then in order without sorting.
    pub children: Vec<(String, Touched)>,
}

/// Everything may differ, below any member.
pub static EVERYTHING: Touched = Touched {
    whole: true,
    members_changed: false,
    children: Vec::new(),
};

/// A node with more written members than this is walked whole: keeping the list in order as it
/// grows, and searching it for each member walked, would cost more than the walk saves.
pub const MAX_MEMBERS: usize = 64;

impl Touched {
    /// Everything may differ.
    pub fn everything() -> Self {
        EVERYTHING.clone()
    }

    /// Adds where `change` writes; `data` is what a merge merges.
    pub fn add_change(&mut self, change: &Change, data: &Value) {
        match change {
            Change::Merge => self.add_merge(data),
            Change::Fields(fields) => self.add_fields(fields),
            Change::Patch(patch) => self.add_patch(patch),
            Change::Snapshot(_) | Change::Delete => self.whole = true,
            Change::Keep => {}
        }
    }

    /// RFC 7396: an object merges member by member; any other value replaces.
    fn add_merge(&mut self, data: &Value) {
        match data {
            Value::Object(members) => {
                for (key, value) in members {
                    if self.whole {
                        return;
                    }
                    self.child_mut(key).add_merge(value);
                }
            }
            _ => self.whole = true,
        }
    }

    fn add_fields(&mut self, fields: &Map<String, Value>) {
        for key in fields.keys() {
            if self.whole {
                return;
            }
            self.child_mut(key).whole = true;
        }
    }

    fn add_patch(&mut self, patch: &json_patch::Patch) {
        use json_patch::PatchOperation as Op;
        for op in &patch.0 {
            match op {
                Op::Replace(op) => self.add_pointer(op.path.as_str(), false),
                Op::Add(op) => self.add_pointer(op.path.as_str(), true),
                Op::Remove(op) => self.add_pointer(op.path.as_str(), true),
                Op::Copy(op) => self.add_pointer(op.path.as_str(), true),
                Op::Move(op) => {
                    self.add_pointer(op.from.as_str(), true);
                    self.add_pointer(op.path.as_str(), true);
                }
                Op::Test(_) => {}
            }
        }
    }

    /// Marks the value at `pointer` as written, and its parent's members as changed when the
    /// operation `shifts` them.
    fn add_pointer(&mut self, pointer: &str, shifts: bool) {
        let mut node = self;
        let mut tokens = pointer.split('/').skip(1).peekable();
        while let Some(raw) = tokens.next() {
            if node.whole {
                return;
            }
            if tokens.peek().is_none() && shifts {
                node.members_changed = true;
            }
            node = node.child_mut(&super::unescape_token(raw));
        }
        node.whole = true;
    }

    /// The member written at `token`, added if new. Past `MAX_MEMBERS` the node becomes whole,
    /// and its callers stop adding to it.
    fn child_mut(&mut self, token: &str) -> &mut Touched {
        let at = self.find(token).unwrap_or_else(|at| {
            self.whole |= self.children.len() >= MAX_MEMBERS;
            self.children
                .insert(at, (token.to_string(), Touched::default()));
            at
        });
        &mut self.children[at].1
    }

    /// The member written at `token`, if any.
    pub fn child(&self, token: &str) -> Option<&Touched> {
        let at = self.find(token).ok()?;
        Some(&self.children[at].1)
    }

    /// Where the member at `token` is among the members, or where it would go.
    fn find(&self, token: &str) -> Result<usize, usize> {
        self.children
            .binary_search_by(|(t, _)| token_order(t).cmp(&token_order(token)))
    }

    /// Where the member at `token` may differ: everywhere below a whole node, else where it
    /// was written; `None` where it was not.
    pub fn below(&self, token: &str) -> Option<&Touched> {
        match self.whole {
            true => Some(&EVERYTHING),
            false => self.child(token),
        }
    }

    /// The touched elements of an array that had `n_old` elements and has `n_new`, in order,
    /// when they can be diffed in place: none was added, removed or moved, and every token is
    /// an index. `None`: diff the array whole.
    pub fn indexes(&self, n_old: usize, n_new: usize) -> Option<Vec<(usize, &Touched)>> {
        if self.whole || self.members_changed || n_old != n_new {
            return None;
        }
        let mut idxs = self
            .children
            .iter()
            .map(|(token, child)| Some((index_token(token)?, child)))
            .collect::<Option<Vec<_>>>()?;
        idxs.retain(|(idx, _)| *idx < n_old);
        Some(idxs)
    }
}

/// The order members are kept in: by length, then as text.
fn token_order(token: &str) -> (usize, &str) {
    (token.len(), token)
}

/// An RFC 6901 array index: `0`, or digits without a leading zero.
fn index_token(token: &str) -> Option<usize> {
    let digits = token.bytes().all(|b| b.is_ascii_digit());
    (digits && (token == "0" || !token.starts_with('0'))).then(|| token.parse().ok())?
}
