//! An alert's ranked list (`<base>/alerts?<the alert's filter>[&acknowledged=1]`): the
//! header's alert counts open it. Rows go by priority block, then events still to produce,
//! then time in the alert's state; an admin acknowledges a row with a note, which takes it
//! out of the list and the counts until the workflow changes.

use std::fmt::Write;

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::base::{base_path, filter_words, view_href};
use crate::alerts::{Ranked, RankedPage};
use crate::api::{alert_ack, alert_list, ApiError};
use crate::chart::{param, with_param};
use crate::filter::Filter;
use crate::format::{thousands, utc_datetime};
use crate::markup::escape;

/// The page.
#[component]
pub fn AlertListPage() -> impl IntoView {
    let location = use_location();
    let filter = Memo::new(move |_| Filter::from_query(&location.search.get()).map_err(|e| e.to_string()));
    let acknowledged = Memo::new(move |_| param(&location.search.get(), "acknowledged").is_some_and(|v| v == "1"));
    let page = Memo::new(move |_| filter.get().map(|f| f.page).unwrap_or(0));
    let data = LocalResource::new(move || {
        let (f, a, p) = (filter.get(), acknowledged.get(), page.get());
        async move { alert_list(f.map_err(ApiError::BadRequest)?.with_page(0), a, p).await }
    });
    super::live::on_every_run(move || data.refetch());
    let toggle = move || {
        let search = location.search.get();
        let next = if acknowledged.get() { None } else { Some("1") };
        let words = if acknowledged.get() { "Hide acknowledged" } else { "Show acknowledged" };
        let href = format!("{}/alerts?{}", base_path(), with_param(&search, "acknowledged", next));
        view! { <a class="button toggle-acked" href=href>{words}</a> }
    };
    // "stalled" is a flag the words of a filter leave to the page that uses it.
    let words = move || match filter.get() {
        Ok(f) if f.stalled && filter_words(&f).is_empty() => "stalled".to_owned(),
        Ok(f) => filter_words(&f),
        Err(e) => e,
    };
    let list_href = move || view_href(&filter.get().unwrap_or_default());
    view! {
        <super::views::ViewsHeader filter=filter title="Alert"/>
        <p class="alert-of">
            "Ranked: " <strong>{words}</strong> " · " <a href=list_href>"as a dashboard list"</a> " " {toggle}
        </p>
        <super::admin::TokenField/>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Ranking…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(p) => table(p, data).into_any(),
                Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Suspense>
    }
}

fn table(p: RankedPage, data: LocalResource<Result<RankedPage, ApiError>>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let summary =
        format!("{} workflows, {} acknowledged", thousands(p.matching as i64), thousands(p.acknowledged as i64));
    let more = p.has_next.then(|| format!("{} shown; more on page {} (page={})", p.rows.len(), p.page + 2, p.page + 1));
    // One listener for every row's form (lighter than a component per row).
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((name, note)) = ack_of(&ev) else { return };
        leptos::task::spawn_local(async move {
            match alert_ack(name, note, super::admin::token()).await {
                Ok(()) => data.refetch(),
                Err(ApiError::Unauthorized(_)) => error.set(Some("Admins only: paste the admin token above".into())),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <p class="ranked-summary" role="status">{summary}</p>
        {move || error.get().map(|e| view! { <p class="error ack-error" role="alert">{e}</p> })}
        <div class="ranked" on:submit=submit inner_html=markup(&p.rows)></div>
        {more.map(|m| view! { <p>{m}</p> })}
    }
}

/// The workflow and the note of the acknowledgement form that was submitted.
fn ack_of(ev: &leptos::ev::SubmitEvent) -> Option<(String, String)> {
    use web_sys::wasm_bindgen::JsCast;
    let form = ev.target()?.dyn_into::<web_sys::Element>().ok()?;
    let name = form.get_attribute("data-name")?;
    let input = form.query_selector("input").ok()??.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    Some((name, input.value()))
}

fn markup(rows: &[Ranked]) -> String {
    let mut out = String::from(
        "<table class=\"ranked\"><thead><tr><th>Block</th><th>Workflow</th><th>Status</th>\
         <th>Remaining events</th><th>Since</th><th>Acknowledged</th></tr></thead><tbody>",
    );
    for r in rows {
        let name = escape(&r.name);
        let ack = match &r.ack {
            Some(a) => format!(
                "<span class=\"acked\">{} by {}, {} UTC</span>",
                escape(&a.note),
                escape(&a.by),
                utc_datetime(a.time)
            ),
            None => format!(
                "<form class=\"ack\" data-name=\"{name}\"><input type=\"text\" aria-label=\"Note\" \
                 placeholder=\"note, e.g. a ticket\"> <button type=\"submit\" class=\"button\">Acknowledge</button></form>"
            ),
        };
        let _ = write!(
            out,
            "<tr class=\"ranked-row\" data-name=\"{name}\"><td>{}</td><td><a href=\"{}/workflow/{name}\">{name}</a></td>\
             <td>{}</td><td>{}</td><td>{} UTC</td><td>{ack}</td></tr>",
            r.block,
            escape(&base_path()),
            escape(&r.status),
            thousands(r.remaining),
            utc_datetime(r.since),
        );
    }
    out.push_str("</tbody></table>");
    out
}
