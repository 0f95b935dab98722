//! Chronoscope's web app: the Leptos panel (`ui`) that puts the engine in a browser.
//!
//! The engine is the `chronoscope-core` crate (`crates/core`): pure Rust, built and tested
//! natively, with nothing of the browser. The sample data (the bundled demo and the benchmark's
//! events) is `chronoscope-samples` (`crates/samples`). This crate builds for wasm32 only.
#![forbid(unsafe_code)]

pub mod ui;
