//! The simulator's endpoints, answering with the shapes of the upstream fixtures.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::world::World;
use super::Sim;

/// All endpoints; cmsweb and cmsweb-prod paths are disjoint, so one router serves both.
pub fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/couchdb/reqmgr_workload_cache/_changes", get(changes))
        .route("/couchdb/reqmgr_workload_cache/_all_docs", get(all_docs_get).post(all_docs_post))
        .route("/couchdb/reqmgr_workload_cache/{name}", get(request))
        .route("/reqmgr2/data/request", get(by_prep_id))
        .route("/wmstatsserver/data/filtered_requests", get(active))
        .route("/dbs/prod/global/DBSReader/datasetlist", post(datasetlist))
        .route("/dbs/prod/global/DBSReader/filesummaries", get(filesummaries))
        .route("/dbs/prod/global/DBSReader/datasets", get(datasets))
        .route("/dbs/prod/global/DBSReader/files", get(files))
        .with_state(sim)
}

fn params(q: &Option<String>) -> Vec<(String, String)> {
    form_urlencoded::parse(q.as_deref().unwrap_or("").as_bytes()).into_owned().collect()
}

fn param(q: &[(String, String)], name: &str) -> Option<String> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn bad(msg: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": "bad_request", "reason": msg}))).into_response()
}

/// `last_seq` in CouchDB 3's opaque form; the number before '-' is ours.
fn opaque(seq: u64) -> String {
    format!(
        "{seq}-g1AAAAFTeJzLYWBgYMpgTmHgzcvPy09JdcjLz8gvLskBCScyJNX___8_K5GBgYFBMBEI{:08x}",
        seq.wrapping_mul(2_654_435_761)
    )
}

/// The stored form of a request: the document with its `_id` and `_rev`.
fn stored(id: &str, r: &super::world::SimRequest) -> Value {
    let mut doc = r.doc.clone();
    doc.insert("_id".into(), json!(id));
    doc.insert("_rev".into(), json!(format!("{}-x", r.seq)));
    Value::Object(doc)
}

/// A request the simulator answers as an older proxy would when batched reads are refused.
fn refused() -> Response {
    (StatusCode::FORBIDDEN, Json(json!({"error": "forbidden", "reason": "not allowed through this proxy"})))
        .into_response()
}

async fn changes(State(sim): State<Arc<Sim>>, RawQuery(q): RawQuery) -> Response {
    let q = params(&q);
    let since = param(&q, "since").unwrap_or_else(|| "0".into());
    let Ok(since) = since.split('-').next().unwrap_or("").parse::<u64>() else { return bad("invalid since") };
    let include_docs = param(&q, "include_docs").as_deref() == Some("true");
    if include_docs && !sim.batched_reads() {
        return refused();
    }
    let limit = match param(&q, "limit").map(|l| l.parse::<usize>()) {
        None => usize::MAX,
        Some(Ok(l)) => l,
        Some(Err(_)) => return bad("invalid limit"),
    };
    let w = sim.world();
    let mut rows: Vec<(u64, Value)> = w
        .requests
        .iter()
        .filter(|(_, r)| r.seq > since)
        .map(|(id, r)| {
            let mut row = json!({"seq": opaque(r.seq), "id": id, "changes": [{"rev": format!("{}-x", r.seq)}]});
            if include_docs {
                row["doc"] = stored(id, r);
            }
            (r.seq, row)
        })
        .chain(w.deleted.iter().filter(|(_, s)| **s > since).map(|(id, s)| {
            let mut row = json!({"seq": opaque(*s), "id": id, "changes": [{"rev": format!("{s}-x")}], "deleted": true});
            if include_docs {
                row["doc"] = json!({"_id": id, "_rev": format!("{s}-x"), "_deleted": true});
            }
            (*s, row)
        }))
        .collect();
    rows.sort_by_key(|(s, _)| *s);
    rows.truncate(limit);
    // CouchDB: with a limit, last_seq is the last row's; without, the database's.
    let last = if limit == usize::MAX { w.seq.max(since) } else { rows.last().map_or(since, |(s, _)| *s) };
    let pending =
        w.requests.values().filter(|r| r.seq > last).count() + w.deleted.values().filter(|s| **s > last).count();
    let results: Vec<Value> = rows.into_iter().map(|(_, v)| v).collect();
    Json(json!({"results": results, "last_seq": opaque(last), "pending": pending})).into_response()
}

/// `_all_docs` with `keys`: one row per key in the order asked, as CouchDB 3 answers.
fn all_docs(sim: &Sim, keys: &[Value], include_docs: bool) -> Response {
    if !sim.batched_reads() {
        return refused();
    }
    let w = sim.world();
    let rows: Vec<Value> = keys
        .iter()
        .map(|key| {
            let id = key.as_str().unwrap_or_default();
            match (w.requests.get(id), w.deleted.get(id)) {
                (Some(r), _) => {
                    let mut row = json!({"id": id, "key": id, "value": {"rev": format!("{}-x", r.seq)}});
                    if include_docs {
                        row["doc"] = stored(id, r);
                    }
                    row
                }
                (None, Some(s)) => {
                    let mut row = json!({"id": id, "key": id, "value": {"rev": format!("{s}-x"), "deleted": true}});
                    if include_docs {
                        row["doc"] = Value::Null;
                    }
                    row
                }
                (None, None) => json!({"key": key, "error": "not_found"}),
            }
        })
        .collect();
    Json(json!({"total_rows": w.requests.len(), "offset": null, "rows": rows})).into_response()
}

async fn all_docs_get(State(sim): State<Arc<Sim>>, RawQuery(q): RawQuery) -> Response {
    let q = params(&q);
    let Some(keys) = param(&q, "keys") else { return bad("keys missing") };
    let Ok(Value::Array(keys)) = serde_json::from_str::<Value>(&keys) else { return bad("keys is not a JSON array") };
    all_docs(&sim, &keys, param(&q, "include_docs").as_deref() == Some("true"))
}

async fn all_docs_post(State(sim): State<Arc<Sim>>, RawQuery(q): RawQuery, body: String) -> Response {
    let q = params(&q);
    let Ok(body) = serde_json::from_str::<Value>(&body) else { return bad("body is not JSON") };
    let Some(keys) = body.get("keys").and_then(Value::as_array) else { return bad("keys missing") };
    all_docs(&sim, keys, param(&q, "include_docs").as_deref() == Some("true"))
}

async fn request(State(sim): State<Arc<Sim>>, Path(name): Path<String>) -> Response {
    let w = sim.world();
    match w.requests.get(&name) {
        Some(r) => Json(stored(&name, r)).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"error": "not_found", "reason": "deleted"}))).into_response(),
    }
}

async fn by_prep_id(State(sim): State<Arc<Sim>>, RawQuery(q): RawQuery) -> Response {
    let q = params(&q);
    let Some(prep_id) = param(&q, "prep_id") else { return bad("prep_id missing") };
    let masks: Vec<String> = q.iter().filter(|(k, _)| k == "mask").map(|(_, v)| v.clone()).collect();
    let w = sim.world();
    let mut found = Map::new();
    for (name, r) in &w.requests {
        if r.doc.get("PrepID").and_then(Value::as_str) == Some(prep_id.as_str()) {
            let masked: Map<String, Value> =
                masks.iter().map(|m| (m.clone(), r.doc.get(m).cloned().unwrap_or(Value::Null))).collect();
            found.insert(name.clone(), Value::Object(masked));
        }
    }
    let result = if found.is_empty() { json!([]) } else { json!([found]) };
    Json(json!({ "result": result })).into_response()
}

async fn active(State(sim): State<Arc<Sim>>) -> Response {
    let w = sim.world();
    let rows: Vec<Value> =
        w.requests.iter().filter(|(_, r)| World::is_active(r)).map(|(n, _)| json!({"RequestName": n})).collect();
    Json(json!({ "result": rows })).into_response()
}

async fn datasetlist(State(sim): State<Arc<Sim>>, body: String) -> Response {
    let Ok(body) = serde_json::from_str::<Value>(&body) else { return bad("body is not JSON") };
    let Some(names) = body.get("dataset").and_then(Value::as_array) else { return bad("dataset list missing") };
    let w = sim.world();
    let rows: Vec<Value> = names
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|n| Some((n, w.datasets.get(n)?)))
        .filter_map(|(n, d)| {
            let parts: Vec<&str> = n.split('/').collect();
            Some(json!({
                "dataset": n, "dataset_access_type": d.access?, "data_tier_name": parts.get(3), "primary_ds_name": parts.get(1),
                "processed_ds_name": parts.get(2), "last_modification_date": d.ldate, "creation_date": d.ldate, "prep_id": null,
                "physics_group_name": "NoGroup", "primary_ds_type": "mc", "processing_version": 1, "xtcrosssection": null
            }))
        })
        .collect();
    Json(Value::Array(rows)).into_response()
}

async fn filesummaries(State(sim): State<Arc<Sim>>, RawQuery(q): RawQuery) -> Response {
    let q = params(&q);
    let Some(name) = param(&q, "dataset") else { return bad("dataset missing") };
    let w = sim.world();
    match w.datasets.get(&name).filter(|d| d.access.is_some()) {
        Some(d) => Json(json!([{
            "file_size": d.size, "num_block": 1 + d.events / 100_000, "num_event": d.events, "num_file": 1 + d.events / 10_000,
            "num_lumi": d.lumis, "max_ldate": d.ldate, "median_cdate": d.ldate, "median_ldate": d.ldate
        }]))
        .into_response(),
        None => Json(json!([])).into_response(),
    }
}

async fn datasets(State(sim): State<Arc<Sim>>, RawQuery(q): RawQuery) -> Response {
    let q = params(&q);
    let Some(Ok(since)) = param(&q, "min_ldate").map(|s| s.parse::<i64>()) else { return bad("min_ldate missing") };
    let w = sim.world();
    let mut rows: Vec<&String> =
        w.datasets.iter().filter(|(_, d)| d.access.is_some() && d.ldate >= since).map(|(n, _)| n).collect();
    rows.sort();
    Json(rows.into_iter().map(|n| json!({ "dataset": n })).collect::<Vec<_>>()).into_response()
}

async fn files(State(sim): State<Arc<Sim>>, RawQuery(q): RawQuery) -> Response {
    let q = params(&q);
    let (Some(name), Some(run), Some(lumis)) = (param(&q, "dataset"), param(&q, "run_num"), param(&q, "lumi_list"))
    else {
        return bad("dataset, run_num and lumi_list are required");
    };
    let Ok(ranges) = serde_json::from_str::<Vec<(i64, i64)>>(&lumis) else { return bad("lumi_list") };
    let w = sim.world();
    if !w.datasets.contains_key(&name) {
        return Json(json!([])).into_response();
    }
    // One file per range and one spanning the whole run (listed for every run it touches).
    let mut rows: Vec<Value> = ranges
        .iter()
        .map(|(a, b)| json!({"logical_file_name": format!("/store/sim{name}/{run}/{a}-{b}.root"), "event_count": 100 * (b - a + 1), "dataset": name, "is_file_valid": 1}))
        .collect();
    rows.push(json!({"logical_file_name": format!("/store/sim{name}/spanning.root"), "event_count": 777, "dataset": name, "is_file_valid": 1}));
    rows.push(json!({"logical_file_name": format!("/store/sim{name}/{run}/null.root"), "event_count": null, "dataset": name, "is_file_valid": 1}));
    Json(Value::Array(rows)).into_response()
}
