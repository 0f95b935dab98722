//! Deep links: URL -> view -> URL round trips, and what is refused or ignored.

use chronoscope_core::follow::FollowMode;
use chronoscope_core::link::{check_source, Compare, Panel, ViewState};

#[test]
fn a_full_link_round_trips_exactly() {
    let query = "src=https://cambium.example/api/po-events.ndjson?page%3D1%26size%3D5&stream=po-1042&v=57&cmp=t:2026-03-31T23:59:59Z&view=diff&q=Approved%20by%20ana&embed=1&theme=dark";
    let (view, ignored) = ViewState::from_query(query);
    assert!(ignored.is_empty(), "{ignored:?}");
    assert_eq!(
        view.src.as_deref(),
        Some("https://cambium.example/api/po-events.ndjson?page=1&size=5")
    );
    assert_eq!(view.stream.as_deref(), Some("po-1042"));
    assert_eq!(view.version, Some(57));
    assert_eq!(
        view.compare,
        Some(Compare::Time("2026-03-31T23:59:59Z".into()))
    );
    assert_eq!(view.panel, Some(Panel::Diff));
    assert_eq!(view.filter.as_deref(), Some("Approved by ana"));
    assert_eq!(view.extra_param("theme").as_deref(), Some("dark"));
    assert_eq!(view.to_query(), query);
}

#[test]
fn every_parameter_round_trips_from_view_to_url_and_back() {
    let view = ViewState {
        src: Some("/data/orders & badges.json".into()),
        file: Some("export (1).ndjson".into()),
        format: Some("mapping".into()),
        mapping: Some(r#"{"stream":"/table_name","type":"/action","time":"/changed_at"}"#.into()),
        projection: Some("https://cambium.example/po.projection.json".into()),
        naive_offset: Some("+02:00".into()),
        zone: Some("America/Argentina/Buenos_Aires".into()),
        stream: Some("po/1042 #ü".into()),
        version: Some(0),
        dup: Some(2),
        time: Some("2026-04-01T01:59:59+02:00".into()),
        compare: Some(Compare::Version(12)),
        compare_with: Some("badge-po-1042".into()),
        panel: Some(Panel::Raw),
        filter: Some("a+b=c%".into()),
        search_all: true,
        blame: Some("/lines/L~12/qty".into()),
        trail: true,
        follow: Some(FollowMode::Sse),
        memory_mb: Some(2048),
        columns: Some("/status,/lines/L2/qty, /a b".into()),
        where_query: Some("status=approved /total>10000".into()),
        pin: Some("0123456789abcdef".into()),
        pin_marks: Some("3.AbC-_x".into()),
        engine: Some("ws://127.0.0.1:9107".into()),
        extra: vec![("host".into(), "x".into())],
    };
    let query = view.to_query();
    assert!(query.contains("t=2026-04-01T01:59:59%2B02:00"), "{query}");
    assert!(query.contains("&trail=1&follow=sse&mem=2048&"), "{query}");
    assert!(query.contains("&q=a%2Bb%3Dc%25&scope=all&"), "{query}");
    let (back, ignored) = ViewState::from_query(&format!("?{query}"));
    assert!(ignored.is_empty());
    assert_eq!(back, view);
    assert_eq!(back.to_query(), query);
}

#[test]
fn the_default_view_is_an_empty_query() {
    assert_eq!(ViewState::default().to_query(), "");
    assert_eq!(ViewState::from_query("").0, ViewState::default());
    assert_eq!(ViewState::from_query("?").0, ViewState::default());
}

#[test]
fn meaningless_values_are_ignored_and_explained() {
    let (view, ignored) = ViewState::from_query("v=abc&cmp=x:1&view=chart&stream=s&h=xyz");
    assert_eq!(view.version, None);
    assert_eq!(view.compare, None);
    assert_eq!(view.panel, None);
    assert_eq!(view.stream.as_deref(), Some("s"));
    assert_eq!(
        ignored,
        vec![
            "v=abc is not a version number",
            "cmp=x:1 is not v:N or t:INSTANT",
            "view=chart is not tree, raw, diff, side or table",
            "h=xyz is not 16 hex digits"
        ]
    );
}

#[test]
fn credentials_are_never_accepted_in_a_source_link() {
    let (view, ignored) = ViewState::from_query("src=https://admin:hunter2@es.example/streams/po");
    assert_eq!(view.src, None);
    assert_eq!(ignored.len(), 1);
    assert!(ignored[0].contains("credentials"));
    assert!(check_source("https://es.example/streams/po?user=a@b").is_ok());
    assert!(check_source("demo/cambium-demo.ndjson").is_ok());
}

#[test]
fn engine_names_only_a_native_engine_on_this_machine() {
    for (given, kept) in [
        ("ws://127.0.0.1:9107", "ws://127.0.0.1:9107"),
        ("ws://127.0.0.1:9107/", "ws://127.0.0.1:9107"),
        ("WS://LOCALHOST:80", "ws://localhost:80"),
        ("ws://[::1]:9107", "ws://[::1]:9107"),
        ("ws://127.0.0.1", "ws://127.0.0.1:80"),
    ] {
        let (view, ignored) = ViewState::from_query(&format!("engine={given}"));
        assert_eq!(view.engine.as_deref(), Some(kept), "{given}");
        assert!(ignored.is_empty(), "{given}: {ignored:?}");
    }
    for refused in [
        "ws://evil.example:9107",
        "wss://127.0.0.1:9107",
        "http://127.0.0.1:9107",
        "ws://user:pw@127.0.0.1:9107",
        "ws://127.0.0.1:9107/other",
        "ws://127.0.0.1:9107?token=x",
        "ws://127.0.0.2:9107",
        "ws://127.0.0.1.evil.example:9107",
    ] {
        let (view, ignored) = ViewState::from_query(&format!("engine={refused}"));
        assert_eq!(view.engine, None, "{refused}");
        assert_eq!(
            ignored,
            vec![format!(
                "engine={refused} is not ws://127.0.0.1:PORT (an engine on this machine)"
            )]
        );
    }
}

#[test]
fn time_zone_offsets_are_checked() {
    use chronoscope_core::link::parse_offset;
    assert_eq!(parse_offset("+02:00").unwrap().local_minus_utc(), 7200);
    assert_eq!(parse_offset("-05:30").unwrap().local_minus_utc(), -19800);
    assert_eq!(parse_offset("Z").unwrap().local_minus_utc(), 0);
    assert!(parse_offset("CET").is_none());
    let (view, ignored) = ViewState::from_query("tz=CET");
    assert_eq!(view.naive_offset, None);
    assert_eq!(ignored, vec!["tz=CET is not an offset like +02:00"]);
}

#[test]
fn a_source_with_credentials_is_refused_however_the_url_is_spelled() {
    for query in [
        "src=//admin:hunter2@host/x",
        "src=http:%5C%5Cuser:pass@host/x",
        "src=HTTPS://user:pass@host/x",
        "src=https:/%5Cuser@host/x",
        "src=http://user@host:8080/x",
        "src=%2F%2Fuser:pass@host",
    ] {
        let (view, ignored) = ViewState::from_query(query);
        assert_eq!(view.src, None, "{query}");
        assert_eq!(
            ignored,
            vec!["src carries a user name or password; credentials are never put in a link"],
            "{query}"
        );
        assert!(!view.to_query().contains("pass"), "{query}");
    }
    for fine in [
        "demo/cambium-demo.ndjson",
        "/streams/po?user=a@b",
        "https://es.example/streams/po@2",
        "events.ndjson#user:pass@x",
    ] {
        assert!(check_source(fine).is_ok(), "{fine}");
    }
}

mod random_views {
    //! URL → view → URL is the identity, for views made at random: every parameter, any text
    //! in the free-text ones (with the characters a query gives meaning to), in any mix.
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9 &=+%#/:?;,.~_'\"<>|ü€\\-]{0,14}"
    }

    fn some<T: std::fmt::Debug + Clone>(
        s: impl Strategy<Value = T>,
    ) -> impl Strategy<Value = Option<T>> {
        proptest::option::of(s)
    }

    fn compare() -> impl Strategy<Value = Compare> {
        prop_oneof![
            any::<u64>().prop_map(Compare::Version),
            "[a-zA-Z0-9 :+.&=%-]{1,12}".prop_map(Compare::Time),
        ]
    }

    fn follow() -> impl Strategy<Value = FollowMode> {
        prop_oneof![
            Just(FollowMode::Auto),
            Just(FollowMode::Sse),
            Just(FollowMode::Ndjson),
            Just(FollowMode::Poll)
        ]
    }

    fn panel() -> impl Strategy<Value = Panel> {
        prop_oneof![
            Just(Panel::Tree),
            Just(Panel::Raw),
            Just(Panel::Diff),
            Just(Panel::Side),
            Just(Panel::Table)
        ]
    }

    prop_compose! {
        fn view()(
            (src, file, format, mapping, projection) in (some(text()), some(text()), some(text()), some(text()), some(text())),
            (naive_offset, zone) in (some("[+-](0[0-9]|1[0-3]):[0-5][0-9]"), some("[A-Z][a-z]{1,8}(/[A-Z][a-z_+-]{0,8}){0,2}")),
            (stream, version, dup, time) in (some(text()), some(any::<u64>()), some(2u64..), some("[a-zA-Z0-9 :+.&=%-]{0,12}")),
            (compare, compare_with, panel, filter, search_all) in (some(compare()), some(text()), some(panel()), some(text()), any::<bool>()),
            (blame, trail, columns, where_query) in (some("/[a-zA-Z0-9~/ &=+%]{0,10}"), any::<bool>(), some(text()), some(text())),
            (pin, pin_marks, follow, memory_mb) in (some("[0-9a-f]{16}"), some("[0-9]{1,2}\\.[A-Za-z0-9_-]{0,12}"), some(follow()), some(1u64..=4096)),
            engine in some("ws://(127\\.0\\.0\\.1|localhost|\\[::1\\]):[1-9][0-9]{0,3}"),
            extra in proptest::collection::vec(("x[a-z]{1,5}", "[a-z0-9]{0,6}"), 0..3),
        ) -> ViewState {
            ViewState {
                src, file, format, mapping, projection, naive_offset, zone, stream, version, dup, time,
                compare, compare_with, panel, filter, search_all, blame, trail, follow, memory_mb, columns, where_query, pin, pin_marks, engine, extra,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn a_view_written_as_a_url_reads_back_as_itself(view in view()) {
            let query = view.to_query();
            let (back, ignored) = ViewState::from_query(&query);
            prop_assert!(ignored.is_empty(), "{query} ignored {ignored:?}");
            prop_assert_eq!(&back, &view, "{}", query);
            prop_assert_eq!(back.to_query(), query);
        }
    }
}

#[test]
fn mem_sets_the_memory_budget_in_mb_and_a_value_out_of_range_is_ignored_with_a_word() {
    let (view, ignored) = ViewState::from_query("mem=512&stream=po-1");
    assert_eq!((view.memory_mb, ignored.len()), (Some(512), 0));
    assert_eq!(view.to_query(), "stream=po-1&mem=512");
    for bad in ["0", "4097", "lots", "-1"] {
        let (view, ignored) = ViewState::from_query(&format!("mem={bad}"));
        assert_eq!(view.memory_mb, None);
        assert_eq!(
            ignored,
            [format!("mem={bad} is not a number of MB from 1 to 4096")]
        );
    }
}

#[test]
fn the_table_replaces_the_stream_view_for_view_table_or_a_where_query() {
    let shows = |query: &str| ViewState::from_query(query).0.shows_table();
    assert!(shows("view=table"));
    assert!(shows("where=status%3Dclosed&t=2026-03-31T23:59:59Z"));
    assert!(!shows("view=diff&stream=po-1"));
    assert!(!shows(""));
}

#[test]
fn scope_all_searches_every_stream_and_another_scope_is_ignored_with_a_word() {
    let (view, ignored) = ViewState::from_query("q=author%3Adana&scope=all");
    assert!(view.search_all && ignored.is_empty());
    assert_eq!(view.to_query(), "q=author:dana&scope=all");
    let (view, ignored) = ViewState::from_query("scope=stream");
    assert!(!view.search_all);
    assert_eq!(ignored, vec!["scope=stream is not all".to_string()]);
}

#[test]
fn zone_names_the_zone_times_are_shown_in_and_a_value_that_is_no_zone_name_is_ignored() {
    let (view, ignored) = ViewState::from_query("t=2026-03-31T15:59:59Z&zone=Asia/Singapore");
    assert_eq!(view.zone.as_deref(), Some("Asia/Singapore"));
    assert_eq!(view.time.as_deref(), Some("2026-03-31T15:59:59Z"));
    assert!(ignored.is_empty());
    assert_eq!(
        view.to_query(),
        "zone=Asia/Singapore&t=2026-03-31T15:59:59Z"
    );
    for good in [
        "UTC",
        "Etc/GMT-8",
        "America/Port-au-Prince",
        "America/Argentina/Buenos_Aires",
    ] {
        assert!(chronoscope_core::link::is_zone_name(good), "{good}");
    }
    for bad in [
        "-08:00",
        "Asia/",
        "/UTC",
        "Asia//Singapore",
        "Asia/Sing apore",
        "<b>",
    ] {
        let (view, ignored) = ViewState::from_query(&format!("zone={bad}"));
        assert_eq!(view.zone, None, "{bad}");
        assert_eq!(
            ignored,
            [format!(
                "zone={bad} is not a time zone name like Asia/Singapore"
            )]
        );
    }
}
