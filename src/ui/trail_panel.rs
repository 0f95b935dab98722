//! The trail beside the state (`trail=1`): every event that shares the selected event's
//! correlation id, across streams, as a causation tree (an event sits under the one that caused
//! it). Clicking an entry opens its stream at that event; the entries are one Tab stop (`roving`).
//! The trail is the engine's answer to `trail`; this panel only shows it.

use chronoscope_core::view::shown::shown_id;
use chronoscope_protocol::{Answer, Request, Trail, TrailStep};
use leptos::prelude::*;

use super::context::use_app;
use super::format::utc_or_dash;
use super::roving::{cell_name, Roving};

/// The deepest indentation drawn; deeper causes are said in the entry's title.
const MAX_DRAWN_DEPTH: usize = 6;

/// The trail of the selected event, when `trail=1`.
#[component]
pub fn TrailPanel() -> impl IntoView {
    let ctx = use_app();
    let shown = move || ctx.view.with(|v| v.trail);
    let trail = ctx.engine.answer_memo(
        move || {
            let (stream, pos) = (ctx.stream.get()?, ctx.shown.selection.with(|s| s.pos)?);
            shown().then_some(Request::Trail { stream, pos })
        },
        |answer| match answer {
            Answer::Trail(trail) => Some(trail),
            _ => None,
        },
    );
    let body = move || {
        let selected = ctx.shown.selection.with(|s| s.pos).and(trail.get());
        match selected {
            None => note("Select an event to see its trail.".into()).into_any(),
            Some(Trail {
                correlation: None,
                looked_at,
                ..
            }) => note(format!(
                "This event carries no correlation id (looked at {}).",
                looked_at.join(", ")
            ))
            .into_any(),
            Some(Trail {
                correlation: Some(correlation),
                steps,
                ..
            }) => found(correlation, steps).into_any(),
        }
    };
    move || {
        shown().then(|| {
            view! {
                <section class="blame trail" aria-label="Trail across streams" data-testid="trail">
                    <div class="blame-head">
                        <h3>"Trail across streams"</h3>
                        <button type="button" data-testid="trail-close" on:click=move |_| ctx.view.update(|v| v.trail = false)>"Close"</button>
                    </div>
                    <div>{body}</div>
                </section>
            }
        })
    }
}

fn note(text: String) -> impl IntoView {
    view! { <p class="empty" data-testid="trail-none">{text}</p> }
}

/// The trail: its correlation id and size, then one entry per event, indented by how deep it
/// is in the causation tree.
fn found(correlation: String, steps: Vec<TrailStep>) -> impl IntoView {
    let heading = format!(
        "{correlation}: {} event(s), in time order by cause",
        steps.len()
    );
    let roving = Roving::new(Signal::stored((steps.len(), 1)));
    let entries: Vec<_> = steps
        .iter()
        .enumerate()
        .map(|(n, step)| {
            let cause = match step.caused_by.and_then(|k| steps.get(k)) {
                Some(cause) => format!("caused by {}", place(cause)),
                None => "no cause in this trail".into(),
            };
            view! { <TrailEntry step=step.clone() cause n roving/> }
        })
        .collect();
    view! {
        <p data-testid="trail-heading">{heading}</p>
        <ol class="blame-list" on:keydown=move |ev| roving.on_list_key(&ev)>{entries}</ol>
    }
}

/// Where an event is, for people: its stream and version.
fn place(step: &TrailStep) -> String {
    format!("{} v{}", shown_id(&step.stream), step.row.version)
}

/// One event of the trail: a button that opens its stream at it.
#[component]
fn TrailEntry(step: TrailStep, cause: String, n: usize, roving: Roving) -> impl IntoView {
    let ctx = use_app();
    let depth = step.depth.min(MAX_DRAWN_DEPTH);
    let marker = if step.depth > 0 { "↳ " } else { "" };
    let place = format!("{marker}{}", place(&step));
    let (stream, row) = (step.stream.clone(), step.row.clone());
    let current = {
        let stream = stream.clone();
        move || {
            let here = ctx.stream.with(|s| s.as_deref() == Some(stream.as_str()))
                && ctx.shown.selection.with(|s| s.pos == Some(row.pos));
            here.to_string()
        }
    };
    let user = shown_id(step.row.user.as_deref().unwrap_or("unknown")).into_owned();
    let (version, occurrence) = (step.row.version, step.row.occurrence);
    let select = move |_| ctx.select_event(stream.clone(), version, occurrence);
    view! {
        <li data-depth=depth>
            <button type="button" class="blame-entry trail-entry" data-testid="trail-entry"
                data-stream=step.stream.clone() data-version=version title=cause
                aria-current=current on:click=select data-cell=cell_name((n, 0))
                tabindex=roving.tab_index((n, 0)) on:focus=move |_| roving.focused((n, 0))>
                <span class="version">{place}</span>
                <span class="values">{step.row.kind.clone()}</span>
                <span class="time">{utc_or_dash(step.row.time)}</span>
                <span class="user">{user}</span>
            </button>
        </li>
    }
}
