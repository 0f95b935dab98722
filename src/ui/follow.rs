//! Following a live source, the page's side (`follow=`): the engine's worker fetches the
//! source and keeps its connection open, reconnects after a drop and long-polls a KurrentDB
//! feed read to its head (`crates/worker`'s `read::follow`); this file shows what its notices
//! say. While the source catches up it is shown as a load is; once it caught up, the grown
//! source is shown at most every `SHOW_EVERY_MS`, so that a burst costs a few repaints rather
//! than one per event. While paused, events are read by the engine and not shown; *Resume*
//! shows them. Turning Follow off tells the worker to stop (`Request::Unfollow`).

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;

use super::context::AppCtx;
use super::feed;
use super::loader::Run;
use chronoscope_core::embed::keep_place;
use chronoscope_core::follow::{FollowState, FollowStatus};
use chronoscope_protocol::{Answer, Following, Read, Request};

/// How often the page looks whether the grown source is due to be shown, and whether Follow
/// is still on, in milliseconds.
const LOOK_MS: u32 = 250;

/// The shortest time between two repaints of a growing source, in milliseconds.
const SHOW_EVERY_MS: f64 = 200.0;

/// What the worker's notices said, for the page's loop that shows it.
#[derive(Default)]
struct Heard {
    /// Whether the first notice made the worker's source the one the panels ask about.
    began: Cell<bool>,
    /// When the source caught up (ms since the epoch), and how many events it had then, once
    /// it has.
    caught_up: Cell<Option<(f64, usize)>>,
    n_events: Cell<usize>,
    /// True once the read's last answer came.
    ended: Cell<bool>,
}

/// Has the worker read and follow a URL (`request` is its `read`), and shows it: catch-up,
/// then live, until Follow is turned off or a newer load starts.
pub(super) async fn follow(run: Run, request: Request) {
    let ctx = run.ctx;
    ctx.follow.n_new.set(0);
    let heard = Rc::new(Heard::default());
    let noticed = {
        let (run, heard) = (run.clone(), Rc::clone(&heard));
        move |read: Box<Read>| {
            if run.is_current() {
                hear(&run, &heard, *read);
            }
        }
    };
    leptos::task::spawn_local(show_live(run.clone(), Rc::clone(&heard)));
    let answer = ctx.engine.read(request, None, noticed).await;
    heard.ended.set(true);
    if !run.is_current() {
        return;
    }
    match feed::last_read(&run, answer) {
        Some((opened, _)) if heard.caught_up.get().is_some() => feed::show_changed(ctx, opened),
        // A source that cannot be followed (a JSON document) is shown as a load is.
        Some((opened, _)) => feed::done(&run, opened, None),
        None => {}
    }
    say(ctx, FollowState::Off, 0);
}

/// Takes one notice of the worker: progress while the source catches up, then where
/// following stands.
fn hear(run: &Run, heard: &Heard, read: Read) {
    let ctx = run.ctx;
    let Some(following) = read.following else {
        return feed::show_read(run, &heard.began, &read);
    };
    match (following, read.opened) {
        (Following::CaughtUp, Some(opened)) => {
            // Caught up: what arrived is the source, shown as a load is; a source that caught
            // up before any notice of its progress (a small table) is the engine's from now.
            if !heard.began.replace(true) {
                ctx.engine.in_worker.set(true);
            }
            heard.n_events.set(opened.n_events);
            heard
                .caught_up
                .set(Some((js_sys::Date::now(), opened.n_events)));
            feed::done(run, opened, None);
            say(ctx, FollowState::Live, 0);
        }
        (Following::Live, Some(opened)) => {
            heard.n_events.set(opened.n_events);
            if ctx.follow.status.get_untracked().state == FollowState::Reconnecting {
                say(ctx, FollowState::Live, 0);
            }
        }
        (Following::Reconnecting { wait_s }, _) => say(ctx, FollowState::Reconnecting, wait_s),
        (_, None) => {}
    }
}

/// Shows the followed source as it grows, once it caught up, until the read ends; tells the
/// worker to stop when Follow is turned off.
async fn show_live(run: Run, heard: Rc<Heard>) {
    let ctx = run.ctx;
    let mut shown: Option<Shown> = None;
    while !heard.ended.get() && run.is_current() {
        TimeoutFuture::new(LOOK_MS).await;
        if ctx.view.try_with_untracked(|v| v.follow.is_none()) != Some(false) {
            if !heard.ended.get() && run.is_current() {
                let _ = ctx.engine.ask_worker(Request::Unfollow, None).await;
            }
            return;
        }
        let Some((at, n_caught_up)) = heard.caught_up.get() else {
            continue;
        };
        let shown = match &mut shown {
            Some(shown) => shown,
            None => shown.insert(Shown::caught_up(ctx, at, n_caught_up).await),
        };
        shown.update(ctx, heard.n_events.get()).await;
    }
}

/// Following, with nothing held.
const LIVE: FollowStatus = FollowStatus {
    state: FollowState::Live,
    n_held: 0,
    wait_s: 0,
};

fn say(ctx: AppCtx, state: FollowState, wait_s: u64) {
    ctx.follow.status.set(FollowStatus {
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
            ctx.follow.paused.get_untracked(),
            ctx.follow.status.get_untracked(),
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
            ctx.follow.status.set(status);
        }
        let now = js_sys::Date::now();
        if paused || n_events == self.n || now - self.at < SHOW_EVERY_MS {
            return;
        }
        let stream = ctx.stream.get_untracked();
        let at = ctx.shown.cursor.get_untracked().zip(stream.clone());
        let head = ctx.follow.on.get_untracked();
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
                    ctx.follow.n_new.get_untracked() + after.saturating_sub(*before)
                }
                _ => 0,
            };
            ctx.follow.n_new.set(new);
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
        // The stream the view selects, asked for here: the panels may not have had its answer
        // yet.
        let link = ctx.view.with_untracked(|v| v.to_query());
        let stream = match ctx.engine.ask(Request::Select { link }).await {
            Answer::Selected(selected) => selected.stream,
            _ => None,
        };
        // Counted as the log stood when it caught up: the worker read on meanwhile.
        let stream = match stream {
            Some(stream) => {
                let request = Request::Count {
                    stream: stream.clone(),
                    upto: n_events,
                };
                match ctx.engine.ask(request).await {
                    Answer::Counted { n } => Some((stream, n)),
                    _ => None,
                }
            }
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
