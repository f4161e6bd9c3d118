//! The performance view (`<base>/performance?<filter>&from=&to=&bins=&scale=`): how long the
//! filter's workflows took from one status to another, as a histogram with the median and
//! the 90th percentile marked; a bar's workflows are listed on a click, and the workflows
//! lacking either transition are counted and named below.

use js_sys::wasm_bindgen::JsCast;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use super::filter_bar::FilterBar;
use super::views::ViewsHeader;
use crate::analytics::{duration_query, duration_query_string, DurationHistogram, DurationQuery, Scale};
use crate::api::{duration_bin, durations};
use crate::draw::histogram::{H, W};
use crate::filter::RequestStatus;
use crate::format::thousands;

/// The page.
#[component]
pub fn PerformancePage() -> impl IntoView {
    let location = use_location();
    let query = Memo::new(move |_| duration_query(&location.search.get()));
    let filter = Memo::new(move |_| query.get().map(|q| q.filter));
    let data = LocalResource::new(move || {
        let q = query.get();
        async move { durations(q?).await.map_err(|e| e.to_string()) }
    });
    let chosen = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        query.track();
        chosen.set(None);
    });
    let extra = Signal::derive(move || {
        let q = query.get().ok();
        q.map(|q| duration_query_string(&DurationQuery { filter: Default::default(), ..q })).unwrap_or_default()
    });
    view! {
        <ViewsHeader filter=filter title="Time between two statuses"/>
        <FilterBar filter=filter target="/performance" extra=extra/>
        <super::views::DownloadLink format="csv" view="durations" label="CSV of every measured workflow"/>
        <super::views::DownloadLink format="pdf" view="durations" label="PDF"/>
        {move || query.get().ok().map(|q| view! { <SpanForm q=q/> })}
        <Suspense fallback=|| view! { <p class="loading" role="status">"Measuring…"</p> }>
            {move || data.get().map(|r| match (r, query.get_untracked()) {
                (Ok(h), Ok(q)) if h.measured == 0 => view! {
                    <p class="empty">{format!("No matching workflow went from {} to {}.", q.from, q.to)}</p>
                    <Lacking h=h/>
                }.into_any(),
                (Ok(h), Ok(q)) => view! {
                    <Histogram h=h.clone() log=q.scale == Scale::Log chosen=chosen/>
                    <BinList q=q chosen=chosen ranges=h.bins.iter().map(|b| (b.lo, b.hi)).collect()/>
                    <Lacking h=h/>
                }.into_any(),
                (Err(e), _) | (_, Err(e)) => view! { <p class="error" role="alert">"Could not measure: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}

/// From, to, bins and scale; applying navigates so the URL keeps them.
#[component]
fn SpanForm(q: DurationQuery) -> impl IntoView {
    let (from, to, bins) = (RwSignal::new(q.from), RwSignal::new(q.to), RwSignal::new(q.bins.to_string()));
    let log = RwSignal::new(q.scale == Scale::Log);
    let navigate = use_navigate();
    let filter = q.filter.clone();
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let scale = if log.get_untracked() { Scale::Log } else { Scale::Linear };
        let bins = bins.get_untracked().trim().parse().unwrap_or(0);
        let q =
            DurationQuery { filter: filter.clone(), from: from.get_untracked(), to: to.get_untracked(), bins, scale };
        navigate(&format!("/performance?{}", duration_query_string(&q)), Default::default());
    };
    let select = |name: &'static str, sig: RwSignal<RequestStatus>| {
        view! {
            <select name=name on:change=move |ev| {
                if let Some(s) = RequestStatus::parse(&event_target_value(&ev)) {
                    sig.set(s)
                }
            }>
                {RequestStatus::ALL
                    .into_iter()
                    .map(|s| view! { <option value=s.as_str() selected=move || sig.get() == s>{s.as_str()}</option> })
                    .collect_view()}
            </select>
        }
    };
    view! {
        <form class="filters span" on:submit=apply aria-label="Statuses to measure between">
            <label><span>"From"</span>{select("from", from)}</label>
            <label><span>"To"</span>{select("to", to)}</label>
            <label class="priority"><span>"Bins"</span>
                <input type="number" name="bins" min="1" max="100" prop:value=bins
                    on:input=move |ev| bins.set(event_target_value(&ev))/>
            </label>
            <label class="check">
                <input type="checkbox" name="log" prop:checked=log on:change=move |ev| log.set(event_target_checked(&ev))/>
                <span>"Log scale"</span>
            </label>
            <button type="submit">"Measure"</button>
        </form>
    }
}

/// The chart; a click on a bar selects it (read from the bar's `data-bin`).
#[component]
fn Histogram(h: DurationHistogram, log: bool, chosen: RwSignal<Option<usize>>) -> impl IntoView {
    let measured = h.measured;
    let pick = move |ev: leptos::ev::MouseEvent| {
        let bin = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.get_attribute("data-bin"))
            .and_then(|b| b.parse().ok());
        if bin.is_some() {
            chosen.set(bin);
        }
    };
    // Each bar is a focusable button in the drawing: Enter or Space chooses it like a click.
    let press = move |ev: leptos::ev::KeyboardEvent| {
        if matches!(ev.key().as_str(), "Enter" | " ") {
            let bin = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            if let Some(b) = bin.and_then(|e| e.get_attribute("data-bin")).and_then(|b| b.parse().ok()) {
                ev.prevent_default();
                chosen.set(Some(b));
            }
        }
    };
    // The drawing does not change with the chosen bar: its SVG download is a plain link.
    let drawing = StoredValue::new(crate::draw::histogram::svg(&h, log, None, W));
    let svg_href = super::chart_panel::data_url("image/svg+xml", &drawing.get_value());
    let png = RwSignal::new(None::<String>);
    let (holder, width) = (NodeRef::<leptos::html::Div>::new(), RwSignal::new(W));
    super::width::follow_width(holder, width);
    let export_png = move |_| {
        super::chart_panel::to_png(drawing.get_value(), W, H, move |url| png.set(Some(url)));
    };
    view! {
        <section class="chart histogram">
            <div class="chart-tools">
                <a class="button svg-link" href=svg_href download="durations.svg">"Export SVG"</a>
                <button type="button" class="png" on:click=export_png>"Export PNG"</button>
                {move || png.get().map(|href| view! { <a class="button png-link" href=href download="durations.png">"Download PNG"</a> })}
            </div>
            <div class="plot" node_ref=holder on:click=pick on:keydown=press
                inner_html=move || crate::draw::histogram::svg(&h, log, chosen.get(), width.get())></div>
            <p class="note">{format!("{} workflows measured; click a bar to list its workflows.", thousands(measured as i64))}</p>
        </section>
    }
}

/// The workflows of the chosen bar.
#[component]
fn BinList(q: DurationQuery, chosen: RwSignal<Option<usize>>, ranges: Vec<(f64, f64)>) -> impl IntoView {
    let csv = format!("{}/csv/durations?{}", super::base::base_path(), crate::analytics::duration_query_string(&q));
    let listed = LocalResource::new(move || {
        let q = q.clone();
        let bin = chosen.get();
        async move {
            match bin {
                Some(b) => duration_bin(q, b as u32).await.map(Some).map_err(|e| e.to_string()),
                None => Ok(None),
            }
        }
    });
    let base = super::base::base_path();
    view! {
        <Suspense fallback=|| ()>
            {move || listed.get().map(|r| match r {
                Ok(Some(w)) => view! {
                    <section class="bin-list">
                        <h2>{bar_heading(&w, chosen.get_untracked().and_then(|b| ranges.get(b).copied()))}</h2>
                        <a class="button csv-bin" href=format!("{csv}&bin={}", chosen.get_untracked().unwrap_or(0)) download="">"CSV of all of them"</a>
                        <ul>
                            {w.names
                                .into_iter()
                                .map(|n| view! { <li><a href=format!("{base}/workflow/{n}")>{n.clone()}</a></li> })
                                .collect_view()}
                        </ul>
                    </section>
                }.into_any(),
                Ok(None) => ().into_any(),
                Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            })}
        </Suspense>
    }
}

/// The workflows that could not be measured.
#[component]
fn Lacking(h: DurationHistogram) -> impl IntoView {
    (h.lacking > 0).then(|| {
        let more = h.lacking.saturating_sub(h.lacking_names.len() as u64);
        view! {
            <section class="lacking">
                <h2 data-testid="lacking">{format!("{} matching workflows lack one of the two transitions", thousands(h.lacking as i64))}</h2>
                <p class="names">{h.lacking_names.join(", ")}{(more > 0).then(|| format!(" and {} more", thousands(more as i64)))}</p>
            </section>
        }
    })
}

/// "N workflows took 2d to 4d", and how many of them are listed when not all.
fn bar_heading(w: &crate::analytics::BinWorkflows, range: Option<(f64, f64)>) -> String {
    use crate::analytics::human_duration;
    let listed = if w.count > w.names.len() as u64 { format!(" (first {})", w.names.len()) } else { String::new() };
    let took =
        range.map_or_else(String::new, |(lo, hi)| format!(" took {} to {}", human_duration(lo), human_duration(hi)));
    let what = if w.count == 1 { "workflow" } else { "workflows" };
    format!("{} {what}{took}{listed}", thousands(w.count as i64))
}
