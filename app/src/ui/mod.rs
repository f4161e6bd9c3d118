//! The Leptos single-page app, rendered in the browser.

mod admin;
mod aggregate;
mod alert_list;
mod bars;
mod base;
mod campaigns;
mod changes;
mod chart_panel;
mod chart_state;
mod dataset;
mod filter_bar;
mod header;
mod list;
pub(crate) mod live;
mod pager;
mod performance;
mod search;
mod share;
mod stacked_panel;
mod stream;
mod table;
mod time;
mod views;
mod watches;
mod width;
mod workflow;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

pub use base::base_path;

/// The root component: the router under the configured base path.
#[component]
pub fn App() -> impl IntoView {
    let base = base_path();
    view! {
        <Router base=base>
            <main>
                <Routes fallback=|| view! { <p class="error">"This page does not exist."</p> }>
                    <Route path=path!("") view=list::ListPage/>
                    <Route path=path!("workflow/:name") view=workflow::WorkflowPage/>
                    <Route path=path!("aggregate") view=aggregate::AggregatePage/>
                    <Route path=path!("campaigns") view=campaigns::CampaignsPage/>
                    <Route path=path!("performance") view=performance::PerformancePage/>
                    <Route path=path!("present") view=bars::PresentPage/>
                    <Route path=path!("changes") view=changes::ChangesPage/>
                    <Route path=path!("watches") view=watches::WatchesPage/>
                    <Route path=path!("alerts") view=alert_list::AlertListPage/>
                    <Route path=path!(":page") view=list::ListPage/>
                </Routes>
            </main>
        </Router>
    }
}
