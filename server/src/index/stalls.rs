//! Which workflows are stalled now. "Stalled" depends on the clock (no change for two days),
//! so it cannot be stored as a flag; each workflow has a time from which it counts as stalled,
//! and a heap of those times moves workflows into the stalled set as the clock passes them.
//! Counting and paging the stalled workflows then costs what a page costs, not a full scan.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::intern::Sym;

/// The stalled set and the times that will grow it. Each workflow's current stall time lives
/// in its record; a heap entry whose time is no longer the record's is skipped when due.
#[derive(Default)]
pub struct Stalls {
    due: BinaryHeap<Reverse<(i64, Sym)>>,
    /// Workflows that can stall (heap entries beyond these are outdated).
    stallable: usize,
    /// Workflows stalled at the last `advance`, in id order, with their slots (a walk over
    /// 100,000 stalled workflows then looks up no name).
    pub stalled: BTreeMap<Sym, u32>,
}

impl Stalls {
    /// Records that `name`, which could stall after `before` (`None`: it could not), now
    /// stalls after `at`. `all` lists every workflow's current stall time, for the rare
    /// rebuild of the heap once outdated entries dominate it.
    pub fn set<I>(&mut self, name: &Sym, before: Option<i64>, at: Option<i64>, all: impl FnOnce() -> I)
    where
        I: Iterator<Item = (i64, Sym)>,
    {
        self.stalled.remove(name);
        self.stallable = self.stallable - usize::from(before.is_some()) + usize::from(at.is_some());
        if let Some(t) = at {
            self.due.push(Reverse((t, name.clone())));
        }
        if self.due.len() > 2 * self.stallable + 1024 {
            self.due = all().map(Reverse).collect();
            self.stalled.clear();
        }
    }

    /// Whether `advance(now)` has anything to do.
    pub fn is_due(&self, now: i64) -> bool {
        self.due.peek().is_some_and(|Reverse((t, _))| *t < now)
    }

    /// Moves every workflow whose stall time is before `now` into the stalled set; `current`
    /// gives a workflow's stall time and slot.
    pub fn advance(&mut self, now: i64, current: impl Fn(&Sym) -> Option<(i64, u32)>) {
        while self.is_due(now) {
            let Some(Reverse((t, name))) = self.due.pop() else { break };
            if let Some((_, slot)) = current(&name).filter(|(at, _)| *at == t) {
                self.stalled.insert(name, slot);
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
        let mut times: std::collections::HashMap<Sym, i64> = Default::default();
        let (a, b): (Sym, Sym) = ("a".into(), "b".into());
        let mut set = |s: &mut Stalls, n: &Sym, at: Option<i64>| {
            let before = match at {
                Some(t) => times.insert(n.clone(), t),
                None => times.remove(n),
            };
            let all: Vec<(i64, Sym)> = times.iter().map(|(n, t)| (*t, n.clone())).collect();
            s.set(n, before, at, || all.into_iter());
            times.clone()
        };
        set(&mut s, &a, Some(10));
        let now = set(&mut s, &b, Some(20));
        s.advance(10, |n| now.get(n).map(|t| (*t, 0)));
        assert!(s.stalled.is_empty(), "stalled only after the time");
        s.advance(11, |n| now.get(n).map(|t| (*t, 0)));
        assert_eq!(s.stalled.keys().map(|n| &**n).collect::<Vec<_>>(), ["a"]);
        let now = set(&mut s, &a, Some(30));
        s.advance(25, |n| now.get(n).map(|t| (*t, 0)));
        assert_eq!(s.stalled.keys().map(|n| &**n).collect::<Vec<_>>(), ["b"], "a moved on, b stalled");
        let now = set(&mut s, &b, None);
        s.advance(1000, |n| now.get(n).map(|t| (*t, 0)));
        assert_eq!(s.stalled.keys().map(|n| &**n).collect::<Vec<_>>(), ["a"]);
    }
}
