//! Following a live source, the browser side (`follow=`): the load's connection stays open and
//! what comes is given to the engine's worker (`Request::Follow`), which reads it through the
//! same ingest; a KurrentDB feed read to its head is long-polled. `core::follow` decides the
//! transport, the resume rule and the waits, and the engine reads the records; this file only
//! moves bytes, waits, and says where following stands (`AppCtx::follow_status`).
//!
//! A source has caught up once it has been quiet for `QUIET_MS` or its response ended: what
//! arrived is then shown, and later events at most every `SHOW_EVERY_MS`, so that a burst costs
//! a few repaints rather than one per event. While paused, events are read by the engine and
//! not shown; *Resume* shows them.
//!
//! One loop over one state (`Source`) rather than a function per phase: each `async` function
//! is a state machine of its own in the bundle, which has little room.

use gloo_timers::future::TimeoutFuture;
use js_sys::Uint8Array;
use leptos::prelude::*;
use url::Url;

use super::context::AppCtx;
use super::feed;
use super::loader::{fetch_page, within, Ask, Chunk, Download, Run, Send};
use chronoscope_core::decode::ProblemKind;
use chronoscope_core::embed::keep_place;
use chronoscope_core::follow::{event_limit, Follow, FollowState, FollowStatus, LONG_POLL_HEADERS};
use chronoscope_protocol::{Answer, FollowStep, Opened, Request, Wants};

/// How long a source must be quiet to count as caught up, in milliseconds; also how often the
/// loop looks at the controls while nothing comes.
const QUIET_MS: i32 = 250;

/// The shortest time between two repaints of a growing source, in milliseconds.
const SHOW_EVERY_MS: f64 = 200.0;

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

/// Reads a followed URL: catch-up, then live, reconnecting after a drop, or long-polling a feed
/// read to its head. Ends when Follow is turned off or a newer load starts.
pub(super) async fn follow(mut run: Run, download: Download, url: Url) {
    let ctx = run.ctx;
    let Some(mode) = ctx.view.with_untracked(|v| v.follow) else {
        return;
    };
    let transport = mode.transport(download.content_type.as_deref(), false);
    let memory_mb = ctx.view.with_untracked(|v| v.memory_mb);
    let mut follow = Follow::new(transport, event_limit(memory_mb));
    follow.connected(js_sys::Date::now());
    let mut source = Source::Open(download);
    let mut live = false;
    let mut shown = Shown::default();
    let mut n_events = 0;
    ctx.n_new.set(0);
    while run.is_current() && ctx.view.with_untracked(|v| v.follow.is_some()) {
        let now = js_sys::Date::now();
        match &mut source {
            Source::Open(download) => {
                let chunk = download.next_chunk_within(QUIET_MS).await;
                // Whether the connection ended, or nothing came for a while.
                let (ended, quiet) = match chunk {
                    Ok(Chunk::Bytes(bytes)) => {
                        let lines = follow.take(&bytes.to_vec());
                        for problem in follow.take_problems(&url) {
                            if let ProblemKind::EventTooLong { after, limit_bytes } = problem.kind {
                                step(&mut run, FollowStep::TooLong { after, limit_bytes }, None)
                                    .await;
                            }
                        }
                        let bytes = Uint8Array::from(&lines[..]);
                        let Some((opened, _, _)) =
                            step(&mut run, FollowStep::Lines, Some(bytes)).await
                        else {
                            return;
                        };
                        n_events = opened.n_events;
                        if !live {
                            feed::show_progress(&run, &opened);
                        }
                        (false, false)
                    }
                    Ok(Chunk::Quiet) => (false, true),
                    Ok(Chunk::End) | Err(_) => (true, false),
                };
                if !live && (ended || quiet) {
                    // Caught up: what arrived is the source, shown as a load is.
                    live = true;
                    let Some((opened, lines, poll)) = catch_up(&mut run, ended).await else {
                        return;
                    };
                    n_events = opened.n_events;
                    if !lines {
                        let Some(poll) = poll.and_then(|p| Url::parse(&p).ok()) else {
                            let said = step(&mut run, FollowStep::Unfollowable, None).await;
                            if let Some((opened, _, _)) = said {
                                feed::done(&run, opened, None);
                            }
                            return;
                        };
                        source = Source::Poll(poll, None);
                    }
                    feed::done(&run, opened, None);
                    shown = Shown::caught_up(ctx, now, n_events).await;
                    say(ctx, FollowState::Live, 0);
                    if !lines {
                        continue;
                    }
                }
                if ended {
                    step(&mut run, FollowStep::ConnectionEnded, None).await;
                    source = Source::Closed(now + follow.disconnected(now) as f64, None);
                }
            }
            Source::Closed(at, poll) => {
                let left = *at - now;
                if left > 0.0 {
                    say(
                        ctx,
                        FollowState::Reconnecting,
                        (left / 1000.0).ceil() as u64,
                    );
                    TimeoutFuture::new(left.min(1000.0) as u32).await;
                    continue;
                }
                say(ctx, FollowState::Live, 0);
                source = match poll.take() {
                    Some(poll) => Source::Poll(poll, None),
                    None => {
                        let reconnect = follow.reconnect(&url);
                        step(&mut run, FollowStep::Reconnected, None).await;
                        let id = reconnect.last_event_id.as_deref();
                        let headers: Vec<_> =
                            id.map(|id| ("Last-Event-ID", id)).into_iter().collect();
                        let ask = Ask {
                            extra: &headers,
                            ..Ask::with(Send::Credential)
                        };
                        match Download::fetch(&ctx, &reconnect.url, ask).await {
                            Ok(download) => {
                                follow.connected(js_sys::Date::now());
                                Source::Open(download)
                            }
                            Err(_) => Source::Closed(now + follow.disconnected(now) as f64, None),
                        }
                    }
                };
                continue;
            }
            Source::Poll(page, pending) => {
                // The long-poll is waited for a little at a time, so that what came before it
                // is shown, and the controls answer, while the server holds it.
                let (request, abort) = pending
                    .take()
                    .unwrap_or_else(|| long_poll(ctx, page.clone()));
                match within(&request, QUIET_MS).await {
                    None => *pending = Some((request, abort)),
                    Some(Ok(bytes)) => {
                        let polled = FollowStep::Polled {
                            url: page.to_string(),
                        };
                        let bytes = Uint8Array::new(&bytes);
                        let Some((opened, _, next)) = step(&mut run, polled, Some(bytes)).await
                        else {
                            return;
                        };
                        follow.took_records(opened.n_events.saturating_sub(n_events) as u64);
                        n_events = opened.n_events;
                        match next.and_then(|next| Url::parse(&next).ok()) {
                            Some(next) => *page = next,
                            None => {
                                feed::show_changed(ctx, opened);
                                break;
                            }
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
        if live {
            shown.update(ctx, n_events).await;
        }
    }
    match &source {
        Source::Open(download) => download.cancel(),
        Source::Poll(_, Some((_, Some(abort)))) => abort.abort(),
        _ => {}
    }
    if run.is_current() {
        say(ctx, FollowState::Off, 0);
    }
}

/// The source caught up: what arrived is read (a feed's pages fetched as the engine asks for
/// them), and the engine says whether it is lines, or else the feed page to long-poll.
async fn catch_up(run: &mut Run, ended: bool) -> Option<(Opened, bool, Option<String>)> {
    let live = step(run, FollowStep::Live { ended }, None).await?;
    if !matches!(live.0.wants, Wants::Page { .. }) {
        return Some(live);
    }
    feed::pages(run, live.0).await?;
    // Asked again once every page is read: only then is the page to long-poll known.
    step(run, FollowStep::Live { ended }, None).await
}

/// Gives the engine one step of following, with bytes beside it where given. `None` when the
/// load went stale or the engine could not answer (the load then says why).
async fn step(
    run: &mut Run,
    step: FollowStep,
    bytes: Option<Uint8Array>,
) -> Option<(Opened, bool, Option<String>)> {
    let answer = run
        .ctx
        .engine
        .ask_worker(Request::Follow(step), bytes)
        .await
        .0;
    if !run.is_current() {
        return None;
    }
    match answer {
        Answer::Followed {
            opened,
            lines,
            poll,
        } => Some((opened, lines, poll)),
        other => {
            feed::refused(run, other);
            None
        }
    }
}

/// Asks for a feed page with the long-poll headers, as a promise of its bytes, which the loop
/// can wait for a little at a time.
fn long_poll(ctx: AppCtx, page: Url) -> (js_sys::Promise, Option<web_sys::AbortController>) {
    let abort = web_sys::AbortController::new().ok();
    let signal = abort.as_ref().map(web_sys::AbortController::signal);
    let request = wasm_bindgen_futures::future_to_promise(async move {
        match fetch_page(&ctx, &page, &LONG_POLL_HEADERS, signal.as_ref()).await {
            Ok(bytes) => Ok(Uint8Array::from(&bytes[..]).into()),
            Err(problem) => Err(problem.to_string().into()),
        }
    });
    (request, abort)
}

/// Following, with nothing held.
const LIVE: FollowStatus = FollowStatus {
    state: FollowState::Live,
    n_held: 0,
    wait_s: 0,
};

fn say(ctx: AppCtx, state: FollowState, wait_s: u64) {
    ctx.follow_status.set(FollowStatus {
        state,
        n_held: 0,
        wait_s,
    });
}

/// When the source was last shown, how many events it had then, and the stream selected with
/// its number of events then.
#[derive(Default)]
struct Shown {
    at: f64,
    n: usize,
    stream: Option<(String, usize)>,
}

impl Shown {
    /// Shows the grown source when it is due (unless paused: the status then says how many
    /// events are held), keeping a pinned moment where it is and counting the selected stream's
    /// new events.
    async fn update(&mut self, ctx: AppCtx, n_events: usize) {
        let (paused, state) = (
            ctx.follow_paused.get_untracked(),
            ctx.follow_status.get_untracked(),
        );
        let n_held = if paused {
            n_events.saturating_sub(self.n)
        } else {
            0
        };
        let status = match (paused, state.state) {
            (true, _) => FollowStatus {
                state: FollowState::Paused,
                n_held,
                wait_s: 0,
            },
            (false, FollowState::Paused) => LIVE,
            _ => state,
        };
        if status != state {
            ctx.follow_status.set(status);
        }
        let now = js_sys::Date::now();
        if paused || n_events == self.n || now - self.at < SHOW_EVERY_MS {
            return;
        }
        let stream = ctx.stream.get_untracked();
        let at = ctx.cursor.get_untracked().zip(stream.clone());
        let head = ctx.follow.get_untracked();
        ctx.view
            .update(|view| keep_place(view, head, at.map(|(c, s)| (s, c.version, c.occurrence))));
        let stream = match stream {
            Some(stream) => stream_len(ctx, stream).await,
            None => None,
        };
        if let (false, Some((name, after))) = (head, &stream) {
            // A counter speaks of one stream: choosing another starts it again.
            let new = match &self.stream {
                Some((before_name, before)) if before_name == name => {
                    ctx.n_new.get_untracked() + after.saturating_sub(*before)
                }
                _ => 0,
            };
            ctx.n_new.set(new);
        }
        if let Answer::Opened(opened) = ctx.engine.ask(Request::Status).await {
            feed::show_changed(ctx, opened);
        }
        *self = Shown {
            at: now,
            n: n_events,
            stream,
        };
    }

    /// What is shown once the source caught up: the new events of the selected stream are
    /// counted from there.
    async fn caught_up(ctx: AppCtx, at: f64, n_events: usize) -> Shown {
        // The stream the view selects, asked before anything more is read: the panels may not
        // have had its answer yet.
        let link = ctx.view.with_untracked(|v| v.to_query());
        let stream = match ctx.engine.ask(Request::Select { link }).await {
            Answer::Selected(selected) => selected.stream,
            _ => None,
        };
        let stream = match stream {
            Some(stream) => stream_len(ctx, stream).await,
            None => None,
        };
        Shown {
            at,
            n: n_events,
            stream,
        }
    }
}

/// A stream and how many events the engine holds of it now.
async fn stream_len(ctx: AppCtx, stream: String) -> Option<(String, usize)> {
    let request = Request::Stream {
        stream: stream.clone(),
        bins: 1,
    };
    match ctx.engine.ask(request).await {
        Answer::Stream(info) => Some((stream, info.n_events)),
        _ => None,
    }
}
