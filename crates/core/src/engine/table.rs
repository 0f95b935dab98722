//! The engine's period-end table (`table`, the deep link's `view=table` and `where=`): which
//! streams it lists is worked out once over every stream and kept (`TableCache`), and each
//! answer is the window of rows the panel shows, with their cells. With millions of streams,
//! scrolling the table or choosing other columns reads only the rows in view, and its CSV
//! (`table_export`) is written from the same kept streams.
//!
//! Working a table out over every stream takes seconds with millions of them (2.7 s for
//! 2,000,000 in the worker), so a worker does it in slices (`TableCache::scan`), answering other
//! requests in between, while the table's own requests wait; a table asked for after it
//! replaces it, and the requests for the one replaced are refused as superseded.

use chrono::{DateTime, Utc};
use chronoscope_protocol as wire;
use chronoscope_protocol::Refusal;

use crate::link::ViewState;
use crate::query::{parse_state_query, StateQuery};
use crate::table::{parse_columns, table_csv, table_rows, whole_table};
use crate::table::{TableIndex, TableRow, TableScan};
use crate::time::parse_instant;
use crate::timeline::Timeline;

use super::Source;

/// The last table's streams, kept while the source, the moment and the query stay the same,
/// and the table being worked out in slices, if one is.
#[derive(Debug, Default)]
pub struct TableCache {
    last: Option<(TableKey, TableIndex)>,
    scanning: Option<(TableKey, TableScan)>,
}

/// What a table's streams depend on: the source (its generation), the moment and the query,
/// both as read. The columns do not: they are read for the rows in view.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct TableKey {
    generation: u64,
    at: Option<DateTime<Utc>>,
    query: Option<String>,
}

/// A table request's moment and query, read.
pub(super) struct TableRead {
    key: TableKey,
    query: Option<StateQuery>,
}

/// Where the table a request asks for stands.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Progress {
    Ready,
    /// Being worked out in slices.
    Scanning,
    /// Neither: another table replaced it.
    Replaced,
}

/// What `Request::Table` asks, as sent.
pub(super) struct TableAsked<'a> {
    pub at: Option<&'a str>,
    pub columns: Option<&'a str>,
    pub query: Option<&'a str>,
    pub from: usize,
    pub len: Option<usize>,
}

/// Reads a table request's moment and query, for a source of `generation`, or says why one
/// of them cannot be read.
pub(super) fn read_table(
    generation: u64,
    at: Option<&str>,
    query: Option<&str>,
) -> Result<TableRead, Refusal> {
    let at = at.map(read_instant).transpose()?;
    let query = query
        .map(|text| read_query(text).map(|read| (text, read)))
        .transpose()?;
    Ok(TableRead::new(generation, at, query))
}

impl TableRead {
    /// The table as of `at` that lists the streams matching `query` (its text and itself read):
    /// a query's own moment (`where=… as of …`) comes before the table's.
    fn new(
        generation: u64,
        at: Option<DateTime<Utc>>,
        query: Option<(&str, StateQuery)>,
    ) -> TableRead {
        let at = query.as_ref().and_then(|(_, q)| q.as_of).or(at);
        TableRead {
            key: TableKey {
                generation,
                at,
                query: query.as_ref().map(|(text, _)| text.to_string()),
            },
            query: query.map(|(_, read)| read),
        }
    }
}

impl TableCache {
    /// Where the table `read` names stands.
    pub(super) fn progress(&self, read: &TableRead) -> Progress {
        let is = |kept: &TableKey| *kept == read.key;
        match (&self.last, &self.scanning) {
            (Some((kept, _)), _) if is(kept) => Progress::Ready,
            (_, Some((kept, _))) if is(kept) => Progress::Scanning,
            _ => Progress::Replaced,
        }
    }

    /// Starts working out the table `read` names in slices, unless it is ready or under way
    /// (replacing any other under way). True when its requests must wait for it.
    pub(super) fn begin(&mut self, read: TableRead) -> bool {
        match self.progress(&read) {
            Progress::Ready => false,
            Progress::Scanning => true,
            Progress::Replaced => {
                let scan = TableScan::new(read.key.at, read.query);
                self.scanning = Some((read.key, scan));
                true
            }
        }
    }

    /// True while a table is being worked out in slices.
    pub(super) fn is_scanning(&self) -> bool {
        self.scanning.is_some()
    }

    /// Reads up to `budget` more streams of the table under way; once all are read, it is the
    /// table kept. True while some remain.
    pub(super) fn scan(&mut self, timeline: &Timeline, budget: usize) -> bool {
        let Some((_, scan)) = &mut self.scanning else {
            return false;
        };
        if scan.scan(timeline, budget) {
            return true;
        }
        if let Some((key, scan)) = self.scanning.take() {
            self.last = Some((key, scan.finish()));
        }
        false
    }

    /// The streams of the table `read` names: kept, finished if under way, or worked out now.
    fn index(&mut self, timeline: &Timeline, read: TableRead) -> &TableIndex {
        let kept = self.last.take().filter(|(key, _)| *key == read.key);
        let (key, index) = match kept {
            Some(kept) => kept,
            None => (read.key.clone(), self.work_out(timeline, read)),
        };
        &self.last.insert((key, index)).1
    }

    /// The streams of the table `read` names, read to the end: where it is under way, from
    /// where it got to.
    fn work_out(&mut self, timeline: &Timeline, read: TableRead) -> TableIndex {
        let mut scan = match self.scanning.take() {
            Some((key, scan)) if key == read.key => scan,
            other => {
                self.scanning = other;
                TableScan::new(read.key.at, read.query)
            }
        };
        scan.scan(timeline, usize::MAX);
        scan.finish()
    }
}

/// The window of the period-end table that was asked for, or why its moment or query cannot
/// be read.
pub(super) fn table(
    timeline: &Timeline,
    generation: u64,
    cache: &mut TableCache,
    asked: TableAsked<'_>,
) -> Result<wire::Table, Refusal> {
    let read = read_table(generation, asked.at, asked.query)?;
    let index = cache.index(timeline, read);
    let columns = match asked.columns {
        Some(text) => parse_columns(text),
        None => index.common_columns.clone(),
    };
    let end = match asked.len {
        Some(len) => asked.from.saturating_add(len),
        None => usize::MAX,
    };
    let rows = table_rows(timeline, index, &columns, asked.from..end);
    Ok(wire::Table {
        at: index.at,
        columns,
        rows: rows.into_iter().map(wire_row).collect(),
        from: asked.from.min(index.rows.len()),
        n_rows: index.rows.len(),
        n_not_yet: index.n_not_yet,
        n_unmatched: index.n_unmatched,
    })
}

/// The period-end table of the view as CSV, from the table kept where it is the view's (the
/// panel shows the table before it is exported). A `where=` or `t=` that cannot be read is
/// not applied, in the table as here (the page says why beside it).
pub(super) fn table_export(
    source: &Source<'_>,
    cache: &mut TableCache,
    link: &str,
) -> wire::FileOut {
    let (view, _) = ViewState::from_query(link);
    let at = view.time.as_deref().and_then(|t| parse_instant(t).ok());
    let query = view
        .where_query
        .as_deref()
        .and_then(|text| Some((text, parse_state_query(text).ok()?)));
    let read = TableRead::new(source.generation, at, query);
    let index = cache.index(source.timeline, read);
    let columns = view.columns.as_deref().map(parse_columns);
    let table = whole_table(source.timeline, index, columns);
    let moment = view.time.unwrap_or_else(|| "latest".into());
    wire::FileOut {
        name: format!("period-end-{}.csv", moment.replace(':', "")),
        mime: "text/csv".into(),
        scope: format!("{} streams as of {moment}", table.rows.len()),
        text: Some(table_csv(&table, source.label)),
    }
}

fn read_instant(text: &str) -> Result<DateTime<Utc>, Refusal> {
    parse_instant(text).map_err(|err| Refusal::Time {
        text: text.to_string(),
        message: err.to_string(),
    })
}

fn read_query(text: &str) -> Result<StateQuery, Refusal> {
    parse_state_query(text).map_err(|err| Refusal::Query {
        text: text.to_string(),
        message: err.to_string(),
    })
}

fn wire_row(row: TableRow) -> wire::TableRow {
    wire::TableRow {
        stream: row.stream,
        pos: row.pos,
        version: row.version,
        time: row.time,
        cells: row.cells,
    }
}
