//! The Present view (`<base>/present?<filter>&group=G&stack=S&measure=M&scale=log&order=size`):
//! pMp's bars of a selection, with their numbers in a table below; a click on a bar or a part
//! opens the list filtered to it. The view's parameters live in the URL like the filter's.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use super::base::view_href;
use super::filter_bar::FilterBar;
use super::views::ViewsHeader;
use crate::api::present;
use std::fmt::Write;

use crate::bar_chart::{columns, part_colour, part_keys, shown, svg, table, Order, Params};
use crate::bars::{Dimension, Measure, PresentView};
use crate::chart::with_param;
use crate::filter::Filter;
use crate::format::thousands;
use crate::markup::escape;

/// The page.
#[component]
pub fn PresentPage() -> impl IntoView {
    let location = use_location();
    let filter = Memo::new(move |_| Filter::from_query(&location.search.get()).map_err(|e| e.to_string()));
    let params = Memo::new(move |_| Params::from_query(&location.search.get()));
    let data = LocalResource::new(move || {
        let (f, p) = (filter.get(), params.get());
        async move { present(f?, p.group, p.stack, Some(p.measure)).await.map_err(|e| e.to_string()) }
    });
    super::live::on_every_run(move || data.refetch());
    let navigate = use_navigate();
    let set = Callback::new(move |(name, value): (&'static str, Option<String>)| {
        let search = with_param(&location.search.get_untracked(), name, value.as_deref());
        navigate(&format!("/present?{search}"), Default::default());
    });
    let extra = Signal::derive(move || params.get().to_query());
    view! {
        <ViewsHeader filter=filter title="Present"/>
        <FilterBar filter=filter target="/present" extra=extra/>
        <super::views::DownloadLink format="csv" view="present" label="CSV"/>
        <super::views::DownloadLink format="pdf" view="present" label="PDF"/>
        <div class="present-controls" role="group" aria-label="Bars" inner_html=move || controls(params.get())
            on:change=move |ev| { if let Some(change) = changed(&ev) { set.run(change) } }></div>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Counting workflows…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(v) if v.matching == 0 => view! { <p class="empty">"No workflow matches this filter."</p> }.into_any(),
                Ok(v) => {
                    let shown = filter.get_untracked().unwrap_or_default();
                    let (markup, drawing) = bars_markup(&v, params.get_untracked(), &shown);
                    let png = move |ev: leptos::ev::MouseEvent| export_png(&ev, &drawing);
                    view! { <section class="chart present" inner_html=markup on:click=png></section> }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">"Could not count the workflows: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}

/// The options of a select, `current` selected.
fn options(out: &mut String, items: impl Iterator<Item = (&'static str, &'static str)>, current: &str) {
    for (value, label) in items {
        let selected = if value == current { " selected" } else { "" };
        let _ = write!(out, r#"<option value="{value}"{selected}>{label}</option>"#);
    }
}

/// Group, stack, measure, scale and order as markup (lighter in the bundle than typed
/// views); the page listens for their changes on the container.
fn controls(p: Params) -> String {
    let dims = || Dimension::ALL.into_iter().map(|d| (d.as_str(), d.label()));
    let mut out = String::from(r#"<label>Bars by <select class="group" name="group">"#);
    options(&mut out, dims(), p.group.as_str());
    out.push_str(r#"</select></label> <label>split by <select class="stack" name="stack">"#);
    options(&mut out, std::iter::once(("", "none")).chain(dims()), p.stack.map_or("", Dimension::as_str));
    out.push_str(r#"</select></label> <label>Height <select class="measure" name="measure">"#);
    options(&mut out, Measure::ALL.into_iter().map(|m| (m.as_str(), m.unit())), p.measure.as_str());
    let checked = |on: bool| if on { " checked" } else { "" };
    let _ = write!(
        out,
        r#"</select></label> <label class="check"><input type="checkbox" class="log" name="scale" value="log"{}> log scale</label> <label class="check"><input type="checkbox" class="by-size" name="order" value="size"{}> largest first</label>"#,
        checked(p.log),
        checked(p.order == Order::Size)
    );
    out
}

/// The changed control's parameter and value (`None`: removed), from a change event.
fn changed(ev: &leptos::ev::Event) -> Option<(&'static str, Option<String>)> {
    use leptos::wasm_bindgen::JsCast;
    let target: web_sys::Element = ev.target()?.dyn_into().ok()?;
    let name = ["group", "stack", "measure", "scale", "order"]
        .into_iter()
        .find(|n| target.get_attribute("name").as_deref() == Some(n))?;
    let value = if target.get_attribute("type").as_deref() == Some("checkbox") {
        event_target_checked(ev).then(|| target.get_attribute("value").unwrap_or_default())
    } else {
        Some(event_target_value(ev)).filter(|v| !v.is_empty())
    };
    Some((name, value))
}

/// What the chart does not show by itself: the count, workflows in several bars, without a
/// value, left out, folded bars.
fn notes(v: &PresentView, p: Params) -> Vec<String> {
    let n = |x: u64| thousands(x as i64);
    let mut out = vec![format!("{} matching workflows.", n(v.matching))];
    if v.in_several > 0 {
        let what = [Some(p.group), p.stack].into_iter().flatten().filter(|d| d.is_multiple());
        let names: Vec<&str> = what.map(Dimension::label).collect();
        out.push(format!(
            "{} workflows have several values ({}) and count in each of their bars or parts.",
            n(v.in_several),
            names.join(", ")
        ));
    }
    if v.without_group > 0 {
        out.push(format!("{} have no {} and are in no bar.", n(v.without_group), p.group.label()));
    }
    if v.lumi_left_out > 0 {
        out.push(crate::format::lumi_left_out(v.lumi_left_out as i64));
    }
    if let Some(o) = &v.others {
        let total = thousands(o.total);
        out.push(format!("{} smaller bars ({total} {}) are folded into “others”.", o.bars, p.measure.unit()));
    }
    out
}

/// The chart, its legend, the notes and the table, as one piece of markup.
/// A click on the PNG button (in the markup): the drawing rendered and saved.
fn export_png(ev: &leptos::ev::MouseEvent, drawing: &str) {
    use leptos::wasm_bindgen::JsCast;
    let on_png =
        ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|e| e.class_name() == "png");
    if on_png {
        let (w, h) = (crate::bar_chart::WIDTH, crate::bar_chart::HEIGHT);
        super::chart_panel::to_png(drawing.to_owned(), w, h, |url| {
            save(&url, "present.png");
        });
    }
}

/// Saves `url` as file `name`, as a click on a download link does.
fn save(url: &str, name: &str) -> Option<()> {
    use leptos::wasm_bindgen::JsCast;
    let a = web_sys::window()?.document()?.create_element("a").ok()?;
    a.set_attribute("href", url).ok()?;
    a.set_attribute("download", name).ok()?;
    let click: js_sys::Function = js_sys::Reflect::get(&a, &"click".into()).ok()?.dyn_into().ok()?;
    click.call0(&a).ok().map(drop)
}

/// The section's markup (downloads, chart, legend, notes, table) and the drawing alone.
fn bars_markup(v: &PresentView, p: Params, filter: &Filter) -> (String, String) {
    let bar_filter = |key: &str| p.group.narrow(filter, key);
    let href = |key: &str| bar_filter(key).map(|f| view_href(&f));
    let part_href = |key: &str, part: &str| {
        let stack = p.stack?;
        Some(view_href(&stack.narrow(&bar_filter(key)?, part)?))
    };
    let cols = columns(v, (p.order, p.group), &href);
    let keys = part_keys(v, p.stack);
    let drawing = svg(&cols, &keys, p.measure.unit(), p.log, &part_href);
    let svg_href = super::chart_panel::data_url("image/svg+xml", &drawing);
    let mut out = format!(
        r#"<div class="chart-tools"><a class="button svg-link" href="{}" download="present.svg">Export SVG</a> <button type="button" class="png">Export PNG</button></div><div class="plot">{drawing}</div><ul class="legend">"#,
        escape(&svg_href)
    );
    for (i, k) in keys.iter().enumerate() {
        let label = p.stack.map_or_else(|| (*k).to_owned(), |d| shown(d, k));
        let _ = write!(
            out,
            r#"<li><span class="swatch-box" style="background: {}"></span>{}</li>"#,
            part_colour(i),
            escape(&label)
        );
    }
    out.push_str("</ul>");
    for note in notes(v, p) {
        let _ = write!(out, r#"<p class="note">{}</p>"#, escape(&note));
    }
    let _ = write!(out, r#"<div class="table-wrap">{}</div>"#, table(&cols, &keys, p.group.label(), &part_href));
    (out, drawing)
}
