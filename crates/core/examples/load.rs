//! Loads a source file through the engine protocol as the worker does (`begin`, `feed` in
//! pieces, `finish`), then folds everything and checks it, and prints how long each phase took:
//! the native profile of a load (`perf record cargo run --release --example load -- FILE`).

use std::time::Instant;

use chronoscope_core::engine::Engine;
use chronoscope_protocol::{Envelope, Request};

const PIECE: usize = 1 << 20;

fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/bench-data/events-1000000.ndjson".into());
    let bytes = std::fs::read(&path)?;
    let start = Instant::now();
    let mut engine = Engine::new();
    engine.handle(Request::begin_local(path.clone(), String::new(), vec![]));
    // Each answer written as the worker writes it, as JSON text.
    let mut answered = 0;
    for piece in bytes.chunks(PIECE) {
        let answer = engine.answer_attached(Envelope::new(1, Request::Feed), piece.len(), |into| {
            into.copy_from_slice(piece)
        });
        answered += serde_json::to_string(&answer).map_or(0, |text| text.len());
    }
    engine.handle(Request::Finish);
    let read = start.elapsed();
    println!("answers to the pieces: {answered} bytes of JSON");
    if std::env::var_os("ONLY_READ").is_some() {
        println!("read {read:?}");
        return Ok(());
    }
    while engine.work(usize::MAX) {}
    let folded = start.elapsed();
    engine.handle(Request::Integrity);
    let checked = start.elapsed();
    println!("read {read:?}, folded {folded:?}, checked {checked:?}");
    Ok(())
}
