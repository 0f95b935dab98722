//! Writes synthetic benchmark events as NDJSON: `gen-bench N > events.ndjson` spreads N events
//! over N / 50 streams; `gen-bench N --one-stream` puts them all in one stream; `gen-bench N
//! --esdb` writes EventSourcingDB backup lines with a hash chain; `gen-bench N --many-streams`
//! writes N streams of one event each.
use std::io::Write;

use chronoscope_samples::bench_data::{
    bench_ndjson, esdb_ndjson, long_stream_ndjson, many_streams_ndjson,
};

fn main() -> std::io::Result<()> {
    let n_events: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let text = if std::env::args().any(|arg| arg == "--one-stream") {
        long_stream_ndjson(n_events)
    } else if std::env::args().any(|arg| arg == "--many-streams") {
        many_streams_ndjson(n_events)
    } else if std::env::args().any(|arg| arg == "--esdb") {
        esdb_ndjson(n_events)
    } else {
        bench_ndjson(n_events)
    };
    std::io::stdout().write_all(text.as_bytes())
}
