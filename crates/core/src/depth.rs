//! How deep a state may nest: the bound that every change to a state (a patch, a projection's
//! rule) is checked against, so that no recursion over a state can run away.

use serde_json::Value;

/// The deepest a state may nest. States are kept as JSON text and read back without
/// serde_json's 128-level limit, so the bound is only there so that no recursion over a state
/// (writing, reading, comparing, rendering) can run away: patches and projection rules could
/// otherwise nest one deep value inside another, event after event.
pub const MAX_DEPTH: usize = 256;

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
