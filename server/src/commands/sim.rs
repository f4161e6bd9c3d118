//! `stats2 sim`: the cmsweb simulator as a server of its own.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::config::SimArgs;
use crate::sim::{Sim, SimConfig};

/// Starts the simulator on a listener and, when asked, a task stepping its scenario.
pub async fn start(sim: Arc<Sim>, listener: tokio::net::TcpListener, step_every: Duration) {
    tokio::spawn(sim.clone().serve(listener));
    if !step_every.is_zero() {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(step_every);
            tick.tick().await;
            loop {
                tick.tick().await;
                sim.step(step_every.as_secs().max(1) as i64 * 60, true);
            }
        });
    }
}

/// Runs the simulator until SIGINT or SIGTERM.
pub async fn run(args: &SimArgs) -> Result<i32> {
    let cfg = SimConfig {
        scale: args.scale,
        outputs: args.outputs,
        latency: args.latency,
        error_rate: args.error_rate,
        seed: args.seed,
        batched_reads: !args.refuse_batched_reads,
        ..SimConfig::default()
    };
    let sim = Sim::new(cfg, crate::clock::now());
    for _ in 0..args.warmup_steps {
        sim.step(3600, false);
    }
    let addr = SocketAddr::new(args.host, args.port);
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?;
    tracing::info!(url = %format!("http://{addr}"), scale = args.scale, "cmsweb simulator serving (use it as CMSWEB_URL and CMSWEB_PROD_URL)");
    start(sim, listener, args.step_every).await;
    super::shutdown_signal().await;
    Ok(0)
}
