//! The one typed configuration, parsed once: every option has a flag and an environment
//! variable (docs/decisions.md "Compatibility"; the original's variables keep their meaning, K3).

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

mod limits;
mod notify;
mod redact;
mod serve;

pub use limits::{Limits, LimitsConfig};
pub use notify::{NotifyConfig, DEFAULT_EMAIL_HEADER};
pub use serve::{normalize_base, stuck_thresholds, ServeConfig, ServeConfigError};

/// Stats2: CMS production monitoring (ReqMgr2 workflows, DBS event counts, history).
#[derive(Debug, Parser)]
#[command(name = "stats2", version)]
pub struct Cli {
    /// Where documents are stored.
    #[command(flatten)]
    pub store: StoreConfig,
    /// Upstream cmsweb services.
    #[command(flatten)]
    pub upstream: UpstreamConfig,
    /// PdmV callbacks (McM, ReReco, RelVal).
    #[command(flatten)]
    pub callbacks: CallbackConfig,
    /// How log lines on stderr look: `text` (coloured only on a terminal) or `json` (one
    /// object a line, for log collectors).
    #[arg(long, env = "STATS_LOG_FORMAT", global = true, value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The form of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Lines for people.
    Text,
    /// JSON lines for log collectors.
    Json,
}

/// The store: CouchDB when `DB_URL` is set, else the embedded SQLite file.
#[derive(Clone, Args)]
#[command(next_help_heading = "Store")]
pub struct StoreConfig {
    /// CouchDB base URL (production), e.g. http://localhost:5984. Unset: the embedded store.
    #[arg(long, env = "DB_URL", global = true)]
    pub db_url: Option<String>,
    /// Authorization header sent verbatim to CouchDB on every call, e.g. "Basic dXNlcjpwYXNz".
    #[arg(long, env = "STATS_DB_AUTH_HEADER", global = true, hide_env_values = true)]
    pub db_auth_header: Option<String>,
    /// Directory of the embedded store (used when DB_URL is unset, and by `demo`).
    #[arg(long, env = "STATS_DATA_DIR", global = true, default_value = "./data")]
    pub data_dir: PathBuf,
}

/// cmsweb endpoints and the grid certificate.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Upstream (cmsweb)")]
pub struct UpstreamConfig {
    /// Base URL of ReqMgr2, its CouchDB and WMStats.
    #[arg(long, env = "CMSWEB_URL", global = true, default_value = "https://cmsweb.cern.ch")]
    pub cmsweb_url: String,
    /// Base URL of DBS.
    #[arg(long, env = "CMSWEB_PROD_URL", global = true, default_value = "https://cmsweb-prod.cern.ch:8443")]
    pub cmsweb_prod_url: String,
    /// Grid certificate (PEM) presented to cmsweb.
    #[arg(long, env = "USERCRT", global = true)]
    pub usercrt: Option<PathBuf>,
    /// Key (PEM) of the grid certificate.
    #[arg(long, env = "USERKEY", global = true)]
    pub userkey: Option<PathBuf>,
    /// Upstream requests in flight at most.
    #[arg(long, env = "UPSTREAM_CONCURRENCY", global = true, default_value_t = 8)]
    pub upstream_concurrency: usize,
    /// How `_all_docs` sends the names of the ReqMgr2 documents a run reads in batches: `get`
    /// (keys in the query string) or `post` (a JSON body, where the proxy allows POST).
    #[arg(long, env = "STATS_REQMGR_KEYS", global = true, value_enum, default_value = "get")]
    pub reqmgr_keys: crate::upstream::KeysMethod,
    /// Extra CA certificates (PEM bundle) trusted for cmsweb besides the system roots.
    #[arg(long, env = "STATS_CA_BUNDLE", global = true)]
    pub ca_bundle: Option<PathBuf>,
    /// Retries of an upstream request after transport errors, 5xx or garbled answers.
    #[arg(long, env = "UPSTREAM_RETRIES", global = true, default_value_t = 3)]
    pub upstream_retries: u32,
    /// Delay before the first retry; each next one waits four times longer.
    #[arg(long, env = "UPSTREAM_BACKOFF", global = true, default_value = "1s", value_parser = humantime::parse_duration)]
    pub upstream_backoff: Duration,
    /// Timeout of one upstream request (WMStats gets --wmstats-timeout).
    #[arg(long, env = "UPSTREAM_TIMEOUT", global = true, default_value = "90s", value_parser = humantime::parse_duration)]
    pub upstream_timeout: Duration,
    /// Timeout of the WMStats active-requests call.
    #[arg(long, env = "WMSTATS_TIMEOUT", global = true, default_value = "600s", value_parser = humantime::parse_duration)]
    pub wmstats_timeout: Duration,
    /// A run lock whose holder has been silent this long is taken over (holder died).
    #[arg(long, env = "STATS_LOCK_STALE_AFTER", global = true, default_value = "60s", value_parser = humantime::parse_duration)]
    pub lock_stale_after: Duration,
    /// Datasets per DBS datasetlist call.
    #[arg(long, env = "DBS_DATASET_BATCH", global = true, default_value_t = 100)]
    pub dataset_batch: usize,
}

/// OAuth2 client credentials and PdmV hosts for callbacks.
#[derive(Clone, Args)]
#[command(next_help_heading = "Callbacks")]
pub struct CallbackConfig {
    /// OAuth2 token endpoint (client-credentials grant).
    #[arg(
        long,
        env = "SSO_TOKEN_URL",
        global = true,
        default_value = "https://auth.cern.ch/auth/realms/cern/api-access/token"
    )]
    pub sso_token_url: String,
    /// OAuth2 client id used to obtain callback tokens.
    #[arg(long, env = "CALLBACK_CLIENT_ID", global = true)]
    pub callback_client_id: Option<String>,
    /// OAuth2 client secret (never logged).
    #[arg(long, env = "CALLBACK_CLIENT_SECRET", global = true, hide_env_values = true)]
    pub callback_client_secret: Option<String>,
    /// Token audience for production targets.
    #[arg(long, env = "APPLICATION_CLIENT_ID", global = true)]
    pub application_client_id: Option<String>,
    /// Token audience for development targets.
    #[arg(long, env = "DEV_APPLICATION_CLIENT_ID", global = true)]
    pub dev_application_client_id: Option<String>,
    /// Production PdmV host (McM, ReReco, RelVal).
    #[arg(long, env = "PDMV_PROD_URL", global = true, default_value = "https://cms-pdmv-prod.web.cern.ch")]
    pub pdmv_prod_url: String,
    /// Development PdmV host.
    #[arg(long, env = "PDMV_DEV_URL", global = true, default_value = "https://cms-pdmv-dev.web.cern.ch")]
    pub pdmv_dev_url: String,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard and its server functions.
    Serve(ServeConfig),
    /// Print one stored workflow document as 4-space-indented JSON.
    See {
        /// Workflow name.
        #[arg(long)]
        name: Option<String>,
    },
    /// Database administration.
    Db {
        /// Which administration task.
        #[command(subcommand)]
        action: DbAction,
    },
    /// Run the demo: the server on an embedded store seeded with realistic workflows, plus
    /// the cmsweb simulator and the updater every few seconds.
    Demo(ServeConfig),
    /// Update from ReqMgr2, DBS and WMStats: an incremental run, or one workflow with --name.
    Update(UpdateArgs),
    /// Run the cmsweb simulator (ReqMgr2, DBS, WMStats) for tests, benchmarks and demos.
    Sim(SimArgs),
    /// Probe a running server's liveness (`/healthz?live` on loopback): exit 0 when it answers
    /// 2xx, 1 otherwise. A container health check that needs no shell or curl in the image.
    Health(HealthArgs),
    /// The callback outbox (McM, ReReco, RelVal notifications).
    Callbacks {
        /// What to do with it.
        #[command(subcommand)]
        action: CallbackAction,
    },
}

/// `stats2 callbacks ...`
#[derive(Debug, Clone, Copy, Subcommand)]
pub enum CallbackAction {
    /// List pending and failed callbacks.
    Status,
    /// Deliver every pending callback now, due or not.
    Retry,
}

/// `stats2 update`
#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    /// Update only this workflow (U42): metadata, then its history, no settings changes.
    #[arg(long)]
    pub name: Option<String>,
    /// Notify production McM / ReReco / RelVal of changed workflows.
    #[arg(long)]
    pub trigger_prod: bool,
    /// Notify development McM / ReReco / RelVal of changed workflows.
    #[arg(long)]
    pub trigger_dev: bool,
}

/// `stats2 health`
#[derive(Debug, Clone, Args)]
pub struct HealthArgs {
    /// Port the server listens on (the same variable `serve` reads).
    #[arg(long, env = "STATS_PORT", default_value_t = 8001)]
    pub port: u16,
    /// Path probed on 127.0.0.1: liveness by default (the process serves; a failed update
    /// run or a store outage does not make a container unhealthy), `/readyz` for readiness.
    #[arg(long, default_value = "/healthz?live")]
    pub path: String,
    /// Give up (exit 1) after this long.
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
}

/// `stats2 sim`
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on.
    #[arg(long, default_value_t = 8900)]
    pub port: u16,
    /// Workflows in the scenario.
    #[arg(long, default_value_t = 300)]
    pub scale: usize,
    /// Output datasets per workflow (default: as in the fixture the workflow derives from).
    #[arg(long)]
    pub outputs: Option<usize>,
    /// Latency added to every answer.
    #[arg(long, default_value = "0ms", value_parser = humantime::parse_duration)]
    pub latency: Duration,
    /// Fraction of answers that fail (503, stall, garbled JSON).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Advance the scenario this often (0s: never).
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub step_every: Duration,
    /// Seed of the scenario.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Steps taken before serving, so datasets already exist in DBS.
    #[arg(long, default_value_t = 0)]
    pub warmup_steps: usize,
    /// Refuse `_changes?include_docs=true` and `_all_docs` with a 403, as an older proxy
    /// does (the updater then falls back to one request per document).
    #[arg(long)]
    pub refuse_batched_reads: bool,
}

/// `stats2 db ...`
#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Create databases, views and validation documents (idempotent).
    Init,
    /// Compact databases and views, then clean up old view files (S19); on the embedded store
    /// also drop deletions older than --tombstone-max-age from the change feed.
    Compact {
        /// Deletions stay in the change feed this long, so a follower that was away for less
        /// still sees them.
        #[arg(long, env = "STATS_TOMBSTONE_MAX_AGE", default_value = "30d", value_parser = humantime::parse_duration)]
        tombstone_max_age: Duration,
    },
    /// Load workflow documents from NDJSON (one JSON document a line; `-` reads stdin):
    /// `_rev` is ignored, existing ids are replaced.
    Import {
        /// The NDJSON file, or `-`.
        file: PathBuf,
    },
    /// Give ReReco workflows (and Resubmissions of ReReco requests) their lumisection fields:
    /// TotalInputLumis and LumiList from ReqMgr2, Lumis in the newest history entry from DBS.
    /// Holds the run lock; safe to interrupt and rerun.
    BackfillLumis {
        /// Report what would change without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write every workflow document as NDJSON (one a line) to FILE, or stdout (`-`, the default).
    Export {
        /// The file to write, or `-`.
        #[arg(default_value = "-")]
        file: PathBuf,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_normalised() {
        assert_eq!(normalize_base("/stats/"), "/stats");
        assert_eq!(normalize_base("stats"), "/stats");
        assert_eq!(normalize_base("/"), "");
        assert_eq!(normalize_base(""), "");
    }

    #[test]
    fn stuck_thresholds_take_the_defaults_and_the_overrides() {
        let cli =
            Cli::try_parse_from(["stats2", "serve", "--stuck-after", "running-open=20,assigned=2"]).expect("parses");
        let Command::Serve(cfg) = cli.command else { panic!("serve") };
        let t = stuck_thresholds(&cfg.stuck_after);
        assert_eq!(t.len(), 8);
        assert!(t.contains(&(app::filter::RequestStatus::RunningOpen, 20)));
        assert!(t.contains(&(app::filter::RequestStatus::Assigned, 2)));
        assert!(t.contains(&(app::filter::RequestStatus::ClosedOut, 30)), "the others keep their default");
        for bad in ["new=3", "running-open=0", "running-open", "assigned=x"] {
            assert!(Cli::try_parse_from(["stats2", "serve", "--stuck-after", bad]).is_err(), "{bad}");
        }
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
