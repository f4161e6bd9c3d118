//! Headless Chromium driven over WebDriver (Debian's chromium and chromium-driver).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::json;

/// A chromedriver process and a WebDriver session on it; both end on [`Browser::close`]
/// (or, less tidily, on drop).
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium session with a fresh
    /// profile and the flags that keep it off the (closed) network.
    pub async fn start(width: u32, height: u32) -> anyhow::Result<Self> {
        let port = crate::free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| anyhow::anyhow!("chromedriver could not start ({e}); run scripts/ensure-tools.sh"))?;
        let profile = tempfile::tempdir()?;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"),
                ]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector).capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => anyhow::bail!("no WebDriver session within 30 s: {e}"),
            }
        };
        Ok(Browser { client, driver, _profile: profile })
    }

    /// Ends the session and stops chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }

    /// Names of the workflow rows shown, in page order; empty while the table is being
    /// replaced (its elements go stale).
    pub async fn rows(&self) -> Vec<String> {
        let mut out = Vec::new();
        for r in self.client.find_all(fantoccini::Locator::Css("tr.workflow")).await.unwrap_or_default() {
            match r.attr("data-name").await {
                Ok(Some(n)) => out.push(n),
                _ => return Vec::new(),
            }
        }
        out
    }

    /// Writes a PNG screenshot to `target/screenshots/<name>.png` for a person to look at.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<std::path::PathBuf> {
        let png = self.client.screenshot().await?;
        let dir = crate::repo_root().join("target/screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Polls `probe` every 100 ms until it gives a value, for at most 20 s (then panics saying
/// `what`): the page answers asynchronously.
pub async fn wait_until<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
