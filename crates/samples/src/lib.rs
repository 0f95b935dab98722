//! Sample data, not the domain: the bundled Cambium-like demo (`demo`) and the benchmark's
//! deterministic events (`bench_data`). Both are written by binaries (`gen-demo`, `gen-bench`)
//! and read back by tests; the app only ever sees their files.

pub mod bench_data;
pub mod demo;
