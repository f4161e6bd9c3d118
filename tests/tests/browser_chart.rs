//! The history chart in headless Chromium: a drawn line per dataset, a legend naming every
//! dataset, hover, the log/linear toggle, drag to zoom kept in the URL and double-click to
//! reset, the CSV / SVG / PNG exports, draw times for 5,000 and 50,000 points (printed for
//! BENCHMARKS.md), screenshots.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::chart::label_rows;
use app::filter::RequestStatus;
use app::history::{csv, history_view, HistoryView};
use app::model::Workflow;
use fantoccini::Locator;
use serde_json::{json, Value};
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use stats2_tests::browser::Browser;
use stats2_tests::server::TestServer;

const T0: i64 = 1_760_000_000;

fn workflow(name: &str, datasets: &[(&str, &str)], points: usize) -> Value {
    let history: Vec<Value> = (0..points)
        .map(|i| {
            let mut d = serde_json::Map::new();
            for (k, (ds, status)) in datasets.iter().enumerate() {
                // Growing towards the total, each dataset a little behind the previous one.
                let events = (i as i64 * 380_000 / points as i64) * (10 - k as i64 * 2) / 10 + (i as i64 * 37) % 500;
                let status = if i + 1 == points { *status } else { "PRODUCTION" };
                d.insert(ds.to_string(), json!({"Type": status, "Events": events, "Size": events * 1000}));
            }
            json!({"Time": T0 + i as i64 * 600, "Datasets": d})
        })
        .collect();
    json!({"_id": name, "RequestName": name, "RequestType": "TaskChain", "TotalEvents": 400_000, "TotalInputLumis": -1,
        "OutputDatasets": datasets.iter().map(|d| d.0).collect::<Vec<_>>(), "Campaigns": ["C"], "Requests": [],
        "RequestTransition": [{"Status": "assigned", "UpdateTime": T0 + 3000}, {"Status": "running-open", "UpdateTime": T0 + 9000}],
        "EventNumberHistory": history})
}

async fn chart_attr(b: &Browser, attr: &str) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(c) = b.client.find(Locator::Css("section.chart .plot svg")).await {
            if let Ok(Some(v)) = c.attr(attr).await {
                return Some(v);
            }
            if let Ok(Some(e)) = c.attr("data-error").await {
                panic!("the chart failed: {e}");
            }
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The drawn lines: each series path's `d`.
const PATHS: &str =
    "return [...document.querySelectorAll('section.chart .plot path.series')].map(p => p.getAttribute('d'));";

/// Dispatches a mouse event at SVG coordinates (`x`, `y`) of the chart.
const POINTER: &str = "const s = document.querySelector('section.chart .plot svg'); const r = s.getBoundingClientRect();
    const vb = s.viewBox.baseVal; const x = r.left + arguments[1] * r.width / vb.width, y = r.top + arguments[2] * r.height / vb.height;
    s.dispatchEvent(new MouseEvent(arguments[0], {clientX: x, clientY: y, bubbles: true})); return 1;";

async fn paths(b: &Browser) -> Vec<String> {
    let v = b.client.execute(PATHS, vec![]).await.unwrap();
    v.as_array().unwrap().iter().map(|d| d.as_str().unwrap_or("").to_owned()).collect()
}

async fn pointer(b: &Browser, kind: &str, x: f64, y: f64) {
    b.client.execute(POINTER, vec![json!(kind), json!(x), json!(y)]).await.unwrap();
}

/// The chart data exactly as the page got it.
async fn history(origin: &str, name: &str) -> HistoryView {
    let url = format!("{origin}/stats/rpc/workflow_history");
    let r = reqwest::Client::new().post(url).json(&json!({"name": name})).send().await.unwrap();
    serde_json::from_value::<Option<HistoryView>>(r.json().await.unwrap()).unwrap().unwrap()
}

async fn wait_attr(b: &Browser, attr: &str, want: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = chart_attr(b, attr).await.filter(|v| want(v)) {
            return v;
        }
        assert!(Instant::now() < deadline, "{attr} never changed as expected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn link(b: &Browser, css: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(e) = b.client.find(Locator::Css(css)).await {
            return e.attr("href").await.unwrap().unwrap();
        }
        assert!(Instant::now() < deadline, "{css} never appeared");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn decoded(b: &Browser, href: &str) -> String {
    let js = "return decodeURIComponent(arguments[0].split(',').slice(1).join(','));";
    b.client.execute(js, vec![json!(href)]).await.unwrap().as_str().unwrap().to_owned()
}

const DATASETS: [(&str, &str); 3] = [
    ("/Prim/Chart-v1/AODSIM", "VALID"),
    ("/Prim/Chart-v1/MINIAODSIM", "PRODUCTION"),
    ("/Prim/Chart-v1/NANOAODSIM", "INVALID"),
];
const MAIN: &str = "pdmvserv_Chart_261101_000000_0001";

/// Eight datasets with long names (the busy chart's).
fn busy_datasets() -> Vec<String> {
    (0..8)
        .map(|i| format!("/VeryLongPrimaryDatasetName{i}_TuneCP5_13p6TeV-pythia8/Run3Summer23-Busy-v1/AODSIM"))
        .collect()
}

/// The main workflow, a busy one (eight datasets, twelve transitions) and two long histories.
fn documents() -> Vec<Value> {
    let main = workflow(MAIN, &DATASETS, 40);
    let busy_sets = busy_datasets();
    let busy_refs: Vec<(&str, &str)> = busy_sets.iter().map(|d| (d.as_str(), "PRODUCTION")).collect();
    let mut busy = workflow("pdmvserv_Busy_261101_000000_0004", &busy_refs, 40);
    // The first twelve of a request's life, in order.
    let statuses = &RequestStatus::ALL[..12];
    busy["RequestTransition"] = statuses
        .iter()
        .enumerate()
        .map(|(k, s)| json!({"Status": s.as_str(), "UpdateTime": T0 + if k < 6 { k as i64 * 60 } else { k as i64 * 2400 }}))
        .collect();
    vec![
        main,
        busy,
        workflow("pdmvserv_Chart5k_261101_000000_0002", &[("/Prim/Big-v1/AODSIM", "PRODUCTION")], 5_000),
        workflow("pdmvserv_Chart50k_261101_000000_0003", &[("/Prim/Huge-v1/AODSIM", "PRODUCTION")], 50_000),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chart_is_drawn_labelled_toggled_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("c.sqlite")).unwrap());
    store.init().await.unwrap();
    let docs = documents();
    for d in &docs {
        store.put(Db::Requests, d).await.unwrap();
    }
    let server = TestServer::start(store, "/stats").await.unwrap();
    let b = Browser::start(1280, 900).await.unwrap();
    b.client.goto(&format!("{}/stats/workflow/{MAIN}", server.origin)).await.unwrap();
    assert!(chart_attr(&b, "data-draw-ms").await.is_some(), "the chart was never drawn");
    let (before, frame) = lines_legend_and_hover(&b, &server.origin).await;
    zoom_reload_and_log_scale(&b, &frame, &before).await;
    exports(&b, &docs[0]).await;
    busy_chart(&b, &server.origin).await;
    aggregate_and_historical(&b, &server.origin).await;
    draw_times(&b, &server.origin).await;
    b.close().await;
}

/// One line per dataset, the legend names each, hovering reads a value. Returns the lines
/// and the frame they were drawn in.
async fn lines_legend_and_hover(b: &Browser, origin: &str) -> (Vec<String>, app::chart::Frame) {
    let before = paths(b).await;
    assert_eq!(before.len(), 3, "one line per dataset");
    assert!(before.iter().all(|d| d.len() > 100), "{before:?}");
    let mut legend = Vec::new();
    for e in b.client.find_all(Locator::Css("ul.legend a.legend-name")).await.unwrap() {
        legend.push(e.attr("data-dataset").await.unwrap().unwrap());
    }
    assert_eq!(legend, DATASETS.iter().map(|d| d.0).collect::<Vec<_>>(), "the legend names every dataset");
    // Hovering at the last point of the first dataset reads its value.
    let view = history(origin, MAIN).await;
    let (_, frame) = label_rows(&view, app::chart::Look::default());
    let last = *view.series[0].points.last().unwrap();
    pointer(b, "mousemove", frame.x(last.0), frame.y(last.1)).await;
    let shown = b.client.find(Locator::Css("p.hover")).await.unwrap().text().await.unwrap();
    assert!(shown.contains(" UTC, events: /Prim/Chart-v1/AODSIM "), "{shown}");
    assert!(shown.contains(&format!("AODSIM {}", app::format::thousands(last.1))), "{shown}");
    b.screenshot("chart-linear").await.unwrap();

    (before, frame)
}

/// Dragging zooms (the URL keeps it, a reload too), a double click resets, log scale redraws.
async fn zoom_reload_and_log_scale(b: &Browser, frame: &app::chart::Frame, before: &[String]) {
    let whole = chart_attr(b, "data-window").await.unwrap();
    let (x0, x1) = (frame.left + 10.0, frame.left + (frame.right - frame.left) / 3.0);
    pointer(b, "mousedown", x0, frame.top + 50.0).await;
    pointer(b, "mousemove", x1, frame.top + 50.0).await;
    pointer(b, "mouseup", x1, frame.top + 50.0).await;
    let zoomed = wait_attr(b, "data-window", |w| w != whole).await;
    let query = b.client.current_url().await.unwrap().query().unwrap_or("").to_owned();
    assert_eq!(app::chart::zoom_of(&query).map(|(a, z)| format!("{a}-{z}")), Some(zoomed.clone()), "{query}");
    assert_ne!(paths(b).await, before, "the zoomed lines differ");
    b.screenshot("chart-zoomed").await.unwrap();
    b.client.refresh().await.unwrap();
    assert_eq!(wait_attr(b, "data-window", |w| w == zoomed).await, zoomed, "a reload keeps the zoom");
    pointer(b, "dblclick", x1, frame.top + 50.0).await;
    wait_attr(b, "data-window", |w| w == whole).await;

    b.client.find(Locator::Css("button.scale")).await.unwrap().click().await.unwrap();
    wait_attr(b, "data-scale", |s| s == "log").await;
    assert_ne!(paths(b).await, before, "the log scale draws different lines");
    b.screenshot("chart-log").await.unwrap();
}

/// The CSV is the plotted history under a stamp; SVG and PNG come stamped too.
async fn exports(b: &Browser, main: &Value) {
    let text = decoded(b, &link(b, "a.csv").await).await;
    let (stamp, body) = text.split_once('\n').unwrap();
    assert!(stamp.starts_with(&format!("# Stats2 · {MAIN} · exported ")) && stamp.contains("last update"), "{stamp}");
    let expected = csv(&history_view(&Workflow::from_value(main.clone()).unwrap(), 0));
    assert_eq!(body, expected, "the CSV is the plotted history");
    b.client.find(Locator::Css("button.svg")).await.unwrap().click().await.unwrap();
    let svg = decoded(b, &link(b, "a.svg-link").await).await;
    assert!(
        svg.starts_with("<svg") && svg.contains("exported") && svg.matches("class=\"series\"").count() == 3,
        "{}",
        &svg[..200.min(svg.len())]
    );
    b.client.find(Locator::Css("button.png")).await.unwrap().click().await.unwrap();
    assert!(link(b, "a.png-link").await.starts_with("data:image/png;base64,"));
    // The PDF is the server's (tests/tests/pdf_downloads.rs reads it back); the page links it,
    // and has its short link.
    assert_eq!(link(b, "a.pdf").await, format!("/stats/pdf/workflow/{MAIN}"));
    assert!(b.client.find(Locator::Css("header button.short-link")).await.is_ok());
}

/// Eight datasets and twelve transitions, six of them within minutes: a colour each, no
/// label over another, the legend outside the plot with shortened names.
async fn busy_chart(b: &Browser, origin: &str) {
    b.client.goto(&format!("{}/stats/workflow/pdmvserv_Busy_261101_000000_0004", origin)).await.unwrap();
    assert!(chart_attr(b, "data-draw-ms").await.is_some());
    let colours = b
        .client
        .execute("return [...new Set([...document.querySelectorAll('section.chart .plot path.series')].map(p => p.getAttribute('stroke')))].length;", vec![])
        .await
        .unwrap();
    assert_eq!(colours, json!(8), "one colour per dataset");
    let overlaps = b
        .client
        .execute(
            "const t = [...document.querySelectorAll('section.chart .plot text.transition')].map(e => e.getBoundingClientRect());
             let n = 0; for (let i = 0; i < t.length; i++) for (let j = i + 1; j < t.length; j++) {
               const a = t[i], b = t[j]; if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) n++; }
             const plot = document.querySelector('section.chart .plot').getBoundingClientRect();
             const out = t.filter(r => r.left < plot.left || r.right > plot.right).length;
             return [t.length, n, out];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overlaps, json!([12, 0, 0]), "[labels, overlapping pairs, outside the chart]");
    let mut shown = Vec::new();
    for e in b.client.find_all(Locator::Css("ul.legend a.legend-name")).await.unwrap() {
        let (text, title) = (e.text().await.unwrap(), e.attr("title").await.unwrap().unwrap());
        assert!(
            text.chars().count() <= 60 && text.ends_with("/…/AODSIM") && title.starts_with("/VeryLong"),
            "{text} / {title}"
        );
        shown.push(title);
    }
    assert_eq!(shown, busy_datasets());
    b.screenshot("chart-busy").await.unwrap();
}

/// The aggregate of campaign C: one line per datatier; then pMp's historical mode.
async fn aggregate_and_historical(b: &Browser, origin: &str) {
    b.client.goto(&format!("{}/stats/aggregate?campaign=C&bucket=1h", origin)).await.unwrap();
    assert!(chart_attr(b, "data-draw-ms").await.is_some(), "the aggregate chart was never drawn");
    assert_eq!(paths(b).await.len(), 3);
    let mut tiers = Vec::new();
    for e in b.client.find_all(Locator::Css("ul.legend .legend-name")).await.unwrap() {
        tiers.push(e.text().await.unwrap());
    }
    assert_eq!(tiers, ["AODSIM", "MINIAODSIM", "NANOAODSIM"]);
    b.screenshot("chart-aggregate").await.unwrap();

    // pMp's historical mode: expected behind, then VALID, produced and INVALID stacked.
    b.client.find(Locator::Css("select.mode")).await.unwrap().select_by_value("historical").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let layers = loop {
        let n = b.client.find_all(Locator::Css("section.stacked svg path.area")).await.unwrap().len();
        if n > 0 {
            break n;
        }
        assert!(Instant::now() < deadline, "the historical chart never came");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(layers, 4, "expected, VALID, produced, INVALID/DELETED");
    b.client.find(Locator::Css("input.growing")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !b.client.current_url().await.unwrap().query().unwrap_or("").contains("mode=historical&growing=1") {
        assert!(Instant::now() < deadline, "growing is not in the URL");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let legend = loop {
        if let Ok(e) = b.client.find(Locator::Css("section.stacked ul.legend")).await {
            if let Ok(t) = e.text().await {
                break t;
            }
        }
        assert!(Instant::now() < deadline, "no legend after the switch");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(legend.contains("expected: 1,600,000") && legend.contains("VALID: "), "{legend}");
    b.screenshot("chart-historical").await.unwrap();
}

async fn draw_times(b: &Browser, origin: &str) {
    for (name, points) in
        [("pdmvserv_Chart5k_261101_000000_0002", 5_000), ("pdmvserv_Chart50k_261101_000000_0003", 50_000)]
    {
        b.client.goto(&format!("{}/stats/workflow/{name}", origin)).await.unwrap();
        let ms = chart_attr(b, "data-draw-ms").await.expect("drawn");
        assert!(paths(b).await[0].len() > 1_000);
        println!("draw time for {points} points: {ms} ms");
    }
}
