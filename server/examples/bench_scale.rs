//! Times the index-backed server functions of a running `stats2 serve` and checks their
//! answers against a brute-force pass over the same NDJSON the store was loaded from
//! (`scripts/bench-scale.sh` runs it): prints one Markdown row per operation.
//! `cargo run --release -p server --example bench_scale -- ORIGIN FILE.ndjson [ROUNDS]`

use std::io::BufRead;
use std::time::Instant;

use app::filter::{glob_matches, pwg_of, Facets, Filter, FilterKey};
use app::model::Workflow;
use serde_json::{json, Value};

/// What an answer is checked by: how many workflows match (a list, the campaign table's
/// total), their expected events (an aggregate), or how many were measured (a histogram).
#[derive(Clone, Copy, PartialEq)]
enum Check {
    Matching,
    Expected,
    CampaignTotal,
    Measured,
    /// Suggestions offered (the limit, 8, for a prefix that many values share).
    Suggestions,
    /// The alerts' stalled count.
    AlertStalled,
    /// Workflows in the historical aggregate.
    HistoricalWorkflows,
}

struct Op {
    name: &'static str,
    endpoint: &'static str,
    body: Value,
    check: Check,
    /// The brute-force figure.
    want: Option<i64>,
}

fn facets_hold(doc: &Value, f: &Facets) -> bool {
    let status = doc["RequestTransition"].as_array().and_then(|t| t.last()).and_then(|t| t["Status"].as_str());
    let pwg = doc["PrepID"].as_str().and_then(pwg_of);
    let tiers = doc["OutputDatasets"].as_array().into_iter().flatten().filter_map(|d| d.as_str()?.rsplit('/').next());
    (f.status.is_empty() || status.is_some_and(|s| f.status.iter().any(|w| w.as_str() == s)))
        && (f.pwg.is_empty() || pwg.is_some_and(|p| Facets::any_holds(&f.pwg, p)))
        && (f.tier.is_empty() || tiers.into_iter().any(|t| Facets::any_holds(&f.tier, t)))
        && f.priority_holds(doc["RequestPriority"].as_i64())
}

/// Seconds between the first `from` and the first `to` after it.
fn measured(doc: &Value, from: &str, to: &str) -> bool {
    let t: Vec<&str> =
        doc["RequestTransition"].as_array().into_iter().flatten().filter_map(|x| x["Status"].as_str()).collect();
    t.iter().position(|s| *s == from).is_some_and(|i| t[i..].contains(&to))
}

fn matches(doc: &Value, f: &Filter, now: i64) -> bool {
    let hit = f.required().iter().all(|(k, v)| match server::listing::view_of(*k) {
        Some(view) => view.emit(doc).iter().any(|e| e.as_str().is_some_and(|e| glob_matches(v, e))),
        None => doc["_id"].as_str().is_some_and(|id| glob_matches(v, id)),
    });
    hit && facets_hold(doc, &f.facets)
        && (!f.stalled || {
            let wf = Workflow::from_value(doc.clone()).ok();
            wf.is_some_and(|w| {
                app::present::workflow_row(&w, now).datasets.iter().any(|d| d.forecast.is_some_and(|x| x.stalled))
            })
        })
}

/// What the aggregates expect of a workflow: its events; none for one counted in
/// lumisections (left out of events).
fn expected(doc: &Value) -> i64 {
    Workflow::from_value(doc.clone())
        .ok()
        .filter(|w| !w.lumi_mode())
        .map_or(0, |w| app::history::history_view(&w, 0).expected.max(0))
}

fn op(name: &'static str, endpoint: &'static str, body: Value, check: Check) -> Op {
    Op { name, endpoint, body, check, want: None }
}

/// The operations timed, each with the filter its brute-force answer counts; `n` workflows.
/// The order is the one BENCHMARKS.md's earlier tables were measured in, so runs compare.
fn ops(n: usize) -> Vec<(Op, Filter)> {
    let (mut analytics, mut lists) = (analytics_ops(), list_ops(n));
    let (table_and_histogram, lists_after) = (analytics.split_off(3), lists.split_off(4));
    analytics.extend(lists);
    analytics.extend(table_and_histogram);
    analytics.extend(lists_after);
    analytics
}

/// Suggestions, alerts, the historical aggregate, the campaign table and the histogram.
fn analytics_ops() -> Vec<(Op, Filter)> {
    let all = Filter::default();
    let span = json!({"filter": all, "from": "assigned", "to": "running-closed", "bins": 20, "scale": "log"});
    let historical = json!({"filter": all, "bucket": 604_800, "growing": true});
    vec![
        (
            op("suggestions for \"Run3Summer2\"", "suggest", json!({"q": "Run3Summer2"}), Check::Suggestions),
            all.clone(),
        ),
        (op("header alerts", "alerts", json!({}), Check::AlertStalled), Filter { stalled: true, ..Filter::default() }),
        (op("historical aggregate (all, 1 w)", "historical", historical, Check::HistoricalWorkflows), all.clone()),
        (op("campaign table (all)", "campaigns", json!({"filter": all}), Check::CampaignTotal), all.clone()),
        (op("duration histogram (all)", "durations", json!({"query": span}), Check::Measured), all),
    ]
}

/// List pages of every kind of filter, and aggregates.
fn list_ops(n: usize) -> Vec<(Op, Filter)> {
    let campaign = Filter::default().with(FilterKey::Campaign, "Run3Summer20Campaign00");
    let and = Filter { match_all: true, ..campaign.clone() }.with(FilterKey::Type, "ReReco");
    let stalled = Filter { stalled: true, ..Filter::default() };
    let all = Filter::default();
    let q = |text: &str| Filter::from_query(text).unwrap_or_default();
    let (status, prefix, suffix) = (q("status=running-open"), q("prepid=HIG-*"), q("output_dataset=*/MINIAODSIM"));
    let ranged = q("status=acquired&status=running-open&priority_min=80000&priority_max=100000&tier=AODSIM");
    let list = |name, f: &Filter, page: usize| {
        (op(name, "list_workflows", json!({"filter": f, "page": page}), Check::Matching), f.clone())
    };
    let agg =
        |name, f: &Filter| (op(name, "aggregate", json!({"filter": f, "bucket": 86_400}), Check::Expected), f.clone());
    vec![
        list("status", &status, 0),
        list("prepid=HIG-* (prefix wildcard)", &prefix, 0),
        list("output_dataset=*/MINIAODSIM", &suffix, 0),
        list("2 statuses, priority range, tier", &ranged, 0),
        list("first page", &all, 0),
        list("deep page (middle)", &all, n / 200),
        list("a campaign", &campaign, 0),
        list("campaign AND type", &and, 0),
        list("stalled only", &stalled, 0),
        agg("aggregate of a campaign", &campaign),
        agg("aggregate of everything", &all),
    ]
}

/// The brute-force answers: one pass over the NDJSON; returns the documents read and one
/// count per operation.
fn brute_force(file: &str, now: i64) -> anyhow::Result<(usize, Vec<i64>)> {
    let list = ops(0);
    let mut docs = 0usize;
    let mut counts = vec![0i64; list.len()];
    for line in std::io::BufReader::new(std::fs::File::open(file)?).lines() {
        let doc: Value = serde_json::from_str(&line?)?;
        docs += 1;
        for (k, (op, f)) in list.iter().enumerate() {
            if matches(&doc, f, now) {
                counts[k] += match op.check {
                    Check::Expected => expected(&doc),
                    Check::Measured => i64::from(measured(&doc, "assigned", "running-closed")),
                    Check::Matching | Check::CampaignTotal | Check::AlertStalled | Check::HistoricalWorkflows => 1,
                    Check::Suggestions => 0,
                };
            }
        }
    }
    Ok((docs, counts))
}

/// The number in a server function's answer that the brute force checks.
fn answered(check: Check, answer: &Value) -> Option<i64> {
    match check {
        Check::Matching => answer["matching"].as_i64(),
        Check::Expected => answer["expected"].as_i64(),
        Check::CampaignTotal => answer["total"]["requests"].as_i64(),
        Check::Measured => answer["measured"].as_i64(),
        Check::Suggestions => answer.as_array().map(|a| a.len() as i64),
        Check::AlertStalled => answer["stalled"].as_i64(),
        // Every workflow, those counted in lumisections said apart.
        Check::HistoricalWorkflows => Some(answer["workflows"].as_i64()? + answer["lumi_left_out"].as_i64()?),
    }
}

/// `rounds` calls of `op`: the sorted times in ms and the last answer.
async fn timed(client: &reqwest::Client, origin: &str, op: &Op, rounds: usize) -> anyhow::Result<(Vec<f64>, Value)> {
    let mut times = Vec::with_capacity(rounds);
    let mut answer = Value::Null;
    for _ in 0..rounds {
        let t = Instant::now();
        let resp = client.post(format!("{origin}/stats/rpc/{}", op.endpoint)).json(&op.body).send().await?;
        answer = resp.error_for_status()?.json().await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok((times, answer))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let origin = args.next().ok_or_else(|| anyhow::anyhow!("ORIGIN missing"))?;
    let file = args.next().ok_or_else(|| anyhow::anyhow!("FILE missing"))?;
    let rounds: usize = args.next().unwrap_or_else(|| "21".into()).parse()?;
    let (docs, counts) = brute_force(&file, server::now())?;
    let mut list = ops(docs);
    for (k, (op, _)) in list.iter_mut().enumerate() {
        op.want = Some(if op.check == Check::Suggestions { app::suggest::MAX_SUGGESTIONS as i64 } else { counts[k] });
    }
    let client = reqwest::Client::new();
    println!("| operation | median ms | p90 ms | answer | brute force |");
    println!("|---|---:|---:|---:|---:|");
    for (op, _) in &list {
        let (times, answer) = timed(&client, &origin, op, rounds).await?;
        let got = answered(op.check, &answer);
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
