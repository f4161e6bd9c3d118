//! The server functions' backend: lists, rows, aggregates and search from the summary index
//! (never whole documents), a workflow's chart from its one document, and admin updates.

use std::sync::Arc;

use app::analytics::{BinWorkflows, CampaignTable, DurationHistogram, DurationQuery};
use app::api::ssr::{Backend, BackendError, Caller};
use app::api::AdminOutcome;
use app::filter::{Filter, FilterKey};
use app::model::Workflow;
use app::names::WorkflowName;
use app::present::{unreadable_row, workflow_row};
use app::rows::{WorkflowPage, WorkflowRow};
use async_trait::async_trait;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::auth::{AdminAuth, Denied};
use crate::gate::Gate;
use crate::index::{NotReady, SummaryIndex};
use crate::store::{Db, SharedStore, StoreError};
use crate::updater::single::{UpdateOutcome, UpdateService};

/// When the header's alerts count a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertThresholds {
    /// Days after assignment without events before the idle alert counts a workflow.
    pub idle_days: u32,
    /// Per status, the days in it after which a workflow is stuck there.
    pub stuck_after: Vec<(app::filter::RequestStatus, u32)>,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        AlertThresholds {
            idle_days: app::alerts::DEFAULT_IDLE_DAYS,
            stuck_after: app::alerts::DEFAULT_STUCK_AFTER.to_vec(),
        }
    }
}

/// The dashboard's backend.
pub struct StoreBackend {
    store: SharedStore,
    index: Arc<SummaryIndex>,
    auth: AdminAuth,
    updates: Arc<UpdateService>,
    /// The header's alert thresholds.
    alerts: AlertThresholds,
    /// The bound on expensive queries (aggregates, histograms, tables, suggestions).
    heavy: Arc<Gate>,
    /// The short links.
    links: Arc<crate::links::Links>,
    /// The watch lists.
    watches: Arc<crate::watches::Watches>,
    /// The acknowledged alerts.
    acks: crate::acks::Acks,
}

impl StoreBackend {
    /// Shares `store` with the server functions; admin updates go through `auth` to `updates`;
    /// the alerts count with `alerts`' thresholds; expensive queries pass `heavy`.
    pub fn new(
        store: SharedStore,
        index: Arc<SummaryIndex>,
        auth: AdminAuth,
        updates: Arc<UpdateService>,
        alerts: AlertThresholds,
        (heavy, links, watches): (Arc<Gate>, Arc<crate::links::Links>, Arc<crate::watches::Watches>),
    ) -> Arc<Self> {
        let acks = crate::acks::Acks::new(store.clone());
        Arc::new(StoreBackend { store, index, auth, updates, alerts, heavy, links, watches, acks })
    }

    /// Who is signed in: 401 without credentials, 403 for a request from another site.
    fn user(&self, caller: &Caller) -> Result<crate::auth::User, BackendError> {
        self.auth.identify(&headers_of(caller), self.watches.email_header()).map_err(denied)
    }

    /// Who a rate limit counts: the SSO user behind the trusted proxy, else the peer address.
    fn client_of(&self, caller: &Caller) -> String {
        let header = |name: &str| caller.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v);
        let user = self.auth.proxy.as_ref().and_then(|p| header(&p.user_header)).filter(|u| !u.is_empty());
        match (user, &caller.peer) {
            (Some(u), _) => format!("user {u}"),
            (None, Some(peer)) => format!("peer {peer}"),
            (None, None) => "unknown".to_owned(),
        }
    }

    /// An index query: CPU work that walks matching workflows, so it runs on the blocking
    /// pool, never on the async executor (which must stay free for liveness and the feed).
    async fn blocking<T: Send + 'static>(
        &self,
        query: impl FnOnce(&SummaryIndex, i64) -> Result<T, NotReady> + Send + 'static,
    ) -> Result<T, BackendError> {
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || query(&index, crate::clock::now()))
            .await
            .map_err(panicked)?
            .map_err(not_ready)
    }

    /// An expensive index query: through the gate first (503 when its queue is full), and
    /// the pass held until the walk ends, even when the caller has gone.
    async fn heavy<T: Send + 'static>(
        &self,
        query: impl FnOnce(&SummaryIndex, i64) -> Result<T, NotReady> + Send + 'static,
    ) -> Result<T, BackendError> {
        let pass = self.heavy.enter().await.map_err(|e| BackendError::Unavailable(e.to_string()))?;
        self.blocking(move |index, now| {
            let _pass = pass;
            query(index, now)
        })
        .await
    }

    /// The row straight from the store (after an admin update, before the feed has shown it).
    async fn stored_row(&self, name: &str) -> Result<Option<WorkflowRow>, StoreError> {
        Ok(self.store.get(Db::Requests, name).await?.map(to_row))
    }
}

/// The caller's headers as a header map (the auth checks read them so).
fn headers_of(caller: &Caller) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (k, v) in &caller.headers {
        if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(v)) {
            headers.append(k, v);
        }
    }
    headers
}

/// Why a signed-in action was refused, as the server functions answer it.
fn denied(d: Denied) -> BackendError {
    match d {
        Denied::Unauthenticated => BackendError::Unauthorized(
            "sign in (through the SSO proxy) or send the admin token as a bearer token".into(),
        ),
        Denied::CrossSite => BackendError::Forbidden("a request from another site".into()),
        Denied::Forbidden(user) => BackendError::Forbidden(format!("{user} may not do this")),
    }
}

fn watch_error(e: crate::watches::WatchError) -> BackendError {
    use crate::watches::WatchError;
    match e {
        WatchError::Bad(m) => BackendError::BadRequest(m),
        WatchError::Forbidden(m) => BackendError::Forbidden(m),
        WatchError::Store(e) => unavailable(e),
    }
}

fn to_row(doc: Value) -> WorkflowRow {
    let id = doc.get("_id").and_then(Value::as_str).unwrap_or_default().to_owned();
    match Workflow::from_value(doc) {
        Ok(wf) => workflow_row(&wf, crate::clock::now()),
        Err(e) => unreadable_row(&id, e.to_string()),
    }
}

fn not_ready(e: NotReady) -> BackendError {
    BackendError::NotReady(e.to_string())
}

/// A query that panicked is our bug, not the store's state: a 500, not a 503.
fn panicked(e: tokio::task::JoinError) -> BackendError {
    tracing::error!(error = %e, "an index query panicked");
    BackendError::Internal("the query failed on the server (a bug); it has been logged".into())
}

fn unavailable(e: StoreError) -> BackendError {
    tracing::warn!(error = %e, "store query failed");
    BackendError::Unavailable(e.to_string())
}

#[async_trait]
impl Backend for StoreBackend {
    async fn list_workflows(&self, filter: &Filter, page: u32) -> Result<WorkflowPage, BackendError> {
        let f = filter.clone();
        let found = self.blocking(move |index, now| index.page(&f, page, now)).await?;
        let settings = crate::updater::settings::read(&*self.store).await.map_err(unavailable)?;
        let last_run = crate::runs::last(&*self.store).await.map_err(unavailable)?.map(|r| r.info());
        Ok(WorkflowPage {
            rows: found.rows,
            page,
            has_next: found.has_next,
            total_workflows: found.total,
            matching: found.matching,
            last_update: Some(settings.last_dbs_update_date).filter(|t| *t > 0),
            page_size: filter.size(),
            last_run,
            data_as_of: self.index.stale_since(crate::clock::now_ms()),
        })
    }

    async fn row(&self, name: &str) -> Result<Option<WorkflowRow>, BackendError> {
        // One look-up by name, no walk: it stays on the executor.
        match WorkflowName::parse(name) {
            Ok(n) => self.index.row(n.as_str(), crate::clock::now()).map_err(not_ready),
            Err(_) => Ok(None),
        }
    }

    async fn history(&self, name: &str) -> Result<Option<app::history::HistoryView>, BackendError> {
        let Ok(n) = WorkflowName::parse(name) else { return Ok(None) };
        let Some(doc) = self.store.get(Db::Requests, n.as_str()).await.map_err(unavailable)? else { return Ok(None) };
        let wf = Workflow::from_value(doc).map_err(|e| BackendError::BadRequest(e.to_string()))?;
        Ok(Some(app::history::history_view(&wf, crate::clock::now())))
    }

    async fn aggregate(&self, filter: &Filter, bucket: i64) -> Result<app::history::HistoryView, BackendError> {
        let label = if filter.active().next().is_none() && filter.facets.is_empty() {
            "all workflows".to_owned()
        } else {
            filter.to_query()
        };
        let filter = filter.clone();
        self.heavy(move |index, now| index.aggregate(&label, &filter, bucket, now)).await
    }

    async fn historical(
        &self,
        filter: &Filter,
        bucket: i64,
        growing: bool,
    ) -> Result<app::historical::HistoricalView, BackendError> {
        let filter = filter.clone();
        self.heavy(move |index, now| index.historical(&filter, bucket, growing, now)).await
    }

    async fn campaigns(&self, filter: &Filter, by_block: bool) -> Result<CampaignTable, BackendError> {
        let filter = filter.clone();
        self.heavy(move |index, now| index.campaigns(&filter, by_block, now)).await
    }

    async fn present(&self, filter: &Filter, shape: app::bars::Shape) -> Result<app::bars::PresentView, BackendError> {
        let filter = filter.clone();
        self.heavy(move |index, now| index.present(&filter, shape, now)).await
    }

    async fn durations(&self, q: &DurationQuery) -> Result<DurationHistogram, BackendError> {
        let q = q.clone();
        self.heavy(move |index, now| index.durations(&q, now)).await
    }

    async fn duration_bin(&self, q: &DurationQuery, bin: u32) -> Result<BinWorkflows, BackendError> {
        let q = q.clone();
        self.heavy(move |index, now| index.duration_bin(&q, bin as usize, now)).await
    }

    async fn alerts(&self) -> Result<app::alerts::Alerts, BackendError> {
        let t = self.alerts.clone();
        let acks = self.acks.all().await.map_err(unavailable)?;
        self.heavy(move |index, now| {
            // Acknowledged workflows leave the counts while their acknowledgement holds.
            let holding = crate::acks::holding(index, &acks, now)?;
            let count = |f: &Filter| {
                Ok(index.count(f, now)?.saturating_sub(crate::acks::acknowledged_in(index, &holding, f, now)?))
            };
            let mut stuck = Vec::with_capacity(t.stuck_after.len());
            for &(status, days) in &t.stuck_after {
                let count = count(&app::alerts::stuck_filter(status, days))?;
                stuck.push(app::alerts::Stuck { status, days, count });
            }
            Ok(app::alerts::Alerts {
                stalled: count(&app::alerts::stalled_filter())?,
                idle: count(&app::alerts::idle_filter(t.idle_days))?,
                idle_days: t.idle_days,
                broken: count(&app::alerts::broken_filter())?,
                stuck,
            })
        })
        .await
    }

    async fn changes(&self, filter: &Filter, since: i64) -> Result<app::changes::Changes, BackendError> {
        let filter = filter.clone();
        self.heavy(move |index, now| index.changes(&filter, since, now)).await
    }

    async fn suggest(&self, q: &str) -> Result<Vec<app::suggest::Suggestion>, BackendError> {
        let q = q.trim_start();
        if q.chars().count() < app::suggest::MIN_CHARS {
            return Ok(Vec::new());
        }
        let q = q.to_owned();
        self.heavy(move |index, _| index.suggest(&q)).await
    }

    async fn search(&self, q: &str) -> Result<Filter, BackendError> {
        let q = q.trim();
        if q.is_empty() {
            return Ok(Filter::default());
        }
        let text = q.to_owned();
        let key = self.blocking(move |index, _| index.probe(&text)).await?.unwrap_or(FilterKey::WorkflowName);
        Ok(Filter::default().with(key, q))
    }

    async fn shorten(&self, path: &str, caller: &Caller) -> Result<app::api::ShortLink, BackendError> {
        use crate::links::LinkError;
        match self.links.shorten(path, &self.client_of(caller), crate::clock::now()).await {
            Ok(code) => Ok(app::api::ShortLink { url: self.links.url_of(&code), code }),
            Err(LinkError::Refused(m)) => Err(BackendError::BadRequest(m)),
            Err(e @ LinkError::TooMany) => Err(BackendError::TooMany(e.to_string())),
            Err(LinkError::Store(e)) => Err(unavailable(e)),
        }
    }

    async fn alert_list(
        &self,
        filter: &Filter,
        acknowledged: bool,
        page: u32,
    ) -> Result<app::alerts::RankedPage, BackendError> {
        let acks = self.acks.all().await.map_err(unavailable)?;
        let filter = filter.clone();
        self.heavy(move |index, now| {
            let holding = crate::acks::holding(index, &acks, now)?;
            crate::acks::ranked_page(index, &holding, (&filter, acknowledged, page), now)
        })
        .await
    }

    async fn alert_ack(&self, name: &str, note: &str, caller: &Caller) -> Result<(), BackendError> {
        let by = self.auth.check(&headers_of(caller)).map_err(denied)?;
        let now = crate::clock::now();
        let Some(standing) = self.index.standing(name, now).map_err(not_ready)? else {
            return Err(BackendError::BadRequest(format!("no workflow {name:?}")));
        };
        let (workflow, note) = (name.to_owned(), note.trim().to_owned());
        tracing::info!(user = by, workflow, note, "alert acknowledged");
        let ack = crate::acks::Stored { workflow, by, note, time: now, standing };
        self.acks.put(ack).await.map_err(unavailable)
    }

    async fn watch_save(
        &self,
        spec: app::watch::WatchSpec,
        caller: &Caller,
    ) -> Result<app::watch::WatchId, BackendError> {
        let user = self.user(caller)?;
        let id = self.watches.save(&user, &spec, crate::clock::now()).await.map_err(watch_error)?;
        Ok(app::watch::WatchId { id })
    }

    async fn watch_list(&self, caller: &Caller) -> Result<Vec<app::watch::Watch>, BackendError> {
        let user = self.user(caller)?;
        self.watches.list(&user).await.map_err(watch_error)
    }

    async fn watch_delete(&self, id: &str, caller: &Caller) -> Result<(), BackendError> {
        let user = self.user(caller)?;
        self.watches.delete(&user, id).await.map_err(watch_error)
    }

    async fn admin_update(
        &self,
        name: &str,
        token: Option<String>,
        caller: &Caller,
    ) -> Result<AdminOutcome, BackendError> {
        match self.auth.check(&headers_of(&caller.clone().with_token(token))) {
            Err(Denied::Unauthenticated) => return Ok(AdminOutcome::Unauthorized),
            Err(Denied::Forbidden(user)) => return Ok(AdminOutcome::Forbidden(user)),
            Err(Denied::CrossSite) => return Ok(AdminOutcome::Forbidden("a request from another site".into())),
            Ok(user) => tracing::info!(user, workflow = name, "admin update from the dashboard"),
        }
        let Ok(valid) = WorkflowName::parse(name) else {
            return Ok(AdminOutcome::Failed(format!("{name:?} is not a workflow name")));
        };
        Ok(match self.updates.update(valid.as_str()).await {
            UpdateOutcome::Done => {
                AdminOutcome::Updated(self.stored_row(valid.as_str()).await.map_err(unavailable)?.map(Box::new))
            }
            UpdateOutcome::Busy(holder) => AdminOutcome::Busy(format!("An update run is in progress ({holder})")),
            UpdateOutcome::Failed(e) => AdminOutcome::Failed(e),
        })
    }
}
