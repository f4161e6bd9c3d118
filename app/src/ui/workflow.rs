//! The workflow detail view (`<base>/workflow/<name>`): the history chart with its legend,
//! forecasts, scale toggle and exports.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::base::{base_path, filter_href};
use super::chart::{draw, nearest};
use crate::api::workflow_history;
use crate::filter::FilterKey;
use crate::history::{color, csv, HistoryView, PALETTE};
use crate::present::{thousands, utc_datetime};

/// The page.
#[component]
pub fn WorkflowPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.get().get("name").unwrap_or_default());
    let data = LocalResource::new(move || {
        let n = name.get();
        async move { workflow_history(n).await.map_err(|e| e.to_string()) }
    });
    // Live: redraw when this workflow changes (or events were missed).
    super::live::subscribe(move |e| {
        if e.kind == "resync" || e.changed.iter().any(|n| *n == name.get_untracked()) {
            data.refetch();
        }
    });
    view! {
        <header class="top">
            <h1><a href=format!("{}/", base_path())>"Stats2"</a></h1>
            <a href=move || filter_href(FilterKey::WorkflowName, &name.get())>{move || name.get()}</a>
        </header>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the history…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(Some(v)) => view! { <Chart view=v/> }.into_any(),
                Ok(None) => view! { <p class="empty">"No workflow of that name in Stats2."</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">"Could not load the history: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}

/// What a series' forecast says, `done` being its share of the expected total (percent).
fn badge(f: &crate::forecast::Forecast, done: Option<f64>) -> String {
    if f.complete {
        "complete".into()
    } else if f.closed {
        done.map_or_else(|| "closed".into(), |p| format!("closed at {p:.0} %"))
    } else if f.stalled {
        "stalled".into()
    } else if let Some(eta) = f.eta {
        format!("{}/h, done ≈ {} UTC", thousands(f.rate_per_hour.round() as i64), utc_datetime(eta))
    } else {
        "no estimate".into()
    }
}

/// The chart with its tools, legend and hover read-out.
#[component]
pub fn Chart(view: HistoryView) -> impl IntoView {
    let log = RwSignal::new(false);
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let png = RwSignal::new(None::<String>);
    let hover = RwSignal::new(None::<String>);
    let drawn = view.clone();
    let probed = view.clone();
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let Some(c) = canvas.get() else { return };
        // The canvas may be scaled by CSS: map the pointer to canvas pixels.
        let scale = c.width() as f64 / f64::from(c.client_width().max(1));
        let (x, y) = (f64::from(ev.offset_x()) * scale, f64::from(ev.offset_y()) * scale);
        let unit = if probed.lumi_mode { "lumisections" } else { "events" };
        hover.set(nearest(&probed, log.get_untracked(), c.width() as f64, c.height() as f64, x, y).map(|(si, pi)| {
            let s = &probed.series[si];
            let (t, value) = s.points[pi];
            format!("{}: {} {unit} at {} UTC ({})", s.dataset, thousands(value), utc_datetime(t), s.status.as_str())
        }));
    };
    Effect::new(move |_| {
        let log = log.get();
        if let Some(c) = canvas.get() {
            let started = js_sys::Date::now();
            let result = draw(c.clone(), &drawn, log);
            let _ = c.set_attribute("data-draw-ms", &format!("{:.1}", js_sys::Date::now() - started));
            let _ = c.set_attribute("data-scale", if log { "log" } else { "linear" });
            if let Err(e) = result {
                let _ = c.set_attribute("data-error", &e);
            }
        }
    });
    let csv_href = format!("data:text/csv;charset=utf-8,{}", String::from(js_sys::encode_uri_component(&csv(&view))));
    let name = view.name.clone();
    let aggregate = view.aggregate;
    let expected = view.expected;
    let legend = view.series.iter().enumerate().map(|(i, s)| {
        let done = s.points.last().filter(|_| expected > 0).map(|p| p.1 as f64 / expected as f64 * 100.0);
        let (r, g, b) = if aggregate { PALETTE[i % PALETTE.len()] } else { color(&s.status) };
        let name = if aggregate {
            view! { <span class="legend-name">{s.dataset.clone()}</span> }.into_any()
        } else {
            view! { <a class="legend-name" href=filter_href(FilterKey::OutputDataset, &s.dataset)>{s.dataset.clone()}</a> }.into_any()
        };
        view! {
            <li>
                <span class="swatch" style=format!("background: rgb({r},{g},{b})")></span>
                {name}
                {(!aggregate).then(|| view! { " " <span class="type">{s.status.as_str().to_owned()}</span> })}
                " " <span class=format!("forecast {}", if s.forecast.stalled { "stalled" } else { "" })>{badge(&s.forecast, done)}</span>
            </li>
        }
    }).collect_view();
    view! {
        <section class="chart">
            <div class="chart-tools">
                <button type="button" class="scale" on:click=move |_| log.update(|l| *l = !*l)>
                    {move || if log.get() { "Linear scale" } else { "Log scale" }}
                </button>
                <a class="button csv" href=csv_href download=format!("{name}.csv")>"Export CSV"</a>
                <button type="button" class="png" on:click=move |_| png.set(canvas.get().and_then(|c| c.to_data_url().ok()))>"Export PNG"</button>
                {move || png.get().map(|href| view! { <a class="button png-link" href=href download="chart.png">"Download PNG"</a> })}
            </div>
            <canvas node_ref=canvas width="1100" height="460" role="img" aria-label="Event history chart"
                on:mousemove=on_move on:mouseleave=move |_| hover.set(None)></canvas>
            <p class="hover" aria-live="polite">{move || hover.get().unwrap_or_else(|| "Point at the chart to read a value.".into())}</p>
            <ul class="legend">{legend}</ul>
        </section>
    }
}
