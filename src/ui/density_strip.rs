//! The density strip: where the stream's events fall in time, a bar per time slice coloured by
//! its most common event type, with the cursor at the selected event. A click shows the state as
//! of that moment.

use leptos::prelude::*;

use super::context::{kind_colour, use_app, N_DENSITY_BINS};
use chronoscope_core::time::format_utc;
use chronoscope_core::view::moves::{percent_of_span, time_at_fraction};
use chronoscope_core::view::text::decimal;
use chronoscope_protocol::{Answer, Bin, Request};

/// The strip over the selected stream.
#[component]
pub fn DensityStrip() -> impl IntoView {
    let ctx = use_app();
    // The stream's span and its bins, from the engine's answer (`AppCtx::stream_info`).
    let density = Memo::new(move |_| {
        ctx.stream_info.with(|info| {
            let info = info.as_ref()?;
            let (first, last) = info.span?;
            Some((info.density.clone(), first, last))
        })
    });
    let cursor_x = move || {
        let (_, first, last) = density.get()?;
        let time = ctx.shown.cursor.get()?.time?;
        Some(percent_of_span(first, last, time))
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some((_, first, last)) = density.get_untracked() else {
            return;
        };
        let target: web_sys::Element = event_target(&ev);
        let rect = target.get_bounding_client_rect();
        let fraction = (ev.client_x() as f64 - rect.left()) / rect.width();
        let time = time_at_fraction(first, last, fraction);
        ctx.view.update(|view| {
            view.version = None;
            view.dup = None;
            view.time = Some(format_utc(&time));
        });
    };
    let bars = move || {
        density.with(|density| {
            let bins = density
                .as_ref()
                .map_or(&[][..], |(bins, _, _)| bins.as_slice());
            bars(bins)
        })
    };
    // A closure, not a memo: the answer is a lookup.
    let no_times = move || {
        ctx.stream_info
            .with(|info| info.as_ref().is_some_and(|info| info.span.is_none()))
    };
    // The integrity findings on this stream's events, where they fall in time: the engine
    // says when each event was (`locate`).
    let findings = RwSignal::new(Vec::<(f64, String, String)>::new());
    // Which run of the effect is the latest: an older one's marks are dropped.
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        asked.update_value(|n| *n += 1);
        let generation = asked.get_value();
        let (Some((_, first, last)), Some(stream), Some(report)) =
            (density.get(), ctx.stream.get(), ctx.load.report.get())
        else {
            findings.set(Vec::new());
            return;
        };
        let listed: Vec<(usize, String, String)> = report
            .findings
            .iter()
            .filter(|f| f.stream.as_deref() == Some(stream.as_str()))
            .filter_map(|f| Some((f.log_idx?, f.message.clone(), f.kind.clone())))
            .collect();
        leptos::task::spawn_local(async move {
            let mut marks = Vec::with_capacity(listed.len());
            for (log_idx, message, kind) in listed {
                let request = Request::Locate {
                    seq: log_idx as u64,
                };
                if let Answer::Located { row, .. } = ctx.engine.ask(request).await {
                    if let Some(time) = row.time {
                        marks.push((percent_of_span(first, last, time), message, kind));
                    }
                }
            }
            if asked.get_value() == generation {
                findings.set(marks);
            }
        });
    });
    // Marks only: a click on the strip there selects the moment, and the report lists each
    // finding with a button to its event.
    let marks = move || {
        findings
            .get()
            .into_iter()
            .map(|(x, message, kind)| {
                view! {
                    <span class="strip-finding" data-testid="strip-finding" data-kind=kind
                        title=format!("Integrity finding: {message}") style:left=format!("{}%", decimal(x))>"!"</span>
                }
            })
            .collect_view()
    };
    view! {
        <Show when=no_times>
            <p class="strip-note" data-testid="no-times">
                "This stream's events have no times in the source: the density strip and "
                <code>"t="</code>" need them. Scrub by version."
            </p>
        </Show>
        <div class="strip" class:hidden=no_times title="Events over time; click to see the state as of that moment" on:click=on_click>
            <svg viewBox=format!("0 0 {N_DENSITY_BINS} 20") preserveAspectRatio="none" aria-hidden="true">{bars}</svg>
            {move || cursor_x().map(|x| view! { <div class="strip-cursor" style:left=format!("{}%", decimal(x))></div> })}
            <div class="strip-marks">{marks}</div>
        </div>
    }
}

/// One bar per slice with events, as tall as its share of the busiest slice.
fn bars(bins: &[Bin]) -> impl IntoView {
    let max = bins.iter().map(|b| b.n_events).max().unwrap_or(1).max(1) as f64;
    bins.iter()
        .enumerate()
        .filter(|(_, bin)| bin.n_events > 0)
        .map(|(idx, bin)| {
            let height = 3.0 + 17.0 * (bin.n_events as f64 / max);
            let class = kind_colour(bin.main_kind.unwrap_or(0));
            view! {
                <rect class=class x=idx.to_string() y=decimal(20.0 - height) width="0.85" height=decimal(height)></rect>
            }
        })
        .collect_view()
}
