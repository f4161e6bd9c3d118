//! The watch job every `serve` replica runs: every few seconds it asks the index what each
//! watch's conditions find since the watch was saved, records what the outbox does not hold
//! yet, and delivers what is due, a watch's pending entries together in one message.
//!
//! Detection looks at state, not at the change that led to it: a replica that restarts, or
//! one that was behind, finds the same occurrences and derives the same entry ids, which the
//! outbox already holds. It looks back at most [`LOOK_BACK`], less than the outbox keeps sent
//! entries ([`outbox::KEEP`]), so nothing is recorded twice.
//!
//! An entry waits [`BATCH`] seconds for others of its watch before it is sent, so a run that
//! moves many workflows gives one message; with the [`TICK`] and the feed's own delay the
//! first notification leaves well within 30 seconds of the change being stored.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use super::outbox::{self, Notice};
use super::send::{Message, Targets};
use super::stored::{self, StoredWatch};
use crate::index::SummaryIndex;
use crate::store::SharedStore;

/// Time between two passes.
pub const TICK: Duration = Duration::from_secs(5);
/// Seconds an entry waits for others of its watch.
pub const BATCH: i64 = 10;
/// How far back detection looks (seconds): 7 days.
pub const LOOK_BACK: i64 = 7 * 86_400;
/// Lines of one message; more are counted.
const MAX_LINES: usize = 50;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    /// Entries this replica recorded.
    pub recorded: usize,
    /// Messages sent (each may fail on one of its targets).
    pub messages: usize,
}

/// The job's parts.
pub struct Job {
    store: SharedStore,
    index: Arc<SummaryIndex>,
    targets: Arc<Targets>,
    stuck: Vec<(app::filter::RequestStatus, u32)>,
    /// The dashboard's public address with its base path, for links.
    public: String,
}

impl Job {
    /// A job over `store` and `index`, sending through `targets`, with the stuck alerts'
    /// thresholds and links under `public`.
    pub fn new(
        (store, index): (SharedStore, Arc<SummaryIndex>),
        targets: Arc<Targets>,
        stuck: Vec<(app::filter::RequestStatus, u32)>,
        public: &str,
    ) -> Arc<Job> {
        Arc::new(Job { store, index, targets, stuck, public: public.trim_end_matches('/').to_owned() })
    }

    /// Runs passes until `closing` says the server is shutting down.
    pub async fn run(self: Arc<Self>, mut closing: tokio::sync::watch::Receiver<bool>) {
        let mut swept = 0;
        loop {
            let now = crate::clock::now();
            if self.index.is_ready() {
                match self.pass(now).await {
                    Ok(p) if p != Pass::default() => tracing::info!(?p, "watch notifications"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = format!("{e:#}"), "watch pass failed; trying again"),
                }
            }
            if now - swept > 3600 {
                swept = now;
                if let Err(e) = self.sweep(now).await {
                    tracing::warn!(error = format!("{e:#}"), "sweeping the watch outbox failed");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(TICK) => {}
                _ = closing.wait_for(|c| *c) => return,
            }
        }
    }

    /// One pass: record what is new, deliver what is due.
    pub async fn pass(&self, now: i64) -> Result<Pass> {
        let watches = stored::all(&*self.store).await.context("reading the watches")?;
        if watches.is_empty() {
            return Ok(Pass::default());
        }
        let notices = outbox::all(&*self.store).await.context("reading the watch outbox")?;
        let known: HashSet<String> = notices.iter().map(|n| n.id.clone()).collect();
        let mut pass = Pass::default();
        for w in &watches {
            pass.recorded += self.detect(w, &known, now).await?;
        }
        let mut due: BTreeMap<String, Vec<Notice>> = BTreeMap::new();
        for n in notices.into_iter().filter(|n| n.is_due(now)) {
            due.entry(n.watch.clone()).or_default().push(n);
        }
        for w in &watches {
            let Some(entries) = due.remove(w.id()) else { continue };
            if entries.iter().map(|n| n.created).min().is_some_and(|t| t > now - BATCH) {
                continue;
            }
            pass.messages += usize::from(self.deliver(w, entries, now).await?);
        }
        Ok(pass)
    }

    async fn detect(&self, w: &StoredWatch, known: &HashSet<String>, now: i64) -> Result<usize> {
        let Some(filter) = w.filter() else { return Ok(0) };
        let since = w.created.max(now - LOOK_BACK);
        let (index, on, stuck) = (self.index.clone(), w.on.clone(), self.stuck.clone());
        let found = tokio::task::spawn_blocking(move || index.occurrences(&filter, &on, (since, now), &stuck))
            .await
            .context("a watch's detection panicked")?
            .context("the index")?;
        let mut recorded = 0;
        for o in found {
            let notice = Notice::new(w.id(), &o, now);
            if !known.contains(&notice.id) && outbox::record(&*self.store, &notice).await.context("recording")? {
                recorded += 1;
            }
        }
        Ok(recorded)
    }

    /// Claims `entries` and sends them as one message to each target they still lack.
    async fn deliver(&self, w: &StoredWatch, entries: Vec<Notice>, now: i64) -> Result<bool> {
        let mut claimed = Vec::new();
        for n in entries {
            if let Some(n) = outbox::claim(&*self.store, n, now).await.context("claiming")? {
                claimed.push(n);
            }
        }
        if claimed.is_empty() {
            return Ok(false);
        }
        let message = self.message(w, &claimed);
        let lacking = |t: &str| claimed.iter().any(|n| !n.delivered.iter().any(|d| d == t));
        let webhook = match &w.webhook {
            Some(url) if lacking("webhook") => Some(self.targets.webhook(url, &message).await),
            _ => None,
        };
        let email = match &w.email {
            Some(to) if lacking("email") => Some(self.targets.email(to, w.owner_email.as_deref(), &message).await),
            _ => None,
        };
        for n in claimed {
            let mut results = Vec::new();
            for (target, result) in [("webhook", &webhook), ("email", &email)] {
                if let (Some(r), false) = (result, n.delivered.iter().any(|d| d == target)) {
                    results.push((target, r.clone()));
                }
            }
            outbox::outcome(&*self.store, n, &results, crate::clock::now()).await.context("recording a delivery")?;
        }
        Ok(true)
    }

    fn message(&self, w: &StoredWatch, entries: &[Notice]) -> Message {
        let mut ids: Vec<String> = entries.iter().map(|n| n.id.clone()).collect();
        ids.sort();
        let key = crate::encode::digest_hex(&ids.join("\n"), 16);
        let mut lines: Vec<String> = entries
            .iter()
            .take(MAX_LINES)
            .map(|n| format!("[{}]({}/workflow/{}): {}", n.workflow, self.public, n.workflow, n.detail))
            .collect();
        if entries.len() > MAX_LINES {
            lines.push(format!("and {} more", entries.len() - MAX_LINES));
        }
        let query = w.filter.clone();
        let link = format!("{}/{}{query}", self.public, if query.is_empty() { "" } else { "?" });
        Message { key, watch: w.name.clone(), count: entries.len(), lines, ids, link }
    }

    async fn sweep(&self, now: i64) -> Result<()> {
        let watches: Vec<String> = stored::all(&*self.store).await?.iter().map(|w| w.id().to_owned()).collect();
        let gone = outbox::sweep(&*self.store, &watches, now).await.context("sweeping")?;
        if gone > 0 {
            tracing::info!(gone, "old watch notifications dropped");
        }
        Ok(())
    }
}
