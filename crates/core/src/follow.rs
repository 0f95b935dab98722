//! Following a live source: what the browser's follow loop reads, how it reconnects, and what
//! it holds while paused. The loop itself (`ui::follow`) only moves bytes and waits.
//!
//! A followed source stays open after its load, and new records go through the same ingest
//! (`Ingest::append`, `Ingest::take_polled_page`). Three transports:
//!
//! - **Server-Sent Events** (`text/event-stream`, parsed by `sse-parse`): each `data:` line of
//!   an event is one record in any supported format. A reconnect sends `Last-Event-ID` when the
//!   server gave ids.
//! - **Streamed NDJSON** (any other response): records are whole lines; blank lines (a
//!   heartbeat) are not records. A reconnect asks for `from=N`, N being the number of records
//!   received whole so far, so the server sends record N (from 0) on.
//! - **KurrentDB long-poll**: once the feed is read to its head, the page after the head is asked
//!   for with `Kurrent-LongPoll: 30` (and the old `ES-LongPoll`), again and again.
//!
//! After any reconnect, events already held are dropped as duplicates
//! (`Timeline::drop_resent`), so a server that sends again from an earlier point loses
//! nothing and doubles nothing. A server-sent event may hold at most an eighth of the memory
//! budget (`mem=`), since reading it takes several times its size: a longer one is dropped by
//! the parser as it arrives, named as a problem after the records before it, and following
//! goes on. Reconnects back off exponentially from one second (or the
//! server's `retry:`, never less than `MIN_RETRY_MS`) to 30 s, and the back-off starts again
//! only after a connection stayed up `STABLE_MS`: a server that closes after each batch, or
//! asks for `retry: 0`, is not reconnected to many times a second.

use sse_parse::SseParser;
use url::Url;

pub use crate::link::FollowMode;
use crate::link::MEMORY_BUDGET_MB;
use crate::number::counted;
pub use crate::problem::Unfollowable;
use crate::problem::{Place, Problem, ProblemKind};

/// The way new events come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Sse,
    Ndjson,
    Poll,
}

/// The longest wait between reconnects, in milliseconds.
pub const MAX_BACKOFF_MS: u64 = 30_000;

/// The first wait after a disconnect, unless the server's `retry:` says otherwise.
pub const FIRST_BACKOFF_MS: u64 = 1_000;

/// The shortest first wait a server's `retry:` can ask for.
pub const MIN_RETRY_MS: u64 = 500;

/// How long a connection must have stayed up for the back-off to start again from its first
/// wait when it drops.
pub const STABLE_MS: f64 = 10_000.0;

/// The headers a KurrentDB long-poll is asked with: the current name and the one older servers
/// read. The value is how many seconds the server may hold the request.
pub const LONG_POLL_HEADERS: [(&str, &str); 2] =
    [("Kurrent-LongPoll", "30"), ("ES-LongPoll", "30")];

impl FollowMode {
    /// The transport for a response: the one asked for, else server-sent events for
    /// `text/event-stream`, long-polling for a KurrentDB feed, and streamed NDJSON otherwise.
    pub fn transport(self, content_type: Option<&str>, is_feed: bool) -> Transport {
        let is_sse = content_type.is_some_and(|t| {
            t.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/event-stream"))
        });
        match self {
            FollowMode::Sse => Transport::Sse,
            FollowMode::Ndjson => Transport::Ndjson,
            FollowMode::Poll => Transport::Poll,
            FollowMode::Auto if is_sse => Transport::Sse,
            FollowMode::Auto if is_feed => Transport::Poll,
            FollowMode::Auto => Transport::Ndjson,
        }
    }
}

/// One followed source: where its records stand, and how to reconnect.
#[derive(Debug)]
pub struct Follow {
    transport: Transport,
    sse: SseParser,
    /// Records received whole from the source, over every connection.
    n_records: u64,
    /// True while the current NDJSON line has more than blanks.
    line_has_text: bool,
    /// Disconnects since a connection last stayed up `STABLE_MS`, or a polled page brought
    /// records.
    n_failures: u32,
    /// When the current connection opened, in milliseconds of the caller's clock.
    connected_at: Option<f64>,
    /// The most bytes one server-sent event may hold.
    block_limit: usize,
    /// Events dropped as too long, each named by the records received before it, not yet said.
    too_long: Vec<u64>,
    /// The server's reconnection time (`retry:`), in milliseconds.
    retry_ms: Option<u64>,
}

/// Where following stands, as the follow control shows it (`data-state` and words).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FollowState {
    #[default]
    Off,
    Live,
    /// New events are read and held, not shown, until *Resume*.
    Paused,
    Reconnecting,
}

/// The follow control's state, the events held while paused, and the seconds until the next
/// reconnect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FollowStatus {
    pub state: FollowState,
    pub n_held: usize,
    pub wait_s: u64,
}

impl FollowStatus {
    /// The `data-state` tests and styles read.
    pub fn data_state(&self) -> &'static str {
        match self.state {
            FollowState::Off => "off",
            FollowState::Live => "live",
            FollowState::Paused => "paused",
            FollowState::Reconnecting => "reconnecting",
        }
    }

    /// What the control says.
    pub fn label(&self) -> String {
        match self.state {
            FollowState::Off => String::new(),
            FollowState::Live => "● Live".into(),
            FollowState::Paused => format!("Paused, {} held", counted(self.n_held, "event")),
            FollowState::Reconnecting => format!("Reconnecting in {} s", self.wait_s),
        }
    }
}

/// "1 new event", "1,200 new events".
pub fn n_new_events(n: usize) -> String {
    counted(n, "new event")
}

/// A reconnect: the address and the `Last-Event-ID` to send, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconnect {
    pub url: Url,
    pub last_event_id: Option<String>,
}

/// The most bytes one server-sent event may hold under a memory budget in MB (`mem=`; `None`:
/// the default): an eighth of it.
pub fn event_limit(memory_mb: Option<u64>) -> usize {
    let bytes = memory_mb
        .unwrap_or(MEMORY_BUDGET_MB)
        .saturating_mul(1 << 20)
        / 8;
    usize::try_from(bytes).unwrap_or(usize::MAX)
}

impl Follow {
    /// Starts following with a transport; a server-sent event may hold `event_limit` bytes.
    pub fn new(transport: Transport, event_limit: usize) -> Follow {
        Follow {
            transport,
            sse: SseParser::new().max_buffer(event_limit),
            n_records: 0,
            line_has_text: false,
            n_failures: 0,
            connected_at: None,
            block_limit: event_limit,
            too_long: Vec::new(),
            retry_ms: None,
        }
    }

    /// The problems of events dropped as too long since last asked, each at the source's URL.
    pub fn take_problems(&mut self, url: &Url) -> Vec<Problem> {
        let place = || Place::Url {
            url: url.to_string(),
            status: 200,
        };
        let limit_bytes = self.block_limit;
        self.too_long
            .drain(..)
            .map(|after| Problem::new(place(), ProblemKind::EventTooLong { after, limit_bytes }))
            .collect()
    }

    /// Takes bytes as they arrive and gives the record lines they bring: for server-sent
    /// events, the data lines of the events they complete.
    pub fn take(&mut self, bytes: &[u8]) -> Vec<u8> {
        let (lines, n_records) = match self.transport {
            Transport::Sse => self.sse_records(bytes),
            Transport::Ndjson | Transport::Poll => (bytes.to_vec(), self.count_lines(bytes)),
        };
        self.n_records += n_records;
        lines
    }

    /// Notes records taken some other way (a polled page of `n` events) while paused or not: a
    /// page that brought records starts the back-off again, as each page is its own request.
    pub fn took_records(&mut self, n: u64) {
        if n > 0 {
            self.n_failures = 0;
        }
        self.n_records += n;
    }

    /// Records received whole so far, over every connection.
    pub fn n_records(&self) -> u64 {
        self.n_records
    }

    /// A connection opened at `now` (milliseconds).
    pub fn connected(&mut self, now: f64) {
        self.connected_at = Some(now);
    }

    /// The connection dropped or ended at `now` (milliseconds), or could not be made: says how
    /// long to wait before reconnecting, doubling from the first wait (the server's `retry:`,
    /// at least `MIN_RETRY_MS`, else one second) up to 30 s. A connection that stayed up
    /// `STABLE_MS` starts the doubling again.
    pub fn disconnected(&mut self, now: f64) -> u64 {
        if self
            .connected_at
            .take()
            .is_some_and(|at| now - at >= STABLE_MS)
        {
            self.n_failures = 0;
        }
        let first = self
            .retry_ms
            .unwrap_or(FIRST_BACKOFF_MS)
            .clamp(MIN_RETRY_MS, MAX_BACKOFF_MS);
        let delay = first.saturating_mul(1 << self.n_failures.min(16));
        self.n_failures = self.n_failures.saturating_add(1);
        delay.min(MAX_BACKOFF_MS)
    }

    /// Where and how to reconnect to `url`, the source's address. Server-sent events resume
    /// with `Last-Event-ID` when the server gave ids; streamed NDJSON asks for `from=N`.
    pub fn reconnect(&mut self, url: &Url) -> Reconnect {
        let last_id = self.sse.last_event_id().to_string();
        // A new connection is a new event stream, which starts from the last id seen.
        self.sse = SseParser::with_last_event_id(last_id.clone()).max_buffer(self.block_limit);
        self.line_has_text = false;
        match self.transport {
            Transport::Sse => Reconnect {
                url: url.clone(),
                last_event_id: (!last_id.is_empty()).then_some(last_id),
            },
            Transport::Ndjson | Transport::Poll => Reconnect {
                url: with_from(url, self.n_records),
                last_event_id: None,
            },
        }
    }

    /// The data lines of the events completed by these bytes, each ending in a newline.
    fn sse_records(&mut self, bytes: &[u8]) -> (Vec<u8>, u64) {
        let (mut lines, mut n_records) = (Vec::new(), 0);
        // A line at a time, so that an event dropped as too long (the parser says only how
        // many it dropped) is named after exactly the records that came before it.
        for piece in bytes.split_inclusive(|&b| b == b'\n' || b == b'\r') {
            let overflows = self.sse.overflows();
            self.sse.feed(piece);
            let after = self.n_records + n_records;
            self.too_long
                .extend((overflows..self.sse.overflows()).map(|_| after));
            while let Some(event) = self.sse.next_event() {
                for line in event.data.lines().filter(|line| !line.trim().is_empty()) {
                    lines.extend_from_slice(line.as_bytes());
                    lines.push(b'\n');
                    n_records += 1;
                }
            }
        }
        if let Some(retry) = self.sse.retry() {
            self.retry_ms = Some(u64::try_from(retry.as_millis()).unwrap_or(MAX_BACKOFF_MS));
        }
        (lines, n_records)
    }

    /// The NDJSON lines these bytes complete that are records (not blank).
    fn count_lines(&mut self, bytes: &[u8]) -> u64 {
        let mut n = 0;
        for &byte in bytes {
            match byte {
                b'\n' => {
                    n += u64::from(self.line_has_text);
                    self.line_has_text = false;
                }
                b' ' | b'\t' | b'\r' => {}
                _ => self.line_has_text = true,
            }
        }
        n
    }
}

/// The address with `from=N` in its query, replacing any `from` it had. Written by hand: the
/// url crate's `query_pairs_mut` would write every other pair again in its own encoding (`%20`
/// as `+`, `~` as `%7E`), where the server is asked with its own query byte for byte.
pub fn with_from(url: &Url, n: u64) -> Url {
    let mut url = url.clone();
    let mut query: Vec<&str> = url
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && *pair != "from" && !pair.starts_with("from="))
        .collect();
    let from = format!("from={n}");
    query.push(&from);
    url.set_query(Some(&query.join("&")));
    url
}
