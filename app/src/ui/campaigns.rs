//! The campaign table (`<base>/campaigns?<filter>`): requests per campaign and current
//! status, with expected and produced events, row and column totals; every count opens the
//! list of its workflows.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::base::view_href;
use super::filter_bar::FilterBar;
use super::views::ViewsHeader;
use crate::analytics::{cell_filter, short_count, CampaignTable, Cell};
use crate::api::campaigns;
use crate::filter::Filter;
use crate::present::thousands;

/// The page.
#[component]
pub fn CampaignsPage() -> impl IntoView {
    let location = use_location();
    let filter = Memo::new(move |_| Filter::from_query(&location.search.get()).map_err(|e| e.to_string()));
    let data = LocalResource::new(move || {
        let f = filter.get();
        async move { campaigns(f?).await.map_err(|e| e.to_string()) }
    });
    super::live::subscribe(move |e| {
        if e.kind == "run" || e.kind == "resync" {
            data.refetch();
        }
    });
    view! {
        <ViewsHeader filter=filter title="Campaigns by status"/>
        <FilterBar filter=filter target="/campaigns"/>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Counting workflows…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(t) if t.total.requests == 0 => view! { <p class="empty">"No workflow matches this filter."</p> }.into_any(),
                Ok(t) => table(t, filter.get_untracked().unwrap_or_default()).into_any(),
                Err(e) => view! { <p class="error" role="alert">"Could not count the workflows: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}

/// One count: the number of requests, events below; a link to its list when it has one.
fn count(c: Cell, list: Option<Filter>, campaign: &str, status: &str) -> impl IntoView {
    let title =
        format!("{} requests: {} of {} expected events produced", c.requests, thousands(c.done), thousands(c.expected));
    let body = view! {
        <span class="n">{thousands(c.requests as i64)}</span>
        <small>{format!("{} / {}", short_count(c.done), short_count(c.expected))}</small>
    };
    let (campaign, status) = (campaign.to_owned(), status.to_owned());
    match list.filter(|_| c.requests > 0) {
        Some(f) => view! { <a class="count" href=view_href(&f) title=title data-campaign=campaign data-status=status>{body}</a> }.into_any(),
        None => view! { <span class="count" title=title data-campaign=campaign data-status=status>{body}</span> }.into_any(),
    }
}

fn label(status: &str) -> &str {
    if status.is_empty() {
        "(no status)"
    } else {
        status
    }
}

fn table(t: CampaignTable, base: Filter) -> impl IntoView {
    let statuses = t.statuses.clone();
    let head = statuses.iter().map(|s| view! { <th scope="col">{label(s).to_owned()}</th> }).collect_view();
    let rows = t
        .rows
        .iter()
        .map(|row| {
            let c = row.campaign.as_str();
            let cells = statuses
                .iter()
                .zip(&row.cells)
                .map(|(s, cell)| view! { <td>{count(*cell, cell_filter(&base, Some(c), Some(s)), c, s)}</td> })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{c.to_owned()}</th>
                    {cells}
                    <td class="total">{count(row.total, cell_filter(&base, Some(c), None), c, "")}</td>
                </tr>
            }
        })
        .collect_view();
    let foot = statuses
        .iter()
        .zip(&t.column_totals)
        .map(|(s, cell)| view! { <td>{count(*cell, cell_filter(&base, None, Some(s)), "", s)}</td> })
        .collect_view();
    let note = (t.without_campaign > 0).then(|| {
        format!(
            "{} matching workflows have no campaign: in the totals, in no row.",
            thousands(t.without_campaign as i64)
        )
    });
    view! {
        <div class="table-wrap">
            <table class="campaigns">
                <thead><tr><th scope="col">"Campaign"</th>{head}<th scope="col">"Total"</th></tr></thead>
                <tbody>{rows}</tbody>
                <tfoot><tr><th scope="row">"All (each workflow once)"</th>{foot}
                    <td class="total">{count(t.total, cell_filter(&base, None, None), "", "")}</td></tr></tfoot>
            </table>
        </div>
        <p class="note">"Each cell: requests, then produced / expected events. " {note}</p>
    }
}
