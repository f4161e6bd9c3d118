//! `serve`'s options (also the demo's), and the combinations it refuses.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::LimitsConfig;

/// Web server options.
#[derive(Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on.
    #[arg(long, env = "STATS_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on.
    #[arg(long, env = "STATS_PORT", default_value_t = 8001)]
    pub port: u16,
    /// Public base path of the dashboard and its assets ("" serves it at /).
    #[arg(long, env = "STATS_BASE_PATH", default_value = "/stats")]
    pub base_path: String,
    /// Directory of the built single-page app (`trunk build --release` output).
    #[arg(long, env = "STATS_DIST_DIR", default_value = "target/dist")]
    pub dist_dir: PathBuf,
    /// Bearer token admitting admin actions (/api/update, the Update button). Unset: only
    /// the SSO proxy headers can admit, when trusted.
    #[arg(long, env = "STATS_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Trust the user and group headers set by the site's SSO proxy (which must strip them
    /// from client requests). Needs a loopback --host: only the proxy beside the server (a
    /// sidecar in the same pod, a web server on the same machine) may reach a port that
    /// trusts these headers, never a neighbour pod.
    #[arg(long, env = "STATS_TRUST_PROXY_AUTH")]
    pub trust_proxy_auth: bool,
    /// Header carrying the authenticated user.
    #[arg(long, env = "STATS_PROXY_USER_HEADER", default_value = "X-Forwarded-User")]
    pub proxy_user_header: String,
    /// Header carrying the user's groups (comma or space separated).
    #[arg(long, env = "STATS_PROXY_GROUPS_HEADER", default_value = "X-Forwarded-Groups")]
    pub proxy_groups_header: String,
    /// Group whose members are admins.
    #[arg(long, env = "STATS_ADMIN_GROUP", default_value = "cms-pdmv-serv")]
    pub admin_group: String,
    /// Keep answers of get_json, api/fetch and md this long (0s: never); any change announced
    /// by this process clears them at once.
    #[arg(long, env = "STATS_LEGACY_CACHE_TTL", default_value = "2s", value_parser = humantime::parse_duration)]
    pub legacy_cache_ttl: Duration,
    /// Run the incremental updater in the server this often (e.g. 10m); unset: never.
    #[arg(long, env = "STATS_UPDATE_EVERY", value_parser = humantime::parse_duration)]
    pub update_every: Option<Duration>,
    /// Scheduled runs notify production McM / ReReco / RelVal.
    #[arg(long, env = "STATS_TRIGGER_PROD")]
    pub trigger_prod: bool,
    /// Scheduled runs notify development McM / ReReco / RelVal.
    #[arg(long, env = "STATS_TRIGGER_DEV")]
    pub trigger_dev: bool,
    /// The header's idle alert counts workflows assigned at least this many days ago that
    /// have produced no event yet.
    #[arg(long, env = "STATS_IDLE_ALERT_DAYS", default_value_t = app::alerts::DEFAULT_IDLE_DAYS,
        value_parser = clap::value_parser!(u32).range(1..=i64::from(app::filter::MAX_IDLE_DAYS)))]
    pub idle_alert_days: u32,
    /// A workflow in STATUS for at least DAYS counts as stuck there (the header's alerts);
    /// repeatable, overrides one status's default each (`STATS_STUCK_AFTER=S=D,S=D`).
    #[arg(long, env = "STATS_STUCK_AFTER", value_delimiter = ',', value_parser = parse_stuck_after)]
    pub stuck_after: Vec<(app::filter::RequestStatus, u32)>,
    /// What clients may take.
    #[command(flatten)]
    pub limits: LimitsConfig,
    /// Where watch notifications may go.
    #[command(flatten)]
    pub notify: super::NotifyConfig,
}

/// `STATUS=DAYS` for `--stuck-after`: one of the statuses the stuck alerts count, and 1 to
/// 3650 days.
fn parse_stuck_after(text: &str) -> Result<(app::filter::RequestStatus, u32), String> {
    let (status, days) = text.split_once('=').ok_or_else(|| format!("{text:?} is not STATUS=DAYS"))?;
    let status = app::alerts::DEFAULT_STUCK_AFTER
        .iter()
        .map(|(s, _)| *s)
        .find(|s| s.as_str() == status.trim())
        .ok_or_else(|| format!("{status:?} is not a status the stuck alerts count"))?;
    match days.trim().parse::<u32>() {
        Ok(d) if (1..=app::filter::MAX_IDLE_DAYS).contains(&d) => Ok((status, d)),
        _ => Err(format!("{days:?} is not a number of days from 1 to 3650")),
    }
}

/// The stuck alerts' thresholds: the defaults, each overridden by `overrides` when given.
pub fn stuck_thresholds(overrides: &[(app::filter::RequestStatus, u32)]) -> Vec<(app::filter::RequestStatus, u32)> {
    app::alerts::DEFAULT_STUCK_AFTER
        .iter()
        .map(|(s, d)| (*s, overrides.iter().rev().find(|(o, _)| o == s).map_or(*d, |(_, d)| *d)))
        .collect()
}

/// `serve`'s settings that cannot work together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServeConfigError {
    /// Proxy headers trusted on an address other hosts reach.
    #[error(
        "STATS_TRUST_PROXY_AUTH needs --host 127.0.0.1 (or ::1), not {0}: on an address other pods or hosts reach, \
         anyone could send X-Forwarded-Groups and act as an admin. Put the SSO proxy beside the server \
         (a sidecar, or on the same machine) and let only it reach the port (docs/operations.md)"
    )]
    TrustedHeadersOffLoopback(IpAddr),
}

impl ServeConfig {
    /// Refuses settings that cannot be safe together.
    pub fn check(&self) -> Result<(), ServeConfigError> {
        if self.trust_proxy_auth && !self.host.is_loopback() {
            return Err(ServeConfigError::TrustedHeadersOffLoopback(self.host));
        }
        Ok(())
    }

    /// The base path normalised to "" or "/segment" without a trailing '/'.
    pub fn normalized_base(&self) -> String {
        normalize_base(&self.base_path)
    }

    /// How admins are recognised.
    pub fn admin_auth(&self) -> crate::auth::AdminAuth {
        crate::auth::AdminAuth {
            token: self.admin_token.clone().filter(|t| !t.is_empty()),
            proxy: self.trust_proxy_auth.then(|| crate::auth::ProxyAuth {
                user_header: self.proxy_user_header.clone(),
                groups_header: self.proxy_groups_header.clone(),
                admin_group: self.admin_group.clone(),
            }),
        }
    }
}

/// "" or "/a/b" (leading '/', no trailing '/').
pub fn normalize_base(base: &str) -> String {
    let trimmed = base.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}
