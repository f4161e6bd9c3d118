//! The `stats2` binary's command line on the embedded store (K2, X22, docs/decisions.md "Run lock").
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn stats2(data_dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stats2"))
        .env_remove("DB_URL")
        .env("STATS_DATA_DIR", data_dir)
        .env("RUST_LOG", "info")
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_documents_every_option_and_its_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = stats2(dir.path(), &["--help"]);
    assert!(out.status.success());
    // Help text is wrapped to the terminal width: compare with white space folded.
    let help = text(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.starts_with("Stats2: CMS production monitoring"), "{help}");
    for var in [
        "DB_URL",
        "STATS_DB_AUTH_HEADER",
        "STATS_DATA_DIR",
        "CMSWEB_URL",
        "CMSWEB_PROD_URL",
        "USERCRT",
        "USERKEY",
        "UPSTREAM_CONCURRENCY",
        "SSO_TOKEN_URL",
        "CALLBACK_CLIENT_ID",
        "CALLBACK_CLIENT_SECRET",
        "APPLICATION_CLIENT_ID",
        "DEV_APPLICATION_CLIENT_ID",
        "PDMV_PROD_URL",
        "PDMV_DEV_URL",
    ] {
        assert!(help.contains(&format!("[env: {var}")), "--help lacks {var}:\n{help}");
    }
    let serve = text(&stats2(dir.path(), &["serve", "--help"]).stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    for var in ["STATS_HOST", "STATS_PORT", "STATS_BASE_PATH", "STATS_DIST_DIR"] {
        assert!(serve.contains(&format!("[env: {var}")), "serve --help lacks {var}:\n{serve}");
    }
}

#[test]
fn secrets_are_not_echoed_by_help() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stats2"))
        .env("STATS_DB_AUTH_HEADER", "Basic c2VjcmV0")
        .env("CALLBACK_CLIENT_SECRET", "very-secret")
        .env("STATS_DATA_DIR", dir.path())
        .arg("--help")
        .output()
        .unwrap();
    let help = text(&out.stdout);
    assert!(!help.contains("c2VjcmV0") && !help.contains("very-secret"), "{help}");
}

#[test]
fn db_init_is_idempotent_and_see_prints_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let first = stats2(dir.path(), &["db", "init"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stderr).contains("created requests/_design/_designDoc"));
    let second = stats2(dir.path(), &["db", "init"]);
    assert!(second.status.success());
    assert!(text(&second.stderr).contains("requests/_design/_designDoc is up to date"), "{}", text(&second.stderr));

    let out = stats2(dir.path(), &["see", "--name", "_design/_designDoc"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("{\n    \"_id\": \"_design/_designDoc\",\n    \"_rev\": \"1-"), "{stdout}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["views"].as_object().unwrap().len(), 7);
    assert!(!stdout.contains("INFO"), "logs go to stderr, only the document to stdout");

    let compact = stats2(dir.path(), &["db", "compact"]);
    assert!(compact.status.success(), "{}", text(&compact.stderr));
}

#[test]
fn x22_see_without_name_or_with_an_absent_one_exits_1_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = stats2(dir.path(), &["see"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("needs --name"));
    assert!(out.stdout.is_empty());
    let out = stats2(dir.path(), &["see", "--name", "nobody_wf_230101_000000_0000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no workflow named"));
    let out = stats2(dir.path(), &["see", "--name", "_all_docs"]);
    assert_eq!(out.status.code(), Some(1), "X2: reserved ids are never looked up");
}

/// Issue 31 item 12: log lines carried ANSI colour codes when stderr was no terminal (a
/// container's log, journald); `STATS_LOG_FORMAT=json` gives one JSON object a line; an error
/// prints its whole chain of causes.
#[test]
fn logs_are_plain_off_a_terminal_and_json_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let plain = stats2(dir.path(), &["db", "init"]);
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    let stderr = text(&plain.stderr);
    assert!(!stderr.is_empty() && !stderr.contains('\u{1b}'), "colour codes off a terminal: {stderr:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_stats2"))
        .env_remove("DB_URL")
        .env("STATS_DATA_DIR", dir.path())
        .env("STATS_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .args(["db", "init"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<String> = text(&out.stderr).lines().map(str::to_owned).collect();
    assert!(!lines.is_empty());
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v.get("level").is_some() && v.get("fields").is_some(), "{line}");
    }
}

/// Issue 31 item 1: with proxy headers trusted, a port that other pods reach made anyone who
/// sets `X-Forwarded-Groups` an admin. `serve` now refuses to trust them off loopback.
#[test]
fn trusted_proxy_headers_need_a_loopback_address() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stats2"))
        .env_remove("DB_URL")
        .env("STATS_DATA_DIR", dir.path())
        .env("STATS_TRUST_PROXY_AUTH", "true")
        .args(["serve", "--host", "0.0.0.0", "--port", "0", "--dist-dir", "/nonexistent"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            panic!("serve started, trusting proxy headers on 0.0.0.0");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("STATS_TRUST_PROXY_AUTH needs --host 127.0.0.1"), "{stderr}");
}
