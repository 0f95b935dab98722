//! The period-end table: every aggregate as of one moment, one row per stream, in columns
//! chosen from state paths. It answers *what did every open PO look like at quarter end?*
//!
//! A row is a stream that had events by the moment; its state is the stream's state after its
//! last event at or before it (`Timeline::state_after`, from the nearest snapshot). Columns are
//! blame paths (`core::blame`: JSON Pointers in which an array matched by key is entered by the
//! element's key), by default the scalar fields most streams have. The event that last set a
//! cell is found when asked (`last_set`), with one replay of that stream, so that the table
//! itself costs one state per stream.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::blame::{field_history, value_at};
use crate::csv_out::{comment_line, push_csv_row};
use crate::query::StateQuery;
use crate::time::format_utc;
use crate::timeline::Timeline;

/// How many columns the table shows when none are chosen.
pub const DEFAULT_COLUMNS: usize = 5;

/// Every stream as of a moment.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodTable {
    /// The moment; `None`: after each stream's latest event.
    pub at: Option<DateTime<Utc>>,
    pub columns: Vec<String>,
    pub rows: Vec<TableRow>,
    /// Streams whose first event came after the moment, which have no row.
    pub n_not_yet: usize,
    /// Streams whose state did not match the query (`where=`), which have no row.
    pub n_unmatched: usize,
}

/// One stream as of the moment.
#[derive(Clone, Debug, PartialEq)]
pub struct TableRow {
    pub stream: String,
    /// The position of the stream's last event at or before the moment.
    pub pos: usize,
    pub version: u64,
    /// That event's time; `None` when the source gave it none.
    pub time: Option<DateTime<Utc>>,
    /// The value in each column; `None` where the state has no such field.
    pub cells: Vec<Option<Value>>,
}

/// The columns a text names: state paths separated by commas (`/status, /total`); a name
/// without its leading `/` gets one, and empty names are dropped.
pub fn parse_columns(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| match name.starts_with('/') {
            true => name.to_string(),
            false => format!("/{name}"),
        })
        .collect()
}

/// Every stream's state as of `at` (`None`: its latest), in `columns` (`None`: the scalar
/// fields most states have, `DEFAULT_COLUMNS` of them), and only those whose state matches
/// `query` when there is one. Rows are in the order streams first appear in the log.
pub fn period_table(
    timeline: &Timeline,
    at: Option<DateTime<Utc>>,
    columns: Option<Vec<String>>,
    query: Option<&StateQuery>,
) -> PeriodTable {
    whole_table(timeline, &table_index(timeline, at, query), columns)
}

/// The whole table an index lists, in `columns` (`None`: the fields most of its states have).
pub fn whole_table(
    timeline: &Timeline,
    index: &TableIndex,
    columns: Option<Vec<String>>,
) -> PeriodTable {
    let columns = columns.unwrap_or_else(|| index.common_columns.clone());
    let rows = table_rows(timeline, index, &columns, 0..index.rows.len());
    PeriodTable {
        at: index.at,
        columns,
        rows,
        n_not_yet: index.n_not_yet,
        n_unmatched: index.n_unmatched,
    }
}

/// Which streams the table lists as of a moment, and the event each stands at, without their
/// cells: computed once over every stream, then read a window at a time (`table_rows`), so
/// that a table of millions of streams is never built whole to show sixty rows.
#[derive(Clone, Debug, PartialEq)]
pub struct TableIndex {
    /// The moment; `None`: after each stream's latest event.
    pub at: Option<DateTime<Utc>>,
    /// The columns shown when none are chosen: the scalar fields most listed states have.
    pub common_columns: Vec<String>,
    /// Each listed stream, as its index in `Timeline::stream_facts`, and its position then.
    pub rows: Vec<(usize, usize)>,
    /// Streams whose first event came after the moment, which have no row.
    pub n_not_yet: usize,
    /// Streams whose state did not match the query, which have no row.
    pub n_unmatched: usize,
}

/// The streams the table lists as of `at`, those matching `query` when there is one, with
/// the fields most of their states have. Each state is read once and not kept.
pub fn table_index(
    timeline: &Timeline,
    at: Option<DateTime<Utc>>,
    query: Option<&StateQuery>,
) -> TableIndex {
    let mut scan = TableScan::new(at, query.cloned());
    scan.scan(timeline, usize::MAX);
    scan.finish()
}

/// A `TableIndex` being worked out a number of streams at a time, so that whoever does it can
/// answer other things in between: with millions of streams it takes seconds.
#[derive(Clone, Debug)]
pub struct TableScan {
    at: Option<DateTime<Utc>>,
    query: Option<StateQuery>,
    /// The next stream to read, as its index in `Timeline::stream_facts`.
    next: usize,
    rows: Vec<(usize, usize)>,
    fields: FieldCounts,
    n_not_yet: usize,
    n_unmatched: usize,
}

impl TableScan {
    /// A scan of the streams as of `at` (`None`: each one's latest event), listing those whose
    /// state matches `query`.
    pub fn new(at: Option<DateTime<Utc>>, query: Option<StateQuery>) -> TableScan {
        TableScan {
            at,
            query,
            next: 0,
            rows: Vec::new(),
            fields: FieldCounts::default(),
            n_not_yet: 0,
            n_unmatched: 0,
        }
    }

    /// Reads up to `budget` more streams; true while some remain.
    pub fn scan(&mut self, timeline: &Timeline, budget: usize) -> bool {
        let end = timeline.n_streams().min(self.next.saturating_add(budget));
        for idx in self.next..end {
            self.read_stream(timeline, idx);
        }
        self.next = end;
        self.next < timeline.n_streams()
    }

    /// Lists the stream at `idx` if it had begun by the moment and its state then matches.
    fn read_stream(&mut self, timeline: &Timeline, idx: usize) {
        let Some(stream) = timeline.stream_name(idx) else {
            return;
        };
        let pos = match self.at {
            Some(at) => timeline.position_at_time(stream, at),
            None => timeline.stream_len(stream).checked_sub(1),
        };
        let Some(pos) = pos else {
            self.n_not_yet += 1;
            return;
        };
        let state = timeline.state_after(stream, Some(pos));
        if self.query.as_ref().is_some_and(|q| !q.matches(&state)) {
            self.n_unmatched += 1;
            return;
        }
        self.fields.add(&state);
        self.rows.push((idx, pos));
    }

    /// The streams listed, once every stream is read.
    pub fn finish(self) -> TableIndex {
        TableIndex {
            at: self.at,
            common_columns: self.fields.most(DEFAULT_COLUMNS),
            rows: self.rows,
            n_not_yet: self.n_not_yet,
            n_unmatched: self.n_unmatched,
        }
    }
}

/// The rows of `index` in `range` (clamped to it), each with its value in every column.
pub fn table_rows(
    timeline: &Timeline,
    index: &TableIndex,
    columns: &[String],
    range: std::ops::Range<usize>,
) -> Vec<TableRow> {
    let end = range.end.min(index.rows.len());
    let listed = index
        .rows
        .get(range.start.min(end)..end)
        .unwrap_or_default();
    listed
        .iter()
        .filter_map(|&(idx, pos)| {
            let stream = timeline.stream_name(idx)?;
            let head = timeline.head_at(stream, pos)?;
            let state = timeline.state_after(stream, Some(pos));
            Some(TableRow {
                stream: stream.to_string(),
                pos,
                version: head.version,
                time: head.timed.then_some(head.time),
                cells: columns
                    .iter()
                    .map(|c| value_at(&state, c).cloned())
                    .collect(),
            })
        })
        .collect()
}

/// The top-level fields holding a string, number or boolean in the most states, most common
/// first (ties in the order first met), at most `n`.
pub fn common_fields<'a>(states: impl Iterator<Item = &'a Value>, n: usize) -> Vec<String> {
    let mut fields = FieldCounts::default();
    states.for_each(|state| fields.add(state));
    fields.most(n)
}

/// How many states have each top-level scalar field, in the order fields were first met.
#[derive(Clone, Debug, Default)]
struct FieldCounts {
    counts: Vec<(String, usize)>,
}

impl FieldCounts {
    /// Counts the top-level fields of `state` that hold a string, number or boolean.
    fn add(&mut self, state: &Value) {
        let Some(object) = state.as_object() else {
            return;
        };
        for (key, value) in object {
            if !matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
                continue;
            }
            let path = format!("/{}", crate::diff::escape_token(key));
            match self.counts.iter_mut().find(|(p, _)| *p == path) {
                Some((_, count)) => *count += 1,
                None => self.counts.push((path, 1)),
            }
        }
    }

    /// The `n` fields most states have, most common first; equal counts keep the order first
    /// met (the sort is stable).
    fn most(mut self, n: usize) -> Vec<String> {
        self.counts
            .sort_by_key(|&(_, count)| std::cmp::Reverse(count));
        self.counts
            .into_iter()
            .take(n)
            .map(|(path, _)| path)
            .collect()
    }
}

/// The position of the event that last set `column` in `stream` at or before `pos`: the last
/// change in the field's history up to it. `None` when no event up to `pos` set it.
pub fn last_set(timeline: &Timeline, stream: &str, pos: usize, column: &str) -> Option<usize> {
    field_history(timeline, stream, column)
        .into_iter()
        .take_while(|change| change.pos <= pos)
        .last()
        .map(|change| change.pos)
}

/// The table as CSV: a `#` line that says the moment and the source, a header, one row per
/// stream. A string is written as it is, any other value as JSON, an absent field as nothing.
pub fn table_csv(table: &PeriodTable, source: &str) -> String {
    let moment = match &table.at {
        Some(at) => format!("as of {}", format_utc(at)),
        None => "as of each stream's latest event".to_string(),
    };
    let mut out = comment_line(&format!(
        "Chronoscope period-end table, {moment}, {} streams, source {source}",
        table.rows.len()
    ));
    let mut header = vec!["stream".to_string(), "version".into(), "time_utc".into()];
    header.extend(table.columns.iter().cloned());
    push_csv_row(&mut out, &header);
    for row in &table.rows {
        let mut cells = vec![
            row.stream.clone(),
            row.version.to_string(),
            row.time.as_ref().map(format_utc).unwrap_or_default(),
        ];
        cells.extend(row.cells.iter().map(cell_text));
        push_csv_row(&mut out, &cells);
    }
    out
}

/// A cell as text: a string as it is, another value as JSON, an absent field as nothing.
pub fn cell_text(value: &Option<Value>) -> String {
    match value {
        None => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}
