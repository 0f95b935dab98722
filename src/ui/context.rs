//! The app-wide context: the view state (the deep link), the loaded data, and memos over them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde_json::Value;

use super::clipboard::copier;
use super::engine::Engine;
use chronoscope_core::decode::{Detection, Problem};
use chronoscope_core::diff::{Difference, Op};
use chronoscope_core::follow::FollowStatus;
use chronoscope_core::ingest::{Ingest, KeptSource};
use chronoscope_core::integrity::Report;
use chronoscope_core::link::ViewState;
use chronoscope_core::origin::{Credential, HostHeaders};
use chronoscope_core::selection::Selection;
use chronoscope_core::timeline::Timeline;
use chronoscope_core::view::moves::step_target;
pub use chronoscope_core::view::text::Progress;
use chronoscope_protocol::{Answer, ChangeOp, Opened, PinCheck, Request, StreamInfo};

/// How many colours event types cycle through (see `--kind-N` in the style sheet).
pub const N_KIND_COLOURS: usize = 12;

/// The markers that, with the colours, tell apart more types than there are colours: the first
/// twelve types are circles, the next twelve triangles, and so on.
const KIND_MARKERS: [&str; 4] = ["●", "▲", "■", "◆"];

/// Data loaded from one source.
#[derive(Debug)]
pub struct Loaded {
    pub timeline: Timeline,
    /// Problems found while decoding (replay problems live in the timeline).
    pub problems: Vec<Problem>,
    pub detection: Detection,
    /// Where the data came from, for people: a URL, a file name, "pasted text".
    pub label: String,
    /// The projection document the timeline replays with, as written.
    pub projection_text: Option<String>,
    /// False for a preview of a source still arriving.
    pub complete: bool,
    /// True when this is the same source with live events added (`ui::embed`'s `append`).
    pub appended: bool,
}

/// An evidence pack the data was opened from, and what checking its files found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackInfo {
    pub name: String,
    pub n_files: usize,
    /// Each file that was changed, removed or added since the pack was made, in words.
    pub tampered: Vec<String>,
    /// The state the pack's `state.json` holds, compared with the replay once it is loaded.
    pub state: Option<Value>,
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
    pub loaded: RwSignal<Option<Arc<Loaded>>>,
    pub progress: RwSignal<Option<Progress>>,
    /// Problems that are not the data's: a failed fetch, a link parameter that was ignored.
    pub source_problems: RwSignal<Vec<Problem>>,
    /// The other sites a deep link would fetch from, while the person is asked whether to.
    pub ask_to_fetch: RwSignal<Option<Vec<String>>>,
    /// The local file a deep link needs before it can be shown, if any.
    pub needs_file: RwSignal<Option<String>>,
    /// The evidence pack the data came from, if it did.
    pub pack: RwSignal<Option<PackInfo>>,
    /// The integrity report of the loaded data, once its checks have run (they run after the
    /// load, a slice at a time).
    pub report: RwSignal<Option<Arc<Report>>>,
    /// What checking the link's `h=` against the loaded data found, while the view is still at
    /// the link's moment.
    pub link_check: Memo<Option<PinCheck>>,
    pub selection: Memo<Selection>,
    /// Where the panels' requests go (`ui::engine`).
    pub engine: Engine,
    /// The comparison point's version, for people; `None` before the stream's first event.
    pub compare_version: Memo<Option<u64>>,
    /// The loaded source as the engine has it: its counts, its format and its problems.
    pub opened: Memo<Option<Opened>>,
    /// The selected stream as the timeline draws it: its types, its span, its density.
    pub stream_info: Memo<Option<StreamInfo>>,
    /// The selected stream alone: what depends only on the stream (its density, its event types,
    /// the list's rows) is not redone when only the moment moves.
    pub stream: Memo<Option<String>>,
    /// The selected event's version and time, read once from the index for every panel that
    /// shows or links to it; `None` before the stream's first event.
    pub cursor: Memo<Option<Cursor>>,
    /// The event types of the selected stream, in order of first appearance in the log; an
    /// event type's colour is its index here, so colours are distinct within a stream.
    pub stream_kinds: Memo<Vec<String>>,
    pub state: Memo<Value>,
    pub compare_state: Memo<Value>,
    pub changes: Memo<Vec<Difference>>,
    pub playing: RwSignal<bool>,
    /// True for a moment after the link was copied, by the button or by `c`: once the browser
    /// has taken the text, never where it refuses.
    pub link_copied: Signal<bool>,
    /// Copies a link to the clipboard (`clipboard::copier`).
    pub copy_to_clipboard: Callback<String>,
    /// A credential typed by the user, for the origin it was typed for. Kept in memory only:
    /// never in the URL, never in storage, never sent to another origin.
    pub credential: RwSignal<Credential>,
    /// The text of a local file or paste, kept so that choosing another format can re-read it.
    pub local_text: StoredValue<Option<KeptSource>>,
    /// The identity of the latest load; an older load that is still running stops, and shows
    /// nothing.
    pub load_id: StoredValue<u64>,
    /// True in a panel that a host page drives (`ui::embed`): each load then keeps its ingest
    /// open in `live`, for the host's `append`.
    pub keeps_live: StoredValue<bool>,
    pub live: StoredValue<Option<Ingest>>,
    /// Whether the selection moves to each new head when live events arrive.
    pub follow: RwSignal<bool>,
    /// Headers the host sent for its source's origin; in memory only, never in a link.
    pub host_headers: StoredValue<Option<HostHeaders>>,
    /// A download that broke off (or a feed page that failed), held so that *Retry* reads on
    /// from where it stopped; `can_retry` says one is held.
    pub resumable: StoredValue<Option<Ingest>>,
    pub can_retry: RwSignal<bool>,
    /// The seconds left before a load that a server asked to wait (`Retry-After`) is tried
    /// again by itself, and how many times it was tried so (`core::waiting`).
    pub retry_in: RwSignal<Option<u64>>,
    pub auto_retries: StoredValue<u32>,
    /// Where following the source stands (`ui::follow`).
    pub follow_status: RwSignal<FollowStatus>,
    /// True while *Pause* holds new events back.
    pub follow_paused: RwSignal<bool>,
    /// New events of the selected stream since the moment shown was pinned.
    pub n_new: RwSignal<usize>,
}

impl AppCtx {
    /// Creates the context in the current reactive owner.
    pub fn new(view: ViewState) -> AppCtx {
        let view = RwSignal::new(view);
        let loaded: RwSignal<Option<Arc<Loaded>>> = RwSignal::new(None);
        let report = RwSignal::new(None);
        let engine = Engine::new(loaded, report);
        let selection = selection_of(engine, view);
        let stream = Memo::new(move |_| selection.with(|s| s.selection.stream.clone()));
        let cursor = Memo::new(move |_| selection.with(|s| s.cursor));
        let compare_version = Memo::new(move |_| selection.with(|s| s.compare_version));
        let selection = Memo::new(move |_| selection.with(|s| s.selection.clone()));
        let opened = engine.answer_memo(
            || Some(Request::Status),
            |answer| match answer {
                Answer::Opened(opened) => Some(opened),
                _ => None,
            },
        );
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
        let state_at = move |pos: fn(&Selection) -> Option<usize>| {
            engine.answer_memo(
                move || {
                    let (stream, pos) = selection.with(|s| (s.stream.clone(), pos(s)));
                    Some(Request::State {
                        stream: stream?,
                        pos,
                    })
                },
                |answer| match answer {
                    Answer::State { state } => Some(state),
                    _ => None,
                },
            )
        };
        let state = state_at(|s| s.pos);
        let compare_state = state_at(|s| s.compare);
        let state = Memo::new(move |_| state.get().unwrap_or(Value::Null));
        let compare_state = Memo::new(move |_| compare_state.get().unwrap_or(Value::Null));
        let link_copier = copier();
        // Checked once the load is complete: a link's pin speaks of the whole stream up to its
        // moment.
        let link_check = engine.answer_memo(
            move || {
                let complete = loaded.with(|l| l.as_ref().is_some_and(|l| l.complete));
                let link = view.with(|v| v.pin.is_some().then(|| v.to_query()))?;
                complete.then_some(Request::CheckPin { link })
            },
            |answer| match answer {
                Answer::PinChecked { check } => check,
                _ => None,
            },
        );
        forget_pin_when_moved(view, loaded);
        let changes = engine.answer_memo(
            move || {
                let (stream, from, to) = selection.with(|s| (s.stream.clone(), s.compare, s.pos));
                Some(Request::Diff {
                    stream: stream?,
                    from,
                    to,
                })
            },
            |answer| match answer {
                Answer::Diff { changes } => Some(changes.into_iter().map(difference).collect()),
                _ => None,
            },
        );
        let changes = Memo::new(move |_| changes.get().unwrap_or_default());
        AppCtx {
            view,
            loaded,
            engine,
            opened,
            stream_info,
            compare_version,
            progress: RwSignal::new(None),
            source_problems: RwSignal::new(Vec::new()),
            needs_file: RwSignal::new(None),
            ask_to_fetch: RwSignal::new(None),
            pack: RwSignal::new(None),
            report,
            link_check,
            selection,
            stream,
            cursor,
            stream_kinds,
            state,
            compare_state,
            changes,
            playing: RwSignal::new(false),
            link_copied: link_copier.copied,
            copy_to_clipboard: link_copier.copy,
            credential: RwSignal::new(Credential::default()),
            local_text: StoredValue::new(None),
            load_id: StoredValue::new(0),
            keeps_live: StoredValue::new(false),
            live: StoredValue::new(None),
            follow: RwSignal::new(false),
            host_headers: StoredValue::new(None),
            resumable: StoredValue::new(None),
            can_retry: RwSignal::new(false),
            retry_in: RwSignal::new(None),
            auto_retries: StoredValue::new(0),
            follow_status: RwSignal::new(FollowStatus::default()),
            follow_paused: RwSignal::new(false),
            n_new: RwSignal::new(0),
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

    /// The number of events in the selected stream.
    pub fn stream_len(&self) -> usize {
        self.stream_info
            .with(|info| info.as_ref().map_or(0, |info| info.n_events))
    }

    /// Selects the state after the event at `pos` of the selected stream: the engine says which
    /// event that is, as links name it (its version, and which event with that version).
    pub fn select_position(&self, pos: usize) {
        let Some(stream) = self.stream.get_untracked() else {
            return;
        };
        let ctx = *self;
        leptos::task::spawn_local(async move {
            let request = Request::Events {
                stream: stream.clone(),
                from: pos,
                len: 1,
                filter: None,
                find: None,
            };
            if let Answer::Events { rows, .. } = ctx.engine.ask(request).await {
                // Only where the stream is still the one shown.
                let here = ctx
                    .stream
                    .with_untracked(|s| s.as_deref() == Some(stream.as_str()));
                if let Some(row) = rows.first().filter(|_| here) {
                    ctx.view.update(|view| {
                        view.version = Some(row.version);
                        view.dup = (row.occurrence > 1).then_some(row.occurrence);
                        view.time = None;
                    });
                }
            }
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

    /// Moves the selection by `delta` events, staying within the stream.
    pub fn step(&self, delta: isize) {
        let pos = self.selection.with_untracked(|s| s.pos);
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

/// The view resolved by the engine (`select`): the selection, and its event as links name it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Resolved {
    selection: Selection,
    cursor: Option<Cursor>,
    compare_version: Option<u64>,
}

/// The view as the engine resolves it against the loaded source, asked again whenever the view
/// or the source changes.
fn selection_of(engine: Engine, view: RwSignal<ViewState>) -> Memo<Resolved> {
    let resolved = engine.answer_memo(
        move || {
            let link = view.with(ViewState::to_query);
            Some(Request::Select { link })
        },
        |answer| match answer {
            Answer::Selected(selected) => Some(resolved(selected)),
            _ => None,
        },
    );
    Memo::new(move |_| resolved.get().unwrap_or_default())
}

fn resolved(selected: chronoscope_protocol::Selected) -> Resolved {
    let cursor = selected.cursor.map(|c| Cursor {
        version: c.version,
        occurrence: c.occurrence,
        time: c.time,
    });
    Resolved {
        selection: Selection {
            stream: selected.stream,
            pos: selected.pos,
            compare: selected.compare,
            compare_pinned: selected.compare_pinned,
            notes: selected.notes,
        },
        cursor,
        compare_version: selected.compare_version,
    }
}

/// A change as the change list shows it.
fn difference(change: chronoscope_protocol::Change) -> Difference {
    Difference {
        op: match change.op {
            ChangeOp::Add => Op::Add,
            ChangeOp::Remove => Op::Remove,
            ChangeOp::Replace => Op::Replace,
            ChangeOp::Move => Op::Move,
        },
        path: change.path,
        from: change.from,
        before: change.before,
        after: change.after,
    }
}

/// A link's `h=` speaks of the moment the link was made at: once the person moves away from it
/// (after the load is complete), the pin leaves the view, so that the address bar never pairs
/// a pin with another moment. A move is a change of the view's moment (its stream, version,
/// occurrence or time), which is what every move writes.
fn forget_pin_when_moved(view: RwSignal<ViewState>, loaded: RwSignal<Option<Arc<Loaded>>>) {
    type Moment = (Option<String>, Option<u64>, Option<u64>, Option<String>);
    let pinned_at: StoredValue<Option<Moment>> = StoredValue::new(None);
    Effect::new(move |_| {
        let moment = view.with(|v| (v.stream.clone(), v.version, v.dup, v.time.clone()));
        let complete = loaded.with(|l| l.as_ref().is_some_and(|l| l.complete));
        if !complete || view.with_untracked(|v| v.pin.is_none()) {
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
