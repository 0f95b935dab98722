//! Component tests: real Leptos components mounted in headless Chromium (wasm-bindgen-test).
//! Run with `cargo test -p chronoscope --target wasm32-unknown-unknown --test components`.
#![cfg(target_arch = "wasm32")]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chronoscope::ui::{AppCtx, DiffList, InPage, Inspector, JsonTree, LongText};
use chronoscope_core::diff::diff;
use chronoscope_core::engine::Engine;
use chronoscope_core::link::ViewState;
use chronoscope_protocol::{Answer, Refusal, Request};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The app's real style sheet, so that layout (and with it virtualization) is as in the app.
fn install_style_sheet() {
    if document().get_element_by_id("app-style").is_none() {
        let style = document().create_element("style").unwrap();
        style.set_id("app-style");
        style.set_text_content(Some(include_str!("../style/main.css")));
        document().head().unwrap().append_child(&style).unwrap();
    }
}

/// Mounts a view into a fresh container of a fixed size and returns the container.
fn mount<F, V>(f: F) -> web_sys::HtmlElement
where
    F: FnOnce() -> V + 'static,
    V: IntoView + 'static,
{
    install_style_sheet();
    let container: web_sys::HtmlElement =
        document().create_element("div").unwrap().unchecked_into();
    container
        .set_attribute("style", "width: 1200px; height: 700px; display: flex;")
        .unwrap();
    document().body().unwrap().append_child(&container).unwrap();
    leptos::mount::mount_to(container.clone(), f).forget();
    container
}

async fn settle() {
    TimeoutFuture::new(30).await;
}

fn all(container: &web_sys::HtmlElement, selector: &str) -> Vec<web_sys::Element> {
    let list = container.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().unchecked_into())
        .collect()
}

fn one(container: &web_sys::HtmlElement, selector: &str) -> web_sys::Element {
    container
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
}

/// Each diff entry's `data-op` and `data-path`.
fn op_and_path(entries: &[web_sys::Element]) -> Vec<(String, String)> {
    entries
        .iter()
        .map(|e| {
            (
                e.get_attribute("data-op").unwrap(),
                e.get_attribute("data-path").unwrap(),
            )
        })
        .collect()
}

/// Canonical NDJSON, as the engine is given it.
fn loaded(text: &str) -> String {
    text.to_string()
}

/// An engine in the page with `text` open, answering as the worker would.
fn engine_with(text: String) -> InPage {
    let engine = Rc::new(RefCell::new(Engine::new()));
    let opened = engine.borrow_mut().handle(Request::Open {
        label: "test".into(),
        text,
        link: "fmt=canonical".into(),
        documents: vec![],
    });
    assert!(matches!(opened, Answer::Opened(_)), "{opened:?}");
    Rc::new(move |request| {
        let mut engine = engine.borrow_mut();
        let answer = engine.handle(request);
        (answer, engine.take_attachment())
    })
}

/// A stream of `n` events, each merging `{"n": i}`, with a hostile string in the first one.
fn long_stream(n: usize) -> String {
    let mut text = String::new();
    for i in 1..=n {
        let data = if i == 1 {
            json!({"n": i, "note": "<img src=x onerror=\"window.pwned=1\">"})
        } else {
            json!({"n": i})
        };
        let event = json!({"stream": "po-1", "type": if i % 2 == 0 { "PoLineChanged" } else { "PoLineAdded" },
            "time": format!("2026-01-01T00:00:{:02}Z", i % 60), "data": data, "meta": {"user": "ana"}});
        text.push_str(&event.to_string());
        text.push('\n');
    }
    loaded(&text)
}

/// Mounts the inspector over a source open in an engine in the page, and hands back its
/// context.
fn mount_inspector(text: String, query: &str) -> (web_sys::HtmlElement, AppCtx) {
    mount_inspector_on(engine_with(text), query)
}

/// Mounts the inspector over an engine in the page, and hands back its context.
fn mount_inspector_on(engine: InPage, query: &str) -> (web_sys::HtmlElement, AppCtx) {
    let ctx_out = Rc::new(Cell::new(None));
    let ctx_in = ctx_out.clone();
    let view = ViewState::from_query(query).0;
    let container = mount(move || {
        let ctx = AppCtx::new(view);
        provide_context(ctx);
        ctx.engine.answer_with(engine);
        ctx.load.complete.set(true);
        ctx_in.set(Some(ctx));
        view! { <Inspector/> }
    });
    (container, ctx_out.get().unwrap())
}

#[wasm_bindgen_test]
async fn json_tree_shows_untrusted_keys_and_values_as_text() {
    let hostile =
        json!({"<img src=x onerror=alert(1)>": "<script>window.pwned = 1</script><b>bold</b>"});
    let container =
        mount(move || view! { <JsonTree value=Signal::derive(move || hostile.clone())/> });
    settle().await;
    assert!(all(&container, "img").is_empty());
    assert!(all(&container, "script").is_empty());
    assert!(all(&container, "b").is_empty());
    let text = container.text_content().unwrap();
    assert!(text.contains("<img src=x onerror=alert(1)>"), "{text}");
    assert!(
        text.contains("<script>window.pwned = 1</script><b>bold</b>"),
        "{text}"
    );
}

/// Clicks an element as a person would, so that the tree's delegated handler sees it.
/// Presses a key on the window, as the keyboard map hears it.
fn press(key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    window().dispatch_event(&event).unwrap();
}

fn click(element: &web_sys::Element) {
    element.unchecked_ref::<web_sys::HtmlElement>().click();
}

#[wasm_bindgen_test]
async fn json_tree_writes_a_large_value_a_window_at_a_time() {
    let items: Vec<Value> = (0..1_200).map(|i| json!(i)).collect();
    let long = "é".repeat(100_000); // 200,000 bytes
    let value = json!({"items": items, "note": long, "deep": {"a": {"b": {"c": 1}}}});
    let container =
        mount(move || view! { <JsonTree value=Signal::derive(move || value.clone())/> });
    settle().await;
    let n_leaves = || all(&container, ".leaf").len();
    // 500 of the 1,200 items, the string, and nothing of `deep` below its first open level.
    assert_eq!(n_leaves(), 501);
    let more = |attr: &str| one(&container, &format!("button.more[{attr}]"));
    assert_eq!(
        more("data-from").text_content().unwrap(),
        "Show 500 more (700 not shown)"
    );
    click(&more("data-from"));
    assert_eq!(n_leaves(), 1_001);
    click(&more("data-from"));
    assert_eq!(n_leaves(), 1_201);
    assert!(all(&container, "button.more[data-from]").is_empty());
    // The string: one window (the quote and 32,767 two-byte characters), then the rest.
    let string = one(&container, ".leaf span.string");
    assert_eq!(string.text_content().unwrap().chars().count(), 32_768);
    let text_more = more("data-pointer='/note'");
    assert_eq!(
        text_more.text_content().unwrap(),
        "Show 66 KB more (134 KB not shown)"
    );
    click(&text_more);
    click(&text_more);
    click(&text_more);
    assert_eq!(string.text_content().unwrap(), format!("\"{long}\""));
    assert!(all(&container, "button.more[data-pointer='/note']").is_empty());
    // A collapsed node is written when it is first opened.
    let lazy = one(&container, "details[data-lazy='/deep/a']");
    assert_eq!(lazy.query_selector(".leaf").unwrap(), None);
    click(&lazy.query_selector("summary").unwrap().unwrap());
    settle().await;
    assert!(lazy.has_attribute("open"));
    assert_eq!(lazy.get_attribute("data-lazy"), None);
    assert!(lazy
        .query_selector("details[data-lazy='/deep/a/b']")
        .unwrap()
        .is_some());
}

#[wasm_bindgen_test]
async fn diff_list_marks_a_keyed_insert_as_one_added_line() {
    let before = json!({"lines": [{"lineId": "L1", "qty": 1}, {"lineId": "L2", "qty": 2}]});
    let after = json!({"lines": [{"lineId": "L0", "qty": 9}, {"lineId": "L1", "qty": 1}, {"lineId": "L2", "qty": 3}]});
    let changes = diff(&before, &after);
    let container = mount(move || {
        view! {
            <DiffList changes=Signal::derive(move || changes.clone())
                before_state=Signal::derive(move || before.clone())
                after_state=Signal::derive(move || after.clone())/>
        }
    });
    settle().await;
    let entries = all(&container, "[data-testid=diff-entry]");
    let described = op_and_path(&entries);
    assert_eq!(
        described,
        vec![
            ("add".into(), "/lines/0".into()),
            ("replace".into(), "/lines/2/qty".into())
        ]
    );
    assert!(entries[1].text_content().unwrap().contains("2 → 3"));
    // Issue 16: the path names the line by its key, which stays true when positions move; the
    // JSON Pointer is kept in the title for copying.
    let paths: Vec<String> = all(&container, "[data-testid=diff-entry] .path")
        .iter()
        .map(|p| p.text_content().unwrap_or_default())
        .collect();
    assert_eq!(paths, ["lines[lineId=L0]", "lines[lineId=L2].qty"]);
}

#[wasm_bindgen_test]
async fn event_list_renders_only_the_visible_rows_of_a_long_stream() {
    let (container, _) = mount_inspector(long_stream(10_000), "");
    settle().await;
    let rows = all(&container, "[data-testid=event-row]");
    assert!(!rows.is_empty());
    assert!(rows.len() <= 60, "{} rows in the DOM", rows.len());
    let selected = all(&container, "[data-testid=event-row][aria-selected=true]");
    assert_eq!(selected.len(), 1);
    assert_eq!(
        selected[0].get_attribute("data-version").as_deref(),
        Some("10000")
    );
    assert!(one(&container, "[data-testid=cursor]")
        .text_content()
        .unwrap()
        .starts_with("v10000 ·"));
    assert!(all(&container, "img").is_empty());
}

#[wasm_bindgen_test]
async fn keyboard_and_clicks_move_the_selection_and_the_view_state() {
    let (container, ctx) = mount_inspector(long_stream(50), "view=raw");
    settle().await;
    press("ArrowLeft");
    settle().await;
    assert_eq!(ctx.view.get_untracked().version, Some(49));
    press("Home");
    settle().await;
    assert_eq!(ctx.view.get_untracked().version, Some(1));
    press("PageDown");
    settle().await;
    assert_eq!(ctx.view.get_untracked().version, Some(11));
    let state: Value = serde_json::from_str(
        &one(&container, "[data-testid=state-json]")
            .text_content()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(state["n"], json!(11));
    press("End");
    settle().await;
    assert_eq!(ctx.view.get_untracked().version, Some(50));

    let row = all(&container, "[data-testid=event-row]")
        .into_iter()
        .find(|r| r.get_attribute("data-version").as_deref() == Some("48"))
        .expect("row 48 is in view");
    row.unchecked_ref::<web_sys::HtmlElement>().click();
    settle().await;
    assert_eq!(ctx.view.get_untracked().version, Some(48));
    let selected = one(&container, "[data-testid=event-row][aria-selected=true]");
    assert_eq!(
        selected.get_attribute("data-version").as_deref(),
        Some("48")
    );
}

#[wasm_bindgen_test]
async fn the_keys_move_within_the_stream_before_the_streams_own_answer_has_come() {
    // An engine whose answer to `Stream` never comes in time: it is refused, as a busy engine
    // leaves it unanswered, so the panel knows the stream only from the moment it shows.
    let engine = engine_with(long_stream(30));
    let without_stream_answers: InPage = Rc::new(move |request| match request {
        Request::Stream { .. } => (Answer::Refused(Refusal::NothingOpen), None),
        request => engine(request),
    });
    let (_container, ctx) = mount_inspector_on(without_stream_answers, "v=10");
    settle().await;
    assert!(ctx.stream_info.get_untracked().is_none());
    assert_eq!(ctx.stream_len(), 30);
    press("ArrowRight");
    settle().await;
    assert_eq!(ctx.view.get_untracked().version, Some(11));
    press("End");
    settle().await;
    assert_eq!(ctx.view.get_untracked().version, Some(30));
    press("ArrowRight");
    settle().await;
    assert_eq!(ctx.view.get_untracked().version, Some(30));
}

#[wasm_bindgen_test]
async fn the_diff_panel_compares_with_a_pinned_moment() {
    let (container, _) = mount_inspector(long_stream(20), "v=20&cmp=v:1&view=diff");
    settle().await;
    let entries = all(&container, "[data-testid=diff-entry]");
    let described = op_and_path(&entries);
    assert_eq!(
        described,
        vec![("replace".into(), "/n".into())],
        "the note stays, n changes from 1 to 20"
    );
    assert!(one(&container, "[data-testid=compare]")
        .text_content()
        .unwrap()
        .contains("pinned v1"));
    let pinned = all(&container, ".event-row.pinned");
    assert!(pinned
        .iter()
        .all(|r| r.get_attribute("data-version").as_deref() == Some("1")));
}

#[wasm_bindgen_test]
async fn the_filter_keeps_matching_rows_and_writes_q() {
    let (container, ctx) = mount_inspector(long_stream(30), "q=PoLineChanged");
    settle().await;
    let rows = all(&container, "[data-testid=event-row]");
    assert_eq!(rows.len(), 15);
    assert!(rows
        .iter()
        .all(|r| r.text_content().unwrap().contains("PoLineChanged")));
    assert_eq!(
        ctx.view.get_untracked().filter.as_deref(),
        Some("PoLineChanged")
    );
}

/// A log whose stream ids and author disguise themselves: a bidi override, a zero-width space,
/// a no-break space, and a 5,000-character id.
fn disguised_streams() -> String {
    let long = "x".repeat(5_000);
    let streams = [
        "acct-\u{202E}nimda",
        "acct-admin",
        "po\u{200B}-1",
        "po-1",
        "po\u{00A0}2",
        long.as_str(),
    ];
    let mut text = String::new();
    for stream in streams {
        let event = json!({"stream": stream, "type": "Opened", "time": "2026-01-01T00:00:00Z",
            "data": {"n": 1}, "meta": {"user": "ana\u{200B}"}});
        text.push_str(&event.to_string());
        text.push('\n');
    }
    loaded(&text)
}

#[wasm_bindgen_test]
async fn ids_that_disguise_themselves_are_shown_as_they_are_isolated_and_wrapped() {
    let (container, _) = mount_inspector(disguised_streams(), "stream=po%E2%80%8B-1");
    settle().await;
    let names: Vec<String> = all(&container, "[data-testid=stream-row] .name")
        .iter()
        .map(|name| name.text_content().unwrap_or_default())
        .collect();
    assert_eq!(
        names[..5],
        [
            "acct-⟨U+202E⟩nimda",
            "acct-admin",
            "po⟨U+200B⟩-1",
            "po-1",
            "po⟨U+00A0⟩2"
        ]
    );
    let name = one(&container, "[data-testid=stream-row] .name");
    let style = window().get_computed_style(&name).unwrap().unwrap();
    assert_eq!(style.get_property_value("unicode-bidi").unwrap(), "isolate");
    // The long id wraps inside the list rather than widening the page.
    assert!(
        container.scroll_width() <= 1200,
        "{} px wide",
        container.scroll_width()
    );
    let users: Vec<String> = all(&container, "[data-testid=event-row] .user")
        .iter()
        .map(|user| user.text_content().unwrap_or_default())
        .collect();
    assert_eq!(users, ["ana⟨U+200B⟩"]);
    // The data-stream attribute keeps the id itself, so that choosing the row selects it.
    let rows = all(&container, "[data-testid=stream-row]");
    assert_eq!(
        rows[2].get_attribute("data-stream").as_deref(),
        Some("po\u{200B}-1")
    );
}

#[wasm_bindgen_test]
async fn a_long_text_shows_a_window_at_a_time_until_it_is_all_shown() {
    let window = chronoscope_core::view::text::TEXT_WINDOW;
    let text = "é".repeat(window + window / 4); // two bytes each: two and a half windows
    let expected = text.clone();
    let container = mount(move || view! { <LongText text testid="long"/> });
    settle().await;
    let pre = one(&container, "[data-testid=long]");
    let shown = || pre.text_content().unwrap_or_default().len();
    assert_eq!(shown(), window);
    for _ in 0..2 {
        click(&one(&container, "button.more"));
        settle().await;
    }
    assert_eq!(pre.text_content().unwrap_or_default(), expected);
    assert!(
        all(&container, "button.more").is_empty(),
        "nothing is left to show"
    );
}

/// One event in each of `n` streams, `s-0` to `s-{n-1}`, each with a status.
fn many_streams(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        let event = json!({"stream": format!("s-{i}"), "type": "Opened",
            "time": "2026-01-01T00:00:00Z", "data": {"status": "open", "n": i}});
        text.push_str(&event.to_string());
        text.push('\n');
    }
    loaded(&text)
}

#[wasm_bindgen_test]
async fn the_period_table_of_many_streams_draws_only_the_rows_in_view() {
    let (container, _) = mount_inspector(many_streams(5_000), "view=table&cols=/n");
    settle().await;
    let summary = one(&container, "[data-testid=table-summary]");
    assert_eq!(
        summary.text_content().unwrap_or_default(),
        "5,000 streams as of each stream's latest event"
    );
    let rows = all(&container, "[data-testid=table-row]");
    assert!(
        !rows.is_empty() && rows.len() <= 80,
        "{} rows drawn",
        rows.len()
    );
    assert_eq!(rows[0].get_attribute("data-stream").as_deref(), Some("s-0"));
    // Scrolled to the end, the last streams are drawn, and still only a window of rows.
    let scroller: web_sys::HtmlElement = one(&container, ".table-scroll").unchecked_into();
    scroller.set_scroll_top(scroller.scroll_height());
    scroller
        .dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    settle().await;
    let rows = all(&container, "[data-testid=table-row]");
    assert!(rows.len() <= 80, "{} rows drawn", rows.len());
    let last = rows.last().and_then(|row| row.get_attribute("data-stream"));
    assert_eq!(last.as_deref(), Some("s-4999"));
    let cells = rows
        .last()
        .unwrap()
        .query_selector_all("[data-testid=table-cell]")
        .unwrap();
    assert_eq!(cells.length(), 1);
    assert_eq!(
        cells.get(0).unwrap().text_content().as_deref(),
        Some("4999")
    );
}
