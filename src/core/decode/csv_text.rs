//! CSV with a header row, as audit tables are exported by psql's `\copy`, `sqlite3 -csv`,
//! SQL Server Management Studio, pgAdmin or a spreadsheet.
//!
//! Each row becomes a JSON object whose keys are the header's names and whose values are the
//! cells, as strings; an empty cell is absent. The formats then read those objects as they read
//! JSON rows: a cell holding JSON (`changes`, `new_values`) is read as JSON where the format
//! expects it, and a number in a cell as a number. Parsing is the `csv` crate's (quotes, doubled
//! quotes, newlines inside quoted cells, CRLF); a row with the wrong number of cells is named by
//! its line and left out, and the other rows stay.

use std::ops::Range;

use serde_json::{Map, Value};

use super::{Place, Problem, ProblemKind, RecordPlace};

/// The delimiters a CSV export may use, in the order ties are broken.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// True when a text looks like CSV rather than JSON: its first line is not JSON and has at least
/// two header cells.
pub fn looks_like_csv(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with(['{', '[']) {
        return false;
    }
    let header = text.lines().next().unwrap_or_default();
    delimiter_of(header).is_some()
}

/// The delimiter the header line uses most, outside quotes; `None` when it has none.
fn delimiter_of(header: &str) -> Option<u8> {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for byte in header.bytes() {
        match byte {
            b'"' => quoted = !quoted,
            _ if quoted => {}
            _ => {
                if let Some(at) = DELIMITERS.iter().position(|&d| d == byte) {
                    counts[at] += 1;
                }
            }
        }
    }
    let (at, &most) = counts
        .iter()
        .enumerate()
        .max_by_key(|&(at, &count)| (count, std::cmp::Reverse(at)))?;
    (most > 0).then_some(DELIMITERS[at])
}

/// The rows of a CSV text as JSON records: one JSON text holding every row's object, and each
/// record's line (where its row starts) and byte range in that text. Rows that cannot be read
/// are problems at their lines.
pub struct CsvRecords {
    pub json: String,
    pub records: Vec<(RecordPlace, Range<usize>)>,
    pub problems: Vec<Problem>,
}

/// Reads a CSV text with a header row into JSON records.
pub fn csv_records(text: &str) -> CsvRecords {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = delimiter_of(text.lines().next().unwrap_or_default()).unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut out = CsvRecords {
        json: String::with_capacity(text.len() * 2),
        records: Vec::new(),
        problems: Vec::new(),
    };
    let header = match reader.headers() {
        Ok(header) => header.iter().map(str::to_string).collect::<Vec<_>>(),
        Err(err) => {
            out.problems.push(csv_problem(&err, 1));
            return out;
        }
    };
    note_repeated_names(&header, &mut out.problems);
    let mut lines = LineCounter::new(text);
    for row in reader.records() {
        match row {
            Ok(row) => {
                let line = lines.line_at(row.position());
                let object: Map<String, Value> = header
                    .iter()
                    .zip(row.iter())
                    .filter(|(_, cell)| !cell.is_empty())
                    .map(|(name, cell)| (name.clone(), Value::String(cell.to_string())))
                    .collect();
                let start = out.json.len();
                out.json.push_str(&Value::Object(object).to_string());
                out.records
                    .push((RecordPlace::Line(line), start..out.json.len()));
                out.json.push('\n');
            }
            Err(err) => {
                let line = lines.line_at(err.position());
                out.problems.push(csv_problem(&err, line));
            }
        }
    }
    out
}

/// The line a record starts on, from its byte offset. The `csv` crate counts lines too, but
/// after a CRLF its count lags by one (seen with csv 1.4: the second line of a CRLF file is
/// called line 1), and its byte offset then points at the LF that ends the previous record; so
/// the lines are counted here, up to and including the record's first byte.
struct LineCounter<'a> {
    text: &'a str,
    /// The byte counted up to (exclusive), and the newlines before it.
    counted: usize,
    n_newlines: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> LineCounter<'a> {
        LineCounter {
            text,
            counted: 0,
            n_newlines: 0,
        }
    }

    /// The line (from 1) of the record at this position; records come in order.
    fn line_at(&mut self, position: Option<&csv::Position>) -> usize {
        let Some(position) = position else {
            return 1 + self.n_newlines;
        };
        let end = usize::try_from(position.byte())
            .map_or(self.text.len(), |byte| byte.saturating_add(1))
            .min(self.text.len());
        if end > self.counted {
            let bytes = self
                .text
                .as_bytes()
                .get(self.counted..end)
                .unwrap_or_default();
            self.n_newlines += bytes.iter().filter(|&&b| b == b'\n').count();
            self.counted = end;
        }
        1 + self.n_newlines
    }
}

/// A header that names a column twice: the later cell wins, and that is said.
fn note_repeated_names(header: &[String], problems: &mut Vec<Problem>) {
    for (at, name) in header.iter().enumerate() {
        if header[..at].contains(name) {
            problems.push(Problem::new(
                Place::Line(1),
                ProblemKind::CsvRepeatedColumn { name: name.clone() },
            ));
        }
    }
}

fn csv_problem(err: &csv::Error, line: usize) -> Problem {
    let kind = match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => ProblemKind::CsvCells {
            n_cells: *len,
            n_header: *expected_len,
        },
        _ => ProblemKind::Csv(err.to_string()),
    };
    Problem::new(Place::Line(line.max(1)), kind)
}
