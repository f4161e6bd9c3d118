//! Where the summary index's memory goes: builds the index of N generated workflows (the scale
//! benchmark's documents) in this process, under an allocator that counts live bytes, then
//! takes it apart piece by piece and reports what each piece held. The figures are requested
//! bytes (the allocator's own rounding and retained pages come on top, as RSS shows).
//!
//! `cargo run --release -p server --example index_memory -- 200000`

use std::alloc::System;

use cap::Cap;
use server::demo::scale::{workflow, Shape};
use server::index::{Record, State};

#[global_allocator]
static ALLOC: Cap<System> = Cap::new(System, usize::MAX);

fn live() -> isize {
    ALLOC.allocated() as isize
}

fn mb(bytes: isize) -> String {
    format!("{:7.1} MB", bytes as f64 / 1e6)
}

/// Drops what `take` hands back and reports the bytes that freed.
fn part<T>(label: &str, n: usize, take: impl FnOnce() -> T) {
    let before = live();
    drop(take());
    let freed = before - live();
    println!("{label:<40} {}  {:6.0} B/workflow", mb(freed), freed as f64 / n as f64);
}

/// What the records' own allocations add up to, by field.
fn record_parts(table: &[Option<std::sync::Arc<Record>>], n: usize) {
    use std::mem::size_of;
    let mut parts = [0usize; 5];
    let mut stored = 0;
    for r in table.iter().flatten() {
        parts[0] += size_of::<Record>() + 16;
        let kept = r.rare.as_ref().and_then(|r| r.view_keys.as_deref());
        parts[1] += kept.map_or(0, size_of_val);
        stored += usize::from(kept.is_some());
        parts[2] += size_of_val(&*r.datasets);
        parts[3] += r.datasets.iter().map(|d| d.points.len()).sum::<usize>();
        parts[4] += r.transitions.len() + size_of_val(&*r.campaigns) + size_of_val(&*r.requests);
    }
    let labels = [
        "  record structs",
        "  view keys (stored when not derivable)",
        "  dataset summaries",
        "  packed points",
        "  transitions, campaigns, requests",
    ];
    for (label, bytes) in labels.iter().zip(parts) {
        println!("{label:<40} {}  {:6.0} B/workflow", mb(bytes as isize), bytes as f64 / n as f64);
    }
    println!("  records keeping their view keys: {stored}");
}

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).unwrap_or_else(|| "200000".into()).parse()?;
    let shape = Shape { now: server::now(), ..Shape::default() };
    let base = live();
    let mut state = State::building();
    state.forget_changes_before(server::index::horizon_at(shape.now));
    for i in 0..n {
        state.upsert(workflow(i, 1, shape));
    }
    state.finish_build();
    let total = live() - base;
    println!("{n} workflows: the index holds {} ({:.0} B/workflow)", mb(total), total as f64 / n as f64);
    let mut parts = state.into_parts();
    part("pre-summed aggregates", n, || std::mem::take(&mut parts.sums));
    part("stalled set", n, || std::mem::take(&mut parts.stalls));
    part("dated changes (what changed since)", n, || std::mem::take(&mut parts.timeline));
    part("postings (lists and their maps)", n, || std::mem::take(&mut parts.postings));
    part("the id map and the id order", n, || std::mem::take(&mut parts.ids));
    let table = std::mem::take(&mut parts.table);
    record_parts(&table, n);
    part("records and the slot table", n, || table);
    part("the shared texts and their table", n, || parts);
    Ok(())
}
