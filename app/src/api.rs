//! Server functions: thin adapters to a [`ssr::Backend`] trait object taken from the Leptos
//! context. Their URLs live under `<base>/rpc/`, which cannot collide with the legacy `/api/`
//! routes (docs/api.md).
#![expect(
    missing_docs,
    reason = "`#[server]` generates an argument struct per function whose fields cannot carry docs"
)]

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use serde::{Deserialize, Serialize};

use crate::analytics::DurationQuery;
use crate::filter::Filter;
use crate::rows::{WorkflowPage, WorkflowRow};

pub mod args;
mod error;

pub use error::ApiError;

/// Path prefix of every server function, relative to the base path.
pub const RPC_PREFIX: &str = "/rpc";

/// One page of workflows matching `filter` (A2–A4), as compact rows.
#[server(prefix = "/rpc", endpoint = "list_workflows", input = Json)]
pub async fn list_workflows(filter: Filter, page: u32) -> Result<WorkflowPage, ApiError> {
    args::filter(&filter)?;
    args::page(page)?;
    expect_context::<ssr::SharedBackend>().list_workflows(&filter, page).await
}

/// One workflow's row, for refreshing a row the live stream says changed.
#[server(name = GetWorkflowRow, prefix = "/rpc", endpoint = "workflow_row", input = Json)]
pub async fn workflow_row(name: String) -> Result<Option<WorkflowRow>, ApiError> {
    expect_context::<ssr::SharedBackend>().row(&name).await
}

/// The chart data of one workflow (its whole history, on demand).
#[server(prefix = "/rpc", endpoint = "workflow_history", input = Json)]
pub async fn workflow_history(name: String) -> Result<Option<crate::history::HistoryView>, ApiError> {
    expect_context::<ssr::SharedBackend>().history(&name).await
}

/// Summed progress per datatier of the filter's workflows, bucketed to `bucket` seconds.
#[server(prefix = "/rpc", endpoint = "aggregate", input = Json)]
pub async fn aggregate(filter: Filter, bucket: i64) -> Result<crate::history::HistoryView, ApiError> {
    args::filter(&filter)?;
    args::bucket(bucket)?;
    expect_context::<ssr::SharedBackend>().aggregate(&filter, bucket).await
}

/// pMp's historical mode of the aggregate: expected, produced, VALID and INVALID/DELETED
/// events per bucket, stacked; with `growing`, expected events count from each creation.
#[server(prefix = "/rpc", endpoint = "historical", input = Json)]
pub async fn historical(
    filter: Filter,
    bucket: i64,
    growing: bool,
) -> Result<crate::historical::HistoricalView, ApiError> {
    args::filter(&filter)?;
    args::bucket(bucket)?;
    expect_context::<ssr::SharedBackend>().historical(&filter, bucket, growing).await
}

/// The campaign × current-status table of the filter's workflows; `rows: "priority_block"`
/// makes its rows pMp's priority blocks instead of campaigns.
#[server(prefix = "/rpc", endpoint = "campaigns", input = Json)]
pub async fn campaigns(
    filter: Filter,
    rows: Option<crate::bars::Dimension>,
) -> Result<crate::analytics::CampaignTable, ApiError> {
    args::filter(&filter)?;
    let by_block = args::table_rows(rows)?;
    expect_context::<ssr::SharedBackend>().campaigns(&filter, by_block).await
}

/// pMp's Present view: one bar per value of `group` among the filter's workflows, split
/// into parts by `stack`, heights in `measure` (workflows when absent).
#[server(prefix = "/rpc", endpoint = "present", input = Json)]
pub async fn present(
    filter: Filter,
    group: crate::bars::Dimension,
    stack: Option<crate::bars::Dimension>,
    measure: Option<crate::bars::Measure>,
) -> Result<crate::bars::PresentView, ApiError> {
    args::filter(&filter)?;
    let shape = args::present(group, stack, measure.unwrap_or_default())?;
    expect_context::<ssr::SharedBackend>().present(&filter, shape).await
}

/// The histogram of the time the filter's workflows took between two statuses.
#[server(prefix = "/rpc", endpoint = "durations", input = Json)]
pub async fn durations(query: DurationQuery) -> Result<crate::analytics::DurationHistogram, ApiError> {
    args::durations(&query)?;
    expect_context::<ssr::SharedBackend>().durations(&query).await
}

/// The workflows of one bar of a duration histogram.
#[server(prefix = "/rpc", endpoint = "duration_bin", input = Json)]
pub async fn duration_bin(query: DurationQuery, bin: u32) -> Result<crate::analytics::BinWorkflows, ApiError> {
    args::bin(&query, bin)?;
    expect_context::<ssr::SharedBackend>().duration_bin(&query, bin).await
}

/// The header's alerts: stalled, idle after assignment, INVALID or DELETED datasets.
#[server(prefix = "/rpc", endpoint = "alerts", input = Json)]
pub async fn alerts() -> Result<crate::alerts::Alerts, ApiError> {
    expect_context::<ssr::SharedBackend>().alerts().await
}

/// What changed among the filter's workflows since `since` (Unix seconds; a day back when
/// absent, at most 90 days back): new workflows, transitions, dataset status changes, stalls,
/// resumptions and removals, each newest first, capped at 1,000, with exact counts.
#[server(prefix = "/rpc", endpoint = "changes", input = Json)]
pub async fn changes(filter: Filter, since: Option<i64>) -> Result<crate::changes::Changes, ApiError> {
    args::filter(&filter)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let since = args::since(since, now)?;
    expect_context::<ssr::SharedBackend>().changes(&filter, since).await
}

/// Values starting with `q` (campaigns, PrepIDs, workflows, datasets, processing strings,
/// datatiers) for the search box; nothing below two characters.
#[server(prefix = "/rpc", endpoint = "suggest", input = Json)]
pub async fn suggest(q: String) -> Result<Vec<crate::suggest::Suggestion>, ApiError> {
    args::text(&q)?;
    expect_context::<ssr::SharedBackend>().suggest(&q).await
}

/// Resolves a search text like the original's `/search` (A14–A15): the filter of the first
/// view that knows it, else `workflow_name`.
#[server(prefix = "/rpc", endpoint = "search", input = Json)]
pub async fn search(q: String) -> Result<Filter, ApiError> {
    args::text(&q)?;
    expect_context::<ssr::SharedBackend>().search(&q).await
}

/// A short link: its code, and its path on the server (`<base>/s/<code>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortLink {
    /// At least 8 characters of `[A-Za-z0-9]`.
    pub code: String,
    /// `<base>/s/<code>`, to put after the server's origin.
    pub url: String,
}

/// The short link of `path` (a path with query under the base path, at most 8 KB): the same
/// path always gets the same code.
#[server(prefix = "/rpc", endpoint = "shorten", input = Json)]
pub async fn shorten(path: String) -> Result<ShortLink, ApiError> {
    args::short_path(&path)?;
    let caller = use_context::<ssr::Caller>().unwrap_or_default();
    expect_context::<ssr::SharedBackend>().shorten(&path, &caller).await
}

/// Saves a watch for the caller (the SSO proxy's user, or "token" with the admin token as a
/// bearer token or, from the page, `token`): 401 without credentials, 403 for a request from
/// another site. The same name again replaces the caller's watch of that name.
#[server(prefix = "/rpc", endpoint = "watch_save", input = Json)]
pub async fn watch_save(
    name: String,
    filter: Filter,
    on: Vec<crate::watch::Condition>,
    webhook: Option<String>,
    email: Option<String>,
    token: Option<String>,
) -> Result<crate::watch::WatchId, ApiError> {
    let spec = crate::watch::WatchSpec { name, filter, on, webhook, email };
    spec.check().map_err(ApiError::BadRequest)?;
    let caller = use_context::<ssr::Caller>().unwrap_or_default().with_token(token);
    expect_context::<ssr::SharedBackend>().watch_save(spec, &caller).await
}

/// The caller's watches (an admin's: everybody's), with their latest notifications.
#[server(prefix = "/rpc", endpoint = "watch_list", input = Json)]
pub async fn watch_list(token: Option<String>) -> Result<Vec<crate::watch::Watch>, ApiError> {
    let caller = use_context::<ssr::Caller>().unwrap_or_default().with_token(token);
    expect_context::<ssr::SharedBackend>().watch_list(&caller).await
}

/// Deletes one of the caller's watches (an admin: anyone's); 403 for another user's.
#[server(prefix = "/rpc", endpoint = "watch_delete", input = Json)]
pub async fn watch_delete(id: String, token: Option<String>) -> Result<(), ApiError> {
    let caller = use_context::<ssr::Caller>().unwrap_or_default().with_token(token);
    expect_context::<ssr::SharedBackend>().watch_delete(&id, &caller).await
}

/// The ranked list of an alert's filter (`stalled=1`, `idle_days=7`, a stuck status...),
/// acknowledged workflows left out unless `acknowledged`.
#[server(prefix = "/rpc", endpoint = "alert_list", input = Json)]
pub async fn alert_list(filter: Filter, acknowledged: bool, page: u32) -> Result<crate::alerts::RankedPage, ApiError> {
    args::filter(&filter)?;
    args::page(page)?;
    expect_context::<ssr::SharedBackend>().alert_list(&filter, acknowledged, page).await
}

/// Acknowledges a workflow's alerts with a note, for an admin (the admin token, given here or
/// as a bearer token, or the proxy's admin group): 401 without credentials, 403 otherwise.
#[server(prefix = "/rpc", endpoint = "alert_ack", input = Json)]
pub async fn alert_ack(name: String, note: String, token: Option<String>) -> Result<(), ApiError> {
    if note.chars().count() > crate::alerts::MAX_NOTE || note.contains(|c: char| c.is_control() && c != '\n') {
        return Err(ApiError::BadRequest(format!("a note is at most {} characters", crate::alerts::MAX_NOTE)));
    }
    let caller = use_context::<ssr::Caller>().unwrap_or_default().with_token(token);
    expect_context::<ssr::SharedBackend>().alert_ack(&name, &note, &caller).await
}

/// How an admin update ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AdminOutcome {
    /// Updated; the refreshed row (None when the workflow is not in Stats2 after all).
    Updated(Option<Box<WorkflowRow>>),
    /// No credentials, or a wrong token.
    Unauthorized,
    /// Authenticated but not an admin.
    Forbidden(String),
    /// A full update run holds the lock.
    Busy(String),
    /// The update failed.
    Failed(String),
}

/// Updates one workflow now (U42) for an admin: a bearer token given here (kept by the page
/// in session storage) or the SSO proxy's headers.
#[server(prefix = "/rpc", endpoint = "admin_update", input = Json)]
pub async fn admin_update(name: String, token: Option<String>) -> Result<AdminOutcome, ApiError> {
    let caller = use_context::<ssr::Caller>().unwrap_or_default();
    expect_context::<ssr::SharedBackend>().admin_update(&name, token, &caller).await
}

/// The server side: what the server functions call.
#[cfg(feature = "ssr")]
pub mod ssr {
    use std::sync::Arc;

    use crate::filter::Filter;
    use crate::rows::WorkflowPage;

    /// What a backend reports: the server functions' own error.
    pub use super::ApiError as BackendError;

    /// The HTTP headers of the request calling a server function (lower-case names).
    #[derive(Debug, Clone, Default)]
    pub struct Caller {
        /// Header name and value pairs.
        pub headers: Vec<(String, String)>,
        /// The peer's address, when served over TCP.
        pub peer: Option<String>,
    }

    impl Caller {
        /// The same caller with `token` (given by a page, which cannot set headers on its
        /// calls) as its bearer token, in place of any the request had.
        pub fn with_token(mut self, token: Option<String>) -> Caller {
            if let Some(t) = token.filter(|t| !t.is_empty()) {
                self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
                self.headers.push(("authorization".into(), format!("Bearer {t}")));
            }
            self
        }
    }

    /// What the server functions need from the server; implemented over the store.
    #[async_trait::async_trait]
    pub trait Backend: Send + Sync {
        /// One page of the filtered workflow list.
        async fn list_workflows(&self, filter: &Filter, page: u32) -> Result<WorkflowPage, BackendError>;
        /// The row of one workflow, `None` when it is not stored.
        async fn row(&self, name: &str) -> Result<Option<crate::rows::WorkflowRow>, BackendError>;
        /// The chart data of one workflow, `None` when it is not stored.
        async fn history(&self, name: &str) -> Result<Option<crate::history::HistoryView>, BackendError>;
        /// The aggregate chart data of a filter.
        async fn aggregate(&self, filter: &Filter, bucket: i64) -> Result<crate::history::HistoryView, BackendError>;
        /// The historical aggregate of a filter.
        async fn historical(
            &self,
            filter: &Filter,
            bucket: i64,
            growing: bool,
        ) -> Result<crate::historical::HistoricalView, BackendError>;
        /// The campaign (or priority block) × status table of a filter.
        async fn campaigns(
            &self,
            filter: &Filter,
            by_block: bool,
        ) -> Result<crate::analytics::CampaignTable, BackendError>;
        /// The Present view of a filter (group, stack, measure).
        async fn present(
            &self,
            filter: &Filter,
            shape: crate::bars::Shape,
        ) -> Result<crate::bars::PresentView, BackendError>;
        /// The status-duration histogram of a query.
        async fn durations(
            &self,
            q: &crate::analytics::DurationQuery,
        ) -> Result<crate::analytics::DurationHistogram, BackendError>;
        /// The workflows of one bar of a query's histogram.
        async fn duration_bin(
            &self,
            q: &crate::analytics::DurationQuery,
            bin: u32,
        ) -> Result<crate::analytics::BinWorkflows, BackendError>;
        /// The header's alert counts.
        async fn alerts(&self) -> Result<crate::alerts::Alerts, BackendError>;
        /// What changed among a filter's workflows since a time (Unix seconds).
        async fn changes(&self, filter: &Filter, since: i64) -> Result<crate::changes::Changes, BackendError>;
        /// Search suggestions for a typed prefix.
        async fn suggest(&self, q: &str) -> Result<Vec<crate::suggest::Suggestion>, BackendError>;
        /// A14–A15's resolution of a search text.
        async fn search(&self, q: &str) -> Result<Filter, BackendError>;
        /// The short link of a path.
        async fn shorten(&self, path: &str, caller: &Caller) -> Result<super::ShortLink, BackendError>;
        /// A page of the ranked list of an alert's filter.
        async fn alert_list(
            &self,
            filter: &Filter,
            acknowledged: bool,
            page: u32,
        ) -> Result<crate::alerts::RankedPage, BackendError>;
        /// Acknowledges a workflow's alerts (admins only).
        async fn alert_ack(&self, name: &str, note: &str, caller: &Caller) -> Result<(), BackendError>;
        /// Saves a watch for the caller.
        async fn watch_save(
            &self,
            spec: crate::watch::WatchSpec,
            caller: &Caller,
        ) -> Result<crate::watch::WatchId, BackendError>;
        /// The caller's watches.
        async fn watch_list(&self, caller: &Caller) -> Result<Vec<crate::watch::Watch>, BackendError>;
        /// Deletes one of the caller's watches.
        async fn watch_delete(&self, id: &str, caller: &Caller) -> Result<(), BackendError>;
        /// One admin update.
        async fn admin_update(
            &self,
            name: &str,
            token: Option<String>,
            caller: &Caller,
        ) -> Result<super::AdminOutcome, BackendError>;
    }

    /// The shared handle put into the Leptos context.
    pub type SharedBackend = Arc<dyn Backend>;
}
