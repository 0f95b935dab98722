//! The trail of one business transaction across streams (`trail=1`): every event that shares the
//! selected event's correlation id, in time order, drawn as a tree by causation (an event's
//! causation id names the event that caused it), for questions such as *what else happened
//! because of this approval?*
//!
//! Where the ids are is configurable (`TrailPointers`, in a projection's `trail`); by default
//! the correlation id is the first of `meta.correlation_id` (where the Marten, KurrentDB and
//! CloudEvents readers and a mapping's `correlation` put it), `meta.correlationId`,
//! `meta.traceId` and `meta.cid` (django-auditlog), and the causation id the first of
//! `meta.causation_id` and `meta.causationId`. Axon's metadata names these differently: its
//! `traceId` is the correlation and its `correlationId` the cause, so Axon sources read them so.

use serde_json::Value;

use crate::decode::Format;
use crate::event::Event;
use crate::event_query::has_escapes;
pub use crate::projection::TrailPointers;
use crate::projection::{Projection, ProjectionError};
use crate::timeline::Timeline;

/// The pointers a trail uses: the projection's `trail`, else the defaults for the format.
pub fn trail_pointers(projection: Option<&Projection>, format: Format) -> TrailPointers {
    projection
        .and_then(|p| p.trail.clone())
        .unwrap_or_else(|| TrailPointers::for_format(format))
}

impl TrailPointers {
    /// The pointers for a format, where it has no configured ones.
    pub fn for_format(format: Format) -> Self {
        let list = |pointers: &[&str]| pointers.iter().map(|p| p.to_string()).collect();
        match format {
            Format::Axon => TrailPointers {
                correlation: list(&["/meta/traceId"]),
                causation: list(&["/meta/correlationId"]),
            },
            _ => TrailPointers {
                correlation: list(&[
                    "/meta/correlation_id",
                    "/meta/correlationId",
                    "/meta/traceId",
                    "/meta/cid",
                ]),
                causation: list(&["/meta/causation_id", "/meta/causationId"]),
            },
        }
    }

    /// Refuses pointers that do not start with `/meta/` or `/data/`, naming the pointer.
    pub fn check(&self) -> Result<(), ProjectionError> {
        let bad = self
            .correlation
            .iter()
            .chain(&self.causation)
            .find(|p| !(p.starts_with("/meta/") || p.starts_with("/data/")));
        match bad {
            Some(pointer) => Err(ProjectionError::TrailPointer {
                pointer: pointer.clone(),
            }),
            None if self.correlation.is_empty() => Err(ProjectionError::TrailWithoutCorrelation),
            None => Ok(()),
        }
    }

    fn correlation_of(&self, event: &Event) -> Option<String> {
        first_id(event, &self.correlation)
    }

    fn causation_of(&self, event: &Event) -> Option<String> {
        first_id(event, &self.causation)
    }
}

/// The id at the first pointer that has one: a string as it is, a number as written.
fn first_id(event: &Event, pointers: &[String]) -> Option<String> {
    pointers.iter().find_map(|pointer| {
        let found = match pointer.strip_prefix("/meta") {
            Some(rest) => {
                let (key, rest) = split_first_token(rest);
                event.meta.get(&key).and_then(|v| v.pointer(rest))
            }
            None => event
                .data
                .pointer(pointer.strip_prefix("/data").unwrap_or(pointer)),
        };
        match found? {
            Value::String(id) if !id.is_empty() => Some(id.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    })
}

/// `/a/b/c` → (`a`, `/b/c`), the first token unescaped.
fn split_first_token(pointer: &str) -> (String, &str) {
    let pointer = pointer.strip_prefix('/').unwrap_or(pointer);
    let (first, rest) = match pointer.find('/') {
        Some(at) => (&pointer[..at], &pointer[at..]),
        None => (pointer, ""),
    };
    (first.replace("~1", "/").replace("~0", "~"), rest)
}

/// The trail of one event.
#[derive(Clone, Debug, PartialEq)]
pub enum Trail {
    /// The event carries no correlation id at any of the pointers (listed, for the page to say).
    NoCorrelation { looked_at: Vec<String> },
    /// The events that share its correlation id, in tree order.
    Found {
        correlation: String,
        entries: Vec<TrailEntry>,
    },
}

/// One event of a trail.
#[derive(Clone, Debug, PartialEq)]
pub struct TrailEntry {
    pub log_idx: usize,
    /// How deep it is in the causation tree: 0 for an event whose cause is not in the trail.
    pub depth: usize,
    /// The entry (by index in the trail) that caused it, if that is in the trail.
    pub caused_by: Option<usize>,
}

/// The trail of the event at `log_idx`. Events are found by their stored text first (the id
/// must be in it, as written or `\u`-escaped), and only those are read back whole.
pub fn trail_of(timeline: &Timeline, log_idx: usize, pointers: &TrailPointers) -> Trail {
    let Some(correlation) = pointers.correlation_of(&timeline.event(log_idx)) else {
        return Trail::NoCorrelation {
            looked_at: pointers.correlation.clone(),
        };
    };
    let members: Vec<(usize, Event)> = (0..timeline.len())
        .filter(|&idx| {
            let text = timeline.stored_text(idx);
            text.contains(correlation.as_str()) || has_escapes(text)
        })
        .map(|idx| (idx, timeline.event(idx)))
        .filter(|(_, event)| pointers.correlation_of(event).as_deref() == Some(&correlation))
        .collect();
    let entries = causation_tree(&members, pointers);
    Trail::Found {
        correlation,
        entries,
    }
}

/// The members in tree order: roots (events whose cause is not among them) in time order, each
/// followed by what it caused, depth first, children in time order.
fn causation_tree(members: &[(usize, Event)], pointers: &TrailPointers) -> Vec<TrailEntry> {
    let order = in_time_order(members);
    let by_id: rustc_hash::FxHashMap<&str, usize> = order
        .iter()
        .rev()
        .filter_map(|&k| Some((members[k].1.id.as_deref()?, k)))
        .collect();
    let parents: Vec<Option<usize>> = (0..members.len())
        .map(|k| {
            let cause = pointers.causation_of(&members[k].1)?;
            by_id.get(cause.as_str()).copied().filter(|&p| p != k)
        })
        .collect();
    let mut children = vec![Vec::new(); members.len()];
    for &k in &order {
        if let Some(parent) = parents[k] {
            children[parent].push(k);
        }
    }
    let mut tree = Tree {
        children,
        placed: vec![false; members.len()],
        entries: Vec::with_capacity(members.len()),
    };
    // Roots first; an event caught in a causation cycle is placed as a root when reached.
    for &k in &order {
        if parents[k].is_none() {
            tree.place(k, members);
        }
    }
    for &k in &order {
        tree.place(k, members);
    }
    tree.entries
}

/// The causation tree as it is laid out.
struct Tree {
    /// Per member, the members it caused, in time order.
    children: Vec<Vec<usize>>,
    placed: Vec<bool>,
    entries: Vec<TrailEntry>,
}

impl Tree {
    /// Places a member, unless placed already, and below it everything it caused. An explicit
    /// stack rather than recursion: a chain of causes can be as long as the log.
    fn place(&mut self, root: usize, members: &[(usize, Event)]) {
        let mut stack = vec![(root, None, 0)];
        while let Some((k, caused_by, depth)) = stack.pop() {
            if std::mem::replace(&mut self.placed[k], true) {
                continue;
            }
            let here = self.entries.len();
            self.entries.push(TrailEntry {
                log_idx: members[k].0,
                depth,
                caused_by,
            });
            // Pushed in reverse, so that they come off the stack in time order.
            for &child in self.children[k].iter().rev() {
                stack.push((child, Some(here), depth + 1));
            }
        }
    }
}

/// The members' indexes in time order, ties in log order.
fn in_time_order(members: &[(usize, Event)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&i| (members[i].1.time, members[i].1.seq));
    order
}
