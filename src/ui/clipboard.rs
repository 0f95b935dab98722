//! Copying text to the clipboard, with a flag that says so for a moment.
//!
//! Hand-written rather than leptos-use's `use_clipboard`: that hook brought its debounce and
//! throttle filters (about 10 KB before optimisation, 3 KB after brotli) into a bundle that was
//! at its 350 KB budget, for what is one call to `navigator.clipboard.writeText` and a timer.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

/// How long `copied` stays set after a copy.
const SHOWN_FOR: Duration = Duration::from_millis(1500);

/// A copier: `copy` writes text to the clipboard; `copied` is true for a moment once the
/// browser has taken it, and never where it refuses (no permission, no secure context).
#[derive(Clone, Copy)]
pub struct Copier {
    pub copy: Callback<String>,
    pub copied: Signal<bool>,
}

/// A new copier with its own `copied` flag.
pub fn copier() -> Copier {
    let copied = RwSignal::new(false);
    let copy = Callback::new(move |text: String| {
        let written = window().navigator().clipboard().write_text(&text);
        spawn_local(async move {
            if wasm_bindgen_futures::JsFuture::from(written).await.is_ok() {
                copied.try_set(true);
                set_timeout(move || _ = copied.try_set(false), SHOWN_FOR);
            }
        });
    });
    Copier {
        copy,
        copied: copied.into(),
    }
}
