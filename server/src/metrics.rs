//! Process metrics in the Prometheus text format (`/metrics`, docs/decisions.md "Operations"): counters and
//! histograms with labels, recorded by the HTTP layer, the upstream client, the updater and
//! the callback deliverer. Small and dependency-free: a mutex-guarded map, updated at most a
//! few thousand times a second.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, OnceLock};

/// Upper bounds of the latency and duration histograms, in seconds.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0];

type Key = (&'static str, Vec<(&'static str, String)>);

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Registry {
    counters: BTreeMap<Key, f64>,
    gauges: BTreeMap<Key, f64>,
    histograms: BTreeMap<Key, Histogram>,
}

fn registry() -> &'static Mutex<Registry> {
    static R: OnceLock<Mutex<Registry>> = OnceLock::new();
    R.get_or_init(Mutex::default)
}

fn with<T>(f: impl FnOnce(&mut Registry) -> T) -> T {
    f(&mut registry().lock().unwrap_or_else(|p| p.into_inner()))
}

fn key(name: &'static str, labels: &[(&'static str, &str)]) -> Key {
    (name, labels.iter().map(|(k, v)| (*k, (*v).to_owned())).collect())
}

/// Adds `by` to a counter.
pub fn count(name: &'static str, labels: &[(&'static str, &str)], by: f64) {
    with(|r| *r.counters.entry(key(name, labels)).or_default() += by);
}

/// Sets a gauge.
pub fn gauge(name: &'static str, labels: &[(&'static str, &str)], value: f64) {
    with(|r| {
        r.gauges.insert(key(name, labels), value);
    });
}

/// Records one observation (seconds) in a histogram.
pub fn observe(name: &'static str, labels: &[(&'static str, &str)], seconds: f64) {
    with(|r| {
        let h = r.histograms.entry(key(name, labels)).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    });
}

fn labels(l: &[(&'static str, String)], extra: Option<(&str, String)>) -> String {
    let mut parts: Vec<String> =
        l.iter().map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    if let Some((k, v)) = extra {
        parts.push(format!("{k}=\"{v}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

/// Everything, in the Prometheus text exposition format.
pub fn render() -> String {
    with(|r| {
        let mut out = String::new();
        let mut typed = std::collections::HashSet::new();
        let mut header = |out: &mut String, name: &str, kind: &str| {
            if typed.insert(name.to_owned()) {
                let _ = writeln!(out, "# TYPE {name} {kind}");
            }
        };
        for ((name, l), v) in &r.counters {
            header(&mut out, name, "counter");
            let _ = writeln!(out, "{name}{} {v}", labels(l, None));
        }
        for ((name, l), v) in &r.gauges {
            header(&mut out, name, "gauge");
            let _ = writeln!(out, "{name}{} {v}", labels(l, None));
        }
        for ((name, l), h) in &r.histograms {
            header(&mut out, name, "histogram");
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "{name}_bucket{} {}", labels(l, Some(("le", bound.to_string()))), h.counts[i]);
            }
            let _ = writeln!(out, "{name}_bucket{} {}", labels(l, Some(("le", "+Inf".into()))), h.count);
            let _ = writeln!(out, "{name}_sum{} {}", labels(l, None), h.sum);
            let _ = writeln!(out, "{name}_count{} {}", labels(l, None), h.count);
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format_with_labels_and_buckets() {
        count("stats2_test_total", &[("route", "/a\"b")], 2.0);
        observe("stats2_test_seconds", &[("endpoint", "dbs")], 0.03);
        gauge("stats2_test_pending", &[], 5.0);
        let text = render();
        assert!(text.contains("# TYPE stats2_test_total counter\nstats2_test_total{route=\"/a\\\"b\"} 2"), "{text}");
        assert!(text.contains("stats2_test_seconds_bucket{endpoint=\"dbs\",le=\"0.025\"} 0"));
        assert!(text.contains("stats2_test_seconds_bucket{endpoint=\"dbs\",le=\"0.05\"} 1"));
        assert!(text.contains("stats2_test_seconds_count{endpoint=\"dbs\"} 1"));
        assert!(text.contains("stats2_test_pending 5"));
    }
}
