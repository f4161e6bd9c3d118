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
    /// The process is stopping (SIGTERM): no new request is started.
    #[error("not sent: the process is stopping")]
    Stopping,
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

/// Names with their current ReqMgr2 document, `None` when ReqMgr2 does not have it.
pub type Documents = Vec<(String, Option<Map<String, Value>>)>;

/// Names per `_all_docs` call.
pub const KEYS_PER_CALL: usize = 100;
/// Bytes of names per `_all_docs` call: the keys travel in the query string of a GET, and
/// cmsweb's front ends refuse request lines much beyond 8 KB.
pub const KEYS_BYTES_PER_CALL: usize = 5_000;

/// `names` cut into calls of at most [`KEYS_PER_CALL`] names and [`KEYS_BYTES_PER_CALL`]
/// bytes (a longer name goes alone).
pub fn key_batches(names: &[String]) -> Vec<&[String]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, name) in names.iter().enumerate() {
        let size = name.len() + 3;
        if i > start && (i - start == KEYS_PER_CALL || bytes + size > KEYS_BYTES_PER_CALL) {
            out.push(&names[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < names.len() {
        out.push(&names[start..]);
    }
    out
}

/// How `_all_docs` carries its keys (`STATS_REQMGR_KEYS`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum KeysMethod {
    /// GET with the keys in the query string (what any read-only proxy lets through).
    #[default]
    Get,
    /// POST `{"keys": [...]}` (shorter URLs; needs a proxy that allows POST there).
    Post,
}

/// What the updater asks of cmsweb.
#[async_trait]
pub trait Upstream: Send + Sync {
    /// U1: the ReqMgr2 request document of `name`.
    async fn request(&self, name: &str) -> Result<Map<String, Value>, UpstreamError>;

    /// U33: ReqMgr2 `_changes` since an opaque sequence (X4), at most `limit` rows (the
    /// answer's `last_seq` is then the last row's), each changed document inline when
    /// `include_docs` (so it costs no request of its own).
    async fn changes(&self, since: &Value, include_docs: bool, limit: u64) -> Result<Changes, UpstreamError>;

    /// U1 for many at once (`_all_docs` with `keys`): each name with its current document,
    /// `None` when ReqMgr2 does not have it (never stored, or deleted), in the order asked.
    /// At most [`KEYS_PER_CALL`] names and [`KEYS_BYTES_PER_CALL`] bytes of names per call.
    async fn requests(&self, names: &[String]) -> Result<Documents, UpstreamError>;

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

    /// From now on, every new request fails at once with [`UpstreamError::Stopping`];
    /// requests in flight go on.
    fn stop_new_requests(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_batches_stay_under_both_limits_and_keep_every_name_in_order() {
        let short: Vec<String> = (0..250).map(|i| format!("w{i:03}")).collect();
        let sizes: Vec<usize> = key_batches(&short).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [100, 100, 50]);
        let long: Vec<String> = (0..120).map(|i| format!("{:0>95}", i)).collect();
        let batches = key_batches(&long);
        assert!(batches.iter().all(|b| b.iter().map(|n| n.len() + 3).sum::<usize>() <= KEYS_BYTES_PER_CALL));
        assert_eq!(batches.concat(), long);
        let huge = vec!["x".repeat(KEYS_BYTES_PER_CALL * 2), "y".into()];
        assert_eq!(key_batches(&huge).len(), 2, "a name longer than the limit goes alone");
        assert!(key_batches(&[]).is_empty());
    }
}
