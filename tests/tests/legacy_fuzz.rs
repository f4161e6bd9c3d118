//! Fuzzing the legacy routes' path and query parsing (X1, X2, docs/decisions.md "Limits"): whatever the
//! input, the answer is a clear 2xx, 3xx, 400 or 404, never a 500 and never a CouchDB
//! internal; names that cannot be workflows answer exactly like missing ones.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode, Uri};
use axum::Router;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::prelude::*;
use server::auth::AdminAuth;
use server::http::{self, AppState, Spa};
use server::store::{sqlite::SqliteStore, Db, SharedStore};
use server::updater::single::UpdateService;
use server::updater::UpdaterConfig;
use tower::ServiceExt;

struct World {
    rt: tokio::runtime::Runtime,
    router: Router,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let router = rt.block_on(async {
            let store: SharedStore = Arc::new(SqliteStore::open(&dir.path().join("f.sqlite")).unwrap());
            store.init().await.unwrap();
            let doc = serde_json::json!({"_id": "wf_a_250101_000000_0001", "RequestName": "wf_a_250101_000000_0001",
                "PrepID": "P&1 #x", "Campaigns": ["C é+1"], "OutputDatasets": ["/a/b/AOD"], "RequestType": "TaskChain"});
            store.put(Db::Requests, &doc).await.unwrap();
            let up = server::testkit::fast_upstream("http://127.0.0.1:9", 0, 1).unwrap();
            let updates = UpdateService::new(store.clone(), up, UpdaterConfig::default());
            let spa = Spa::load(&stats2_tests::repo_root().join("target/dist"), "/stats");
            http::router(
                AppState::new(store, updates, AdminAuth { token: Some("t".into()), proxy: None }, "/stats", std::time::Duration::from_secs(2)).following(),
                spa,
                "/stats",
            )
        });
        World { rt, router, _dir: dir }
    })
}

fn call(uri: &Uri) -> (StatusCode, String) {
    let w = world();
    w.rt.block_on(async {
        let resp = w.router.clone().oneshot(Request::get(uri.clone()).body(Body::empty()).unwrap()).await.unwrap();
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 24).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    })
}

/// Raw query text: mostly URI-safe characters, with '%' escapes that may be invalid.
fn raw_query() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            "[a-z_]{1,12}",
            Just("=".to_owned()),
            Just("&".to_owned()),
            Just("+".to_owned()),
            "%[0-9A-Fa-f]{2}",
            "%[G-Zg-z]{0,2}",
            "(prepid|campaign|workflow_name|type|page|q|output_dataset|request)=",
            "[!$'()*,/:;@~.-]{1,3}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_name_is_a_document_or_an_empty_404(name in "\\PC{0,40}|_[a-z_]{1,10}|\\.{1,3}|[a-z]{1,3}/[a-z.]{1,4}") {
        let encoded = utf8_percent_encode(&name, NON_ALPHANUMERIC).to_string();
        for prefix in ["/stats/get_json/", "/stats/api/get_json/", "/get_json/"] {
            let uri: Uri = format!("{prefix}{encoded}").parse().unwrap();
            let (status, body) = call(&uri);
            if name == "wf_a_250101_000000_0001" {
                prop_assert_eq!(status, StatusCode::OK);
            } else {
                prop_assert_eq!((status, body.as_str()), (StatusCode::NOT_FOUND, "{}"), "{}", uri);
            }
        }
    }

    #[test]
    fn any_query_gets_a_clear_answer(q in raw_query()) {
        for path in ["/stats/api/fetch", "/stats/md", "/stats/search", "/api/fetch", "/stats/api/update"] {
            let Ok(uri) = format!("{path}?{q}").parse::<Uri>() else { continue };
            let (status, body) = call(&uri);
            prop_assert!(
                matches!(status.as_u16(), 200 | 302 | 400 | 401),
                "{} answered {}: {}", uri, status, body.chars().take(200).collect::<String>()
            );
            prop_assert!(!body.contains("_all_docs") && !body.contains("\"error\":\"not_found\""), "{}", uri);
        }
    }
}

#[test]
fn ten_kilobyte_inputs_are_refused_clearly() {
    let long = "x".repeat(10_240);
    let (status, body) = call(&format!("/stats/api/fetch?campaign={long}").parse().unwrap());
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("longer than"));
    assert_eq!(call(&format!("/stats/get_json/{long}").parse().unwrap()), (StatusCode::NOT_FOUND, "{}".into()));
    assert_eq!(call(&format!("/stats/search?q={long}").parse().unwrap()).0, StatusCode::FOUND);
}
