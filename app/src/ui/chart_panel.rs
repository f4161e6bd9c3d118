//! The chart with its tools and legend: linear/log, forecasts bounded or whole, drag (or Enter)
//! to zoom on the time axis (the URL keeps the window, a double click resets it), a cursor that
//! snaps to the nearest time with a marker on each line and its values in words, CSV / SVG / PNG downloads
//! stamped with what is shown, when, and the data's last update; the legend outside the plot,
//! one line per dataset with its colour, line style, status and forecast.

use js_sys::wasm_bindgen::{closure::Closure, JsCast};
use std::fmt::Write;

use leptos::prelude::*;

use super::base::filter_href;
use super::chart_state::ChartState;
use crate::chart::{colour, dash, readout, short_name, Frame, Label, WIDTH};
use crate::draw::history::{cursor as cursor_markup, svg as svg_markup};
use crate::filter::FilterKey;
use crate::forecast::{Forecast, Outlook};
use crate::format::{thousands, utc_datetime};
use crate::history::{csv, HistoryView};
use crate::markup::escape;

/// What a series' forecast says, `done` being its share of the expected total (percent).
fn badge(f: &Forecast, done: Option<f64>) -> String {
    match f.outlook(done) {
        Outlook::Eta(eta) => {
            format!("{}/h, done ≈ {} UTC", thousands(f.rate_per_hour.round() as i64), utc_datetime(eta))
        }
        other => other.words().unwrap_or_default(),
    }
}

/// The line that says what an export shows: its subject, when it was made, the last update.
fn stamp(v: &HistoryView, label: &str) -> String {
    let last = v.series.iter().filter_map(|s| s.points.last().map(|p| p.0)).max();
    let last = last.map_or_else(|| "no data".to_owned(), |t| format!("last update {} UTC", utc_datetime(t)));
    let now = utc_datetime((js_sys::Date::now() / 1000.0) as i64);
    format!("Stats2 · {label} · exported {now} UTC · {last}")
}

/// `text` as a data URL (what the download links carry).
pub(super) fn data_url(mime: &str, text: &str) -> String {
    format!("data:{mime};charset=utf-8,{}", String::from(js_sys::encode_uri_component(text)))
}

/// Renders SVG markup into a PNG data URL (twice the size, for sharp text), then `done`.
pub(super) fn to_png(markup: String, width: f64, height: f64, done: impl Fn(String) + 'static) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let img: web_sys::HtmlImageElement = document.create_element("img").ok()?.dyn_into().ok()?;
    let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width((width * 2.0) as u32);
    canvas.set_height((height * 2.0) as u32);
    let image = img.clone();
    let onload = Closure::once(move || {
        let ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
        if let Some(ctx) = ctx {
            let _ = ctx.draw_image_with_html_image_element_and_dw_and_dh(&image, 0.0, 0.0, width * 2.0, height * 2.0);
            if let Ok(url) = canvas.to_data_url() {
                done(url);
            }
        }
    });
    img.set_onload(Some(onload.as_ref().unchecked_ref()));
    onload.forget();
    img.set_src(&data_url("image/svg+xml", &markup));
    Some(())
}

type Layout = Memo<(Vec<Label>, Frame)>;

/// The chart of `view`; `zoom` is the URL's window, `on_zoom` asks for another (None resets).
#[component]
pub fn Chart(
    view: HistoryView,
    #[prop(into)] zoom: Signal<Option<(i64, i64)>>,
    #[prop(into)] on_zoom: Callback<Option<(i64, i64)>>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let state = ChartState::new();
    let v = StoredValue::new(view.clone());
    let layout: Layout = Memo::new(move |_| v.with_value(|v| state.layout(v, zoom.get(), None)));
    let words = move || match state.cursor.get() {
        Some(t) => v.with_value(|v| readout(v, t)),
        None => HELP.to_owned(),
    };
    view! {
        <section class="chart">
            <Tools v=v state=state layout=layout zoom=zoom on_zoom=on_zoom label=StoredValue::new(label)/>
            <Plot v=v state=state layout=layout on_zoom=on_zoom/>
            <p class="hover" id="chart-readout" aria-live="polite">{words}</p>
            <Legend view=view/>
        </section>
    }
}

/// The drawing, the cursor's layer over it, and what pointer and keys do to them.
#[component]
fn Plot(
    v: StoredValue<HistoryView>,
    state: ChartState,
    layout: Layout,
    on_zoom: Callback<Option<(i64, i64)>>,
) -> impl IntoView {
    let holder = NodeRef::<leptos::html::Div>::new();
    super::width::follow_width(holder, state.width);
    // Pointer position in SVG units (the drawing is as wide as its box, but a border or a
    // width still being measured may scale it).
    let at = move |ev: &leptos::ev::MouseEvent| -> Option<f64> {
        let svg = holder.get()?.query_selector("svg").ok()??;
        let r = svg.get_bounding_client_rect();
        let w = layout.with_untracked(|l| l.1.width);
        Some((f64::from(ev.client_x()) - r.left()) * w / r.width().max(1.0))
    };
    let on_move = move |ev: leptos::ev::MouseEvent| {
        if let Some(x) = at(&ev) {
            layout.with_untracked(|(_, f)| v.with_value(|v| state.point(v, f, x)));
        }
    };
    let on_up = move |_| {
        if let Some(window) = layout.with_untracked(|l| state.release(&l.1)) {
            on_zoom.run(Some(window));
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let (mine, window) = layout.with_untracked(|(_, f)| v.with_value(|v| state.key(v, f, &ev.key())));
        if mine {
            ev.prevent_default();
        }
        if window.is_some() {
            state.cursor.set(None);
            on_zoom.run(window);
        }
    };
    let picture = move || {
        let started = js_sys::Date::now();
        let (labels, f) = layout.get();
        let markup = v.with_value(|v| svg_markup(v, &f, &labels, state.drag.get(), None));
        let ms = format!("{:.1}", js_sys::Date::now() - started);
        markup.replacen("<svg ", &format!("<svg data-draw-ms=\"{ms}\" "), 1)
    };
    let marks = move || state.cursor.get().map(|t| layout.with(|(_, f)| v.with_value(|v| cursor_markup(v, f, t))));
    view! {
        <div class="plot fits" node_ref=holder tabindex="0" role="group" aria-label=KEYS
            aria-describedby="chart-readout" on:mousemove=on_move on:keydown=on_key
            on:mousedown=move |ev| { if let Some(x) = at(&ev) { state.drag.set(Some((x, x))) } }
            on:mouseup=on_up on:mouseleave=move |_| state.leave() on:dblclick=move |_| on_zoom.run(None)>
            <div class="picture" inner_html=picture></div>
            <div class="cursor-layer" inner_html=move || marks().unwrap_or_default()></div>
        </div>
    }
}

/// What the read-out says while no cursor is shown.
const HELP: &str = "Point at the chart (or focus it and use the arrow keys) to read the values at a time; \
drag across it or press Enter to zoom, double-click or \"Whole history\" to see everything.";

/// The chart's name for screen readers, with its keys.
const KEYS: &str = "History chart: arrow keys move the cursor, Home and End jump to the ends, Enter zooms";

/// Scale, forecasts, zoom reset and the exports, each stamped with what is shown.
#[component]
fn Tools(
    v: StoredValue<HistoryView>,
    state: ChartState,
    layout: Layout,
    zoom: Signal<Option<(i64, i64)>>,
    on_zoom: Callback<Option<(i64, i64)>>,
    label: StoredValue<String>,
) -> impl IntoView {
    let (png, svg) = (RwSignal::new(None::<String>), RwSignal::new(None::<String>));
    // The drawing as shown (without a zoom being dragged), full width whatever the screen, stamped.
    let stamped = move || {
        let (labels, f) = v.with_value(|v| untrack(|| state.layout(v, zoom.get(), Some(WIDTH))));
        let markup = v.with_value(|v| label.with_value(|l| svg_markup(v, &f, &labels, None, Some(&stamp(v, l)))));
        (markup, f.height)
    };
    let export_png = move |_| {
        let (markup, height) = stamped();
        to_png(markup, WIDTH, height, move |url| png.set(Some(url)));
    };
    let csv_href =
        move || v.with_value(|v| data_url("text/csv", &format!("# {}\n{}", label.with_value(|l| stamp(v, l)), csv(v))));
    let name = v.with_value(|v| v.name.clone());
    let search = leptos_router::hooks::use_location().search;
    let pdf = move || match v.with_value(|v| v.aggregate) {
        true => super::views::download_href("pdf", "aggregate", &search.get()),
        false => format!("{}/pdf/workflow/{}", super::base::base_path(), v.with_value(|v| v.name.clone())),
    };
    let reaches_past = move || layout.with(|(_, f)| v.with_value(|v| forecast_beyond(v, f)));
    let (log, whole) = (state.log, state.whole_forecast);
    view! {
        <div class="chart-tools">
            <button type="button" class="scale" on:click=move |_| log.update(|l| *l = !*l)>
                {move || if log.get() { "Linear scale" } else { "Log scale" }}
            </button>
            {move || (reaches_past() || whole.get()).then(|| view! {
                <button type="button" class="whole-forecast" aria-pressed=move || whole.get().to_string()
                    on:click=move |_| whole.update(|w| *w = !*w)>"Show forecasts whole"</button>
            })}
            {move || zoom.get().map(|_| view! {
                <button type="button" class="unzoom" on:click=move |_| on_zoom.run(None)>"Whole history"</button>
            })}
            <a class="button csv" href=csv_href download=format!("{name}.csv")>"Export CSV"</a>
            <button type="button" class="svg" on:click=move |_| svg.set(Some(data_url("image/svg+xml", &stamped().0)))>"Export SVG"</button>
            <button type="button" class="png" on:click=export_png>"Export PNG"</button>
            <a class="button pdf" href=pdf download="" rel="external">"PDF"</a>
            {let name = name.clone(); move || svg.get().map(|href| view! {
                <a class="button svg-link" href=href download=format!("{name}.svg")>"Download SVG"</a>
            })}
            {move || png.get().map(|href| view! {
                <a class="button png-link" href=href download=format!("{name}.png")>"Download PNG"</a>
            })}
        </div>
    }
}

/// A forecast reaches past the window drawn (so the "whole" toggle has something to show).
fn forecast_beyond(v: &HistoryView, f: &Frame) -> bool {
    v.series.iter().filter_map(|s| s.forecast.eta).any(|eta| eta > f.t1)
}

/// One line per series: colour and line style, name (shortened, full on hover; a link to the
/// dataset's list), status and forecast. Markup, like the drawing: lighter in the bundle.
#[component]
fn Legend(view: HistoryView) -> impl IntoView {
    let (aggregate, expected) = (view.aggregate, view.expected);
    let mut out = String::new();
    for (i, s) in view.series.iter().enumerate() {
        let done = s.points.last().filter(|_| expected > 0).map(|p| p.1 as f64 / expected as f64 * 100.0);
        let style = if aggregate { None } else { dash(&s.status) };
        let dashes = style.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default();
        let full = escape(&s.dataset);
        let _ = write!(
            out,
            r#"<li><svg class="swatch" width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" stroke="{}" stroke-width="3"{dashes}/></svg>"#,
            colour(i)
        );
        let _ = if aggregate {
            write!(out, r#"<span class="legend-name" data-dataset="{full}">{full}</span>"#)
        } else {
            let href = escape(&filter_href(FilterKey::OutputDataset, &s.dataset));
            let short = escape(&short_name(&s.dataset, 60));
            write!(
                out,
                r#"<a class="legend-name" href="{href}" title="{full}" data-dataset="{full}">{short}</a> <span class="type">{}</span>"#,
                escape(s.status.as_str())
            )
        };
        let _ = write!(
            out,
            r#" <span class="forecast{}">{}</span></li>"#,
            if s.forecast.stalled { " stalled" } else { "" },
            escape(&badge(&s.forecast, done))
        );
    }
    view! { <ul class="legend" inner_html=out></ul> }
}
