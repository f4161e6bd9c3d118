//! The subcommands. Each returns the process exit code; errors carry context for the log.

pub mod callbacks;
mod db;
mod demo;
mod health;
pub mod sim;
pub mod update;

use anyhow::{Context, Result};
use serde::Serialize;
use std::net::SocketAddr;

use std::sync::Arc;

use crate::config::{Cli, Command, ServeConfig, UpdateArgs, UpstreamConfig};
use crate::http::{self, AppState, Spa};
use crate::store::{Db, SharedStore};
use crate::updater::single::UpdateService;
use crate::upstream::Upstream;

/// Opens the configured store: CouchDB when `DB_URL` is set, else the embedded SQLite file.
pub fn open_store(cfg: &crate::config::StoreConfig) -> Result<SharedStore> {
    let store: SharedStore = match cfg.db_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => std::sync::Arc::new(crate::store::couch::CouchStore::new(url, cfg.db_auth_header.clone())?),
        None => std::sync::Arc::new(crate::store::sqlite::SqliteStore::open(&cfg.data_dir.join(crate::SQLITE_FILE))?),
    };
    Ok(store)
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<i32> {
    // The commands with a store of their own, or none.
    match &cli.command {
        Command::Demo(cfg) => {
            cfg.check()?;
            return demo::run(&cli, cfg).await;
        }
        Command::Sim(args) => return sim::run(args).await,
        Command::Health(args) => return Ok(health::probe(args).await),
        Command::Serve(cfg) => cfg.check()?,
        _ => {}
    }
    let store = open_store(&cli.store).context("opening the store")?;
    with_store(&cli, store).await
}

/// The commands that work on the configured store.
async fn with_store(cli: &Cli, store: SharedStore) -> Result<i32> {
    match &cli.command {
        Command::Serve(cfg) => {
            let up = update::upstream(&cli.upstream).context("setting up the cmsweb client")?;
            let deliverer = if cfg.trigger_prod || cfg.trigger_dev {
                Some(callbacks::deliverer(cli).context("--trigger-prod/--trigger-dev need the callback credentials")?)
            } else {
                None
            };
            serve(store, up, &cli.upstream, cfg, deliverer).await?;
            Ok(0)
        }
        Command::Update(args) => update::update(cli, store, args).await,
        Command::Callbacks { action } => callbacks::run(cli, store, *action).await,
        Command::See { name } => see(&store, name.as_deref()).await,
        Command::Db { action } => db::run(cli, &store, action).await,
        // Handled by `run` before a store is opened.
        Command::Demo(_) | Command::Sim(_) | Command::Health(_) => Ok(0),
    }
}

/// `stats2 see`: only the document on stdout (4-space JSON), exit 1 when absent (X22).
async fn see(store: &SharedStore, name: Option<&str>) -> Result<i32> {
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        eprintln!("error: `stats2 see` needs --name NAME");
        return Ok(1);
    };
    match store.get(Db::Requests, name).await.with_context(|| format!("reading {name}"))? {
        Some(doc) => {
            println!("{}", to_pretty4(&doc)?);
            Ok(0)
        }
        None => {
            eprintln!("error: no workflow named {name:?} in the store");
            Ok(1)
        }
    }
}

/// JSON indented by four spaces, keys in stored order.
pub fn to_pretty4(v: &serde_json::Value) -> Result<String> {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    v.serialize(&mut ser)?;
    Ok(String::from_utf8(out)?)
}

/// Serves the dashboard until SIGINT or SIGTERM; admin updates go to `up`; with
/// `--update-every`, update runs on a schedule (their callbacks through `deliverer`).
pub async fn serve(
    store: SharedStore,
    up: Arc<dyn Upstream>,
    upstream_cfg: &UpstreamConfig,
    cfg: &ServeConfig,
    deliverer: Option<Arc<crate::callbacks::Deliverer>>,
) -> Result<()> {
    let base = cfg.normalized_base();
    let spa = Spa::load(&cfg.dist_dir, &base);
    let no_triggers = UpdateArgs { name: None, trigger_prod: false, trigger_dev: false };
    let updates = UpdateService::new(store.clone(), up.clone(), update::updater_config(upstream_cfg, &no_triggers));
    let auth = cfg.admin_auth();
    if auth.token.is_none() && auth.proxy.is_none() {
        tracing::warn!("no STATS_ADMIN_TOKEN and no trusted proxy headers: admin actions answer 401");
    }
    let limits = cfg.limits.limits();
    let state = AppState::new(store.clone(), updates, auth, &base, cfg.legacy_cache_ttl)
        .with_limits(limits)
        .with_alerts(crate::backend::AlertThresholds {
            idle_days: cfg.idle_alert_days,
            stuck_after: crate::config::stuck_thresholds(&cfg.stuck_after),
        });
    let targets = Arc::new(crate::watches::Targets::new(&cfg.notify).context("watch notification settings")?);
    let state = state.with_watches(targets.clone(), &cfg.notify.proxy_email_header);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let scheduler = cfg.update_every.map(|every| {
        let triggers = UpdateArgs { name: None, trigger_prod: cfg.trigger_prod, trigger_dev: cfg.trigger_dev };
        let run_cfg = update::updater_config(upstream_cfg, &triggers);
        tracing::info!(every = %humantime::format_duration(every), "scheduled update runs");
        crate::schedule::spawn(store.clone(), up.clone(), run_cfg, every, deliverer, stopped)
    });
    let close = state.closer();
    let follower = state.follow_feed();
    drop(state.sweep_links());
    drop(state.sweep_acks());
    let public = cfg.notify.public_url.clone().unwrap_or_else(|| format!("http://{}:{}{base}", cfg.host, cfg.port));
    let watching = state.watch_job(targets, &public);
    let router = http::router(state, spa, &base);
    let addr = SocketAddr::new(cfg.host, cfg.port);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
    tracing::info!(url = %format!("http://{addr}{base}/"), store = store.kind(), "serving");
    // Live streams and the feed follower end with the signal, so no client holds up the exit.
    let shutdown = async move {
        shutdown_signal().await;
        close();
    };
    let served = http::listen::serve(listener, router, limits, shutdown).await.context("serving HTTP");
    let _ = follower.await;
    let _ = watching.await;
    if let Some(task) = scheduler {
        // A run in progress finishes (and checkpoints) before the process exits.
        let _ = stop.send(true);
        tracing::info!("waiting for the scheduled run to finish");
        let _ = task.await;
    }
    served
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
