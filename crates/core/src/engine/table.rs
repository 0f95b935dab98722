//! The engine's period-end table (`table`, the deep link's `view=table` and `where=`): which
//! streams it lists is worked out once over every stream and kept (`TableCache`), and each
//! answer is the window of rows the panel shows, with their cells. With millions of streams,
//! scrolling the table or choosing other columns reads only the rows in view.

use chrono::{DateTime, Utc};
use chronoscope_protocol as wire;
use chronoscope_protocol::Refusal;

use crate::query::{parse_state_query, StateQuery};
use crate::table::{parse_columns, table_index, table_rows, TableIndex, TableRow};
use crate::time::parse_instant;
use crate::timeline::Timeline;

/// The last table's streams, kept while the source, the moment and the query stay the same.
#[derive(Debug, Default)]
pub struct TableCache {
    last: Option<(TableKey, TableIndex)>,
}

/// What a table's streams depend on: the source (its generation), the moment and the query,
/// both as read. The columns do not: they are read for the rows in view.
#[derive(Debug, PartialEq)]
struct TableKey {
    generation: u64,
    at: Option<DateTime<Utc>>,
    query: Option<String>,
}

/// What `Request::Table` asks, as sent.
pub(super) struct TableAsked<'a> {
    pub at: Option<&'a str>,
    pub columns: Option<&'a str>,
    pub query: Option<&'a str>,
    pub from: usize,
    pub len: Option<usize>,
}

impl TableCache {
    /// The streams of the table as of `at` that match `query`, worked out again only when the
    /// source, the moment or the query changed.
    fn index(
        &mut self,
        timeline: &Timeline,
        generation: u64,
        at: Option<DateTime<Utc>>,
        query: Option<(&str, StateQuery)>,
    ) -> &TableIndex {
        let key = TableKey {
            generation,
            at,
            query: query.as_ref().map(|(text, _)| text.to_string()),
        };
        if !matches!(&self.last, Some((kept, _)) if *kept == key) {
            self.last = None;
        }
        let (_, index) = self.last.get_or_insert_with(|| {
            let index = table_index(timeline, at, query.as_ref().map(|(_, q)| q));
            (key, index)
        });
        index
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
    let at = asked.at.map(read_instant).transpose()?;
    let query = asked
        .query
        .map(|text| read_query(text).map(|query| (text, query)))
        .transpose()?;
    // A query's own moment (`where=… as of …`) comes before the table's.
    let at = query.as_ref().and_then(|(_, q)| q.as_of).or(at);
    let index = cache.index(timeline, generation, at, query);
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
