//! Projections and upcasters: declarative rules for turning domain events into state.
//!
//! Domain events rarely merge cleanly into state: `PoLineAdded {line}` must *append* a line, and
//! `PoLineRemoved {lineId}` must remove one. A **projection** document lists, per event type,
//! rules that say how the event changes the aggregate: an operation (`set`, `merge`, `append`,
//! `prepend`, `remove_by_key`, `increment`, `delete`), a target `path` in the state (a JSON
//! Pointer), and a value taken from the event by a JSON Pointer (`value`, into
//! `{stream, type, time, version, id, data, meta}`) or given as a `literal`. With `key` and
//! `match`, `set`, `merge` and `increment` aim at the element of the array at `path` whose `key`
//! field equals the matched value. Event types without rules change the state as they would
//! without a projection.
//!
//! **Upcasters**, in the same document, bring old event shapes up to date before replay: for an
//! event type whose schema version (at `version_at`, `/meta/schema_version` by default; 1 when
//! absent) is below `up_to`, they `rename`/`move` a field of `data` or give it a `default`. The
//! event keeps its stored form beside the upcast one, so both can be shown.
//!
//! ```json
//! {"upcasters": [{"type": "PoLineAdded", "up_to": 2,
//!                 "steps": [{"rename": "/line/quantity", "to": "/line/qty"}]}],
//!  "rules": {"PoLineAdded": [{"op": "append", "path": "/lines", "value": "/data/line"}],
//!            "PoLineRemoved": [{"op": "remove_by_key", "path": "/lines", "key": "lineId",
//!                               "match": "/data/lineId"}]}}
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::depth::{exceeds_depth, MAX_DEPTH};
use crate::event::Event;
use crate::number::Decimal;
use crate::problem::ReduceError;
use crate::time::format_utc;

/// A projection document: rules per event type, and upcasters.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    #[serde(default)]
    pub rules: BTreeMap<String, Vec<Rule>>,
    #[serde(default)]
    pub upcasters: Vec<Upcaster>,
    /// The hash chain the store's records carry, if any (`integrity::chain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainRule>,
    /// Where events carry their correlation and causation ids, for the trail (`core::trail`);
    /// absent: the defaults for the source's format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail: Option<TrailPointers>,
}

/// A hash chain described in a projection file, which `integrity::chain` checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainRule {
    /// A JSON Pointer to the event's own hash in its record (hex).
    pub hash: String,
    /// A JSON Pointer to the previous event's hash in its record (hex).
    pub previous: String,
    /// The hash function: `sha256` (the default), the only one known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// What is hashed, one of two: the bytes of the value at this pointer, exactly as stored
    /// (`""`: the whole record)…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_bytes: Option<String>,
    /// …or these values, joined by `|`: a string's text (unescaped), any other value as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_fields: Option<Vec<String>>,
    /// True when each stream has its own chain; false: one chain through the log, in its order.
    #[serde(default)]
    pub per_stream: bool,
}

/// Where an event's correlation and causation ids are: JSON Pointers into the event
/// (`/meta/...` or `/data/...`), the first present one wins; `trail` follows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrailPointers {
    pub correlation: Vec<String>,
    #[serde(default)]
    pub causation: Vec<String>,
}

/// One rule: an operation on a path of the state, with a value from the event or a literal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub op: RuleOp,
    #[serde(default)]
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, rename = "match", skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOp {
    Set,
    Merge,
    Append,
    Prepend,
    RemoveByKey,
    Increment,
    Delete,
}

/// Brings events of one type below schema version `up_to` to that version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upcaster {
    #[serde(rename = "type")]
    pub kind: String,
    pub up_to: u64,
    #[serde(default = "default_version_at")]
    pub version_at: String,
    pub steps: Vec<Step>,
}

/// One upcasting step on the event's `data`. Read through `StepFields` rather than as a plain
/// untagged enum, so that a step of no known shape is refused with the shapes a step may take
/// (an untagged enum says only that no variant matched).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, try_from = "StepFields")]
pub enum Step {
    Rename {
        rename: String,
        to: String,
    },
    Move {
        #[serde(rename = "move")]
        from: String,
        to: String,
    },
    Default {
        default: String,
        value: Value,
    },
}

/// A step as written: exactly one of `rename` (with `to`), `move` (with `to`), or `default`
/// (with `value`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFields {
    rename: Option<String>,
    #[serde(rename = "move")]
    from: Option<String>,
    to: Option<String>,
    default: Option<String>,
    #[serde(default, deserialize_with = "present_value")]
    value: Option<Value>,
}

/// A `value` that is there, even `null`.
fn present_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

impl TryFrom<StepFields> for Step {
    type Error = &'static str;

    fn try_from(fields: StepFields) -> Result<Step, Self::Error> {
        match fields {
            StepFields {
                rename: Some(rename),
                to: Some(to),
                from: None,
                default: None,
                value: None,
            } => Ok(Step::Rename { rename, to }),
            StepFields {
                from: Some(from),
                to: Some(to),
                rename: None,
                default: None,
                value: None,
            } => Ok(Step::Move { from, to }),
            StepFields {
                default: Some(default),
                value: Some(value),
                rename: None,
                from: None,
                to: None,
            } => Ok(Step::Default { default, value }),
            _ => Err(
                "a step is {\"rename\", \"to\"}, {\"move\", \"to\"} or {\"default\", \"value\"}",
            ),
        }
    }
}

fn default_version_at() -> String {
    "/meta/schema_version".into()
}

/// What is wrong with a projection document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProjectionError {
    /// Not JSON, or not a projection's fields; serde_json's message names the line and column.
    #[error("the projection is not valid: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// Rule `n` (from 1) of an event type cannot be used.
    #[error("rule {n} of {kind}: {message}")]
    Rule {
        kind: String,
        n: usize,
        message: String,
    },
    #[error("the chain's algorithm `{algorithm}` is not sha256")]
    ChainAlgorithm { algorithm: String },
    #[error("the chain needs one of `over_bytes` and `over_fields`")]
    ChainOver,
    #[error("trail pointer `{pointer}` must start with /meta/ or /data/")]
    TrailPointer { pointer: String },
    #[error("the trail needs at least one correlation pointer")]
    TrailWithoutCorrelation,
}

impl Projection {
    /// Reads a projection document, naming what is wrong with it.
    pub fn parse(text: &str) -> Result<Projection, ProjectionError> {
        let projection: Projection =
            serde_json::from_str(text).map_err(|err| ProjectionError::Json {
                line: err.line(),
                column: err.column(),
                message: err.to_string(),
            })?;
        if let Some(chain) = &projection.chain {
            chain.check()?;
        }
        if let Some(trail) = &projection.trail {
            trail.check()?;
        }
        for (kind, rules) in &projection.rules {
            for (idx, rule) in rules.iter().enumerate() {
                rule.check().map_err(|message| ProjectionError::Rule {
                    kind: kind.clone(),
                    n: idx + 1,
                    message,
                })?;
            }
        }
        Ok(projection)
    }

    /// True when the projection has rules for this event type.
    pub fn has_rules(&self, kind: &str) -> bool {
        self.rules.contains_key(kind)
    }

    /// Applies the event type's rules to the state. On error the state is unchanged, and the
    /// error names the rule.
    pub fn apply(&self, state: &mut Value, event: &Event) -> Result<(), ReduceError> {
        let Some(rules) = self.rules.get(&event.kind) else {
            return Ok(());
        };
        let view = event_view(event);
        let mut next = state.clone();
        for (idx, rule) in rules.iter().enumerate() {
            rule.apply(&mut next, &view)
                .map_err(|message| ReduceError::Projection {
                    kind: event.kind.clone(),
                    n: idx + 1,
                    message,
                })?;
        }
        // Rules can put any value at any depth; a state too deep to read back is refused.
        if exceeds_depth(&next, MAX_DEPTH) {
            return Err(ReduceError::RulesTooDeep {
                kind: event.kind.clone(),
            });
        }
        *state = next;
        Ok(())
    }

    /// What the projection's rules do with events of this type, in words (`appends /data/line
    /// to /lines`), or `None` when it has no rules for the type.
    pub fn describe(&self, kind: &str) -> Option<String> {
        let rules = self.rules.get(kind)?;
        Some(
            rules
                .iter()
                .map(Rule::describe)
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    /// True when the projection has upcasters.
    pub fn has_upcasters(&self) -> bool {
        !self.upcasters.is_empty()
    }

    /// Upcasts an event in place, keeping its stored `data` if it changed. Returns the problems,
    /// each naming the upcaster.
    pub fn upcast(&self, event: &mut Event) -> Vec<String> {
        let mut upcasters: Vec<&Upcaster> = self
            .upcasters
            .iter()
            .filter(|u| u.kind == event.kind)
            .collect();
        upcasters.sort_by_key(|u| u.up_to);
        upcasters
            .into_iter()
            .filter_map(|upcaster| {
                upcaster.apply(event).err().map(|err| {
                    format!(
                        "upcaster of {} to v{}: {err}",
                        upcaster.kind, upcaster.up_to
                    )
                })
            })
            .collect()
    }
}

impl Rule {
    /// The rule in words: `sets /status to /data/status`.
    fn describe(&self) -> String {
        let from = match (&self.value, &self.literal) {
            (Some(pointer), _) => pointer.clone(),
            (None, Some(literal)) => literal.to_string(),
            (None, None) => String::new(),
        };
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        let element = |verb: &str| match (&self.key, &self.matches) {
            (Some(key), Some(matched)) => {
                format!("{verb} the element of {path} whose {key} is {matched}")
            }
            _ => format!("{verb} {path}"),
        };
        match self.op {
            RuleOp::Set => format!("{} to {from}", element("sets")),
            RuleOp::Merge => format!("merges {from} into {}", element("").trim_start()),
            RuleOp::Append => format!("appends {from} to {path}"),
            RuleOp::Prepend => format!("prepends {from} to {path}"),
            RuleOp::RemoveByKey => element("removes"),
            RuleOp::Increment if from.is_empty() => format!("{} by 1", element("increments")),
            RuleOp::Increment => format!("{} by {from}", element("increments")),
            RuleOp::Delete => format!("deletes {path}"),
        }
    }

    fn check(&self) -> Result<(), String> {
        let needs_value = !matches!(
            self.op,
            RuleOp::Delete | RuleOp::RemoveByKey | RuleOp::Increment
        );
        if needs_value && self.value.is_none() && self.literal.is_none() {
            return Err("needs a `value` pointer or a `literal`".into());
        }
        if self.op == RuleOp::RemoveByKey
            && (self.key.is_none() || self.matches.is_none() && self.literal.is_none())
        {
            return Err(
                "`remove_by_key` needs a `key` and a `match` pointer (or a `literal`)".into(),
            );
        }
        for pointer in [Some(&self.path), self.value.as_ref(), self.matches.as_ref()]
            .into_iter()
            .flatten()
        {
            if !pointer.is_empty() && !pointer.starts_with('/') {
                return Err(format!("`{pointer}` is not a JSON Pointer"));
            }
        }
        Ok(())
    }

    /// The rule's value: from the event at `value`, else the `literal`, else 1 (for `increment`).
    fn value_from(&self, event: &Value) -> Result<Value, String> {
        if self.value.is_none() && self.literal.is_none() {
            return Ok(json!(1));
        }
        pick(event, self.value.as_deref(), &self.literal)
    }

    /// The key an element must have: from the event at `match`, else the `literal`.
    fn key_value(&self, event: &Value) -> Result<Value, String> {
        pick(event, self.matches.as_deref(), &self.literal)
    }

    fn apply(&self, state: &mut Value, event: &Value) -> Result<(), String> {
        if self.op == RuleOp::Delete {
            *state = Value::Null;
            return Ok(());
        }
        if !state.is_object() && !self.path.is_empty() {
            *state = Value::Object(Map::new());
        }
        let target = slot(state, &self.path)?;
        let target = match (&self.key, self.op) {
            (Some(key), RuleOp::Set | RuleOp::Merge | RuleOp::Increment) => {
                let wanted = self.key_value(event)?;
                let items = target
                    .as_array_mut()
                    .ok_or_else(|| format!("`{}` is not an array", self.path))?;
                items
                    .iter_mut()
                    .find(|item| item.get(key) == Some(&wanted))
                    .ok_or_else(|| format!("no element of `{}` has {key} = {wanted}", self.path))?
            }
            _ => target,
        };
        match self.op {
            RuleOp::Set => *target = self.value_from(event)?,
            RuleOp::Merge => json_patch::merge(target, &self.value_from(event)?),
            RuleOp::Append | RuleOp::Prepend => {
                let value = self.value_from(event)?;
                if target.is_null() {
                    *target = json!([]);
                }
                let items = target
                    .as_array_mut()
                    .ok_or_else(|| format!("`{}` is not an array", self.path))?;
                if self.op == RuleOp::Append {
                    items.push(value);
                } else {
                    items.insert(0, value);
                }
            }
            RuleOp::RemoveByKey => {
                let key = self.key.as_deref().unwrap_or("id");
                let wanted = self.key_value(event)?;
                let items = target
                    .as_array_mut()
                    .ok_or_else(|| format!("`{}` is not an array", self.path))?;
                let before = items.len();
                items.retain(|item| item.get(key) != Some(&wanted));
                if items.len() == before {
                    return Err(format!(
                        "no element of `{}` has {key} = {wanted}",
                        self.path
                    ));
                }
            }
            RuleOp::Increment => {
                let by = self.value_from(event)?;
                let current = if target.is_null() {
                    json!(0)
                } else {
                    target.clone()
                };
                *target = exact_sum(&current, &by)
                    .ok_or_else(|| format!("cannot add {by} to {current}"))?;
            }
            RuleOp::Delete => unreachable!("handled above"),
        }
        Ok(())
    }
}

/// `a + b` for two numbers, exact on their decimal digits (`core::number`): amounts keep their
/// cents and large integers do not wrap.
fn exact_sum(a: &Value, b: &Value) -> Option<Value> {
    let (Value::Number(a), Value::Number(b)) = (a, b) else {
        return None;
    };
    let sum = Decimal::parse(a.as_str())?.add(&Decimal::parse(b.as_str())?)?;
    sum.to_string().parse().ok().map(Value::Number)
}

impl Upcaster {
    fn apply(&self, event: &mut Event) -> Result<(), String> {
        let view = event_view(event);
        let schema = view
            .pointer(&self.version_at)
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(1);
        if schema >= self.up_to {
            return Ok(());
        }
        let mut data = event.data.clone();
        for step in &self.steps {
            match step {
                Step::Rename { rename: from, to } | Step::Move { from, to } => {
                    let value = take(&mut data, from)?;
                    *slot(&mut data, to)? = value;
                }
                Step::Default { default, value } => {
                    let target = slot(&mut data, default)?;
                    if target.is_null() {
                        *target = value.clone();
                    }
                }
            }
        }
        if exceeds_depth(&data, MAX_DEPTH) {
            return Err(format!(
                "the upcast data would nest more than {MAX_DEPTH} levels deep"
            ));
        }
        if event.stored.is_none() {
            event.stored = Some(event.data.clone());
        }
        event.data = data;
        event.meta.insert("upcast_to".into(), json!(self.up_to));
        Ok(())
    }
}

/// A value from the event at a pointer, else a literal.
fn pick(event: &Value, pointer: Option<&str>, literal: &Option<Value>) -> Result<Value, String> {
    match (pointer, literal) {
        (Some(pointer), _) => event
            .pointer(pointer)
            .cloned()
            .ok_or_else(|| format!("the event has nothing at `{pointer}`")),
        (None, Some(literal)) => Ok(literal.clone()),
        (None, None) => Err("no `match` or `literal`".into()),
    }
}

/// The event as rules see it: `{stream, type, time, version, id, data, meta}`.
fn event_view(event: &Event) -> Value {
    json!({
        "stream": event.stream,
        "type": event.kind,
        "time": format_utc(&event.time),
        "version": event.version,
        "id": event.id,
        "data": event.data,
        "meta": event.meta,
    })
}

/// The value at a JSON Pointer, created (as objects) where it does not exist yet.
fn slot<'a>(root: &'a mut Value, pointer: &str) -> Result<&'a mut Value, String> {
    if pointer.is_empty() {
        return Ok(root);
    }
    let mut current = root;
    for token in pointer.trim_start_matches('/').split('/') {
        let token = token.replace("~1", "/").replace("~0", "~");
        current = match current {
            Value::Object(map) => map.entry(token).or_insert(Value::Null),
            Value::Array(items) => {
                let idx: usize = token
                    .parse()
                    .map_err(|_| format!("`{token}` is not an index into an array"))?;
                items
                    .get_mut(idx)
                    .ok_or_else(|| format!("index {idx} is past the end of the array"))?
            }
            Value::Null => {
                *current = Value::Object(Map::new());
                current
                    .as_object_mut()
                    .expect("just made an object")
                    .entry(token)
                    .or_insert(Value::Null)
            }
            other => return Err(format!("cannot go into {other} at `{pointer}`")),
        };
    }
    Ok(current)
}

/// Removes and returns the value at a JSON Pointer.
fn take(root: &mut Value, pointer: &str) -> Result<Value, String> {
    let (parent, last) = pointer
        .rsplit_once('/')
        .ok_or_else(|| format!("`{pointer}` is not a JSON Pointer"))?;
    let last = last.replace("~1", "/").replace("~0", "~");
    let parent = if parent.is_empty() {
        Some(root)
    } else {
        root.pointer_mut(parent)
    };
    parent
        .and_then(Value::as_object_mut)
        .and_then(|object| object.remove(&last))
        .ok_or_else(|| format!("the event's data has nothing at `{pointer}`"))
}
