//! Deployment as CMS runs it: the Kubernetes manifests validate offline against the
//! Kubernetes schemas, and the OCI image built by `scripts/image.sh` runs `db init`, `update`
//! and `serve` against a CouchDB-protocol server and the cmsweb simulator reached by host
//! names (as a cluster's service names would be), and stops promptly on SIGTERM while a
//! dashboard holds `/events` open.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use server::sim::SimConfig;
use stats2_tests::couch::CouchServer;
use stats2_tests::{free_port, repo_root};

const CLOCK: i64 = 1_764_000_000;
const MANIFESTS: [&str; 6] =
    ["configmap.yaml", "grid-ca.yaml", "service.yaml", "deployment.yaml", "cronjob.yaml", "secrets.example.yaml"];

fn k8s_dir() -> PathBuf {
    repo_root().join("deploy/k8s")
}

/// `kubernetes-validate --strict` (PyPI, schemas in its wheel): no download at run time.
fn validate(file: &Path) -> Output {
    Command::new("python3")
        .args(["-m", "kubernetes_validate", "--strict", "--quiet"])
        .arg(file)
        .output()
        .expect("python3 runs (scripts/ensure-tools.sh installs kubernetes-validate)")
}

#[test]
fn kubernetes_manifests_validate_offline_and_say_what_operations_need() {
    for name in MANIFESTS {
        let out = validate(&k8s_dir().join(name));
        assert!(
            out.status.success(),
            "{name} does not validate:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The validator does reject what Kubernetes would: a broken copy fails.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("deployment.yaml");
    let text = std::fs::read_to_string(k8s_dir().join("deployment.yaml")).unwrap();
    std::fs::write(&broken, text.replace("replicas: 3", "replicas: three")).unwrap();
    assert!(!validate(&broken).status.success(), "a non-integer replica count must be refused");

    let read = |n: &str| std::fs::read_to_string(k8s_dir().join(n)).unwrap();
    let deployment = read("deployment.yaml");
    for needle in [
        "\"health\", \"--path\", \"/readyz\"",
        "\"health\", \"--path\", \"/healthz?live\"",
        "runAsUser: 1001",
        // Issue 31 item 1: the port that trusts the proxy's headers is reached by the proxy
        // beside it only; the pod's one port is the proxy's.
        "args: [\"serve\", \"--host\", \"127.0.0.1\"]",
        "--upstream=http://127.0.0.1:8001/",
        "containerPort: 4180",
    ] {
        assert!(deployment.contains(needle), "deployment.yaml lacks {needle}");
    }
    assert!(!deployment.contains("0.0.0.0\"]"), "stats2 must not listen beyond loopback");
    assert!(!deployment.contains("containerPort: 8001"), "stats2's own port is not the pod's");
    // Every manifest kustomize applies is listed: the grid CA's ConfigMap was missing.
    let kustomization = read("kustomization.yaml");
    for name in ["configmap.yaml", "grid-ca.yaml", "service.yaml", "deployment.yaml", "cronjob.yaml"] {
        assert!(kustomization.contains(&format!("- {name}")), "kustomization.yaml lacks {name}");
    }
    let cron = read("cronjob.yaml");
    for needle in ["schedule: \"*/10 * * * *\"", "concurrencyPolicy: Forbid", "args: [\"update\", \"--trigger-prod\"]"]
    {
        assert!(cron.contains(needle), "cronjob.yaml lacks {needle}");
    }
    // Secrets only in Secrets: the ConfigMap names none of the secret variables.
    let config = read("configmap.yaml");
    for secret in ["STATS_DB_AUTH_HEADER", "STATS_ADMIN_TOKEN", "CALLBACK_CLIENT_SECRET"] {
        assert!(!config.contains(secret), "configmap.yaml must not carry {secret}");
    }
}

/// `scripts/image.sh ARGS...`: the one place that knows the podman flags this machine needs.
fn image_sh(args: &[&str]) -> Command {
    let mut c = Command::new(repo_root().join("scripts/image.sh"));
    c.args(args).stdin(Stdio::null());
    c
}

fn podman(args: &[&str]) -> Output {
    Command::new("podman").args(args).stdin(Stdio::null()).output().expect("podman runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Removes the serving container however the test ends.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman(&["rm", "-f", "-t", "0", &self.0]);
    }
}

/// The environment and network flags every container of the test gets: the store and
/// cmsweb by host name, on the host's loopback.
fn run_flags(couch: &CouchServer, sim_port: u16) -> Vec<String> {
    let couch_port = couch.url.rsplit(':').next().unwrap();
    let mut flags: Vec<String> =
        ["--network", "host", "--add-host", "couchdb:127.0.0.1", "--add-host", "cmsweb:127.0.0.1"]
            .map(String::from)
            .to_vec();
    for (k, v) in [
        ("DB_URL", format!("http://couchdb:{couch_port}")),
        ("STATS_DB_AUTH_HEADER", couch.admin_header()),
        ("CMSWEB_URL", format!("http://cmsweb:{sim_port}")),
        ("CMSWEB_PROD_URL", format!("http://cmsweb:{sim_port}")),
        ("RUST_LOG", "warn".to_owned()),
    ] {
        flags.push("-e".into());
        flags.push(format!("{k}={v}"));
    }
    flags
}

fn run_once(flags: &[String], args: &[&str]) {
    let mut all: Vec<&str> = vec!["--rm"];
    all.extend(flags.iter().map(String::as_str));
    all.push("stats2:latest");
    all.extend(args);
    let out = image_sh(&[&["run"], all.as_slice()].concat()).output().unwrap();
    assert!(out.status.success(), "stats2 {args:?} in the image failed:\n{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_initialises_updates_serves_and_stops_on_sigterm() {
    let probe = image_sh(&["can-run"]).output().unwrap();
    if !probe.status.success() {
        eprintln!("SKIPPED: podman cannot run containers on this machine: {}", text(&probe));
        return;
    }
    let inspect = podman(&["image", "inspect", "stats2:latest", "--format", "{{.Config.User}}|{{.Size}}"]);
    assert!(inspect.status.success(), "no stats2:latest image: run scripts/image.sh first (scripts/test.sh does)");
    let inspected = String::from_utf8_lossy(&inspect.stdout).trim().to_owned();
    let (user, size) = inspected.split_once('|').unwrap();
    assert_eq!(user, "1001:1001", "the image runs as the unprivileged uid 1001");
    assert!(size.parse::<u64>().unwrap() < 40 << 20, "image size {size} bytes is over 40 MB");

    let couch = CouchServer::start().await.unwrap();
    let sim = server::testkit::start_sim(SimConfig { scale: 6, ..SimConfig::default() }, CLOCK).await.unwrap();
    sim.sim.step(3600, false);
    let sim_port: u16 = sim.url.rsplit(':').next().unwrap().parse().unwrap();
    let flags = run_flags(&couch, sim_port);
    // As the Deployment's init container and the CronJob run them.
    run_once(&flags, &["db", "init"]);
    run_once(&flags, &["update", "--name", &first_sim_workflow(&sim)]);
    run_once(&flags, &["update"]);

    let port = free_port();
    let name = format!("stats2-test-{}-{port}", std::process::id());
    let _container = Container(name.clone());
    let mut all: Vec<String> = ["-d", "--name", &name, "-e", &format!("STATS_PORT={port}")].map(String::from).to_vec();
    all.extend(flags);
    all.push("stats2:latest".into());
    let args: Vec<&str> = std::iter::once("run").chain(all.iter().map(String::as_str)).collect();
    let out = image_sh(&args).output().unwrap();
    assert!(out.status.success(), "podman run -d failed:\n{}", text(&out));

    let origin = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    wait_ready(&origin, &name).await;
    eprintln!("the container was ready {:?} after `podman run -d` returned", started.elapsed());
    check_routes(&origin, &couch).await;
    let health = podman(&["healthcheck", "run", &name]);
    assert!(health.status.success(), "the image's health check (stats2 health) failed: {}", text(&health));

    // A dashboard holds the live stream open while Kubernetes sends SIGTERM.
    let events = reqwest::get(format!("{origin}/stats/events")).await.unwrap();
    assert!(events.status().is_success());
    let started = Instant::now();
    let stop = podman(&["stop", "-t", "10", &name]);
    let took = started.elapsed();
    assert!(stop.status.success(), "podman stop: {}", text(&stop));
    let code = podman(&["inspect", &name, "--format", "{{.State.ExitCode}}"]);
    let code = String::from_utf8_lossy(&code.stdout).trim().to_owned();
    assert_eq!(code, "0", "SIGTERM must end the server cleanly, not by SIGKILL after the grace period");
    assert!(took < Duration::from_secs(10), "stopping took {took:?}");
    eprintln!("podman stop took {took:?} with /events open");
    drop(events);
}

fn first_sim_workflow(sim: &server::testkit::SimServer) -> String {
    sim.sim.world().requests.keys().next().expect("the simulator has workflows").clone()
}

async fn wait_ready(origin: &str, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if reqwest::get(format!("{origin}/readyz")).await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        if Instant::now() > deadline {
            let logs = podman(&["logs", name]);
            panic!("the container did not become ready within 60 s:\n{}", text(&logs));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn check_routes(origin: &str, couch: &CouchServer) {
    let page = reqwest::get(format!("{origin}/stats/")).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(".wasm"), "the dashboard page loads the single-page app from the image:\n{html}");

    let ids: serde_json::Value =
        reqwest::get(format!("{}/requests/_all_docs?limit=20", couch.url)).await.unwrap().json().await.unwrap();
    let ids: Vec<&str> = ids["rows"].as_array().unwrap().iter().filter_map(|r| r["id"].as_str()).collect();
    let wf = ids.iter().find(|id| !id.starts_with("_design/")).expect("the update from the image stored workflows");
    let doc = reqwest::get(format!("{origin}/stats/api/get_json/{wf}")).await.unwrap();
    assert_eq!(doc.status(), 200);
    let doc: serde_json::Value = doc.json().await.unwrap();
    assert_eq!(doc["RequestName"], *wf);

    let health = reqwest::get(format!("{origin}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    let health: serde_json::Value = health.json().await.unwrap();
    assert_eq!(health["store"]["kind"], "couchdb");
}
