//! The moment shown: the view resolved by the engine, its event as links name it, the state
//! then and at the comparison point, and what changed between them, asked for in one request
//! (`moment`) and shown together, never the cursor before its state. It is asked again whenever
//! the view or the engine's source changes. A move by position (a key, a click in the list)
//! asks for the event at that position and writes its version into the view; the view it writes
//! is the one that answer is for, so it is not asked for again.

use chronoscope_core::diff::{Difference, Op};
use chronoscope_core::link::ViewState;
use chronoscope_core::selection::Selection;
use chronoscope_protocol::{Answer, ChangeOp, Request};
use leptos::prelude::*;
use serde_json::Value;

use super::context::Cursor;
use super::engine::Engine;

/// What every panel shows of the selected moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Moment {
    pub selection: Selection,
    pub cursor: Option<Cursor>,
    pub compare_cursor: Option<Cursor>,
    /// How many events the stream shown has, as the engine said with the moment.
    pub n_events: usize,
    pub state: Value,
    pub compare_state: Value,
    pub changes: Vec<Difference>,
}

/// The moment shown, and what was last asked for it.
#[derive(Clone, Copy)]
pub struct Moments {
    pub shown: RwSignal<Moment>,
    /// Counts the requests for the moment: only the answer to the last one is shown.
    asked: StoredValue<u64>,
    /// The view (as a link) the moment shown answers, and the engine's source then
    /// (`Engine::generation`): a view that becomes that link again is not asked for again.
    answers: StoredValue<Option<(u64, String)>>,
}

impl Moments {
    /// The moment the view names, asked again whenever the view or the source changes.
    pub fn follow(engine: Engine, view: RwSignal<ViewState>) -> Moments {
        let moments = Moments {
            shown: RwSignal::new(Moment::default()),
            asked: StoredValue::new(0),
            answers: StoredValue::new(None),
        };
        Effect::new(move |_| {
            let generation = engine.generation.get();
            engine.in_worker.track();
            let link = view.with(ViewState::to_query);
            let answered = moments
                .answers
                .with_value(|answers| answers.as_ref() == Some(&(generation, link.clone())));
            if !answered {
                moments.ask(engine, link);
            }
        });
        moments
    }

    /// Asks for the moment a link names, and shows it unless another was asked for meanwhile.
    fn ask(self, engine: Engine, link: String) {
        let asked = self.next_ask();
        let answer = engine.ask_counted(Request::Moment { link, at: None });
        leptos::task::spawn_local(async move {
            let moment = match answer.await {
                Answer::Moment(moment) => moment_of(*moment),
                _ => Moment::default(),
            };
            if self.asked.try_get_value() == Some(asked) {
                self.shown.try_set(moment);
            }
        });
    }

    fn next_ask(self) -> u64 {
        self.asked.update_value(|n| *n += 1);
        self.asked.get_value()
    }

    /// Asks for the moment at position `pos` of the view's stream, and hands back how a view
    /// names it (its version, and which event with that version) for the caller to write;
    /// `None` when the engine could not say, or the stream shown has changed since. Where the
    /// view is still the one asked about, the moment is shown at once, and the view written
    /// with it is not asked for again.
    pub async fn move_to(
        self,
        engine: Engine,
        view: RwSignal<ViewState>,
        pos: usize,
    ) -> Option<(u64, Option<u64>)> {
        let asked_view = view.get_untracked();
        let stream = self.shown.with_untracked(|m| m.selection.stream.clone());
        let request = Request::Moment {
            link: asked_view.to_query(),
            at: Some(pos),
        };
        let Answer::Moment(answer) = engine.ask_counted(request).await else {
            return None;
        };
        let moment = moment_of(*answer);
        let cursor = moment.cursor?;
        let here = moment.selection.pos == Some(pos)
            && moment.selection.stream == stream
            && self
                .shown
                .try_with_untracked(|m| m.selection.stream == stream)?;
        if !here {
            return None;
        }
        let named = (
            cursor.version,
            (cursor.occurrence > 1).then_some(cursor.occurrence),
        );
        if view.try_with_untracked(|v| v == &asked_view)? {
            let mut moved = asked_view;
            write_moment(&mut moved, named);
            let generation = engine.generation.get_untracked();
            self.next_ask();
            self.answers.set_value(Some((generation, moved.to_query())));
            self.shown.set(moment);
        }
        Some(named)
    }
}

/// Writes a moment into a view as links name it: its version, and which event with that
/// version (the time it replaces no longer says which).
pub fn write_moment(view: &mut ViewState, (version, dup): (u64, Option<u64>)) {
    view.version = Some(version);
    view.dup = dup;
    view.time = None;
}

/// A moment as the engine answered it.
fn moment_of(answer: chronoscope_protocol::Moment) -> Moment {
    let selected = answer.selected;
    let cursor_of = |c: chronoscope_protocol::Cursor| Cursor {
        version: c.version,
        occurrence: c.occurrence,
        time: c.time,
    };
    Moment {
        selection: Selection {
            stream: selected.stream,
            pos: selected.pos,
            compare: selected.compare,
            compare_stream: selected.compare_stream,
            compare_pinned: selected.compare_pinned,
            notes: selected.notes,
        },
        cursor: selected.cursor.map(cursor_of),
        compare_cursor: selected.compare_cursor.map(cursor_of),
        n_events: selected.n_events,
        state: answer.state,
        compare_state: answer.compare_state,
        changes: answer.changes.into_iter().map(difference).collect(),
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
