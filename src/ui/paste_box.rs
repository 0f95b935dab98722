//! Where a person pastes events (NDJSON or a JSON array) to load them.

use leptos::prelude::*;

use super::actions::open_pasted;
use super::context::use_app;

/// The paste box; loading closes it.
#[component]
pub fn PasteBox(
    /// Whether the box is open; loading the text closes it.
    open: RwSignal<bool>,
) -> impl IntoView {
    let ctx = use_app();
    let text = RwSignal::new(String::new());
    let on_load = move |_| {
        // Read before closing: closing drops this box and its signal.
        let pasted = text.get_untracked();
        open.set(false);
        open_pasted(ctx, pasted);
    };
    view! {
        <div class="paste-box">
            <textarea data-testid="paste-text" aria-label="Pasted events"
                placeholder="Paste NDJSON or a JSON array of events" bind:value=text></textarea>
            <button type="button" data-testid="paste-load" on:click=on_load>"Load pasted text"</button>
        </div>
    }
}
