//! The app shell: creates the context from the URL, starts the first load, and lays out panels.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::actions::open_file;
use super::context::{use_app, AppCtx};
use super::embed::{self, CONFIG_URL};
use super::event_list::EventList;
use super::format::knows_zone;
use super::keyboard::{on_key, use_keyboard};
use super::loader::{fetch_document, load_url, DEMO_URL};
use super::period_table::PeriodTableView;
use super::print_report::PrintReport;
use super::source_bar::SourceBar;
use super::state_panel::StatePanel;
use super::stream_list::StreamList;
use super::timeline_scrubber::TimelineScrubber;
use super::url::{read_view, write_view_when_settled};
use chronoscope_core::decode::{Place, Problem, ProblemKind};
use chronoscope_core::embed::{is_compact, Allowlist};
use chronoscope_core::link::ViewState;
use chronoscope_core::origin::foreign_origins;

/// The whole app, as mounted on the page.
#[component]
pub fn App() -> impl IntoView {
    let (mut view, mut ignored) = read_view();
    if let Some(zone) = view.zone.take() {
        match knows_zone(&zone) {
            true => view.zone = Some(zone),
            false => ignored.push(format!("zone={zone} is not a time zone this browser knows")),
        }
    }
    let ctx = AppCtx::new(view.clone());
    provide_context(ctx);
    ctx.source_problems.set(
        ignored
            .into_iter()
            .map(|message| {
                Problem::new(Place::Source, ProblemKind::Link(format!("link: {message}")))
            })
            .collect(),
    );
    apply_theme(&view);
    Effect::new(move |_| ctx.view.with(write_view_when_settled));
    let embedded = is_compact(&view);
    if embed::is_panel(embedded) {
        embed::start(ctx);
    }
    start_first_load(ctx, &view);
    shell(ctx, embedded, false)
}

/// A panel mounted into an element of a page of Chronoscope's own origin, with no iframe
/// (`chronoscope-embed.js`'s `mount()`): it takes the host's messages as calls to `send` and
/// answers through `on_message`. It keeps nothing page-wide: not the address bar, not the
/// window's keys (it takes keys on its own element), not the page's theme.
pub struct MountedPanel {
    ctx: AppCtx,
    host: embed::HostCell,
    /// Unmounts the panel and disposes of everything it made, when dropped.
    unmount: Option<Box<dyn std::any::Any>>,
}

/// Marks an inspector that is a mounted panel: the window's keys are not its.
#[derive(Clone, Copy)]
struct Mounted;

impl MountedPanel {
    /// Mounts a compact panel into `root`; it says `ready` to `on_message` before this returns.
    pub fn mount(root: web_sys::HtmlElement, on_message: js_sys::Function) -> Option<MountedPanel> {
        let made = std::rc::Rc::new(std::cell::Cell::new(None));
        let made_inside = made.clone();
        let theme_root = root.clone();
        let handle = leptos::mount::mount_to(root, move || {
            let mut view = ViewState::default();
            view.extra.push(("embed".into(), "1".into()));
            let ctx = AppCtx::new(view);
            provide_context(ctx);
            provide_context(Mounted);
            made_inside.set(Some((
                ctx,
                embed::start_mounted(ctx, on_message, theme_root),
            )));
            shell(ctx, true, true)
        });
        // `mount_to` runs the closure before it returns.
        let (ctx, host) = made.take()?;
        Some(MountedPanel {
            ctx,
            host,
            unmount: Some(Box::new(handle)),
        })
    }

    /// Takes a host message as JSON text and gives its answer, as `postMessage` would.
    pub fn send(&self, message: &str) -> Option<String> {
        match self.unmount {
            Some(_) => embed::answer(self.ctx, self.host, message),
            None => Some(chronoscope_core::embed::error("the panel was destroyed")),
        }
    }

    /// Unmounts the panel: its elements, listeners, observers and data go.
    pub fn destroy(&mut self) {
        self.unmount = None;
    }
}

/// The page: the source bar above the inspector. `keys_here`: the panel takes keys on its own
/// element (a mounted panel) rather than on the window.
fn shell(ctx: AppCtx, embedded: bool, keys_here: bool) -> impl IntoView {
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        let file = ev
            .data_transfer()
            .and_then(|transfer| transfer.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            open_file(ctx, file);
        }
    };
    view! {
        <div
            class="app"
            class:embedded=embedded
            aria-busy=move || if ctx.engine.busy() { "true" } else { "false" }
            on:dragover=|ev: web_sys::DragEvent| ev.prevent_default()
            on:drop=on_drop
            on:keydown=move |ev| if keys_here { on_key(ctx, &ev) }
        >
            <button type="button" class="skip-link" data-testid="skip-link" on:click=skip_to_timeline>
                "Skip to the timeline"
            </button>
            <SourceBar/>
            <Inspector/>
            <PrintReport/>
        </div>
    }
}

/// The skip link: the keyboard goes to this panel's timeline slider, past the source bar and
/// the stream list.
fn skip_to_timeline(ev: web_sys::MouseEvent) {
    let slider = ev
        .current_target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|link| link.closest(".app").ok().flatten())
        .and_then(|app| {
            app.query_selector(".timeline input[type=range]")
                .ok()
                .flatten()
        })
        .and_then(|slider| slider.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(slider) = slider {
        let _ = slider.focus();
    }
}

/// Everything below the source bar: streams, timeline, events, state. Needs an `AppCtx`.
#[component]
pub fn Inspector() -> impl IntoView {
    let ctx = use_app();
    if use_context::<Mounted>().is_none() {
        use_keyboard(ctx);
    }
    let table_shown = move || ctx.view.with(ViewState::shows_table);
    view! {
        <main class="inspector">
            <StreamList/>
            // The stream's view stays mounted (and keeps its scroll) while the table is shown.
            <section class="work" class:hidden=table_shown>
                <TimelineScrubber/>
                <div class="panes">
                    <EventList/>
                    <StatePanel/>
                </div>
            </section>
            {move || table_shown().then(|| view! { <PeriodTableView/> })}
        </main>
    }
}

/// Starts the first load, once any other site the link fetches from is allowed: by
/// `config.json`, or by the person, who is asked first (`AskBeforeFetch`).
fn start_first_load(ctx: AppCtx, view: &ViewState) {
    if let Some(engine) = view.engine.clone() {
        // Nothing is read until the person connects to that engine, or declines.
        return ctx.ask_to_connect.set(Some(engine));
    }
    let page = window().location().href().unwrap_or_default();
    let foreign = foreign_origins(&view.fetched_addresses(), &page);
    if foreign.is_empty() {
        return load_first(ctx, view);
    }
    let view = view.clone();
    spawn_local(async move {
        let allowed = match fetch_document(ctx.engine, CONFIG_URL).await {
            Ok(text) => Allowlist::sources_from_config(&text).unwrap_or_default(),
            Err(_) => Allowlist::default(),
        };
        let unlisted: Vec<String> = foreign.into_iter().filter(|o| !allowed.lists(o)).collect();
        match unlisted.is_empty() {
            true => load_first(ctx, &view),
            false => ctx.ask_to_fetch.set(Some(unlisted)),
        }
    });
}

/// The first load: the link's source, the file it needs, or the demo.
pub fn load_first(ctx: AppCtx, view: &ViewState) {
    if let Some(src) = view.src.clone() {
        spawn_local(load_url(ctx, src.clone(), src));
    } else if let Some(file) = view.file.clone() {
        ctx.needs_file.set(Some(file));
    } else if !is_compact(view) {
        spawn_local(load_url(ctx, DEMO_URL.into(), "demo".into()));
    }
    // A compact panel without a source waits for its host to say what to load.
}

/// Follows the system's light or dark setting unless `?theme=light|dark` says otherwise.
fn apply_theme(view: &ViewState) {
    if let Some(theme) = view
        .extra_param("theme")
        .filter(|t| t == "light" || t == "dark")
    {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-theme", &theme);
        }
    }
}
