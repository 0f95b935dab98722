//! The embedding contract: the messages a host page and an embedded panel exchange with
//! `postMessage`, and which hosts may send them.
//!
//! Every message either way is an envelope `{"ns": "chronoscope", "v": 1, "type", "id"?,
//! "reply_to"?, "payload"}` (JSON Schemas in `embed/`). `read` turns a host's message into a
//! `HostMessage`, says it is not ours (another `ns`: ignored), or names what is wrong with it
//! (`Rejected`, answered with an `error` reply). The panel's own messages are built here too, so
//! their shape is tested natively. Which origins may drive the panel comes from the
//! deployment's `config.json` (`Allowlist`), never from a link; with no config, only the
//! panel's own origin may. A theme may set only the custom properties named in `THEME_VARS`.
//!
//! Payloads are read from `serde_json::Value` by hand rather than with derived `Deserialize`, so
//! that each error names the message, the field and what it needs in the host developer's terms
//! (`seek: v must be a whole number`), where serde's would name a Rust type and a column; the
//! JSON Schemas in `embed/` are checked against what these functions take by a test.

use serde_json::{json, Map, Value};
use url::Url;

use crate::link::{Compare, Panel, ViewState};

/// The envelope's namespace: a message with another is someone else's, and ignored.
pub const NS: &str = "chronoscope";

/// The contract's version.
pub const VERSION: u64 = 1;

/// The host's message types, which `ready` lists as the panel's capabilities.
pub const HOST_TYPES: [&str; 5] = ["load", "append", "seek", "view", "theme"];

/// The longest message a panel takes from its host, in UTF-16 units of its JSON (16 Mi): one
/// longer is dropped before it is copied into the panel, and a host sends live events in
/// batches below it.
pub const MAX_MESSAGE_LEN: u32 = 16 << 20;

/// The most messages a panel keeps while it reads `config.json`; later ones are dropped.
pub const MAX_WAITING: usize = 16;

/// Why a message from another window was dropped before it was read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Dropped {
    #[error("it came from a window other than the page that frames the panel")]
    NotParent,
    #[error("config.json does not allow that origin")]
    Origin,
    #[error("it is {len} characters long, more than the {max} a message may be")]
    TooLong { len: u32, max: u32 },
    #[error("{max} messages already wait for config.json to be read")]
    QueueFull { max: usize },
}

/// Whether a message's sender is heard: only the page that frames the panel, from an origin
/// `config.json` allows (`None`: not known until it is read). Checked before the message is
/// read, so that a stranger's message costs nothing.
pub fn admit_sender(from_parent: bool, origin_allowed: Option<bool>) -> Result<(), Dropped> {
    match (from_parent, origin_allowed) {
        (false, _) => Err(Dropped::NotParent),
        (true, Some(false)) => Err(Dropped::Origin),
        _ => Ok(()),
    }
}

/// Whether a message of `len` characters (its JSON's) is taken in, with `n_waiting` messages
/// waiting for `config.json` where it is still being read.
pub fn admit_message(len: u32, config_read: bool, n_waiting: usize) -> Result<(), Dropped> {
    if len > MAX_MESSAGE_LEN {
        return Err(Dropped::TooLong {
            len,
            max: MAX_MESSAGE_LEN,
        });
    }
    if !config_read && n_waiting >= MAX_WAITING {
        return Err(Dropped::QueueFull { max: MAX_WAITING });
    }
    Ok(())
}

/// The style sheet's custom properties a host may set with `theme`.
pub const THEME_VARS: [&str; 16] = [
    "--bg",
    "--panel",
    "--text",
    "--muted",
    "--border",
    "--accent",
    "--accent-text",
    "--selected",
    "--pinned",
    "--add",
    "--add-bg",
    "--remove",
    "--remove-bg",
    "--replace",
    "--replace-bg",
    "--mono",
];

/// The longest value a theme may give a custom property.
const MAX_THEME_VALUE: usize = 200;

/// A host's message that fits the contract.
#[derive(Clone, Debug, PartialEq)]
pub struct HostMessage {
    /// The host's id, which the reply carries as `reply_to`.
    pub id: Option<String>,
    pub command: Command,
}

/// What a host asks the panel to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Load(LoadRequest),
    /// Records to add, as NDJSON lines (each element of `events` on one line).
    Append {
        lines: String,
    },
    Seek(Seek),
    View(ViewChange),
    Theme(Theme),
}

/// `load`: a source, how to read it, and the moment to show.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadRequest {
    /// A URL to fetch.
    pub src: Option<String>,
    /// The records themselves: `text` as given, or `events` as NDJSON lines.
    pub text: Option<String>,
    pub format: Option<String>,
    pub projection: Option<String>,
    pub mapping: Option<String>,
    pub seek: Seek,
    /// Headers for requests to `src`'s origin only, kept in memory and never in a link.
    pub headers: Vec<(String, String)>,
    /// Whether the selection follows each new head.
    pub follow: bool,
    /// `link_base`: the host page's address that reopens this panel. The panel's links (its
    /// `selected` link, *Open in full view*, *Copy link*) go there, with the view in the
    /// `chronoscope` parameter (`LINK_PARAM`).
    pub link_base: Option<String>,
    /// `link`: the view a link of the panel's carried (the host page's `chronoscope`
    /// parameter): its stream, moment, panel, filter, zone and pin are shown on this load.
    pub link: Option<Box<ViewState>>,
}

/// The parameter of the host's `link_base` that carries the view.
pub const LINK_PARAM: &str = "chronoscope";

/// Why the panel offers no link to what it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the data came from the host page, which gave no link_base: no link can reopen it")]
pub struct NoLink;

/// The link that reopens `view` (a full view, pinned): on the host's page where the host gave a
/// `link_base`, with the view (less the source, which the host sends again) in its
/// `chronoscope` parameter; otherwise on this page (`page`: its origin and path). Data the host
/// sent as text has no link without a `link_base`.
pub fn link_to(view: &ViewState, page: &str, link_base: Option<&str>) -> Result<String, NoLink> {
    match link_base.and_then(|base| Url::parse(base).ok()) {
        Some(mut base) => {
            let moment = ViewState {
                src: None,
                file: None,
                format: None,
                mapping: None,
                projection: None,
                follow: None,
                memory_mb: None,
                extra: Vec::new(),
                ..view.clone()
            };
            base.query_pairs_mut()
                .append_pair(LINK_PARAM, &moment.to_query());
            Ok(base.into())
        }
        None if view.file.as_deref() == Some(FROM_HOST) => Err(NoLink),
        None => Ok(format!("{page}?{}", view.to_query())),
    }
}

/// `seek`: a stream and a moment, as the deep link's `stream`, `v` and `t`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seek {
    pub stream: Option<String>,
    pub version: Option<u64>,
    pub time: Option<String>,
}

/// `view`: the panel, the comparison point, the stream it is in and the filter, as the deep
/// link's `view`, `cmp`, `with` and `q`. Each is changed only when the payload has it;
/// `cmp: null` goes back to comparing with the previous event, `with: null` to the stream shown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViewChange {
    pub panel: Option<Panel>,
    pub compare: Option<Option<Compare>>,
    pub compare_with: Option<Option<String>>,
    pub filter: Option<String>,
}

/// `theme`: the colour scheme and custom properties.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Theme {
    /// `light` or `dark`.
    pub mode: Option<String>,
    pub vars: Vec<(String, String)>,
}

/// A message of ours that the panel cannot take, with the host's id to reply to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub id: Option<String>,
    pub error: MessageError,
}

/// What is wrong with a message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    #[error("the message is not JSON: {0}")]
    NotJson(String),
    #[error("version {0} is not known; this panel speaks version 1")]
    UnknownVersion(String),
    #[error("type \"{0}\" is not known; the types are load, append, seek, view and theme")]
    UnknownType(String),
    #[error("{kind}: {field} {needs}")]
    Payload {
        kind: &'static str,
        field: String,
        needs: String,
    },
}

/// Reads a message posted to the panel, as JSON text. `Ok(None)`: not a Chronoscope message.
pub fn read(text: &str) -> Result<Option<HostMessage>, Rejected> {
    let value: Value = serde_json::from_str(text).map_err(|err| Rejected {
        id: None,
        error: MessageError::NotJson(err.to_string()),
    })?;
    let Some(envelope) = value.as_object() else {
        return Ok(None);
    };
    if envelope.get("ns").and_then(Value::as_str) != Some(NS) {
        return Ok(None);
    }
    let id = envelope.get("id").and_then(Value::as_str).map(String::from);
    let reject = |error| Rejected {
        id: id.clone(),
        error,
    };
    let version = envelope.get("v").unwrap_or(&Value::Null);
    if version.as_u64() != Some(VERSION) {
        return Err(reject(MessageError::UnknownVersion(version.to_string())));
    }
    let kind = envelope.get("type").and_then(Value::as_str).unwrap_or("");
    let empty = Map::new();
    let payload = match envelope.get("payload") {
        None => &empty,
        Some(Value::Object(payload)) => payload,
        Some(_) => return Err(reject(needs(kind, "payload", "must be an object"))),
    };
    let command = command(kind, payload).map_err(reject)?;
    Ok(Some(HostMessage { id, command }))
}

fn command(kind: &str, payload: &Map<String, Value>) -> Result<Command, MessageError> {
    let fields = Fields { kind, payload };
    match kind {
        "load" => load(&fields).map(Command::Load),
        "append" => Ok(Command::Append {
            lines: fields
                .records("events")?
                .ok_or_else(|| fields.needs("events", "must be an array of records"))?,
        }),
        "seek" => seek(&fields).map(Command::Seek),
        "view" => view_change(&fields).map(Command::View),
        "theme" => theme(&fields).map(Command::Theme),
        other => Err(MessageError::UnknownType(other.to_string())),
    }
}

fn load(fields: &Fields) -> Result<LoadRequest, MessageError> {
    let text = match (fields.string("text")?, fields.records("events")?) {
        (Some(_), Some(_)) => return Err(fields.needs("text", "cannot come with events")),
        (text, events) => text.or(events),
    };
    if text.is_some() && fields.payload.contains_key("src") {
        return Err(fields.needs("src", "cannot come with text or events"));
    }
    Ok(LoadRequest {
        src: fields.string("src")?,
        text,
        format: fields.string("format")?,
        projection: fields.document("projection")?,
        mapping: fields.document("map")?,
        seek: seek(fields)?,
        headers: headers(fields)?,
        follow: fields.bool("follow")?.unwrap_or(false),
        link_base: link_base(fields)?,
        link: linked_view(fields)?,
    })
}

/// `link_base`: an http or https address, with no credentials in it.
fn link_base(fields: &Fields) -> Result<Option<String>, MessageError> {
    let Some(text) = fields.string("link_base")? else {
        return Ok(None);
    };
    let plain = |url: &Url| {
        matches!(url.scheme(), "http" | "https")
            && url.username().is_empty()
            && url.password().is_none()
    };
    match Url::parse(&text) {
        Ok(url) if plain(&url) => Ok(Some(url.into())),
        _ => Err(fields.needs(
            "link_base",
            "must be an http or https address without credentials",
        )),
    }
}

/// `link`: a view as a deep link's query writes it; a parameter that cannot mean anything is
/// named, as a link's would be.
fn linked_view(fields: &Fields) -> Result<Option<Box<ViewState>>, MessageError> {
    let Some(text) = fields.string("link")? else {
        return Ok(None);
    };
    match ViewState::from_query(&text) {
        (_, ignored) if !ignored.is_empty() => Err(fields.needs("link", &ignored.join("; "))),
        (view, _) => Ok(Some(Box::new(view))),
    }
}

fn seek(fields: &Fields) -> Result<Seek, MessageError> {
    let version = match fields.payload.get("v") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .ok_or_else(|| fields.needs("v", "must be a whole number"))?,
        ),
    };
    let time = fields.string("t")?;
    if let Some(time) = &time {
        crate::time::parse_instant(time)
            .map_err(|_| fields.needs("t", "must be an RFC 3339 instant"))?;
    }
    Ok(Seek {
        stream: fields.string("stream")?,
        version,
        time,
    })
}

fn view_change(fields: &Fields) -> Result<ViewChange, MessageError> {
    let panel = match fields.string("view")? {
        None => None,
        Some(text) => Some(
            Panel::parse(&text)
                .ok_or_else(|| fields.needs("view", "must be tree, raw, diff, side or table"))?,
        ),
    };
    let compare = match fields.payload.get("cmp") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(text)) => {
            Some(Some(Compare::parse(text).ok_or_else(|| {
                fields.needs("cmp", "must be v:N or t:INSTANT")
            })?))
        }
        Some(_) => return Err(fields.needs("cmp", "must be a string or null")),
    };
    let compare_with = match fields.payload.get("with") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(stream)) => Some(Some(stream.clone())),
        Some(_) => return Err(fields.needs("with", "must be a stream name or null")),
    };
    Ok(ViewChange {
        panel,
        compare,
        compare_with,
        filter: fields.string("q")?,
    })
}

fn theme(fields: &Fields) -> Result<Theme, MessageError> {
    let mode = fields.string("mode")?;
    if mode.as_deref().is_some_and(|m| m != "light" && m != "dark") {
        return Err(fields.needs("mode", "must be light or dark"));
    }
    let mut vars = Vec::new();
    for (name, value) in fields.object("vars")?.into_iter().flatten() {
        let field = || format!("vars.{name}");
        if !THEME_VARS.contains(&name.as_str()) {
            return Err(needs(fields.kind, &field(), "is not a themeable property"));
        }
        let value = value
            .as_str()
            .filter(|v| is_plain_css_value(v))
            .ok_or_else(|| needs(fields.kind, &field(), "needs a plain CSS value"))?;
        vars.push((name.clone(), value.to_string()));
    }
    Ok(Theme { mode, vars })
}

/// A value that can only be a colour, a length or a font list: no `url()`, no way out of the
/// declaration, not overly long.
fn is_plain_css_value(value: &str) -> bool {
    value.len() <= MAX_THEME_VALUE
        && !value.to_ascii_lowercase().contains("url(")
        && !value.contains(['"', '\\', ';', '{', '}', '<', '>', '@'])
}

fn headers(fields: &Fields) -> Result<Vec<(String, String)>, MessageError> {
    let mut headers = Vec::new();
    for (name, value) in fields.object("headers")?.into_iter().flatten() {
        let field = || format!("headers.{name}");
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(needs(fields.kind, &field(), "is not a header name"));
        }
        let value = value
            .as_str()
            .filter(|v| !v.contains(['\r', '\n']))
            .ok_or_else(|| needs(fields.kind, &field(), "needs a one-line string"))?;
        headers.push((name.clone(), value.to_string()));
    }
    Ok(headers)
}

/// RFC 9110's `tchar`, the bytes of a header name.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

fn needs(kind: &str, field: &str, what: &str) -> MessageError {
    MessageError::Payload {
        kind: HOST_TYPES
            .into_iter()
            .find(|k| *k == kind)
            .unwrap_or("message"),
        field: field.to_string(),
        needs: what.to_string(),
    }
}

/// A payload's fields, read with errors that name the message type and the field.
struct Fields<'a> {
    kind: &'a str,
    payload: &'a Map<String, Value>,
}

impl Fields<'_> {
    fn needs(&self, field: &str, what: &str) -> MessageError {
        needs(self.kind, field, what)
    }

    fn string(&self, field: &str) -> Result<Option<String>, MessageError> {
        match self.payload.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(self.needs(field, "must be a string")),
        }
    }

    fn bool(&self, field: &str) -> Result<Option<bool>, MessageError> {
        match self.payload.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.needs(field, "must be true or false")),
        }
    }

    fn object(&self, field: &str) -> Result<Option<&Map<String, Value>>, MessageError> {
        match self.payload.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map)),
            Some(_) => Err(self.needs(field, "must be an object")),
        }
    }

    /// A projection or mapping: a URL or JSON text as a string, or the document itself.
    fn document(&self, field: &str) -> Result<Option<String>, MessageError> {
        match self.payload.get(field) {
            Some(Value::Object(_)) => Ok(self.payload.get(field).map(Value::to_string)),
            _ => self.string(field),
        }
    }

    /// An array of records, each written as one NDJSON line.
    fn records(&self, field: &str) -> Result<Option<String>, MessageError> {
        match self.payload.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(records)) => Ok(Some(
                records.iter().map(|r| format!("{r}\n")).collect::<String>(),
            )),
            Some(_) => Err(self.needs(field, "must be an array of records")),
        }
    }
}

impl LoadRequest {
    /// The view this load shows: the host's choices, with the page's own parameters (`embed`,
    /// `theme`) kept. Data sent as text is named `(from the host)`, which a link cannot carry.
    ///
    /// A `link` gives the rest of the view (the moment, the panel, the filter, the zone, the
    /// pin); a seek (`stream`, `v`, `t`) wins over the link's moment.
    pub fn view(&self, current: &ViewState) -> ViewState {
        let linked = self.link.as_deref().cloned().unwrap_or_default();
        let mut view = ViewState {
            src: self.src.clone(),
            file: self.text.as_ref().map(|_| FROM_HOST.to_string()),
            format: self.format.clone(),
            mapping: self.mapping.clone(),
            projection: self.projection.clone(),
            follow: None,
            memory_mb: None,
            extra: current.extra.clone(),
            ..linked
        };
        if self.link.is_none() || self.seek.is_given() {
            self.seek.apply(&mut view);
        }
        view
    }
}

/// The name a view gives data the host sent as text.
pub const FROM_HOST: &str = "(from the host)";

impl Seek {
    /// Whether the message names a stream or a moment.
    pub fn is_given(&self) -> bool {
        self.stream.is_some() || self.version.is_some() || self.time.is_some()
    }

    /// Moves the view to this moment. A version wins over a time, as in a link; a seek without
    /// either goes to the head.
    pub fn apply(&self, view: &mut ViewState) {
        if let Some(stream) = &self.stream {
            view.stream = Some(stream.clone());
        }
        view.version = self.version;
        view.dup = None;
        view.time = self.time.clone();
        view.pin = None;
        view.pin_marks = None;
    }
}

impl ViewChange {
    /// Changes the view's panel, comparison and filter, where the message gives them.
    pub fn apply(&self, view: &mut ViewState) {
        if let Some(panel) = self.panel {
            view.panel = (panel != Panel::Tree).then_some(panel);
        }
        if let Some(compare) = &self.compare {
            view.compare = compare.clone();
        }
        if let Some(compare_with) = &self.compare_with {
            view.compare_with = compare_with.clone();
        }
        if let Some(filter) = &self.filter {
            view.filter = (!filter.is_empty()).then(|| filter.clone());
        }
    }
}

/// Keeps the moment shown when live events arrive: with `follow`, the view goes to the head of
/// its stream; otherwise a view that was at the head is pinned where it is (`at`: the stream,
/// version and occurrence shown), so that new events do not move it.
pub fn keep_place(view: &mut ViewState, follow: bool, at: Option<(String, u64, u64)>) {
    if follow {
        view.version = None;
        view.dup = None;
        view.time = None;
    } else if let (None, None, Some((stream, version, occurrence))) =
        (&view.version, &view.time, at)
    {
        view.stream = Some(stream);
        view.version = Some(version);
        view.dup = (occurrence > 1).then_some(occurrence);
    }
}

/// The origins allowed to drive the panel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allowlist {
    /// Serialized origins (`https://host:port`).
    pub origins: Vec<String>,
}

/// Why `config.json` cannot be used: its place (`embed.allowed_origins[N]`) and the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("config.json: {place} {reason}")]
pub struct ConfigError {
    pub place: String,
    pub reason: String,
}

impl Allowlist {
    /// Reads `config.json`: `{"embed": {"allowed_origins": ["https://cambium.example"]}}`.
    /// Each entry must be an origin alone (scheme, host, port); `*` is refused, since the panel
    /// never posts to any window that asks.
    pub fn from_config(text: &str) -> Result<Allowlist, ConfigError> {
        Allowlist::read(text, "embed")
    }

    /// Reads the origins `config.json` lets a deep link fetch its source and documents from
    /// without asking first: `{"sources": {"allowed_origins": ["https://cambium.example"]}}`.
    pub fn sources_from_config(text: &str) -> Result<Allowlist, ConfigError> {
        Allowlist::read(text, "sources")
    }

    /// Reads `{section}.allowed_origins` from `config.json`; an absent list allows none.
    fn read(text: &str, section: &str) -> Result<Allowlist, ConfigError> {
        let fail = |place: &str, reason: String| ConfigError {
            place: place.to_string(),
            reason,
        };
        let config: Value = serde_json::from_str(text).map_err(|err| fail("", err.to_string()))?;
        let list = format!("{section}.allowed_origins");
        let entries = match config.pointer(&format!("/{section}/allowed_origins")) {
            None => return Ok(Allowlist::default()),
            Some(Value::Array(entries)) => entries,
            Some(_) => return Err(fail(&list, "must be an array".into())),
        };
        let mut origins = Vec::new();
        for (idx, entry) in entries.iter().enumerate() {
            let place = format!("{list}[{idx}]");
            let origin = entry.as_str().and_then(origin_alone).ok_or_else(|| {
                fail(
                    &place,
                    format!("{entry} is not an origin such as https://cambium.example"),
                )
            })?;
            origins.push(origin);
        }
        Ok(Allowlist { origins })
    }

    /// Whether `origin` is on the list.
    pub fn lists(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    /// Whether a message from `origin` may drive a panel served from `own_origin`.
    pub fn allows(&self, origin: &str, own_origin: &str) -> bool {
        origin == own_origin || self.origins.iter().any(|allowed| allowed == origin)
    }

    /// Where the panel may post: its parent's origin, when that is allowed.
    pub fn target(&self, parent_origin: Option<&str>, own_origin: &str) -> Option<String> {
        parent_origin
            .filter(|origin| self.allows(origin, own_origin))
            .map(String::from)
    }
}

/// The serialized origin of text that is an origin alone; `None` for a path, a query, `*` or an
/// opaque origin.
pub fn origin_alone(text: &str) -> Option<String> {
    let url = Url::parse(text).ok()?;
    let alone = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    let origin = url.origin();
    (alone && origin.is_tuple()).then(|| origin.ascii_serialization())
}

/// The origin of any URL (a referrer, say); `None` when it has none.
pub fn origin_of(url: &str) -> Option<String> {
    let origin = Url::parse(url).ok()?.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// `?embed=1`: the compact panel a host page shows.
pub fn is_compact(view: &ViewState) -> bool {
    view.extra_param("embed").is_some_and(|e| e == "1")
}

/// The view as a full page shows it: the same view without the compact panel's `embed=1`.
/// The link the host is told of, and the panel's "Open in full view", open this.
pub fn full_view(view: &ViewState) -> ViewState {
    let mut full = view.clone();
    full.extra.retain(|(key, _)| key != "embed");
    full
}

/// A message from the panel: the envelope around a payload.
pub fn envelope(kind: &str, reply_to: Option<&str>, payload: Value) -> String {
    let mut message = json!({"ns": NS, "v": VERSION, "type": kind, "payload": payload});
    if let (Some(reply_to), Some(object)) = (reply_to, message.as_object_mut()) {
        object.insert("reply_to".into(), Value::from(reply_to));
    }
    message.to_string()
}

/// `ready`: the panel's version and the message types it takes.
pub fn ready(version: &str) -> String {
    envelope(
        "ready",
        None,
        json!({"version": version, "capabilities": HOST_TYPES}),
    )
}

/// `loaded`: how many events, streams and problems a load produced.
pub fn loaded(n_events: usize, n_streams: usize, n_problems: usize) -> String {
    envelope(
        "loaded",
        None,
        json!({"events": n_events, "streams": n_streams, "problems": n_problems}),
    )
}

/// `selected`: the moment shown, and a pinned link that reopens it, or why there is none.
pub fn selected(
    stream: &str,
    version: Option<u64>,
    time: Option<&str>,
    link: Result<&str, NoLink>,
) -> String {
    let mut payload = json!({"stream": stream, "v": version, "t": time, "link": link.ok()});
    if let (Err(no_link), Some(fields)) = (link, payload.as_object_mut()) {
        fields.insert("no_link".into(), no_link.to_string().into());
    }
    envelope("selected", None, payload)
}

/// `resize`: the content's height in CSS pixels.
pub fn resize(height: u32) -> String {
    envelope("resize", None, json!({ "height": height }))
}

/// `reply`: the answer to a host message that had an id.
pub fn reply(reply_to: &str, result: Result<(), &str>) -> String {
    let payload = match result {
        Ok(()) => json!({"ok": true}),
        Err(error) => json!({"ok": false, "error": error}),
    };
    envelope("reply", Some(reply_to), payload)
}

/// `error`: a problem that is not the answer to a message with an id.
pub fn error(message: &str) -> String {
    envelope("error", None, json!({ "message": message }))
}

/// The answer to a message the panel could not take: a `reply` when it had an id, otherwise
/// an `error`.
pub fn rejection(rejected: &Rejected) -> String {
    let message = rejected.error.to_string();
    match &rejected.id {
        Some(id) => reply(id, Err(&message)),
        None => error(&message),
    }
}
