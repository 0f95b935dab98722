//! Chronoscope: a time-travel inspector for event-sourced systems.
//!
//! `core` is pure Rust (decoding, replay, snapshots, diff, deep links) and builds natively with
//! `--no-default-features`; `ui` is the Leptos glue that puts it in a browser.
#![forbid(unsafe_code)]

pub mod core;
#[cfg(feature = "ui")]
pub mod ui;
