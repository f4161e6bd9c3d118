//! The newest entries of a long list without building the list: a list of "What changed"
//! over 90 days of 200,000 workflows has half a million transitions, of which the answer
//! shows 1,000. Entries are kept in a heap bounded to that many, keyed by what the answer
//! sorts by (newest first, then a name, then arrival, as a stable sort would leave ties), and
//! only the kept ones are ever turned into owned text. Every entry is counted.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One kept entry: its sort key and what it will become.
struct Kept<'a, T> {
    time: i64,
    name: &'a str,
    seq: u64,
    item: T,
}

impl<T> Kept<'_, T> {
    /// Answer order: newest first, then by name, then by arrival.
    fn order(&self, other: &Self) -> Ordering {
        other.time.cmp(&self.time).then_with(|| self.name.cmp(other.name)).then(self.seq.cmp(&other.seq))
    }
}

impl<T> PartialEq for Kept<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.order(other) == Ordering::Equal
    }
}

impl<T> Eq for Kept<'_, T> {}

impl<T> PartialOrd for Kept<'_, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Kept<'_, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.order(other)
    }
}

/// The first `cap` entries in answer order of all those offered, and how many were offered.
pub struct Newest<'a, T> {
    cap: usize,
    heap: BinaryHeap<Kept<'a, T>>,
    seen: u64,
}

impl<'a, T> Newest<'a, T> {
    /// Keeps at most `cap`.
    pub fn new(cap: usize) -> Self {
        Newest { cap, heap: BinaryHeap::with_capacity(cap + 1), seen: 0 }
    }

    /// Offers an entry sorted by `time` (newest first) and `name`.
    pub fn offer(&mut self, time: i64, name: &'a str, item: T) {
        let kept = Kept { time, name, seq: self.seen, item };
        self.seen += 1;
        if self.heap.len() < self.cap {
            self.heap.push(kept);
        } else if self.heap.peek().is_some_and(|last| kept < *last) {
            self.heap.pop();
            self.heap.push(kept);
        }
    }

    /// How many were offered.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The kept entries in answer order, made into answers by `make`.
    pub fn into_sorted<U>(self, mut make: impl FnMut(T) -> U) -> Vec<U> {
        self.heap.into_sorted_vec().into_iter().map(|k| make(k.item)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_a_stable_sort_would_put_first() {
        let names: Vec<String> = (0..50).map(|i| format!("w{}", i % 7)).collect();
        let mut newest = Newest::new(10);
        let mut all = Vec::new();
        for (i, n) in names.iter().enumerate() {
            let time = (i as i64 * 13) % 5;
            newest.offer(time, n, i);
            all.push((time, n.as_str(), i));
        }
        all.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let want: Vec<usize> = all.iter().take(10).map(|e| e.2).collect();
        assert_eq!(newest.seen(), 50);
        assert_eq!(newest.into_sorted(|i| i), want);
    }
}
