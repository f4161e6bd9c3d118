//! The cmsweb services Stats2 reads (ReqMgr2, its CouchDB, DBS, WMStats), behind one trait,
//! with an HTTP implementation: grid certificate, verified TLS (X15), per-endpoint timeouts
//! (H5), retries with backoff on transport errors, 5xx and garbled answers (X14), a global
//! bound on requests in flight, and every path and query value percent-encoded (X1).

mod client;
mod http;
pub mod types;

use async_trait::async_trait;
use serde_json::{Map, Value};

pub use client::{ClientConfig, UpstreamClient, UpstreamStats};
pub use http::HttpUpstream;
pub use types::{Changes, DatasetInfo, FileSummary};

/// Why an upstream call failed, and whether the next run may succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UpstreamError {
    /// Connection, TLS or timeout failure, after all retries.
    #[error("{endpoint}: transport failure: {message}")]
    Transport {
        /// Endpoint name, e.g. `dbs/filesummaries`.
        endpoint: &'static str,
        /// What failed.
        message: String,
    },
    /// An HTTP error status, after retries when it was a 5xx.
    #[error("{endpoint}: HTTP {status}")]
    Status {
        /// Endpoint name.
        endpoint: &'static str,
        /// The status code.
        status: u16,
    },
    /// The body was not the JSON expected, after retries.
    #[error("{endpoint}: unexpected answer: {message}")]
    Decode {
        /// Endpoint name.
        endpoint: &'static str,
        /// What did not parse.
        message: String,
    },
    /// The configuration cannot work (e.g. an unreadable certificate).
    #[error("upstream configuration: {0}")]
    Config(String),
}

impl UpstreamError {
    /// Whether the object asked for does not exist upstream (404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, UpstreamError::Status { status: 404, .. })
    }

    /// Whether the failure was in the transport (the answer never arrived).
    pub fn is_transport(&self) -> bool {
        matches!(self, UpstreamError::Transport { .. })
    }
}

/// What the updater asks of cmsweb.
#[async_trait]
pub trait Upstream: Send + Sync {
    /// U1: the ReqMgr2 request document of `name`.
    async fn request(&self, name: &str) -> Result<Map<String, Value>, UpstreamError>;

    /// U33: ReqMgr2 `_changes` since an opaque sequence (X4).
    async fn changes(&self, since: &Value) -> Result<Changes, UpstreamError>;

    /// U12/U13: `{name: {RequestType, <field>}}` of every request with this PrepID, in answer
    /// order.
    async fn requests_by_prep_id(&self, prep_id: &str, field: &str) -> Result<Vec<(String, Value)>, UpstreamError>;

    /// U39: names of the requests WMStats considers active.
    async fn active_requests(&self) -> Result<Vec<String>, UpstreamError>;

    /// U25: DBS records of the datasets it knows among `names`.
    async fn dataset_list(&self, names: &[String]) -> Result<Vec<DatasetInfo>, UpstreamError>;

    /// H8: the file summary of a dataset (zeros when DBS returns no row).
    async fn file_summary(&self, dataset: &str, valid_only: bool) -> Result<FileSummary, UpstreamError>;

    /// U38: datasets modified since a Unix time.
    async fn modified_datasets(&self, since: i64) -> Result<Vec<String>, UpstreamError>;

    /// H9: the files of `dataset` within one run's lumi ranges.
    async fn run_files(&self, dataset: &str, run: i64, ranges: &Value)
        -> Result<Vec<types::FileRecord>, UpstreamError>;

    /// Request counters.
    fn stats(&self) -> UpstreamStats;
}
