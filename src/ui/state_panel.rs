//! The state panel: the aggregate's state at the selected moment as a tree or raw JSON, or what
//! changed since the comparison point (the previous event, or a pinned moment).

use leptos::prelude::*;

use super::blame_panel::BlamePanel;
use super::clipboard::{copier, Copier};
use super::context::{use_app, AppCtx};
use super::diff_list::DiffList;
use super::dom::{append_element, append_long_text, clicked_button, show_more, target_within};
use super::event_detail::EventDetail;
use super::json_tree::JsonTree;
use super::side_by_side::SideBySide;
use super::trail_panel::TrailPanel;
use chronoscope_core::link::{Compare, Panel};
use chronoscope_core::selection::Selection;
use wasm_bindgen::JsValue;

/// Tabs over the state and the change list, with the comparison controls.
#[component]
pub fn StatePanel() -> impl IntoView {
    let ctx = use_app();
    let panel = move || ctx.view.with(|v| v.panel.unwrap_or(Panel::Tree));
    let raw = Memo::new(move |_| {
        ctx.state
            .with(|s| serde_json::to_string_pretty(s).unwrap_or_default())
    });
    let Copier { copy, copied } = copier();
    let compare_label = move || {
        let version = ctx.compare_cursor.get().map(|c| c.version);
        ctx.selection
            .with(|selection| compare_words(selection, version))
    };
    // The tool bar is made once with DOM calls and then updated in place, for the bundle's
    // budget (see `follow_bar`), with one click handler for all its buttons.
    let bar = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(bar) = bar.get() {
            let shown = BarShows {
                panel: panel(),
                trail: ctx.view.with(|v| v.trail),
                compare: compare_label(),
                pinned: ctx.selection.with(|s| s.compare_pinned),
            };
            // Only element creation can fail here, which a browser does not refuse.
            let _ = show_bar(&bar, &shown);
        }
    });
    let on_bar_click = move |ev: leptos::ev::MouseEvent| {
        let action = clicked_button(&ev).and_then(|b| b.get_attribute("data-testid"));
        match action.as_deref() {
            Some("open-table") => open_table(ctx),
            Some("open-trail") => ctx.view.update(|v| v.trail = !v.trail),
            Some("pin") => pin_here(ctx),
            Some("unpin") => ctx.view.update(|v| {
                v.compare = None;
                v.compare_with = None;
            }),
            Some(tab) => {
                if let Some(panel) = tab.strip_prefix("tab-").and_then(Panel::parse) {
                    ctx.view.update(|v| v.panel = Some(panel));
                }
            }
            None => {}
        }
    };
    view! {
        <section class="state" aria-label="State">
            <EventDetail/>
            <div class="tabs" node_ref=bar on:click=on_bar_click></div>
            <BlamePanel/>
            <TrailPanel/>
            <div class="panel-body">
                {move || match panel() {
                    Panel::Tree | Panel::Table => view! { <JsonTree value=ctx.state/> }.into_any(),
                    Panel::Raw => view! {
                        <div class="raw">
                            <button type="button" class="copy" on:click=move |_| copy.run(raw.get_untracked())>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                            <RawText text=raw/>
                        </div>
                    }.into_any(),
                    Panel::Diff => view! {
                        <p class="diff-caption">{move || format!("{} change(s) from {} to the selected moment", ctx.changes.with(Vec::len), compare_label())}</p>
                        <DiffList changes=ctx.changes before_state=ctx.compare_state after_state=ctx.state/>
                    }.into_any(),
                    Panel::Side => view! { <SideBySide compare_label/> }.into_any(),
                }}
            </div>
        </section>
    }
}

/// What the diff compares with, in words: the previous event, a pinned version, or another
/// stream's moment (`with=`).
fn compare_words(selection: &Selection, version: Option<u64>) -> String {
    let point = version.map_or_else(|| "before the first event".into(), |v| format!("v{v}"));
    match (&selection.compare_stream, selection.compare_pinned, version) {
        (Some(other), _, _) => format!("{other} {point}"),
        (None, true, Some(_)) => format!("pinned {point}"),
        (None, true, None) => format!("pinned: {point}"),
        (None, false, Some(_)) => format!("previous event ({point})"),
        (None, false, None) => point,
    }
}

/// What the tool bar shows: the panel's tab, whether the trail is open, what the diff compares
/// with, and whether that is pinned.
struct BarShows {
    panel: Panel,
    trail: bool,
    compare: String,
    pinned: bool,
}

/// The tabs over the panel body, with their words.
const TABS: [(Panel, &str); 4] = [
    (Panel::Tree, "Tree"),
    (Panel::Raw, "Raw"),
    (Panel::Diff, "Diff"),
    (Panel::Side, "Side by side"),
];

/// The tool bar's buttons after the tabs, each named by its `data-testid`, with its words and
/// title.
const BAR_BUTTONS: [(&str, &str, &str); 4] = [
    (
        "open-table",
        "All streams",
        "Every stream as of this moment, in a table (view=table)",
    ),
    (
        "open-trail",
        "Trail",
        "Every event of this business transaction, across streams (trail=1)",
    ),
    (
        "pin",
        "Pin this moment",
        "Compare other moments with this one",
    ),
    ("unpin", "Unpin", "Compare with the previous event again"),
];

/// Makes the tool bar the first time, then sets what it shows.
fn show_bar(bar: &web_sys::Element, shown: &BarShows) -> Result<(), JsValue> {
    if bar.first_element_child().is_none() {
        let tabs = [
            ("class", "tab-list"),
            ("role", "tablist"),
            ("aria-label", "How the state is shown"),
        ];
        let tabs = append_element(bar, "div", &tabs, None)?;
        for (panel, words) in TABS {
            let testid = format!("tab-{}", panel.as_str());
            let attrs = [
                ("type", "button"),
                ("role", "tab"),
                ("data-testid", &testid),
            ];
            append_element(&tabs, "button", &attrs, Some(words))?;
        }
        for (testid, words, title) in BAR_BUTTONS {
            let attrs = [
                ("type", "button"),
                ("data-testid", testid),
                ("title", title),
            ];
            append_element(bar, "button", &attrs, Some(words))?;
            if testid == "open-trail" {
                append_element(
                    bar,
                    "span",
                    &[("class", "compare"), ("data-testid", "compare")],
                    None,
                )?;
            }
        }
    }
    let set = |selector: &str, name: &str, value: &str| -> Result<(), JsValue> {
        match bar.query_selector(selector)? {
            Some(element) => element.set_attribute(name, value),
            None => Ok(()),
        }
    };
    for (panel, _) in TABS {
        let selected = if shown.panel == panel {
            "true"
        } else {
            "false"
        };
        set(
            &format!("[data-testid=tab-{}]", panel.as_str()),
            "aria-selected",
            selected,
        )?;
    }
    set(
        "[data-testid=open-trail]",
        "aria-pressed",
        &shown.trail.to_string(),
    )?;
    if let Some(compare) = bar.query_selector("[data-testid=compare]")? {
        compare.set_text_content(Some(&format!("compare with: {}", shown.compare)));
    }
    if let Some(unpin) = bar.query_selector("[data-testid=unpin]")? {
        unpin.toggle_attribute_with_force("hidden", !shown.pinned)?;
    }
    Ok(())
}

/// Pins the moment shown as the one the diff compares with, and shows the diff.
fn pin_here(ctx: AppCtx) {
    if let Some(version) = ctx.cursor.get_untracked().map(|c| c.version) {
        ctx.view.update(|v| {
            v.compare = Some(Compare::Version(version));
            v.panel = Some(Panel::Diff);
        });
    }
}

/// The state as JSON, a window at a time (`dom::append_long_text`).
#[component]
fn RawText(text: Memo<String>) -> impl IntoView {
    let raw = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(raw) = raw.get() {
            raw.set_text_content(None);
            // Only element creation can fail here, which a browser does not refuse.
            let _ = text.with(|text| {
                append_long_text(
                    &raw,
                    "pre",
                    &[("data-testid", "state-json")],
                    text,
                    ("data-text", "0"),
                )
            });
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if let Some(button) = target_within(&ev, "button.more") {
            let _ = text.with_untracked(|text| show_more(&button, text));
        }
    };
    view! { <div node_ref=raw on:click=on_click></div> }
}

/// Shows every stream as of the moment shown: the `t` in force, or the selected event's time.
fn open_table(ctx: AppCtx) {
    let time = ctx.cursor.get_untracked().and_then(|c| c.time);
    ctx.view.update(|view| {
        view.panel = Some(Panel::Table);
        if view.time.is_none() {
            view.time = time.map(|t| chronoscope_core::time::format_utc(&t));
        }
    });
}
