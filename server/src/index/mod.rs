//! The summary index: one compact record per workflow, built from the store's change feed and
//! kept current by following it, so every list, count, aggregate and search of the dashboard
//! is answered exactly, from memory, at any size, without reading a document. Each `serve`
//! process follows the feed on its own: a change written by any process (a cron `stats2
//! update`, another replica's scheduler, an admin elsewhere) reaches every replica's index,
//! live stream and legacy cache the same way.
//!
//! It is built at start-up by reading the feed from 0 rather than from a persisted snapshot:
//! the feed is the one source of truth on both stores, a build of 200,000 workflows takes
//! seconds, and there is no snapshot that could silently disagree with the store. Until the
//! first build has caught up, the index says it is not ready (`serve` answers 503).

mod aggregate;
mod analytics;
mod bars;
mod btree;
mod changed;
mod changes;
mod field;
pub mod follow;
mod hist_sums;
mod intern;
mod keys;
mod notices;
mod points;
mod posting;
mod query;
mod ranked;
mod record;
mod relocate;
mod removed;
mod stalls;
mod state;
mod suggest;
mod sums;
mod tally;
mod timeline;
mod transitions;
mod varint;

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use app::filter::{Filter, FilterKey};
use app::history::HistoryView;
use app::rows::WorkflowRow;

pub use field::Field;
pub use intern::Sym;
pub use notices::Occurrence;
pub use ranked::{RankedItem, RankedSlice};
pub use record::Record;
pub use state::{Parts, Slot, State};
pub use timeline::horizon_at;

/// The index is still being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the summary index is still being built; try again in a few seconds")]
pub struct NotReady;

/// One page of a filter, as rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RowPage {
    /// Rows in display order.
    pub rows: Vec<WorkflowRow>,
    /// Distinct workflows matching the filter.
    pub matching: u64,
    /// Whether rows follow this page.
    pub has_next: bool,
    /// Workflows in the index.
    pub total: u64,
}

/// How far behind the feed the index may be before the dashboard says so: a well follower is
/// at most one long poll (`follow::WAIT`) behind.
pub const STALE_AFTER_MS: i64 = 60_000;

/// The shared index.
pub struct SummaryIndex {
    state: RwLock<State>,
    ready: AtomicBool,
    generation: AtomicU64,
    lag: AtomicU64,
    /// When (Unix ms) the index was made: the feed's lag counts from here until it first
    /// catches up.
    born: i64,
    /// When (Unix ms) the follower last read the feed up to the store's current sequence;
    /// 0 before it first did.
    caught_up: AtomicI64,
}

impl Default for SummaryIndex {
    fn default() -> Self {
        SummaryIndex {
            state: RwLock::default(),
            ready: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            lag: AtomicU64::new(0),
            born: crate::clock::now_ms(),
            caught_up: AtomicI64::new(0),
        }
    }
}

impl SummaryIndex {
    /// An empty index, not ready until a build is installed.
    pub fn new() -> Arc<Self> {
        Arc::new(SummaryIndex::default())
    }

    /// Seconds (at `now_ms`) since the follower last read the feed up to the store's current
    /// sequence. A follower that is well reads at least once per long poll
    /// (`follow::WAIT`); one whose feed fails falls behind by the length of the outage.
    pub fn feed_lag(&self, now_ms: i64) -> f64 {
        let since = self.caught_up_at().unwrap_or(self.born);
        (now_ms.saturating_sub(since)).max(0) as f64 / 1000.0
    }

    /// When (Unix ms) the index last held everything the store had, if it ever did.
    pub fn caught_up_at(&self) -> Option<i64> {
        Some(self.caught_up.load(Ordering::Acquire)).filter(|t| *t > 0)
    }

    /// When (Unix seconds) the index last held everything the store had, once that is more
    /// than [`STALE_AFTER_MS`] ago: the dashboard then says its data is as of that time.
    pub fn stale_since(&self, now_ms: i64) -> Option<i64> {
        let since = self.caught_up_at().unwrap_or(self.born);
        (now_ms - since > STALE_AFTER_MS).then_some(since / 1000)
    }

    /// Records that the follower has read the feed up to the store's current sequence.
    fn mark_caught_up(&self) {
        self.caught_up.store(crate::clock::now_ms(), Ordering::Release);
    }

    /// Whether the first build has caught up with the feed.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// A counter that moves on every applied change of workflows: answers computed before it
    /// moved may be stale.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Changes the follower has been told of but not applied yet (its last page's size).
    pub fn lag(&self) -> u64 {
        self.lag.load(Ordering::Relaxed)
    }

    /// Workflows held.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether no workflow is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Distinct shared texts held (a size figure for `/metrics`).
    pub fn texts(&self) -> usize {
        self.read().texts()
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The state for a query at `now`, the stalled set brought up to `now` first.
    fn at(&self, now: i64) -> Result<RwLockReadGuard<'_, State>, NotReady> {
        if !self.is_ready() {
            return Err(NotReady);
        }
        if self.read().stalls_due(now) {
            self.state.write().unwrap_or_else(|p| p.into_inner()).advance_stalls(now);
        }
        Ok(self.read())
    }

    /// Moves the dated changes' horizon (if a build set one) along with the server's clock
    /// `now`, once it is a day behind. Only the follower calls this: a query's own `now` (a
    /// suggestion asks at `i64::MIN`) must never move it.
    pub fn move_horizon(&self, now: i64) {
        if self.read().timeline().prune_due(now) {
            self.state.write().unwrap_or_else(|p| p.into_inner()).forget_changes_before(timeline::horizon_at(now));
        }
    }

    /// Installs a finished build and marks the index ready.
    pub fn install(&self, mut built: State) {
        built.finish_build();
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = built;
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.ready.store(true, Ordering::Release);
    }

    /// Applies changes of the feed under one write lock.
    pub fn apply(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.state.write().unwrap_or_else(|p| p.into_inner()));
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn set_lag(&self, n: u64) {
        self.lag.store(n, Ordering::Relaxed);
    }

    /// Page `page` of `filter`, forecasts as of `now`.
    pub fn page(&self, filter: &Filter, page: u32, now: i64) -> Result<RowPage, NotReady> {
        let state = self.at(now)?;
        let p = query::page(&state, filter, page, now);
        let total = state.len() as u64;
        drop(state);
        let rows = p.records.iter().map(|r| r.to_row(now)).collect();
        Ok(RowPage { rows, matching: p.matching, has_next: p.has_next, total })
    }

    /// Every row of `filter`'s list, in its order (a download of the whole list): the records
    /// are shared, so this holds a pointer per row, not the rows.
    pub fn every_row(&self, filter: &Filter, now: i64) -> Result<Vec<Arc<Record>>, NotReady> {
        Ok(query::every_row(&*self.at(now)?, filter, now))
    }

    /// What a watch's conditions find among `filter`'s workflows in `window` (from, to).
    pub fn occurrences(
        &self,
        filter: &Filter,
        on: &[app::watch::Condition],
        window: (i64, i64),
        stuck: &[(app::filter::RequestStatus, u32)],
    ) -> Result<Vec<Occurrence>, NotReady> {
        Ok(notices::occurrences(&*self.at(window.1)?, filter, on, window, stuck))
    }

    /// Window `window` of `filter`'s workflows ranked as an alert's list, those in `acked`
    /// left out unless `with_acked`.
    pub fn ranked(
        &self,
        filter: &Filter,
        acked: (&std::collections::HashSet<String>, bool),
        window: std::ops::Range<usize>,
        now: i64,
    ) -> Result<RankedSlice, NotReady> {
        Ok(ranked::ranked(&*self.at(now)?, filter, acked, window, now))
    }

    /// What an acknowledgement of workflow `name` is about, if the index has it.
    pub fn standing(&self, name: &str, now: i64) -> Result<Option<String>, NotReady> {
        Ok(ranked::standing_of(&*self.at(now)?, name))
    }

    /// Whether workflow `name` is among `filter`'s workflows.
    pub fn holds(&self, name: &str, filter: &Filter, now: i64) -> Result<bool, NotReady> {
        Ok(ranked::holds_named(&*self.at(now)?, name, filter, now))
    }

    /// The row of one workflow.
    pub fn row(&self, name: &str, now: i64) -> Result<Option<WorkflowRow>, NotReady> {
        let record = self.at(now)?.get(name).cloned();
        Ok(record.map(|r| r.to_row(now)))
    }

    /// Number of workflows matching `filter`.
    pub fn count(&self, filter: &Filter, now: i64) -> Result<u64, NotReady> {
        Ok(query::count(&*self.at(now)?, filter, now))
    }

    /// Summed progress per datatier of the filter's workflows.
    pub fn aggregate(&self, label: &str, filter: &Filter, bucket: i64, now: i64) -> Result<HistoryView, NotReady> {
        let state = self.at(now)?;
        Ok(aggregate::aggregate(&state, label, filter, bucket, now))
    }

    /// The campaign (or priority block, `by_block`) × status table of `filter`'s workflows.
    pub fn campaigns(
        &self,
        filter: &Filter,
        by_block: bool,
        now: i64,
    ) -> Result<app::analytics::CampaignTable, NotReady> {
        Ok(analytics::campaign_table(&*self.at(now)?, filter, by_block, now))
    }

    /// The Present view of `filter`'s workflows.
    pub fn present(
        &self,
        filter: &Filter,
        shape: (app::bars::Dimension, Option<app::bars::Dimension>, app::bars::Measure),
        now: i64,
    ) -> Result<app::bars::PresentView, NotReady> {
        Ok(bars::present(&*self.at(now)?, filter, shape, now))
    }

    /// What changed among the filter's workflows from `since` to `now`.
    pub fn changes(&self, filter: &Filter, since: i64, now: i64) -> Result<app::changes::Changes, NotReady> {
        Ok(changes::changes(&*self.at(now)?, filter, since, now))
    }

    /// The status-duration histogram of a query.
    pub fn durations(
        &self,
        q: &app::analytics::DurationQuery,
        now: i64,
    ) -> Result<app::analytics::DurationHistogram, NotReady> {
        Ok(analytics::durations(&*self.at(now)?, q, now))
    }

    /// The workflows of one bar of a query's histogram.
    pub fn duration_bin(
        &self,
        q: &app::analytics::DurationQuery,
        bin: usize,
        now: i64,
    ) -> Result<app::analytics::BinWorkflows, NotReady> {
        Ok(analytics::bin_workflows(&*self.at(now)?, q, bin, now))
    }

    /// Every measured workflow of a duration query (of one bar), with its two transition times.
    pub fn duration_spans(
        &self,
        q: &app::analytics::DurationQuery,
        bin: Option<usize>,
        now: i64,
    ) -> Result<Vec<(Arc<Record>, i64, i64)>, NotReady> {
        Ok(analytics::spans(&*self.at(now)?, q, bin, now))
    }

    /// The historical (stacked) aggregate of `filter`.
    pub fn historical(
        &self,
        filter: &Filter,
        bucket: i64,
        growing: bool,
        now: i64,
    ) -> Result<app::historical::HistoricalView, NotReady> {
        Ok(analytics::historical(&*self.at(now)?, filter, bucket, growing, now))
    }

    /// Values starting with `prefix`, for the search box.
    pub fn suggest(&self, prefix: &str) -> Result<Vec<app::suggest::Suggestion>, NotReady> {
        Ok(suggest::suggest(&*self.at(i64::MIN)?, prefix))
    }

    /// A14's probe: the parameter whose view knows `q`.
    pub fn probe(&self, q: &str) -> Result<Option<FilterKey>, NotReady> {
        let state = self.at(i64::MIN)?;
        Ok(query::probe(&state, q))
    }
}
