//! Side by side (`view=side`): the comparison point and the moment in two columns, each named by
//! its stream, version and time (UTC and the display zone), with what changed between them
//! under both. The comparison point is the previous event, a pinned moment (`cmp=`) or another
//! stream (`with=`, as of the moment unless `cmp=` says otherwise), which the box above the
//! columns names. The columns are sections with headings, so a screen reader can go from one
//! to the other; they stack at narrow widths.

use leptos::prelude::*;

use super::context::{use_app, AppCtx, Cursor};
use super::diff_list::DiffList;
use super::format::utc;
use super::json_tree::JsonTree;

/// The two columns and the changes between them.
#[component]
pub fn SideBySide(
    /// What the comparison point is, in words (`compare_words`).
    compare_label: impl Fn() -> String + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let ctx = use_app();
    let compare_stream = move || {
        ctx.shown
            .selection
            .with(|s| s.compare_in().map(str::to_string))
    };
    let other_stream =
        Signal::derive(move || ctx.shown.selection.with(|s| s.compare_stream.is_some()));
    let caption = move || {
        let n = ctx.shown.changes.with(Vec::len);
        format!(
            "{n} change(s) from the comparison point ({}) to the moment",
            compare_label()
        )
    };
    view! {
        <CompareWith/>
        <div class="side" data-testid="side-by-side">
            <section aria-labelledby="side-compare-title" data-testid="side-compare">
                <h3 id="side-compare-title">{move || title("Comparison point", compare_stream(), ctx.shown.compare_cursor.get())}</h3>
                <p class="side-time">{move || when(ctx, ctx.shown.compare_cursor.get())}</p>
                <JsonTree value=ctx.shown.compare_state not_blamed=other_stream/>
            </section>
            <section aria-labelledby="side-moment-title" data-testid="side-moment">
                <h3 id="side-moment-title">{move || title("Moment", ctx.stream.get(), ctx.shown.cursor.get())}</h3>
                <p class="side-time">{move || when(ctx, ctx.shown.cursor.get())}</p>
                <JsonTree value=ctx.shown.state/>
            </section>
        </div>
        <p class="diff-caption" data-testid="side-caption">{caption}</p>
        <DiffList changes=ctx.shown.changes before_state=ctx.shown.compare_state after_state=ctx.shown.state/>
    }
}

/// A column's heading: `Moment: po-1029 v7`, or the stream before its first event.
fn title(what: &str, stream: Option<String>, cursor: Option<Cursor>) -> String {
    let stream = stream.unwrap_or_default();
    match cursor {
        Some(cursor) => format!("{what}: {stream} v{}", cursor.version),
        None => format!("{what}: {stream} before its first event"),
    }
}

/// When a column's event happened, in UTC and in the display zone.
fn when(ctx: AppCtx, cursor: Option<Cursor>) -> String {
    match cursor.map(|c| c.time) {
        Some(Some(time)) => format!("{} · {}", utc(&time), ctx.in_zone(&time)),
        Some(None) => "no time in the source".into(),
        None => "the empty state".into(),
    }
}

/// The stream the comparison point is in (`with=`): another stream's name, or empty for the
/// stream shown. Applied when the field is left or Enter is pressed.
#[component]
fn CompareWith() -> impl IntoView {
    let ctx = use_app();
    let shown = move || {
        ctx.view
            .with(|v| v.compare_with.clone().unwrap_or_default())
    };
    let apply = move |ev: leptos::ev::Event| {
        let name = event_target_value(&ev).trim().to_string();
        ctx.view
            .update(|v| v.compare_with = (!name.is_empty()).then_some(name));
    };
    view! {
        <label class="compare-with">
            "Compare with stream "
            <input type="text" data-testid="compare-with" placeholder="the one shown" prop:value=shown on:change=apply
                title="Another stream, as of the moment unless a comparison point is pinned (with=)"/>
        </label>
    }
}
