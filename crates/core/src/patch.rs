//! JSON Patch (RFC 6902) operations as a record writes them: checked without parsing their
//! values, and made into json-patch's own operations. The canonical decoder, the mapping
//! decoder and an event read back (`event::Change::Patch`) all read patches this way.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// A field that is there, even as `null` (`"data": null` is a merge patch that clears the state,
/// not a missing field, which serde's `Option` would make of it).
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// An RFC 6902 operation as written, borrowed from the record: checked (`is_valid`) without
/// parsing its value, or made into json-patch's operation (`read_patch`). Reading operations
/// this way, rather than through json-patch's own `Deserialize` (an internally tagged enum, which
/// serde buffers field by field), halves the cost of reading a patch.
#[derive(Deserialize)]
pub(crate) struct OpCheck<'a> {
    #[serde(borrow)]
    op: Cow<'a, str>,
    #[serde(borrow)]
    path: Cow<'a, str>,
    #[serde(default, borrow)]
    from: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "present")]
    value: Option<&'a RawValue>,
}

impl OpCheck<'_> {
    /// The rules json-patch applies when it reads an operation: a known `op`, the fields that
    /// op needs, and JSON Pointers that are empty or start with `/`, with `~` escapes only.
    pub fn is_valid(&self) -> bool {
        op_is_valid(
            &self.op,
            &self.path,
            self.from.as_deref(),
            self.value.is_some(),
        )
    }
}

/// `OpCheck::is_valid` for an operation's parts, wherever they were read from.
pub(crate) fn op_is_valid(op: &str, path: &str, from: Option<&str>, has_value: bool) -> bool {
    let pointer = |p: &str| {
        (p.is_empty() || p.starts_with('/'))
            && p.split('~')
                .skip(1)
                .all(|rest| rest.starts_with(['0', '1']))
    };
    pointer(path)
        && match op {
            "add" | "replace" | "test" => has_value,
            "remove" => true,
            "move" | "copy" => from.is_some_and(pointer),
            _ => false,
        }
}

/// Reads a JSON Patch from its text with this module's reader of operations (`OpCheck`,
/// `read_patch`), rather than with json-patch's own `Deserialize`, so as to say which operation
/// is wrong and what it lacks (json-patch's internally tagged enum says only that a variant
/// did not match, not in which operation).
pub fn patch_from_text(text: &str) -> Result<json_patch::Patch, PatchTextError> {
    let ops: Vec<OpCheck<'_>> =
        serde_json::from_str(text).map_err(|err| PatchTextError::Json(err.to_string()))?;
    if let Some(n) = ops.iter().position(|op| !op.is_valid()) {
        return Err(PatchTextError::Operation {
            n: n + 1,
            op: ops[n].op.to_string(),
        });
    }
    read_patch(&ops).ok_or(PatchTextError::Value)
}

/// What is wrong with a JSON Patch's text, and in which operation (counted from 1).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatchTextError {
    /// Not a JSON array of operations; serde_json's message names the line and column.
    #[error("{0}")]
    Json(String),
    #[error("operation {n} is not a valid `{op}` (an `op` of add, remove, replace, move, copy or test; a `path`, and a `from`, that are JSON Pointers; a `value` where the op needs one)")]
    Operation { n: usize, op: String },
    #[error("an operation's value cannot be read")]
    Value,
}

/// `Change::Patch` as the timeline reads it back (`serde(deserialize_with)`): with
/// `patch_from_text`'s reader, so that a patch is read one way wherever it is read.
pub fn deserialize_patch<'de, D>(deserializer: D) -> Result<json_patch::Patch, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let ops = Vec::<OpCheck<'de>>::deserialize(deserializer)?;
    read_patch(&ops).ok_or_else(|| serde::de::Error::custom("not an RFC 6902 JSON Patch"))
}

/// json-patch's patch from operations as written; `None` where json-patch would not accept one.
pub(crate) fn read_patch(ops: &[OpCheck<'_>]) -> Option<json_patch::Patch> {
    use json_patch::jsonptr::PointerBuf;
    use json_patch::{
        AddOperation, CopyOperation, MoveOperation, PatchOperation, RemoveOperation,
        ReplaceOperation, TestOperation,
    };
    let pointer = |text: &str| PointerBuf::parse(text).ok();
    let value = |op: &OpCheck<'_>| serde_json::from_str::<Value>(op.value?.get()).ok();
    let from = |op: &OpCheck<'_>| pointer(op.from.as_deref()?);
    ops.iter()
        .map(|op| {
            let path = pointer(&op.path)?;
            Some(match op.op.as_ref() {
                "add" => PatchOperation::Add(AddOperation {
                    path,
                    value: value(op)?,
                }),
                "remove" => PatchOperation::Remove(RemoveOperation { path }),
                "replace" => PatchOperation::Replace(ReplaceOperation {
                    path,
                    value: value(op)?,
                }),
                "move" => PatchOperation::Move(MoveOperation {
                    from: from(op)?,
                    path,
                }),
                "copy" => PatchOperation::Copy(CopyOperation {
                    from: from(op)?,
                    path,
                }),
                "test" => PatchOperation::Test(TestOperation {
                    path,
                    value: value(op)?,
                }),
                _ => return None,
            })
        })
        .collect::<Option<Vec<_>>>()
        .map(json_patch::Patch)
}
