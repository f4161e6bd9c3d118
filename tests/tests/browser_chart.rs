//! The history chart in headless Chromium: drawn pixels in the plot area, a legend naming every
//! dataset, the log/linear toggle, the CSV export equal to the history, draw times for 5,000
//! and 50,000 points (printed for BENCHMARKS.md), screenshots.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::history::{csv, history_view};
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

async fn canvas_attr(b: &Browser, attr: &str) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(c) = b.client.find(Locator::Css("section.chart canvas")).await {
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

const PIXELS: &str = "const c = document.querySelector('section.chart canvas'); const d = c.getContext('2d').getImageData(100, 20, 950, 380).data;
    let n = 0, h = 0; for (let i = 0; i < d.length; i += 4) { if (d[i] < 245 || d[i+1] < 245 || d[i+2] < 245) { n++; h = (h * 31 + i) % 1000000007; } } return [n, h];";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chart_is_drawn_labelled_toggled_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("c.sqlite")).unwrap());
    store.init().await.unwrap();
    let datasets = [
        ("/Prim/Chart-v1/AODSIM", "VALID"),
        ("/Prim/Chart-v1/MINIAODSIM", "PRODUCTION"),
        ("/Prim/Chart-v1/NANOAODSIM", "INVALID"),
    ];
    let main = workflow("pdmvserv_Chart_261101_000000_0001", &datasets, 40);
    let docs = vec![
        main.clone(),
        workflow("pdmvserv_Chart5k_261101_000000_0002", &[("/Prim/Big-v1/AODSIM", "PRODUCTION")], 5_000),
        workflow("pdmvserv_Chart50k_261101_000000_0003", &[("/Prim/Huge-v1/AODSIM", "PRODUCTION")], 50_000),
    ];
    for d in &docs {
        store.put(Db::Requests, d).await.unwrap();
    }
    let server = TestServer::start(store, "/stats").await.unwrap();
    let b = Browser::start(1280, 900).await.unwrap();
    b.client.goto(&format!("{}/stats/workflow/pdmvserv_Chart_261101_000000_0001", server.origin)).await.unwrap();
    assert!(canvas_attr(&b, "data-draw-ms").await.is_some(), "the chart was never drawn");

    let before = b.client.execute(PIXELS, vec![]).await.unwrap();
    assert!(before[0].as_u64().unwrap() > 2_000, "non-background pixels in the plot area: {before}");
    let mut legend = Vec::new();
    for e in b.client.find_all(Locator::Css("ul.legend a.legend-name")).await.unwrap() {
        legend.push(e.text().await.unwrap());
    }
    assert_eq!(legend, datasets.iter().map(|d| d.0).collect::<Vec<_>>(), "the legend names every dataset");
    // Hovering near the last point of the first dataset reads its value.
    let last = main["EventNumberHistory"].as_array().unwrap().last().unwrap()["Datasets"]["/Prim/Chart-v1/AODSIM"]
        ["Events"]
        .as_i64()
        .unwrap();
    let probe = "const c = document.querySelector('section.chart canvas'); const r = c.getBoundingClientRect();
        const sx = r.width / c.width, sy = r.height / c.height;
        c.dispatchEvent(new MouseEvent('mousemove', {clientX: r.left + arguments[0] * sx, clientY: r.top + arguments[1] * sy, bubbles: true}));
        return 1;";
    // The last point sits at the right end of the time axis, at its value on the y axis.
    let (w, h, top) = (1100.0, 460.0, 400_000.0 * 1.08);
    let (x, y) = (w - 14.0 - 12.0, (h - 14.0 - 36.0) - last as f64 / top * (h - 14.0 - 36.0 - 14.0));
    b.client.execute(probe, vec![json!(x), json!(y)]).await.unwrap();
    let shown = b.client.find(Locator::Css("p.hover")).await.unwrap().text().await.unwrap();
    assert!(shown.starts_with("/Prim/Chart-v1/AODSIM: "), "{shown}");
    assert!(shown.contains(" events at ") && shown.contains("UTC"), "{shown}");
    b.screenshot("chart-linear").await.unwrap();

    b.client.find(Locator::Css("button.scale")).await.unwrap().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while canvas_attr(&b, "data-scale").await.as_deref() != Some("log") {
        assert!(Instant::now() < deadline, "the toggle did not switch to log");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = b.client.execute(PIXELS, vec![]).await.unwrap();
    assert_ne!(before, after, "the log scale draws a different picture");
    b.screenshot("chart-log").await.unwrap();

    let href = b.client.find(Locator::Css("a.csv")).await.unwrap().attr("href").await.unwrap().unwrap();
    let text = b
        .client
        .execute("return decodeURIComponent(arguments[0].split(',').slice(1).join(','));", vec![json!(href)])
        .await
        .unwrap();
    let expected = csv(&history_view(&Workflow::from_value(main).unwrap(), 0));
    assert_eq!(text.as_str().unwrap(), expected, "the CSV is the plotted history");

    // The aggregate of every workflow of campaign C: one line per datatier.
    b.client.goto(&format!("{}/stats/aggregate?campaign=C&bucket=1h", server.origin)).await.unwrap();
    assert!(canvas_attr(&b, "data-draw-ms").await.is_some(), "the aggregate chart was never drawn");
    let drawn = b.client.execute(PIXELS, vec![]).await.unwrap();
    assert!(drawn[0].as_u64().unwrap() > 1_000, "{drawn}");
    let mut tiers = Vec::new();
    for e in b.client.find_all(Locator::Css("ul.legend .legend-name")).await.unwrap() {
        tiers.push(e.text().await.unwrap());
    }
    assert_eq!(tiers, ["AODSIM", "MINIAODSIM", "NANOAODSIM"]);
    b.screenshot("chart-aggregate").await.unwrap();

    for (name, points) in
        [("pdmvserv_Chart5k_261101_000000_0002", 5_000), ("pdmvserv_Chart50k_261101_000000_0003", 50_000)]
    {
        b.client.goto(&format!("{}/stats/workflow/{name}", server.origin)).await.unwrap();
        let ms = canvas_attr(&b, "data-draw-ms").await.expect("drawn");
        let drawn = b.client.execute(PIXELS, vec![]).await.unwrap();
        assert!(drawn[0].as_u64().unwrap() > 1_000);
        println!("draw time for {points} points: {ms} ms");
    }
    b.close().await;
}
