//! A long text shown a window at a time (`core::view::text::text_window`), with a *show more*
//! button under it while more is left: a 50 MB record written whole would hold the tab for
//! seconds. How much is shown is a signal, never read back from the page.

use chronoscope_core::view::text::{more_words, text_window};
use leptos::prelude::*;

/// `text` in a `<pre>` (with `testid`, and when `label` is given, focusable under that name),
/// its first window shown, and a button that shows the next.
#[component]
pub fn LongText(
    text: String,
    testid: &'static str,
    #[prop(optional)] label: Option<&'static str>,
) -> impl IntoView {
    let text = StoredValue::new(text);
    let first = text.with_value(|text| text_window(text, 0).0.len());
    let shown = RwSignal::new(first);
    let rest = move || text.with_value(|text| text.len() - shown.get());
    let more = move |_| {
        let next = text.with_value(|text| text_window(text, shown.get_untracked()).0.len());
        shown.update(|shown| *shown += next);
    };
    view! {
        <pre data-testid=testid tabindex=label.map(|_| "0") aria-label=label>
            {move || text.with_value(|text| text[..shown.get()].to_string())}
        </pre>
        <Show when=move || rest() != 0>
            <button type="button" class="more" on:click=more>{move || more_words(rest())}</button>
        </Show>
    }
}
