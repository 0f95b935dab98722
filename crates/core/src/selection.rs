//! Selection: what a view state points at in a loaded timeline.
//!
//! A deep link names a stream, a moment (`v` or `t`) and a comparison point in words a person can
//! write; this module resolves them against the timeline into positions, following the link
//! contract: a missing stream is the first one, `v` wins over `t`, neither means the latest event,
//! and no `cmp` means the previous event. A time is only read in a stream whose events have
//! times (a store that keeps only a sequence has none). Anything that cannot be found is
//! explained in `notes` rather than failing, and the nearest sensible moment is shown instead.

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
    /// The comparison position, in the same terms.
    pub compare: Option<usize>,
    /// True when the comparison point was pinned by `cmp`, not the previous event.
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
    let (compare, compare_pinned) = match &view.compare {
        None => (pos.and_then(|p| p.checked_sub(1)), false),
        Some(Compare::Version(version)) => match timeline.position_of_version(&stream, *version) {
            Some(p) => (Some(p), true),
            None => {
                notes.push(format!(
                    "`{stream}` has no version {version} to compare with"
                ));
                (pos.and_then(|p| p.checked_sub(1)), false)
            }
        },
        Some(Compare::Time(_)) if !timeline.stream_has_times(&stream) => {
            notes.push(no_times(&stream, "a comparison time"));
            (pos.and_then(|p| p.checked_sub(1)), false)
        }
        Some(Compare::Time(time)) => match parse_instant(time) {
            Ok(time) => (timeline.position_at_time(&stream, time), true),
            Err(err) => {
                notes.push(format!("comparison point: {err}"));
                (pos.and_then(|p| p.checked_sub(1)), false)
            }
        },
    };
    Selection {
        stream: Some(stream),
        pos,
        compare,
        compare_pinned,
        notes,
    }
}
