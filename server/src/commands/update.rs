//! `stats2 update` and the pieces `demo` shares with it.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{Cli, UpdateArgs, UpstreamConfig};
use crate::store::SharedStore;
use crate::updater::{run, RunContext, UpdaterConfig};
use crate::upstream::{ClientConfig, HttpUpstream, Upstream, UpstreamClient};

/// The cmsweb client of the configuration.
pub fn upstream(cfg: &UpstreamConfig) -> Result<Arc<dyn Upstream>> {
    let identity = match (&cfg.usercrt, &cfg.userkey) {
        (Some(c), Some(k)) => Some((c.clone(), k.clone())),
        (None, None) => None,
        _ => anyhow::bail!("USERCRT and USERKEY must be set together"),
    };
    let client = UpstreamClient::new(ClientConfig {
        identity,
        ca_bundle: cfg.ca_bundle.clone(),
        concurrency: cfg.upstream_concurrency.max(1),
        retries: cfg.upstream_retries,
        backoff: cfg.upstream_backoff,
        timeout: cfg.upstream_timeout,
        slow_timeout: cfg.wmstats_timeout,
    })?;
    Ok(Arc::new(HttpUpstream::new(client, &cfg.cmsweb_url, &cfg.cmsweb_prod_url)?.with_keys_method(cfg.reqmgr_keys)))
}

/// Updater settings from the configuration.
pub fn updater_config(cfg: &UpstreamConfig, args: &UpdateArgs) -> UpdaterConfig {
    UpdaterConfig {
        // Twice the request bound keeps the client saturated while tasks wait on the store.
        concurrency: cfg.upstream_concurrency.max(1) * 2,
        dataset_batch: cfg.dataset_batch.max(1),
        trigger_prod: args.trigger_prod,
        trigger_dev: args.trigger_dev,
        lock_stale: cfg.lock_stale_after,
        ..UpdaterConfig::default()
    }
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} ({elapsed})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Runs `stats2 update`; exit 1 on failure (another run holding the lock included).
pub async fn update(cli: &Cli, store: SharedStore, args: &UpdateArgs) -> Result<i32> {
    let up = upstream(&cli.upstream).context("setting up the cmsweb client")?;
    let ctx = RunContext::new(store.clone(), up, updater_config(&cli.upstream, args), progress_bar());
    match &args.name {
        Some(name) => {
            let (outcome, appended) = run::update_one(&ctx, name).await.with_context(|| format!("updating {name}"))?;
            ctx.progress.finish_and_clear();
            tracing::info!(workflow = %name, ?outcome, history_appended = appended, "workflow updated");
        }
        None => {
            // SIGTERM (a CronJob's deadline) or Ctrl-C: no new upstream request; the run
            // checkpoints what is complete within the grace time and releases the lock.
            let (stop, up) = (ctx.stop.clone(), ctx.up.clone());
            let watcher = tokio::spawn(async move {
                super::shutdown_signal().await;
                tracing::warn!(grace = ?crate::updater::STOP_GRACE, "stopping the run: no new upstream request");
                up.stop_new_requests();
                stop.request();
            });
            let (_, result) = crate::schedule::run_recorded(&ctx).await;
            watcher.abort();
            ctx.progress.finish_and_clear();
            if let Err(crate::updater::UpdateError::Stopped) = result {
                tracing::warn!("update run stopped; the next run continues from its last checkpoint");
                return Ok(1);
            }
            let summary = result.context("update run")?;
            tracing::info!(sequence = %summary.sequence, "update run finished: {summary}");
        }
    }
    if args.trigger_prod || args.trigger_dev {
        // Recorded in the outbox by the run; delivered now, or by the next run or retry.
        super::callbacks::deliver(cli, &store, false).await?;
    }
    Ok(0)
}

/// Runs `stats2 db backfill-lumis` under the run lock (an update run would otherwise write
/// the same documents at the same time); exit 1 when another run holds the lock.
pub async fn backfill_lumis(cli: &Cli, store: SharedStore, dry_run: bool) -> Result<i32> {
    use crate::updater::{backfill, lock::RunLock};
    let up = upstream(&cli.upstream).context("setting up the cmsweb client")?;
    let lock =
        match RunLock::acquire(store.clone(), "lumi back-fill", Duration::ZERO, cli.upstream.lock_stale_after).await {
            Ok(lock) => lock,
            Err(e) => {
                tracing::error!(error = %e, "back-fill not started");
                return Ok(1);
            }
        };
    let bar = progress_bar();
    bar.set_message("back-fill");
    let concurrency = cli.upstream.upstream_concurrency.max(1);
    let result = tokio::select! {
        r = backfill::run(&store, &*up, concurrency, dry_run, &bar) => r,
        lost = lock.lost() => Err(anyhow::Error::new(lost)),
    };
    bar.finish_and_clear();
    if let Err(e) = lock.release().await {
        tracing::warn!(error = %e, "could not release the run lock; it goes stale on its own");
    }
    let summary = result.context("lumi back-fill")?;
    let mode = if dry_run { " (dry run: nothing written)" } else { "" };
    tracing::info!("lumi back-fill finished{mode}: {summary}");
    Ok(i32::from(summary.failed > 0))
}
