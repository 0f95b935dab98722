//! Reducing: how one event changes the state of its aggregate.
//!
//! Replay is a pure fold of `apply` over a stream's events, starting from `null`; with a
//! projection, its rules decide for the event types they name (see `projection`). The json-patch
//! crate does the RFC 6902 and RFC 7396 work; this module only chooses which one an event asks
//! for. A patch that fails leaves the state exactly as it was and is reported, so that one bad
//! event never stops the replay.
//!
//! A state never nests deeper than `MAX_DEPTH` levels. Events are read by serde_json, which
//! stops at 128 levels, but patches and projection rules can put one deep value inside another,
//! and a state that no JSON reader can read back (or that recursion would overflow on) must not
//! be built. An event that would make the state deeper is reported and leaves it as it was.

use serde_json::Value;
use thiserror::Error;

use crate::core::event::{Change, Event};
use crate::core::projection::Projection;

/// The deepest a state may nest: what serde_json reads back (128 levels, less a few for the
/// wrappers the timeline keeps events in).
pub const MAX_DEPTH: usize = 120;

/// Why an event could not be applied to the state.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ReduceError {
    /// json-patch's own error: which operation, at which path, and why.
    #[error("json patch operation {operation} at `{path}` failed: {reason}")]
    Patch {
        operation: usize,
        path: String,
        reason: String,
    },
    #[error("{0}")]
    Projection(String),
    #[error("the record cannot be read again: {0}")]
    Record(String),
    #[error("the state would nest more than {max} levels deep", max = MAX_DEPTH)]
    TooDeep,
}

/// Applies one event to a state, by the projection's rules where it has rules for the event's
/// type, else by the event's own change. On error the state is unchanged.
pub fn apply_with(
    state: &mut Value,
    event: &Event,
    projection: Option<&Projection>,
) -> Result<(), ReduceError> {
    match projection {
        Some(projection) if projection.has_rules(&event.kind) => projection
            .apply(state, event)
            .map_err(ReduceError::Projection),
        _ => apply(state, event),
    }
}

/// Applies one event to a state by its own change. On error the state is unchanged.
pub fn apply(state: &mut Value, event: &Event) -> Result<(), ReduceError> {
    apply_change(state, &event.change, &event.data)
}

/// Applies a change (with the event's `data`, which a merge merges) to a state. On error the
/// state is unchanged.
pub fn apply_change(state: &mut Value, change: &Change, data: &Value) -> Result<(), ReduceError> {
    match change {
        Change::Snapshot(snapshot) => {
            *state = snapshot.clone();
            Ok(())
        }
        Change::Patch(patch) => apply_patch(state, patch),
        Change::Merge => {
            json_patch::merge(state, data);
            Ok(())
        }
        Change::Fields(fields) => {
            if !state.is_object() {
                *state = Value::Object(Default::default());
            }
            if let Value::Object(object) = state {
                for (field, value) in fields {
                    object.insert(field.clone(), value.clone());
                }
            }
            Ok(())
        }
        Change::Delete => {
            *state = Value::Null;
            Ok(())
        }
        Change::Keep => Ok(()),
    }
}

/// Applies an RFC 6902 patch atomically: on error the document is unchanged. A patch that may
/// nest the state too deep (a deep value at a deep path, or a copy or move) is checked after.
pub fn apply_patch(state: &mut Value, patch: &json_patch::Patch) -> Result<(), ReduceError> {
    let before = may_deepen(patch).then(|| state.clone());
    json_patch::patch(state, patch).map_err(|err| ReduceError::Patch {
        operation: err.operation,
        path: err.path.to_string(),
        reason: err.kind.to_string(),
    })?;
    match before {
        Some(before) => keep_shallow(state, before),
        None => Ok(()),
    }
}

/// True when a patch could leave the state deeper than `MAX_DEPTH`, although its values and the
/// state are each within it: merges and snapshots never can.
fn may_deepen(patch: &json_patch::Patch) -> bool {
    use json_patch::PatchOperation as Op;
    patch.0.iter().any(|op| match op {
        Op::Add(add) => add.path.count() + depth(&add.value) > MAX_DEPTH,
        Op::Replace(replace) => replace.path.count() + depth(&replace.value) > MAX_DEPTH,
        Op::Copy(_) | Op::Move(_) => true,
        Op::Remove(_) | Op::Test(_) => false,
    })
}

/// Puts the state back as it was `before` if it now nests deeper than `MAX_DEPTH`.
fn keep_shallow(state: &mut Value, before: Value) -> Result<(), ReduceError> {
    if exceeds_depth(state, MAX_DEPTH) {
        *state = before;
        return Err(ReduceError::TooDeep);
    }
    Ok(())
}

/// How many levels of arrays and objects a value nests (a scalar: 0).
pub fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(fields) => 1 + fields.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// True when a value nests more than `max` levels; stops looking as soon as it does, so that a
/// runaway value costs no more than `max` levels of recursion.
pub fn exceeds_depth(value: &Value, max: usize) -> bool {
    match value {
        Value::Array(items) => max == 0 || items.iter().any(|item| exceeds_depth(item, max - 1)),
        Value::Object(fields) => {
            max == 0 || fields.values().any(|field| exceeds_depth(field, max - 1))
        }
        _ => false,
    }
}
