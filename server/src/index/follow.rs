//! Following the store's change feed: the initial build of the index (from 0, page by page,
//! the next page fetched while the current one is indexed), then long-polling for what comes
//! next. Every applied page announces its workflows on the live stream (which also clears
//! the legacy cache), and a new run record is announced as a finished run. A failing feed
//! (store restart, network) is retried from the last applied position, so nothing is lost
//! or applied twice.

use std::sync::Arc;
use std::time::Duration;

use app::rows::EventKind;
use tokio::sync::watch;

use super::intern::Interner;
use super::{Record, State, SummaryIndex};
use crate::live::{self as events, Events};
use crate::store::{ChangesPage, Db, FeedQuery, Seq, SharedStore, StoreError, DESIGN_PREFIX};

/// Changes per page of the feed.
pub const PAGE: u64 = 1000;
/// How long one long poll waits for news.
pub const WAIT: Duration = Duration::from_secs(20);

/// Runs until `stop` turns true: builds `index` from `store`'s feed, then keeps it current,
/// publishing what changed on `events`.
pub async fn run(store: SharedStore, index: Arc<SummaryIndex>, events: Events, stop: watch::Receiver<bool>) {
    let runs = tokio::spawn(follow_runs(store.clone(), events.clone(), stop.clone()));
    loop {
        let Some(since) = until_stopped(&stop, build(&store, &index)).await else { break };
        if follow(&store, &index, &events, since, stop.clone()).await == Followed::Stopped {
            break;
        }
        // A page that could not be indexed (a bug): start over rather than skip its changes.
        tracing::error!("indexing a page of the feed failed; rebuilding the summary index");
        events::publish(&events, EventKind::Resync, Vec::new(), None);
    }
    runs.abort();
}

/// Resolves to `fut`'s output, or `None` once `stop` turns true.
async fn until_stopped<T>(stop: &watch::Receiver<bool>, fut: impl std::future::Future<Output = T>) -> Option<T> {
    let mut stop = stop.clone();
    tokio::select! {
        out = fut => Some(out),
        _ = stop.wait_for(|s| *s) => None,
    }
}

async fn next_page(store: &SharedStore, db: Db, since: &Seq, wait: Duration, docs: bool) -> ChangesPage {
    let mut backoff = Duration::from_millis(500);
    let mut wait = wait;
    loop {
        let q = FeedQuery { since: since.clone(), limit: PAGE, include_docs: docs, wait };
        match store.changes(db, &q).await {
            Ok(page) => return page,
            Err(e) => report(&e, db, backoff).await,
        }
        // After a failure the next read answers at once: a long poll with no news would
        // leave the index counted as behind for another `WAIT` after the store is back.
        wait = Duration::ZERO;
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

async fn report(e: &StoreError, db: Db, backoff: Duration) {
    crate::metrics::count("stats2_feed_errors_total", &[("db", db.name())], 1.0);
    tracing::warn!(db = db.name(), error = %e, retry_in = ?backoff, "change feed unavailable");
    tokio::time::sleep(backoff).await;
}

/// Builds records of the page's documents on two threads (the parse and the derivations are
/// most of a build's time), in feed order; a deletion has no record. Documents move into the
/// workers and are dropped as soon as their record exists, so a page's JSON is held once, not
/// twice. Each worker shares texts within the page only: the state copies each record in and
/// shares its key texts with the postings then (`State::insert`), and an interner kept for the
/// whole build would grow a table of every text seen, freed only at the end.
fn build_records(page: ChangesPage) -> Vec<(String, Option<Record>)> {
    let mut first: Vec<_> = page.changes.into_iter().filter(|c| !c.id.starts_with(DESIGN_PREFIX)).collect();
    let second = first.split_off(first.len().div_ceil(2));
    let records: Vec<Vec<(String, Option<Record>)>> = std::thread::scope(|s| {
        let parts = [first, second].into_iter().map(|part| {
            s.spawn(move || {
                let mut interner = Interner::default();
                part.into_iter()
                    .map(|c| {
                        let record = c.doc.filter(|_| !c.deleted).map(|d| Record::from_doc(d, &mut interner));
                        (c.id, record)
                    })
                    .collect()
            })
        });
        // A panic while indexing is a bug: it must not leave records out silently.
        parts
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    records.into_iter().flatten().collect()
}

/// Adds built records (and deletions) in feed order; the names they touch.
fn add_records(state: &mut State, records: Vec<(String, Option<Record>)>, now: i64) -> Vec<String> {
    let mut names = Vec::with_capacity(records.len());
    for (id, record) in records {
        match record {
            Some(r) => state.insert(r),
            None => state.remove_seen(&id, now),
        }
        names.push(id);
    }
    names
}

fn build_page(mut state: State, page: ChangesPage) -> State {
    add_records(&mut state, build_records(page), i64::MIN);
    state
}

/// Reads the whole feed into a fresh state and installs it; returns where it stopped. A build
/// that fails (a bug while indexing) is logged and started again.
async fn build(store: &SharedStore, index: &SummaryIndex) -> Seq {
    loop {
        if let Some(seq) = build_once(store, index).await {
            return seq;
        }
        tracing::error!("building the summary index failed; starting again in 10 s");
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
}

async fn build_once(store: &SharedStore, index: &SummaryIndex) -> Option<Seq> {
    let started = std::time::Instant::now();
    let mut state = State::building();
    state.forget_changes_before(super::horizon_at(crate::clock::now()));
    let mut page = next_page(store, Db::Requests, &Seq::zero(), Duration::ZERO, true).await;
    loop {
        let since = page.last_seq.clone();
        let done = (page.changes.len() as u64) < PAGE;
        let next = (!done).then(|| {
            let (store, since) = (store.clone(), since.clone());
            tokio::spawn(async move { next_page(&store, Db::Requests, &since, Duration::ZERO, true).await })
        });
        state = tokio::task::spawn_blocking(move || build_page(state, page)).await.ok()?;
        match next {
            Some(task) => page = task.await.ok()?,
            None => {
                let n = state.len();
                state.begin_watching(crate::clock::now());
                index.install(state);
                index.mark_caught_up();
                return_build_garbage();
                crate::metrics::gauge("stats2_index_workflows", &[], n as f64);
                tracing::info!(workflows = n, seconds = started.elapsed().as_secs_f64(), "summary index built");
                return Some(since);
            }
        }
    }
}

/// Lets the allocator give the build's last garbage back to the system now. mimalloc purges
/// freed pages only when some page is freed more than its purge delay (one second) after them;
/// after a build that is the first request, and a replica waiting for traffic held 20 to 60 MB
/// more than its index needs at 200,000 workflows (BENCHMARKS.md). A short-lived thread that
/// frees a page of its own a little later is such a free.
fn return_build_garbage() {
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(1500));
        let page: Vec<Box<u64>> = (0..16_384).map(Box::new).collect();
        drop(std::hint::black_box(page));
    });
}

/// How following ended.
#[derive(Debug, PartialEq, Eq)]
enum Followed {
    Stopped,
    PageFailed,
}

/// Applies every later change as it comes.
async fn follow(
    store: &SharedStore,
    index: &SummaryIndex,
    events: &Events,
    mut since: Seq,
    stop: watch::Receiver<bool>,
) -> Followed {
    loop {
        let Some(page) = until_stopped(&stop, next_page(store, Db::Requests, &since, WAIT, true)).await else {
            return Followed::Stopped;
        };
        index.move_horizon(crate::clock::now());
        if page.changes.is_empty() {
            since = page.last_seq;
            index.mark_caught_up();
            continue;
        }
        let caught_up = (page.changes.len() as u64) < PAGE;
        index.set_lag(page.changes.len() as u64);
        since = page.last_seq.clone();
        // Parsing a page of up to 1,000 documents takes a while: it happens before the write
        // lock, on the blocking pool, so queries never wait for it.
        let Ok(records) = tokio::task::spawn_blocking(move || build_records(page)).await else {
            return Followed::PageFailed;
        };
        let mut names = Vec::new();
        let now = crate::clock::now();
        index.apply(|state| names = add_records(state, records, now));
        index.set_lag(0);
        if caught_up {
            index.mark_caught_up();
        }
        crate::metrics::gauge("stats2_index_workflows", &[], index.len() as f64);
        if !names.is_empty() {
            events::publish(events, EventKind::Workflow, names, None);
        }
    }
}

/// Announces every new run record (a scheduled run here or elsewhere, or a CLI run) as a
/// finished run, so open pages refresh their header and aggregates.
async fn follow_runs(store: SharedStore, events: Events, stop: watch::Receiver<bool>) {
    let mut since = Seq::zero();
    loop {
        let page = next_page(&store, Db::Stats2, &since, Duration::ZERO, false).await;
        since = page.last_seq;
        if (page.changes.len() as u64) < PAGE {
            break;
        }
    }
    loop {
        let Some(page) = until_stopped(&stop, next_page(&store, Db::Stats2, &since, WAIT, false)).await else { return };
        since = page.last_seq;
        if page.changes.iter().any(|c| c.id == crate::runs::RUNS_ID) {
            let start = crate::runs::last(&*store).await.ok().flatten().map(|r| r.start);
            events::publish(&events, EventKind::Run, Vec::new(), start);
        }
    }
}
