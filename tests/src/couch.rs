//! Starts `pouchdb-server` (npm, pinned in tests/couch/package-lock.json) on a free loopback
//! port with a fresh data directory and an admin account, and stops it on drop.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;

/// Admin user created on every test server.
pub const ADMIN: &str = "admin";
/// Its password.
pub const PASSWORD: &str = "s3cret-for-tests";

/// A running pouchdb-server.
pub struct CouchServer {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    _dir: tempfile::TempDir,
}

impl CouchServer {
    /// The `Authorization` header of the admin (what STATS_DB_AUTH_HEADER holds in production).
    pub fn admin_header(&self) -> String {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{ADMIN}:{PASSWORD}"));
        format!("Basic {token}")
    }

    /// Starts a server and waits until it answers and has its admin.
    pub async fn start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("config.json"), "{}")?;
        let port = crate::free_port();
        let child = spawn(dir.path(), port)?;
        let server = CouchServer { child, url: format!("http://127.0.0.1:{port}"), _dir: dir };
        server.wait_until_up().await?;
        let resp = reqwest::Client::new()
            .put(format!("{}/_config/admins/{ADMIN}", server.url))
            .body(format!("\"{PASSWORD}\""))
            .send()
            .await?;
        anyhow::ensure!(resp.status().is_success(), "creating the admin answered {}", resp.status());
        Ok(server)
    }

    /// Kills the server (as a crash would) and starts it again on the same port and data.
    pub async fn restart(&mut self, down_for: Duration) -> anyhow::Result<()> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        tokio::time::sleep(down_for).await;
        let port: u16 = self.url.rsplit(':').next().unwrap_or_default().parse()?;
        self.child = spawn(self._dir.path(), port)?;
        self.wait_until_up().await
    }

    async fn wait_until_up(&self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if client.get(&self.url).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            anyhow::ensure!(Instant::now() < deadline, "pouchdb-server did not start within 30 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn spawn(dir: &std::path::Path, port: u16) -> anyhow::Result<Child> {
    let bin = crate::repo_root().join("tests/couch/node_modules/pouchdb-server/bin/pouchdb-server");
    anyhow::ensure!(
        bin.exists(),
        "pouchdb-server is not installed at {}: run scripts/ensure-tools.sh (or `npm ci --omit=optional` in tests/couch)",
        bin.display()
    );
    Ok(Command::new("node")
        .arg("--max-old-space-size=1024")
        .arg(&bin)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--dir")
        .arg(dir)
        .arg("--config")
        .arg(dir.join("config.json"))
        .arg("--no-stdout-logs")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?)
}

impl Drop for CouchServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
