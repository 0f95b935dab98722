//! The address bar as the store of the view state: read it on start, write it once each change
//! has settled. Since every setting of the view passes through here, it also notes when the view
//! was last set, so that work in the background can let what it shows be painted first.

use std::cell::RefCell;

use gloo_timers::callback::Timeout;
use leptos::prelude::*;

use super::context::{AppCtx, Cursor};
use chronoscope_core::embed::{link_to, NoLink, FROM_HOST};
use chronoscope_core::link::ViewState;
use chronoscope_core::selection::Selection;
use chronoscope_protocol::{Answer, Request};
use leptos::task::spawn_local;

/// The view state in the current URL, with the parameters that were ignored and why.
pub fn read_view() -> (ViewState, Vec<String>) {
    let search = window().location().search().unwrap_or_default();
    ViewState::from_query(&search)
}

/// How long the view must stay the same before the address bar is written. Browsers limit
/// `replaceState`: Safari throws after 100 calls in 30 seconds, and the address then stops
/// following the view; Chromium throws past 200 in a second. Dragging the scrubber or holding an
/// arrow key changes the view every frame. Writing once the view settles also keeps the few
/// milliseconds a `replaceState` costs out of each jump, before the browser paints it.
const SETTLE_MS: u32 = 250;

thread_local! {
    /// The write waiting for the view to settle; replacing it cancels it (`Timeout` on drop).
    static PENDING_WRITE: RefCell<Option<Timeout>> = const { RefCell::new(None) };
}

/// Writes the view state into the URL once it has stayed the same for `SETTLE_MS`.
pub fn write_view_when_settled(view: &ViewState) {
    let view = view.clone();
    let write = Timeout::new(SETTLE_MS, move || write_view(&view));
    PENDING_WRITE.with(|pending| pending.replace(Some(write)));
}

/// Writes the view state into the URL without adding a history entry. The write is skipped when
/// the address already says it: `replaceState` costs a few milliseconds in Chromium, and a
/// followed source republishes the view several times a second without changing it.
fn write_view(view: &ViewState) {
    let query = view.to_query();
    let location = window().location();
    let search = location.search().unwrap_or_default();
    if search.strip_prefix('?').unwrap_or(&search) == query {
        return;
    }
    let path = location.pathname().unwrap_or_default();
    let url = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// A link to the view shown, pinned to its stream and moment (by version, where the view is not
/// at a time), without `h=`: what a link that is made on every move can afford. It goes where
/// `embed::link_to` says: this page, or the host's `link_base`.
pub fn pinned_link(
    view: &ViewState,
    selection: &Selection,
    cursor: Option<Cursor>,
    link_base: Option<&str>,
) -> Result<String, NoLink> {
    let mut pinned = view.clone();
    pinned.stream = selection.stream.clone().or(pinned.stream);
    if let (None, Some(cursor)) = (&pinned.time, cursor) {
        pinned.version = Some(cursor.version);
        pinned.dup = (cursor.occurrence > 1).then_some(cursor.occurrence);
    }
    link_to(&pinned, &page_address(), link_base)
}

/// The page's origin and path.
pub fn page_address() -> String {
    let location = window().location();
    let origin = location.origin().unwrap_or_default();
    let path = location.pathname().unwrap_or_default();
    format!("{origin}{path}")
}

/// A link that reopens `view` exactly even when the source grows: the engine pins its stream
/// and moment to what is shown now, and `h=` to the data up to it (`integrity::pin`).
pub async fn pinned_address(ctx: AppCtx, view: &ViewState) -> Result<String, NoLink> {
    let request = Request::Pin {
        link: view.to_query(),
    };
    let link_base = ctx.host_link_base.get_untracked();
    match ctx.engine.ask(request).await {
        Answer::Pinned { query } => link_to(
            &ViewState::from_query(&query).0,
            &page_address(),
            link_base.as_deref(),
        ),
        _ => pinned_link(
            view,
            &ctx.shown.selection.get_untracked(),
            ctx.shown.cursor.get_untracked(),
            link_base.as_deref(),
        ),
    }
}

/// Copies a link to the view shown, pinned to its stream, version and data, and says so for a
/// moment. Where no link can reopen it, the button says why instead (`no_link`).
pub fn copy_link(ctx: AppCtx) {
    let view = ctx.view.get_untracked();
    spawn_local(async move {
        if let Ok(link) = pinned_address(ctx, &view).await {
            ctx.copy_to_clipboard.run(link);
        }
    });
}

/// Why no link can reopen the view shown (data the host sent, with no `link_base`), if so.
pub fn no_link(ctx: AppCtx) -> Option<NoLink> {
    let from_host = ctx.view.with(|v| v.file.as_deref() == Some(FROM_HOST));
    (from_host && ctx.host_link_base.with(Option::is_none)).then_some(NoLink)
}
