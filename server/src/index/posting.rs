//! The workflows one key value lists. Most values (an output dataset, a PrepID, an input
//! dataset) belong to one workflow, and there are hundreds of thousands of them, so a posting
//! of one slot is that slot alone (16 bytes with its tag); a longer one keeps its list, its
//! count of distinct workflows and, when dense, a bit per slot behind one box.

use std::sync::Arc;

use super::record::Record;

/// Where a record lives in the state's table: postings hold these (4 bytes, no pointer to
/// follow), so a filter can walk and intersect them without touching the records.
pub type Slot = u32;

/// One bit per slot: which records a dense posting holds, so an AND filter checks a second
/// parameter by a bit test instead of reading each candidate's keys.
#[derive(Default)]
pub struct Bits(Vec<u64>);

impl Bits {
    /// Sets or clears the bit of `slot`.
    pub fn set(&mut self, slot: Slot, on: bool) {
        let (word, bit) = (slot as usize / 64, slot % 64);
        if word >= self.0.len() {
            if !on {
                return;
            }
            self.0.resize(word + 1, 0);
        }
        if on {
            self.0[word] |= 1 << bit;
        } else {
            self.0[word] &= !(1 << bit);
        }
    }

    /// Whether the bit of `slot` is set.
    pub fn get(&self, slot: Slot) -> bool {
        self.0.get(slot as usize / 64).is_some_and(|w| w >> (slot % 64) & 1 == 1)
    }

    /// The set slots in ascending order: a pass over per-slot arrays in this order reads them
    /// front to back instead of jumping about (id order is not slot order).
    pub fn ones(&self) -> impl Iterator<Item = Slot> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &word)| {
            let mut w = word;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros();
                    w &= w - 1;
                    i as Slot * 64 + bit
                })
            })
        })
    }
}

impl FromIterator<Slot> for Bits {
    fn from_iter<I: IntoIterator<Item = Slot>>(slots: I) -> Self {
        let mut bits = Bits::default();
        slots.into_iter().for_each(|s| bits.set(s, true));
        bits
    }
}

/// Workflows one view key lists, in id order, a workflow repeated as often as the view emits
/// the key for it (S11: repeated output datasets).
#[derive(Default)]
pub enum Posting {
    /// No workflow (only while a posting is being filled or emptied).
    #[default]
    Empty,
    /// One workflow, listed once.
    One(Slot),
    /// More than one slot.
    Many(Box<Many>),
}

/// A posting of more than one slot.
#[derive(Default)]
pub struct Many {
    /// Slots in id order, repeats adjacent.
    slots: Vec<Slot>,
    /// Distinct workflows (exact once the build has sorted the posting).
    distinct: usize,
    /// Membership by slot, kept while at least one record in 32 holds the key (the bits then
    /// take no more room than the slot list itself).
    bits: Option<Bits>,
}

fn name_of(table: &[Option<Arc<Record>>], slot: Slot) -> &str {
    table.get(slot as usize).and_then(Option::as_ref).map_or("", |r| &r.name)
}

impl Posting {
    /// Slots in id order, repeats adjacent.
    pub fn slots(&self) -> &[Slot] {
        match self {
            Posting::Empty => &[],
            Posting::One(slot) => std::slice::from_ref(slot),
            Posting::Many(m) => &m.slots,
        }
    }

    /// Distinct workflows.
    pub fn distinct(&self) -> usize {
        match self {
            Posting::Empty => 0,
            Posting::One(_) => 1,
            Posting::Many(m) => m.distinct,
        }
    }

    /// Whether the posting keeps bits (is dense enough to).
    pub fn has_bits(&self) -> bool {
        matches!(self, Posting::Many(m) if m.bits.is_some())
    }

    /// Whether the posting holds `slot`, when it keeps bits to say so cheaply.
    pub fn holds(&self, slot: Slot) -> Option<bool> {
        match self {
            Posting::Many(m) => m.bits.as_ref().map(|b| b.get(slot)),
            _ => None,
        }
    }

    /// The list form, for a change that makes or keeps it longer than one slot.
    fn many(&mut self) -> &mut Many {
        if let Posting::Empty | Posting::One(_) = self {
            let slots: Vec<Slot> = self.slots().to_vec();
            *self = Posting::Many(Box::new(Many { distinct: slots.len(), slots, bits: None }));
        }
        match self {
            Posting::Many(m) => m,
            _ => unreachable!("made a list above"),
        }
    }

    /// Back to the short forms when a removal leaves at most one slot.
    fn shrink(&mut self) {
        if let Posting::Many(m) = self {
            match m.slots.as_slice() {
                [] => *self = Posting::Empty,
                [one] => *self = Posting::One(*one),
                _ => {}
            }
        }
    }

    /// Appends without keeping the order (the initial build sorts once at the end: the feed
    /// delivers documents in write order, and sorted inserts would cost a shift each).
    pub(super) fn push(&mut self, slot: Slot) {
        match self {
            Posting::Empty => *self = Posting::One(slot),
            _ => self.many().slots.push(slot),
        }
    }

    pub(super) fn sort(&mut self, table: &[Option<Arc<Record>>]) {
        let Posting::Many(m) = self else { return };
        m.slots.sort_unstable_by(|a, b| name_of(table, *a).cmp(name_of(table, *b)));
        m.slots.shrink_to_fit();
        m.distinct = m.slots.len() - m.slots.windows(2).filter(|w| w[0] == w[1]).count();
        m.balance(table.len());
    }

    pub(super) fn insert(&mut self, slot: Slot, table: &[Option<Arc<Record>>]) {
        if let Posting::Empty = self {
            *self = Posting::One(slot);
            return;
        }
        let m = self.many();
        let name = name_of(table, slot);
        let at = m.slots.partition_point(|s| name_of(table, *s) <= name);
        if at == 0 || m.slots[at - 1] != slot {
            m.distinct += 1;
        }
        m.slots.insert(at, slot);
        if let Some(b) = &mut m.bits {
            b.set(slot, true);
        }
        m.balance(table.len());
    }

    pub(super) fn remove(&mut self, slot: Slot, table: &[Option<Arc<Record>>], sorted: bool) {
        match self {
            Posting::Empty => return,
            Posting::One(s) if *s == slot => *self = Posting::Empty,
            Posting::One(_) => return,
            Posting::Many(m) if !sorted => m.slots.retain(|s| *s != slot),
            Posting::Many(m) => m.remove(slot, table),
        }
        self.shrink();
    }
}

impl Many {
    fn remove(&mut self, slot: Slot, table: &[Option<Arc<Record>>]) {
        let name = name_of(table, slot);
        let start = self.slots.partition_point(|s| name_of(table, *s) < name);
        let end = self.slots.partition_point(|s| name_of(table, *s) <= name);
        if end > start {
            self.slots.drain(start..end);
            self.distinct -= 1;
        }
        if let Some(b) = &mut self.bits {
            b.set(slot, false);
        }
        self.balance(table.len());
    }

    /// Keeps bits while the posting is dense; twice the threshold to drop them, so a posting
    /// near it does not rebuild them on every change.
    fn balance(&mut self, capacity: usize) {
        let dense = self.distinct >= 64 && self.distinct * 32 >= capacity;
        match (&self.bits, dense) {
            (None, true) => {
                self.bits = Some(self.slots.iter().copied().collect());
            }
            (Some(_), false) if self.distinct < 32 || self.distinct * 64 < capacity => self.bits = None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::intern::Interner;
    use serde_json::json;

    #[test]
    fn ones_are_the_set_slots_in_ascending_order() {
        let mut bits = Bits::default();
        for s in [200, 3, 64, 63, 0, 127, 3] {
            bits.set(s, true);
        }
        bits.set(127, false);
        assert_eq!(bits.ones().collect::<Vec<_>>(), [0, 3, 63, 64, 200]);
        assert_eq!(Bits::default().ones().count(), 0);
    }

    fn table(names: &[&str]) -> Vec<Option<Arc<Record>>> {
        let record = |n: &&str| Some(Arc::new(Record::from_doc(json!({"_id": n}), &mut Interner::default())));
        names.iter().map(record).collect()
    }

    #[test]
    fn a_posting_moves_between_its_forms_and_keeps_order_and_counts() {
        let t = table(&["c", "a", "b"]);
        let mut p = Posting::default();
        p.insert(0, &t);
        assert!(matches!(p, Posting::One(0)) && p.distinct() == 1);
        p.insert(0, &t);
        assert_eq!((p.slots(), p.distinct()), (&[0, 0][..], 1), "a repeat is listed, not counted");
        p.insert(1, &t);
        p.insert(2, &t);
        assert_eq!((p.slots(), p.distinct()), (&[1, 2, 0, 0][..], 3), "id order: a, b, c");
        p.remove(0, &t, true);
        p.remove(2, &t, true);
        assert!(matches!(p, Posting::One(1)), "one slot left is the short form again");
        p.remove(1, &t, true);
        assert!(matches!(p, Posting::Empty) && p.slots().is_empty());
    }

    #[test]
    fn the_build_appends_then_sorts_once() {
        let t = table(&["c", "a", "b"]);
        let mut p = Posting::default();
        [0, 1, 1, 2].into_iter().for_each(|s| p.push(s));
        p.sort(&t);
        assert_eq!((p.slots(), p.distinct()), (&[1, 1, 2, 0][..], 3));
        p.remove(1, &t, false);
        assert_eq!(p.slots(), &[2, 0]);
    }
}
