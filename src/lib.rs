//! Chronoscope: a time-travel inspector for event-sourced systems.
//!
//! `core` is pure Rust (decoding, ingest, replay, snapshots, diff, deep links) and builds
//! natively with `--no-default-features`; `ui` is the Leptos glue that puts it in a browser;
//! `samples` writes the bundled demo and the benchmark data, which are sample data, not the
//! domain.
#![forbid(unsafe_code)]

pub mod core;
pub mod samples;
#[cfg(feature = "ui")]
pub mod ui;
