//! The campaign table (`<base>/campaigns?<filter>[&rows=priority_block]`): requests per
//! campaign (or pMp priority block) and current status, with expected and produced events,
//! row and column totals; every count opens the list of its workflows.

use std::fmt::Write;

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use super::base::view_href;
use super::filter_bar::FilterBar;
use super::views::ViewsHeader;
use crate::analytics::{cell_filter, short_count, CampaignTable, Cell};
use crate::api::campaigns;
use crate::bars::Dimension;
use crate::chart::{param, with_param};
use crate::filter::Filter;
use crate::format::thousands;
use crate::markup::escape;

/// The page.
#[component]
pub fn CampaignsPage() -> impl IntoView {
    let location = use_location();
    let filter = Memo::new(move |_| Filter::from_query(&location.search.get()).map_err(|e| e.to_string()));
    let by_block = Memo::new(move |_| param(&location.search.get(), "rows").as_deref() == Some("priority_block"));
    let data = LocalResource::new(move || {
        let (f, b) = (filter.get(), by_block.get());
        async move { campaigns(f?, b.then_some(Dimension::PriorityBlock)).await.map_err(|e| e.to_string()) }
    });
    super::live::on_every_run(move || data.refetch());
    let navigate = use_navigate();
    let set_rows = move |ev: leptos::ev::Event| {
        let rows = Some(event_target_value(&ev)).filter(|v| v == "priority_block");
        navigate(
            &format!("/campaigns?{}", with_param(&location.search.get_untracked(), "rows", rows.as_deref())),
            Default::default(),
        );
    };
    let extra = Signal::derive(move || if by_block.get() { "rows=priority_block".to_owned() } else { String::new() });
    view! {
        <ViewsHeader filter=filter title="Campaigns by status"/>
        <FilterBar filter=filter target="/campaigns" extra=extra/>
        <super::views::DownloadLink format="csv" view="campaigns" label="CSV"/>
        <label class="rows">"Rows "
            <select class="rows" prop:value=move || if by_block.get() { "priority_block" } else { "campaign" } on:change=set_rows>
                <option value="campaign">"campaigns"</option>
                <option value="priority_block">"priority blocks"</option>
            </select>
        </label>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Counting workflows…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(t) if t.total.requests == 0 => view! { <p class="empty">"No workflow matches this filter."</p> }.into_any(),
                Ok(t) => table_view(t, filter.get_untracked().unwrap_or_default(), by_block.get_untracked()).into_any(),
                Err(e) => view! { <p class="error" role="alert">"Could not count the workflows: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}

/// One count: the number of requests, events below; a link to its list when it has one.
fn count(out: &mut String, c: Cell, list: Option<Filter>, campaign: &str, status: &str) {
    let title =
        format!("{} requests: {} of {} expected events produced", c.requests, thousands(c.done), thousands(c.expected));
    // More produced than asked for is odd (an extension, or events counted twice): flagged.
    let (class, note) = if c.done > c.expected { (r#" class="over""#, " · over 100 %") } else { ("", "") };
    let body = format!(
        r#"<span class="n">{}</span><small{class}>{} / {}{note}</small>"#,
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
fn table(t: &CampaignTable, base: &Filter, by_block: bool) -> String {
    let head = if by_block { "Priority block" } else { "Campaign" };
    let mut out = format!(r#"<table class="campaigns"><thead><tr><th scope="col">{head}</th>"#);
    for s in &t.statuses {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, escape(label(s)));
    }
    out.push_str(r#"<th scope="col">Total</th></tr></thead><tbody>"#);
    for row in &t.rows {
        let c = row.campaign.as_str();
        let name = if by_block { format!("block {c}") } else { c.to_owned() };
        let _ = write!(out, r#"<tr><th scope="row">{}</th>"#, escape(&name));
        let row_filter =
            if by_block { Dimension::PriorityBlock.narrow(base, c) } else { cell_filter(base, Some(c), None) };
        for (s, cell) in t.statuses.iter().zip(&row.cells) {
            out.push_str("<td>");
            count(&mut out, *cell, row_filter.as_ref().and_then(|f| cell_filter(f, None, Some(s))), c, s);
            out.push_str("</td>");
        }
        out.push_str(r#"<td class="total">"#);
        count(&mut out, row.total, row_filter, c, "");
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

fn table_view(t: CampaignTable, base: Filter, by_block: bool) -> impl IntoView {
    let note = (t.without_campaign > 0).then(|| {
        format!(
            " {} matching workflows have no campaign: in the totals, in no row.",
            thousands(t.without_campaign as i64)
        )
    });
    view! {
        <div class="table-wrap" inner_html=table(&t, &base, by_block)></div>
        <p class="note">"Each cell: requests, then produced / expected events." {note}</p>
    }
}
