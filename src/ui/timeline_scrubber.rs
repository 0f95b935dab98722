//! The timeline scrubber: a density strip that shows where the stream's events fall in time,
//! coloured by event type, above a slider over the events; play, step, and "as of" a time.

use leptos::prelude::*;

use super::context::{use_app, AppCtx};
use super::format::{local, utc};
use crate::core::time::{format_utc, parse_instant};

/// How many time slices the density strip has.
const N_BINS: usize = 120;
/// How many colours event types cycle through (see `--kind-N` in the style sheet).
pub const N_KIND_COLOURS: usize = 10;
/// The pause between two steps while playing.
const PLAY_STEP_MS: u64 = 350;

/// The scrubber, the density strip, the playback controls and the "as of" time query.
#[component]
pub fn TimelineScrubber() -> impl IntoView {
    let ctx = use_app();
    use_playback(ctx);
    let stream = move || ctx.selection.with(|s| s.stream.clone());
    let n_events = Memo::new(move |_| {
        stream();
        ctx.stream_len()
    });
    let density = Memo::new(move |_| {
        let stream = stream()?;
        ctx.loaded.with(|l| {
            let timeline = &l.as_ref()?.timeline;
            let first = timeline.event_at(&stream, 0)?.time;
            let last = timeline
                .event_at(&stream, timeline.stream_len(&stream) - 1)?
                .time;
            Some((
                timeline.density(&stream, N_BINS),
                first,
                last,
                timeline.kinds().to_vec(),
            ))
        })
    });
    let cursor_event = Memo::new(move |_| ctx.event_at(ctx.selection.get().pos));
    let cursor_text = move || {
        let view = ctx.view.get();
        match (cursor_event.get(), &view.time) {
            (Some(event), Some(time)) => {
                format!("v{} · {} · as of {}", event.version, utc(&event.time), time)
            }
            (Some(event), None) => format!("v{} · {}", event.version, utc(&event.time)),
            (None, Some(time)) => format!("before the first event · as of {time}"),
            (None, None) => "no event".into(),
        }
    };
    let cursor_local = move || {
        cursor_event
            .get()
            .map(|e| format!("local {}", local(&e.time)))
    };
    let marker_x = move || {
        let (_, first, last, _) = density.get()?;
        let event = cursor_event.get()?;
        let span = (last - first).num_milliseconds().max(1) as f64;
        Some(100.0 * (event.time - first).num_milliseconds() as f64 / span)
    };
    let as_of = RwSignal::new(String::new());
    let as_of_error = RwSignal::new(None::<String>);
    let apply_as_of = move || {
        let text = as_of.get_untracked();
        match parse_instant(&text) {
            Ok(time) => {
                as_of_error.set(None);
                ctx.view.update(|view| {
                    view.version = None;
                    view.time = Some(format_utc(&time));
                });
            }
            Err(err) => as_of_error.set(Some(err)),
        }
    };
    let as_of_preview = move || {
        parse_instant(&as_of.get())
            .ok()
            .map(|t| format!("UTC {} · local {}", utc(&t), local(&t)))
    };
    let on_strip_click = move |ev: leptos::ev::MouseEvent| {
        let Some((_, first, last, _)) = density.get_untracked() else {
            return;
        };
        let target: web_sys::Element = event_target(&ev);
        let rect = target.get_bounding_client_rect();
        let fraction = ((ev.client_x() as f64 - rect.left()) / rect.width()).clamp(0.0, 1.0);
        let span = (last - first).num_milliseconds() as f64;
        let time = first + chrono::Duration::milliseconds((fraction * span) as i64);
        ctx.view.update(|view| {
            view.version = None;
            view.time = Some(format_utc(&time));
        });
    };

    view! {
        <section class="timeline" aria-label="Timeline">
            <div class="strip" title="Events over time; click to see the state as of that moment" on:click=on_strip_click>
                <svg viewBox=format!("0 0 {N_BINS} 20") preserveAspectRatio="none" aria-hidden="true">
                    {move || density.get().map(|(bins, _, _, kinds)| {
                        let max = bins.iter().map(|b| b.n_events).max().unwrap_or(1).max(1) as f64;
                        bins.into_iter().enumerate().filter(|(_, b)| b.n_events > 0).map(|(idx, bin)| {
                            let height = 3.0 + 17.0 * (bin.n_events as f64 / max);
                            let colour = ctx.kind_colour(&kinds[bin.main_kind.unwrap_or(0)]);
                            view! { <rect class=colour x=idx.to_string() y=(20.0 - height).to_string() width="0.85" height=height.to_string()></rect> }
                        }).collect_view()
                    })}
                </svg>
                {move || marker_x().map(|x| view! { <div class="strip-cursor" style=format!("left: {x:.3}%")></div> })}
            </div>
            <div class="scrub-row">
                <button type="button" title="First event (Home)" aria-label="First event" on:click=move |_| ctx.select_position(0)>"⇤"</button>
                <button type="button" title="Previous event (←)" aria-label="Previous event" on:click=move |_| ctx.step(-1)>"‹"</button>
                <button type="button" data-testid="play" title="Play or pause (Space)" aria-label="Play or pause" on:click=move |_| ctx.playing.update(|p| *p = !*p)>
                    {move || if ctx.playing.get() { "❚❚" } else { "▶" }}
                </button>
                <button type="button" title="Next event (→)" aria-label="Next event" on:click=move |_| ctx.step(1)>"›"</button>
                <button type="button" title="Last event (End)" aria-label="Last event" on:click=move |_| ctx.select_position(ctx.stream_len().saturating_sub(1))>"⇥"</button>
                <input
                    type="range"
                    data-testid="scrubber"
                    aria-label="Position in the stream"
                    min="0"
                    max=move || n_events.get().saturating_sub(1).to_string()
                    step="1"
                    prop:value=move || ctx.selection.get().pos.unwrap_or(0).to_string()
                    on:input=move |ev| {
                        if let Ok(pos) = event_target_value(&ev).parse::<usize>() {
                            ctx.select_position(pos);
                        }
                    }
                />
                <span class="cursor" data-testid="cursor" title=cursor_local>{cursor_text}</span>
            </div>
            <div class="time-row">
                <ul class="legend">
                    {move || ctx.stream_kinds.get().into_iter().map(|name| view! {
                        <li><span class=format!("swatch {}", ctx.kind_colour(&name))></span>{name}</li>
                    }).collect_view()}
                </ul>
                <form class="as-of" on:submit=move |ev| { ev.prevent_default(); apply_as_of(); }>
                    <label>
                        "As of "
                        <input
                            type="text"
                            data-testid="as-of"
                            placeholder="2026-03-31T23:59:59Z"
                            prop:value=move || as_of.get()
                            on:input=move |ev| as_of.set(event_target_value(&ev))
                        />
                    </label>
                    <button type="submit">"Go"</button>
                    <span class="hint">{move || as_of_error.get().or_else(as_of_preview).unwrap_or_else(|| "RFC 3339, any offset".into())}</span>
                </form>
                <span class="cursor-local">{cursor_local}</span>
            </div>
        </section>
    }
}

/// Steps forward while `ctx.playing` is set, stopping at the stream's last event.
fn use_playback(ctx: AppCtx) {
    Effect::new(move |_| {
        if !ctx.playing.get() {
            return;
        }
        let at_end = ctx.selection.with(|s| s.pos) == ctx.stream_len().checked_sub(1);
        if at_end {
            ctx.playing.set(false);
            return;
        }
        set_timeout(
            move || {
                if ctx.playing.get_untracked() {
                    ctx.step(1);
                }
            },
            std::time::Duration::from_millis(PLAY_STEP_MS),
        );
    });
}
