//! Payload of one dashboard page (issue "dashboard"): the compact rows `list_workflows` sends
//! for 100 demo workflows against the 100 full documents, in bytes (raw and gzip) and in time
//! to build and serialise. Run: `cargo run --release -p server --example payload`.

use std::io::Write;
use std::time::Instant;

use app::model::Workflow;
use app::present::workflow_row;
use app::rows::WorkflowPage;

fn gzip_len(bytes: &[u8]) -> usize {
    let mut child = std::process::Command::new("gzip")
        .arg("-6")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip on PATH");
    child.stdin.take().expect("stdin").write_all(bytes).expect("write");
    child.wait_with_output().expect("gzip output").stdout.len()
}

fn main() {
    let mut docs = server::demo::seed::generate(server::demo::DEMO_WORKFLOWS, 1_764_000_000);
    docs.sort_by(|a, b| a["_id"].as_str().cmp(&b["_id"].as_str()));
    docs.truncate(100);
    measure("demo histories", &docs);
    // Long-running production workflows gather hundreds of entries: repeat each history to 300.
    for d in docs.iter_mut() {
        if let Some(h) = d["EventNumberHistory"].as_array().cloned().filter(|h| !h.is_empty()) {
            let long: Vec<serde_json::Value> = h.iter().cycle().take(300).cloned().collect();
            d["EventNumberHistory"] = serde_json::Value::Array(long);
        }
    }
    measure("300-entry histories", &docs);
}

fn measure(label: &str, docs: &[serde_json::Value]) {
    let rounds = 50;

    let t = Instant::now();
    let mut full = Vec::new();
    for _ in 0..rounds {
        full = serde_json::to_vec(&docs).expect("serialise");
    }
    let full_time = t.elapsed() / rounds;

    let t = Instant::now();
    let mut compact = Vec::new();
    for _ in 0..rounds {
        let rows = docs
            .iter()
            .map(|d| workflow_row(&Workflow::from_value(d.clone()).expect("demo document"), 1_764_000_000))
            .collect();
        let page = WorkflowPage {
            rows,
            page: 0,
            has_next: true,
            total_workflows: 320,
            matching: 320,
            last_update: Some(1),
            page_size: 100,
            last_run: None,
            data_as_of: None,
        };
        compact = serde_json::to_vec(&page).expect("serialise");
    }
    let compact_time = t.elapsed() / rounds;
    let entries: usize = docs.iter().map(|d| d["EventNumberHistory"].as_array().map_or(0, Vec::len)).sum();
    println!("{label}: 100 workflows, {entries} history entries in all");
    println!("full documents: {} bytes, {} gzip, {:?} to serialise", full.len(), gzip_len(&full), full_time);
    println!(
        "compact rows:   {} bytes, {} gzip, {:?} to build rows and serialise",
        compact.len(),
        gzip_len(&compact),
        compact_time
    );
}
