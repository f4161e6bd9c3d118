//! Lapsed acknowledgements are swept once they are a month old; holding ones and recent ones
//! stay; nothing goes while the index is not ready. On the embedded store with a real index.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::json;
use server::acks::{sweep, Stored, KEEP_LAPSED};
use server::store::Db;

const NOW: i64 = 1_764_000_000;

fn workflow(id: &str, status: &str) -> serde_json::Value {
    json!({"_id": id, "RequestTransition": [{"Status": status, "UpdateTime": NOW - 90 * 86_400}]})
}

#[tokio::test]
async fn lapsed_acknowledgements_older_than_a_month_are_swept() {
    let (store, _dir) = support::sqlite().await;
    let index = server::testkit::index_of([workflow("held", "running-open"), workflow("moved", "completed")]);
    let standing = |name: &str| index.standing(name, NOW).unwrap().unwrap();
    let old = NOW - KEEP_LAPSED - 1;
    let acks = [
        ("held", standing("held"), old),
        ("moved", "running-open@0|0|".to_owned(), old),
        ("gone", "running-open@0|0|".to_owned(), old),
        ("recent", "running-open@0|0|".to_owned(), NOW - 86_400),
    ];
    for (name, standing, time) in acks {
        let ack = Stored { workflow: name.into(), by: "token".into(), note: "GGUS".into(), time, standing };
        let mut doc = serde_json::to_value(&ack).unwrap();
        doc["_id"] = json!(format!("ack:{name}"));
        store.put(Db::Stats2, &doc).await.unwrap();
    }
    let cold = server::index::SummaryIndex::new();
    assert_eq!(sweep(&*store, &cold, NOW).await.unwrap(), 0, "an index not ready tells nothing");
    assert_eq!(sweep(&*store, &index, NOW).await.unwrap(), 2, "moved and gone");
    let left: Vec<String> = store
        .prefixed(Db::Stats2, "ack:", 10)
        .await
        .unwrap()
        .iter()
        .map(|d| d["_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left, ["ack:held", "ack:recent"]);
    assert_eq!(sweep(&*store, &index, NOW).await.unwrap(), 0, "a second sweep finds nothing");
}
