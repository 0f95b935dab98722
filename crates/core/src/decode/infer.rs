//! Inference: reading a history table that no reader knows, without asking for a mapping.
//!
//! Auditors get exports of whatever history table an application keeps. When no format
//! recognises the first records, their columns are looked at by name and by value, and a
//! mapping (`mapping::Mapping`) is inferred: the aggregate (a table or type column, if there is
//! one, and the object's id, a column whose values repeat across rows), the order (a version),
//! the time (a column whose every value is a time), the author, the type, and what the payload
//! means:
//! - a column of `[old, new]` pairs is a change set (`changes`);
//! - a column of JSON Patch operations is a `patch`;
//! - a before-image beside the changed fields (`row_data` and `changed_fields`, `before` and
//!   `changes`) is read as the before-image with the changes over it, never as the state after;
//! - an after-image (`new_values`, `data`, `after`, …) is the full `state` when each
//!   aggregate's rows carry the same keys, and otherwise a change set merged into the state;
//! - with no payload column, each row is the full state after, less its bookkeeping columns
//!   (the row's own id, transaction and context ids, and the columns read as time, author, …).
//!
//! The mapping is what the person sees and corrects in the mapping editor, and what a deep link
//! keeps (`map=`), so a link reopens the same reading even if inference changes. When no
//! aggregate and no order can be found, nothing is guessed: the result names the keys the
//! first records have and a mapping started from what was found, for the person to finish.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::mapping::{self, DataIs, Mapping, Pointers};
use super::rows::{as_u64, is_dumpdata, key_text};
use super::DecodeOptions;
use crate::time::{from_epoch_millis, parse_db_time};

/// What inference made of the first records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inference {
    /// The records are read with this mapping; `reading` says it in words.
    Mapped { mapping: Mapping, reading: String },
    /// Nothing fits: the keys the first records have, and a mapping started from what could
    /// be found, for the person to finish.
    Unfit {
        keys: Vec<String>,
        why: String,
        start: Mapping,
    },
}

/// Infers how to read records that no format recognises (the first records of a source).
pub fn infer(records: &[Value]) -> Inference {
    let columns = columns_of(records);
    let roles = Roles::find(&columns);
    let payload = Payload::find(&columns, &roles);
    let mut mapping = roles.mapping(&columns, &payload);
    let before_only = matches!(payload, Payload::BeforeOnly { .. });
    match (&roles.id, roles.time.or(roles.version)) {
        (Some(_), Some(_)) if !before_only => Inference::Mapped {
            reading: roles.reading(&columns, &payload),
            mapping,
        },
        _ => {
            if roles.id.is_none() {
                // A start for the person: the first column of scalars, to be corrected.
                let first = columns.iter().find(|c| c.is_scalar());
                mapping.stream =
                    Pointers::One(first.map(|c| c.pointer.clone()).unwrap_or_default());
            }
            let why = match (&roles.id, roles.time.or(roles.version)) {
                _ if before_only => payload.reading(&columns),
                (None, _) => "no column names the object each row is about".into(),
                _ => "no column is a time or a version".into(),
            };
            Inference::Unfit {
                keys: columns.iter().map(|c| c.name.clone()).collect(),
                why,
                start: mapping,
            }
        }
    }
}

/// The type values that end an aggregate, compared without regard to case: the words history
/// tools write for a delete (simple-history writes `-`, the audit trigger `D`).
pub const DELETES: [&str; 8] = [
    "delete",
    "deleted",
    "destroy",
    "destroyed",
    "remove",
    "removed",
    "d",
    "-",
];

/// One column of the records: its name, its JSON Pointer, and its values (neither null nor
/// empty text), one per record that has it.
#[derive(Debug)]
struct Column<'a> {
    name: String,
    pointer: String,
    values: Vec<&'a Value>,
    /// The values again, by record (`None` where a record lacks it).
    by_record: Vec<Option<&'a Value>>,
}

impl Column<'_> {
    fn is(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.name.eq_ignore_ascii_case(n))
    }

    fn every(&self, fits: impl Fn(&Value) -> bool) -> bool {
        !self.values.is_empty() && self.values.iter().all(|v| fits(v))
    }

    fn is_scalar(&self) -> bool {
        self.every(|v| v.is_string() || v.is_number())
    }

    /// True when some value comes back in another row: an object's id, not a row's.
    fn repeats(&self) -> bool {
        let distinct: BTreeSet<String> = self.values.iter().map(|v| key_text(v)).collect();
        distinct.len() < self.values.len()
    }

    /// True when every row has its own value: a row's id.
    fn is_unique(&self) -> bool {
        self.values.len() > 1 && !self.repeats()
    }

    /// True when every value is an object or an array, or text that holds one (JSON or hstore).
    fn is_structured(&self) -> bool {
        self.every(|v| structured(v).is_some())
    }
}

/// The columns of the records, in the order first seen. A record of Django's `dumpdata` gives
/// its `model`, its `pk` and its fields (under `/fields`).
fn columns_of(records: &[Value]) -> Vec<Column<'_>> {
    let mut columns: Vec<Column<'_>> = Vec::new();
    for (at, record) in records.iter().enumerate() {
        for (name, pointer, value) in cells(record) {
            let column = match columns.iter().position(|c| c.pointer == pointer) {
                Some(found) => &mut columns[found],
                None => {
                    columns.push(Column {
                        name,
                        pointer,
                        values: Vec::new(),
                        by_record: vec![None; records.len()],
                    });
                    let last = columns.len() - 1;
                    &mut columns[last]
                }
            };
            if !value.is_null() && value.as_str() != Some("") {
                column.values.push(value);
                column.by_record[at] = Some(value);
            }
        }
    }
    columns
}

/// A record's cells: each name, JSON Pointer and value.
fn cells(record: &Value) -> Vec<(String, String, &Value)> {
    let Some(object) = record.as_object() else {
        return Vec::new();
    };
    let mut cells = Vec::new();
    for (key, value) in object {
        let pointer = format!("/{}", key.replace('~', "~0").replace('/', "~1"));
        match (is_dumpdata(record) && key == "fields", value.as_object()) {
            (true, Some(fields)) => cells.extend(fields.iter().map(|(k, v)| {
                let pointer = format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
                (k.clone(), pointer, v)
            })),
            _ => cells.push((key.clone(), pointer, value)),
        }
    }
    cells
}

/// An object or array, or the one a text holds (JSON, or PostgreSQL's hstore).
pub(super) fn structured(value: &Value) -> Option<Value> {
    match value {
        Value::Object(_) | Value::Array(_) => Some(value.clone()),
        // Read as a mapping reads its data (`mapping::structured`); text that holds neither
        // stays text, which is not a payload.
        Value::String(_) => mapping::structured(value, "")
            .ok()
            .filter(|v| !v.is_string()),
        _ => None,
    }
}

/// True when a value is a time: text in any form databases write, or (for a column named as a
/// time) epoch milliseconds.
fn is_time(value: &Value, by_name: bool) -> bool {
    match value {
        Value::String(text) => parse_db_time(text, DecodeOptions::default().naive_offset).is_ok(),
        Value::Number(_) => by_name && from_epoch_millis(value).is_some(),
        _ => false,
    }
}

/// The names each role is looked for under, in order of preference.
const TIME: &[&str] = &[
    "time",
    "timestamp",
    "occurred_at",
    "recorded_at",
    "created_at",
    "created",
    "changed_at",
    "action_tstamp_tx",
    "action_tstamp",
    "event_time",
    "logged_at",
    "inserted_at",
    "updated_at",
    "modified_at",
    "valid_from",
    "history_date",
    "pgh_created_at",
    "issued_at",
    "date",
    "datetime",
    "ts",
    "at",
    "when",
];
const VERSION: &[&str] = &[
    "version",
    "revision",
    "rev",
    "event_version",
    "aggregate_version",
    "stream_position",
    "position",
    "sequence_number",
    "sequence",
    "seq",
    "seq_no",
    "version_number",
];
const AUTHOR: &[&str] = &[
    "user",
    "username",
    "user_name",
    "user_email",
    "user_id",
    "author",
    "actor",
    "actor_id",
    "changed_by",
    "modified_by",
    "updated_by",
    "created_by",
    "performed_by",
    "who",
    "whodunnit",
    "session_user_name",
    "history_user_id",
    "history_user",
    "causer_id",
    "email",
    "principal",
];
const KIND: &[&str] = &[
    "type",
    "event_type",
    "event",
    "event_name",
    "action",
    "operation",
    "operation_type",
    "op",
    "kind",
    "verb",
    "activity",
    "change_type",
    "message_type",
    "history_type",
];
const TABLE: &[&str] = &[
    "table_name",
    "table",
    "entity",
    "entity_type",
    "entity_name",
    "aggregate_type",
    "stream_type",
    "auditable_type",
    "item_type",
    "object_type",
    "resource_type",
    "subject_type",
    "content_type",
    "model",
    "model_name",
    "category",
];
const ID: &[&str] = &[
    "aggregate_id",
    "stream_id",
    "entity_id",
    "object_id",
    "obj_id",
    "record_id",
    "row_id",
    "item_id",
    "auditable_id",
    "subject_id",
    "document_id",
    "resource_id",
    "target_id",
    "model_id",
    "object_pk",
    "pgh_obj_id",
];
const AFTER: &[&str] = &[
    "new_values",
    "new_data",
    "new",
    "after",
    "new_row",
    "data",
    "payload",
    "state",
    "body",
    "event_data",
    "message_data",
    "snapshot",
    "record",
    "values",
    "attributes",
    "row",
];
const BEFORE: &[&str] = &[
    "row_data",
    "old_values",
    "old_data",
    "old",
    "before",
    "old_row",
];
const CHANGES: &[&str] = &[
    "changed_fields",
    "changes",
    "object_changes",
    "changeset",
    "diff",
    "delta",
    "changed",
];

/// Bookkeeping a history row carries beside the object's columns, left out of a state read
/// from the whole row: ids of transactions and contexts change on every row.
fn is_bookkeeping(column: &Column<'_>) -> bool {
    let name = column.name.to_ascii_lowercase();
    name.contains("transaction") || name.contains("context") || name.starts_with("history_")
}

/// The columns found for each role.
#[derive(Debug, Default)]
struct Roles {
    time: Option<usize>,
    version: Option<usize>,
    author: Option<usize>,
    kind: Option<usize>,
    table: Option<usize>,
    id: Option<usize>,
    correlation: Option<usize>,
    causation: Option<usize>,
}

impl Roles {
    fn find(columns: &[Column<'_>]) -> Roles {
        let mut roles = Roles::default();
        roles.time = named(columns, TIME, &roles.taken(), |c| {
            c.every(|v| is_time(v, true))
        })
        .or_else(|| {
            let time_like = |c: &Column<'_>| {
                let name = c.name.to_ascii_lowercase();
                ["_at", "_time", "_date", "timestamp", "tstamp"]
                    .iter()
                    .any(|end| name.ends_with(end))
            };
            columns
                .iter()
                .position(|c| time_like(c) && c.every(|v| is_time(v, false)))
        });
        roles.version = named(columns, VERSION, &roles.taken(), |c| {
            c.every(|v| as_u64(v).is_some())
        });
        roles.author = named(columns, AUTHOR, &roles.taken(), Column::is_scalar);
        roles.kind = named(columns, KIND, &roles.taken(), |c| {
            c.is_scalar() && !c.every(|v| is_time(v, false))
        });
        roles.table = named(columns, TABLE, &roles.taken(), Column::is_scalar);
        roles.correlation = named(
            columns,
            &["correlation_id"],
            &roles.taken(),
            Column::is_scalar,
        );
        roles.causation = named(
            columns,
            &["causation_id"],
            &roles.taken(),
            Column::is_scalar,
        );
        roles.id = roles.object_id(columns);
        roles
    }

    /// The object's id: a column named as one, or else a column of ids (`…_id`, `id`, `pk`)
    /// whose values repeat across rows, as one object's rows do.
    fn object_id(&self, columns: &[Column<'_>]) -> Option<usize> {
        let taken = self.taken();
        named(columns, ID, &taken, Column::is_scalar).or_else(|| {
            let id_like = |c: &Column<'_>| {
                let name = c.name.to_ascii_lowercase();
                (name.ends_with("_id") || name == "id" || name == "pk")
                    && !is_bookkeeping(c)
                    && !["correlation_id", "causation_id", "event_id"].contains(&name.as_str())
            };
            let candidates = || {
                columns
                    .iter()
                    .enumerate()
                    .filter(|(at, c)| !taken.contains(at) && id_like(c) && c.is_scalar())
            };
            candidates()
                .find(|(_, c)| c.repeats())
                .or_else(|| candidates().find(|(_, c)| c.is(&["id", "pk"])))
                .map(|(at, _)| at)
        })
    }

    fn taken(&self) -> Vec<usize> {
        [
            self.time,
            self.version,
            self.author,
            self.kind,
            self.table,
            self.id,
            self.correlation,
            self.causation,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The stream's columns: the table or type (where there is one) and the object's id.
    fn stream(&self) -> Vec<usize> {
        [self.table, self.id].into_iter().flatten().collect()
    }

    fn mapping(&self, columns: &[Column<'_>], payload: &Payload) -> Mapping {
        let pointer = |at: Option<usize>| at.map(|at| columns[at].pointer.clone());
        let stream: Vec<String> = self
            .stream()
            .into_iter()
            .map(|at| columns[at].pointer.clone())
            .collect();
        let stream = match stream.as_slice() {
            [one] => Pointers::One(one.clone()),
            [] => Pointers::One(String::new()),
            _ => Pointers::Many(stream),
        };
        let mut mapping = Mapping {
            stream,
            kind: pointer(self.kind),
            time: pointer(self.time),
            version: pointer(self.version),
            user: pointer(self.author),
            id: None,
            data: None,
            data_is: DataIs::State,
            changes: None,
            deletes: Vec::new(),
            drop: Vec::new(),
            keep: Vec::new(),
            correlation: pointer(self.correlation),
            causation: pointer(self.causation),
        };
        if self.kind.is_some() {
            mapping.deletes = DELETES.iter().map(|d| d.to_string()).collect();
        }
        match payload {
            Payload::Data { at, is } => {
                mapping.data = pointer(Some(*at));
                mapping.data_is = *is;
            }
            Payload::BeforeAndChanges { before, changes } => {
                mapping.data = pointer(Some(*before));
                mapping.changes = pointer(Some(*changes));
                mapping.data_is = DataIs::Before;
            }
            Payload::WholeRow { dropped } => {
                mapping.drop = dropped.iter().map(|&at| columns[at].name.clone()).collect();
            }
            Payload::BeforeOnly { at } => mapping.data = pointer(Some(*at)),
        }
        mapping
    }

    /// The reading in words: `stream = table_name + object_id, time = created_at, …`.
    fn reading(&self, columns: &[Column<'_>], payload: &Payload) -> String {
        let name = |at: usize| columns[at].name.clone();
        let stream: Vec<String> = self.stream().into_iter().map(name).collect();
        let mut parts = vec![format!("stream = {}", stream.join(" + "))];
        for (role, at) in [
            ("order", self.version),
            ("time", self.time),
            ("author", self.author),
            ("type", self.kind),
        ] {
            if let Some(at) = at {
                parts.push(format!("{role} = {}", name(at)));
            }
        }
        parts.push(payload.reading(columns));
        parts.join(", ")
    }
}

/// The first column with one of these names (in their order) that is not taken and fits.
fn named<'a>(
    columns: &[Column<'a>],
    names: &[&str],
    taken: &[usize],
    fits: impl Fn(&Column<'a>) -> bool,
) -> Option<usize> {
    names.iter().find_map(|name| {
        columns
            .iter()
            .enumerate()
            .find(|(at, c)| !taken.contains(at) && c.is(&[name]) && fits(c))
            .map(|(at, _)| at)
    })
}

/// What a row's payload is.
#[derive(Debug)]
enum Payload {
    /// One column, read as `is` says.
    Data { at: usize, is: DataIs },
    /// The row before the change, with the changed fields over it.
    BeforeAndChanges { before: usize, changes: usize },
    /// The whole row is the state after, less these bookkeeping columns.
    WholeRow { dropped: Vec<usize> },
    /// A before-image and nothing that says what came after: not read, since it would leave
    /// every aggregate one step behind.
    BeforeOnly { at: usize },
}

impl Payload {
    fn find(columns: &[Column<'_>], roles: &Roles) -> Payload {
        let taken = roles.taken();
        let payload = |names: &[&str]| named(columns, names, &taken, Column::is_structured);
        let (after, before, changes) = (payload(AFTER), payload(BEFORE), payload(CHANGES));
        let data = |at: usize| Payload::Data {
            at,
            is: meaning(&columns[at], columns, roles),
        };
        match (after, before, changes) {
            (_, _, Some(at)) if is_pairs(&columns[at]) => Payload::Data {
                at,
                is: DataIs::Changes,
            },
            (Some(at), _, _) => data(at),
            (None, Some(before), Some(changes)) => Payload::BeforeAndChanges { before, changes },
            (None, None, Some(at)) => data(at),
            (None, Some(at), None) => Payload::BeforeOnly { at },
            (None, None, None) => Payload::WholeRow {
                dropped: bookkeeping(columns, roles),
            },
        }
    }

    fn reading(&self, columns: &[Column<'_>]) -> String {
        let name = |at: &usize| columns[*at].name.as_str();
        match self {
            Payload::Data { at, is } => {
                let means = match is {
                    DataIs::State => "the full state after",
                    DataIs::Merge => "the fields changed, merged into the state",
                    DataIs::Changes => "changes as [old, new]",
                    DataIs::Patch => "a JSON Patch",
                    DataIs::Before => "the state before",
                };
                format!("data = {} ({means})", name(at))
            }
            Payload::BeforeAndChanges { before, changes } => format!(
                "data = {} + {} (before-image + changed fields)",
                name(before),
                name(changes)
            ),
            Payload::BeforeOnly { at } => format!(
                "{} is a before-image with nothing after it, which would leave each aggregate one step behind",
                name(at)
            ),
            Payload::WholeRow { dropped } if dropped.is_empty() => {
                "each row is the full state after".into()
            }
            Payload::WholeRow { dropped } => {
                let dropped: Vec<&str> = dropped.iter().map(name).collect();
                format!(
                    "each row is the full state after, without {}",
                    dropped.join(", ")
                )
            }
        }
    }
}

/// True when every value is an object of `[old, new]` pairs.
fn is_pairs(column: &Column<'_>) -> bool {
    column.every(|v| {
        structured(v)
            .as_ref()
            .and_then(Value::as_object)
            .is_some_and(|o| {
                o.values()
                    .all(|p| p.as_array().is_some_and(|a| a.len() == 2))
            })
    })
}

/// What an after-image column means: JSON Patch operations, a full state (each aggregate's
/// rows carry the same keys, and some aggregate has two rows to tell), or a change set.
fn meaning(column: &Column<'_>, columns: &[Column<'_>], roles: &Roles) -> DataIs {
    let is_patch = column.every(|v| {
        structured(v)
            .as_ref()
            .and_then(Value::as_array)
            .is_some_and(|ops| {
                !ops.is_empty()
                    && ops
                        .iter()
                        .all(|op| op.get("op").is_some() && op.get("path").is_some())
            })
    });
    if is_patch {
        return DataIs::Patch;
    }
    let mut keys_by_stream: HashMap<String, Vec<BTreeSet<String>>> = HashMap::new();
    for (at, value) in column.by_record.iter().enumerate() {
        let Some(object) = value.and_then(structured) else {
            continue;
        };
        let Some(object) = object.as_object() else {
            return DataIs::Merge;
        };
        let stream: Vec<String> = roles
            .stream()
            .into_iter()
            .map(|c| columns[c].by_record[at].map(key_text).unwrap_or_default())
            .collect();
        keys_by_stream
            .entry(stream.join(":"))
            .or_default()
            .push(object.keys().cloned().collect());
    }
    let told = keys_by_stream.values().any(|keys| keys.len() > 1);
    let same = keys_by_stream
        .values()
        .all(|keys| keys.windows(2).all(|pair| pair[0] == pair[1]));
    if told && same {
        DataIs::State
    } else {
        DataIs::Merge
    }
}

/// The columns of a whole-row state that are bookkeeping: those read as time, author, type,
/// order, table or correlation, a row's own id, and transaction and context ids.
fn bookkeeping(columns: &[Column<'_>], roles: &Roles) -> Vec<usize> {
    let stream = roles.stream();
    let role = roles.taken();
    columns
        .iter()
        .enumerate()
        .filter(|(at, c)| {
            let is_row_id = {
                let name = c.name.to_ascii_lowercase();
                (name.ends_with("_id") || name == "id" || name == "pk") && c.is_unique()
            };
            !stream.contains(at) && (role.contains(at) || is_bookkeeping(c) || is_row_id)
        })
        .map(|(at, _)| at)
        .collect()
}
