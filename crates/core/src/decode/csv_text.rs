//! CSV with a header row, as audit tables are exported by psql's `\copy`, `sqlite3 -csv`,
//! SQL Server Management Studio, pgAdmin or a spreadsheet.
//!
//! Each row becomes a JSON object whose keys are the header's names and whose values are the
//! cells, as strings; an empty cell is absent. The formats then read those objects as they read
//! JSON rows: a cell holding JSON (`changes`, `new_values`) is read as JSON where the format
//! expects it, and a number in a cell as a number. Parsing is `csv-core`'s (quotes, doubled
//! quotes, newlines inside quoted cells, CRLF); a row with the wrong number of cells is named by
//! its line and left out, and the other rows stay.

use std::ops::Range;

use serde_json::{Map, Value};

use super::rows::json_in_text;
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

/// Reads a CSV text with a header row into JSON records. The cells of the `json_columns` that
/// hold a JSON object or array are read as that JSON (Chronoscope's own `data` and `meta`);
/// every other cell stays text, for the format to read.
pub fn csv_records(text: &str, json_columns: &[&str]) -> CsvRecords {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = delimiter_of(text.lines().next().unwrap_or_default()).unwrap_or(b',');
    let mut rows = Rows::new(text, delimiter);
    let mut out = CsvRecords {
        json: String::with_capacity(text.len() * 2),
        records: Vec::new(),
        problems: Vec::new(),
    };
    let header = match rows.next() {
        Some(Ok((_, header))) => header,
        Some(Err(problem)) => {
            out.problems.push(problem);
            return out;
        }
        None => return out,
    };
    note_repeated_names(&header, &mut out.problems);
    for row in rows {
        match row {
            Ok((line, cells)) if cells.len() != header.len() => out.problems.push(Problem::new(
                Place::Line(line),
                ProblemKind::CsvCells {
                    n_cells: cells.len(),
                    n_header: header.len(),
                },
            )),
            Ok((line, cells)) => {
                let object: Map<String, Value> = header
                    .iter()
                    .zip(cells)
                    .filter(|(_, cell)| !cell.is_empty())
                    .map(|(name, cell)| {
                        let value = match json_columns.contains(&name.as_str()) {
                            true => json_in_text(&Value::String(cell)),
                            false => Value::String(cell),
                        };
                        (name.clone(), value)
                    })
                    .collect();
                let start = out.json.len();
                out.json.push_str(&Value::Object(object).to_string());
                out.records
                    .push((RecordPlace::Line(line), start..out.json.len()));
                out.json.push('\n');
            }
            Err(problem) => out.problems.push(problem),
        }
    }
    if out.records.is_empty() && out.problems.is_empty() {
        out.problems
            .push(Problem::new(Place::Source, ProblemKind::CsvNoRows));
    }
    out
}

/// The rows of a CSV text, each with the line it starts on, read with `csv-core` (the `csv`
/// crate's parser: quotes, doubled quotes, newlines inside quoted cells, CRLF). The `csv` crate
/// itself would do this loop, but its line numbers lag by one after a CRLF (csv 1.4), and a bad
/// row's problem names its line.
struct Rows<'a> {
    text: &'a str,
    reader: csv_core::Reader,
    /// The byte reading has got to.
    at: usize,
    /// The byte newlines have been counted up to, and how many there were.
    counted: usize,
    n_newlines: usize,
    cells: Vec<u8>,
    ends: Vec<usize>,
}

impl<'a> Rows<'a> {
    fn new(text: &'a str, delimiter: u8) -> Rows<'a> {
        Rows {
            text,
            reader: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            at: 0,
            counted: 0,
            n_newlines: 0,
            // A cell is never longer than the text it is read from.
            cells: vec![0; text.len() + 1],
            ends: vec![0; 64],
        }
    }

    /// The line (from 1) of the first byte at or after `at` that is not a line break: where the
    /// next record starts (blank lines are skipped).
    fn line_of_next_record(&mut self) -> usize {
        let bytes = self.text.as_bytes();
        let start = bytes
            .get(self.at..)
            .and_then(|rest| rest.iter().position(|&b| b != b'\n' && b != b'\r'))
            .map_or(bytes.len(), |skip| self.at + skip);
        if start > self.counted {
            let skipped = bytes.get(self.counted..start).unwrap_or_default();
            self.n_newlines += skipped.iter().filter(|&&b| b == b'\n').count();
            self.counted = start;
        }
        1 + self.n_newlines
    }

    /// The cells of one record, as text.
    fn cells(&self, n_ends: usize) -> Result<Vec<String>, std::str::Utf8Error> {
        let mut from = 0;
        self.ends[..n_ends]
            .iter()
            .map(|&end| {
                let cell = std::str::from_utf8(&self.cells[from..end]).map(str::to_string);
                from = end;
                cell
            })
            .collect()
    }
}

impl Iterator for Rows<'_> {
    type Item = Result<(usize, Vec<String>), Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        use csv_core::ReadRecordResult as Read;
        let line = self.line_of_next_record();
        let (mut n_out, mut n_ends) = (0, 0);
        loop {
            let input = self.text.as_bytes().get(self.at..).unwrap_or_default();
            let (result, n_in, n_written, n_ended) =
                self.reader
                    .read_record(input, &mut self.cells[n_out..], &mut self.ends[n_ends..]);
            self.at += n_in;
            n_out += n_written;
            n_ends += n_ended;
            match result {
                Read::InputEmpty => {}
                Read::OutputFull => self.cells.resize(self.cells.len() * 2 + 1, 0),
                Read::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                Read::Record => {
                    return Some(
                        self.cells(n_ends)
                            .map(|cells| (line, cells))
                            .map_err(|err| {
                                Problem::new(Place::Line(line), ProblemKind::Csv(err.to_string()))
                            }),
                    )
                }
                Read::End => return None,
            }
        }
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
