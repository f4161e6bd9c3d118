//! The Present view from the index: one pass over the filter's workflows, each adding its
//! measure (from the slot's tally, never its record) to the bar of every value it has of the
//! group and the part of every value of the stack. The values of the posting-kept dimensions
//! (campaign, status, PWG, type, tier, dataset status) are turned around first, from value →
//! workflows into workflow → values, by one walk over those postings.

use std::collections::HashMap;

use app::bars::{fold, key_order, Bar, Dimension, Measure, Part, PresentView};
use app::filter::{Filter, FilterKey};

use super::field::Field;
use super::query::matching_slots;
use super::state::{Bits, Slot, State, Tally};

/// Each workflow's values of one dimension, by slot.
struct Values<'a> {
    names: Vec<&'a str>,
    /// Per slot, where its values start in `keys` (compressed rows: two arrays for every
    /// workflow instead of a list each).
    starts: Vec<u32>,
    keys: Vec<u32>,
    /// pMp's blocks are in the tally, not in a posting.
    blocks: bool,
}

const BLOCK_NAMES: [&str; 8] = ["0", "1", "2", "3", "4", "5", "6", "7"];

fn field_of(dim: Dimension) -> Option<Field> {
    match dim {
        Dimension::Campaign => Some(Field::View(FilterKey::Campaign)),
        Dimension::Type => Some(Field::View(FilterKey::Type)),
        Dimension::Status => Some(Field::Status),
        Dimension::Pwg => Some(Field::Pwg),
        Dimension::Tier => Some(Field::Tier),
        Dimension::DatasetStatus => Some(Field::DatasetStatus),
        Dimension::PriorityBlock => None,
    }
}

impl<'a> Values<'a> {
    fn new(state: &'a State, dim: Dimension, chosen: Option<&Bits>) -> Values<'a> {
        let Some(field) = field_of(dim) else {
            return Values { names: BLOCK_NAMES.to_vec(), starts: Vec::new(), keys: Vec::new(), blocks: true };
        };
        let wanted = |slot: Slot| chosen.is_none_or(|b| b.get(slot));
        let mut counts = vec![0u32; state.slot_bound() + 1];
        let mut names = Vec::new();
        // A workflow listed twice by a view (repeats are adjacent) has the value once.
        let each = |f: &mut dyn FnMut(u32, Slot)| {
            for (k, (_, posting)) in state.values(field).enumerate() {
                let mut last = None;
                for &slot in posting.slots() {
                    if last.replace(slot) != Some(slot) && wanted(slot) {
                        f(k as u32, slot);
                    }
                }
            }
        };
        each(&mut |_, slot| counts[slot as usize + 1] += 1);
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let mut fill = counts.clone();
        let mut keys = vec![0u32; counts.last().copied().unwrap_or(0) as usize];
        each(&mut |k, slot| {
            keys[fill[slot as usize] as usize] = k;
            fill[slot as usize] += 1;
        });
        names.extend(state.values(field).map(|(v, _)| &**v));
        Values { names, starts: counts, keys, blocks: false }
    }

    fn of(&self, slot: Slot, tally: &Tally) -> &[u32] {
        const BLOCKS: [u32; 8] = [0, 1, 2, 3, 4, 5, 6, 7];
        if self.blocks {
            return std::slice::from_ref(&BLOCKS[usize::from(tally.block.min(7))]);
        }
        let (a, b) = (self.starts[slot as usize], self.starts[slot as usize + 1]);
        &self.keys[a as usize..b as usize]
    }
}

/// A workflow's height in `measure`; `None` for one counted in lumisections when `measure`
/// counts events.
fn value(t: &Tally, measure: Measure) -> Option<i64> {
    if measure.is_events() && t.lumi_mode {
        return None;
    }
    Some(match measure {
        Measure::Workflows => 1,
        Measure::Expected => t.expected_events(),
        Measure::Produced => t.produced(),
        Measure::Remaining => t.expected_events().saturating_sub(t.produced()).max(0),
    })
}

/// The sums as they build up.
#[derive(Default)]
struct Sums {
    /// Per group value present: its total.
    bars: HashMap<u32, i64>,
    parts: HashMap<(u32, u32), i64>,
    view: PresentView,
}

impl Sums {
    fn add(&mut self, group: &[u32], stack: Option<&[u32]>, v: Option<i64>) {
        self.view.matching += 1;
        self.view.lumi_left_out += u64::from(v.is_none());
        let v = v.unwrap_or(0);
        if group.is_empty() {
            self.view.without_group += 1;
        }
        let several = group.len() > 1 || stack.is_some_and(|s| s.len() > 1);
        self.view.in_several += u64::from(several && !group.is_empty());
        for &g in group {
            let bar = self.bars.entry(g).or_default();
            *bar = bar.saturating_add(v);
            for &s in stack.unwrap_or_default() {
                let part = self.parts.entry((g, s)).or_default();
                *part = part.saturating_add(v);
            }
        }
    }

    fn finish(self, group: (Dimension, &Values<'_>), stack: Option<(Dimension, &Values<'_>)>) -> PresentView {
        let mut parts: HashMap<u32, Vec<Part>> = HashMap::new();
        if let Some((dim, values)) = stack {
            for ((g, s), value) in self.parts {
                parts.entry(g).or_default().push(Part { key: values.names[s as usize].to_owned(), value });
            }
            parts.values_mut().for_each(|p| p.sort_by(|a, b| key_order(dim, &a.key).cmp(&key_order(dim, &b.key))));
        }
        let (dim, values) = group;
        let mut bars: Vec<Bar> = self
            .bars
            .into_iter()
            .map(|(g, total)| Bar {
                key: values.names[g as usize].to_owned(),
                total,
                parts: parts.remove(&g).unwrap_or_default(),
            })
            .collect();
        bars.sort_by(|a, b| key_order(dim, &a.key).cmp(&key_order(dim, &b.key)));
        let (bars, others) = fold(bars, stack.map(|s| s.0));
        PresentView { bars, others, ..self.view }
    }
}

/// The Present view of `filter`'s workflows: bars by `group`, parts by `stack`, in `measure`.
pub fn present(
    state: &State,
    filter: &Filter,
    (group, stack, measure): (Dimension, Option<Dimension>, Measure),
    now: i64,
) -> PresentView {
    let everything = filter.required().is_empty() && filter.facets.is_empty() && !filter.stalled;
    let slots: Vec<Slot> =
        if everything { state.slots_in_order().to_vec() } else { matching_slots(state, filter, now).collect() };
    let chosen = (!everything).then(|| {
        let mut bits = Bits::default();
        slots.iter().for_each(|s| bits.set(*s, true));
        bits
    });
    let g = Values::new(state, group, chosen.as_ref());
    let s = stack.map(|d| Values::new(state, d, chosen.as_ref()));
    let mut sums = Sums::default();
    for slot in slots {
        let t = state.tally(slot);
        sums.add(g.of(slot, &t), s.as_ref().map(|s| s.of(slot, &t)), value(&t, measure));
    }
    sums.finish((group, &g), stack.zip(s.as_ref()))
}
