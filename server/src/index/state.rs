//! The index's data: records in id order (the order every listing pages in), postings per
//! filter key and value (what the views would answer), and the stalled set. Changes come
//! from the store's feed, one document at a time; nothing here reads the store.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;

use super::field::Field;

use super::btree::compact;
use super::intern::{Interner, Sym};
use super::keys::Keys;
use super::record::Record;
use super::relocate::Kind;
use super::stalls::Stalls;
use super::sums::Sums;
use super::timeline::Timeline;

pub use super::posting::{Bits, Posting, Slot};

pub use super::tally::{Tally, BLOCK_NAMES};

/// Everything the index holds.
#[derive(Default)]
pub struct State {
    /// Every workflow's slot, by id.
    records: HashMap<Sym, Slot>,
    /// Every workflow in id order, the order every listing pages in (a deep page is an
    /// index into it, not a walk).
    order: Posting,
    /// The records by slot; a deleted workflow's slot is reused.
    table: Vec<Option<Arc<Record>>>,
    free: Vec<Slot>,
    /// Per field and value, the workflows holding it. Values are kept sorted, so wildcard
    /// patterns and suggestions scan only the values sharing their literal prefix.
    postings: HashMap<Field, BTreeMap<Sym, Posting>>,
    /// Stalled workflows.
    stalls: Stalls,
    /// Pre-summed aggregates of every workflow and of each campaign.
    sums: Sums,
    /// Per slot, what the campaign table counts, in one contiguous array: reading it for
    /// every workflow costs a fraction of reading every record.
    tallies: Vec<Tally>,
    interner: Interner,
    /// Postings are unsorted until [`State::finish_build`].
    building: bool,
    /// Deletions seen while following.
    removed: super::removed::Removed,
    /// Every dated change, in time order ("What changed since").
    timeline: Timeline,
}

impl State {
    /// Adds or replaces the workflow of a stored document. The record is built with texts of
    /// its own and then copied in ([`State::insert`]), which shares what the index has.
    pub fn upsert(&mut self, doc: Value) {
        let record = Record::from_doc(doc, &mut Interner::default());
        self.insert(record);
    }

    /// Workflows held.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no workflow is held.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The record in `slot`.
    pub fn record(&self, slot: Slot) -> Option<&Arc<Record>> {
        self.table.get(slot as usize)?.as_ref()
    }

    /// The slot of workflow `name`.
    pub fn slot_of(&self, name: &str) -> Option<Slot> {
        self.records.get(name).copied()
    }

    /// The record of workflow `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Record>> {
        self.record(self.slot_of(name)?)
    }

    fn take_slot(&mut self, record: Arc<Record>) -> Slot {
        match self.free.pop() {
            Some(slot) => {
                self.table[slot as usize] = Some(record);
                slot
            }
            None => {
                self.table.push(Some(record));
                Slot::try_from(self.table.len() - 1).unwrap_or(Slot::MAX)
            }
        }
    }

    /// Adds or replaces a workflow's record. A replaced workflow keeps its slot and its place
    /// in the id order (its name has not changed), so an update moves nothing but its postings.
    pub fn insert(&mut self, built: Record) {
        let existing = self.slot_of(&built.name);
        if let Some(slot) = existing {
            self.detach(slot);
        }
        let record = Arc::new(self.relocate(&built));
        drop(built);
        let slot = match existing {
            Some(slot) => {
                self.table[slot as usize] = Some(record.clone());
                slot
            }
            None => {
                let slot = self.take_slot(record.clone());
                if self.building {
                    self.order.push(slot);
                } else {
                    self.order.insert(slot, &self.table);
                }
                self.records.insert(record.name.clone(), slot);
                slot
            }
        };
        let (postings, interner, table, building) =
            (&mut self.postings, &mut self.interner, &self.table, self.building);
        Keys::of(&record).any(|key, value| {
            let by_value = postings.entry(key).or_default();
            let p = match by_value.get_mut(value.as_str()) {
                Some(p) => p,
                None => by_value.entry(value.to_sym(interner)).or_default(),
            };
            if building {
                p.push(slot);
            } else {
                p.insert(slot, table);
            }
            false
        });
        self.set_stall(&record.name, None, record.stalled_since());
        self.sums.apply(&record, 1);
        if self.tallies.len() <= slot as usize {
            self.tallies.resize(slot as usize + 1, Tally::default());
        }
        self.tallies[slot as usize] = Tally::of(&record);
        self.timeline.add(slot, &record);
    }

    /// The index's own copy of a record built elsewhere (`relocate.rs`): key texts shared with
    /// the postings.
    fn relocate(&self, built: &Record) -> Record {
        let postings = &self.postings;
        let posted = |field: Field, s: &Sym| postings.get(&field)?.get_key_value(&**s).map(|(k, _)| k.clone());
        super::relocate::copy(built, &mut |kind, s| match kind {
            Kind::Key(field) => posted(field, s).unwrap_or_else(|| Sym::from(&**s)),
            Kind::Own => Sym::from(&**s),
        })
    }

    /// Forgets a workflow deleted from the store, and remembers the deletion, seen at `now`,
    /// unless the state is being built (the feed's old deletions have no time).
    pub fn remove_seen(&mut self, name: &str, now: i64) {
        if !self.building {
            if let Some(r) = self.records.get(name).and_then(|s| self.record(*s)).cloned() {
                self.removed.push(now, r);
            }
        }
        self.remove(name);
    }

    /// The state goes live at `now`: deletions are remembered from then on.
    pub fn begin_watching(&mut self, now: i64) {
        self.removed.begin(now);
    }

    /// The deletions seen while following.
    pub fn removed(&self) -> &super::removed::Removed {
        &self.removed
    }

    /// Forgets a workflow (deleted from the store).
    pub fn remove(&mut self, name: &str) {
        let Some(slot) = self.records.get(name).copied() else { return };
        self.detach(slot);
        self.order.remove(slot, &self.table, !self.building);
        self.records.remove(name);
        self.table[slot as usize] = None;
        if let Some(t) = self.tallies.get_mut(slot as usize) {
            *t = Tally::default();
        }
        self.free.push(slot);
    }

    /// Takes the record in `slot` out of the postings, the stalled set and the sums; its slot,
    /// id and place in the id order stay.
    fn detach(&mut self, slot: Slot) {
        let Some(old) = self.record(slot).cloned() else { return };
        let (postings, table, building) = (&mut self.postings, &self.table, self.building);
        Keys::of(&old).any(|key, value| {
            let Some(by_value) = postings.get_mut(&key) else { return false };
            if let Some(p) = by_value.get_mut(value.as_str()) {
                p.remove(slot, table, !building);
                if p.slots().is_empty() {
                    by_value.remove(value.as_str());
                }
            }
            false
        });
        self.set_stall(&old.name, old.stalled_since(), None);
        self.sums.apply(&old, -1);
        self.timeline.remove(slot, &old);
        self.interner.sweep_if_due();
    }

    fn set_stall(&mut self, name: &Sym, before: Option<i64>, at: Option<i64>) {
        let (records, table) = (&self.records, &self.table);
        let all = || {
            records
                .values()
                .filter_map(|s| table.get(*s as usize)?.as_ref())
                .filter_map(|r| Some((r.stalled_since()?, r.name.clone())))
        };
        self.stalls.set(name, before, at, all);
    }

    /// Moves workflows whose stall time has passed into the stalled set.
    pub fn advance_stalls(&mut self, now: i64) {
        let (records, table) = (&self.records, &self.table);
        let current = |name: &Sym| {
            let slot = records.get(name)?;
            Some((table.get(*slot as usize)?.as_ref()?.stalled_since()?, *slot))
        };
        self.stalls.advance(now, current);
    }

    /// A state for the initial build: postings are sorted once by [`State::finish_build`].
    pub fn building() -> Self {
        State { building: true, ..State::default() }
    }

    /// Ends the initial build: postings sorted, counts exact.
    pub fn finish_build(&mut self) {
        if std::mem::take(&mut self.building) {
            let table = &self.table;
            self.order.sort(table);
            self.postings.values_mut().flat_map(|m| m.values_mut()).for_each(|p| p.sort(table));
            self.postings.values_mut().for_each(compact);
            self.sums.compact();
        }
    }

    /// The posting of one field and value, if any workflow has it.
    pub fn posting(&self, field: impl Into<Field>, value: &str) -> Option<&Posting> {
        self.postings.get(&field.into())?.get(value)
    }

    /// The shared text every record holding `field = value` points to, if any does.
    pub fn key_text(&self, field: impl Into<Field>, value: &str) -> Option<&Sym> {
        self.postings.get(&field.into())?.get_key_value(value).map(|(k, _)| k)
    }

    /// The values of `field` that start with `prefix`, in order, with their postings.
    pub fn values_from<'a>(
        &'a self,
        field: Field,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a Sym, &'a Posting)> + 'a {
        let values = self.postings.get(&field);
        let start = std::ops::Bound::Included(prefix);
        values
            .into_iter()
            .flat_map(move |m| m.range::<str, _>((start, std::ops::Bound::Unbounded)))
            .take_while(move |(v, _)| v.starts_with(prefix))
    }

    /// Distinct texts the index shares.
    pub fn texts(&self) -> usize {
        self.interner.len()
    }

    /// Every workflow's slot in id order, the order every listing pages in.
    pub fn slots_in_order(&self) -> &[Slot] {
        self.order.slots()
    }

    /// The pre-summed aggregates of every workflow and of each campaign.
    pub fn sums(&self) -> &Sums {
        &self.sums
    }

    /// The stalled workflows (as of the last [`State::advance_stalls`]).
    pub fn stalled(&self) -> &BTreeMap<Sym, Slot> {
        &self.stalls.stalled
    }

    /// Whether the stalled set should be brought up to `now` before a query.
    pub fn stalls_due(&self, now: i64) -> bool {
        self.stalls.is_due(now)
    }

    /// Every dated change, in time order.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// Keeps the dated changes from `t` on only (the server's horizon).
    pub fn forget_changes_before(&mut self, t: i64) {
        self.timeline.forget_before(t);
    }

    /// What the campaign table counts of the workflow in `slot`.
    pub fn tally(&self, slot: Slot) -> Tally {
        self.tallies.get(slot as usize).copied().unwrap_or_default()
    }

    /// One past the highest slot in use: what a per-slot array needs.
    pub fn slot_bound(&self) -> usize {
        self.table.len()
    }

    /// Every value of `field`, in order, with its posting.
    pub fn values(&self, field: Field) -> impl Iterator<Item = (&Sym, &Posting)> + '_ {
        self.postings.get(&field).into_iter().flatten()
    }

    /// Takes the state apart: for measuring what each part holds (`examples/index_memory.rs`),
    /// never for changing one, which would break what the others say about it.
    pub fn into_parts(self) -> Parts {
        Parts {
            ids: (self.records, self.order),
            table: self.table,
            postings: self.postings,
            stalls: self.stalls,
            sums: self.sums,
            rest: (self.tallies, self.interner),
            timeline: self.timeline,
        }
    }
}

/// The parts of a state, each to be dropped on its own by whoever measures them.
pub struct Parts {
    /// The id map and the id order.
    pub ids: (HashMap<Sym, Slot>, Posting),
    /// The records by slot.
    pub table: Vec<Option<Arc<Record>>>,
    /// The postings.
    pub postings: HashMap<Field, BTreeMap<Sym, Posting>>,
    /// The stalled set.
    pub stalls: Stalls,
    /// The pre-summed aggregates.
    pub sums: Sums,
    /// The tallies and the shared texts' table.
    pub rest: (Vec<Tally>, Interner),
    /// The dated changes.
    pub timeline: Timeline,
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::filter::FilterKey;
    use serde_json::json;

    #[test]
    fn postings_follow_upserts_and_deletions_with_repeats_kept() {
        let mut s = State::building();
        s.upsert(json!({"_id": "b", "Campaigns": ["C"], "OutputDatasets": ["/x/y/Z", "/x/y/Z"]}));
        s.upsert(json!({"_id": "a", "Campaigns": ["C", "D"]}));
        s.finish_build();
        let c = s.posting(FilterKey::Campaign, "C").unwrap();
        assert_eq!((c.slots().len(), c.distinct()), (2, 2));
        assert_eq!(s.record(c.slots()[0]).map(|r| &*r.name), Some("a"), "id order");
        let z = s.posting(FilterKey::OutputDataset, "/x/y/Z").unwrap();
        assert_eq!((z.slots().len(), z.distinct()), (2, 1));
        s.upsert(json!({"_id": "a", "Campaigns": ["D"]}));
        assert_eq!(s.posting(FilterKey::Campaign, "C").unwrap().distinct(), 1);
        s.remove("b");
        assert!(s.posting(FilterKey::Campaign, "C").is_none());
        assert!(s.posting(FilterKey::OutputDataset, "/x/y/Z").is_none());
        assert_eq!(s.len(), 1);
    }
}
