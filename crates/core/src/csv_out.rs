//! CSV as Chronoscope writes it (RFC 4180): cells quoted where needed, a cell a spreadsheet would
//! run as a formula defused, and a `#` first line that says what the file holds. The exports and
//! the period-end table write their CSV with it.

/// A CSV's first line: `#` and the text, its control characters written as escapes (`\u{a}`),
/// so that a stream name, filter or label with a line break cannot add rows of its own.
pub fn comment_line(text: &str) -> String {
    let mut line = String::from("# ");
    for ch in text.chars() {
        match ch.is_control() {
            true => line.extend(ch.escape_unicode()),
            false => line.push(ch),
        }
    }
    line.push_str("\r\n");
    line
}

/// One CSV row, each cell quoted where RFC 4180 needs it. Hand-written: csv-core's writer
/// works through caller-sized buffers, more code than the quoting rule itself. A cell that a
/// spreadsheet would run as a formula is written after a `'`, as OWASP advises (payloads are
/// untrusted); the README says so.
pub fn push_csv_row(out: &mut String, cells: &[String]) {
    for (idx, cell) in cells.iter().enumerate() {
        if idx > 0 {
            out.push(',');
        }
        let cell = match runs_as_formula(cell) {
            true => format!("'{cell}"),
            false => cell.clone(),
        };
        if cell.contains([',', '"', '\n', '\r']) || cell.starts_with('#') {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

/// True for a cell a spreadsheet would run as a formula: one that begins with `=`, `+`, `-`,
/// `@`, a tab or a carriage return, unless the whole cell is a plain JSON number (`-12.50`).
/// `-1+1` and `-2+3+cmd|' /C calc'!A0` begin with a digit after the `-` and still run.
fn runs_as_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
        && cell.parse::<serde_json::Number>().is_err()
}
