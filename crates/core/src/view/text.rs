//! The words and numbers of the status line: counts with separators, byte sizes, the summary of
//! a load in progress or done, and the list of problems from every stage.

use crate::decode::Problem;
pub use crate::number::{count, counted};
/// Byte counts for progress: `1.2 MB`. In integers, as `decimal` says why.
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => {
            let tenths = (n + 50_000) / 100_000;
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
        n if n >= 1_000 => format!("{} KB", (n + 500) / 1_000),
        n => format!("{n} B"),
    }
}

/// How much of a long text the page writes at once: a 50 MB record or string written whole
/// blocks the tab for seconds in layout, so it is shown a window at a time (issue 13).
pub const TEXT_WINDOW: usize = 64 * 1024;

/// How many members of an object or array the JSON tree writes at once, for the same reason.
pub const CHILD_WINDOW: usize = 500;

/// The words of the button under a window of members with `rest` more after it.
pub fn more_members_words(rest: usize) -> String {
    format!(
        "Show {} more ({} not shown)",
        count(rest.min(CHILD_WINDOW)),
        count(rest)
    )
}

/// The part of `text` from byte `from` that the next window shows, ending on a character
/// boundary at most `TEXT_WINDOW` bytes on (a character is at most 4 bytes, so each window
/// moves on), and the number of bytes after it.
pub fn text_window(text: &str, from: usize) -> (&str, usize) {
    let start = floor_char_boundary(text, from.min(text.len()));
    let end = floor_char_boundary(text, start.saturating_add(TEXT_WINDOW).min(text.len()));
    (&text[start..end], text.len() - end)
}

/// The largest character boundary of `text` at or before `at` (`str::floor_char_boundary` is
/// not stable yet).
fn floor_char_boundary(text: &str, at: usize) -> usize {
    (0..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// The words of the button under a window with more after it.
pub fn more_words(rest: usize) -> String {
    let next = rest.min(TEXT_WINDOW) as u64;
    format!(
        "Show {} more ({} not shown)",
        bytes(next),
        bytes(rest as u64)
    )
}

/// A length or position for a style or an SVG attribute, to three decimals with trailing zeros
/// dropped: `12.5`, `-0.125`, `3`. Written with integers because Rust's float formatting
/// (Grisu with a Dragon fallback) costs about 4 KB of the bundle, over its budget, for what a
/// pixel position needs; a value that is not finite is written as `0`.
pub fn decimal(x: f64) -> String {
    let thousandths = if x.is_finite() {
        (x * 1000.0).round() as i64
    } else {
        0
    };
    let sign = if thousandths < 0 { "-" } else { "" };
    let (whole, frac) = (
        thousandths.unsigned_abs() / 1000,
        thousandths.unsigned_abs() % 1000,
    );
    let frac = format!("{frac:03}");
    match frac.trim_end_matches('0') {
        "" => format!("{sign}{whole}"),
        frac => format!("{sign}{whole}.{frac}"),
    }
}

/// A load in progress: what it is called, how many bytes have come, how many events are
/// decoded, and, once only replay is left, how many are replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub label: String,
    pub bytes: u64,
    pub total_bytes: Option<u64>,
    pub n_events: usize,
    pub n_replayed: Option<usize>,
    /// How many events the page shows while the rest loads (the preview of the first block).
    pub n_shown: Option<usize>,
}

impl Progress {
    /// `Loading demo… 120 KB of 480 KB · 300 events`, or `Replaying demo… 10 of 40 events`.
    pub fn summary(&self) -> String {
        if let Some(n_replayed) = self.n_replayed {
            return format!(
                "Replaying {}… {} of {} events",
                self.label,
                count(n_replayed),
                count(self.n_events)
            );
        }
        let got = match self.total_bytes {
            Some(total) => format!("{} of {}", bytes(self.bytes), bytes(total)),
            None => bytes(self.bytes),
        };
        let mut text = format!(
            "Loading {}… {got} · {} events",
            self.label,
            count(self.n_events)
        );
        if let Some(n_shown) = self.n_shown.filter(|&n| n < self.n_events) {
            text.push_str(&format!(
                " · the list shows the first {} until the load ends",
                count(n_shown)
            ));
        }
        text
    }

    /// How much of the source has come, from 0 to 1, when its size is known.
    pub fn fraction(&self) -> Option<f64> {
        self.total_bytes
            .filter(|&total| total > 0)
            .map(|total| (self.bytes as f64 / total as f64).min(1.0))
    }
}

/// `1,971 events · 76 streams · 2 problems` (no problems: no third part).
pub fn loaded_summary(n_events: usize, n_streams: usize, n_problems: usize) -> String {
    let mut text = format!(
        "{} · {}",
        counted(n_events, "event"),
        counted(n_streams, "stream")
    );
    if n_problems > 0 {
        text.push_str(&format!(" · {}", counted(n_problems, "problem")));
    }
    text
}

/// Every problem, in the order the stages found them: the source's (a fetch, the link), the
/// decoding's, then the replay's; each as a person reads it.
pub fn problem_lines<'a>(stages: impl IntoIterator<Item = &'a [Problem]>) -> Vec<String> {
    stages
        .into_iter()
        .flatten()
        .map(Problem::to_string)
        .collect()
}

/// What an event does to the state, in words, as the event detail says it: the projection's
/// rules for its type where it has some (they are what applied), else the event's own change.
pub fn change_words(
    change: &crate::event::Change,
    kind: &str,
    projection: Option<&crate::projection::Projection>,
) -> String {
    use crate::event::Change;
    if let Some(rules) = projection.and_then(|p| p.describe(kind)) {
        return format!("projection rule: {rules}");
    }
    match change {
        Change::Merge => "merges its data (RFC 7396)",
        Change::Patch(_) => "applies a JSON Patch (RFC 6902)",
        Change::Snapshot(_) => "replaces the state (snapshot)",
        Change::Fields(_) => "sets the fields it changed (audit row)",
        Change::Delete => "ends the aggregate (its state becomes null)",
        Change::Keep => "leaves the state as it was",
    }
    .to_string()
}

/// One change in a line, as the printed report lists it: `replace /status: "draft" → "approved"`,
/// `add /lines/L2: {…}`, `remove /note: "x"`, `move /lines/1: from /lines/0`. Values are
/// written whole, as JSON.
pub fn change_line(change: &crate::diff::Difference) -> String {
    use crate::diff::Op;
    let value =
        |v: &Option<serde_json::Value>| v.as_ref().map_or_else(String::new, |v| v.to_string());
    let what = match change.op {
        Op::Add => value(&change.after),
        Op::Remove => value(&change.before),
        Op::Replace => format!("{} → {}", value(&change.before), value(&change.after)),
        Op::Move => format!("from {}", change.from.as_deref().unwrap_or("")),
    };
    format!("{} {}: {what}", change.op.as_str(), change.path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_one_line_with_its_values_whole() {
        use crate::diff::diff;
        use serde_json::json;
        let before = json!({"status": "draft", "note": "x", "lines": [{"id": "L1"}]});
        let after = json!({"status": "approved", "lines": [{"id": "L1"}, {"id": "L2", "qty": 2}]});
        let lines: Vec<String> = diff(&before, &after).iter().map(change_line).collect();
        assert_eq!(
            lines,
            [
                "replace /status: \"draft\" → \"approved\"",
                "remove /note: \"x\"",
                "add /lines/1: {\"id\":\"L2\",\"qty\":2}",
            ]
        );
    }

    #[test]
    fn a_load_says_how_much_of_it_the_list_shows_until_it_ends() {
        let mut progress = Progress {
            label: "demo".into(),
            bytes: 20_000,
            total_bytes: Some(480_000),
            n_events: 30_000,
            n_replayed: None,
            n_shown: Some(5_000),
        };
        assert_eq!(
            progress.summary(),
            "Loading demo… 20 KB of 480 KB · 30,000 events · the list shows the first 5,000 until the load ends"
        );
        progress.n_shown = Some(30_000);
        assert_eq!(
            progress.summary(),
            "Loading demo… 20 KB of 480 KB · 30,000 events"
        );
    }

    #[test]
    fn a_long_text_is_shown_a_window_at_a_time_on_character_boundaries() {
        let text = "é".repeat(TEXT_WINDOW); // two bytes each
        let (first, rest) = text_window(&text, 0);
        assert_eq!(first.len(), TEXT_WINDOW);
        assert_eq!(rest, TEXT_WINDOW);
        let (second, rest) = text_window(&text, first.len());
        assert_eq!((second.len(), rest), (TEXT_WINDOW, 0));
        // A window asked for in the middle of a character starts at that character.
        let (odd, rest) = text_window(&text, 1);
        assert_eq!((odd.len(), rest), (TEXT_WINDOW, TEXT_WINDOW));
        assert_eq!(text_window("short", 0), ("short", 0));
        assert_eq!(text_window("short", 9), ("", 0));
        assert_eq!(more_words(100_000), "Show 66 KB more (100 KB not shown)");
        assert_eq!(more_members_words(1_200), "Show 500 more (1,200 not shown)");
    }
}
