//! The pure core of Chronoscope.
//!
//! **Invariant: `core` knows nothing about the browser.** It has no Leptos, no web-sys and no I/O,
//! so `cargo test --no-default-features` builds and tests all of it natively, and it can be
//! benchmarked without a browser. Everything that decides anything lives here; the browser side
//! only moves bytes and renders.
//!
//! Data flows one way. Every source goes through `ingest`, the step machine that cuts bytes into
//! lines, chooses the format, has records decoded (`decode`) into canonical events (`event`),
//! upcasts them (`projection`), and indexes and folds them (`reduce`) into the `timeline` with
//! its snapshots. A deep link (`link`) is resolved against the timeline (`selection`); two states
//! are compared (`diff`), and one field is followed through every moment (`blame`); `origin`
//! says where sources live and where a credential may go; `view` holds what the page shows
//! without a browser (summary lines, the stream shortlist, moving the selection, the event
//! list's geometry); `embed` is the contract with a page that embeds the panel; `table` is every stream as of one moment, and `query` the state query that picks them;
//! `waiting` says how long a server is waited for, and when a load is tried again; `engine`
//! answers the panel's requests of the engine protocol (`chronoscope-protocol`) by calling the rest.

pub mod blame;
pub mod decode;
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
pub mod problem;
pub mod projection;
pub mod query;
pub mod reduce;
pub mod selection;
pub mod stored_zip;
pub mod table;
pub mod time;
pub mod timeline;
pub mod trail;
pub mod view;
pub mod waiting;
