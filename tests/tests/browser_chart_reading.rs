//! Reading the history charts in headless Chromium, by pointer, keyboard and on a narrow
//! screen: the cursor snaps to a time and marks every line, arrow keys move it and Enter
//! zooms; log ticks reach past the data; the page carries the workflow's row and a way back;
//! an empty chart says why; downloads are named alike. The aggregate of twelve datatiers
//! colours eight series, prints no expected label over another and keeps forecasts from
//! squeezing the history (a toggle shows them whole). A narrow chart is drawn to its width.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use fantoccini::{key::Key, Locator};
use serde_json::{json, Value};
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::browser::{wait_until, Browser};
use stats2_tests::server::TestServer;

const MAIN: &str = "pdmvserv_task_READ_261206_000000_0001";
const EMPTY: &str = "pdmvserv_task_READ_261206_000000_0002";
const HOUR: i64 = 3600;

/// A workflow of campaign `campaign` with one history entry per hour over the last two days.
fn workflow(name: &str, campaign: &str, datasets: &[String], per_hour: i64, total: i64, now: i64) -> Value {
    let history: Vec<Value> = (0..=48)
        .map(|h| {
            let events: serde_json::Map<String, Value> = datasets
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    (d.clone(), json!({"Type": "PRODUCTION", "Events": h * per_hour / (k as i64 + 1), "Size": 1}))
                })
                .collect();
            json!({"Time": now - (48 - h) * HOUR, "Datasets": events})
        })
        .collect();
    json!({"_id": name, "RequestName": name, "RequestType": "TaskChain", "Campaigns": [campaign], "Requests": [],
        "PrepID": format!("{campaign}-00001"), "TotalEvents": total, "TotalInputLumis": -1, "RequestPriority": 90_000,
        "OutputDatasets": datasets, "RequestTransition": [{"Status": "running-open", "UpdateTime": now - 48 * HOUR}],
        "EventNumberHistory": history, "LastUpdate": now})
}

fn documents(now: i64) -> Vec<Value> {
    let main: Vec<String> = ["AODSIM", "MINIAODSIM", "NANOAODSIM"].iter().map(|t| format!("/Read/R-v1/{t}")).collect();
    let mut docs = vec![workflow(MAIN, "R", &main, 150, 9_000, now), workflow(EMPTY, "R", &[], 0, 9_000, now)];
    // Twelve tiers, each expecting as much as the others: their expected lines coincide.
    for i in 0..12 {
        let name = format!("pdmvserv_task_TIERS_261206_000000_{i:04}");
        let ds = format!("/Tier{i}/K-v1/TIER{i:02}");
        let mut doc = workflow(&name, "K", &[ds], 1000 + i * 10, 1_000_000, now);
        // Completed since, after 1 to 12 hours: durations for the performance view.
        let done = json!({"Status": "completed", "UpdateTime": now - 48 * HOUR + (i + 1) * HOUR});
        doc["RequestTransition"].as_array_mut().unwrap().push(done);
        docs.push(doc);
    }
    docs
}

async fn js(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.unwrap()
}

async fn text(b: &Browser, css: &str) -> String {
    wait_until(css, async || b.client.find(Locator::Css(css)).await.ok()?.text().await.ok()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charts_read_by_pointer_keyboard_and_on_narrow_screens() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("c.sqlite")).unwrap());
    store.init().await.unwrap();
    for d in documents(server::now()) {
        store.put(Db::Requests, &d).await.unwrap();
    }
    let server = TestServer::start(store, "/stats").await.unwrap();
    let origin = format!("{}/stats", server.origin);
    let b = Browser::start(1280, 1000).await.unwrap();
    workflow_page(&b, &origin).await;
    cursor_and_keys(&b, &origin).await;
    aggregate_of_many_tiers(&b, &origin).await;
    b.close().await;
    let phone = Browser::start(390, 800).await.unwrap();
    narrow(&phone, &origin).await;
    phone.close().await;
}

/// The row, the way back, log ticks past the data, the PNG's name, an empty chart's reason.
async fn workflow_page(b: &Browser, origin: &str) {
    b.client.goto(&format!("{origin}/workflow/{MAIN}")).await.unwrap();
    let row = text(b, &format!("table.workflows.single tr.workflow[data-name='{MAIN}']")).await;
    assert!(row.contains("PrepID: R-00001") && row.contains("running-open"), "{row}");
    let back = b.client.find(Locator::Css("p.back a")).await.unwrap();
    assert_eq!(back.attr("href").await.unwrap().as_deref(), Some("/stats/"), "a fresh tab goes back to the dashboard");
    b.client.find(Locator::Css("button.scale")).await.unwrap().click().await.unwrap();
    // The data reach 7,200 events: the log axis ends at 10k, with a tick there.
    let top = wait_until("a log tick at 10k", async || {
        let ticks = js(b, "return [...document.querySelectorAll('section.chart svg[data-scale=log] text.tick')].map(t => t.textContent);").await;
        ticks.as_array().filter(|t| !t.is_empty()).cloned()
    })
    .await;
    assert!(top.iter().any(|t| *t == app::analytics::short_count(10_000)), "{top:?}");
    b.client.find(Locator::Css("button.png")).await.unwrap().click().await.unwrap();
    let png = wait_until("the PNG link", async || b.client.find(Locator::Css("a.png-link")).await.ok()).await;
    assert_eq!(png.attr("download").await.unwrap(), Some(format!("{MAIN}.png")), "named like the CSV and SVG");
    b.screenshot("chart-reading-log").await.unwrap();

    b.client.goto(&format!("{origin}/workflow/{EMPTY}")).await.unwrap();
    assert!(text(b, "p.chart-empty").await.contains("no output datasets"));
    assert!(b.client.find(Locator::Css("section.chart svg")).await.is_err(), "no empty axes");
}

/// The number of cursor markers and the read-out.
async fn cursor(b: &Browser) -> (u64, String) {
    let marks = js(b, "return document.querySelectorAll('section.chart .cursor-layer circle.marker').length;").await;
    (marks.as_u64().unwrap(), text(b, "p.hover").await)
}

/// Pointer anywhere over a time marks all three lines; keys step, and Enter zooms.
async fn cursor_and_keys(b: &Browser, origin: &str) {
    // From the list, as an operator comes: the page remembers which list to go back to.
    b.client.goto(&format!("{origin}/?campaign=R")).await.unwrap();
    let link = format!("tr.workflow[data-name='{MAIN}'] a.chart-link");
    wait_until("the chart link", async || b.client.find(Locator::Css(&link)).await.ok()).await.click().await.unwrap();
    text(b, "section.chart svg").await;
    // Half way across, at the very top: no point is near, the cursor still snaps to a time.
    js(b, "const s = document.querySelector('section.chart .picture svg'); const r = s.getBoundingClientRect();
        s.dispatchEvent(new MouseEvent('mousemove', {clientX: r.left + r.width / 2, clientY: r.top + 5, bubbles: true}));").await;
    let (marks, words) = wait_until("the cursor", async || Some(cursor(b).await).filter(|c| c.0 > 0)).await;
    assert_eq!(marks, 3, "a marker on each line: {words}");
    assert!(words.contains(" UTC, events: /Read/R-v1/AODSIM ") && words.matches("; ").count() == 2, "{words}");
    b.screenshot("chart-reading-cursor").await.unwrap();

    let plot = b.client.find(Locator::Css("section.chart .plot")).await.unwrap();
    plot.send_keys(&String::from(char::from(Key::End))).await.unwrap();
    let (_, last) = cursor(b).await;
    assert!(
        last.contains(&format!("AODSIM {}", app::format::thousands(48 * 150))),
        "End reads the last values: {last}"
    );
    plot.send_keys(&String::from(char::from(Key::Left))).await.unwrap();
    let (_, before) = cursor(b).await;
    assert!(before.contains(&format!("AODSIM {}", app::format::thousands(47 * 150))), "{before}");
    let label = plot.attr("aria-label").await.unwrap().unwrap();
    assert!(label.contains("arrow keys") && plot.attr("tabindex").await.unwrap().as_deref() == Some("0"), "{label}");
    plot.send_keys(&String::from(char::from(Key::Enter))).await.unwrap();
    let query = wait_until("a zoom in the URL", async || {
        let url = b.client.current_url().await.ok()?;
        url.query().filter(|q| q.contains("start=")).map(str::to_owned)
    })
    .await;
    assert!(app::chart::zoom_of(&query).is_some(), "{query}");
    let back = b.client.find(Locator::Css("p.back a")).await.unwrap();
    assert_eq!(back.attr("href").await.unwrap().as_deref(), Some("/stats/?campaign=R"), "back to the list shown");
}

/// Twelve tiers: eight series, "other tiers" last; expected labels apart; forecasts bounded.
async fn aggregate_of_many_tiers(b: &Browser, origin: &str) {
    b.client.goto(&format!("{origin}/aggregate?campaign=K&bucket=1h")).await.unwrap();
    text(b, "section.chart svg").await;
    let names = js(b, "return [...document.querySelectorAll('ul.legend .legend-name')].map(e => e.textContent);").await;
    let names: Vec<&str> = names.as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(names.len(), 8, "{names:?}");
    assert!(names[7].starts_with("other tiers (TIER00, TIER01, TIER02, TIER03, TIER04)"), "{names:?}");
    let colours = js(b, "return new Set([...document.querySelectorAll('section.chart path.series')].map(p => p.getAttribute('stroke'))).size;").await;
    assert_eq!(colours, json!(8));
    let overlaps = js(b, "const t = [...document.querySelectorAll('section.chart text.expected-label')].map(e => e.getBoundingClientRect());
        let n = 0; for (let i = 0; i < t.length; i++) for (let j = i + 1; j < t.length; j++) {
          const a = t[i], c = t[j]; if (a.left < c.right && c.left < a.right && a.top < c.bottom && c.top < a.bottom) n++; }
        return [t.length, n];").await;
    assert_eq!(overlaps, json!([7, 0]), "[expected labels, overlapping pairs]");
    let window = |w: String| -> i64 {
        let (a, z) = w.split_once('-').unwrap();
        z.parse::<i64>().unwrap() - a.parse::<i64>().unwrap()
    };
    let svg = b.client.find(Locator::Css("section.chart .picture svg")).await.unwrap();
    let bounded = window(svg.attr("data-window").await.unwrap().unwrap());
    // Two days of history (hour buckets): forecasts a month away add a quarter at most.
    assert!(bounded <= 49 * HOUR + 49 * HOUR / 4, "{bounded}");
    b.screenshot("chart-reading-aggregate").await.unwrap();
    b.client.find(Locator::Css("button.whole-forecast")).await.unwrap().click().await.unwrap();
    let whole = wait_until("the whole forecasts", async || {
        let svg = b.client.find(Locator::Css("section.chart .picture svg")).await.ok()?;
        Some(window(svg.attr("data-window").await.ok()??)).filter(|w| *w > 10 * 86_400)
    })
    .await;
    assert!(whole > bounded * 4, "{whole} vs {bounded}");
}

/// On a narrow screen each time chart is drawn to its box: no sideways scrolling, 11-px text.
async fn narrow(b: &Browser, origin: &str) {
    let charts = [
        ("workflow", format!("{origin}/workflow/{MAIN}"), 1100.0),
        ("historical", format!("{origin}/aggregate?campaign=K&mode=historical"), 1100.0),
        ("durations", format!("{origin}/performance?campaign=K&from=running-open&to=completed"), 900.0),
    ];
    for (name, url, widest) in charts {
        b.client.goto(&url).await.unwrap();
        let fit = wait_until(&format!("the {name} chart drawn to its width"), async || {
            let v = js(
                b,
                "const s = document.querySelector('section.chart .plot svg'); if (!s) return null;
                const r = s.getBoundingClientRect();
                return [s.viewBox.baseVal.width, r.width, document.documentElement.scrollWidth, window.innerWidth];",
            )
            .await;
            let v: Vec<f64> = v.as_array()?.iter().map(|x| x.as_f64().unwrap()).collect();
            Some(v).filter(|v| v[0] < widest)
        })
        .await;
        let scale = fit[1] / fit[0];
        assert!(scale > 0.95, "{name}: drawn at its width, text at 11 × {scale} px: {fit:?}");
        assert!(fit[2] <= fit[3], "{name}: nothing scrolls sideways: {fit:?}");
        js(b, "document.querySelector('section.chart').scrollIntoView(); return 1;").await;
        b.screenshot(&format!("chart-reading-narrow-{name}")).await.unwrap();
    }
}
