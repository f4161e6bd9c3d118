//! A cmsweb simulator (ReqMgr2 and its CouchDB, DBS, WMStats) over real HTTP, driven by a
//! scenario derived from the upstream fixtures, with knobs for latency, errors and scale.
//! Used by `stats2 sim`, `stats2 demo`, the tests and the benchmark.

pub mod chat;
mod living;
pub mod pdmv;
mod routes;
pub mod templates;
pub mod world;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use world::World;

/// Scenario and fault knobs.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Requests generated.
    pub scale: usize,
    /// Output datasets per request (None: as in the template).
    pub outputs: Option<usize>,
    /// Added to every answer.
    pub latency: Duration,
    /// Fraction of requests that fail: a 503, a stalled answer or garbled JSON, in turn.
    pub error_rate: f64,
    /// How long a "timeout" fault stalls before answering 504.
    pub stall: Duration,
    /// Seed of the scenario and the faults.
    pub seed: u64,
    /// Whether ReqMgr2's CouchDB answers `_changes?include_docs=true` and `_all_docs`; an
    /// older proxy refuses both with a 403.
    pub batched_reads: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            scale: 300,
            outputs: None,
            latency: Duration::ZERO,
            error_rate: 0.0,
            stall: Duration::from_secs(5),
            seed: 7,
            batched_reads: true,
        }
    }
}

/// Request counters of the simulator.
#[derive(Debug, Default)]
pub struct SimCounters {
    /// Requests answered.
    pub requests: AtomicU64,
    /// Faults injected.
    pub faults: AtomicU64,
    in_flight: AtomicUsize,
    /// Most requests in flight at once.
    pub peak_in_flight: AtomicUsize,
    by_endpoint: Mutex<BTreeMap<&'static str, u64>>,
}

impl SimCounters {
    /// Requests answered per endpoint (see [`endpoint_of`]).
    pub fn by_endpoint(&self) -> BTreeMap<&'static str, u64> {
        self.by_endpoint.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn count(&self, endpoint: &'static str) {
        *self.by_endpoint.lock().unwrap_or_else(|p| p.into_inner()).entry(endpoint).or_default() += 1;
    }
}

/// The endpoint a request path belongs to, for the per-endpoint counters: what a benchmark
/// reports to show where an updater run's requests go.
pub fn endpoint_of(path: &str) -> &'static str {
    const DB: &str = "/couchdb/reqmgr_workload_cache/";
    const DBS: &str = "/dbs/prod/global/DBSReader/";
    if let Some(rest) = path.strip_prefix(DB) {
        return match rest {
            "_changes" => "reqmgr/_changes",
            "_all_docs" => "reqmgr/_all_docs",
            _ => "reqmgr/document",
        };
    }
    if let Some(rest) = path.strip_prefix(DBS) {
        return match rest {
            "datasetlist" => "dbs/datasetlist",
            "filesummaries" => "dbs/filesummaries",
            "datasets" => "dbs/datasets",
            "files" => "dbs/files",
            _ => "dbs/other",
        };
    }
    match path {
        "/reqmgr2/data/request" => "reqmgr2/request",
        "/wmstatsserver/data/filtered_requests" => "wmstats/active",
        _ => "other",
    }
}

/// The simulator: a world behind a lock, and fault state.
pub struct Sim {
    world: Mutex<World>,
    pdmv: Mutex<pdmv::PdmvState>,
    chat: Arc<chat::Chat>,
    cfg: Mutex<SimConfig>,
    rng: AtomicU64,
    /// Counters.
    pub counters: SimCounters,
}

impl Sim {
    /// A simulator with a generated world whose clock starts at `clock`.
    pub fn new(cfg: SimConfig, clock: i64) -> Arc<Self> {
        let world = World::generate(cfg.scale, cfg.outputs, cfg.seed, clock);
        Sim::with_world(cfg, world)
    }

    fn with_world(cfg: SimConfig, world: World) -> Arc<Self> {
        Arc::new(Sim {
            pdmv: Mutex::default(),
            chat: Arc::default(),
            world: Mutex::new(world),
            rng: AtomicU64::new(cfg.seed | 1),
            cfg: Mutex::new(cfg),
            counters: SimCounters::default(),
        })
    }

    /// A simulator whose world lives as long as it runs (the demo's; see `living.rs`).
    pub fn living(cfg: SimConfig, clock: i64) -> Arc<Self> {
        let world = World::living(cfg.scale, cfg.seed, clock);
        Sim::with_world(cfg, world)
    }

    /// Advances a living world by one tick of `seconds`.
    pub fn live_step(&self, seconds: i64) {
        self.world().live_step(seconds);
    }

    /// The world, locked.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tokens issued and callbacks received.
    pub fn pdmv(&self) -> MutexGuard<'_, pdmv::PdmvState> {
        self.pdmv.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Advances the scenario by one step of `seconds`.
    pub fn step(&self, seconds: i64, deletions: bool) {
        self.world().step(seconds, deletions);
    }

    /// Whether batched reads (`include_docs`, `_all_docs`) are answered.
    pub fn batched_reads(&self) -> bool {
        self.cfg.lock().unwrap_or_else(|p| p.into_inner()).batched_reads
    }

    /// Answers or refuses batched reads from now on.
    pub fn set_batched_reads(&self, on: bool) {
        self.cfg.lock().unwrap_or_else(|p| p.into_inner()).batched_reads = on;
    }

    /// Changes the fault rate (e.g. 0 for a clean follow-up run).
    pub fn set_error_rate(&self, rate: f64) {
        self.cfg.lock().unwrap_or_else(|p| p.into_inner()).error_rate = rate;
    }

    fn roll(&self) -> f64 {
        let mut x = self.rng.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The HTTP router (latency and faults included).
    pub fn router(self: &Arc<Self>) -> Router {
        routes::router(self.clone())
            .merge(pdmv::router(self.clone()))
            .merge(chat::router(self.chat.clone()))
            .layer(middleware::from_fn_with_state(self.clone(), faults))
    }

    /// Serves on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }
}

/// Where the simulator tells its per-endpoint request counts (not counted itself).
pub const COUNTERS: &str = "/_sim/requests";

async fn faults(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let (latency, rate, stall) = {
        let cfg = sim.cfg.lock().unwrap_or_else(|p| p.into_inner());
        (cfg.latency, cfg.error_rate, cfg.stall)
    };
    let c = &sim.counters;
    if req.uri().path() == COUNTERS {
        return axum::Json(c.by_endpoint()).into_response();
    }
    c.requests.fetch_add(1, Ordering::Relaxed);
    c.count(endpoint_of(req.uri().path()));
    let now = c.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    c.peak_in_flight.fetch_max(now, Ordering::Relaxed);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let roll = sim.roll();
    let response = if roll < rate {
        c.faults.fetch_add(1, Ordering::Relaxed);
        match (roll / rate * 3.0) as u32 {
            0 => (StatusCode::SERVICE_UNAVAILABLE, "simulated outage").into_response(),
            1 => {
                tokio::time::sleep(stall).await;
                (StatusCode::GATEWAY_TIMEOUT, "simulated stall").into_response()
            }
            _ => Response::builder()
                .header("content-type", "application/json")
                .body(Body::from("{\"result\": [{\"trunc"))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        }
    } else {
        next.run(req).await
    };
    c.in_flight.fetch_sub(1, Ordering::Relaxed);
    response
}
