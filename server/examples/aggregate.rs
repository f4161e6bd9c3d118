//! Time of the aggregate query (issue "plots") for a filter matching 5,000 workflows: the
//! embedded store filled with 5,000 demo workflows, then the aggregate server function's work
//! (read every matching document, add up the histories per datatier and day).
//! Run: `cargo run --release -p server --example aggregate`.

use std::sync::Arc;
use std::time::Instant;

use app::filter::Filter;
use app::model::Workflow;
use server::store::{sqlite::SqliteStore, Db, SharedStore};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("a.sqlite"))?);
    store.init().await?;
    let now = 1_764_000_000;
    let docs = server::demo::seed::generate(5000, now);
    for chunk in docs.chunks(500) {
        for r in store.bulk_put(Db::Requests, chunk).await? {
            r?;
        }
    }
    let entries: usize = docs.iter().map(|d| d["EventNumberHistory"].as_array().map_or(0, Vec::len)).sum();
    for round in 0..3 {
        let t = Instant::now();
        let matched = server::listing::matching_docs(&*store, &Filter::default()).await?;
        let read = t.elapsed();
        let workflows: Vec<Workflow> = matched.into_iter().filter_map(|d| Workflow::from_value(d).ok()).collect();
        let view = app::history::aggregate_view("all", &workflows, 86_400, now);
        println!(
            "round {round}: {} workflows ({entries} history entries): read {:?}, total {:?}, {} tiers x {} daily buckets",
            workflows.len(),
            read,
            t.elapsed(),
            view.series.len(),
            view.series.first().map_or(0, |s| s.points.len())
        );
    }
    Ok(())
}
