//! Times the index-backed server functions of a running `stats2 serve` and checks their
//! answers against a brute-force pass over the same NDJSON the store was loaded from
//! (`scripts/bench-scale.sh` runs it): prints one Markdown row per operation.
//! `cargo run --release -p server --example bench_scale -- ORIGIN FILE.ndjson [ROUNDS]`

use std::io::BufRead;
use std::time::Instant;

use app::filter::{Filter, FilterKey};
use app::model::Workflow;
use serde_json::{json, Value};

struct Op {
    name: &'static str,
    endpoint: &'static str,
    body: Value,
    /// The brute-force count of matching workflows (list) or expected events (aggregate).
    want: Option<i64>,
}

fn matches(doc: &Value, f: &Filter, now: i64) -> bool {
    let need: Vec<(FilterKey, &str)> =
        if f.match_all { f.active().collect() } else { f.primary().into_iter().collect() };
    let hit = need.iter().all(|(k, v)| match server::listing::view_of(*k) {
        Some(view) => view.emit(doc).iter().any(|e| e.as_str() == Some(*v)),
        None => doc["_id"] == *v,
    });
    hit && (!f.stalled || {
        let wf = Workflow::from_value(doc.clone()).ok();
        wf.is_some_and(|w| {
            app::present::workflow_row(&w, now).datasets.iter().any(|d| d.forecast.is_some_and(|x| x.stalled))
        })
    })
}

fn expected(doc: &Value) -> i64 {
    Workflow::from_value(doc.clone()).map_or(0, |w| app::history::history_view(&w, 0).expected.max(0))
}

fn ops(n: usize) -> Vec<(Op, Filter)> {
    let campaign = Filter::default().with(FilterKey::Campaign, "Run3Summer20Campaign00");
    let and = Filter { match_all: true, ..campaign.clone() }.with(FilterKey::Type, "ReReco");
    let stalled = Filter { stalled: true, ..Filter::default() };
    let all = Filter::default();
    let list = |name, f: &Filter, page: usize| Op {
        name,
        endpoint: "list_workflows",
        body: json!({"filter": f, "page": page}),
        want: None,
    };
    let agg =
        |name, f: &Filter| Op { name, endpoint: "aggregate", body: json!({"filter": f, "bucket": 86_400}), want: None };
    vec![
        (list("first page", &all, 0), all.clone()),
        (list("deep page (middle)", &all, n / 200), all.clone()),
        (list("a campaign", &campaign, 0), campaign.clone()),
        (list("campaign AND type", &and, 0), and.clone()),
        (list("stalled only", &stalled, 0), stalled.clone()),
        (agg("aggregate of a campaign", &campaign), campaign),
        (agg("aggregate of everything", &all), all),
    ]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let origin = args.next().ok_or_else(|| anyhow::anyhow!("ORIGIN missing"))?;
    let file = args.next().ok_or_else(|| anyhow::anyhow!("FILE missing"))?;
    let rounds: usize = args.next().unwrap_or_else(|| "21".into()).parse()?;
    let now = server::now();
    let mut docs = 0usize;
    let mut list = ops(0);
    let mut counts = vec![0i64; list.len()];
    for line in std::io::BufReader::new(std::fs::File::open(&file)?).lines() {
        let doc: Value = serde_json::from_str(&line?)?;
        docs += 1;
        for (k, (op, f)) in list.iter().enumerate() {
            if matches(&doc, f, now) {
                counts[k] += if op.endpoint == "aggregate" { expected(&doc) } else { 1 };
            }
        }
    }
    list = ops(docs);
    for (k, (op, _)) in list.iter_mut().enumerate() {
        op.want = Some(counts[k]);
    }
    let client = reqwest::Client::new();
    println!("| operation | median ms | p90 ms | answer | brute force |");
    println!("|---|---:|---:|---:|---:|");
    for (op, _) in &list {
        let mut times = Vec::with_capacity(rounds);
        let mut answer = Value::Null;
        for _ in 0..rounds {
            let t = Instant::now();
            let resp = client.post(format!("{origin}/stats/rpc/{}", op.endpoint)).json(&op.body).send().await?;
            answer = resp.error_for_status()?.json().await?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let got = if op.endpoint == "aggregate" { answer["expected"].as_i64() } else { answer["matching"].as_i64() };
        let ok = if got == op.want { "" } else { " **MISMATCH**" };
        println!(
            "| {} | {:.2} | {:.2} | {}{ok} | {} |",
            op.name,
            times[times.len() / 2],
            times[times.len() * 9 / 10],
            got.unwrap_or(-1),
            op.want.unwrap_or(-1)
        );
    }
    Ok(())
}
