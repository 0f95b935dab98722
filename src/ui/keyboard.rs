//! The keyboard map: ←/→ one event, PgUp/PgDn ten, Home/End the ends, Space play or pause,
//! `/` the filter, `c` copy the link, Ctrl+P (⌘P) print the report of the moment shown. Keys
//! typed into a field are left to the field.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::context::AppCtx;
use super::print_report::print_report;
use super::url::copy_link;
use chronoscope_core::link::ViewState;
use leptos::task::spawn_local;

/// Installs the keyboard map on the window for the app's lifetime.
pub fn use_keyboard(ctx: AppCtx) {
    // Leptos's own window listener rather than leptos-use's: the same, in 3 KB less bundle.
    let _ = window_event_listener(leptos::ev::keydown, move |ev| on_key(ctx, &ev));
}

/// What a key does. A panel mounted in a page takes keys on its own element instead of the
/// window, so that two panels on one page do not both move.
pub fn on_key(ctx: AppCtx, ev: &web_sys::KeyboardEvent) {
    if is_print(ev) && ctx.stream.get_untracked().is_some() {
        ev.prevent_default();
        return spawn_local(async move {
            let _ = print_report(ctx).await;
        });
    }
    if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing_in_a_field(ev) {
        return;
    }
    // The period-end table hides the stream's view: keys must not move what is not shown.
    if ctx.view.with_untracked(ViewState::shows_table) {
        return;
    }
    let n_events = ctx.stream_len();
    match ev.key().as_str() {
        "ArrowLeft" => ctx.step(-1),
        "ArrowRight" => ctx.step(1),
        "PageUp" => ctx.step(-10),
        "PageDown" => ctx.step(10),
        "Home" if n_events > 0 => ctx.select_position(0),
        "End" if n_events > 0 => ctx.select_position(n_events - 1),
        " " => ctx.playing.update(|playing| *playing = !*playing),
        "/" => {
            if let Some(filter) = document().get_element_by_id("event-filter") {
                let _ = filter.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        }
        "c" => copy_link(ctx),
        _ => return,
    }
    ev.prevent_default();
}

/// Ctrl+P, or ⌘P: the browser's print, which prints the report of the moment shown.
fn is_print(ev: &web_sys::KeyboardEvent) -> bool {
    (ev.ctrl_key() || ev.meta_key()) && !ev.alt_key() && ev.key().eq_ignore_ascii_case("p")
}

fn typing_in_a_field(ev: &web_sys::KeyboardEvent) -> bool {
    let Some(target) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    matches!(target.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        && target.get_attribute("type").as_deref() != Some("range")
}
