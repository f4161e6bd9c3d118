//! Times the Present view, the list's sorts and the stuck alerts of a running `stats2 serve`
//! (`scripts/bench-scale.sh` runs it after `bench_scale`): every group with no stack and
//! with every other dimension as its stack, in every measure, for the whole store and for one
//! campaign, `ROUNDS` calls each. Prints, per group and scope, the slowest median and p90
//! over its stacks and measures, then the sorted first pages and the alerts. Each answer's
//! `matching` is checked against a brute-force count over the NDJSON the store came from.
//! `cargo run --release -p server --example bench_present -- ORIGIN FILE.ndjson [ROUNDS]`

use std::io::BufRead;
use std::time::Instant;

use app::bars::{Dimension, Measure};
use app::filter::{Filter, FilterKey, Sort};
use serde_json::{json, Value};

const CAMPAIGN: &str = "Run3Summer20Campaign00";

/// Documents in the file, and those of [`CAMPAIGN`].
fn brute_force(file: &str) -> anyhow::Result<(i64, i64)> {
    let (mut all, mut campaign) = (0, 0);
    for line in std::io::BufReader::new(std::fs::File::open(file)?).lines() {
        let doc: Value = serde_json::from_str(&line?)?;
        all += 1;
        campaign += i64::from(doc["Campaigns"].as_array().is_some_and(|c| c.iter().any(|v| v == CAMPAIGN)));
    }
    Ok((all, campaign))
}

/// `rounds` calls: the sorted times in ms and the last answer.
async fn timed(client: &reqwest::Client, url: &str, body: &Value, rounds: usize) -> anyhow::Result<(Vec<f64>, Value)> {
    let mut times = Vec::with_capacity(rounds);
    let mut answer = Value::Null;
    for _ in 0..rounds {
        let t = Instant::now();
        answer = client.post(url).json(body).send().await?.error_for_status()?.json().await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok((times, answer))
}

fn median_p90(times: &[f64]) -> (f64, f64) {
    (times[times.len() / 2], times[(times.len() * 9 / 10).min(times.len() - 1)])
}

/// The slowest median and p90 of every stack and measure of `group` over `filter`; whether
/// every answer matched `want` workflows.
async fn group_row(
    client: &reqwest::Client,
    url: &str,
    (group, filter, want): (Dimension, &Filter, i64),
    rounds: usize,
) -> anyhow::Result<(f64, f64, usize, bool)> {
    let (mut worst, mut worst90, mut calls, mut ok) = (0f64, 0f64, 0, true);
    let stacks = std::iter::once(None).chain(Dimension::ALL.into_iter().filter(|d| *d != group).map(Some));
    for stack in stacks {
        for measure in Measure::ALL {
            let body = json!({"filter": filter, "group": group, "stack": stack, "measure": measure});
            let (times, answer) = timed(client, url, &body, rounds).await?;
            let (m, p) = median_p90(&times);
            (worst, worst90, calls) = (worst.max(m), worst90.max(p), calls + 1);
            ok &= answer["matching"].as_i64() == Some(want);
        }
    }
    Ok((worst, worst90, calls, ok))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let origin = args.next().ok_or_else(|| anyhow::anyhow!("ORIGIN missing"))?;
    let file = args.next().ok_or_else(|| anyhow::anyhow!("FILE missing"))?;
    let rounds: usize = args.next().unwrap_or_else(|| "11".into()).parse()?;
    let (all, in_campaign) = brute_force(&file)?;
    let client = reqwest::Client::new();
    let rpc = |name: &str| format!("{origin}/stats/rpc/{name}");
    let campaign = Filter::default().with(FilterKey::Campaign, CAMPAIGN);
    println!("| Present view, group (every stack and measure) | scope | calls | slowest median ms | slowest p90 ms | matching |");
    println!("|---|---|---:|---:|---:|---|");
    for group in Dimension::ALL {
        for (scope, filter, want) in [("all", &Filter::default(), all), ("a campaign", &campaign, in_campaign)] {
            let (m, p, calls, ok) = group_row(&client, &rpc("present"), (group, filter, want), rounds).await?;
            let check = if ok { format!("{want} (brute force)") } else { "**MISMATCH**".to_owned() };
            println!("| {} | {scope} | {calls} | {m:.2} | {p:.2} | {check} |", group.as_str());
        }
    }
    println!();
    println!("| call | median ms | p90 ms | matching | brute force |");
    println!("|---|---:|---:|---:|---:|");
    let lists = Sort::ALL.into_iter().flat_map(|s| {
        [
            (format!("sort={}, first page (all)", s.as_str()), Filter { sort: Some(s), ..Filter::default() }, all),
            (
                format!("sort={}, first page (a campaign)", s.as_str()),
                Filter { sort: Some(s), ..campaign.clone() },
                in_campaign,
            ),
        ]
    });
    for (name, filter, want) in lists {
        let (times, answer) =
            timed(&client, &rpc("list_workflows"), &json!({"filter": filter, "page": 0}), rounds).await?;
        let (m, p) = median_p90(&times);
        let got = answer["matching"].as_i64().unwrap_or(-1);
        let flag = if got == want { "" } else { " **MISMATCH**" };
        println!("| {name} | {m:.2} | {p:.2} | {got}{flag} | {want} |");
    }
    let (times, answer) = timed(&client, &rpc("alerts"), &json!({}), rounds).await?;
    let (m, p) = median_p90(&times);
    let stuck: i64 = answer["stuck"].as_array().into_iter().flatten().filter_map(|s| s["count"].as_i64()).sum();
    println!("| alerts with the stuck counts | {m:.2} | {p:.2} | {stuck} stuck in all | |");
    change_rows(&client, &origin, &campaign, rounds).await
}

/// "What changed" over a day and over 90 days, the ranked stalled list, the ranked list of
/// one stuck status, and the dashboard lists a group's link opens (the oracle tests check
/// their answers; here, how long they take).
async fn change_rows(client: &reqwest::Client, origin: &str, campaign: &Filter, rounds: usize) -> anyhow::Result<()> {
    let rpc = |name: &str| format!("{origin}/stats/rpc/{name}");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
    let stuck = app::alerts::stuck_filter(app::filter::RequestStatus::RunningOpen, 14);
    let calls = [
        ("changes, a day (all)", "changes", json!({"filter": {}, "since": now - 86_400})),
        ("changes, 90 days (all)", "changes", json!({"filter": {}, "since": now - 90 * 86_400 + 60})),
        ("changes, 90 days (a campaign)", "changes", json!({"filter": campaign, "since": now - 90 * 86_400 + 60})),
        (
            "alert_list, stalled, first page",
            "alert_list",
            json!({"filter": {"stalled": true}, "acknowledged": false, "page": 0}),
        ),
        ("alert_list, running-open > 14 d", "alert_list", json!({"filter": stuck, "acknowledged": false, "page": 0})),
        (
            "list, change=transition, a day (all)",
            "list_workflows",
            json!({"filter": {"change": "transition", "change_since": now - 86_400}, "page": 0}),
        ),
        (
            "list, change=reached:completed, 90 days (all)",
            "list_workflows",
            json!({"filter": {"change": "reached:completed", "change_since": now - 90 * 86_400 + 60}, "page": 0}),
        ),
    ];
    for (name, function, body) in calls {
        let (times, answer) = timed(client, &rpc(function), &body, rounds).await?;
        let (m, p) = median_p90(&times);
        let size = match function {
            "changes" => answer["counts"].to_string(),
            "list_workflows" => format!("{} matching", answer["matching"]),
            _ => format!("{} ranked", answer["matching"]),
        };
        println!("| {name} | {m:.2} | {p:.2} | {size} | |");
    }
    Ok(())
}
