//! The pure core of Chronoscope.
//!
//! **Invariant: `core` knows nothing about the browser.** It has no Leptos, no web-sys and no I/O,
//! so `cargo test --no-default-features` builds and tests all of it natively, and it can be
//! benchmarked without a browser. Data flows one way: bytes are split into records and decoded
//! (`decode`) into canonical events (`event`), folded into state (`reduce`) and indexed with
//! snapshots (`timeline`); two states are compared (`diff`); the view a person is looking at is
//! encoded in a URL (`link`). The bundled demo history comes from `demo`, and the geometry of
//! the virtualized event list from `list_window`.

pub mod bench_data;
pub mod decode;
pub mod demo;
pub mod diff;
pub mod event;
pub mod ingest;
pub mod link;
pub mod list_window;
pub mod origin;
pub mod projection;
pub mod reduce;
pub mod selection;
pub mod time;
pub mod timeline;
