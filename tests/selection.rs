//! Resolving a deep link's view state against a timeline.

mod common;

use chronoscope::core::link::ViewState;
use chronoscope::core::selection::select;
use chronoscope::core::timeline::Timeline;
use common::events;

fn timeline() -> Timeline {
    Timeline::build(events(
        r#"{"stream":"po-1","type":"PoCreated","time":"2026-01-05T09:00:00Z","data":{"status":"draft"}}
{"stream":"po-2","type":"PoCreated","time":"2026-01-06T09:00:00Z","data":{"status":"draft"}}
{"stream":"po-1","type":"PoSubmitted","time":"2026-02-01T09:00:00Z","data":{"status":"submitted"}}
{"stream":"po-1","type":"PoApproved","time":"2026-04-02T09:00:00Z","data":{"status":"approved"}}"#,
    ))
}

fn view(query: &str) -> ViewState {
    ViewState::from_query(query).0
}

#[test]
fn no_parameters_select_the_latest_event_of_the_first_stream_against_the_previous_one() {
    let selection = select(&timeline(), &view(""));
    assert_eq!(selection.stream.as_deref(), Some("po-1"));
    assert_eq!(selection.pos, Some(2));
    assert_eq!(selection.compare, Some(1));
    assert!(!selection.compare_pinned);
    assert!(selection.notes.is_empty());
}

#[test]
fn version_wins_over_time() {
    let selection = select(&timeline(), &view("stream=po-1&v=1&t=2026-12-31T00:00:00Z"));
    assert_eq!(selection.pos, Some(0));
    assert_eq!(selection.compare, None);
}

#[test]
fn a_time_selects_the_state_as_of_that_instant() {
    let end_of_q1 = select(&timeline(), &view("stream=po-1&t=2026-03-31T23:59:59Z"));
    assert_eq!(end_of_q1.pos, Some(1));
    let before_anything = select(&timeline(), &view("stream=po-1&t=2025-12-31T00:00:00Z"));
    assert_eq!(before_anything.pos, None);
    assert_eq!(before_anything.compare, None);
}

#[test]
fn a_pinned_comparison_is_resolved_by_version_or_time() {
    let by_version = select(&timeline(), &view("stream=po-1&cmp=v:1"));
    assert_eq!(
        (
            by_version.pos,
            by_version.compare,
            by_version.compare_pinned
        ),
        (Some(2), Some(0), true)
    );
    let by_time = select(&timeline(), &view("stream=po-1&cmp=t:2026-01-01T00:00:00Z"));
    assert_eq!((by_time.compare, by_time.compare_pinned), (None, true));
}

#[test]
fn what_cannot_be_found_is_explained_and_the_nearest_view_shown() {
    let selection = select(&timeline(), &view("stream=po-9&v=4"));
    assert_eq!(selection.stream.as_deref(), Some("po-1"));
    assert_eq!(selection.pos, Some(2));
    assert_eq!(
        selection.notes,
        vec![
            "stream `po-9` is not in this source; showing `po-1`",
            "`po-1` has no version 4; showing the latest"
        ]
    );
    let bad_time = select(&timeline(), &view("t=soon"));
    assert_eq!(bad_time.pos, Some(2));
    assert!(bad_time.notes[0].contains("`soon` is not an RFC 3339 time"));
}

#[test]
fn an_empty_timeline_selects_nothing() {
    let selection = select(&Timeline::default(), &view("stream=x"));
    assert_eq!(selection, Default::default());
}
