//! Resolving a deep link's view state against a timeline.

use crate::common;

use chronoscope_core::link::ViewState;
use chronoscope_core::selection::select;
use chronoscope_core::timeline::Timeline;
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

/// A broken stream that repeats version 4 (issue 16: the second v4 could not be selected).
fn repeated_versions() -> Timeline {
    let (decoded, _) = chronoscope_core::decode::decode_text(
        r#"{"stream":"po","type":"A","time":"2026-01-01T09:00:00Z","version":3,"data":{"n":3}}
{"stream":"po","type":"B","time":"2026-01-01T09:01:00Z","version":4,"data":{"n":4}}
{"stream":"po","type":"C","time":"2026-01-01T09:02:00Z","version":4,"data":{"n":44}}
{"stream":"po","type":"D","time":"2026-01-01T09:03:00Z","version":5,"data":{"n":5}}"#,
        None,
    );
    Timeline::build(decoded.events)
}

#[test]
fn a_repeated_version_is_addressed_by_its_occurrence() {
    let timeline = repeated_versions();
    assert_eq!(select(&timeline, &view("stream=po&v=4")).pos, Some(1));
    assert_eq!(select(&timeline, &view("stream=po&v=4&dup=2")).pos, Some(2));
    assert_eq!(timeline.occurrence_at("po", 1), 1);
    assert_eq!(timeline.occurrence_at("po", 2), 2);
    assert_eq!(timeline.occurrence_at("po", 3), 1);
    assert_eq!(
        timeline.state_after("po", Some(2)),
        serde_json::json!({"n": 44})
    );
    let third = select(&timeline, &view("stream=po&v=4&dup=3"));
    assert_eq!(third.pos, Some(1));
    assert_eq!(
        third.notes,
        ["`po` has no event 3 with version 4; showing the first"]
    );
}

#[test]
fn dup_round_trips_in_a_link_and_refuses_what_cannot_mean_anything() {
    let (view, ignored) = ViewState::from_query("stream=po&v=4&dup=2&view=diff");
    assert_eq!(view.dup, Some(2));
    assert!(ignored.is_empty());
    assert_eq!(view.to_query(), "stream=po&v=4&dup=2&view=diff");
    let (view, ignored) = ViewState::from_query("v=4&dup=1");
    assert_eq!(view.dup, None);
    assert_eq!(ignored, ["dup=1 is not a number from 2"]);
}

#[test]
fn with_puts_the_comparison_point_in_another_stream_as_of_the_moment_or_as_cmp_says() {
    let timeline = timeline();
    // po-1 v3 is at 2026-04-02; po-2 then is after its only event.
    let selection = select(&timeline, &view("stream=po-1&with=po-2"));
    assert_eq!(selection.compare_stream.as_deref(), Some("po-2"));
    assert_eq!((selection.pos, selection.compare), (Some(2), Some(0)));
    assert!(selection.compare_pinned);
    assert_eq!(selection.compared_with(&timeline), "v1 of po-2");
    assert_eq!(selection.compare_state(&timeline)["status"], "draft");
    // po-1 v1 (2026-01-05) is before po-2 began.
    let before = select(&timeline, &view("stream=po-1&v=1&with=po-2"));
    assert_eq!(before.compare, None);
    assert_eq!(
        before.compared_with(&timeline),
        "the empty state before po-2's first event"
    );
    let by_version = select(&timeline, &view("stream=po-2&with=po-1&cmp=v:2"));
    assert_eq!(
        (by_version.compare_in(), by_version.compare),
        (Some("po-1"), Some(1))
    );
    let by_time = select(
        &timeline,
        &view("stream=po-2&with=po-1&cmp=t:2026-03-01T00:00:00Z"),
    );
    assert_eq!(by_time.compare, Some(1));
    assert!(by_time.notes.is_empty(), "{:?}", by_time.notes);
}

#[test]
fn with_naming_no_other_stream_compares_within_the_stream_and_says_so() {
    let timeline = timeline();
    let missing = select(&timeline, &view("stream=po-1&with=po-9"));
    assert_eq!((missing.compare_stream, missing.compare), (None, Some(1)));
    assert_eq!(
        missing.notes,
        ["stream `po-9` is not in this source; comparing within `po-1`"]
    );
    let same = select(&timeline, &view("stream=po-1&with=po-1"));
    assert_eq!((same.compare_stream, same.compare), (None, Some(1)));
    assert!(same.notes.is_empty());
    let no_version = select(&timeline, &view("stream=po-1&with=po-2&cmp=v:7"));
    assert_eq!(no_version.compare, Some(0));
    assert_eq!(
        no_version.notes,
        ["`po-2` has no version 7 to compare with; showing its latest"]
    );
}
