//! Selection: what a view state points at in a loaded timeline.
//!
//! A deep link names a stream, a moment (`v` or `t`) and a comparison point in words a person can
//! write; this module resolves them against the timeline into positions, following the link
//! contract: a missing stream is the first one, `v` wins over `t`, neither means the latest event,
//! and no `cmp` means the previous event. `with` puts the comparison point in another stream:
//! there, no `cmp` means that stream as of the moment's time. A time is only read in a stream
//! whose events have times (a store that keeps only a sequence has none). Anything that cannot
//! be found is explained in `notes` rather than failing, and the nearest sensible moment is
//! shown instead.

use crate::link::{Compare, ViewState};
use crate::time::parse_instant;
use crate::timeline::Timeline;

/// What the view shows, as positions in the timeline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// The inspected stream; `None` only when the timeline is empty.
    pub stream: Option<String>,
    /// The selected position: the state shown is the state after this event. `None`: before the
    /// stream's first event.
    pub pos: Option<usize>,
    /// The comparison position, in the same terms, in `compare_stream` when it names one.
    pub compare: Option<usize>,
    /// The stream the comparison point is in, when `with` names another stream of the source.
    pub compare_stream: Option<String>,
    /// True when the comparison point was pinned by `cmp` or `with`, not the previous event.
    pub compare_pinned: bool,
    /// What in the view state could not be found, for the page to show.
    pub notes: Vec<String>,
}

/// The position of version `version` (its `dup`th event, where the stream repeats it), or the
/// nearest sensible one, with a note saying why.
fn select_version(
    timeline: &Timeline,
    stream: &str,
    version: u64,
    dup: Option<u64>,
    notes: &mut Vec<String>,
) -> Option<usize> {
    if let Some(pos) = timeline.position_of_occurrence(stream, version, dup.unwrap_or(1)) {
        return Some(pos);
    }
    if let (Some(n), Some(first)) = (dup, timeline.position_of_version(stream, version)) {
        notes.push(format!(
            "`{stream}` has no event {n} with version {version}; showing the first"
        ));
        return Some(first);
    }
    notes.push(format!(
        "`{stream}` has no version {version}; showing the latest"
    ));
    timeline.stream_len(stream).checked_sub(1)
}

/// Why a time in the view cannot be read for this stream.
fn no_times(stream: &str, what: &str) -> String {
    format!("`{stream}`'s events have no times in the source, so {what} cannot be read; scrub by version")
}

/// Resolves a view state against a timeline.
pub fn select(timeline: &Timeline, view: &ViewState) -> Selection {
    let mut notes = Vec::new();
    let stream = match &view.stream {
        Some(name) if timeline.has_stream(name) => Some(name.clone()),
        requested => {
            let first = timeline.first_stream().map(str::to_string);
            if let (Some(name), Some(first)) = (requested, &first) {
                notes.push(format!(
                    "stream `{name}` is not in this source; showing `{first}`"
                ));
            }
            first
        }
    };
    let Some(stream) = stream else {
        return Selection {
            notes,
            ..Selection::default()
        };
    };
    let n_events = timeline.stream_len(&stream);
    let latest = n_events.checked_sub(1);
    let pos = match (view.version, &view.time) {
        (Some(version), _) => select_version(timeline, &stream, version, view.dup, &mut notes),
        (None, Some(_)) if !timeline.stream_has_times(&stream) => {
            notes.push(no_times(&stream, "`t=`"));
            latest
        }
        (None, Some(time)) => match parse_instant(time) {
            Ok(time) => timeline.position_at_time(&stream, time),
            Err(err) => {
                notes.push(format!("{err}; showing the latest"));
                latest
            }
        },
        (None, None) => latest,
    };
    let other = other_stream(timeline, view, &stream, &mut notes);
    let (compare, compare_pinned) = match &other {
        Some(other) => (
            compare_in_other(timeline, view, (&stream, pos), other, &mut notes),
            true,
        ),
        None => compare_in_same(timeline, view, &stream, pos, &mut notes),
    };
    Selection {
        stream: Some(stream),
        pos,
        compare,
        compare_stream: other,
        compare_pinned,
        notes,
    }
}

impl Selection {
    /// The stream the comparison point is in: `with`'s, or the one inspected.
    pub fn compare_in(&self) -> Option<&str> {
        self.compare_stream.as_deref().or(self.stream.as_deref())
    }

    /// The state at the comparison point (`null` before its stream's first event).
    pub fn compare_state(&self, timeline: &Timeline) -> serde_json::Value {
        let stream = self.compare_in().unwrap_or_default();
        timeline.state_after(stream, self.compare)
    }

    /// The comparison point in words: `v56`, `v3 of badge-po-7`, or the empty state before the
    /// first event.
    pub fn compared_with(&self, timeline: &Timeline) -> String {
        let stream = self.compare_in().unwrap_or_default();
        let head = self.compare.and_then(|pos| timeline.head_at(stream, pos));
        match (head, &self.compare_stream) {
            (Some(head), None) => format!("v{}", head.version),
            (Some(head), Some(other)) => format!("v{} of {other}", head.version),
            (None, None) => "the empty state before the first event".into(),
            (None, Some(other)) => format!("the empty state before {other}'s first event"),
        }
    }
}

/// The stream `with` names, when it is another stream of the source; a note when it is not.
fn other_stream(
    timeline: &Timeline,
    view: &ViewState,
    stream: &str,
    notes: &mut Vec<String>,
) -> Option<String> {
    let name = view
        .compare_with
        .as_deref()
        .filter(|name| *name != stream)?;
    if timeline.has_stream(name) {
        return Some(name.to_string());
    }
    notes.push(format!(
        "stream `{name}` is not in this source; comparing within `{stream}`"
    ));
    None
}

/// The comparison point in the stream inspected: `cmp`'s, or the event before the moment.
fn compare_in_same(
    timeline: &Timeline,
    view: &ViewState,
    stream: &str,
    pos: Option<usize>,
    notes: &mut Vec<String>,
) -> (Option<usize>, bool) {
    let previous = (pos.and_then(|p| p.checked_sub(1)), false);
    match &view.compare {
        None => previous,
        Some(Compare::Version(version)) => match timeline.position_of_version(stream, *version) {
            Some(p) => (Some(p), true),
            None => {
                notes.push(format!(
                    "`{stream}` has no version {version} to compare with"
                ));
                previous
            }
        },
        Some(Compare::Time(_)) if !timeline.stream_has_times(stream) => {
            notes.push(no_times(stream, "a comparison time"));
            previous
        }
        Some(Compare::Time(time)) => match parse_instant(time) {
            Ok(time) => (timeline.position_at_time(stream, time), true),
            Err(err) => {
                notes.push(format!("comparison point: {err}"));
                previous
            }
        },
    }
}

/// The comparison point in another stream: `cmp`'s there, or that stream as of the moment's
/// time; its latest event when neither can be read, with a note.
fn compare_in_other(
    timeline: &Timeline,
    view: &ViewState,
    (stream, pos): (&str, Option<usize>),
    other: &str,
    notes: &mut Vec<String>,
) -> Option<usize> {
    let latest = timeline.stream_len(other).checked_sub(1);
    match &view.compare {
        Some(Compare::Version(version)) => {
            timeline.position_of_version(other, *version).or_else(|| {
                notes.push(format!(
                    "`{other}` has no version {version} to compare with; showing its latest"
                ));
                latest
            })
        }
        Some(_) | None if !timeline.stream_has_times(other) => {
            notes.push(no_times(other, "a comparison time"));
            latest
        }
        Some(Compare::Time(time)) => match parse_instant(time) {
            Ok(time) => timeline.position_at_time(other, time),
            Err(err) => {
                notes.push(format!(
                    "comparison point: {err}; showing `{other}`'s latest"
                ));
                latest
            }
        },
        None => match pos.and_then(|pos| timeline.head_at(stream, pos)) {
            Some(head) if head.timed => timeline.position_at_time(other, head.time),
            Some(_) => {
                notes.push(format!(
                    "the moment has no time; showing `{other}`'s latest"
                ));
                latest
            }
            // Before the stream's first event: the other stream before its own.
            None => None,
        },
    }
}
