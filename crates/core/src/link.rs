//! Deep links: the view a person is looking at, as URL query parameters, both ways.
//!
//! The URL *is* the view state: the app writes it on every change and reads it on start, so a
//! link reopens the same stream, moment, panel, comparison and filter. The parameters are a
//! stable contract (documented in the README): their meaning never changes, parameters this
//! version does not know are kept as they came, and `to_query(from_query(q)) == q` for every
//! query this module writes. Values are percent-encoded only where the query syntax needs it,
//! so that links stay readable (`t=2026-03-31T23:59:59Z`).
//!
//! No credential ever goes in a link: a `src` with a user or password is refused.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

/// The hex digits of `h=`.
pub const PIN_HEX: usize = 16;

/// How much memory the page may hold while it reads, in MB, unless the link says otherwise
/// (`mem=`). WebAssembly's 32-bit memory ends at 4,096 MB, and a load past that would end the
/// app; reading stops at the budget, with room left for the replay of what was read.
pub const MEMORY_BUDGET_MB: u64 = 3_072;

/// How a deep link asks to follow its source (`follow=1|sse|ndjson|poll`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowMode {
    /// The transport is read from the response (`follow=1`).
    Auto,
    Sse,
    Ndjson,
    Poll,
}

impl FollowMode {
    /// Reads a `follow=` value.
    pub fn parse(text: &str) -> Option<FollowMode> {
        match text {
            "1" => Some(FollowMode::Auto),
            "sse" => Some(FollowMode::Sse),
            "ndjson" => Some(FollowMode::Ndjson),
            "poll" => Some(FollowMode::Poll),
            _ => None,
        }
    }

    /// The `follow=` value.
    pub fn as_str(self) -> &'static str {
        match self {
            FollowMode::Auto => "1",
            FollowMode::Sse => "sse",
            FollowMode::Ndjson => "ndjson",
            FollowMode::Poll => "poll",
        }
    }
}

/// Characters escaped in a query value: those with a meaning in a query or URL, and space.
const VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'=')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

/// The view, as a deep link carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViewState {
    /// `src`: URL of the event source. `None`: the bundled demo (or a local file, see `file`).
    pub src: Option<String>,
    /// `file`: the name of a local file (or `(pasted)`) the view was made from; it cannot be
    /// fetched, so opening the link asks for it.
    pub file: Option<String>,
    /// `fmt`: the source format chosen by the user (a `Format` key). `None`: detected.
    pub format: Option<String>,
    /// `map`: the custom mapping, as its JSON, or the URL of a mapping file.
    pub mapping: Option<String>,
    /// `proj`: the projection, as the URL of a projection file or as its JSON.
    pub projection: Option<String>,
    /// `tz`: the offset (`+02:00`) in which times without a zone are read. `None`: UTC.
    pub naive_offset: Option<String>,
    /// `zone`: the IANA time zone (`Asia/Singapore`) every time is also shown in, named, beside
    /// UTC. `None`: the browser's own zone. It changes how times are shown, never which instant
    /// `t` means.
    pub zone: Option<String>,
    /// `stream`: the stream inspected. `None`: the first stream.
    pub stream: Option<String>,
    /// `v`: the selected version. Wins over `t`.
    pub version: Option<u64>,
    /// `dup`: which event with version `v` (from 2), in a stream that repeats versions.
    /// `None`: the first.
    pub dup: Option<u64>,
    /// `t`: the selected instant (RFC 3339), kept as written.
    pub time: Option<String>,
    /// `cmp`: the pinned comparison point. `None`: the previous event.
    pub compare: Option<Compare>,
    /// `with`: the stream the comparison point is in, when it is another stream (a PO beside
    /// its delivery badge). `None`: the stream inspected.
    pub compare_with: Option<String>,
    /// `view`: the panel shown. `None`: the tree.
    pub panel: Option<Panel>,
    /// `q`: the event-list filter.
    pub filter: Option<String>,
    /// `scope=all`: the event list searches every stream with `q`, not only the one shown.
    pub search_all: bool,
    /// `blame`: the field whose history is shown, as a blame path (`/lines/L2/qty`).
    pub blame: Option<String>,
    /// `trail`: the trail of the selected event across streams is shown (`trail=1`).
    pub trail: bool,
    /// Follow the source as it grows (`follow=1`, or a transport: `sse`, `ndjson`, `poll`).
    pub follow: Option<FollowMode>,
    /// `mem`: the memory budget in MB (1 to 4096) at which reading stops
    /// (`ingest::MEMORY_BUDGET_MB` when absent).
    pub memory_mb: Option<u64>,
    /// `cols`: the period-end table's columns, state paths separated by commas
    /// (`/status,/total`). `None`: the most common fields.
    pub columns: Option<String>,
    /// `where`: a state query (`core::query`); the table lists only the streams that match.
    pub where_query: Option<String>,
    /// `h`: the pin of the data up to the moment, 16 hex digits (`integrity::pin`).
    pub pin: Option<String>,
    /// `hx`: the pin's checkpoints, `k.marks`, which find the first event that differs.
    pub pin_marks: Option<String>,
    /// `engine`: a native engine (`chronoscope serve`) on this machine that the panel asks
    /// instead of its worker, once the person agrees and gives its token: `ws://127.0.0.1:PORT`
    /// (or `localhost`, `[::1]`), never another host, so that a link cannot send the token away.
    pub engine: Option<String>,
    /// Parameters this version does not know, raw, in their order (`embed`, `theme`, a host's own).
    pub extra: Vec<(String, String)>,
}

/// A pinned comparison point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Compare {
    /// `v:N`: the state after version N.
    Version(u64),
    /// `t:INSTANT`: the state as of an instant, kept as written.
    Time(String),
}

/// The panel shown beside the event list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Tree,
    Raw,
    Diff,
    /// The comparison point and the moment side by side, with what changed between them.
    Side,
    /// The period-end table: every stream as of the moment (`core::table`).
    Table,
}

impl Panel {
    pub fn as_str(self) -> &'static str {
        match self {
            Panel::Tree => "tree",
            Panel::Raw => "raw",
            Panel::Diff => "diff",
            Panel::Side => "side",
            Panel::Table => "table",
        }
    }

    pub fn parse(text: &str) -> Option<Panel> {
        match text {
            "tree" => Some(Panel::Tree),
            "raw" => Some(Panel::Raw),
            "diff" => Some(Panel::Diff),
            "side" => Some(Panel::Side),
            "table" => Some(Panel::Table),
            _ => None,
        }
    }
}

impl Compare {
    /// The parameter value: `v:N` or `t:INSTANT`.
    pub fn to_param(&self) -> String {
        match self {
            Compare::Version(version) => format!("v:{version}"),
            Compare::Time(time) => format!("t:{time}"),
        }
    }

    pub fn parse(text: &str) -> Option<Compare> {
        if let Some(version) = text.strip_prefix("v:") {
            return version.parse().ok().map(Compare::Version);
        }
        text.strip_prefix("t:")
            .filter(|time| !time.is_empty())
            .map(|time| Compare::Time(time.to_string()))
    }
}

impl ViewState {
    /// Reads a query string (with or without the leading `?`). Values that cannot mean anything
    /// are dropped and described in the returned list, so the page can say what was ignored.
    pub fn from_query(query: &str) -> (ViewState, Vec<String>) {
        let mut view = ViewState::default();
        let mut ignored = Vec::new();
        let query = query.strip_prefix('?').unwrap_or(query);
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            if raw_key.is_empty() {
                // Found by the link fuzzer: `&=&` was kept and written back as an empty pair.
                ignored.push(format!("{pair} has no parameter name"));
                continue;
            }
            let value = decode(raw_value);
            match decode(raw_key).as_str() {
                "src" => match check_source(&value) {
                    Ok(()) => view.src = Some(value),
                    Err(why) => ignored.push(why.to_string()),
                },
                "file" => view.file = Some(value),
                "fmt" => view.format = Some(value),
                "map" => match check_document("map", &value) {
                    Ok(()) => view.mapping = Some(value),
                    Err(why) => ignored.push(why.to_string()),
                },
                "proj" => match check_document("proj", &value) {
                    Ok(()) => view.projection = Some(value),
                    Err(why) => ignored.push(why.to_string()),
                },
                "tz" => match parse_offset(&value) {
                    Some(_) => view.naive_offset = Some(value),
                    None => ignored.push(format!("tz={value} is not an offset like +02:00")),
                },
                "zone" if is_zone_name(&value) => view.zone = Some(value),
                "zone" => ignored.push(format!(
                    "zone={value} is not a time zone name like Asia/Singapore"
                )),
                "stream" => view.stream = Some(value),
                "v" => match value.parse() {
                    Ok(version) => view.version = Some(version),
                    Err(_) => ignored.push(format!("v={value} is not a version number")),
                },
                "dup" => match value.parse() {
                    Ok(n) if n >= 2 => view.dup = Some(n),
                    _ => ignored.push(format!("dup={value} is not a number from 2")),
                },
                "t" => view.time = Some(value),
                "cmp" => match Compare::parse(&value) {
                    Some(compare) => view.compare = Some(compare),
                    None => ignored.push(format!("cmp={value} is not v:N or t:INSTANT")),
                },
                "with" => view.compare_with = Some(value),
                "view" => match Panel::parse(&value) {
                    Some(panel) => view.panel = Some(panel),
                    None => ignored.push(format!(
                        "view={value} is not tree, raw, diff, side or table"
                    )),
                },
                "q" => view.filter = Some(value),
                "scope" if value == "all" => view.search_all = true,
                "scope" => ignored.push(format!("scope={value} is not all")),
                "blame" if value.starts_with('/') => view.blame = Some(value),
                "blame" => ignored.push(format!("blame={value} is not a path like /lines/L2/qty")),
                "trail" if value == "1" => view.trail = true,
                "trail" => ignored.push(format!("trail={value} is not 1")),
                "follow" => match FollowMode::parse(&value) {
                    Some(mode) => view.follow = Some(mode),
                    None => ignored.push(format!("follow={value} is not 1, sse, ndjson or poll")),
                },
                "mem" => match value.parse() {
                    Ok(mb @ 1..=4096) => view.memory_mb = Some(mb),
                    _ => ignored.push(format!("mem={value} is not a number of MB from 1 to 4096")),
                },
                "cols" => view.columns = Some(value),
                "where" => view.where_query = Some(value),
                "h" if is_pin(&value) => view.pin = Some(value.to_ascii_lowercase()),
                "h" => ignored.push(format!("h={value} is not 16 hex digits")),
                "hx" => view.pin_marks = Some(value),
                "engine" => match native_engine(&value) {
                    Some(address) => view.engine = Some(address),
                    None => ignored.push(format!(
                        "engine={value} is not ws://127.0.0.1:PORT (an engine on this machine)"
                    )),
                },
                // Kept as written, but for a leading `?`, which would read as the query's own
                // when the link is written with this parameter first (found by the fuzzer).
                _ => view.extra.push((
                    raw_key
                        .strip_prefix('?')
                        .map_or_else(|| raw_key.to_string(), |rest| format!("%3F{rest}")),
                    raw_value.to_string(),
                )),
            }
        }
        (view, ignored)
    }

    /// Writes the query string, without the leading `?`; empty for the default view.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let mut put = |key, value: Option<String>| {
            if let Some(value) = value {
                pairs.push((key, encode(&value)));
            }
        };
        put("src", self.src.clone());
        put("file", self.file.clone());
        put("fmt", self.format.clone());
        put("map", self.mapping.clone());
        put("proj", self.projection.clone());
        put("tz", self.naive_offset.clone());
        put("zone", self.zone.clone());
        put("stream", self.stream.clone());
        put("v", self.version.map(|v| v.to_string()));
        put("dup", self.dup.map(|n| n.to_string()));
        put("t", self.time.clone());
        put("cmp", self.compare.as_ref().map(Compare::to_param));
        put("with", self.compare_with.clone());
        put("view", self.panel.map(|p| p.as_str().to_string()));
        put("q", self.filter.clone());
        put("scope", self.search_all.then(|| "all".to_string()));
        put("blame", self.blame.clone());
        put("trail", self.trail.then(|| "1".to_string()));
        put("follow", self.follow.map(|mode| mode.as_str().to_string()));
        put("mem", self.memory_mb.map(|mb| mb.to_string()));
        put("cols", self.columns.clone());
        put("where", self.where_query.clone());
        put("h", self.pin.clone());
        put("hx", self.pin_marks.clone());
        put("engine", self.engine.clone());
        let known = pairs
            .into_iter()
            .map(|(key, value)| format!("{key}={value}"));
        let extra = self
            .extra
            .iter()
            .map(|(key, value)| match value.is_empty() {
                true => key.clone(),
                false => format!("{key}={value}"),
            });
        known.chain(extra).collect::<Vec<_>>().join("&")
    }

    /// True when the period-end table replaces the stream's view: `view=table`, or a
    /// `where=` query, whose answer is the table.
    pub fn shows_table(&self) -> bool {
        self.panel == Some(Panel::Table) || self.where_query.is_some()
    }

    /// The value of an unknown (reserved) parameter such as `theme` or `embed`.
    pub fn extra_param(&self, key: &str) -> Option<String> {
        self.extra
            .iter()
            .find(|(raw_key, _)| decode(raw_key) == key)
            .map(|(_, value)| decode(value))
    }
}

/// A pin as `h=` carries it: 16 hex digits.
fn is_pin(value: &str) -> bool {
    value.len() == PIN_HEX && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The form of an IANA time zone name (`UTC`, `Asia/Singapore`, `America/Argentina/Buenos_Aires`,
/// `Etc/GMT-8`): words of letters, digits, `_`, `-` and `+` between slashes, starting with a
/// letter. Whether such a zone exists is for the browser, whose zone rules show the times.
pub fn is_zone_name(text: &str) -> bool {
    let word = |word: &str| {
        word.starts_with(|c: char| c.is_ascii_alphabetic())
            && word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
    };
    text.len() <= 64 && text.split('/').all(word)
}

/// An offset like `+02:00`, `-05:30` or `Z`, as `tz` takes it (chrono's own reading of an
/// offset, plus the `Z` and `UTC` that people write).
pub fn parse_offset(text: &str) -> Option<chrono::FixedOffset> {
    if text == "Z" || text == "UTC" {
        return chrono::FixedOffset::east_opt(0);
    }
    // chrono also takes `+0200` and `+02`; a link keeps the value as written either way.
    if !text.starts_with(['+', '-']) {
        return None;
    }
    text.parse().ok()
}

/// Refuses a source URL that carries credentials: links are shared, credentials must not be.
/// The URL is read as the browser reads it, so `//user:pass@host` and backslashes are caught.
pub fn check_source(src: &str) -> Result<(), crate::origin::AddressError> {
    crate::origin::check_no_credentials("src", src)
}

/// A native engine's address as a link may name it, written `ws://HOST:PORT`: a WebSocket on
/// this machine's loopback, with a port (80 when none is written) and nothing else (no user,
/// path, query or fragment).
pub fn native_engine(value: &str) -> Option<String> {
    let url = url::Url::parse(value).ok()?;
    let host = url.host_str()?;
    let loopback = ["127.0.0.1", "localhost", "[::1]"].contains(&host);
    let bare = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    let port = url.port_or_known_default()?;
    (url.scheme() == "ws" && loopback && bare).then(|| format!("ws://{host}:{port}"))
}

/// Refuses a mapping or projection address (`map=`, `proj=`) that carries credentials, as
/// `src` is refused; a document written inline (JSON) is no address.
fn check_document(param: &'static str, value: &str) -> Result<(), crate::origin::AddressError> {
    match value.trim_start().starts_with('{') {
        true => Ok(()),
        false => crate::origin::check_no_credentials(param, value),
    }
}

impl ViewState {
    /// The addresses the view fetches on opening: its source, and its mapping and projection
    /// where they are addresses rather than inline JSON.
    pub fn fetched_addresses(&self) -> Vec<&str> {
        let documents = [&self.mapping, &self.projection]
            .into_iter()
            .flatten()
            .filter(|value| !value.trim_start().starts_with('{'));
        self.src
            .iter()
            .chain(documents)
            .map(String::as_str)
            .collect()
    }
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, VALUE).to_string()
}

/// Decodes a query value; `+` is a space, as in HTML forms (`encode` never writes a bare `+`).
fn decode(value: &str) -> String {
    percent_decode_str(&value.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}
