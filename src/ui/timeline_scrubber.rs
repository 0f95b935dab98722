//! The timeline: the density strip, the scrubbing controls, the legend of event types and the
//! "as of" query, with playback stepping through the stream while it plays.

use leptos::prelude::*;

use super::as_of_box::AsOfBox;
use super::context::{use_app, AppCtx};
use super::density_strip::DensityStrip;
use super::dom::append_element;
use super::scrub_controls::ScrubControls;

/// The pause between two steps while playing.
const PLAY_STEP_MS: u64 = 350;

/// The timeline section above the event list and the state.
#[component]
pub fn TimelineScrubber() -> impl IntoView {
    let ctx = use_app();
    use_playback(ctx);
    let details_open = RwSignal::new(false);
    // The legend, written with DOM text calls rather than a `view!` per type, for the bundle's
    // budget (see `period_table`).
    let legend = NodeRef::<leptos::html::Ul>::new();
    Effect::new(move |_| {
        let kinds = ctx.stream_kinds.get();
        if let Some(legend) = legend.get() {
            legend.set_text_content(None);
            for name in kinds {
                let swatch = format!("swatch {}", ctx.kind_colour(&name));
                let swatch = [
                    ("class", swatch.as_str()),
                    ("data-marker", ctx.kind_marker(&name)),
                ];
                // Only element creation can fail here, which a browser does not refuse.
                let _ = append_element(&legend, "li", &[], None).and_then(|item| {
                    append_element(&item, "span", &swatch, None)?;
                    item.append_child(&document().create_text_node(&name))
                });
            }
        }
    });
    view! {
        <section class="timeline" aria-label="Timeline">
            <DensityStrip/>
            <ScrubControls/>
            // In a narrow panel the legend and the as-of form fold behind this toggle.
            <button type="button" class="menu-toggle time-toggle" data-testid="time-toggle" aria-controls="time-row"
                aria-expanded=move || if details_open.get() { "true" } else { "false" }
                on:click=move |_| details_open.update(|o| *o = !*o)>"Legend and as of ▾"</button>
            <div id="time-row" class="time-row" class:open=move || details_open.get()>
                <ul class="legend" node_ref=legend></ul>
                <AsOfBox/>
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
                if ctx.playing.try_get_untracked() == Some(true) {
                    ctx.step(1);
                }
            },
            std::time::Duration::from_millis(PLAY_STEP_MS),
        );
    });
}
