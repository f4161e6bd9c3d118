//! The endpoints of ReqMgr2, its CouchDB, DBS and WMStats over [`UpstreamClient`].

use async_trait::async_trait;
use reqwest::{Method, Url};
use serde_json::{json, Map, Value};

use super::client::Call;
use super::types::{
    ActiveRequest, AllDocs, Changes, DatasetInfo, DatasetName, FileRecord, FileSummary, ResultEnvelope,
};
use super::{Documents, KeysMethod, UpstreamClient, UpstreamError, UpstreamStats};

const DBS: &str = "dbs/prod/global/DBSReader";

/// cmsweb over HTTPS: `cmsweb` for ReqMgr2 and WMStats, `cmsweb_prod` for DBS (H1).
#[derive(Clone)]
pub struct HttpUpstream {
    client: UpstreamClient,
    cmsweb: Url,
    cmsweb_prod: Url,
    keys: KeysMethod,
}

fn base(url: &str) -> Result<Url, UpstreamError> {
    let mut u = Url::parse(url).map_err(|e| UpstreamError::Config(format!("{url}: {e}")))?;
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    Ok(u)
}

impl HttpUpstream {
    /// Endpoints under the two base URLs (CMSWEB_URL, CMSWEB_PROD_URL).
    pub fn new(client: UpstreamClient, cmsweb: &str, cmsweb_prod: &str) -> Result<Self, UpstreamError> {
        Ok(HttpUpstream { client, cmsweb: base(cmsweb)?, cmsweb_prod: base(cmsweb_prod)?, keys: KeysMethod::Get })
    }

    /// Sends `_all_docs` keys this way.
    pub fn with_keys_method(mut self, keys: KeysMethod) -> Self {
        self.keys = keys;
        self
    }

    /// `base` + path segments (each percent-encoded) + query pairs (form-encoded), X1.
    fn url(base: &Url, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut u = base.clone();
        if let Ok(mut path) = u.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            u.query_pairs_mut().extend_pairs(query);
        }
        u
    }

    /// A plain GET with the ordinary timeout.
    async fn get<T: serde::de::DeserializeOwned>(&self, endpoint: &'static str, url: Url) -> Result<T, UpstreamError> {
        self.client.json(Call { endpoint, method: Method::GET, url, body: None, slow: false }).await
    }

    fn dbs(&self, endpoint: &str, query: &[(&str, &str)]) -> Url {
        let mut segments: Vec<&str> = DBS.split('/').collect();
        segments.push(endpoint);
        Self::url(&self.cmsweb_prod, &segments, query)
    }
}

/// The rows of an `_all_docs` answer as (name, document), checked against the names asked.
fn all_docs_rows(names: &[String], answer: AllDocs) -> Result<Documents, UpstreamError> {
    let wrong = |message: String| UpstreamError::Decode { endpoint: "reqmgr/_all_docs", message };
    if answer.rows.len() != names.len() {
        return Err(wrong(format!("{} rows for {} keys", answer.rows.len(), names.len())));
    }
    names
        .iter()
        .zip(answer.rows)
        .map(|(name, row)| {
            if row.key.as_str() != Some(name) {
                return Err(wrong(format!("row for {} where {name} was asked", row.key)));
            }
            match row.error.as_deref() {
                None => Ok((name.clone(), row.doc)),
                Some("not_found") => Ok((name.clone(), None)),
                Some(other) => Err(wrong(format!("{name}: {other}"))),
            }
        })
        .collect()
}

#[async_trait]
impl super::Upstream for HttpUpstream {
    async fn request(&self, name: &str) -> Result<Map<String, Value>, UpstreamError> {
        let url = Self::url(&self.cmsweb, &["couchdb", "reqmgr_workload_cache", name], &[]);
        self.get("reqmgr/request", url).await
    }

    async fn changes(&self, since: &Value, include_docs: bool, limit: u64) -> Result<Changes, UpstreamError> {
        // X4: the sequence is opaque; a string goes as is, anything else as its JSON text.
        let since = since.as_str().map_or_else(|| since.to_string(), str::to_owned);
        let limit = limit.to_string();
        let mut query = vec![("since", since.as_str()), ("limit", limit.as_str())];
        if include_docs {
            query.push(("include_docs", "true"));
        }
        let url = Self::url(&self.cmsweb, &["couchdb", "reqmgr_workload_cache", "_changes"], &query);
        self.get("reqmgr/changes", url).await
    }

    async fn requests(&self, names: &[String]) -> Result<Documents, UpstreamError> {
        const ENDPOINT: &str = "reqmgr/_all_docs";
        let keys = json!(names);
        let segments = ["couchdb", "reqmgr_workload_cache", "_all_docs"];
        let answer: AllDocs = match self.keys {
            KeysMethod::Get => {
                let keys = keys.to_string();
                let url = Self::url(&self.cmsweb, &segments, &[("include_docs", "true"), ("keys", &keys)]);
                self.get(ENDPOINT, url).await?
            }
            KeysMethod::Post => {
                let url = Self::url(&self.cmsweb, &segments, &[("include_docs", "true")]);
                let body = json!({ "keys": keys });
                let call = Call { endpoint: ENDPOINT, method: Method::POST, url, body: Some(&body), slow: false };
                self.client.json(call).await?
            }
        };
        all_docs_rows(names, answer)
    }

    async fn requests_by_prep_id(&self, prep_id: &str, field: &str) -> Result<Vec<(String, Value)>, UpstreamError> {
        let url = Self::url(
            &self.cmsweb,
            &["reqmgr2", "data", "request"],
            &[("mask", field), ("mask", "RequestType"), ("prep_id", prep_id)],
        );
        let answer: ResultEnvelope<Map<String, Value>> = self.get("reqmgr2/request", url).await?;
        Ok(answer.result.into_iter().next().map(|m| m.into_iter().collect()).unwrap_or_default())
    }

    async fn active_requests(&self) -> Result<Vec<String>, UpstreamError> {
        let url = Self::url(&self.cmsweb, &["wmstatsserver", "data", "filtered_requests"], &[("mask", "RequestName")]);
        let answer: ResultEnvelope<ActiveRequest> = self
            .client
            .json(Call { endpoint: "wmstats/active", method: Method::GET, url, body: None, slow: true })
            .await?;
        Ok(answer.result.into_iter().map(|r| r.request_name).collect())
    }

    async fn dataset_list(&self, names: &[String]) -> Result<Vec<DatasetInfo>, UpstreamError> {
        let body = json!({"dataset": names, "detail": 1, "dataset_access_type": "*"});
        self.client
            .json(Call {
                endpoint: "dbs/datasetlist",
                method: Method::POST,
                url: self.dbs("datasetlist", &[]),
                body: Some(&body),
                slow: false,
            })
            .await
    }

    async fn file_summary(&self, dataset: &str, valid_only: bool) -> Result<FileSummary, UpstreamError> {
        let mut query = vec![("dataset", dataset)];
        if valid_only {
            query.push(("validFileOnly", "1"));
        }
        let rows: Vec<FileSummary> = self.get("dbs/filesummaries", self.dbs("filesummaries", &query)).await?;
        Ok(rows.into_iter().next().unwrap_or_default())
    }

    async fn modified_datasets(&self, since: i64) -> Result<Vec<String>, UpstreamError> {
        let since = since.to_string();
        let url = self.dbs("datasets", &[("min_ldate", &since), ("dataset_access_type", "*")]);
        let rows: Vec<DatasetName> = self.get("dbs/datasets", url).await?;
        Ok(rows.into_iter().map(|r| r.dataset).collect())
    }

    async fn run_files(&self, dataset: &str, run: i64, ranges: &Value) -> Result<Vec<FileRecord>, UpstreamError> {
        let (run, ranges) = (run.to_string(), ranges.to_string());
        let query = [("dataset", dataset), ("detail", "true"), ("run_num", &run), ("lumi_list", &ranges)];
        self.get("dbs/files", self.dbs("files", &query)).await
    }

    fn stats(&self) -> UpstreamStats {
        self.client.stats()
    }

    fn stop_new_requests(&self) {
        self.client.stop_new_requests();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x1_names_and_values_are_encoded() {
        let b = base("https://cmsweb.example:8443/prefix").unwrap();
        let u = HttpUpstream::url(&b, &["couchdb", "db", "a b#c/d"], &[("since", "3-g1&x=y")]);
        assert_eq!(u.as_str(), "https://cmsweb.example:8443/prefix/couchdb/db/a%20b%23c%2Fd?since=3-g1%26x%3Dy");
        let u = HttpUpstream::url(&base("http://h").unwrap(), &["x"], &[("lumi_list", "[[1,10],[20,30]]")]);
        assert_eq!(u.query(), Some("lumi_list=%5B%5B1%2C10%5D%2C%5B20%2C30%5D%5D"));
    }
}
