//! The index's data: records in id order (the order every listing pages in), postings per
//! filter key and value (what the views would answer), and the stalled set. Changes come
//! from the store's feed, one document at a time; nothing here reads the store.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use app::filter::FilterKey;
use serde_json::Value;

use super::intern::{Interner, Sym};
use super::record::Record;
use super::stalls::Stalls;
use super::sums::Sums;

/// Workflows one view key lists, in id order, a workflow repeated as often as the view emits
/// the key for it (S11: repeated output datasets). Holding the records themselves (not their
/// names) lets a filter walk a posting without one look-up per workflow.
#[derive(Default)]
pub struct Posting {
    /// Records in id order, repeats adjacent.
    pub ids: Vec<Arc<Record>>,
    /// Distinct workflows.
    pub distinct: usize,
}

impl Posting {
    /// Appends without keeping the order (the initial build sorts once at the end: the feed
    /// delivers documents in write order, and sorted inserts would cost a shift each).
    fn push(&mut self, r: &Arc<Record>) {
        self.ids.push(r.clone());
    }

    fn sort(&mut self) {
        self.ids.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        self.distinct = self.ids.len() - self.ids.windows(2).filter(|w| w[0].name == w[1].name).count();
    }

    fn insert(&mut self, r: &Arc<Record>) {
        let at = self.ids.partition_point(|n| n.name <= r.name);
        if at == 0 || self.ids[at - 1].name != r.name {
            self.distinct += 1;
        }
        self.ids.insert(at, r.clone());
    }

    fn remove(&mut self, name: &Sym, sorted: bool) {
        if !sorted {
            self.ids.retain(|n| n.name != *name);
            return;
        }
        let start = self.ids.partition_point(|n| n.name < *name);
        let end = self.ids.partition_point(|n| n.name <= *name);
        if end > start {
            self.ids.drain(start..end);
            self.distinct -= 1;
        }
    }
}

/// Everything the index holds.
#[derive(Default)]
pub struct State {
    /// Every workflow, by id.
    pub records: BTreeMap<Sym, Arc<Record>>,
    /// Per filter key and value, the workflows the view lists.
    pub postings: HashMap<FilterKey, HashMap<Sym, Posting>>,
    /// Stalled workflows.
    pub stalls: Stalls,
    /// Pre-summed aggregates of every workflow and of each campaign.
    pub sums: Sums,
    interner: Interner,
    /// Postings are unsorted until [`State::finish_build`].
    building: bool,
}

impl State {
    /// Adds or replaces the workflow of a stored document.
    pub fn upsert(&mut self, doc: Value) {
        let record = Record::from_doc(doc, &mut self.interner);
        self.insert(record);
    }

    /// Adds or replaces a workflow's record.
    pub fn insert(&mut self, mut record: Record) {
        self.remove(&record.name.clone());
        // One shared text per key value (records may come from other interners), so filters
        // compare keys by pointer.
        for (key, value) in record.keys.iter_mut() {
            if let Some((canon, _)) = self.postings.get(key).and_then(|m| m.get_key_value(&**value)) {
                *value = canon.clone();
            }
        }
        let record = Arc::new(record);
        for (key, value) in record.keys.iter() {
            let p = self.postings.entry(*key).or_default().entry(value.clone()).or_default();
            if self.building {
                p.push(&record);
            } else {
                p.insert(&record);
            }
        }
        self.stalls.set(&record.name, record.stalled_since);
        self.sums.apply(&record, 1);
        self.records.insert(record.name.clone(), record);
    }

    /// Forgets a workflow (deleted from the store).
    pub fn remove(&mut self, name: &str) {
        let Some(old) = self.records.remove(name) else { return };
        for (key, value) in old.keys.iter() {
            let Some(by_value) = self.postings.get_mut(key) else { continue };
            if let Some(p) = by_value.get_mut(value) {
                p.remove(&old.name, !self.building);
                if p.ids.is_empty() {
                    by_value.remove(value);
                }
            }
        }
        self.stalls.set(&old.name, None);
        self.sums.apply(&old, -1);
        self.interner.sweep_if_due();
    }

    /// A state for the initial build: postings are sorted once by [`State::finish_build`].
    pub fn building() -> Self {
        State { building: true, ..State::default() }
    }

    /// Ends the initial build: postings sorted, counts exact.
    pub fn finish_build(&mut self) {
        if std::mem::take(&mut self.building) {
            self.postings.values_mut().flat_map(|m| m.values_mut()).for_each(Posting::sort);
        }
    }

    /// The posting of one key and value, if any workflow has it.
    pub fn posting(&self, key: FilterKey, value: &str) -> Option<&Posting> {
        self.postings.get(&key)?.get(value)
    }

    /// The shared text every record holding `key = value` points to, if any does.
    pub fn key_text(&self, key: FilterKey, value: &str) -> Option<&Sym> {
        self.postings.get(&key)?.get_key_value(value).map(|(k, _)| k)
    }

    /// Distinct texts the index shares.
    pub fn texts(&self) -> usize {
        self.interner.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn postings_follow_upserts_and_deletions_with_repeats_kept() {
        let mut s = State::building();
        s.upsert(json!({"_id": "b", "Campaigns": ["C"], "OutputDatasets": ["/x/y/Z", "/x/y/Z"]}));
        s.upsert(json!({"_id": "a", "Campaigns": ["C", "D"]}));
        s.finish_build();
        let c = s.posting(FilterKey::Campaign, "C").unwrap();
        assert_eq!((c.ids.len(), c.distinct), (2, 2));
        assert_eq!(&*c.ids[0].name, "a", "id order");
        let z = s.posting(FilterKey::OutputDataset, "/x/y/Z").unwrap();
        assert_eq!((z.ids.len(), z.distinct), (2, 1));
        s.upsert(json!({"_id": "a", "Campaigns": ["D"]}));
        assert_eq!(s.posting(FilterKey::Campaign, "C").unwrap().distinct, 1);
        s.remove("b");
        assert!(s.posting(FilterKey::Campaign, "C").is_none());
        assert!(s.posting(FilterKey::OutputDataset, "/x/y/Z").is_none());
        assert_eq!(s.records.len(), 1);
    }
}
