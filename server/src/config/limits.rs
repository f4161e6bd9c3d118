//! What one `serve` process lets its clients take: the listener's and the router's bounds,
//! parsed once and handed to `http::listen` as plain values.

use std::time::Duration;

use clap::Args;

use crate::http::listen::Limits;

/// `serve`'s limits on clients.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitsConfig {
    /// Connections served at once; more wait in the kernel's backlog until one closes.
    #[arg(long, env = "STATS_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Time a client has to send a request's headers (and to start its next request on a
    /// kept-alive connection); then the connection is closed.
    #[arg(long, env = "STATS_HEADER_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub header_timeout: Duration,
    /// Time to answer a request (live streams excepted); then 503.
    #[arg(long, env = "STATS_REQUEST_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,
    /// Live streams (`/events`) open at once; more are answered 503 with Retry-After.
    #[arg(long, env = "STATS_MAX_EVENT_STREAMS", default_value_t = 512)]
    pub max_event_streams: usize,
}

impl LimitsConfig {
    /// The limits as the listener and the router take them.
    pub fn limits(&self) -> Limits {
        Limits {
            max_connections: self.max_connections as usize,
            header_timeout: self.header_timeout,
            request_timeout: self.request_timeout,
            max_event_streams: self.max_event_streams,
            ..Limits::default()
        }
    }
}
