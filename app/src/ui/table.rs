//! The workflow table: every value the original page shows (D16–D18), each a link to its
//! filter, plus the external links and the admin Update button.

use leptos::prelude::*;

use super::admin::{UpdateButton, UpdateState};
use super::base::{base_path, filter_href, view_href};
use super::dataset::DatasetLine;
use super::time::{now, When};
use crate::filter::{Filter, FilterKey, Sort};
use crate::format::{expected_text, lasted, thousands};
use crate::links::{self, das, Link};
use crate::priority::block_of;
use crate::rows::{WorkflowPage, WorkflowRow};

/// The orders the header offers, with their labels: the default first.
const ORDERS: [(Option<Sort>, &str); 4] = [
    (None, "date"),
    (Some(Sort::StatusAge), "time in status"),
    (Some(Sort::Priority), "priority"),
    (Some(Sort::Completion), "completion"),
];

/// The sort links of a column header as markup, the current order marked (`aria-current`).
fn sort_links(filter: &Filter, orders: &[(Option<Sort>, &'static str)]) -> String {
    let mut out = String::from(" · sort by");
    for &(sort, label) in orders {
        let current = filter.sort == sort;
        let href = crate::markup::escape(&view_href(&Filter { sort, ..filter.clone() }.with_page(0)));
        let (class, aria) = if current { ("sort sorted", r#" aria-current="true""#) } else { ("sort", "") };
        out.push_str(&format!(r#" <a class="{class}" href="{href}"{aria}>{label}</a>"#));
    }
    out
}

/// `aria-sort` of a column: set on the column whose values the list is sorted by.
fn aria_sort(filter: &Filter, column: &[Sort]) -> Option<&'static str> {
    let sort = filter.sort.filter(|s| column.contains(s))?;
    Some(if sort == Sort::Completion { "ascending" } else { "descending" })
}

/// Table of one page of workflows, or an explicit empty state.
#[component]
pub fn WorkflowTable(page: WorkflowPage, filter: Filter) -> impl IntoView {
    if page.rows.is_empty() {
        return view! { <p class="empty">"No workflows match this filter."</p> }.into_any();
    }
    let count = page.rows.len();
    let first = u64::from(page.page) * u64::from(page.page_size) + 1;
    view! {
        <p class="summary">
            <span data-testid="match-count">{thousands(page.matching as i64)}</span>
            {format!(" matching {}; {first}–{} on page {} ({} in total)",
                if page.matching == 1 { "workflow" } else { "workflows" },
                first + count as u64 - 1, u64::from(page.page) + 1, thousands(page.total_workflows as i64))}
        </p>
        <table class="workflows" id="results" tabindex="-1">
            <thead><tr>
                <th scope="col" aria-sort=aria_sort(&filter, &[Sort::StatusAge, Sort::Priority])>
                    "Workflow" <span class="sorts" inner_html=sort_links(&filter, &ORDERS[..3])></span>
                </th>
                <th scope="col" aria-sort=aria_sort(&filter, &[Sort::Completion])>
                    "Datasets" <span class="sorts" inner_html=sort_links(&filter, &ORDERS[3..])></span>
                </th>
            </tr></thead>
            <tbody>
                {page.rows.into_iter().map(|row| view! { <WorkflowRowView row=RwSignal::new(row)/> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

fn external(links: Vec<Link>) -> impl IntoView {
    links
        .into_iter()
        .map(|l| view! { <a class="ext" href=l.href rel="noopener" target="_blank">{l.label}</a> " " })
        .collect_view()
}

fn named_links(names: Vec<String>, key: FilterKey, links_of: impl Fn(&str) -> Vec<Link>) -> impl IntoView {
    names
        .into_iter()
        .map(|n| {
            view! {
                <span class="named"><a href=filter_href(key, &n)>{n.clone()}</a> " (" {external(links_of(&n))} ")"</span>
                " "
            }
        })
        .collect_view()
}

/// "Priority: 90,000 (block 2)", the block a link to its workflows (pMp's priority blocks).
fn priority(p: i64) -> impl IntoView {
    let block = block_of(Some(p));
    let mut f = Filter::default();
    f.facets.priority_block = vec![block];
    view! {
        <div>"Priority: " {thousands(p)} " (" <a class="block" href=view_href(&f)>{format!("block {block}")}</a> ")"</div>
    }
}

/// A row's campaigns and requests with their services' links, and the workflow's own links.
fn related_links(r: &WorkflowRow) -> impl IntoView {
    let request_key = if r.request_param == "prepid" { FilterKey::PrepId } else { FilterKey::Request };
    let json_href = format!("{}/get_json/{}", base_path(), r.name);
    let chart_href = format!("{}/workflow/{}", base_path(), r.name);
    let service = r.service;
    view! {
        <div class="campaigns">
            "Campaigns: "
            {named_links(r.campaigns.clone(), FilterKey::Campaign, move |c| links::campaign_links(c, service))}
        </div>
        <div class="requests">
            "Requests: "
            {named_links(r.requests.clone(), request_key, move |q| links::request_links(q, service))}
        </div>
        <div class="links">
            {external(links::workflow_links(r.request_name.as_deref().unwrap_or(&r.name), r.prepid.as_deref()))}
            <a href=json_href>"View JSON"</a> " " <a class="chart-link" href=chart_href>"Chart"</a>
        </div>
    }
}

/// "Last status: running-open was set 3d ago · running-open for 3d" (no age for a time ahead
/// of this clock).
fn last_status(s: crate::rows::StatusAt) -> impl IntoView {
    let age = match lasted(now(), s.time) {
        Some(d) => format!("{} for {d}", s.status),
        None => format!("{} (set ahead of this clock)", s.status),
    };
    view! {
        <div>
            "Last status: " <b>{s.status}</b> " was set " <When t=s.time/>
            " · " <span class="status-age" data-testid="status-age">{age}</span>
        </div>
    }
}

/// One workflow's row as the dashboard shows it, kept live (the chart page carries it).
#[component]
pub fn SingleRow(row: WorkflowRow) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="workflows single">
                <thead><tr><th scope="col">"Workflow"</th><th scope="col">"Datasets"</th></tr></thead>
                <tbody><WorkflowRowView row=RwSignal::new(row)/></tbody>
            </table>
        </div>
    }
}

#[component]
fn WorkflowRowView(row: RwSignal<WorkflowRow>) -> impl IntoView {
    let update = UpdateState::new();
    if let Some(registry) = use_context::<super::live::RowRegistry>() {
        registry.add(row.get_untracked().name, row);
    }
    move || {
        let r = row.get();
        let done = r.force_completed.is_some();
        let unit_total = if r.shows_lumis { r.total_input_lumis } else { Some(r.total_events) };
        let expected = if r.shows_lumis {
            format!("Total lumisections: {}", r.total_input_lumis.map_or_else(|| "-".into(), thousands))
        } else {
            format!("Total events: {}", expected_text(r.total_events))
        };
        view! {
            <tr class="workflow" data-name=r.name.clone()>
                <td class="meta">
                    <a class="name" href=filter_href(FilterKey::WorkflowName, &r.name)>{r.name.clone()}</a>
                    {r.problem.clone().map(|p| view! { <div class="error">{p}</div> })}
                    {r.prepid.clone().map(|p| view! {
                        <div>"PrepID: " <a class="prepid" href=filter_href(FilterKey::PrepId, &p)>{p.clone()}</a></div>
                    })}
                    {r.request_type.clone().map(|t| view! {
                        <div>"Type: " <a class="type" href=filter_href(FilterKey::Type, &t)>{t.clone()}</a></div>
                    })}
                    <div>{expected}</div>
                    {r.priority.map(priority)}
                    {r.last_update.map(|t| view! { <div>"Last update: " <When t=t/></div> })}
                    {r.first_status.clone().map(|s| view! { <div>"First status: " <b>{s.status}</b> " was set " <When t=s.time/></div> })}
                    {r.last_status.clone().map(last_status)}
                    {r.force_completed.map(|t| view! {
                        <div>"Force-completed " <When t=t/> " " <span class="fc" data-testid="fc" title="force-completed: done, counted as 100 %">"FC"</span></div>
                    })}
                    {r.processing_string.clone().map(|p| view! {
                        <div>"Processing string: " <a href=filter_href(FilterKey::ProcessingString, &p)>{p.clone()}</a></div>
                    })}
                    {r.input_dataset.clone().map(|d| view! {
                        <div>"Input dataset: " <a href=filter_href(FilterKey::InputDataset, &d)>{d.clone()}</a>
                        " " <a class="ext" href=das(&d) rel="noopener" target="_blank">"DAS"</a></div>
                    })}
                    {related_links(&r)}
                    <UpdateButton row=row state=update/>
                </td>
                <td class="datasets">
                    {r.datasets.is_empty().then(|| view! { <span class="empty">"no output datasets"</span> })}
                    {r.datasets
                        .into_iter()
                        .map(|d| view! { <DatasetLine dataset=d done=done expected=unit_total/> })
                        .collect_view()}
                </td>
            </tr>
        }
    }
}
