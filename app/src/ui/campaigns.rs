//! The campaign table (`<base>/campaigns?<filter>`): requests per campaign and current
//! status, with expected and produced events, row and column totals; every count opens the
//! list of its workflows.

use std::fmt::Write;

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::base::view_href;
use super::filter_bar::FilterBar;
use super::views::ViewsHeader;
use crate::analytics::{cell_filter, short_count, CampaignTable, Cell};
use crate::api::campaigns;
use crate::filter::Filter;
use crate::format::thousands;
use crate::markup::escape;

/// The page.
#[component]
pub fn CampaignsPage() -> impl IntoView {
    let location = use_location();
    let filter = Memo::new(move |_| Filter::from_query(&location.search.get()).map_err(|e| e.to_string()));
    let data = LocalResource::new(move || {
        let f = filter.get();
        async move { campaigns(f?).await.map_err(|e| e.to_string()) }
    });
    super::live::on_every_run(move || data.refetch());
    view! {
        <ViewsHeader filter=filter title="Campaigns by status"/>
        <FilterBar filter=filter target="/campaigns"/>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Counting workflows…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(t) if t.total.requests == 0 => view! { <p class="empty">"No workflow matches this filter."</p> }.into_any(),
                Ok(t) => table_view(t, filter.get_untracked().unwrap_or_default()).into_any(),
                Err(e) => view! { <p class="error" role="alert">"Could not count the workflows: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}

/// One count: the number of requests, events below; a link to its list when it has one.
fn count(out: &mut String, c: Cell, list: Option<Filter>, campaign: &str, status: &str) {
    let title =
        format!("{} requests: {} of {} expected events produced", c.requests, thousands(c.done), thousands(c.expected));
    let body = format!(
        r#"<span class="n">{}</span><small>{} / {}</small>"#,
        thousands(c.requests as i64),
        short_count(c.done),
        short_count(c.expected)
    );
    let attrs =
        format!(r#"title="{}" data-campaign="{}" data-status="{}""#, escape(&title), escape(campaign), escape(status));
    let _ = match list.filter(|_| c.requests > 0) {
        Some(f) => write!(out, r#"<a class="count" href="{}" {attrs}>{body}</a>"#, escape(&view_href(&f))),
        None => write!(out, r#"<span class="count" {attrs}>{body}</span>"#),
    };
}

fn label(status: &str) -> &str {
    if status.is_empty() {
        "(no status)"
    } else {
        status
    }
}

/// The table as HTML (a string weighs far less in the bundle than a typed view per cell; the
/// router still follows its links without a reload).
fn table(t: &CampaignTable, base: &Filter) -> String {
    let mut out = String::from(r#"<table class="campaigns"><thead><tr><th scope="col">Campaign</th>"#);
    for s in &t.statuses {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, escape(label(s)));
    }
    out.push_str(r#"<th scope="col">Total</th></tr></thead><tbody>"#);
    for row in &t.rows {
        let c = row.campaign.as_str();
        let _ = write!(out, r#"<tr><th scope="row">{}</th>"#, escape(c));
        for (s, cell) in t.statuses.iter().zip(&row.cells) {
            out.push_str("<td>");
            count(&mut out, *cell, cell_filter(base, Some(c), Some(s)), c, s);
            out.push_str("</td>");
        }
        out.push_str(r#"<td class="total">"#);
        count(&mut out, row.total, cell_filter(base, Some(c), None), c, "");
        out.push_str("</td></tr>");
    }
    out.push_str(r#"</tbody><tfoot><tr><th scope="row">All (each workflow once)</th>"#);
    for (s, cell) in t.statuses.iter().zip(&t.column_totals) {
        out.push_str("<td>");
        count(&mut out, *cell, cell_filter(base, None, Some(s)), "", s);
        out.push_str("</td>");
    }
    out.push_str(r#"<td class="total">"#);
    count(&mut out, t.total, cell_filter(base, None, None), "", "");
    out.push_str("</td></tr></tfoot></table>");
    out
}

fn table_view(t: CampaignTable, base: Filter) -> impl IntoView {
    let note = (t.without_campaign > 0).then(|| {
        format!(
            " {} matching workflows have no campaign: in the totals, in no row.",
            thousands(t.without_campaign as i64)
        )
    });
    view! {
        <div class="table-wrap" inner_html=table(&t, &base)></div>
        <p class="note">"Each cell: requests, then produced / expected events." {note}</p>
    }
}
