//! One conformance suite, two real stores: embedded SQLite and CouchDB (a pouchdb-server
//! started per test on a free loopback port). Every case must give the same answers on both.
#![allow(clippy::unwrap_used)]

mod conformance;

use std::sync::Arc;

use server::store::{couch::CouchStore, sqlite::SqliteStore, SharedStore};
use stats2_tests::couch::CouchServer;

/// A store ready for a case, with whatever keeps it alive.
pub struct Harness {
    /// The store under test.
    pub store: SharedStore,
    /// The CouchDB server behind it, if any.
    pub couch: Option<CouchServer>,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("t.sqlite")).unwrap());
    store.init().await.unwrap();
    Harness { store, couch: None, _dir: Some(dir) }
}

async fn couch() -> Harness {
    let server = CouchServer::start().await.unwrap();
    let store: SharedStore = Arc::new(CouchStore::new(&server.url, Some(server.admin_header())).unwrap());
    store.init().await.unwrap();
    Harness { store, couch: Some(server), _dir: None }
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod on_sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() { let h = super::sqlite().await; super::conformance::$case(&h).await; } )*
        }
        mod on_couchdb {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() { let h = super::couch().await; super::conformance::$case(&h).await; } )*
        }
    };
}

conformance!(
    feed_lists_each_document_once_at_its_newest_change,
    feed_long_poll_answers_when_something_is_written,
    ndjson_export_and_import_round_trip,
    ndjson_export_carries_watches_and_notifications,
    prefixed_reads_one_kind_of_record,
    s3_s4_put_get_round_trip,
    x7_stale_or_missing_rev_is_a_conflict,
    x7_update_reapplies_after_conflicts,
    s5_delete_needs_the_current_rev,
    x1_ids_with_special_characters,
    x1_view_keys_with_special_characters,
    s10_s12_view_rows,
    u37_view_ids_answer_many_keys_at_once,
    s8_equal_keys_ordered_by_id_and_paging,
    s6_s7_all_docs_count_and_workflows_without_design_docs,
    bulk_put_reports_each_document,
    init_is_idempotent,
    x2_reserved_ids_are_never_looked_up,
    settings_database_holds_all_settings,
    s19_compact_succeeds_and_keeps_data,
    get_many_answers_in_order_with_absent_ones,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s13_couchdb_refuses_anonymous_writes_but_allows_reads() {
    let h = couch().await;
    let server = h.couch.as_ref().unwrap();
    let admin_rev = h.store.put(server::store::Db::Requests, &serde_json::json!({"_id": "wf", "A": 1})).await.unwrap();
    assert!(admin_rev.starts_with("1-"));
    let anonymous = CouchStore::new(&server.url, None).unwrap();
    use server::store::{Db, Store, StoreError};
    let err = anonymous.put(Db::Requests, &serde_json::json!({"_id": "x", "A": 1})).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Forbidden(ref m) if m.contains("Only admins")),
        "validate_write must refuse anonymous writers: {err:?}"
    );
    let err = anonymous.put(Db::Settings, &serde_json::json!({"_id": "all_settings"})).await.unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)), "{err:?}");
    let doc = anonymous.get(Db::Requests, "wf").await.unwrap().unwrap();
    assert_eq!(doc["A"], 1, "anonymous reads are allowed (require_valid_user = false)");
    assert_eq!(anonymous.get(Db::Requests, "x").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn couchdb_init_without_credentials_fails_clearly_and_harms_nothing() {
    use server::store::{Db, Store, StoreError};
    let server = CouchServer::start().await.unwrap();
    let anonymous = CouchStore::new(&server.url, None).unwrap();
    let err = anonymous.init().await.unwrap_err();
    assert!(matches!(err, StoreError::Unauthorized(_) | StoreError::Forbidden(_)), "{err:?}");
    // The server is still up and an admin can initialise afterwards (express-pouchdb patches).
    let admin = CouchStore::new(&server.url, Some(server.admin_header())).unwrap();
    let report = admin.init().await.unwrap();
    assert!(report.iter().any(|l| l == "created database requests"), "{report:?}");
    assert_eq!(admin.count(Db::Requests).await.unwrap(), 2);
}
