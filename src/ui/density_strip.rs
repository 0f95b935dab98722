//! The density strip: where the stream's events fall in time, a bar per time slice coloured by
//! its most common event type, with the cursor at the selected event. A click shows the state as
//! of that moment.

use leptos::prelude::*;

use wasm_bindgen::JsCast;

use super::context::{kind_colour, use_app, N_DENSITY_BINS};
use super::dom::append_element;
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
        let time = ctx.cursor.get()?.time?;
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
    let svg = NodeRef::<leptos::svg::Svg>::new();
    Effect::new(move |_| {
        let bins = density.get().map(|(bins, _, _)| bins).unwrap_or_default();
        if let Some(svg) = svg.get() {
            // Only element creation can fail here, which a browser does not refuse.
            let _ = write_bars(&svg, &bins);
        }
    });
    // A closure, not a memo: the answer is a lookup, and a memo costs the bundle more.
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
    // finding with a button to its event. Written with DOM calls rather than a `view!` per
    // mark, for the bundle's budget (see `period_table`).
    let marks = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let findings = findings.get();
        if let Some(marks) = marks.get() {
            marks.set_text_content(None);
            for (x, message, kind) in findings {
                // Only element creation can fail here, which a browser does not refuse.
                let _ = write_mark(&marks, x, &message, &kind);
            }
        }
    });
    view! {
        <Show when=no_times>
            <p class="strip-note" data-testid="no-times">
                "This stream's events have no times in the source: the density strip and "
                <code>"t="</code>" need them. Scrub by version."
            </p>
        </Show>
        <div class="strip" class:hidden=no_times title="Events over time; click to see the state as of that moment" on:click=on_click>
            <svg viewBox=format!("0 0 {N_DENSITY_BINS} 20") preserveAspectRatio="none" aria-hidden="true" node_ref=svg></svg>
            {move || cursor_x().map(|x| view! { <div class="strip-cursor" style:left=format!("{}%", decimal(x))></div> })}
            <div class="strip-marks" node_ref=marks></div>
        </div>
    }
}

/// One bar per slice with events, as tall as its share of the busiest slice, written with DOM
/// calls rather than a `view!` per bar, for the bundle's budget (see `period_table`).
fn write_bars(svg: &web_sys::Element, bins: &[Bin]) -> Result<(), wasm_bindgen::JsValue> {
    svg.set_text_content(None);
    let max = bins.iter().map(|b| b.n_events).max().unwrap_or(1).max(1) as f64;
    for (idx, bin) in bins.iter().enumerate().filter(|(_, bin)| bin.n_events > 0) {
        let height = 3.0 + 17.0 * (bin.n_events as f64 / max);
        let rect = document().create_element_ns(Some("http://www.w3.org/2000/svg"), "rect")?;
        let (x, y, height) = (idx.to_string(), decimal(20.0 - height), decimal(height));
        let class = kind_colour(bin.main_kind.unwrap_or(0));
        for (name, value) in [
            ("class", class.as_str()),
            ("x", &x),
            ("y", &y),
            ("width", "0.85"),
            ("height", &height),
        ] {
            rect.set_attribute(name, value)?;
        }
        svg.append_child(&rect)?;
    }
    Ok(())
}

/// One finding's mark on the strip, where it falls in time.
fn write_mark(
    marks: &web_sys::Element,
    x: f64,
    message: &str,
    kind: &str,
) -> Result<(), wasm_bindgen::JsValue> {
    let title = format!("Integrity finding: {message}");
    let mark = [
        ("class", "strip-finding"),
        ("data-testid", "strip-finding"),
        ("data-kind", kind),
        ("title", &title),
    ];
    let mark = append_element(marks, "span", &mark, Some("!"))?;
    // Set through the CSSOM, which a CSP without 'unsafe-inline' allows.
    if let Some(mark) = mark.dyn_ref::<web_sys::HtmlElement>() {
        mark.style()
            .set_property("left", &format!("{}%", decimal(x)))?;
    }
    Ok(())
}
