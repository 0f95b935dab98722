//! A virtualized list as a hook: only the rows in view (plus a few) are in the DOM, whatever the
//! list's length. The geometry is the core's `ListWindow`, which keeps every row reachable past
//! the browser's tallest element; this hook only measures the scroller and follows scrolling and
//! the window's size. leptos-use's `use_virtual_list` sizes its spacer to every row, which a
//! million rows take past that limit, and its `use_element_size` added 19 KB brotli to a bundle
//! with 14 KB left, so the measuring is done here, on the window's `resize`.

use leptos::html;
use leptos::prelude::*;

use chronoscope_core::view::list_window::ListWindow;

/// What `use_virtual_rows` gives the list.
pub struct UseVirtualRowsReturn {
    /// Put on the scrolling element.
    pub scroller: NodeRef<html::Div>,
    /// The list's geometry now.
    pub geometry: Signal<ListWindow>,
    /// The rows to render, `first..end`.
    pub rows: Signal<(usize, usize)>,
    /// How far the list is scrolled.
    pub scroll_top: Signal<f64>,
    /// Call on the scroller's `scroll` event.
    pub on_scroll: Callback<()>,
    /// Scrolls a row into view on the next frame, when the list has its new height.
    pub scroll_into_view: Callback<usize>,
}

/// A virtual list of `n_rows` rows of `row_height` pixels, with `overscan` rows drawn beyond the
/// visible ones above and below.
pub fn use_virtual_rows(
    n_rows: Signal<usize>,
    row_height: f64,
    overscan: usize,
) -> UseVirtualRowsReturn {
    let scroller = NodeRef::<html::Div>::new();
    let scroll_top = RwSignal::new(0.0);
    let viewport = RwSignal::new(480.0);
    // Memos: a list whose rows did not change is not asked for them again.
    let geometry = Memo::new(move |_| ListWindow {
        n_rows: n_rows.get(),
        row_height,
        viewport: viewport.get(),
    });
    let rows = Memo::new(move |_| geometry.get().rows(scroll_top.get(), overscan));
    // The list never shows more than the window does, even where its box is not bounded.
    // Run by timers and frames too, which may come after the list is gone: then nothing.
    let measure = move || {
        if let Some(el) = scroller.try_get_untracked().flatten() {
            let window_height = window()
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(1_000.0);
            // Not `clamp`, which panics when the window is under 1 px tall (a hidden iframe).
            let height = (el.client_height() as f64).min(window_height).max(1.0);
            set_if_changed(viewport, height);
            set_if_changed(scroll_top, el.scroll_top() as f64);
        }
    };
    let on_resize = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || on_resize.remove());
    // Measured in a task of its own, not in the first frame's: reading the height lays out the
    // freshly mounted page, and in a frame callback that layout came on top of the frame's own
    // style and paint (one task of 50–80 ms in a trace of the benchmark's load).
    set_timeout(measure, std::time::Duration::ZERO);
    // Set when this hook scrolled the list itself and has measured it since: the `scroll` event
    // that follows carries nothing new, and measuring again would force a second layout into
    // the frame that shows the jump.
    let scrolled_here = StoredValue::new(false);
    let scroll_into_view = Callback::new(move |row: usize| {
        // The rows there are asked for at once, from the geometry measured last; the list
        // itself scrolls on the next frame, when it has its new height.
        if let (Some(n_rows), Some(shown), Some(top)) = (
            n_rows.try_get_untracked(),
            viewport.try_get_untracked(),
            scroll_top.try_get_untracked(),
        ) {
            let window = ListWindow {
                n_rows,
                row_height,
                viewport: shown,
            };
            if let Some(top) = window.scroll_into_view(row, top) {
                // As far as the list can scroll, as the browser will have it.
                let furthest = (window.spacer_height() - shown).max(0.0);
                set_if_changed(scroll_top, top.min(furthest).round());
            }
        }
        request_animation_frame(move || {
            let (Some(el), Some(n_rows)) = (
                scroller.try_get_untracked().flatten(),
                n_rows.try_get_untracked(),
            ) else {
                return;
            };
            let window = ListWindow {
                n_rows,
                row_height,
                viewport: el.client_height() as f64,
            };
            let before = el.scroll_top();
            if let Some(top) = window.scroll_into_view(row, before as f64) {
                el.set_scroll_top(top.round() as i32);
            }
            measure();
            // Only a scroll that moved the list fires an event to skip.
            scrolled_here.try_set_value(el.scroll_top() != before);
        });
    });
    let on_scroll = move |()| {
        if !scrolled_here.get_value() {
            measure();
        }
        scrolled_here.set_value(false);
    };
    UseVirtualRowsReturn {
        scroller,
        geometry: geometry.into(),
        rows: rows.into(),
        scroll_top: scroll_top.into(),
        on_scroll: Callback::new(on_scroll),
        scroll_into_view,
    }
}

/// Sets a measure only when it changed: the rows drawn from it are not asked for again.
fn set_if_changed(signal: RwSignal<f64>, value: f64) {
    if signal.try_get_untracked().is_some_and(|now| now != value) {
        signal.try_set(value);
    }
}
