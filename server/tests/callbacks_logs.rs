//! X16: no secret or token in the logs, whatever happens during token requests and delivery.
//! In its own test binary: capturing thread-local logs while other tests run in parallel
//! threads is unreliable (tracing caches per-callsite interest globally).
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};

use server::callbacks::{outbox, Deliverer, Env};
use server::sim::pdmv::CLIENT_SECRET;
use server::sim::SimConfig;
use support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn x16_no_secret_in_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber =
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let s = sim(SimConfig { scale: 4, ..SimConfig::default() }).await;
        s.sim.step(3600, false);
        let (store, _dir) = sqlite().await;
        run(&store, &upstream(&s.url, 0)).await.unwrap();
        let names: Vec<String> = s.sim.world().requests.keys().cloned().collect();
        for n in &names {
            outbox::enqueue(&*store, n, &[Env::Prod]).await.unwrap();
        }
        s.sim.set_error_rate(0.5);
        deliverer(&s.url).deliver(&store, true).await.unwrap();
        let bad =
            Deliverer::new(creds("http://127.0.0.1:9", CLIENT_SECRET), "http://127.0.0.1:9", "http://127.0.0.1:9", 1)
                .unwrap();
        bad.deliver(&store, true).await.unwrap();
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("callback failed"), "the test captured the delivery logs");
    assert!(!logs.contains(CLIENT_SECRET), "the client secret appeared in the logs");
    assert!(!logs.contains("tok-"), "no bearer token in the logs");
}
