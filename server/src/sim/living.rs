//! The demo's production, alive for as long as the demo runs. The tests' world moves every
//! request each step and is over after a dozen; here each tick moves only some: requests are
//! set up a status at a time, produce for minutes (a few pause for a while: they stall), then
//! close, complete and are announced, their datasets turning VALID (one in twenty-five
//! INVALID); now and then a new request arrives and, rarely, one is deleted. So every view
//! always has something changing.
//!
//! Its sequence numbers start at the wall clock in milliseconds: a demo restarted on the same
//! store resumes the feed from a position past any earlier simulator's numbers, and a
//! simulator starting from 0 would have nothing newer than that for hours. Its requests are
//! named after when they were made, so a restart adds new requests instead of winding old
//! ones back to "new".

use serde_json::json;

use super::templates;
use super::world::{derived_request, World, STATUSES};

/// Status index of `running-open`, where production starts.
const RUNNING: usize = 4;
/// Ticks a production lasts at a request's `speed` (0.1 to 0.5): 60 to 300 ticks.
const SLOWER: f64 = 30.0;

impl World {
    /// A living world of `scale` requests made at `clock`, numbered from the wall clock on.
    pub fn living(scale: usize, seed: u64, clock: i64) -> World {
        let mut w = World::generate_named(scale, None, seed ^ clock as u64, clock, Some(clock));
        let base = u64::try_from(clock).unwrap_or(0).saturating_mul(1000);
        w.seq = w.seq.saturating_add(base);
        w.requests.values_mut().for_each(|r| r.seq = r.seq.saturating_add(base));
        w
    }

    /// One tick of `seconds` of living production (see the module's note).
    pub fn live_step(&mut self, seconds: i64) {
        self.clock += seconds;
        if self.next().is_multiple_of(12) {
            self.create_request();
        }
        let names: Vec<String> = self.requests.keys().cloned().collect();
        for name in names {
            // About one deletion an hour and a half among a few hundred requests.
            if self.next().is_multiple_of(200_000) && self.requests.get(&name).is_some_and(|r| r.status > 0) {
                self.requests.remove(&name);
                self.seq += 1;
                self.deleted.insert(name, self.seq);
                continue;
            }
            self.live_request(&name);
        }
    }

    /// A new request, named after now.
    fn create_request(&mut self) {
        let templates = templates::requests();
        let i = self.requests.len() + self.deleted.len();
        let (name, doc) = derived_request(i, templates, None, "", (self.clock, Some(self.clock)));
        if !self.requests.contains_key(&name) {
            self.insert_request(name, doc);
        }
    }

    /// One request's tick: maybe a status change (a ReqMgr2 change), maybe events (DBS).
    fn live_request(&mut self, name: &str) {
        let roll = self.next();
        let clock = self.clock;
        let Some(r) = self.requests.get_mut(name) else { return };
        if r.target_events == 0 {
            return;
        }
        let next = match r.status {
            s if s < RUNNING => roll.is_multiple_of(6).then_some(s + 1),
            RUNNING => {
                // A pause starts one tick in 400 and ends one in 60 (about five minutes).
                r.paused = if r.paused { !roll.is_multiple_of(60) } else { roll % 400 == 7 };
                if !r.paused {
                    r.progress = (r.progress + r.speed / SLOWER).min(1.0);
                }
                (r.progress >= 1.0).then_some(RUNNING + 1)
            }
            s if s + 1 < STATUSES.len() => roll.is_multiple_of(8).then_some(s + 1),
            _ => None,
        };
        if let Some(status) = next {
            r.status = status;
            r.doc.insert("RequestStatus".into(), json!(STATUSES[status]));
            if let Some(serde_json::Value::Array(t)) = r.doc.get_mut("RequestTransition") {
                t.push(json!({"Status": STATUSES[status], "UpdateTime": clock, "DN": "sim"}));
            }
            self.seq += 1;
            r.seq = self.seq;
        }
        let announced = r.status == STATUSES.len() - 1;
        let access = match (announced, r.fails) {
            (false, _) => "PRODUCTION",
            (true, false) => "VALID",
            (true, true) => "INVALID",
        };
        self.grow_outputs(name, access);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four hours in, the living world still moves every hour: statuses change, events
    /// grow, requests arrive; nothing is stamped in the future; sequence numbers start past
    /// the wall clock, so a restart's feed position is behind the new simulator's.
    #[test]
    fn a_living_world_keeps_moving_and_numbers_from_the_clock() {
        let start = 1_800_000_000;
        let mut w = World::living(60, 7, start);
        assert!(w.seq > start as u64 * 1000);
        let names_at_start: Vec<String> = w.requests.keys().cloned().collect();
        assert!(names_at_start.iter().all(|n| n.contains("_270115_080000_")), "{names_at_start:?}");
        let mut moved = Vec::new();
        for hour in 0..4 {
            let (seq, events) = (w.seq, w.datasets.values().map(|d| d.events).sum::<i64>());
            for _ in 0..720 {
                w.live_step(5);
            }
            let grown = w.datasets.values().map(|d| d.events).sum::<i64>() > events;
            moved.push((hour, w.seq - seq, grown));
        }
        assert!(moved.iter().all(|(_, changes, grown)| *changes >= 20 && *grown), "{moved:?}");
        assert!(w.requests.len() > 60 + 150, "about one new request a minute: {}", w.requests.len());
        let transitions =
            w.requests.values().flat_map(|r| r.doc["RequestTransition"].as_array().cloned().unwrap_or_default());
        assert!(transitions.clone().all(|t| t["UpdateTime"].as_i64().unwrap() <= w.clock));
        assert!(
            w.datasets.values().any(|d| d.access == Some("INVALID"))
                && w.datasets.values().any(|d| d.access == Some("VALID"))
        );
        // Restarted when this one stopped: numbered past it, with requests of its own.
        let restarted = World::living(60, 7, w.clock);
        assert!(restarted.seq > w.seq);
        assert!(restarted.requests.keys().all(|n| !w.requests.contains_key(n) && !w.deleted.contains_key(n)));
    }
}
