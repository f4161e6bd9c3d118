//! The historical (stacked) chart with the workflow chart's tools: a hover read-out of the
//! nearest bucket, drag across the time axis to zoom (the URL keeps the window, a double
//! click or "Whole history" resets it), and CSV / SVG / PNG downloads stamped with what is
//! shown and when.

use leptos::prelude::*;

use super::chart_panel::{data_url, to_png};
use crate::chart::WIDTH;
use crate::csv::historical as csv;
use crate::draw::stacked::{frame, layers, svg, EXPECTED_FILL};
use crate::format::{thousands, utc_datetime};
use crate::historical::{nearest_bucket, window, HistoricalView};

/// What the pointer reads: every layer at the bucket nearest to `x` (SVG units).
fn read_out(v: &HistoricalView, width: f64, x: f64) -> Option<String> {
    let i = nearest_bucket(v, frame(v, width).t_at(x))?;
    let at = |values: &[i64]| thousands(values.get(i).copied().unwrap_or(0));
    let parts: Vec<String> = layers(v).iter().map(|(name, values, _)| format!("{name} {}", at(values))).collect();
    Some(format!("{} UTC: expected {}, {} events", utc_datetime(v.ends[i]), at(&v.expected), parts.join(", ")))
}

/// The line that says what a download shows.
fn stamp(v: &HistoricalView, label: &str) -> String {
    let now = utc_datetime((js_sys::Date::now() / 1000.0) as i64);
    let last = v.ends.last().map_or_else(|| "no data".to_owned(), |t| format!("last bucket {} UTC", utc_datetime(*t)));
    format!("Stats2 · historical · {label} · exported {now} UTC · {last}")
}

/// The chart of `view`, zoomed to `zoom`; `on_zoom` asks for another window (None resets).
#[component]
pub fn StackedChart(
    view: HistoricalView,
    #[prop(into)] zoom: Signal<Option<(i64, i64)>>,
    #[prop(into)] on_zoom: Callback<Option<(i64, i64)>>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let whole = StoredValue::new(view);
    let shown = Memo::new(move |_| whole.with_value(|v| window(v, zoom.get())));
    let holder = NodeRef::<leptos::html::Div>::new();
    let width = RwSignal::new(WIDTH);
    super::width::follow_width(holder, width);
    let (hover, drag) = (RwSignal::new(None::<String>), RwSignal::new(None::<(f64, f64)>));
    let at = move |ev: &leptos::ev::MouseEvent| -> Option<f64> {
        let svg = holder.get()?.query_selector("svg").ok()??;
        let r = svg.get_bounding_client_rect();
        let w = shown.with_untracked(|v| frame(v, width.get_untracked()).width);
        Some((f64::from(ev.client_x()) - r.left()) * w / r.width().max(1.0))
    };
    let on_move = move |ev: leptos::ev::MouseEvent| {
        let Some(x) = at(&ev) else { return };
        match drag.get_untracked() {
            Some((a, _)) => drag.set(Some((a, x))),
            None => hover.set(shown.with_untracked(|v| read_out(v, width.get_untracked(), x))),
        }
    };
    let on_up = move |_| {
        if let Some((a, b)) = drag.get_untracked() {
            drag.set(None);
            if (a - b).abs() > 6.0 {
                let f = shown.with_untracked(|v| frame(v, width.get_untracked()));
                on_zoom.run(Some((f.t_at(a.min(b)), f.t_at(a.max(b)))));
            }
        }
    };
    let label = StoredValue::new(label);
    let picture = move || shown.with(|v| svg(v, width.get(), drag.get(), None));
    view! {
        <section class="chart stacked">
            <Tools shown=shown zoom=zoom on_zoom=on_zoom label=label/>
            <div class="plot fits" node_ref=holder inner_html=picture
                on:mousemove=on_move on:mousedown=move |ev| { if let Some(x) = at(&ev) { drag.set(Some((x, x))) } }
                on:mouseup=on_up on:mouseleave=move |_| { hover.set(None); drag.set(None); }
                on:dblclick=move |_| on_zoom.run(None)></div>
            <p class="hover" aria-live="polite">{move || hover.get().unwrap_or_else(|| "Point at the chart to read a bucket; drag across it to zoom, double-click to see everything.".into())}</p>
            <div class="legend-wrap" inner_html=move || shown.with(legend)></div>
        </section>
    }
}

/// Zoom reset and the downloads.
#[component]
fn Tools(
    shown: Memo<HistoricalView>,
    zoom: Signal<Option<(i64, i64)>>,
    on_zoom: Callback<Option<(i64, i64)>>,
    label: StoredValue<String>,
) -> impl IntoView {
    let (png, svg_href) = (RwSignal::new(None::<String>), RwSignal::new(None::<String>));
    let stamped = move || shown.with_untracked(|v| label.with_value(|l| svg(v, WIDTH, None, Some(&stamp(v, l)))));
    let export_png = move |_| {
        let height = shown.with_untracked(|v| frame(v, WIDTH)).height;
        to_png(stamped(), WIDTH, height, move |url| png.set(Some(url)));
    };
    let csv_href =
        move || shown.with(|v| data_url("text/csv", &format!("# {}\n{}", label.with_value(|l| stamp(v, l)), csv(v))));
    view! {
        <div class="chart-tools">
            {move || zoom.get().map(|_| view! {
                <button type="button" class="unzoom" on:click=move |_| on_zoom.run(None)>"Whole history"</button>
            })}
            <a class="button csv" href=csv_href download="historical.csv">"Export CSV"</a>
            <button type="button" class="svg" on:click=move |_| svg_href.set(Some(data_url("image/svg+xml", &stamped())))>"Export SVG"</button>
            <button type="button" class="png" on:click=export_png>"Export PNG"</button>
            <super::views::DownloadLink format="pdf" view="historical" label="PDF"/>
            {move || svg_href.get().map(|href| view! { <a class="button svg-link" href=href download="historical.svg">"Download SVG"</a> })}
            {move || png.get().map(|href| view! { <a class="button png-link" href=href download="historical.png">"Download PNG"</a> })}
        </div>
    }
}

/// The layers with the last shown bucket's values, and what the chart leaves out, as markup.
fn legend(v: &HistoricalView) -> String {
    let last = |values: &[i64]| thousands(values.last().copied().unwrap_or(0));
    let item = |colour: &str, text: String| {
        format!(r#"<li><span class="swatch-box" style="background: {colour}"></span>{text}</li>"#)
    };
    let mut out = String::from(r#"<ul class="legend">"#);
    out.push_str(&item(EXPECTED_FILL, format!("expected: {} events", last(&v.expected))));
    for (name, values, colour) in layers(v) {
        out.push_str(&item(colour, format!("{name}: {} events", last(values))));
    }
    out.push_str(&format!(
        r#"</ul><p class="note">{} workflows, each counted with its largest output dataset; force-completed ones count their expected events from then on."#,
        thousands(v.workflows as i64)
    ));
    if v.lumi_left_out > 0 {
        out.push(' ');
        out.push_str(&crate::format::lumi_left_out(v.lumi_left_out as i64));
    }
    out.push_str("</p>");
    out
}
