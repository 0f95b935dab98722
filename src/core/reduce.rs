//! Reducing: how one event changes the state of its aggregate.
//!
//! Replay is a pure fold of `apply` over a stream's events, starting from `null`; with a
//! projection, its rules decide for the event types they name (see `projection`). The json-patch
//! crate does the RFC 6902 and RFC 7396 work; this module only chooses which one an event asks
//! for. A patch that fails leaves the state exactly as it was and is reported, so that one bad
//! event never stops the replay.

use serde_json::Value;
use thiserror::Error;

use crate::core::event::{Change, Event};
use crate::core::projection::Projection;

/// Why an event could not be applied to the state.
#[derive(Debug, Error, PartialEq)]
pub enum ReduceError {
    #[error("json patch failed: {0}")]
    Patch(String),
    #[error("{0}")]
    Projection(String),
    #[error("the record cannot be read again: {0}")]
    Record(String),
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

/// Applies an RFC 6902 patch atomically: on error the document is unchanged.
pub fn apply_patch(state: &mut Value, patch: &json_patch::Patch) -> Result<(), ReduceError> {
    json_patch::patch(state, patch).map_err(|err| ReduceError::Patch(err.to_string()))
}
