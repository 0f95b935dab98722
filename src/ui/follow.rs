//! Following a live source, the browser side (`follow=`): the load's connection stays open and
//! what comes is appended through the same ingest; a KurrentDB feed read to its head is
//! long-polled. `core::follow` decides the transport, the resume rule and the waits, and the
//! ingest reads the records; this file only moves bytes, waits, and says where following
//! stands (`AppCtx::follow_status`).
//!
//! A source has caught up once it has been quiet for `QUIET_MS` or its response ended: what
//! arrived is then shown, and later events at most every `SHOW_EVERY_MS`, so that a burst costs
//! a few repaints rather than one per event. While paused, events are read into the ingest and
//! held there; *Resume* shows them.
//!
//! One loop over one state (`Source`) rather than a function per phase: each `async` function
//! is a state machine of its own in the bundle, which has little room.

use gloo_timers::future::TimeoutFuture;
use js_sys::Uint8Array;
use leptos::prelude::*;
use url::Url;

use super::context::AppCtx;
use super::loader::{fetch_page, show_grown, within, Ask, Chunk, Download, Run, Send};
use chronoscope_core::decode::{Place, Problem, ProblemKind};
use chronoscope_core::embed::keep_place;
use chronoscope_core::follow::{
    event_limit, Follow, FollowState, FollowStatus, Unfollowable, LONG_POLL_HEADERS,
};
use chronoscope_core::ingest::Ingest;

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
pub(super) async fn follow(mut run: Run, mut ingest: Ingest, download: Download) {
    let ctx = run.ctx;
    let (Some(mode), Some(url)) = (
        ctx.view.with_untracked(|v| v.follow),
        ingest.source_url().cloned(),
    ) else {
        return;
    };
    let transport = mode.transport(download.content_type.as_deref(), false);
    let memory_mb = ctx.view.with_untracked(|v| v.memory_mb);
    let mut follow = Follow::new(transport, event_limit(memory_mb));
    follow.connected(js_sys::Date::now());
    let mut source = Source::Open(download);
    let mut live = false;
    let mut shown = Shown::default();
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
                            ingest.add_problem(problem);
                        }
                        match live {
                            true => ingest.append(&lines),
                            false => ingest.feed(&lines),
                        }
                        (false, false)
                    }
                    Ok(Chunk::Quiet) => (false, true),
                    Ok(Chunk::End) | Err(_) => (true, false),
                };
                if !live && (ended || quiet) {
                    // Caught up: what arrived is the source, shown as a load is.
                    live = true;
                    let lines = ingest.go_live(ended);
                    if !run.drive(&mut ingest).await {
                        return;
                    }
                    let poll = ingest.poll_url().cloned();
                    if !lines {
                        let Some(poll) = poll else {
                            let place = Place::Url {
                                url: url.to_string(),
                                status: 200,
                            };
                            let why = ProblemKind::CannotFollow(Unfollowable::Document);
                            ingest.add_problem(Problem::new(place, why));
                            return run.publish(ingest);
                        };
                        source = Source::Poll(poll, None);
                    }
                    // The ingest stays here, open; the page shows what it holds.
                    run.show_done(ingest.outcome());
                    shown = Shown {
                        at: now,
                        n: ingest.timeline().len(),
                        stream: None,
                    };
                    say(ctx, FollowState::Live, 0);
                    if !lines {
                        continue;
                    }
                }
                if ended {
                    ingest.connection_ended();
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
                        ingest.reconnected();
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
                let fetched = match within(&request, QUIET_MS).await {
                    None => {
                        *pending = Some((request, abort));
                        None
                    }
                    Some(Ok(bytes)) => Some(Ok(Uint8Array::new(&bytes).to_vec())),
                    Some(Err(_)) => Some(Err(())),
                };
                let n_before = ingest.timeline().len();
                match fetched.map(|read| read.map(|bytes| ingest.take_polled_page(page, bytes))) {
                    None => {}
                    Some(Ok(Some(next))) => *page = next,
                    Some(Ok(None)) => {
                        show_grown(ctx, &ingest);
                        break;
                    }
                    Some(Err(())) => {
                        let at = now + follow.disconnected(now) as f64;
                        source = Source::Closed(at, Some(page.clone()));
                        continue;
                    }
                }
                follow.took_records((ingest.timeline().len() - n_before) as u64);
            }
        }
        if !run.digest(&mut ingest).await {
            return;
        }
        if live {
            shown.update(ctx, &ingest);
        }
    }
    match &source {
        Source::Open(download) => download.cancel(),
        Source::Poll(_, Some((_, Some(abort)))) => abort.abort(),
        _ => {}
    }
    if run.is_current() {
        say(ctx, FollowState::Off, 0);
        ctx.live.set_value(Some(ingest));
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

/// When the source was last shown, how many events it had then, and the stream selected.
#[derive(Default)]
struct Shown {
    at: f64,
    n: usize,
    stream: Option<String>,
}

impl Shown {
    /// Shows the grown source when it is due (unless paused: the status then says how many
    /// events are held), keeping a pinned moment where it is and counting the selected stream's
    /// new events.
    fn update(&mut self, ctx: AppCtx, ingest: &Ingest) {
        let n_events = ingest.timeline().len();
        let (paused, state) = (
            ctx.follow_paused.get_untracked(),
            ctx.follow_status.get_untracked(),
        );
        let n_held = if paused { n_events - self.n } else { 0 };
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
        if let (false, Some(stream)) = (head, &stream) {
            let before = ctx
                .loaded
                .with_untracked(|l| l.as_ref().map_or(0, |l| l.timeline.stream_len(stream)));
            let after = ingest.timeline().stream_len(stream);
            // A counter speaks of one stream: choosing another starts it again.
            let counted = match self.stream.as_ref() == Some(stream) {
                true => ctx.n_new.get_untracked(),
                false => 0,
            };
            ctx.n_new.set(counted + after.saturating_sub(before));
        }
        show_grown(ctx, ingest);
        *self = Shown {
            at: now,
            n: n_events,
            stream,
        };
    }
}
