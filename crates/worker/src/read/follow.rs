//! Following a source in the worker (`follow=`): the read's connection stays open after it
//! caught up, and what comes is read through the same ingest (`Request::Follow` steps); a
//! connection that drops is opened again after a wait, asking for the events after the last
//! one (`Last-Event-ID`, or the count read so far), and a KurrentDB feed read to its head is
//! long-polled. `core::follow` decides the transport, the resume rule and the waits; this file
//! only moves bytes and waits, and tells the page where following stands
//! (`Read::following`), which shows it.
//!
//! A source has caught up once it has been quiet for `QUIET_MS` or its response ended. It is
//! followed until another read is asked for or another source opened, or the page says
//! `unfollow`.

use chronoscope_core::decode::ProblemKind;
use chronoscope_core::follow::{event_limit, Follow, FollowMode, LONG_POLL_HEADERS};
use chronoscope_fetch::{fetch_all, sleep, within, Ask, Chunk, Download};
use chronoscope_protocol::{Answer, FollowStep, Following, Opened, Request, Secrets, Wants};
use url::Url;

use super::{Ended, Reader};

/// How long a source must be quiet to count as caught up, in milliseconds; also how often the
/// loop looks whether it is still wanted while nothing comes.
const QUIET_MS: i32 = 250;

/// Where a followed source's events come from next.
enum Source {
    /// A connection that is open.
    Open(Download),
    /// Waiting to reconnect at this time (ms since the epoch); then reconnect, or long-poll
    /// this page again.
    Closed(f64, Option<Url>),
    /// Long-polling this feed page, with the request still waiting for its answer (and what
    /// cancels it), if any.
    Poll(
        Url,
        Option<(js_sys::Promise, Option<web_sys::AbortController>)>,
    ),
}

/// What the follow step answered: the source, whether it is read as lines, and the feed page
/// to long-poll next.
type Followed = (Opened, bool, Option<String>);

impl Reader {
    /// Reads a followed URL: catch-up, then live, reconnecting after a drop, or long-polling a
    /// feed read to its head.
    pub(super) async fn follow(
        &mut self,
        download: Download,
        url: Url,
        secrets: &Secrets,
        mode: FollowMode,
        memory_mb: Option<u64>,
    ) -> Result<Ended, Ended> {
        let transport = mode.transport(download.content_type.as_deref(), false);
        let mut follow = Follow::new(transport, event_limit(memory_mb));
        follow.connected(js_sys::Date::now());
        self.total = download.total;
        let mut source = Source::Open(download);
        let mut live = false;
        let mut n_events = 0;
        while self.is_current() && !self.unfollowed() {
            let now = js_sys::Date::now();
            match &mut source {
                Source::Open(download) => {
                    let chunk = download.next_chunk_within(QUIET_MS).await;
                    self.received = download.received;
                    // Whether the connection ended, or nothing came for a while.
                    let (ended, quiet) = match chunk {
                        Ok(Chunk::Bytes(bytes)) => {
                            let lines = follow.take(&bytes.to_vec());
                            for problem in follow.take_problems(&url) {
                                if let ProblemKind::EventTooLong { after, limit_bytes } =
                                    problem.kind
                                {
                                    self.step(FollowStep::TooLong { after, limit_bytes }, None)?;
                                }
                            }
                            let (opened, _, _) = self.step(FollowStep::Lines, Some(&lines))?;
                            n_events = opened.n_events;
                            self.notice_following(opened, live.then_some(Following::Live));
                            (false, false)
                        }
                        Ok(Chunk::Quiet) => (false, true),
                        Ok(Chunk::End) | Err(_) => (true, false),
                    };
                    if quiet {
                        self.flush_notice();
                    }
                    if !live && (ended || quiet) {
                        // Caught up: what arrived is the source, shown as a load is.
                        live = true;
                        let (opened, lines, poll) = self.catch_up(ended, secrets).await?;
                        n_events = opened.n_events;
                        if !lines {
                            let Some(poll) = poll.and_then(|p| Url::parse(&p).ok()) else {
                                let (opened, _, _) = self.step(FollowStep::Unfollowable, None)?;
                                return Ok(Ended::Read(Box::new(opened), None));
                            };
                            source = Source::Poll(poll, None);
                        }
                        self.say(opened, Following::CaughtUp);
                        if !lines {
                            continue;
                        }
                    }
                    if ended {
                        self.step(FollowStep::ConnectionEnded, None)?;
                        source = Source::Closed(now + follow.disconnected(now) as f64, None);
                    }
                }
                Source::Closed(at, poll) => {
                    let left = *at - now;
                    if left > 0.0 {
                        let wait_s = (left / 1000.0).ceil() as u64;
                        let opened = self.opened(Request::Status)?;
                        self.say(opened, Following::Reconnecting { wait_s });
                        sleep(left.min(1000.0) as i32).await;
                        continue;
                    }
                    let opened = self.opened(Request::Status)?;
                    self.say(opened, Following::Live);
                    source = match poll.take() {
                        Some(poll) => Source::Poll(poll, None),
                        None => {
                            let reconnect = follow.reconnect(&url);
                            self.step(FollowStep::Reconnected, None)?;
                            let id = reconnect.last_event_id.as_deref();
                            let headers: Vec<_> =
                                id.map(|id| ("Last-Event-ID", id)).into_iter().collect();
                            let ask = Ask {
                                extra: &headers,
                                ..Ask::with(Some(secrets))
                            };
                            match Download::fetch(&reconnect.url, ask).await {
                                Ok(download) => {
                                    follow.connected(js_sys::Date::now());
                                    Source::Open(download)
                                }
                                Err(_) => {
                                    Source::Closed(now + follow.disconnected(now) as f64, None)
                                }
                            }
                        }
                    };
                }
                Source::Poll(page, pending) => {
                    // The long-poll is waited for a little at a time, so that an `unfollow`
                    // is heard while the server holds it.
                    let (request, abort) = pending
                        .take()
                        .unwrap_or_else(|| long_poll(page.clone(), secrets.clone()));
                    match within(&request, QUIET_MS).await {
                        None => *pending = Some((request, abort)),
                        Some(Ok(bytes)) => {
                            let polled = FollowStep::Polled {
                                url: page.to_string(),
                            };
                            let bytes = js_sys::Uint8Array::new(&bytes).to_vec();
                            let (opened, _, next) = self.step(polled, Some(&bytes))?;
                            follow.took_records(opened.n_events.saturating_sub(n_events) as u64);
                            n_events = opened.n_events;
                            match next.and_then(|next| Url::parse(&next).ok()) {
                                Some(next) => {
                                    self.notice_following(opened, Some(Following::Live));
                                    *page = next;
                                }
                                None => return Ok(Ended::Read(Box::new(opened), None)),
                            }
                        }
                        Some(Err(_)) => {
                            let at = now + follow.disconnected(now) as f64;
                            source = Source::Closed(at, Some(page.clone()));
                            continue;
                        }
                    }
                }
            }
        }
        match &source {
            Source::Open(download) => download.cancel(),
            Source::Poll(_, Some((_, Some(abort)))) => abort.abort(),
            _ => {}
        }
        if !self.is_current() {
            return Err(Ended::Superseded);
        }
        Ok(Ended::Read(Box::new(self.opened(Request::Status)?), None))
    }

    /// The source caught up: what arrived is read (a feed's pages fetched as the engine asks
    /// for them), and the engine says whether it is lines, or else the feed page to long-poll.
    async fn catch_up(&mut self, ended: bool, secrets: &Secrets) -> Result<Followed, Ended> {
        let live = self.step(FollowStep::Live { ended }, None)?;
        if !matches!(live.0.wants, Wants::Page { .. }) {
            return Ok(live);
        }
        self.read_pages(live.0, secrets, None).await?;
        // Asked again once every page is read: only then is the page to long-poll known.
        self.step(FollowStep::Live { ended }, None)
    }

    /// Gives the engine one step of following, with bytes beside it where given.
    fn step(&mut self, step: FollowStep, bytes: Option<&[u8]>) -> Result<Followed, Ended> {
        let request = Request::Follow(step);
        let answer = match bytes {
            Some(bytes) => self.ask_with_bytes(request, bytes),
            None => self.ask(request),
        };
        match answer {
            Answer::Followed {
                opened,
                lines,
                poll,
            } => Ok((opened, lines, poll)),
            other => Err(Ended::Answered(Box::new(other))),
        }
    }
}

/// Asks for a feed page with the long-poll headers, as a promise of its bytes, which the loop
/// can wait for a little at a time, and what cancels it.
fn long_poll(page: Url, secrets: Secrets) -> (js_sys::Promise, Option<web_sys::AbortController>) {
    let abort = web_sys::AbortController::new().ok();
    let signal = abort.as_ref().map(web_sys::AbortController::signal);
    let request = wasm_bindgen_futures::future_to_promise(async move {
        match fetch_all(&page, Some(&secrets), &LONG_POLL_HEADERS, signal.as_ref()).await {
            Ok(bytes) => Ok(js_sys::Uint8Array::from(&bytes[..]).into()),
            Err(problem) => Err(problem.to_string().into()),
        }
    });
    (request, abort)
}
