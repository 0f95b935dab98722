//! The state panel: the aggregate's state at the selected moment as a tree or raw JSON, or what
//! changed since the comparison point (the previous event, or a pinned moment), or both moments
//! side by side; a tool bar of tabs and of what the state is compared with.

use leptos::prelude::*;

use super::blame_panel::BlamePanel;
use super::clipboard::{copier, Copier};
use super::context::{use_app, AppCtx};
use super::diff_list::DiffList;
use super::dom::{append_long_text, show_more, target_within};
use super::event_detail::EventDetail;
use super::json_tree::JsonTree;
use super::side_by_side::SideBySide;
use super::trail_panel::TrailPanel;
use chronoscope_core::link::{Compare, Panel};
use chronoscope_core::selection::Selection;

/// Tabs over the state and the change list, with the comparison controls.
#[component]
pub fn StatePanel() -> impl IntoView {
    let ctx = use_app();
    let panel = move || ctx.view.with(|v| v.panel.unwrap_or(Panel::Tree));
    let raw = Memo::new(move |_| {
        ctx.shown
            .state
            .with(|s| serde_json::to_string_pretty(s).unwrap_or_default())
    });
    let Copier { copy, copied } = copier();
    let compare_label = move || {
        let version = ctx.shown.compare_cursor.get().map(|c| c.version);
        ctx.shown
            .selection
            .with(|selection| compare_words(selection, version))
    };
    let trail = move || ctx.view.with(|v| v.trail);
    let pinned = move || ctx.shown.selection.with(|s| s.compare_pinned);
    let unpin = move |_| {
        ctx.view.update(|v| {
            v.compare = None;
            v.compare_with = None;
        })
    };
    let tabs = TABS.map(|(shown, words)| {
        view! {
            <button type="button" role="tab" data-testid=format!("tab-{}", shown.as_str())
                aria-selected=move || (panel() == shown).to_string()
                on:click=move |_| ctx.view.update(|v| v.panel = Some(shown))>{words}</button>
        }
    });
    view! {
        <section class="state" aria-label="State">
            <EventDetail/>
            <div class="tabs">
                <div class="tab-list" role="tablist" aria-label="How the state is shown">{tabs}</div>
                <button type="button" data-testid="open-table" on:click=move |_| open_table(ctx)
                    title="Every stream as of this moment, in a table (view=table)">"All streams"</button>
                <button type="button" data-testid="open-trail" aria-pressed=move || trail().to_string()
                    on:click=move |_| ctx.view.update(|v| v.trail = !v.trail)
                    title="Every event of this business transaction, across streams (trail=1)">"Trail"</button>
                <span class="compare" data-testid="compare">{move || format!("compare with: {}", compare_label())}</span>
                <button type="button" data-testid="pin" on:click=move |_| pin_here(ctx)
                    title="Compare other moments with this one">"Pin this moment"</button>
                <button type="button" data-testid="unpin" hidden=move || !pinned() on:click=unpin
                    title="Compare with the previous event again">"Unpin"</button>
            </div>
            <BlamePanel/>
            <TrailPanel/>
            <div class="panel-body">
                {move || match panel() {
                    Panel::Tree | Panel::Table => view! { <JsonTree value=ctx.shown.state/> }.into_any(),
                    Panel::Raw => view! {
                        <div class="raw">
                            <button type="button" class="copy" on:click=move |_| copy.run(raw.get_untracked())>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
                            <RawText text=raw/>
                        </div>
                    }.into_any(),
                    Panel::Diff => view! {
                        <p class="diff-caption">{move || format!("{} change(s) from {} to the selected moment", ctx.shown.changes.with(Vec::len), compare_label())}</p>
                        <DiffList changes=ctx.shown.changes before_state=ctx.shown.compare_state after_state=ctx.shown.state/>
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

/// The tabs over the panel body, with their words.
const TABS: [(Panel, &str); 4] = [
    (Panel::Tree, "Tree"),
    (Panel::Raw, "Raw"),
    (Panel::Diff, "Diff"),
    (Panel::Side, "Side by side"),
];

/// Pins the moment shown as the one the diff compares with, and shows the diff. The version is
/// the stream shown's: a comparison point in another stream (`with=`) goes.
fn pin_here(ctx: AppCtx) {
    if let Some(version) = ctx.shown.cursor.get_untracked().map(|c| c.version) {
        ctx.view.update(|v| {
            v.compare = Some(Compare::Version(version));
            v.compare_with = None;
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
    let time = ctx.shown.cursor.get_untracked().and_then(|c| c.time);
    ctx.view.update(|view| {
        view.panel = Some(Panel::Table);
        if view.time.is_none() {
            view.time = time.map(|t| chronoscope_core::time::format_utc(&t));
        }
    });
}
