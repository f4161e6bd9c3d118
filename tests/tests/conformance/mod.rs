//! The cases of the conformance suite; each takes a fresh, initialised store.

use serde_json::{json, Value};
use server::store::{self, Db, Paging, StoreError, View};

use super::Harness;

mod feed;
pub use feed::*;

fn ids(rows: &[store::Row]) -> Vec<String> {
    rows.iter().map(|r| r.id.clone()).collect()
}

fn wf(id: &str, extra: Value) -> Value {
    let mut doc = json!({"_id": id, "RequestName": id});
    doc.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    doc
}

const ALL: Paging = Paging { skip: 0, limit: 1000 };

pub async fn s3_s4_put_get_round_trip(h: &Harness) {
    let s = &*h.store;
    let doc = json!({"_id": "pdmvserv_wf_230101_120000_1234", "TotalEvents": 5, "SizePerEvent": 2.5,
        "TimePerEvent": 1e-5, "Big": 12345678901234i64, "Text": "ünïcødé \"quoted\"", "Null": null,
        "Nested": {"b": [1, {"c": []}], "a": {}}});
    let rev = s.put(Db::Requests, &doc).await.unwrap();
    assert!(rev.starts_with("1-"), "{rev}");
    let got = s.get(Db::Requests, "pdmvserv_wf_230101_120000_1234").await.unwrap().unwrap();
    assert_eq!(got["_rev"], rev);
    let mut without_rev = got.clone();
    without_rev.as_object_mut().unwrap().remove("_rev");
    assert_eq!(without_rev, doc, "stored document comes back unchanged");
    assert!(got["SizePerEvent"].is_f64() && got["TotalEvents"].is_u64(), "integers stay integers");
    // Not asserted: 2.0 staying 2.0 (JavaScript servers cannot tell it from 2; Apache CouchDB
    // and SQLite keep it) and _id/_rev coming first (Apache CouchDB and SQLite only).
    assert_eq!(s.get(Db::Requests, "missing").await.unwrap(), None);
}

pub async fn x7_stale_or_missing_rev_is_a_conflict(h: &Harness) {
    let s = &*h.store;
    let r1 = s.put(Db::Requests, &wf("w", json!({"N": 1}))).await.unwrap();
    assert_eq!(
        s.put(Db::Requests, &wf("w", json!({"N": 2}))).await,
        Err(StoreError::Conflict),
        "no rev on an existing doc"
    );
    let r2 = s.put(Db::Requests, &wf("w", json!({"N": 2, "_rev": r1}))).await.unwrap();
    assert!(r2.starts_with("2-"));
    assert_eq!(
        s.put(Db::Requests, &wf("w", json!({"N": 3, "_rev": r1}))).await,
        Err(StoreError::Conflict),
        "stale rev"
    );
    assert_eq!(s.get(Db::Requests, "w").await.unwrap().unwrap()["N"], 2, "the conflicting write changed nothing");
}

pub async fn x7_update_reapplies_after_conflicts(h: &Harness) {
    let s = h.store.clone();
    s.put(Db::Settings, &json!({"_id": "counter", "n": 0})).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..8 {
                store::update(&*s, Db::Settings, "counter", |cur| {
                    let mut d = cur.unwrap();
                    d["n"] = json!(d["n"].as_i64().unwrap() + 1);
                    Some(d)
                })
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(s.get(Db::Settings, "counter").await.unwrap().unwrap()["n"], 16, "no increment is lost");
    let untouched = store::update(&*s, Db::Settings, "counter", |_| None).await.unwrap();
    assert_eq!(untouched, None);
}

pub async fn s5_delete_needs_the_current_rev(h: &Harness) {
    let s = &*h.store;
    let r1 = s.put(Db::Requests, &wf("d", json!({"OutputDatasets": ["/a/b/AOD"]}))).await.unwrap();
    let r2 = s.put(Db::Requests, &wf("d", json!({"_rev": r1, "OutputDatasets": ["/a/b/AOD"]}))).await.unwrap();
    // CouchDB answers 409 for a stale rev, pouchdb-server 404: either way it is refused.
    assert!(s.delete(Db::Requests, "d", &r1).await.is_err());
    assert!(s.get(Db::Requests, "d").await.unwrap().is_some());
    s.delete(Db::Requests, "d", &r2).await.unwrap();
    assert_eq!(s.get(Db::Requests, "d").await.unwrap(), None);
    assert!(
        s.view(View::OutputDatasets, "/a/b/AOD", ALL, false).await.unwrap().is_empty(),
        "deleted docs leave the views"
    );
    assert!(matches!(s.delete(Db::Requests, "d", &r2).await, Err(StoreError::NotFound(_) | StoreError::Conflict)));
    // A deleted workflow can come back (ReqMgr2 never reuses names, but a restore might).
    s.put(Db::Requests, &wf("d", json!({}))).await.unwrap();
}

const ODD: [&str; 9] = ["a/b", "quote\"d", "hash#x", "amp&y", "plus+z", "space s", "ünïcødé", "per%20cent", "q?x=1"];

pub async fn x1_ids_with_special_characters(h: &Harness) {
    let s = &*h.store;
    for id in ODD {
        s.put(Db::Requests, &wf(id, json!({"Marker": id}))).await.unwrap();
    }
    for id in ODD {
        let doc = s.get(Db::Requests, id).await.unwrap().unwrap_or_else(|| panic!("{id} not found"));
        assert_eq!(doc["Marker"], id);
        assert_eq!(doc["_id"], id);
    }
    let mut expected: Vec<String> = ODD.iter().map(|s| s.to_string()).collect();
    expected.sort();
    let (_, design) = s.design_docs(Db::Requests).await.unwrap();
    let listed: Vec<String> =
        ids(&s.all_docs(Db::Requests, ALL, false).await.unwrap()).into_iter().filter(|i| !design.contains(i)).collect();
    assert_eq!(listed, expected, "all_docs is in id (code point) order");
    let rev = s.get(Db::Requests, "hash#x").await.unwrap().unwrap()["_rev"].as_str().unwrap().to_owned();
    s.delete(Db::Requests, "hash#x", &rev).await.unwrap();
    assert_eq!(s.get(Db::Requests, "hash#x").await.unwrap(), None);
    assert!(s.get(Db::Requests, "hash").await.unwrap().is_none());
}

pub async fn x1_view_keys_with_special_characters(h: &Harness) {
    let s = &*h.store;
    let keys = ["/Prim/Proc-v1/AOD", "with \"quotes\"", "a#b", "a&b=c", "a+b", "a b", "ünïcødé–✓", "\\back", "a"];
    for (i, k) in keys.iter().enumerate() {
        s.put(Db::Requests, &wf(&format!("w{i}"), json!({"Campaigns": [k], "ProcessingString": k}))).await.unwrap();
    }
    for (i, k) in keys.iter().enumerate() {
        for view in [View::Campaigns, View::ProcessingStrings] {
            let rows = s.view(view, k, ALL, true).await.unwrap();
            assert_eq!(ids(&rows), vec![format!("w{i}")], "view {} key {k:?}", view.name());
            assert_eq!(rows[0].key, json!(k));
            assert_eq!(rows[0].doc.as_ref().unwrap()["_id"], format!("w{i}"));
        }
    }
    assert!(
        s.view(View::Campaigns, "a\"", ALL, false).await.unwrap().is_empty(),
        "a key that is not valid JSON by itself"
    );
    assert!(s.view(View::Campaigns, "", ALL, false).await.unwrap().is_empty());
}

pub async fn s10_s12_view_rows(h: &Harness) {
    let s = &*h.store;
    s.put(
        Db::Requests,
        &wf(
            "w1",
            json!({"Campaigns": ["C1", "C2", "C1"], "Requests": ["R1", "R1"],
        "OutputDatasets": ["/x/y/AOD", "/x/y/AOD", "/x/y/MINIAOD"], "InputDataset": "/in/put/RAW",
        "PrepID": "P1", "RequestType": "ReReco", "ProcessingString": "PS1"}),
        ),
    )
    .await
    .unwrap();
    s.put(
        Db::Requests,
        &wf(
            "w2",
            json!({"Campaigns": [], "Requests": null, "OutputDatasets": [],
        "InputDataset": "", "PrepID": "", "RequestType": null, "ProcessingString": ""}),
        ),
    )
    .await
    .unwrap();
    let count = |view, key: &'static str| async move { s.view(view, key, ALL, false).await.unwrap().len() };
    assert_eq!(count(View::Campaigns, "C1").await, 1, "S10 distinct within a document");
    assert_eq!(count(View::Campaigns, "C2").await, 1);
    assert_eq!(count(View::Requests, "R1").await, 1);
    assert_eq!(count(View::OutputDatasets, "/x/y/AOD").await, 2, "S11 duplicates kept");
    assert_eq!(count(View::OutputDatasets, "/x/y/MINIAOD").await, 1);
    assert_eq!(count(View::InputDatasets, "/in/put/RAW").await, 1);
    assert_eq!(count(View::Prepids, "P1").await, 1);
    assert_eq!(count(View::Types, "ReReco").await, 1);
    assert_eq!(count(View::ProcessingStrings, "PS1").await, 1);
    for view in View::ALL {
        assert_eq!(count(view, "").await, 0, "falsy values emit nothing ({})", view.name());
    }
    let design = s.view(View::Types, "javascript", ALL, false).await.unwrap();
    assert!(design.is_empty(), "views never index design documents");
}

pub async fn u37_view_ids_answer_many_keys_at_once(h: &Harness) {
    let s = &*h.store;
    let docs = [
        wf("a_1", json!({"OutputDatasets": ["/x/y/AOD", "/x/y/MINIAOD"]})),
        wf("b_2", json!({"OutputDatasets": ["/x/y/AOD"]})),
        wf("c_3", json!({"OutputDatasets": ["/q\"uote/y/AOD", "/x/y/AOD", "/x/y/AOD"]})),
        wf("d_4", json!({"OutputDatasets": ["/other/y/AOD"]})),
    ];
    for r in s.bulk_put(Db::Requests, &docs).await.unwrap() {
        r.unwrap();
    }
    let keys: Vec<String> = ["/x/y/AOD", "/x/y/MINIAOD", "/q\"uote/y/AOD", "/absent/y/AOD"].map(String::from).into();
    let mut got = s.view_ids(View::OutputDatasets, &keys).await.unwrap();
    got.sort();
    assert_eq!(got, ["a_1", "a_1", "b_2", "c_3", "c_3", "c_3"], "one id per emitted row, any key");
    assert!(s.view_ids(View::OutputDatasets, &[]).await.unwrap().is_empty());
    let many: Vec<String> = (0..1200).map(|i| format!("/none/{i}/AOD")).chain(["/other/y/AOD".to_owned()]).collect();
    assert_eq!(s.view_ids(View::OutputDatasets, &many).await.unwrap(), ["d_4"], "keys past one request's worth");
}

pub async fn s8_equal_keys_ordered_by_id_and_paging(h: &Harness) {
    let s = &*h.store;
    let names = ["m_3", "B_1", "z_9", "a_2", "k_5"];
    let docs: Vec<Value> = names.iter().map(|n| wf(n, json!({"RequestType": "TaskChain"}))).collect();
    for r in s.bulk_put(Db::Requests, &docs).await.unwrap() {
        r.unwrap();
    }
    let mut sorted: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    sorted.sort();
    assert_eq!(ids(&s.view(View::Types, "TaskChain", ALL, false).await.unwrap()), sorted);
    let page = |skip, limit| async move {
        ids(&s.view(View::Types, "TaskChain", Paging { skip, limit }, true).await.unwrap())
    };
    assert_eq!(page(0, 2).await, sorted[0..2]);
    assert_eq!(page(2, 2).await, sorted[2..4]);
    assert_eq!(page(4, 2).await, sorted[4..5]);
    assert!(page(5, 2).await.is_empty(), "paging past the end is empty");
    assert!(page(500, 100).await.is_empty());
    assert!(page(0, 0).await.is_empty(), "limit 0 returns no rows");
}

pub async fn s6_s7_all_docs_count_and_workflows_without_design_docs(h: &Harness) {
    let s = &*h.store;
    // Ids on both sides of "_design/" in id order: upper case sorts before '_', lower after.
    let names = ["A_first", "Z_upper", "a_lower", "m_middle", "zz_last", "my_design_wf"];
    for n in names {
        s.put(Db::Requests, &wf(n, json!({}))).await.unwrap();
    }
    let (before, design) = s.design_docs(Db::Requests).await.unwrap();
    assert_eq!(design, ["_design/_designDoc", "_design/validate_write"]);
    assert_eq!(before, 2, "A_first and Z_upper sort before the design documents");
    assert_eq!(s.count(Db::Requests).await.unwrap(), 8, "S6 counts design documents too");
    assert_eq!(store::workflow_count(s).await.unwrap(), 6);
    let all = ids(&s.all_docs(Db::Requests, ALL, false).await.unwrap());
    assert_eq!(all.len(), 8, "S7 all_docs includes design documents");
    let mut expected: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    expected.sort();
    for size in 1..=7u64 {
        let mut paged = Vec::new();
        for p in 0..10u64 {
            let rows = store::workflows(s, Paging { skip: p * size, limit: size }, true).await.unwrap();
            assert!(rows.len() as u64 <= size);
            assert!(rows.iter().all(|r| r.doc.as_ref().unwrap()["_id"] == r.id.as_str()));
            paged.extend(ids(&rows));
        }
        assert_eq!(paged, expected, "page size {size}: X24 a name containing _design stays listed");
    }
}

pub async fn bulk_put_reports_each_document(h: &Harness) {
    let s = &*h.store;
    let r1 = s.put(Db::Requests, &wf("exists", json!({}))).await.unwrap();
    let docs = vec![wf("new1", json!({})), wf("exists", json!({})), wf("exists2", json!({})), wf("new2", json!({}))];
    s.put(Db::Requests, &wf("exists2", json!({}))).await.unwrap();
    let results = s.bulk_put(Db::Requests, &docs).await.unwrap();
    assert_eq!(results.len(), 4);
    assert!(results[0].is_ok() && results[3].is_ok(), "{results:?}");
    assert_eq!(results[1], Err(StoreError::Conflict));
    assert_eq!(results[2], Err(StoreError::Conflict));
    let updated = s.bulk_put(Db::Requests, &[wf("exists", json!({"_rev": r1, "V": 2}))]).await.unwrap();
    assert!(updated[0].as_ref().unwrap().starts_with("2-"));
    assert!(s.bulk_put(Db::Requests, &[]).await.unwrap().is_empty());
}

pub async fn init_is_idempotent(h: &Harness) {
    let s = &*h.store;
    s.put(Db::Requests, &wf("keep", json!({"PrepID": "P"}))).await.unwrap();
    let count = s.count(Db::Requests).await.unwrap();
    let report = s.init().await.unwrap();
    assert!(report.iter().any(|l| l.contains("_design/_designDoc is up to date")), "{report:?}");
    assert!(!report.iter().any(|l| l.starts_with("created requests/") || l.starts_with("updated")), "{report:?}");
    assert_eq!(s.count(Db::Requests).await.unwrap(), count);
    let design = s.get(Db::Requests, "_design/_designDoc").await.unwrap().unwrap();
    assert_eq!(design["views"].as_object().unwrap().len(), 7);
    assert!(design["views"]["campaigns"]["map"].as_str().unwrap().contains("var addedCampaigns"));
    for db in [Db::Requests, Db::Settings, Db::Stats2] {
        assert!(s.get(db, "_design/validate_write").await.unwrap().is_some(), "{}", db.name());
    }
    assert_eq!(s.view(View::Prepids, "P", ALL, false).await.unwrap().len(), 1, "data survives init");
}

pub async fn x2_reserved_ids_are_never_looked_up(h: &Harness) {
    let s = &*h.store;
    s.put(Db::Requests, &wf("w", json!({}))).await.unwrap();
    for id in ["_all_docs", "_changes", "_security", "_design", "", "_local_x", "_design_docs"] {
        assert_eq!(s.get(Db::Requests, id).await.unwrap(), None, "{id:?}");
    }
    assert!(matches!(s.put(Db::Requests, &json!({"_id": "_bad"})).await, Err(StoreError::BadRequest(_))));
    assert!(matches!(s.put(Db::Requests, &json!({"no_id": 1})).await, Err(StoreError::BadRequest(_))));
}

pub async fn settings_database_holds_all_settings(h: &Harness) {
    let s = &*h.store;
    assert_eq!(s.get(Db::Settings, "all_settings").await.unwrap(), None, "S19: only the first set_setting creates it");
    let rev = store::update(s, Db::Settings, "all_settings", |cur| {
        let mut d = cur.unwrap_or_else(|| json!({}));
        d["last_reqmgr_sequence"] = json!("123-g1AAAAB");
        d["last_dbs_update_date"] = json!(1_700_000_000);
        d["failed_workflows"] = json!([]);
        Some(d)
    })
    .await
    .unwrap();
    assert!(rev.unwrap().starts_with("1-"));
    let doc = s.get(Db::Settings, "all_settings").await.unwrap().unwrap();
    assert_eq!(doc["last_reqmgr_sequence"], "123-g1AAAAB", "S16 the sequence is opaque text");
    assert_eq!(s.count(Db::Settings).await.unwrap(), 2, "all_settings and validate_write");
}

pub async fn s19_compact_succeeds_and_keeps_data(h: &Harness) {
    let s = &*h.store;
    let r1 = s.put(Db::Requests, &wf("c", json!({"PrepID": "P", "N": 1}))).await.unwrap();
    s.put(Db::Requests, &wf("c", json!({"_rev": r1, "PrepID": "P", "N": 2}))).await.unwrap();
    let report = s.compact().await.unwrap();
    assert!(!report.is_empty());
    assert_eq!(s.get(Db::Requests, "c").await.unwrap().unwrap()["N"], 2);
    assert_eq!(s.view(View::Prepids, "P", ALL, false).await.unwrap().len(), 1);
}

pub async fn get_many_answers_in_order_with_absent_ones(h: &Harness) {
    let s = &*h.store;
    for id in ["b", "a/x", "c d"] {
        s.put(Db::Requests, &wf(id, json!({"Marker": id}))).await.unwrap();
    }
    let rev = s.get(Db::Requests, "b").await.unwrap().unwrap()["_rev"].as_str().unwrap().to_owned();
    s.put(Db::Requests, &wf("gone", json!({}))).await.unwrap();
    let gone_rev = s.get(Db::Requests, "gone").await.unwrap().unwrap()["_rev"].as_str().unwrap().to_owned();
    s.delete(Db::Requests, "gone", &gone_rev).await.unwrap();
    let ids: Vec<String> = ["c d", "missing", "b", "_all_docs", "gone", "a/x"].iter().map(|s| s.to_string()).collect();
    let docs = s.get_many(Db::Requests, &ids).await.unwrap();
    let markers: Vec<Option<&str>> = docs.iter().map(|d| d.as_ref().map(|d| d["Marker"].as_str().unwrap())).collect();
    assert_eq!(markers, [Some("c d"), None, Some("b"), None, None, Some("a/x")]);
    assert_eq!(docs[2].as_ref().unwrap()["_rev"], rev.as_str());
    assert!(s.get_many(Db::Requests, &[]).await.unwrap().is_empty());
}
