//! Writes N generated workflows as NDJSON on stdout, for `stats2 db import` (the scale
//! benchmark): `cargo run --release -p server --example gen_workflows -- 200000 [SEED]`.

use std::io::Write;

use server::demo::scale::{workflow, Shape};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().unwrap_or_else(|| "2000".into()).parse()?;
    let seed: u64 = args.next().unwrap_or_else(|| "1".into()).parse()?;
    // Histories end now, so "stalled" means what it will mean in production.
    let shape = Shape { now: server::now(), ..Shape::default() };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for i in 0..n {
        serde_json::to_writer(&mut out, &workflow(i, seed, shape))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
