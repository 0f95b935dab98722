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

use crate::depth::{exceeds_depth, MAX_DEPTH};
use crate::event::{Change, Event};
pub use crate::problem::ReduceError;
use crate::projection::Projection;

/// The deepest a value read from a record can nest (serde_json's limit).
const RECORD_DEPTH: usize = 128;

/// Applies one event to a state, by the projection's rules where it has rules for the event's
/// type, else by the event's own change. On error the state is unchanged.
pub fn apply_with(
    state: &mut Value,
    event: &Event,
    projection: Option<&Projection>,
) -> Result<(), ReduceError> {
    match projection {
        Some(projection) if projection.has_rules(&event.kind) => projection.apply(state, event),
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

/// True when a patch could leave the state deeper than `MAX_DEPTH`, although the state is
/// within it: a value (at most `RECORD_DEPTH` deep, as read from its record) added at a path
/// that deep, or a copy or move of part of the state. Merges and snapshots never can. Only the
/// path is looked at, so that the check costs nothing on the common patch.
fn may_deepen(patch: &json_patch::Patch) -> bool {
    use json_patch::PatchOperation as Op;
    // A pointer has no more tokens than bytes, so a short one needs no counting.
    let deep = |path: &json_patch::jsonptr::PointerBuf| {
        path.as_str().len() + RECORD_DEPTH > MAX_DEPTH && path.count() + RECORD_DEPTH > MAX_DEPTH
    };
    patch.0.iter().any(|op| match op {
        Op::Add(add) => deep(&add.path),
        Op::Replace(replace) => deep(&replace.path),
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
