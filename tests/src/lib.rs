//! Test support: a pouchdb-server harness (a real CouchDB-protocol server per test), a
//! chromedriver harness, helpers to start the stats2 server in-process, and local receivers
//! of webhooks and mail.

pub mod browser;
pub mod couch;
pub mod server;
pub mod sinks;

/// A free TCP port on loopback (bound, then released for the child to take).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// The repository root.
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_owned()
}

/// The `stats2` binary of this build (`cargo test --workspace` builds it beside the tests).
pub fn stats2_bin() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo_root().join("target"), Into::into);
    let bin = target.join("debug/stats2");
    assert!(bin.exists(), "{} is missing: run `cargo build -p server` (the test suite builds it)", bin.display());
    bin
}
