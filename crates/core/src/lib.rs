//! The pure core of Chronoscope.
//!
//! **Invariant: `core` knows nothing about the browser.** It has no Leptos, no web-sys and no I/O,
//! so `cargo test --no-default-features` builds and tests all of it natively, and it can be
//! benchmarked without a browser. Everything that decides anything lives here; the browser side
//! only moves bytes and renders.
//!
//! Its modules stand in layers, each importing only from its own and those below, never in a
//! loop (`tests/layers.rs` checks both): **foundations** (`event`, `patch`, `depth`, `diff`,
//! `problem`, `time`, `number`, `origin`, `waiting`, `csv_out`, `stored_zip`); **reading** what
//! comes in (`decode`, `link`, `projection`); **replay** (`reduce`, `timeline`, `ingest`, the
//! one way in for events whatever the source, and `follow`); **the auditor's questions**
//! (`blame`, `query`, `event_query`, `trail`, `table`, `selection`, and `view`, what the page
//! shows without a browser); **contracts with the outside** (`export`, `integrity`,
//! `evidence`, `embed`); and **the protocol**: `engine` answers the panel's requests of the
//! engine protocol (`chronoscope-protocol`) by calling the rest.

pub mod blame;
pub mod cores;
pub mod csv_out;
pub mod decode;
pub mod depth;
pub mod diff;
pub mod embed;
pub mod engine;
pub mod event;
pub mod event_query;
pub mod evidence;
pub mod export;
pub mod follow;
pub mod ingest;
pub mod integrity;
pub mod link;
pub mod number;
pub mod origin;
pub mod patch;
pub mod problem;
pub mod projection;
pub mod query;
pub mod reduce;
pub mod selection;
pub mod source_text;
pub mod stored_zip;
pub mod table;
pub mod time;
pub mod timeline;
pub mod trail;
pub mod view;
pub mod waiting;
