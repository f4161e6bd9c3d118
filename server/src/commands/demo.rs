//! `stats2 demo`: the seeded embedded store, the cmsweb simulator on a loopback port, the
//! updater every few seconds against it, and the dashboard.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::config::{Cli, ServeConfig};
use crate::sim::{Sim, SimConfig};
use crate::store::{sqlite::SqliteStore, SharedStore};

/// Workflows the live simulator plays.
const SIM_SCALE: usize = 60;
/// The admin token of a demo started on loopback without STATS_ADMIN_TOKEN.
const DEMO_TOKEN: &str = "demo";
/// How often the simulator advances and the updater runs.
const TICK: Duration = Duration::from_secs(5);

/// Runs the demo until SIGINT or SIGTERM.
pub async fn run(cli: &Cli, serve_cfg: &ServeConfig) -> Result<i32> {
    let path = cli.store.data_dir.join("demo.sqlite");
    let store: SharedStore = Arc::new(SqliteStore::open(&path).context("opening the demo store")?);
    store.init().await.context("initialising the demo store")?;
    let seeded = crate::demo::seed_once(&*store, crate::clock::now()).await.context("seeding the demo store")?;
    tracing::info!(seeded, path = %path.display(), "demo store ready");

    // A living production: it moves for as long as the demo runs, and after a restart on the
    // same store too (its feed positions start past any earlier run's).
    let sim = Sim::living(SimConfig { scale: SIM_SCALE, ..SimConfig::default() }, crate::clock::now());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("binding the simulator")?;
    let sim_url = format!("http://{}", listener.local_addr()?);
    super::sim::start(sim.clone(), listener, Duration::ZERO).await;
    // The simulator advances between the scheduled runs, its clock with the wall clock: a
    // faster one stamped transitions and events hours into the future.
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tick.tick().await;
            sim.live_step(TICK.as_secs() as i64);
        }
    });
    let mut upstream_cfg = cli.upstream.clone();
    upstream_cfg.cmsweb_url = sim_url.clone();
    upstream_cfg.cmsweb_prod_url = sim_url.clone();
    upstream_cfg.usercrt = None;
    upstream_cfg.userkey = None;
    upstream_cfg.upstream_backoff = Duration::from_millis(100);
    let up = super::update::upstream(&upstream_cfg)?;
    // Callbacks go to the simulator's SSO and PdmV sinks.
    let creds = crate::callbacks::token::Credentials::from_parts(
        &format!("{sim_url}/auth/realms/cern/api-access/token"),
        Some(crate::sim::pdmv::CLIENT_ID),
        Some(crate::sim::pdmv::CLIENT_SECRET),
        Some("demo-prod"),
        Some("demo-dev"),
    )?;
    let deliverer = crate::callbacks::Deliverer::new(creds, &sim_url, &sim_url, 4)?;
    let mut serve_cfg = serve_cfg.clone();
    serve_cfg.update_every = Some(TICK);
    serve_cfg.trigger_prod = true;
    // Watches: the demo has no SSO proxy, so the admin token signs in (pasted on the Watches
    // page), and the simulator's chat stand-in is an allowed webhook.
    if serve_cfg.admin_token.is_none() && serve_cfg.host.is_loopback() {
        serve_cfg.admin_token = Some(DEMO_TOKEN.into());
    }
    serve_cfg.notify.webhook_hosts.push(sim_url.trim_start_matches("http://").to_owned());
    tracing::info!(
        token = if serve_cfg.admin_token.as_deref() == Some(DEMO_TOKEN) { DEMO_TOKEN } else { "STATS_ADMIN_TOKEN" },
        webhook = %format!("{sim_url}/hooks/demo"),
        "watches: paste the admin token on the Watches page; the webhook is the simulator's chat"
    );
    super::serve(store, up, &upstream_cfg, &serve_cfg, Some(deliverer)).await?;
    Ok(0)
}
