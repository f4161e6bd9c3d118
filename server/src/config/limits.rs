//! What one `serve` process lets its clients take: the listener's and the router's bounds,
//! parsed once and handed to `http::listen` as plain values ([`Limits`]).

use std::time::Duration;

use clap::Args;

/// `serve`'s limits on clients.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitsConfig {
    /// Connections served at once; more wait in the kernel's backlog until one closes.
    #[arg(long, env = "STATS_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Time a client has to send a request's headers (and to start its next request on a
    /// kept-alive connection); then the connection is closed.
    #[arg(long, env = "STATS_HEADER_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub header_timeout: Duration,
    /// Time to answer a request (live streams excepted); then 503.
    #[arg(long, env = "STATS_REQUEST_TIMEOUT", default_value = "60s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,
    /// Live streams (`/events`) open at once; more are answered 503 with Retry-After.
    #[arg(long, env = "STATS_MAX_EVENT_STREAMS", default_value_t = 512)]
    pub max_event_streams: usize,
    /// Expensive queries (aggregates, histograms, campaign tables, alerts, suggestions)
    /// running at once; default: one per core.
    #[arg(long, env = "STATS_MAX_HEAVY_QUERIES", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_heavy_queries: Option<u32>,
    /// Expensive queries waiting for one of those slots; more are answered 503 with
    /// Retry-After.
    #[arg(long, env = "STATS_HEAVY_QUERY_QUEUE", default_value_t = 32)]
    pub heavy_query_queue: usize,
    /// Answers of many documents (`/api/fetch`, `/md`) built at once; four times as many
    /// wait, and more are answered 503 with Retry-After.
    #[arg(long, env = "STATS_MAX_BULK_ANSWERS", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_bulk_answers: u32,
}

impl LimitsConfig {
    /// The limits as the listener and the router take them.
    pub fn limits(&self) -> Limits {
        Limits {
            max_connections: self.max_connections as usize,
            header_timeout: self.header_timeout,
            request_timeout: self.request_timeout,
            max_event_streams: self.max_event_streams,
            heavy_queries: self.max_heavy_queries.map_or_else(cores, |n| n as usize),
            heavy_queue: self.heavy_query_queue,
            bulk_answers: self.max_bulk_answers as usize,
            ..Limits::default()
        }
    }
}

/// What one server process lets its clients take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once.
    pub max_connections: usize,
    /// Time for a client to send a request's headers (and to start one on a kept-alive connection).
    pub header_timeout: Duration,
    /// Time to answer a request (live streams excepted).
    pub request_timeout: Duration,
    /// Live streams (`/events`) open at once.
    pub max_event_streams: usize,
    /// Time open connections get to finish after the shutdown signal.
    pub drain: Duration,
    /// Expensive queries running at once.
    pub heavy_queries: usize,
    /// Expensive queries waiting; more are refused with 503.
    pub heavy_queue: usize,
    /// Answers of many documents built at once.
    pub bulk_answers: usize,
}

/// The cores this process may use.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            header_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            max_event_streams: 512,
            drain: Duration::from_secs(5),
            heavy_queries: cores(),
            heavy_queue: 32,
            bulk_answers: 4,
        }
    }
}
