//! The bundled demo history: deterministic, realistic, and the same bytes as the checked-in file.

use std::collections::BTreeSet;

use std::sync::Arc;

use chronoscope_core::decode::decode_text;
use chronoscope_core::ingest::index::project;
use chronoscope_core::projection::Projection;
use chronoscope_core::timeline::Timeline;
use chronoscope_samples::demo::{demo_ndjson, demo_projection};

#[test]
fn the_checked_in_projection_is_the_generator_output() {
    let path = concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        "/demo/cambium.projection.json"
    );
    assert!(
        std::fs::read_to_string(path).unwrap() == demo_projection(),
        "demo/cambium.projection.json is stale"
    );
}

#[test]
fn the_checked_in_demo_file_is_the_generator_output() {
    let path = concat!(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
        "/demo/cambium-demo.ndjson"
    );
    let on_disk = std::fs::read_to_string(path).unwrap();
    assert!(
        on_disk == demo_ndjson(),
        "demo/cambium-demo.ndjson is stale: run `cargo run -p chronoscope-samples --bin gen-demo`"
    );
}

#[test]
fn the_demo_is_a_realistic_po_and_badge_history_without_problems() {
    let (decoded, _) = decode_text(&demo_ndjson(), None);
    assert!(decoded.problems.is_empty(), "{:?}", decoded.problems);
    let n_events = decoded.events.len();
    assert!((1_800..=2_300).contains(&n_events), "{n_events} events");
    let projection = Projection::parse(&demo_projection()).unwrap();
    let timeline = project(decoded.events, Some(Arc::new(projection)));
    assert!(timeline.problems().is_empty(), "{:?}", timeline.problems());
    let n_upcast = timeline.all_events().filter(|e| e.stored.is_some()).count();
    assert!(n_upcast > 50, "{n_upcast} events upcast");
    assert_eq!(timeline.streams().len(), 76);
    let kinds: BTreeSet<&str> = timeline.kinds().iter().map(String::as_str).collect();
    for kind in [
        "PoCreated",
        "PoLineAdded",
        "PoLineChanged",
        "PoLineRemoved",
        "PoSubmitted",
        "PoApproved",
        "PoRejected",
        "PoReceived",
        "PoClosed",
        "BadgeRequested",
        "BadgeApproved",
        "BadgePrinted",
        "BadgeActivated",
        "BadgeRevoked",
    ] {
        assert!(kinds.contains(kind), "no {kind}");
    }
    let users: BTreeSet<&str> = (0..timeline.len())
        .filter_map(|i| timeline.head(i).user)
        .collect();
    assert!(users.len() >= 8, "{users:?}");
    let first = timeline.head(0).time;
    let last = timeline.head(timeline.len() - 1).time;
    assert!(
        (last - first).num_days() > 120,
        "spans {} days",
        (last - first).num_days()
    );
    // Every PO's total matches its lines, as Cambium's would.
    for stream in timeline
        .streams()
        .iter()
        .filter(|s| s.name.starts_with("po-"))
    {
        let state = timeline.state_after(&stream.name, Some(stream.n_events - 1));
        let lines = state["lines"].as_array().unwrap();
        assert!(
            lines
                .iter()
                .all(|l| l.get("quantity").is_none() && l["qty"].is_u64()),
            "{}: {lines:?}",
            stream.name
        );
        let total: f64 = lines
            .iter()
            .map(|l| l["qty"].as_f64().unwrap() * l["unitPrice"].as_f64().unwrap())
            .sum();
        assert!(
            (total - state["total"].as_f64().unwrap()).abs() < 0.01,
            "{}",
            stream.name
        );
    }
}

#[test]
fn benchmark_data_is_about_300_bytes_an_event_and_replays_without_problems() {
    let text = chronoscope_samples::bench_data::bench_ndjson(5_000);
    let per_event = text.len() / 5_000;
    assert!(
        (250..=350).contains(&per_event),
        "{per_event} bytes per event"
    );
    let (decoded, _) = decode_text(&text, None);
    assert!(decoded.problems.is_empty(), "{:?}", &decoded.problems[..1]);
    assert_eq!(decoded.events.len(), 5_000);
    let timeline = Timeline::build(decoded.events);
    assert!(
        timeline.problems().is_empty(),
        "{:?}",
        &timeline.problems()[..1]
    );
    assert_eq!(timeline.streams().len(), 100);
    let last = timeline.state_after("po-000007", Some(49));
    assert_eq!(last["lines"].as_array().unwrap().len(), 2 + 20);
}

#[test]
fn the_demo_shows_a_verified_hash_chain_and_a_deliberate_gap() {
    use chronoscope_core::decode::Format;
    use chronoscope_core::ingest::{Ingest, Setup};
    use chronoscope_core::integrity::check;
    let setup = Setup {
        projection: Some(Arc::new(Projection::parse(&demo_projection()).unwrap())),
        ..Setup::default()
    };
    let outcome = Ingest::read_all(setup, &demo_ndjson());
    let report = check(&outcome.timeline, Format::Canonical, &outcome.problems);
    assert_eq!(report.n_chained, 12, "the ledger's entries are chained");
    let found: Vec<(&str, Option<&str>, Option<u64>)> = report
        .findings
        .iter()
        .map(|f| (f.kind.key(), f.stream.as_deref(), f.version))
        .collect();
    assert_eq!(found, vec![("version-gap", Some("po-1017"), Some(4))]);
    assert_eq!(
        report.summary,
        "1 finding: 1 gap in 1,971 events, 76 streams"
    );
}

/// The README's text between `before` and the next backtick, its line breaks as spaces.
fn readme_example(readme: &str, before: &str) -> String {
    let start = readme.find(before).expect("the README has the example") + before.len();
    let end = start + readme[start..].find('`').expect("the example ends");
    readme[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The README's and the guide's examples of `where=` and `q=`, and the README's deep link, asked of the demo as the app opens
/// it (with its projection): each finds something, so that a person trying them sees what
/// they are for.
#[test]
fn the_readme_s_examples_find_something_in_the_demo() {
    use chronoscope_core::event_query::parse_event_query;
    use chronoscope_core::link::ViewState;
    use chronoscope_core::query::parse_state_query;
    use chronoscope_core::selection::select;
    use chronoscope_core::table::period_table;
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
    let readme = std::fs::read_to_string(format!("{root}README.md")).expect("the README");
    let guide = std::fs::read_to_string(format!("{root}docs/guide.md")).expect("the guide");
    let (decoded, _) = decode_text(&demo_ndjson(), None);
    let projection = Projection::parse(&demo_projection()).unwrap();
    let timeline = project(decoded.events, Some(Arc::new(projection)));

    let where_examples = [
        readme_example(&readme, "(*Where*, `where=`): `"),
        readme_example(&guide, "the moment, for example `"),
    ];
    for example in where_examples {
        let query = parse_state_query(&example).expect("the where= example reads");
        let table = period_table(&timeline, query.as_of, None, Some(&query));
        assert!(!table.rows.is_empty(), "`{example}` lists nothing");
    }
    let q_examples = [
        readme_example(&readme, "(`q=`): `"),
        readme_example(&guide, "keyed terms ask more, for\n  example `"),
    ];
    for example in q_examples {
        let query = parse_event_query(&example).expect("the q= example reads");
        let n_found: usize = timeline
            .streams()
            .iter()
            .map(|stream| query.positions(&timeline, &stream.name).len())
            .sum();
        assert!(n_found > 0, "`{example}` finds no event");
    }

    // Side by side: the PO's quarter end against its year end are two moments; its badge is
    // another stream of the demo.
    let quarters = readme_example(&readme, "one PO at quarter end\n  and at year end (`?");
    let selection = select(&timeline, &ViewState::from_query(&quarters).0);
    assert!(
        selection.notes.is_empty(),
        "{quarters}: {:?}",
        selection.notes
    );
    assert_ne!(selection.compare, selection.pos, "{quarters}");
    let badge = readme_example(&readme, "(*Compare with stream*, `?");
    let selection = select(&timeline, &ViewState::from_query(&badge).0);
    assert!(selection.notes.is_empty(), "{badge}: {:?}", selection.notes);
    assert_eq!(selection.compare_stream.as_deref(), Some("badge-po-1012"));
    assert!(
        selection.compare.is_some(),
        "{badge}: the badge was issued by then"
    );

    let link = readme_example(&readme, "Example: `?");
    let (view, _) = ViewState::from_query(&link);
    let selection = select(&timeline, &view);
    assert_eq!(selection.stream, view.stream, "{link}");
    let pos = selection.pos.expect("a selected event");
    let stream = view.stream.as_deref().unwrap_or_default();
    assert_eq!(
        timeline.position_of_version(stream, view.version.unwrap_or(0)),
        Some(pos)
    );
}
