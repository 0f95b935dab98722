//! The panel's side of the embedding contract (`core::embed`): listens for a host page's
//! messages, takes only those from allowed origins, carries out what they ask through the same
//! loader and view state a person uses, and tells the host when the panel is ready, what it
//! loaded, what is selected and how tall it is.
//!
//! The allowed origins are read once from the deployment's `config.json`; messages that come
//! before it is read wait for it (at most `embed::MAX_WAITING`). Only the window that frames
//! the panel is heard, and a message longer than `embed::MAX_MESSAGE_LEN` is dropped before it
//! is copied in. The panel posts only to its parent, and only when the parent's
//! origin is allowed: never to `*`. A panel mounted into a page of its own origin
//! (`chronoscope-embed.js`) takes the same messages as calls, and answers through a callback.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use super::context::AppCtx;
use super::loader::{append_live, fetch_document, load_text, load_url};
use super::url::pinned_address;
use chronoscope_core::embed::{self, Allowlist, Command, LoadRequest, Theme};
use chronoscope_core::origin;
use chronoscope_core::time::format_utc;
use chronoscope_protocol::{Answer, Request};

/// The deployment's configuration, beside `index.html`.
pub const CONFIG_URL: &str = "config.json";

/// How the panel's messages reach its host.
enum Transport {
    /// `postMessage` to the parent window.
    Parent,
    /// A function of the page that mounted the panel, called with each message as JSON text.
    Callback(js_sys::Function),
}

/// What the panel knows of its host.
pub struct Host {
    transport: Transport,
    /// Where a theme applies: the mounted panel's element; `None`: the whole page.
    theme_root: Option<web_sys::HtmlElement>,
    /// `None` while `config.json` is being read.
    allowlist: Option<Allowlist>,
    own_origin: String,
    /// The parent page's origin, as the browser tells it, or as the first allowed message said.
    parent_origin: Option<String>,
    /// Messages that came before the allowlist was read.
    waiting: Vec<Incoming>,
    /// The panel's own messages written before the allowlist was read (`ready` goes first).
    outbox: Vec<String>,
}

/// A message as it came: from where, and its data as JSON text.
struct Incoming {
    origin: String,
    text: String,
    source: Option<web_sys::Window>,
}

/// The host, kept where every callback of the panel can reach it.
pub type HostCell = StoredValue<Host, LocalStorage>;

impl Host {
    /// A host not heard from yet; its allowlist is still to be read.
    fn new(
        transport: Transport,
        theme_root: Option<web_sys::HtmlElement>,
        parent_origin: Option<String>,
    ) -> HostCell {
        StoredValue::new_local(Host {
            transport,
            theme_root,
            allowlist: None,
            own_origin: window().location().origin().unwrap_or_default(),
            parent_origin,
            waiting: Vec::new(),
            outbox: Vec::new(),
        })
    }
}

/// True for a page shown inside another (an iframe), or asked for the compact panel.
pub fn is_panel(embed_param: bool) -> bool {
    embed_param || parent_window().is_some()
}

/// Starts taking a host's messages and telling it what the panel shows.
pub fn start(ctx: AppCtx) {
    let host = Host::new(Transport::Parent, None, browser_parent_origin());
    let _ = window_event_listener(leptos::ev::message, move |ev| receive(ctx, host, ev));
    spawn_local(read_allowlist(ctx, host));
    report_loads(ctx, host);
    report_selection(ctx, host);
    if let Some(body) = document().body() {
        report_height(host, body);
    }
}

/// Starts a panel mounted into `root`, whose messages go to `on_message`. The page is of the
/// panel's own origin, so no allowlist applies; `ready` is said at once.
pub fn start_mounted(
    ctx: AppCtx,
    on_message: js_sys::Function,
    root: web_sys::HtmlElement,
) -> HostCell {
    let host = Host::new(Transport::Callback(on_message), Some(root.clone()), None);
    host.update_value(|h| h.allowlist = Some(Allowlist::default()));
    report_loads(ctx, host);
    report_selection(ctx, host);
    report_height(host, root);
    post_to_host(host, embed::ready(env!("CARGO_PKG_VERSION")));
    host
}

/// Carries out one message of ours given as JSON text, and says the answer: a `reply` when it
/// had an id, an `error` when it failed without one; `None` when there is nothing to say.
pub fn answer(ctx: AppCtx, host: HostCell, text: &str) -> Option<String> {
    match embed::read(text) {
        Ok(None) => None,
        Err(rejected) => Some(embed::rejection(&rejected)),
        Ok(Some(message)) => {
            let result = carry_out(ctx, host, message.command);
            match (&message.id, result) {
                (Some(id), result) => Some(embed::reply(
                    id,
                    result.as_ref().map(|_| ()).map_err(String::as_str),
                )),
                (None, Err(error)) => Some(embed::error(&error)),
                (None, Ok(())) => None,
            }
        }
    }
}

/// Reads `config.json` (absent: only the panel's own origin may drive it), says `ready`, then
/// takes the messages that waited.
async fn read_allowlist(ctx: AppCtx, host: HostCell) {
    let allowlist = match fetch_document(ctx.engine, CONFIG_URL).await {
        Ok(text) => Allowlist::from_config(&text).unwrap_or_else(|err| {
            warn(&format!(
                "Chronoscope: {err}; only this page's own origin may drive the panel"
            ));
            Allowlist::default()
        }),
        Err(_) => Allowlist::default(),
    };
    let (waiting, outbox) = host
        .try_update_value(|h| {
            h.allowlist = Some(allowlist);
            (
                std::mem::take(&mut h.waiting),
                std::mem::take(&mut h.outbox),
            )
        })
        .unwrap_or_default();
    post_to_host(host, embed::ready(env!("CARGO_PKG_VERSION")));
    for message in outbox {
        post_to_host(host, message);
    }
    for incoming in waiting {
        // They came from the framing page; their origin is judged now that the list is read.
        match embed::admit_sender(true, origin_allowed(host, &incoming.origin)) {
            Ok(()) => handle(ctx, host, incoming),
            Err(why) => ignored(&incoming.origin, &why),
        }
    }
}

/// Whether `config.json` allows `origin` to drive the panel; `None` until it is read.
fn origin_allowed(host: HostCell, origin: &str) -> Option<bool> {
    host.with_value(|h| {
        h.allowlist
            .as_ref()
            .map(|list| list.allows(origin, &h.own_origin))
    })
}

/// Says in the console why a message was dropped.
fn ignored(origin: &str, why: &embed::Dropped) {
    warn(&format!(
        "Chronoscope ignored a message from {origin}: {why}"
    ));
}

/// Takes a message from another window: dropped, with a warning, unless the page that frames
/// the panel sent it from an allowed origin, and it is short enough (`embed::admit_sender`,
/// `embed::admit_message`); only then is it copied into the panel, or kept until `config.json`
/// is read.
fn receive(ctx: AppCtx, host: HostCell, ev: web_sys::MessageEvent) {
    let origin = ev.origin();
    let from_parent = match (ev.source(), parent_window()) {
        (Some(source), Some(parent)) => js_sys::Object::is(&source, &parent),
        _ => false,
    };
    let allowed = origin_allowed(host, &origin);
    if let Err(why) = embed::admit_sender(from_parent, allowed) {
        return ignored(&origin, &why);
    }
    // `undefined` (or a function) has no JSON: nothing to read.
    let Some(text) = js_sys::JSON::stringify(&ev.data())
        .ok()
        .filter(|text| text.is_string())
    else {
        return;
    };
    let n_waiting = host.with_value(|h| h.waiting.len());
    if let Err(why) = embed::admit_message(text.length(), allowed.is_some(), n_waiting) {
        return ignored(&origin, &why);
    }
    let Some(text) = text.as_string() else {
        return;
    };
    let incoming = Incoming {
        origin,
        text,
        // Unchecked: a window of another origin is not an `instanceof Window` here.
        source: ev.source().map(|source| source.unchecked_into()),
    };
    match allowed.is_some() {
        true => handle(ctx, host, incoming),
        false => host.update_value(|h| h.waiting.push(incoming)),
    }
}

/// Carries out a message that was admitted (from the framing page, of an allowed origin), and
/// answers it when it had an id or could not be carried out.
fn handle(ctx: AppCtx, host: HostCell, incoming: Incoming) {
    host.update_value(|h| {
        h.parent_origin
            .get_or_insert_with(|| incoming.origin.clone());
    });
    if let (Some(answer), Some(source)) = (answer(ctx, host, &incoming.text), &incoming.source) {
        post(source, &answer, &incoming.origin);
    }
}

fn carry_out(ctx: AppCtx, host: HostCell, command: Command) -> Result<(), String> {
    match command {
        Command::Load(request) => load(ctx, request),
        Command::Append { lines } => {
            append(ctx, lines);
            Ok(())
        }
        Command::Seek(seek) => {
            ctx.view.update(|view| seek.apply(view));
            Ok(())
        }
        Command::View(change) => {
            ctx.view.update(|view| change.apply(view));
            Ok(())
        }
        Command::Theme(theme) => {
            let root = host.with_value(|h| h.theme_root.clone());
            apply_theme(&theme, root)
        }
    }
}

fn load(ctx: AppCtx, request: LoadRequest) -> Result<(), String> {
    let headers = match &request.src {
        Some(src) if !request.headers.is_empty() => {
            let page = window().location().href().unwrap_or_default();
            let url = origin::resolve(src, &page).map_err(|err| format!("load: {err}"))?;
            Some(origin::host_headers(&url, request.headers.clone()))
        }
        _ => None,
    };
    ctx.host_headers.set_value(headers);
    ctx.host_link_base.set(request.link_base.clone());
    ctx.follow.on.set(request.follow);
    ctx.source_problems.set(Vec::new());
    ctx.pack.set(None);
    // The old data goes first, so that nothing says a moment of it under the new view.
    ctx.engine.in_worker.set(false);
    ctx.opened.set(None);
    ctx.load.complete.set(false);
    ctx.view.update(|view| *view = request.view(view));
    match (request.src, request.text) {
        (Some(src), _) => spawn_local(load_url(ctx, src.clone(), src)),
        (None, Some(text)) => spawn_local(load_text(ctx, text, HOST_LABEL.into())),
        (None, None) => return Err("load: needs src, text or events".into()),
    }
    Ok(())
}

/// How the status line names data the host sent.
const HOST_LABEL: &str = "events from the host";

/// Adds live events: the moment shown stays unless the panel follows the head. With nothing
/// loaded yet, they are the start of a source.
fn append(ctx: AppCtx, lines: String) {
    let at = ctx
        .shown
        .selection
        .with_untracked(|s| s.stream.clone())
        .and_then(|stream| {
            let cursor = ctx.shown.cursor.get_untracked()?;
            Some((stream, cursor.version, cursor.occurrence))
        });
    let follow = ctx.follow.on.get_untracked();
    ctx.view.update(|view| embed::keep_place(view, follow, at));
    if !append_live(ctx, &lines) {
        ctx.view
            .update(|view| view.file = Some(embed::FROM_HOST.into()));
        spawn_local(load_text(ctx, lines, HOST_LABEL.into()));
    }
}

fn apply_theme(theme: &Theme, root: Option<web_sys::HtmlElement>) -> Result<(), String> {
    let root: web_sys::Element = match root {
        Some(root) => root.into(),
        None => document()
            .document_element()
            .ok_or("theme: the page has no root element")?,
    };
    if let Some(mode) = &theme.mode {
        root.set_attribute("data-theme", mode).map_err(js_error)?;
    }
    let style = root
        .dyn_ref::<web_sys::HtmlElement>()
        .ok_or("theme: the root element has no style")?
        .style();
    for (name, value) in &theme.vars {
        style.set_property(name, value).map_err(js_error)?;
    }
    Ok(())
}

/// Says `loaded` after each load completes (not after live events are added), with what the
/// engine counts.
fn report_loads(ctx: AppCtx, host: HostCell) {
    Effect::new(move |_| {
        if ctx.load.n_loads.get() == 0 {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Answer::Opened(opened) = ctx.engine.ask(Request::Status).await {
                let n_problems = opened.n_problems;
                let message = embed::loaded(opened.n_events, opened.n_streams, n_problems);
                post_to_host(host, message);
            }
        });
    });
}

/// Says `selected` after each change of the moment shown, once the data is loaded, with a link
/// pinned to that data; the same message is not said twice.
fn report_selection(ctx: AppCtx, host: HostCell) {
    let last_said = StoredValue::new(String::new());
    Effect::new(move |_| {
        let complete = ctx.load.complete.get();
        let (selection, cursor) = (ctx.shown.selection.get(), ctx.shown.cursor.get());
        let Some(stream) = selection.stream.clone().filter(|_| complete) else {
            return;
        };
        let view = ctx.view.with_untracked(embed::full_view);
        let time = cursor.and_then(|c| c.time).map(|t| format_utc(&t));
        let version = cursor.map(|c| c.version);
        leptos::task::spawn_local(async move {
            let link = pinned_address(ctx, &view).await;
            let link = link.as_deref().map_err(|no_link| *no_link);
            let message = embed::selected(&stream, version, time.as_deref(), link);
            if last_said.with_value(|last| *last != message) {
                last_said.set_value(message.clone());
                post_to_host(host, message);
            }
        });
    });
}

/// Says `resize` whenever `element` (the page's body, or the mounted panel's element) changes
/// height, so that the host can size the iframe or the panel's box to it. The observer stops
/// when the panel is unmounted.
fn report_height(host: HostCell, element: web_sys::HtmlElement) {
    let observed = element.clone();
    let on_resize = Closure::<dyn Fn()>::new(move || {
        let height = observed.get_bounding_client_rect().height().ceil().max(0.0) as u32;
        post_to_host(host, embed::resize(height));
    });
    let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) else {
        return;
    };
    observer.observe(&element);
    let kept = StoredValue::new_local((observer, on_resize));
    on_cleanup(move || kept.with_value(|(observer, _)| observer.disconnect()));
}

/// Posts one of the panel's own messages to its parent, when the parent's origin is allowed.
fn post_to_host(host: HostCell, message: String) {
    let callback = host.with_value(|h| match &h.transport {
        Transport::Callback(callback) => Some(callback.clone()),
        Transport::Parent => None,
    });
    if let Some(callback) = callback {
        let _ = callback.call1(&JsValue::NULL, &JsValue::from_str(&message));
        return;
    }
    let Some(parent) = parent_window() else {
        return;
    };
    let target = host.try_update_value(|h| match &h.allowlist {
        None => {
            h.outbox.push(message.clone());
            None
        }
        Some(list) => list.target(h.parent_origin.as_deref(), &h.own_origin),
    });
    if let Some(target) = target.flatten() {
        post(&parent, &message, &target);
    }
}

fn post(to: &web_sys::Window, message: &str, origin: &str) {
    if let Ok(message) = js_sys::JSON::parse(message) {
        let _ = to.post_message(&message, origin);
    }
}

/// The window this page is framed in, if it is.
fn parent_window() -> Option<web_sys::Window> {
    window()
        .parent()
        .ok()
        .flatten()
        .filter(|parent| *parent != window())
}

/// The parent's origin as the browser tells it: `location.ancestorOrigins` where there is one,
/// else the referrer's origin.
fn browser_parent_origin() -> Option<String> {
    parent_window()?;
    let ancestors = js_sys::Reflect::get(&window().location(), &"ancestorOrigins".into()).ok();
    let first = ancestors
        .and_then(|list| js_sys::Reflect::get(&list, &JsValue::from(0)).ok())
        .and_then(|origin| origin.as_string());
    first.or_else(|| embed::origin_of(&document().referrer()))
}

fn warn(message: &str) {
    web_sys::console::warn_1(&message.into());
}

fn js_error(err: JsValue) -> String {
    err.as_string()
        .unwrap_or_else(|| "the browser refused".into())
}
