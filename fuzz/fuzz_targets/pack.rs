//! Fuzz target: `pack` in `crates/core/tests/suite/fuzz_harness`, fed any bytes.
#![no_main]

#[path = "../../crates/core/tests/suite/fuzz_harness/mod.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::pack(data));
