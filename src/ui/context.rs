//! The app-wide context: the view state (the deep link), the loaded data, and memos over them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde_json::Value;

use super::clipboard::copier;
use super::engine::Engine;
use super::format::zoned;
use super::moment::{write_moment, Moment, Moments};
use super::print_report::Printed;
use chronoscope_core::decode::Problem;
use chronoscope_core::diff::Difference;
use chronoscope_core::follow::FollowStatus;
use chronoscope_core::link::ViewState;
use chronoscope_core::origin::{Credential, Secrets};
use chronoscope_core::selection::Selection;
use chronoscope_core::view::moves::step_target;
pub use chronoscope_core::view::text::Progress;
use chronoscope_protocol::{Answer, Integrity, Opened, PinCheck, Request, ResumeAt, StreamInfo};

/// How many colours event types cycle through (see `--kind-N` in the style sheet).
pub const N_KIND_COLOURS: usize = 12;

/// The markers that, with the colours, tell apart more types than there are colours: the first
/// twelve types are circles, the next twelve triangles, and so on.
const KIND_MARKERS: [&str; 4] = ["●", "▲", "■", "◆"];

/// An evidence pack the data was opened from, and what checking its files found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackInfo {
    pub name: String,
    pub n_files: usize,
    /// Each file that was changed, removed or added since the pack was made, in words.
    pub tampered: Vec<String>,
}

/// A local source, kept so that it can be read again with other choices.
#[derive(Clone, Debug)]
pub enum Local {
    /// A file the person chose or dropped, read again from the disk.
    File(web_sys::File),
    /// A source a native engine serves (`chronoscope serve`), by its label.
    Served(String),
    /// Pasted text, or a host's events.
    Text(String),
    /// An evidence pack, opened again.
    Pack(web_sys::File),
}

/// The selected event, as the scrubber and links name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub version: u64,
    /// Which event with this version it is (from 1), where the stream repeats versions.
    pub occurrence: u64,
    /// `None` when the source gave the event no time.
    pub time: Option<DateTime<Utc>>,
}

/// The one context every component reads; get it with `use_app()`.
#[derive(Clone, Copy)]
pub struct AppCtx {
    /// The view state. Writing it updates the URL.
    pub view: RwSignal<ViewState>,
    /// The load under way or last done: its progress, whether it is complete, its report, and
    /// what *Retry* needs.
    pub load: LoadState,
    /// Following a source that grows: whether to move to each new head, and where it stands.
    pub follow: FollowState,
    /// Problems that are not the data's: a failed fetch, a link parameter that was ignored.
    pub source_problems: RwSignal<Vec<Problem>>,
    /// The other sites a deep link would fetch from, while the person is asked whether to.
    pub ask_to_fetch: RwSignal<Option<Vec<String>>>,
    /// The native engine a deep link names (`engine=`), while the person is asked whether to
    /// connect to it.
    pub ask_to_connect: RwSignal<Option<String>>,
    /// The local file a deep link needs before it can be shown, if any.
    pub needs_file: RwSignal<Option<String>>,
    /// The evidence pack the data came from, if it did.
    pub pack: RwSignal<Option<PackInfo>>,
    /// What checking the link's `h=` against the loaded data found, while the view is still at
    /// the link's moment.
    pub link_check: Memo<Option<PinCheck>>,
    /// The moment shown: the selection, its event, both states and what changed.
    pub shown: Shown,
    /// Where the panels' requests go (`ui::engine`).
    pub engine: Engine,
    /// The loaded source as the engine has it: its counts, its format and its problems.
    pub opened: RwSignal<Option<Opened>>,
    /// The selected stream as the timeline draws it: its types, its span, its density.
    pub stream_info: Memo<Option<StreamInfo>>,
    /// The display zone (`zone=`): every time is shown in UTC and in it, named. `None`: the
    /// browser's own zone.
    pub zone: Memo<Option<String>>,
    /// The selected stream alone: what depends only on the stream (its density, its event types,
    /// the list's rows) is not redone when only the moment moves.
    pub stream: Memo<Option<String>>,
    /// The event types of the selected stream, in order of first appearance in the log; an
    /// event type's colour is its index here, so colours are distinct within a stream.
    pub stream_kinds: Memo<Vec<String>>,
    pub playing: RwSignal<bool>,
    /// True for a moment after the link was copied, by the button or by `c`: once the browser
    /// has taken the text, never where it refuses.
    pub link_copied: Signal<bool>,
    /// Copies a link to the clipboard (`clipboard::copier`).
    pub copy_to_clipboard: Callback<String>,
    /// A credential typed by the user, for the origin it was typed for. Kept in memory only:
    /// never in the URL, never in storage, never sent to another origin.
    pub credential: RwSignal<Credential>,
    /// A local file or paste, kept so that choosing another format can read it again.
    pub local_text: StoredValue<Option<Local>, LocalStorage>,
    /// The host page's address that reopens the panel (`load`'s `link_base`): links go there.
    pub host_link_base: RwSignal<Option<String>>,
    /// The printed report last made, for the moment it was made at.
    pub printed: RwSignal<Option<Arc<Printed>>>,
    /// Headers the host sent for its source's origin; in memory only, never in a link.
    pub host_headers: StoredValue<Option<Secrets>>,
    /// The position last asked for (`select_position`) and how many such moves still wait for
    /// the engine: a key pressed meanwhile moves on from there, not from the selection shown.
    moving: StoredValue<Moving>,
    moments: Moments,
}

/// A moment as a move wrote it into the view: its version, and which event with that version.
type Written = (u64, Option<u64>);

/// The moves asked for by position (`AppCtx::select_position`).
#[derive(Default)]
struct Moving {
    /// The stream and position last asked for, and the moment written for it (its version and
    /// occurrence) once the engine said which event that is.
    asked: Option<(String, usize, Option<Written>)>,
    /// How many still wait for the engine.
    n_waiting: u32,
}

/// The load under way or last done.
#[derive(Clone, Copy)]
pub struct LoadState {
    /// The identity of the latest load; an older load that is still running stops, and shows
    /// nothing.
    pub id: StoredValue<u64>,
    pub progress: RwSignal<Option<Progress>>,
    /// True once the source is read (not while a load or a preview of it is shown).
    pub complete: RwSignal<bool>,
    /// How many loads have completed: each says `loaded` to a host.
    pub n_loads: RwSignal<u64>,
    /// The integrity report of the loaded data, once its checks have run (after the load).
    pub report: RwSignal<Option<Arc<Integrity>>>,
    /// Where *Retry* reads on from in the worker's source, and from which URL.
    pub resume: StoredValue<Option<(url::Url, ResumeAt)>>,
    /// True when a download broke off (or a feed page failed) and *Retry* can read on.
    pub can_retry: RwSignal<bool>,
    /// The seconds left before a load that a server asked to wait (`Retry-After`) is tried
    /// again by itself, and how many times it was tried so (`core::waiting`).
    pub retry_in: RwSignal<Option<u64>>,
    pub auto_retries: StoredValue<u32>,
}

impl LoadState {
    fn new() -> LoadState {
        LoadState {
            id: StoredValue::new(0),
            progress: RwSignal::new(None),
            complete: RwSignal::new(false),
            n_loads: RwSignal::new(0),
            report: RwSignal::new(None),
            resume: StoredValue::new(None),
            can_retry: RwSignal::new(false),
            retry_in: RwSignal::new(None),
            auto_retries: StoredValue::new(0),
        }
    }

    /// Starts a load, which makes every older load stale: nothing of the last one's report,
    /// completeness or retry stays. Returns the new load's identity.
    pub fn start(self) -> u64 {
        let id = self.id.get_value().wrapping_add(1);
        self.id.set_value(id);
        self.can_retry.set(false);
        self.retry_in.set(None);
        self.report.set(None);
        self.complete.set(false);
        self.resume.set_value(None);
        id
    }

    /// True while the load `id` is the latest.
    pub fn is_current(self, id: u64) -> bool {
        self.id.try_get_value() == Some(id)
    }
}

/// Following a source that grows (`ui::follow`).
#[derive(Clone, Copy)]
pub struct FollowState {
    /// Whether the selection moves to each new head when live events arrive.
    pub on: RwSignal<bool>,
    /// Where following the source stands.
    pub status: RwSignal<FollowStatus>,
    /// True while *Pause* holds new events back.
    pub paused: RwSignal<bool>,
    /// New events of the selected stream since the moment shown was pinned.
    pub n_new: RwSignal<usize>,
}

impl FollowState {
    fn new() -> FollowState {
        FollowState {
            on: RwSignal::new(false),
            status: RwSignal::new(FollowStatus::default()),
            paused: RwSignal::new(false),
            n_new: RwSignal::new(0),
        }
    }

    /// Forgets the source followed: an older load that was followed stops at its next look,
    /// and its status goes with it.
    pub fn reset(self) {
        self.status.set(FollowStatus::default());
        self.paused.set(false);
        self.n_new.set(0);
    }
}

/// What every panel shows of the moment shown, each part a memo of its own, so that a panel is
/// redrawn only when its part changes.
#[derive(Clone, Copy)]
pub struct Shown {
    pub selection: Memo<Selection>,
    /// The selected event's version and time; `None` before the stream's first event.
    pub cursor: Memo<Option<Cursor>>,
    /// The comparison point as links name it; `None` before its stream's first event.
    pub compare_cursor: Memo<Option<Cursor>>,
    pub state: Memo<Value>,
    pub compare_state: Memo<Value>,
    pub changes: Memo<Vec<Difference>>,
}

impl Shown {
    /// The parts of the moment the engine last answered with.
    fn of(moment: RwSignal<Moment>) -> Shown {
        Shown {
            selection: Memo::new(move |_| moment.with(|m| m.selection.clone())),
            cursor: Memo::new(move |_| moment.with(|m| m.cursor)),
            compare_cursor: Memo::new(move |_| moment.with(|m| m.compare_cursor)),
            state: Memo::new(move |_| moment.with(|m| m.state.clone())),
            compare_state: Memo::new(move |_| moment.with(|m| m.compare_state.clone())),
            changes: Memo::new(move |_| moment.with(|m| m.changes.clone())),
        }
    }
}

impl AppCtx {
    /// Creates the context in the current reactive owner.
    pub fn new(view: ViewState) -> AppCtx {
        let view = RwSignal::new(view);
        let load = LoadState::new();
        let complete = load.complete;
        let engine = Engine::start();
        let moments = Moments::follow(engine, view);
        let moment = moments.shown;
        let stream = Memo::new(move |_| moment.with(|m| m.selection.stream.clone()));
        let shown = Shown::of(moment);
        let opened = status_of(engine);
        let stream_info = engine.answer_memo(
            move || {
                let stream = stream.get()?;
                Some(Request::Stream {
                    stream,
                    bins: N_DENSITY_BINS,
                })
            },
            |answer| match answer {
                Answer::Stream(info) => Some(info),
                _ => None,
            },
        );
        let stream_kinds = Memo::new(move |_| {
            stream_info.with(|info| {
                info.iter()
                    .flat_map(|info| info.kinds.iter().map(|k| k.kind.clone()))
                    .collect()
            })
        });
        let link_copier = copier();
        // Checked once the load is complete: a link's pin speaks of the whole stream up to its
        // moment.
        let link_check = engine.answer_memo(
            move || {
                let link = view.with(|v| v.pin.is_some().then(|| v.to_query()))?;
                complete.get().then_some(Request::CheckPin { link })
            },
            |answer| match answer {
                Answer::PinChecked { check } => check,
                _ => None,
            },
        );
        forget_pin_when_moved(view, complete);
        AppCtx {
            zone: Memo::new(move |_| view.with(|v| v.zone.clone())),
            view,
            load,
            follow: FollowState::new(),
            engine,
            opened,
            stream_info,
            source_problems: RwSignal::new(Vec::new()),
            needs_file: RwSignal::new(None),
            ask_to_fetch: RwSignal::new(None),
            ask_to_connect: RwSignal::new(None),
            pack: RwSignal::new(None),
            link_check,
            shown,
            stream,
            stream_kinds,
            playing: RwSignal::new(false),
            link_copied: link_copier.copied,
            copy_to_clipboard: link_copier.copy,
            credential: RwSignal::new(Credential::default()),
            local_text: StoredValue::new_local(None),
            host_headers: StoredValue::new(None),
            host_link_base: RwSignal::new(None),
            printed: RwSignal::new(None),
            moving: StoredValue::new(Moving::default()),
            moments,
        }
    }

    /// The colour class (`kind-N`) of an event type. A type keeps its colour in every stream:
    /// it is chosen by the type's place among all the log's types, in order of first appearance.
    pub fn kind_colour(&self, kind: &str) -> String {
        kind_colour(self.kind_number(kind))
    }

    /// The marker shown before an event type, which with its colour tells it from the others.
    pub fn kind_marker(&self, kind: &str) -> &'static str {
        KIND_MARKERS[self.kind_number(kind) / N_KIND_COLOURS % KIND_MARKERS.len()]
    }

    /// The type's place among all the log's types.
    fn kind_number(&self, kind: &str) -> usize {
        self.stream_info
            .with_untracked(|info| {
                let kinds = &info.as_ref()?.kinds;
                kinds.iter().find(|k| k.kind == kind).map(|k| k.kind_index)
            })
            .unwrap_or(0)
    }

    /// An instant in the display zone, named (`format::zoned`); tracks the zone.
    pub fn in_zone(&self, time: &DateTime<Utc>) -> String {
        self.zone.with(|zone| zoned(time, zone.as_deref()))
    }

    /// The number of events in the selected stream: as the stream's answer says, or until
    /// that has come for the stream shown, as the moment's answer said.
    pub fn stream_len(&self) -> usize {
        let (stream, n_in_moment) = self
            .moments
            .shown
            .with(|m| (m.selection.stream.clone(), m.n_events));
        self.stream_info.with(|info| match info {
            Some(info) if Some(&info.name) == stream.as_ref() => info.n_events,
            _ => n_in_moment,
        })
    }

    /// Selects the state after the event at `pos` of the selected stream: the engine says which
    /// event that is, as links name it (its version, and which event with that version).
    pub fn select_position(&self, pos: usize) {
        let Some(stream) = self.stream.get_untracked() else {
            return;
        };
        let ctx = *self;
        self.moving.update_value(|moving| {
            moving.asked = Some((stream.clone(), pos, None));
            moving.n_waiting += 1;
        });
        leptos::task::spawn_local(async move {
            if let Some(named) = ctx.moments.move_to(ctx.engine, ctx.view, pos).await {
                ctx.moving.update_value(|moving| {
                    if let Some((_, at, written)) = &mut moving.asked {
                        if *at == pos {
                            *written = Some(named);
                        }
                    }
                });
                ctx.view.update(|view| write_moment(view, named));
            }
            ctx.moving
                .update_value(|m| m.n_waiting = m.n_waiting.saturating_sub(1));
        });
    }

    /// Selects the event at a position of the log, in its stream.
    pub fn select_log_event(&self, log_idx: usize) {
        let ctx = *self;
        leptos::task::spawn_local(async move {
            let request = Request::Locate {
                seq: log_idx as u64,
            };
            if let Answer::Located { stream, row } = ctx.engine.ask(request).await {
                ctx.select_event(stream, row.version, row.occurrence);
            }
        });
    }

    /// Selects an event of any stream by how links name it: its version, and which event with
    /// that version it is.
    pub fn select_event(&self, stream: String, version: u64, occurrence: u64) {
        self.view.update(|view| {
            view.stream = Some(stream);
            view.version = Some(version);
            view.dup = (occurrence > 1).then_some(occurrence);
            view.time = None;
        });
    }

    /// The position last asked for, while the view is still the one that move wrote (or it still
    /// waits for the engine): the selection shown may not have caught up with it yet.
    fn asked_position(&self) -> Option<usize> {
        let view = self
            .view
            .with_untracked(|v| (v.stream.clone(), v.version, v.dup, v.time.is_none()));
        let stream = self.stream.get_untracked();
        self.moving.with_value(|moving| {
            let (at_stream, pos, written) = moving.asked.as_ref()?;
            let same_stream = stream.as_ref() == Some(at_stream);
            let still = match written {
                None => moving.n_waiting > 0,
                Some((version, dup)) => {
                    view.0.as_ref().is_none_or(|s| s == at_stream)
                        && view.1 == Some(*version)
                        && view.2 == *dup
                        && view.3
                }
            };
            (same_stream && still).then_some(*pos)
        })
    }

    /// Moves the selection by `delta` events, staying within the stream.
    pub fn step(&self, delta: isize) {
        let shown = self.shown.selection.with_untracked(|s| s.pos);
        let pos = self.asked_position().or(shown);
        if let Some(target) = step_target(pos, delta, self.stream_len()) {
            self.select_position(target);
        }
    }
}

/// The colour class (`kind-N`) of the event type at this place among the log's types.
pub fn kind_colour(kind_index: usize) -> String {
    format!("kind-{}", kind_index % N_KIND_COLOURS)
}

/// How many bins the density strip draws a stream's events in.
pub const N_DENSITY_BINS: usize = 120;

/// The open source as the engine says it (`status`), asked again whenever the source changes;
/// the loader also writes each answer it gets while it loads, so that what it shows is never
/// behind the load.
fn status_of(engine: Engine) -> RwSignal<Option<Opened>> {
    let opened = RwSignal::new(None);
    let status = engine.answer_to(|| Some(Request::Status));
    Effect::new(move |_| {
        if let Some(answer) = status.get() {
            opened.set(match answer {
                Answer::Opened(answer) => Some(answer),
                _ => None,
            });
        }
    });
    opened
}

/// A link's `h=` speaks of the moment the link was made at: once the person moves away from it
/// (after the load is complete), the pin leaves the view, so that the address bar never pairs
/// a pin with another moment. A move is a change of the view's moment (its stream, version,
/// occurrence or time), which is what every move writes.
fn forget_pin_when_moved(view: RwSignal<ViewState>, complete: RwSignal<bool>) {
    type Moment = (Option<String>, Option<u64>, Option<u64>, Option<String>);
    let pinned_at: StoredValue<Option<Moment>> = StoredValue::new(None);
    Effect::new(move |_| {
        let moment = view.with(|v| (v.stream.clone(), v.version, v.dup, v.time.clone()));
        if !complete.get() || view.with_untracked(|v| v.pin.is_none()) {
            pinned_at.set_value(None);
            return;
        }
        match pinned_at.get_value() {
            None => pinned_at.set_value(Some(moment)),
            Some(at) if at != moment => view.update(|v| {
                v.pin = None;
                v.pin_marks = None;
            }),
            Some(_) => {}
        }
    });
}

/// The app context; panics outside the app, where no component can work anyway.
pub fn use_app() -> AppCtx {
    expect_context::<AppCtx>()
}
