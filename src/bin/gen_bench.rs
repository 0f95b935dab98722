//! Writes synthetic benchmark events as NDJSON: `gen-bench N > events.ndjson`.
use std::io::Write;

fn main() -> std::io::Result<()> {
    let n_events: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    std::io::stdout().write_all(chronoscope::core::bench_data::bench_ndjson(n_events).as_bytes())
}
