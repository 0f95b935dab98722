//! The state panel: the aggregate's state at the selected moment as a tree or raw JSON, or what
//! changed since the comparison point (the previous event, or a pinned moment).

use leptos::prelude::*;

use super::blame_panel::BlamePanel;
use super::clipboard::{copier, Copier};
use super::context::use_app;
use super::diff_list::DiffList;
use super::dom::{append_long_text, show_more, target_within};
use super::event_detail::EventDetail;
use super::json_tree::JsonTree;
use super::trail_panel::TrailPanel;
use crate::core::link::{Compare, Panel};

/// Tabs over the state and the change list, with the comparison controls.
#[component]
pub fn StatePanel() -> impl IntoView {
    let ctx = use_app();
    let panel = move || ctx.view.with(|v| v.panel.unwrap_or(Panel::Tree));
    let set_panel = move |panel: Panel| ctx.view.update(|v| v.panel = Some(panel));
    let raw = Memo::new(move |_| {
        ctx.state
            .with(|s| serde_json::to_string_pretty(s).unwrap_or_default())
    });
    let Copier { copy, copied } = copier();
    let compare_label = move || {
        let selection = ctx.selection.get();
        let compare_version = ctx.head_at(selection.compare, |head| head.version);
        match (selection.compare_pinned, compare_version) {
            (false, Some(version)) => format!("previous event (v{version})"),
            (false, None) => "before the first event".to_string(),
            (true, Some(version)) => format!("pinned v{version}"),
            (true, None) => "pinned: before the first event".to_string(),
        }
    };
    let pin_here = move |_| {
        if let Some(version) = ctx.cursor.get_untracked().map(|c| c.version) {
            ctx.view.update(|v| {
                v.compare = Some(Compare::Version(version));
                v.panel = Some(Panel::Diff);
            });
        }
    };
    let tab = move |which: Panel, label: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                data-testid=format!("tab-{}", which.as_str())
                aria-selected=move || if panel() == which { "true" } else { "false" }
                on:click=move |_| set_panel(which)
            >{label}</button>
        }
    };
    view! {
        <section class="state" aria-label="State">
            <EventDetail/>
            <div class="tabs">
                <div class="tab-list" role="tablist" aria-label="How the state is shown">
                    {tab(Panel::Tree, "Tree")}
                    {tab(Panel::Raw, "Raw")}
                    {tab(Panel::Diff, "Diff")}
                </div>
                <button type="button" data-testid="open-table" on:click=move |_| open_table(ctx)
                    title="Every stream as of this moment, in a table (view=table)">"All streams"</button>
                <button type="button" data-testid="open-trail" aria-pressed=move || ctx.view.with(|v| v.trail).to_string()
                    on:click=move |_| ctx.view.update(|v| v.trail = !v.trail)
                    title="Every event of this business transaction, across streams (trail=1)">"Trail"</button>
                <span class="compare" data-testid="compare">
                    "compare with: " {compare_label}
                </span>
                <button type="button" title="Compare other moments with this one" on:click=pin_here>"Pin this moment"</button>
                <Show when=move || ctx.selection.with(|s| s.compare_pinned)>
                    <button type="button" data-testid="unpin" on:click=move |_| ctx.view.update(|v| v.compare = None)>"Unpin"</button>
                </Show>
            </div>
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
                }}
            </div>
        </section>
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
fn open_table(ctx: super::context::AppCtx) {
    let time = ctx.cursor.get_untracked().and_then(|c| c.time);
    ctx.view.update(|view| {
        view.panel = Some(Panel::Table);
        if view.time.is_none() {
            view.time = time.map(|t| crate::core::time::format_utc(&t));
        }
    });
}
