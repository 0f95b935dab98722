//! Field history ("blame"): every event that changed one field of an aggregate, with the value
//! before and after, so that an auditor can answer *who set this field, when, and from what?*
//!
//! A field is named by a **blame path**: a JSON Pointer in which a token that meets an array of
//! objects matched by key (as the diff matches them, `core::diff::array_key`) names an element
//! by its key's value, not its position: `/lines/L2/qty` is the `qty` of the line whose `lineId`
//! is `L2`, wherever that line is in the array at each moment. Elsewhere a token into an array is
//! an index. A click in the state tree gives a positional pointer, which `blame_path` turns into
//! a blame path at the moment clicked.
//!
//! The history is one replay of the stream from its start (`Timeline::replay_stream`), reading
//! the field after each event and keeping the events that changed it.

use serde_json::Value;

use crate::diff::{array_key, element_id, escape_token, unescape_token};
use crate::timeline::Timeline;

/// One event that changed the field: its position in the stream, and the field's value before
/// and after it (`None`: absent).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    pub pos: usize,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Every event of `stream` that changed the field at the blame path `path`, in order.
pub fn field_history(timeline: &Timeline, stream: &str, path: &str) -> Vec<FieldChange> {
    let tokens = tokens_of(path);
    let mut changes = Vec::new();
    let mut last: Option<Value> = None;
    timeline.replay_stream(stream, |pos, state| {
        let now = value_at_tokens(state, &tokens);
        if now != last.as_ref() {
            let after = now.cloned();
            changes.push(FieldChange {
                pos,
                before: last.take(),
                after: after.clone(),
            });
            last = after;
        }
    });
    changes
}

/// The value at a blame path in a state, if the state has it.
pub fn value_at<'a>(state: &'a Value, path: &str) -> Option<&'a Value> {
    value_at_tokens(state, &tokens_of(path))
}

/// The blame path of a positional JSON Pointer in `state`: array elements matched by key are
/// named by their key's value (`/lines/1/qty` → `/lines/L2/qty`).
pub fn blame_path(state: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut at = Some(state);
    for token in tokens_of(pointer) {
        let (named, next) = match at {
            Some(Value::Array(items)) => {
                let item = token.parse::<usize>().ok().and_then(|i| items.get(i));
                let id = item
                    .zip(array_key(items))
                    .and_then(|(item, key)| element_id(item, key));
                (id.unwrap_or(token), item)
            }
            Some(Value::Object(object)) => {
                let next = object.get(&token);
                (token, next)
            }
            _ => (token, None),
        };
        out.push('/');
        out.push_str(&escape_token(&named));
        at = next;
    }
    out
}

/// The tokens of a pointer, unescaped.
fn tokens_of(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(unescape_token).collect()
}

fn value_at_tokens<'a>(state: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    tokens.iter().try_fold(state, |at, token| match at {
        Value::Object(object) => object.get(token),
        Value::Array(items) => element_named(items, token),
        _ => None,
    })
}

/// The element of an array a blame-path token names: by its key's value where the array is
/// matched by key, else by its index.
fn element_named<'a>(items: &'a [Value], token: &str) -> Option<&'a Value> {
    match array_key(items) {
        Some(key) => items
            .iter()
            .find(|item| element_id(item, key).as_deref() == Some(token)),
        None => token.parse::<usize>().ok().and_then(|i| items.get(i)),
    }
}
