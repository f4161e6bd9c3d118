//! `stats2 health`: the container health check. Scratch images have no shell and no curl, so
//! the binary itself asks the server it runs beside; the exit code is the verdict.

use crate::config::HealthArgs;

/// Probes `http://127.0.0.1:<port><path>`; 0 when it answers 2xx in time, 1 otherwise.
pub async fn probe(args: &HealthArgs) -> i32 {
    let url = format!("http://127.0.0.1:{}{}", args.port, args.path);
    let client = match reqwest::Client::builder().timeout(args.timeout).build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("unhealthy: cannot build an HTTP client: {e}");
            return 1;
        }
    };
    match client.get(&url).send().await {
        Ok(resp) if resp.status().is_success() => {
            println!("healthy: {url} answered {}", resp.status());
            0
        }
        Ok(resp) => {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            eprintln!("unhealthy: {url} answered {status}: {}", body.trim());
            1
        }
        Err(e) => {
            eprintln!("unhealthy: {url}: {e}");
            1
        }
    }
}
