//! The embedding contract: host messages read or rejected with the field named, views changed
//! as a deep link would, the origin allowlist from `config.json`, and the panel's messages in
//! the shape their JSON Schemas in `embed/` describe.

use chronoscope_core::embed::{
    self, origin_alone, Allowlist, Command, HostMessage, MessageError, NoLink, Seek, HOST_TYPES,
    LINK_PARAM,
};
use chronoscope_core::link::{Compare, Panel, ViewState};
use serde_json::{json, Value};

fn host(kind: &str, payload: Value) -> String {
    json!({"ns": "chronoscope", "v": 1, "type": kind, "id": "m1", "payload": payload}).to_string()
}

fn command(kind: &str, payload: Value) -> Command {
    match embed::read(&host(kind, payload)) {
        Ok(Some(HostMessage { id, command })) => {
            assert_eq!(id.as_deref(), Some("m1"));
            command
        }
        other => panic!("{kind} was not read: {other:?}"),
    }
}

fn rejected(text: &str) -> (Option<String>, String) {
    match embed::read(text) {
        Err(rejected) => (rejected.id, rejected.error.to_string()),
        other => panic!("{text} was not rejected: {other:?}"),
    }
}

#[test]
fn messages_of_another_namespace_or_not_objects_are_ignored() {
    for text in [
        r#"{"ns": "react-devtools", "v": 1, "type": "load"}"#,
        r#"{"type": "load"}"#,
        r#""chronoscope""#,
        "[1, 2]",
        "null",
    ] {
        assert_eq!(embed::read(text), Ok(None), "{text}");
    }
}

#[test]
fn an_unknown_version_or_type_is_rejected_with_the_id_to_reply_to() {
    let (id, error) = rejected(r#"{"ns": "chronoscope", "v": 2, "type": "load", "id": "a"}"#);
    assert_eq!(id.as_deref(), Some("a"));
    assert_eq!(error, "version 2 is not known; this panel speaks version 1");
    let (_, error) = rejected(r#"{"ns": "chronoscope", "type": "load"}"#);
    assert_eq!(
        error,
        "version null is not known; this panel speaks version 1"
    );
    let (id, error) = rejected(&host("delete", json!({})));
    assert_eq!(id.as_deref(), Some("m1"));
    assert!(error.starts_with("type \"delete\" is not known"), "{error}");
}

#[test]
fn payload_errors_name_the_message_type_and_the_field() {
    let cases = [
        ("seek", json!({"v": -1}), "seek: v must be a whole number"),
        ("seek", json!({"v": 1.5}), "seek: v must be a whole number"),
        (
            "seek",
            json!({"t": "yesterday"}),
            "seek: t must be an RFC 3339 instant",
        ),
        (
            "seek",
            json!({"stream": 7}),
            "seek: stream must be a string",
        ),
        (
            "view",
            json!({"view": "graph"}),
            "view: view must be tree, raw, diff, side or table",
        ),
        (
            "view",
            json!({"cmp": "v:x"}),
            "view: cmp must be v:N or t:INSTANT",
        ),
        (
            "view",
            json!({"with": 7}),
            "view: with must be a stream name or null",
        ),
        (
            "append",
            json!({}),
            "append: events must be an array of records",
        ),
        (
            "append",
            json!({"events": "{}"}),
            "append: events must be an array of records",
        ),
        (
            "load",
            json!({"src": "/e", "text": "{}"}),
            "load: src cannot come with text or events",
        ),
        (
            "load",
            json!({"text": "{}", "events": []}),
            "load: text cannot come with events",
        ),
        (
            "load",
            json!({"follow": "yes"}),
            "load: follow must be true or false",
        ),
        (
            "load",
            json!({"headers": {"Bad Name": "x"}}),
            "load: headers.Bad Name is not a header name",
        ),
        (
            "load",
            json!({"headers": {"X-A": "1\r\nHost: evil"}}),
            "load: headers.X-A needs a one-line string",
        ),
        (
            "theme",
            json!({"mode": "sepia"}),
            "theme: mode must be light or dark",
        ),
        (
            "theme",
            json!({"vars": {"--evil": "red"}}),
            "theme: vars.--evil is not a themeable property",
        ),
        (
            "theme",
            json!({"vars": {"--bg": "url(https://x.example/a.png)"}}),
            "theme: vars.--bg needs a plain CSS value",
        ),
        (
            "theme",
            json!({"vars": {"--bg": "red; position: fixed"}}),
            "theme: vars.--bg needs a plain CSS value",
        ),
    ];
    for (kind, payload, expected) in cases {
        let (id, error) = rejected(&host(kind, payload.clone()));
        assert_eq!(error, expected, "{kind} {payload}");
        assert_eq!(id.as_deref(), Some("m1"));
    }
    let (_, error) = rejected(r#"{"ns": "chronoscope", "v": 1, "type": "seek", "payload": 3}"#);
    assert_eq!(error, "seek: payload must be an object");
    let (id, error) = rejected("{not json");
    assert_eq!(id, None);
    assert!(error.starts_with("the message is not JSON"), "{error}");
}

#[test]
fn a_load_takes_a_url_text_or_records_with_its_moment_and_headers() {
    let Command::Load(load) = command(
        "load",
        json!({"src": "https://es.example/po-1042", "stream": "po-1042", "v": 3,
               "format": "ndjson", "projection": {"rules": []},
               "headers": {"Authorization": "Bearer abc"}, "follow": true}),
    ) else {
        panic!("not a load");
    };
    assert_eq!(load.src.as_deref(), Some("https://es.example/po-1042"));
    assert_eq!(load.projection.as_deref(), Some(r#"{"rules":[]}"#));
    assert_eq!(
        load.headers,
        vec![("Authorization".to_string(), "Bearer abc".to_string())]
    );
    assert!(load.follow);
    let current = ViewState {
        extra: vec![("embed".into(), "1".into())],
        stream: Some("old".into()),
        filter: Some("old filter".into()),
        ..ViewState::default()
    };
    let view = load.view(&current);
    assert_eq!(view.src.as_deref(), Some("https://es.example/po-1042"));
    assert_eq!(
        (view.stream.as_deref(), view.version),
        (Some("po-1042"), Some(3))
    );
    assert_eq!(view.filter, None);
    assert_eq!(view.extra, current.extra);
    assert!(!view.to_query().contains("Bearer"), "{}", view.to_query());

    let Command::Load(load) = command("load", json!({"events": [{"a": 1}, {"b": "x\ny"}]})) else {
        panic!("not a load");
    };
    assert_eq!(load.text.as_deref(), Some("{\"a\":1}\n{\"b\":\"x\\ny\"}\n"));
    assert_eq!(load.view(&current).file.as_deref(), Some(embed::FROM_HOST));
}

#[test]
fn append_writes_each_record_on_its_own_line() {
    let records = json!([{"stream": "po-1", "type": "Approved", "version": 4}, {"n": 12345678901234567890u64}]);
    let Command::Append { lines } = command("append", json!({ "events": records })) else {
        panic!("not an append");
    };
    assert_eq!(
        lines,
        "{\"stream\":\"po-1\",\"type\":\"Approved\",\"version\":4}\n{\"n\":12345678901234567890}\n"
    );
}

#[test]
fn seek_and_view_change_the_view_as_the_deep_link_parameters_do() {
    let mut view = ViewState {
        stream: Some("po-1".into()),
        time: Some("2026-03-31T23:59:59Z".into()),
        pin: Some("0123456789abcdef".into()),
        ..ViewState::default()
    };
    let Command::Seek(seek) = command("seek", json!({"v": 12})) else {
        panic!("not a seek");
    };
    seek.apply(&mut view);
    assert_eq!(
        (view.stream.as_deref(), view.version, view.time.as_deref()),
        (Some("po-1"), Some(12), None)
    );
    assert_eq!(view.pin, None, "a moved view is no longer the pinned one");
    Seek {
        stream: Some("po-2".into()),
        version: None,
        time: Some("2026-01-01T00:00:00Z".into()),
    }
    .apply(&mut view);
    assert_eq!(view.to_query(), "stream=po-2&t=2026-01-01T00:00:00Z");

    let Command::View(change) = command(
        "view",
        json!({"view": "diff", "cmp": "v:2", "q": "Approved"}),
    ) else {
        panic!("not a view");
    };
    change.apply(&mut view);
    assert_eq!(view.panel, Some(Panel::Diff));
    assert_eq!(view.compare, Some(Compare::Version(2)));
    assert_eq!(view.filter.as_deref(), Some("Approved"));
    let Command::View(change) = command("view", json!({"view": "side", "with": "badge-po-2"}))
    else {
        panic!("not a view");
    };
    change.apply(&mut view);
    assert_eq!(view.panel, Some(Panel::Side));
    assert_eq!(view.compare_with.as_deref(), Some("badge-po-2"));
    assert_eq!(view.compare, Some(Compare::Version(2)), "cmp stays");
    let Command::View(change) = command("view", json!({"view": "tree", "cmp": null, "with": null}))
    else {
        panic!("not a view");
    };
    change.apply(&mut view);
    assert_eq!(
        (view.panel, view.compare.clone(), view.filter.as_deref()),
        (None, None, Some("Approved"))
    );
    assert_eq!(view.compare_with, None);
}

#[test]
fn a_theme_sets_only_listed_properties_with_plain_values() {
    let Command::Theme(theme) = command(
        "theme",
        json!({"mode": "dark", "vars": {"--accent": "#0a7d5a", "--mono": "JetBrains Mono, monospace"}}),
    ) else {
        panic!("not a theme");
    };
    assert_eq!(theme.mode.as_deref(), Some("dark"));
    assert_eq!(
        theme.vars,
        vec![
            ("--accent".to_string(), "#0a7d5a".to_string()),
            (
                "--mono".to_string(),
                "JetBrains Mono, monospace".to_string()
            )
        ]
    );
    let (_, error) = rejected(&host("theme", json!({"vars": {"--mono": "\"Fira\""}})));
    assert_eq!(error, "theme: vars.--mono needs a plain CSS value");
}

#[test]
fn allowed_origins_come_from_config_json_as_origins_alone() {
    let own = "https://chronoscope.example";
    assert_eq!(Allowlist::from_config("{}"), Ok(Allowlist::default()));
    let none = Allowlist::default();
    assert!(
        none.allows(own, own),
        "with no config, the panel's own origin may drive it"
    );
    assert!(!none.allows("https://cambium.example", own));

    let list = Allowlist::from_config(
        r#"{"embed": {"allowed_origins": ["https://cambium.example", "http://localhost:8081/"]}}"#,
    )
    .expect("a valid config");
    assert_eq!(
        list.origins,
        ["https://cambium.example", "http://localhost:8081"]
    );
    assert!(list.allows("https://cambium.example", own));
    assert!(list.allows("http://localhost:8081", own));
    assert!(!list.allows("https://cambium.example.evil", own));
    assert!(
        !list.allows("http://cambium.example", own),
        "the scheme is part of the origin"
    );
    assert!(!list.allows("null", own));
    assert_eq!(
        list.target(Some("https://cambium.example"), own).as_deref(),
        Some("https://cambium.example")
    );
    assert_eq!(list.target(Some("https://other.example"), own), None);
    assert_eq!(list.target(None, own), None);

    for (config, place) in [
        (
            r#"{"embed": {"allowed_origins": ["*"]}}"#,
            "embed.allowed_origins[0]",
        ),
        (
            r#"{"embed": {"allowed_origins": ["https://a.example", "https://b.example/admin"]}}"#,
            "embed.allowed_origins[1]",
        ),
        (
            r#"{"embed": {"allowed_origins": [42]}}"#,
            "embed.allowed_origins[0]",
        ),
        (
            r#"{"embed": {"allowed_origins": "https://a.example"}}"#,
            "embed.allowed_origins",
        ),
    ] {
        let error = Allowlist::from_config(config).expect_err(config);
        assert_eq!(error.place, place, "{config}");
    }
    assert!(Allowlist::from_config("{").is_err());
    assert_eq!(origin_alone("data:text/plain,x"), None);
    assert_eq!(
        origin_alone("HTTPS://Cambium.Example:443"),
        Some("https://cambium.example".into())
    );
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).expect("the panel writes JSON")
}

#[test]
fn the_panels_messages_are_envelopes_with_their_payloads() {
    let ready = parsed(&embed::ready("0.1.0"));
    assert_eq!(
        ready,
        json!({"ns": "chronoscope", "v": 1, "type": "ready",
               "payload": {"version": "0.1.0", "capabilities": ["load", "append", "seek", "view", "theme"]}})
    );
    assert_eq!(
        parsed(&embed::loaded(5, 2, 1))["payload"],
        json!({"events": 5, "streams": 2, "problems": 1})
    );
    let selected = parsed(&embed::selected(
        "po-1",
        Some(3),
        None,
        Ok("https://c.example/?stream=po-1&v=3"),
    ));
    assert_eq!(
        selected["payload"],
        json!({"stream": "po-1", "v": 3, "t": null, "link": "https://c.example/?stream=po-1&v=3"})
    );
    assert_eq!(
        parsed(&embed::resize(640))["payload"],
        json!({"height": 640})
    );
    let reply = parsed(&embed::reply("m1", Ok(())));
    assert_eq!(
        (reply["reply_to"].clone(), reply["payload"].clone()),
        (json!("m1"), json!({"ok": true}))
    );

    let rejected = embed::read(&host("seek", json!({"v": "x"}))).expect_err("a bad seek");
    let answer = parsed(&embed::rejection(&rejected));
    assert_eq!(answer["type"], "reply");
    assert_eq!(
        answer["payload"],
        json!({"ok": false, "error": "seek: v must be a whole number"})
    );
    let rejected =
        embed::read(r#"{"ns": "chronoscope", "v": 1, "type": "x"}"#).expect_err("no such type");
    let answer = parsed(&embed::rejection(&rejected));
    assert_eq!(answer["type"], "error");
    assert!(answer["payload"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("\"x\"")));
    assert!(matches!(rejected.error, MessageError::UnknownType(_)));
}

/// Each message type has its schema in `embed/`, which names the type and requires the
/// payload fields the panel always writes.
#[test]
fn every_message_type_has_a_json_schema_that_matches_what_the_panel_writes() {
    let panel_messages = [
        ("ready", embed::ready("0.1.0")),
        ("loaded", embed::loaded(1, 1, 0)),
        (
            "selected",
            embed::selected(
                "s",
                Some(1),
                Some("2026-01-01T00:00:00Z"),
                Ok("https://c.example/"),
            ),
        ),
        ("selected", embed::selected("s", None, None, Err(NoLink))),
        ("resize", embed::resize(1)),
        ("reply", embed::reply("m", Err("no"))),
        ("error", embed::error("no")),
    ];
    let dir = concat!(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."), "/embed");
    for kind in HOST_TYPES
        .into_iter()
        .chain(panel_messages.iter().map(|(k, _)| *k))
    {
        let path = format!("{dir}/{kind}.schema.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
        let schema = parsed(&text);
        assert_eq!(schema["properties"]["type"]["const"], kind, "{path}");
        if let Some((_, message)) = panel_messages.iter().find(|(k, _)| *k == kind) {
            let message = parsed(message);
            let required = schema["properties"]["payload"]["required"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for field in required {
                let field = field.as_str().unwrap_or_default();
                assert!(
                    message["payload"].get(field).is_some(),
                    "{kind} lacks {field}"
                );
            }
            let properties = schema["properties"]["payload"]["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for field in message["payload"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                assert!(
                    properties.contains_key(field),
                    "{kind}'s schema does not describe {field}"
                );
            }
        }
    }
}

#[test]
fn live_events_move_a_following_view_to_the_head_and_leave_any_other_where_it_is() {
    let at_head = ViewState {
        stream: Some("po-1".into()),
        ..ViewState::default()
    };
    let mut view = at_head.clone();
    embed::keep_place(&mut view, false, Some(("po-1".into(), 4, 1)));
    assert_eq!(
        (view.version, view.dup),
        (Some(4), None),
        "pinned where it was"
    );
    let mut view = at_head.clone();
    embed::keep_place(&mut view, false, Some(("po-1".into(), 4, 2)));
    assert_eq!((view.version, view.dup), (Some(4), Some(2)));
    let mut pinned = ViewState {
        time: Some("2026-03-31T23:59:59Z".into()),
        ..at_head.clone()
    };
    embed::keep_place(&mut pinned, false, Some(("po-1".into(), 9, 1)));
    assert_eq!(
        (pinned.version, pinned.time.as_deref()),
        (None, Some("2026-03-31T23:59:59Z"))
    );
    embed::keep_place(&mut pinned, true, Some(("po-1".into(), 9, 1)));
    assert_eq!(
        (pinned.version, pinned.time),
        (None, None),
        "following goes to the head"
    );
}

#[test]
fn host_headers_go_to_their_source_origin_only() {
    use chronoscope_core::origin::{host_headers, secrets_to};
    let src = url::Url::parse("https://es.example/streams/po-1").expect("a URL");
    let headers = host_headers(&src, vec![("Authorization".into(), "Bearer t".into())]);
    let same = url::Url::parse("https://es.example/streams/po-1?page=2").expect("a URL");
    assert_eq!(secrets_to(&headers, &same).len(), 1);
    for other in [
        "https://es.example.evil/",
        "http://es.example/",
        "https://es.example:8443/",
    ] {
        let other = url::Url::parse(other).expect("a URL");
        assert!(secrets_to(&headers, &other).is_empty(), "{other}");
    }
}

#[test]
fn only_the_framing_page_of_an_allowed_origin_is_heard_and_long_messages_or_queues_are_cut() {
    use chronoscope_core::embed::{
        admit_message, admit_sender, Dropped, MAX_MESSAGE_LEN, MAX_WAITING,
    };
    assert_eq!(admit_sender(false, Some(true)), Err(Dropped::NotParent));
    assert_eq!(admit_sender(true, Some(false)), Err(Dropped::Origin));
    assert_eq!(admit_sender(true, None), Ok(()));
    assert_eq!(admit_sender(true, Some(true)), Ok(()));
    assert_eq!(admit_message(MAX_MESSAGE_LEN, true, 0), Ok(()));
    assert_eq!(
        admit_message(MAX_MESSAGE_LEN + 1, true, 0),
        Err(Dropped::TooLong {
            len: MAX_MESSAGE_LEN + 1,
            max: MAX_MESSAGE_LEN
        })
    );
    assert_eq!(admit_message(10, false, MAX_WAITING - 1), Ok(()));
    assert_eq!(
        admit_message(10, false, MAX_WAITING),
        Err(Dropped::QueueFull { max: MAX_WAITING })
    );
    assert_eq!(
        admit_message(10, true, MAX_WAITING),
        Ok(()),
        "no queue once config.json is read"
    );
}

/// The host's message schemas in `embed/` and the panel's readers (`embed::read`) agree field by
/// field: every payload field a schema describes is read (a value of a type the schema refuses
/// is rejected, naming the field, and a value it allows is taken), and every field the readers
/// ask for is one a schema describes.
#[test]
fn the_host_message_schemas_and_the_readers_agree_field_by_field() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../embed");
    let mut described = vec!["ns", "v", "type", "id", "reply_to", "payload"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    for kind in HOST_TYPES {
        let schema = parsed(&std::fs::read_to_string(format!("{dir}/{kind}.schema.json")).unwrap());
        let payload = &schema["properties"]["payload"];
        let required: Vec<&str> = payload["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let properties = payload["properties"]
            .as_object()
            .expect("payload properties");
        for (field, spec) in properties {
            described.push(field.clone());
            // The other required fields, valid, so that only this one is in question.
            let base = |value: Value| {
                let mut payload = serde_json::Map::new();
                for other in required.iter().filter(|r| **r != field) {
                    payload.insert(other.to_string(), valid_value(other, &properties[*other]));
                }
                payload.insert(field.clone(), value);
                host(kind, Value::Object(payload))
            };
            let refused = wrong_value(spec);
            match embed::read(&base(refused.clone())) {
                Err(rejected) => match rejected.error {
                    MessageError::Payload {
                        kind: k, field: f, ..
                    } => {
                        assert_eq!(
                            (k, f.as_str()),
                            (kind, field.as_str()),
                            "{kind}.{field} = {refused}"
                        )
                    }
                    other => panic!("{kind}.{field} = {refused}: {other}"),
                },
                other => panic!("{kind}.{field} = {refused} is not refused: {other:?}"),
            }
            let allowed = valid_value(field, spec);
            assert!(
                matches!(embed::read(&base(allowed.clone())), Ok(Some(_))),
                "{kind}.{field} = {allowed} is refused"
            );
        }
    }
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/embed.rs")).unwrap();
    for name in fields_asked_for(&source) {
        assert!(
            described.contains(&name),
            "embed.rs reads `{name}`, which no schema describes"
        );
    }
}

/// The JSON types a schema's property allows (`type`, or the types of `oneOf`; `enum` values).
fn allowed_types(spec: &Value) -> Vec<String> {
    let of = |s: &Value| s["type"].as_str().map(String::from);
    let mut types: Vec<String> = of(spec).into_iter().collect();
    types.extend(
        spec["oneOf"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(of),
    );
    if spec.get("enum").is_some() {
        types.push("string".into());
    }
    types
}

/// A value of a JSON type the property does not allow.
fn wrong_value(spec: &Value) -> Value {
    let allowed = allowed_types(spec);
    [
        ("number", json!(7.5)),
        ("string", json!("x")),
        ("boolean", json!(true)),
        ("array", json!([])),
    ]
    .into_iter()
    .find(|(t, _)| {
        !allowed
            .iter()
            .any(|a| a == t || (*t == "number" && a == "integer"))
    })
    .map(|(_, v)| v)
    .expect("some type is refused")
}

/// A value the property allows, and the reader takes.
fn valid_value(field: &str, spec: &Value) -> Value {
    if let Some(first) = spec["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    match (field, allowed_types(spec).first().map(String::as_str)) {
        ("t", _) => json!("2026-01-01T00:00:00Z"),
        ("link_base", _) => json!("https://cambium.example/po/1042"),
        ("cmp", _) => json!("v:1"),
        (_, Some("integer")) => json!(1),
        (_, Some("boolean")) => json!(true),
        (_, Some("object")) => json!({}),
        (_, Some("array")) => json!([]),
        _ => json!("x"),
    }
}

/// The names `embed.rs` reads from a payload or an envelope: the literal given to a `Fields`
/// reader (`string`, `bool`, `object`, `document`, `records`) or to `get` / `contains_key`.
fn fields_asked_for(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for call in [
        "string(\"",
        "bool(\"",
        "object(\"",
        "document(\"",
        "records(\"",
        "get(\"",
        "contains_key(\"",
    ] {
        for (at, _) in source.match_indices(call) {
            let rest = &source[at + call.len()..];
            if let Some(end) = rest.find('"') {
                names.push(rest[..end].to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

#[test]
fn a_host_link_base_gets_the_panels_links_and_a_load_with_its_link_reopens_the_moment() {
    let Command::Load(load) = command(
        "load",
        json!({"events": [{"a": 1}], "link_base": "https://cambium.example/po/1042?tab=history"}),
    ) else {
        panic!("not a load");
    };
    let base = load.link_base.clone();
    assert_eq!(
        base.as_deref(),
        Some("https://cambium.example/po/1042?tab=history")
    );
    let embedded = ViewState {
        extra: vec![("embed".into(), "1".into())],
        ..ViewState::default()
    };
    // The moment the person reached in the panel, pinned.
    let shown = ViewState {
        stream: Some("po-1042 & co".into()),
        version: Some(4),
        panel: Some(Panel::Diff),
        zone: Some("Asia/Singapore".into()),
        pin: Some("0123456789abcdef".into()),
        ..load.view(&embedded)
    };
    let page = "https://chronoscope.example/";
    let link = embed::link_to(&shown, page, base.as_deref()).expect("a link");
    let url = url::Url::parse(&link).unwrap();
    assert_eq!(
        url.origin().ascii_serialization(),
        "https://cambium.example"
    );
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(pairs[0], ("tab".into(), "history".into()));
    assert_eq!(pairs[1].0, LINK_PARAM);
    let carried = &pairs[1].1;
    assert!(
        !carried.contains("from the host") && !carried.contains("embed"),
        "{carried}"
    );

    // The host's page opens with that parameter and hands it back with its own events.
    let Command::Load(again) = command("load", json!({"events": [{"a": 1}], "link": carried}))
    else {
        panic!("not a load");
    };
    let reopened = again.view(&embedded);
    assert_eq!(reopened.stream.as_deref(), Some("po-1042 & co"));
    assert_eq!(reopened.version, Some(4));
    assert_eq!(reopened.panel, Some(Panel::Diff));
    assert_eq!(reopened.zone.as_deref(), Some("Asia/Singapore"));
    assert_eq!(reopened.pin.as_deref(), Some("0123456789abcdef"));
    assert_eq!(reopened.file.as_deref(), Some(embed::FROM_HOST));
    assert_eq!(reopened.extra, embedded.extra);

    // A seek in the same load wins over the link's moment, and its pin goes with it.
    let Command::Load(sought) = command(
        "load",
        json!({"events": [{"a": 1}], "link": carried, "v": 2}),
    ) else {
        panic!("not a load");
    };
    let sought = sought.view(&embedded);
    assert_eq!((sought.version, sought.pin), (Some(2), None));
    assert_eq!(sought.panel, Some(Panel::Diff));
}

#[test]
fn without_a_link_base_data_from_the_host_has_no_link_and_a_url_source_links_to_the_page() {
    let page = "https://chronoscope.example/";
    let Command::Load(load) = command("load", json!({"events": [{"a": 1}], "stream": "s"})) else {
        panic!("not a load");
    };
    let view = load.view(&ViewState::default());
    assert_eq!(embed::link_to(&view, page, None), Err(NoLink));
    let said = parsed(&embed::selected("s", Some(1), None, Err(NoLink)));
    assert_eq!(said["payload"]["link"], Value::Null);
    assert!(said["payload"]["no_link"]
        .as_str()
        .is_some_and(|why| why.contains("link_base")));
    let Command::Load(load) = command("load", json!({"src": "/api/po/7", "stream": "s"})) else {
        panic!("not a load");
    };
    let view = load.view(&ViewState::default());
    assert_eq!(
        embed::link_to(&view, page, None).as_deref(),
        Ok("https://chronoscope.example/?src=/api/po/7&stream=s")
    );
}

#[test]
fn a_link_base_must_be_a_plain_web_address_and_a_link_a_readable_view() {
    for bad in [
        "javascript:alert(1)",
        "/po/1042",
        "https://user:pw@cambium.example/",
        "data:text/html,x",
    ] {
        let (_, error) = rejected(&host("load", json!({"events": [], "link_base": bad})));
        assert_eq!(
            error, "load: link_base must be an http or https address without credentials",
            "{bad}"
        );
    }
    let (_, error) = rejected(&host(
        "load",
        json!({"events": [], "link": "v=x&zone=Asia/"}),
    ));
    assert_eq!(
        error,
        "load: link v=x is not a version number; zone=Asia/ is not a time zone name like Asia/Singapore"
    );
}
