//! Writes the bundled demo history and its projection into `demo/`.
fn main() -> std::io::Result<()> {
    use chronoscope_samples::demo::{demo_ndjson, demo_projection};
    std::fs::write("demo/cambium-demo.ndjson", demo_ndjson())?;
    std::fs::write("demo/cambium.projection.json", demo_projection())?;
    println!("wrote demo/cambium-demo.ndjson and demo/cambium.projection.json");
    Ok(())
}
