//! Where a workflow's callback goes (C2–C4): ReReco, RelVal or McM, on a prod or dev host.

use reqwest::Method;
use serde_json::{json, Value};

/// Production or development PdmV host (`prod` / `dev` in outbox entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Env {
    /// PDMV_PROD_URL, audience APPLICATION_CLIENT_ID.
    Prod,
    /// PDMV_DEV_URL, audience DEV_APPLICATION_CLIENT_ID.
    Dev,
}

impl Env {
    /// Name used in outbox ids and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Env::Prod => "prod",
            Env::Dev => "dev",
        }
    }
}

/// One callback request, host-relative.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    /// GET for McM, POST otherwise.
    pub method: Method,
    /// Path below the host, already encoded.
    pub path: String,
    /// JSON body of the POSTs.
    pub body: Option<Value>,
}

/// Why a workflow has no callback route.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("workflow {0} has no RequestType, so its PdmV service is unknown")]
pub struct NoRoute(pub String);

/// C2–C3 for the stored document `doc` of workflow `id`.
pub fn route(id: &str, doc: &Value) -> Result<Callback, NoRoute> {
    let kind = doc.get("RequestType").and_then(Value::as_str).ok_or_else(|| NoRoute(id.to_owned()))?;
    let prep_id = doc.get("PrepID").and_then(Value::as_str).unwrap_or("");
    let body = Some(json!({ "prepid": prep_id }));
    if kind.eq_ignore_ascii_case("rereco") || prep_id.starts_with("ReReco-") {
        Ok(Callback { method: Method::POST, path: "/rereco/api/requests/update_workflows".into(), body })
    } else if id.contains("RVCMSSW") {
        Ok(Callback { method: Method::POST, path: "/relval/api/relvals/update_workflows".into(), body })
    } else {
        let name = crate::encode::component(id);
        Ok(Callback {
            method: Method::GET,
            path: format!("/mcm/restapi/requests/fetch_stats_by_wf/{name}"),
            body: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: &str, doc: Value) -> Result<Callback, NoRoute> {
        route(id, &doc)
    }

    #[test]
    fn c2_c3_routing_table() {
        let rereco = "/rereco/api/requests/update_workflows";
        let relval = "/relval/api/relvals/update_workflows";
        // (id, RequestType, PrepID) -> (method, path, prepid in body)
        let cases = [
            ("w1", Some("ReReco"), Some("X-1"), Method::POST, rereco, Some("X-1")),
            ("w2", Some("rereco"), None, Method::POST, rereco, Some("")),
            (
                "w3",
                Some("TaskChain"),
                Some("ReReco-Run2024F-00001"),
                Method::POST,
                rereco,
                Some("ReReco-Run2024F-00001"),
            ),
            (
                "w4",
                Some("Resubmission"),
                Some("ReReco-Run2024F-00001"),
                Method::POST,
                rereco,
                Some("ReReco-Run2024F-00001"),
            ),
            (
                "pdmvserv_RVCMSSW_13_0_0_x",
                Some("TaskChain"),
                Some("CMSSW_13_0_0__b-1-00001"),
                Method::POST,
                relval,
                Some("CMSSW_13_0_0__b-1-00001"),
            ),
            ("pdmvserv_RVCMSSW_13_0_0_y", Some("ReReco"), Some("P"), Method::POST, rereco, Some("P")),
            (
                "pdmvserv_task_HIG-1",
                Some("StepChain"),
                Some("HIG-Run3-00001"),
                Method::GET,
                "/mcm/restapi/requests/fetch_stats_by_wf/pdmvserv_task_HIG-1",
                None,
            ),
            ("w.5", Some("MonteCarlo"), None, Method::GET, "/mcm/restapi/requests/fetch_stats_by_wf/w.5", None),
        ];
        for (id, kind, prep, method, path, body) in cases {
            let mut doc = json!({});
            if let Some(k) = kind {
                doc["RequestType"] = json!(k);
            }
            if let Some(p) = prep {
                doc["PrepID"] = json!(p);
            }
            let cb = r(id, doc).unwrap();
            assert_eq!((cb.method, cb.path.as_str()), (method, path), "{id}");
            assert_eq!(cb.body, body.map(|p| json!({ "prepid": p })), "{id}");
        }
        assert_eq!(r("w", json!({"PrepID": "ReReco-1"})), Err(NoRoute("w".into())), "C3: no RequestType is an error");
        assert_eq!(r("w", json!({"RequestType": null})), Err(NoRoute("w".into())));
    }
}
