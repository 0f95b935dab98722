//! `chronoscope-engine`: the engine as a native process. It reads one request of the engine
//! protocol per line on standard input (the JSON the panel sends a worker) and writes one
//! answer per line on standard output, so that the same requests the browser's engine answers
//! can be asked of files and memory larger than a browser allows. A line that is not a request
//! is answered with a refusal that says where reading it stopped; the process goes on. An answer
//! with bytes beside it (a file: an export or an evidence pack, sent without its text) is followed by one more line,
//! `{"attached_base64": "…"}`, the bytes in standard base64. After each answer it folds what is
//! left of the source before it reads the next request.

use std::io::{self, BufRead, Write};

use base64::Engine as _;
use chronoscope_core::engine::Engine;

fn main() -> io::Result<()> {
    let mut engine = Engine::new();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    for line in io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        writeln!(out, "{}", engine.answer_json(&line))?;
        if let Some(bytes) = engine.take_attachment() {
            let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
            writeln!(out, "{}", serde_json::json!({ "attached_base64": encoded }))?;
        }
        out.flush()?;
        while engine.work(usize::MAX) {}
    }
    Ok(())
}
