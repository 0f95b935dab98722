//! Exports: the event list, a state and a diff as files, each saying what it covers.
//!
//! Kafka UIs export only the current page and do not say so; here every file states its scope
//! in its first line ("1,930 events of stream po-1042, filter 'PoLine', as of v57 …"), and the
//! page shows the same words beside the button. The event list exports as CSV (one row per
//! event, its record as stored in the last column) and as JSONL (Chronoscope's own events, which
//! Chronoscope reads back; the first line is the scope, `{"chronoscope_export": …}`, which the
//! reader skips). A state exports as JSON, a diff as JSON and as CSV (path, op, before, after).

use serde_json::{json, Value};

use crate::csv_out::{comment_line, push_csv_row};
use crate::decode::EXPORT_HEADER;
use crate::diff::Difference;
use crate::number::counted;
use crate::time::format_utc;
use crate::timeline::Timeline;

/// What an export covers, in words and as fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub n_events: usize,
    /// The stream, or `None` for the whole log.
    pub stream: Option<String>,
    /// The event-list filter, if one is set.
    pub filter: Option<String>,
    /// The moment, as `v57 (2026-03-04T10:15:00Z)`, if the export is of one.
    pub as_of: Option<String>,
}

impl Scope {
    /// The scope as JSON: its words and its fields.
    pub fn to_value(&self) -> Value {
        json!({
            "scope": self.text(),
            "n_events": self.n_events,
            "stream": self.stream,
            "filter": self.filter,
            "as_of": self.as_of,
        })
    }

    /// "1,930 events of stream po-1042, filter 'PoLine', as of v57 (…)".
    pub fn text(&self) -> String {
        let mut out = counted(self.n_events, "event");
        match &self.stream {
            Some(stream) => out.push_str(&format!(" of stream {stream}")),
            None => out.push_str(" of the whole source"),
        }
        if let Some(filter) = self.filter.as_deref().filter(|f| !f.trim().is_empty()) {
            out.push_str(&format!(", filter '{filter}'"));
        }
        if let Some(as_of) = &self.as_of {
            out.push_str(&format!(", as of {as_of}"));
        }
        out
    }
}

/// The scope of an export at a moment: the stream's events up to the event at `pos`.
pub fn moment_scope(timeline: &Timeline, stream: &str, pos: usize) -> Option<Scope> {
    let head = timeline.head_at(stream, pos)?;
    Some(Scope {
        n_events: pos + 1,
        stream: Some(stream.to_string()),
        filter: None,
        as_of: Some(format!("v{} ({})", head.version, format_utc(&head.time))),
    })
}

/// A file name for an export: `chronoscope-po-1042-v57-state.json`. Characters a file system
/// may refuse become `-`.
pub fn file_name(stream: Option<&str>, version: Option<u64>, what: &str) -> String {
    let mut name = String::from("chronoscope");
    if let Some(stream) = stream {
        name.push('-');
        name.extend(stream.chars().take(60).map(|c| {
            match c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                true => c,
                false => '-',
            }
        }));
    }
    if let Some(version) = version {
        name.push_str(&format!("-v{version}"));
    }
    name.push('-');
    name.push_str(what);
    name
}

/// The events at these log positions as CSV: a `#` line with the scope, a header, one row per
/// event, its record as stored (or its decoded JSON) in the last column.
pub fn events_csv(timeline: &Timeline, positions: &[usize], scope: &Scope) -> String {
    let mut out = comment_line(&scope.text());
    out.push_str("seq,stream,version,time_utc,type,author,id,record\r\n");
    for &log_idx in positions {
        let head = timeline.head(log_idx);
        let time = match head.timed {
            true => format_utc(&head.time),
            false => String::new(),
        };
        let record = match timeline.stored_bytes(log_idx) {
            Some(bytes) => bytes.to_string(),
            None => event_json(timeline, log_idx).to_string(),
        };
        let row = [
            head.seq.to_string(),
            head.stream.to_string(),
            head.version.to_string(),
            time,
            head.kind.to_string(),
            head.user.unwrap_or_default().to_string(),
            head.id.unwrap_or_default().to_string(),
            record,
        ];
        push_csv_row(&mut out, &row);
    }
    out
}

/// The events at these log positions as JSONL of Chronoscope's own events, after a scope line.
pub fn events_jsonl(timeline: &Timeline, positions: &[usize], scope: &Scope) -> String {
    let header = json!({ EXPORT_HEADER: scope.to_value() });
    let mut out = header.to_string();
    out.push('\n');
    for &log_idx in positions {
        out.push_str(&event_json(timeline, log_idx).to_string());
        out.push('\n');
    }
    out
}

/// One event as Chronoscope's own record, in the form its source stored it (upcasting undone,
/// so that a projection reading it back upcasts it once): what its reader reads back.
pub fn event_json(timeline: &Timeline, log_idx: usize) -> Value {
    let event = timeline.event(log_idx);
    let head = timeline.head(log_idx);
    let (data, meta) = event.stored_data_and_meta();
    let mut record = json!({
        "stream": event.stream,
        "version": event.version,
        "type": event.kind,
        "data": data,
    });
    if head.timed {
        record["time"] = json!(format_utc(&event.time));
    }
    if let Some(id) = &event.id {
        record["id"] = json!(id);
    }
    if !meta.is_empty() {
        record["meta"] = Value::Object(meta);
    }
    record
}

/// A state as pretty JSON, with its scope.
pub fn state_json(state: &Value, scope: &Scope) -> String {
    let mut document = scope.to_value();
    document["state"] = state.clone();
    pretty(&document)
}

/// A diff as pretty JSON: the two moments and each change (a move with the pointer it moved
/// `from`).
pub fn diff_json(diffs: &[Difference], from: &str, scope: &Scope) -> String {
    let changes: Vec<Value> = diffs
        .iter()
        .map(|d| {
            let mut change =
                json!({"path": d.path, "op": d.op.as_str(), "before": d.before, "after": d.after});
            if let Some(from) = &d.from {
                change["from"] = json!(from);
            }
            change
        })
        .collect();
    let mut document = scope.to_value();
    document["compared_with"] = json!(from);
    document["changes"] = Value::Array(changes);
    pretty(&document)
}

/// A diff as CSV: path, op, before, after (values as JSON; empty where absent), and where a
/// moved element came from.
pub fn diff_csv(diffs: &[Difference], from: &str, scope: &Scope) -> String {
    let mut out = comment_line(&format!("{}, compared with {from}", scope.text()));
    out.push_str("path,op,before,after,from\r\n");
    for d in diffs {
        let value = |v: &Option<Value>| v.as_ref().map(Value::to_string).unwrap_or_default();
        let row = [
            d.path.clone(),
            d.op.as_str().to_string(),
            value(&d.before),
            value(&d.after),
            d.from.clone().unwrap_or_default(),
        ];
        push_csv_row(&mut out, &row);
    }
    out
}

/// Pretty JSON with a final newline. Writing a `Value` cannot fail.
pub fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
