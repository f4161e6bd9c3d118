//! The CouchDB store (production): the CouchDB 3 HTTP API, rules S1–S19 without the defects
//! of section X (keys JSON- and percent-encoded, conflicts reported, errors not swallowed).

use async_trait::async_trait;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

mod feed;
mod http;

use super::design::install;
use super::{is_document_id, ChangesPage, Db, FeedQuery, Paging, Report, Row, Store, StoreError, View, DESIGN_PREFIX};
use http::{doc_path, enc, Answer, CouchHttp};

/// A CouchDB server holding the `requests`, `settings` and `stats2` databases.
#[derive(Clone)]
pub struct CouchStore {
    http: CouchHttp,
}

impl CouchStore {
    /// Connects (lazily) to `base_url`, sending `auth_header` verbatim when given (S2).
    pub fn new(base_url: &str, auth_header: Option<String>) -> Result<Self, StoreError> {
        Ok(CouchStore { http: CouchHttp::new(base_url, auth_header)? })
    }

    fn rows(answer: &Answer, include_docs: bool) -> Result<Vec<Row>, StoreError> {
        let rows = answer
            .body
            .get("rows")
            .and_then(Value::as_array)
            .ok_or_else(|| StoreError::Protocol("listing without rows".into()))?;
        rows.iter()
            .map(|r| {
                let id =
                    r.get("id").and_then(Value::as_str).ok_or_else(|| StoreError::Protocol("row without id".into()))?;
                Ok(Row {
                    id: id.to_owned(),
                    key: r.get("key").cloned().unwrap_or(Value::Null),
                    doc: if include_docs { r.get("doc").cloned().filter(|d| !d.is_null()) } else { None },
                })
            })
            .collect()
    }

    async fn ensure_db(&self, db: Db, report: &mut Report) -> Result<(), StoreError> {
        let a = self.http.call(Method::PUT, db.name(), None).await?;
        match a.status {
            s if s.is_success() => report.push(format!("created database {}", db.name())),
            StatusCode::PRECONDITION_FAILED => report.push(format!("database {} exists", db.name())),
            _ => return Err(a.error(&format!("create database {}", db.name()))),
        }
        // CouchDB 3 makes new databases admin-only; the original's are readable by anyone
        // (S13), while our own database stays private.
        let members = if db == Db::Stats2 {
            json!({"names": [], "roles": ["_admin"]})
        } else {
            json!({"names": [], "roles": []})
        };
        let security = json!({"admins": {"names": [], "roles": []}, "members": members});
        let a = self.http.call(Method::PUT, &format!("{}/_security", db.name()), Some(&security)).await?;
        if !a.status.is_success() {
            return Err(a.error(&format!("set security of {}", db.name())));
        }
        install(self, db, report).await
    }
}

/// One `_bulk_docs` result: its new revision or why it was refused.
fn bulk_result(r: &Value) -> Result<String, StoreError> {
    let reason = || r.get("reason").and_then(Value::as_str).unwrap_or("").to_owned();
    match (r.get("rev").and_then(Value::as_str), r.get("error").and_then(Value::as_str)) {
        (Some(rev), None) => Ok(rev.to_owned()),
        (_, Some("conflict")) => Err(StoreError::Conflict),
        (_, Some("forbidden")) => Err(StoreError::Forbidden(reason())),
        (_, Some("unauthorized")) => Err(StoreError::Unauthorized(reason())),
        (_, err) => Err(StoreError::BadRequest(format!("{}: {}", err.unwrap_or("error"), reason()))),
    }
}

/// Keys per multi-key view request.
const VIEW_KEYS_PER_REQUEST: usize = 500;

fn query(paging: Paging, include_docs: bool) -> String {
    format!("skip={}&limit={}&include_docs={include_docs}", paging.skip, paging.limit)
}

#[async_trait]
impl Store for CouchStore {
    fn kind(&self) -> &'static str {
        "couchdb"
    }

    async fn get(&self, db: Db, id: &str) -> Result<Option<Value>, StoreError> {
        if !is_document_id(id) {
            return Ok(None);
        }
        let a = self.http.call(Method::GET, &format!("{}/{}", db.name(), doc_path(id)), None).await?;
        match a.status {
            StatusCode::OK => Ok(Some(a.body)),
            StatusCode::NOT_FOUND if !a.is_missing_database() => Ok(None),
            _ => Err(a.error(&format!("read {}/{id}", db.name()))),
        }
    }

    async fn get_many(&self, db: Db, ids: &[String]) -> Result<Vec<Option<Value>>, StoreError> {
        let wanted: Vec<&String> = ids.iter().filter(|id| is_document_id(id)).collect();
        let mut found: std::collections::HashMap<String, Value> = std::collections::HashMap::new();
        for chunk in wanted.chunks(500) {
            let body = json!({ "keys": chunk });
            let a = self
                .http
                .call(Method::POST, &format!("{}/_all_docs?include_docs=true", db.name()), Some(&body))
                .await?;
            if !a.status.is_success() {
                return Err(a.error(&format!("read many from {}", db.name())));
            }
            for row in a.body.get("rows").and_then(Value::as_array).into_iter().flatten() {
                // Absent ids come back with an error, deleted ones with a null doc.
                if let (Some(id), Some(doc)) =
                    (row.get("id").and_then(Value::as_str), row.get("doc").filter(|d| d.is_object()))
                {
                    found.insert(id.to_owned(), doc.clone());
                }
            }
        }
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    async fn put(&self, db: Db, doc: &Value) -> Result<String, StoreError> {
        let id = doc
            .get("_id")
            .and_then(Value::as_str)
            .ok_or_else(|| StoreError::BadRequest("document without _id".into()))?;
        let a = self.http.call(Method::PUT, &format!("{}/{}", db.name(), doc_path(id)), Some(doc)).await?;
        if !a.status.is_success() {
            return Err(a.error(&format!("write {}/{id}", db.name())));
        }
        a.body
            .get("rev")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| StoreError::Protocol("write answer without rev".into()))
    }

    async fn bulk_put(&self, db: Db, docs: &[Value]) -> Result<Vec<Result<String, StoreError>>, StoreError> {
        if docs.is_empty() {
            return Ok(Vec::new());
        }
        let body = json!({ "docs": docs });
        let a = self.http.call(Method::POST, &format!("{}/_bulk_docs", db.name()), Some(&body)).await?;
        if !a.status.is_success() {
            return Err(a.error(&format!("bulk write to {}", db.name())));
        }
        let results = a.body.as_array().ok_or_else(|| StoreError::Protocol("bulk answer is not a list".into()))?;
        if results.len() != docs.len() {
            return Err(StoreError::Protocol(format!(
                "bulk answer has {} results for {} documents",
                results.len(),
                docs.len()
            )));
        }
        // CouchDB answers in request order; match by id anyway, since not every server does.
        let mut pending: Vec<Option<&Value>> = results.iter().map(Some).collect();
        let mut out = Vec::with_capacity(docs.len());
        for (i, doc) in docs.iter().enumerate() {
            let id = doc.get("_id").and_then(Value::as_str);
            let in_order = pending[i].filter(|r| r.get("id").and_then(Value::as_str) == id).map(|_| i);
            let pos = in_order
                .or_else(|| pending.iter().position(|r| r.is_some_and(|r| r.get("id").and_then(Value::as_str) == id)));
            let result = pos
                .and_then(|p| pending[p].take())
                .ok_or_else(|| StoreError::Protocol(format!("bulk answer lacks {id:?}")))?;
            out.push(bulk_result(result));
        }
        Ok(out)
    }

    async fn delete(&self, db: Db, id: &str, rev: &str) -> Result<(), StoreError> {
        if !is_document_id(id) {
            return Err(StoreError::BadRequest(format!("{id:?} is not a document id")));
        }
        let path = format!("{}/{}?rev={}", db.name(), doc_path(id), enc(rev));
        let a = self.http.call(Method::DELETE, &path, None).await?;
        if a.status.is_success() {
            Ok(())
        } else {
            Err(a.error(&format!("delete {}/{id}", db.name())))
        }
    }

    async fn count(&self, db: Db) -> Result<u64, StoreError> {
        let a = self.http.call(Method::GET, db.name(), None).await?;
        if !a.status.is_success() {
            return Err(a.error(&format!("database {}", db.name())));
        }
        a.body
            .get("doc_count")
            .and_then(Value::as_u64)
            .ok_or_else(|| StoreError::Protocol("database info without doc_count".into()))
    }

    async fn all_docs(&self, db: Db, paging: Paging, include_docs: bool) -> Result<Vec<Row>, StoreError> {
        let a = self
            .http
            .call(Method::GET, &format!("{}/_all_docs?{}", db.name(), query(paging, include_docs)), None)
            .await?;
        if !a.status.is_success() {
            return Err(a.error(&format!("list {}", db.name())));
        }
        Self::rows(&a, include_docs)
    }

    async fn prefixed(&self, db: Db, prefix: &str, limit: u64) -> Result<Vec<Value>, StoreError> {
        // `_all_docs` collates ids by their bytes, so the range ends at the highest code point.
        let (low, high) = (json!(prefix).to_string(), json!(format!("{prefix}\u{10FFFF}")).to_string());
        let path = format!(
            "{}/_all_docs?startkey={}&endkey={}&limit={limit}&include_docs=true",
            db.name(),
            enc(&low),
            enc(&high)
        );
        let a = self.http.call(Method::GET, &path, None).await?;
        if !a.status.is_success() {
            return Err(a.error(&format!("list {} by prefix", db.name())));
        }
        Ok(Self::rows(&a, true)?.into_iter().filter_map(|r| r.doc).collect())
    }

    async fn design_docs(&self, db: Db) -> Result<(u64, Vec<String>), StoreError> {
        let listing = |range: String| async move {
            let a = self.http.call(Method::GET, &format!("{}/_all_docs?{range}", db.name()), None).await?;
            if !a.status.is_success() {
                return Err(a.error(&format!("list design documents of {}", db.name())));
            }
            Self::rows(&a, false)
        };
        let design = listing(format!("startkey={}&endkey={}", enc("\"_design/\""), enc("\"_design0\""))).await?;
        let ids: Vec<String> = design.into_iter().map(|r| r.id).filter(|id| id.starts_with(DESIGN_PREFIX)).collect();
        // Ids sorting before "_design/" (upper-case or punctuation first): few or none in
        // practice. Counted rather than taken from `offset`, which not every server fills in.
        let before = listing(format!("endkey={}&inclusive_end=false", enc("\"_design/\""))).await?.len() as u64;
        Ok((before, ids))
    }

    async fn view(&self, view: View, key: &str, paging: Paging, include_docs: bool) -> Result<Vec<Row>, StoreError> {
        // X1: the key is JSON-encoded, then percent-encoded.
        let json_key = Value::String(key.to_owned()).to_string();
        let path = format!(
            "{}/_design/_designDoc/_view/{}?key={}&{}",
            Db::Requests.name(),
            view.name(),
            enc(&json_key),
            query(paging, include_docs)
        );
        let a = self.http.call(Method::GET, &path, None).await?;
        if !a.status.is_success() {
            return Err(a.error(&format!("view {}", view.name())));
        }
        Self::rows(&a, include_docs)
    }

    async fn view_ids(&self, view: View, keys: &[String]) -> Result<Vec<String>, StoreError> {
        let path = format!("{}/_design/_designDoc/_view/{}", Db::Requests.name(), view.name());
        let mut ids = Vec::new();
        // A POST body per few hundred keys keeps each request small.
        for chunk in keys.chunks(VIEW_KEYS_PER_REQUEST) {
            let a = self.http.call(Method::POST, &path, Some(&serde_json::json!({ "keys": chunk }))).await?;
            if !a.status.is_success() {
                return Err(a.error(&format!("view {}", view.name())));
            }
            ids.extend(Self::rows(&a, false)?.into_iter().map(|r| r.id));
        }
        Ok(ids)
    }

    async fn init(&self) -> Result<Report, StoreError> {
        let mut report = Report::new();
        for db in Db::ALL {
            self.ensure_db(db, &mut report).await?;
        }
        // Build every view once now rather than on the first dashboard request.
        for view in View::ALL {
            self.view(view, "", Paging { skip: 0, limit: 1 }, false).await?;
        }
        report.push("views built".into());
        Ok(report)
    }

    async fn compact(&self) -> Result<Report, StoreError> {
        let mut report = Report::new();
        let steps = [
            format!("{}/_compact", Db::Requests.name()),
            format!("{}/_compact", Db::Settings.name()),
            format!("{}/_compact/_designDoc", Db::Requests.name()),
            format!("{}/_view_cleanup", Db::Requests.name()),
        ];
        for path in steps {
            let a = self.http.call(Method::POST, &path, Some(&json!({}))).await?;
            if a.status.is_success() {
                report.push(format!("{path}: started"));
            } else if a.status == StatusCode::BAD_REQUEST && path.contains("_compact/") {
                // pouchdb-server compacts views with the database and refuses this call.
                report.push(format!("{path}: not supported by this server ({})", a.status));
            } else {
                return Err(a.error(&path));
            }
        }
        Ok(report)
    }

    async fn changes(&self, db: Db, query: &FeedQuery) -> Result<ChangesPage, StoreError> {
        feed::changes(&self.http, db, query).await
    }
}
