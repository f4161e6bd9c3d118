//! `stats2 demo`: the seeded embedded store, the cmsweb simulator on a loopback port, the
//! updater every few seconds against it, and the dashboard.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::config::{Cli, ServeConfig, UpdateArgs};
use crate::sim::{Sim, SimConfig};
use crate::store::{sqlite::SqliteStore, SharedStore};
use crate::updater::{run, RunContext};

/// Workflows the live simulator plays.
const SIM_SCALE: usize = 60;
/// How often the simulator advances and the updater runs.
const TICK: Duration = Duration::from_secs(5);

/// Runs the demo until SIGINT or SIGTERM.
pub async fn run(cli: &Cli, serve_cfg: &ServeConfig) -> Result<i32> {
    let path = cli.store.data_dir.join("demo.sqlite");
    let store: SharedStore = Arc::new(SqliteStore::open(&path).context("opening the demo store")?);
    store.init().await.context("initialising the demo store")?;
    let seeded = crate::demo::seed_once(&*store, crate::now()).await.context("seeding the demo store")?;
    tracing::info!(seeded, path = %path.display(), "demo store ready");

    let sim = Sim::new(SimConfig { scale: SIM_SCALE, ..SimConfig::default() }, crate::now());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the simulator")?;
    let sim_url = format!("http://{}", listener.local_addr()?);
    super::sim::start(sim.clone(), listener, Duration::ZERO).await;
    let mut upstream_cfg = cli.upstream.clone();
    upstream_cfg.cmsweb_url = sim_url.clone();
    upstream_cfg.cmsweb_prod_url = sim_url;
    upstream_cfg.usercrt = None;
    upstream_cfg.userkey = None;
    upstream_cfg.upstream_backoff = Duration::from_millis(100);
    let up = super::update::upstream(&upstream_cfg)?;
    let cfg = super::update::updater_config(
        &upstream_cfg,
        &UpdateArgs { name: None, trigger_prod: false, trigger_dev: false },
    );
    let updater_store = store.clone();
    let admin_up = up.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            let ctx = RunContext::new(updater_store.clone(), up.clone(), cfg.clone(), indicatif::ProgressBar::hidden());
            match run::run(&ctx).await {
                Ok(summary) => tracing::info!("demo update run: {summary}"),
                Err(e) => tracing::warn!(error = %e, "demo update run failed"),
            }
            sim.step(3600, true);
        }
    });
    super::serve(store, admin_up, &upstream_cfg, serve_cfg).await?;
    Ok(0)
}
