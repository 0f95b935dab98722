//! Writes the bundled demo history to `demo/cambium-demo.ndjson`.
fn main() -> std::io::Result<()> {
    let path = "demo/cambium-demo.ndjson";
    std::fs::write(path, chronoscope::core::demo::demo_ndjson())?;
    println!("wrote {path}");
    Ok(())
}
