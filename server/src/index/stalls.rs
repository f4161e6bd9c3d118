//! Which workflows are stalled now. "Stalled" depends on the clock (no change for two days),
//! so it cannot be stored as a flag; each workflow has a time from which it counts as stalled,
//! and a heap of those times moves workflows into the stalled set as the clock passes them.
//! Counting and paging the stalled workflows then costs what a page costs, not a full scan.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

use super::intern::Sym;

/// The stalled set and the times that will grow it.
#[derive(Default)]
pub struct Stalls {
    due: BinaryHeap<Reverse<(i64, Sym)>>,
    since: HashMap<Sym, i64>,
    /// Workflows stalled at the last `advance`, in id order.
    pub stalled: BTreeSet<Sym>,
}

impl Stalls {
    /// Records that `name` stalls after `at` (`None`: it cannot stall).
    pub fn set(&mut self, name: &Sym, at: Option<i64>) {
        self.stalled.remove(name);
        match at {
            Some(t) => {
                self.since.insert(name.clone(), t);
                self.due.push(Reverse((t, name.clone())));
            }
            None => {
                self.since.remove(name);
            }
        }
        // Entries of replaced times wait in the heap until due; rebuild when they dominate.
        if self.due.len() > 2 * self.since.len() + 1024 {
            self.due = self.since.iter().map(|(n, t)| Reverse((*t, n.clone()))).collect();
            self.stalled.clear();
        }
    }

    /// Whether `advance(now)` has anything to do.
    pub fn is_due(&self, now: i64) -> bool {
        self.due.peek().is_some_and(|Reverse((t, _))| *t < now)
    }

    /// Moves every workflow whose stall time is before `now` into the stalled set.
    pub fn advance(&mut self, now: i64) {
        while self.is_due(now) {
            let Some(Reverse((t, name))) = self.due.pop() else { break };
            if self.since.get(&name) == Some(&t) {
                self.stalled.insert(name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflows_enter_the_set_when_their_time_passes_and_leave_it_when_they_change() {
        let mut s = Stalls::default();
        let (a, b): (Sym, Sym) = ("a".into(), "b".into());
        s.set(&a, Some(10));
        s.set(&b, Some(20));
        s.advance(10);
        assert!(s.stalled.is_empty(), "stalled only after the time");
        s.advance(11);
        assert_eq!(s.stalled.iter().map(|n| &**n).collect::<Vec<_>>(), ["a"]);
        s.set(&a, Some(30));
        s.advance(25);
        assert_eq!(s.stalled.iter().map(|n| &**n).collect::<Vec<_>>(), ["b"], "a moved on, b stalled");
        s.set(&b, None);
        s.advance(1000);
        assert_eq!(s.stalled.iter().map(|n| &**n).collect::<Vec<_>>(), ["a"]);
    }
}
