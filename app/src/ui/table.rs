//! The workflow table of one page.

use leptos::prelude::*;

use super::base::filter_href;
use super::dataset::DatasetLine;
use crate::present::{thousands, utc_datetime};
use crate::rows::{WorkflowPage, WorkflowRow};

/// Table of one page of workflows, or an explicit empty state.
#[component]
pub fn WorkflowTable(page: WorkflowPage) -> impl IntoView {
    let total = page.total_workflows;
    if page.rows.is_empty() {
        return view! { <p class="empty">"No workflows match this filter."</p> }.into_any();
    }
    let count = page.rows.len();
    view! {
        <p class="summary">{format!("{count} workflows on page {} ({} in total)", page.page, thousands(total as i64))}</p>
        <table class="workflows">
            <thead><tr><th>"Workflow"</th><th>"Datasets"</th></tr></thead>
            <tbody>
                {page.rows.into_iter().map(|row| view! { <WorkflowRowView row=row/> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn WorkflowRowView(row: WorkflowRow) -> impl IntoView {
    let expected = if row.shows_lumis {
        format!("Total lumisections: {}", row.total_input_lumis.map_or_else(|| "-".into(), thousands))
    } else {
        format!("Total events: {}", thousands(row.total_events))
    };
    let campaigns = row.campaigns.clone();
    view! {
        <tr class="workflow" data-name=row.name.clone()>
            <td class="meta">
                <a class="name" href=filter_href("workflow_name", &row.name)>{row.name.clone()}</a>
                {row.problem.clone().map(|p| view! { <div class="error">{p}</div> })}
                {row.prepid.clone().map(|p| view! { <div>"PrepID: " <a href=filter_href("prepid", &p)>{p.clone()}</a></div> })}
                {row.request_type.clone().map(|t| view! { <div>"Type: " <a href=filter_href("type", &t)>{t.clone()}</a></div> })}
                <div>{expected}</div>
                {row.priority.map(|p| view! { <div>"Priority: " {thousands(p)}</div> })}
                {row.last_update.map(|t| view! { <div>"Last update: " {utc_datetime(t)} " UTC"</div> })}
                {row.last_status.clone().map(|s| view! { <div>"Last status: " {s.status} " (" {utc_datetime(s.time)} ")"</div> })}
                <div class="campaigns">
                    {campaigns.into_iter().map(|c| view! { <a class="campaign" href=filter_href("campaign", &c)>{c.clone()}</a> " " }).collect_view()}
                </div>
            </td>
            <td class="datasets">
                {row.datasets.into_iter().map(|d| view! { <DatasetLine dataset=d/> }).collect_view()}
            </td>
        </tr>
    }
}
