//! What a person can do to the source: load a URL, the demo, a file or pasted text, and read the
//! current source again after a choice changed. Each action sets the view (the deep link) and
//! starts a load; the panels call these, and none of them calls another panel.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::context::AppCtx;
use super::loader::{load_file, load_kept, load_pack, load_text, load_url, DEMO_URL};
use chronoscope_core::decode::{Place, Problem, ProblemKind};
use chronoscope_core::link::{check_source, ViewState};

/// Loads a source URL the person typed, unless it carries a credential.
pub fn open_url(ctx: AppCtx, url: String) {
    if let Err(why) = check_source(&url) {
        let problem = Problem::new(Place::Source, ProblemKind::Link(why.to_string()));
        ctx.source_problems.set(vec![problem]);
        return;
    }
    start_url(ctx, url.clone(), url.clone(), Some(url));
}

/// Goes back to the bundled demo.
pub fn open_demo(ctx: AppCtx) {
    start_url(ctx, DEMO_URL.into(), "demo".into(), None);
}

/// Starts loading a URL as a new source: the selection starts afresh.
fn start_url(ctx: AppCtx, url: String, label: String, src: Option<String>) {
    ctx.view.update(|view| {
        reset_selection(view);
        view.src = src;
        view.file = None;
    });
    ctx.local_text.set_value(None);
    ctx.source_problems.set(Vec::new());
    ctx.needs_file.set(None);
    ctx.pack.set(None);
    spawn_local(load_url(ctx, url, label));
}

/// Loads pasted text; the link names it `(pasted)`.
pub fn open_pasted(ctx: AppCtx, text: String) {
    ctx.view.update(|view| {
        reset_selection(view);
        view.src = None;
        view.file = Some("(pasted)".into());
    });
    ctx.source_problems.set(Vec::new());
    ctx.pack.set(None);
    spawn_local(load_text(ctx, text, "pasted text".into()));
}

/// Loads a local file. When a deep link asked for this file, the rest of its view is kept;
/// otherwise the view starts afresh on the new data.
pub fn open_file(ctx: AppCtx, file: web_sys::File) {
    let name = file.name();
    ctx.source_problems.set(Vec::new());
    if name.to_ascii_lowercase().ends_with(".zip") {
        // An evidence pack: it brings its own view, projection and mapping.
        spawn_local(load_pack(ctx, file));
        return;
    }
    ctx.pack.set(None);
    let keep_view = ctx.needs_file.get_untracked().is_some();
    ctx.view.update(|view| {
        if !keep_view {
            reset_selection(view);
        }
        view.src = None;
        view.file = Some(name);
    });
    spawn_local(load_file(ctx, file));
}

/// Reads the current source again (after the format, mapping or time zone changed), keeping
/// the rest of the view.
pub fn reload_source(ctx: AppCtx) {
    ctx.source_problems.set(Vec::new());
    let (src, label) = ctx.view.with_untracked(|v| (v.src.clone(), v.file.clone()));
    match (src, ctx.local_text.get_value()) {
        (Some(src), _) => spawn_local(load_url(ctx, src.clone(), src)),
        (None, Some(kept)) => spawn_local(load_kept(ctx, kept, label.unwrap_or_default())),
        (None, None) => spawn_local(load_url(ctx, DEMO_URL.into(), "demo".into())),
    }
}

/// Clears what only makes sense for one source: the stream, moment, comparison and filter.
pub fn reset_selection(view: &mut ViewState) {
    view.stream = None;
    view.version = None;
    view.dup = None;
    view.time = None;
    view.compare = None;
    view.compare_with = None;
    view.filter = None;
}

/// The first file of a file input's change event.
pub fn input_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    ev.target()?
        .dyn_into::<web_sys::HtmlInputElement>()
        .ok()?
        .files()?
        .get(0)
}
