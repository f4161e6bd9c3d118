//! The Present view from the index: one pass over the filter's workflows, each adding its
//! measure (from the slot's tally, never its record) to the bar of every value it has of the
//! group and the part of every value of the stack. The values of the posting-kept dimensions
//! (campaign, status, PWG, type, tier, dataset status) are turned around first, from value →
//! workflows into workflow → values, by one walk over those postings.

use std::collections::HashMap;

use app::bars::{fold, key_order, Bar, Dimension, Measure, Part, PresentView};
use app::filter::{Filter, FilterKey};

use super::field::Field;
use super::query::{is_everything, matching_slots};
use super::state::{Bits, Slot, State, Tally, BLOCK_NAMES};

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

/// The sums as they build up, in arrays indexed by value (dense: a hash per workflow and
/// part cost more than the rest of the pass); the parts of a very wide group × stack in a map.
struct Sums {
    bars: Vec<i64>,
    has_bar: Vec<bool>,
    /// Stack values per group value, when stacked.
    width: usize,
    parts: Parts,
    view: PresentView,
}

/// Most cells of the dense group × stack array (32 MB of sums).
const DENSE_CELLS: usize = 4 << 20;

enum Parts {
    Dense(Vec<i64>, Vec<bool>),
    Sparse(HashMap<(u32, u32), i64>),
}

impl Sums {
    fn new(groups: usize, stacks: Option<usize>) -> Sums {
        let width = stacks.unwrap_or(0);
        let cells = groups.saturating_mul(width);
        let parts = if cells <= DENSE_CELLS {
            Parts::Dense(vec![0; cells], vec![false; cells])
        } else {
            Parts::Sparse(HashMap::new())
        };
        Sums { bars: vec![0; groups], has_bar: vec![false; groups], width, parts, view: PresentView::default() }
    }

    fn add(&mut self, group: &[u32], stack: Option<&[u32]>, v: Option<i64>) {
        self.view.matching += 1;
        self.view.lumi_left_out += u64::from(v.is_none());
        let v = v.unwrap_or(0);
        if group.is_empty() {
            self.view.without_group += 1;
            return;
        }
        let several = group.len() > 1 || stack.is_some_and(|s| s.len() > 1);
        self.view.in_several += u64::from(several);
        for &g in group {
            let g = g as usize;
            self.bars[g] = self.bars[g].saturating_add(v);
            self.has_bar[g] = true;
            for &s in stack.unwrap_or_default() {
                match &mut self.parts {
                    Parts::Dense(sums, seen) => {
                        let at = g * self.width + s as usize;
                        sums[at] = sums[at].saturating_add(v);
                        seen[at] = true;
                    }
                    Parts::Sparse(map) => {
                        let part = map.entry((g as u32, s)).or_default();
                        *part = part.saturating_add(v);
                    }
                }
            }
        }
    }

    /// Every part of bar `g` that a workflow has, as (stack value, sum).
    fn parts_of(&self, g: usize) -> Vec<(u32, i64)> {
        match &self.parts {
            Parts::Dense(sums, seen) => (0..self.width)
                .filter(|s| seen[g * self.width + s])
                .map(|s| (s as u32, sums[g * self.width + s]))
                .collect(),
            Parts::Sparse(map) => {
                map.iter().filter(|((bg, _), _)| *bg as usize == g).map(|((_, s), v)| (*s, *v)).collect()
            }
        }
    }

    fn finish(self, group: (Dimension, &Values<'_>), stack: Option<(Dimension, &Values<'_>)>) -> PresentView {
        let (dim, values) = group;
        let mut bars: Vec<Bar> = (0..self.bars.len())
            .filter(|g| self.has_bar[*g])
            .map(|g| {
                let mut parts: Vec<Part> = match stack {
                    Some((_, sv)) => self
                        .parts_of(g)
                        .into_iter()
                        .map(|(s, value)| Part { key: sv.names[s as usize].to_owned(), value })
                        .collect(),
                    None => Vec::new(),
                };
                if let Some((sd, _)) = stack {
                    parts.sort_by(|a, b| key_order(sd, &a.key).cmp(&key_order(sd, &b.key)));
                }
                Bar { key: values.names[g].to_owned(), total: self.bars[g], parts }
            })
            .collect();
        bars.sort_by(|a, b| key_order(dim, &a.key).cmp(&key_order(dim, &b.key)));
        let (bars, others) = fold(bars, stack.map(|s| s.0));
        PresentView { bars, others, ..self.view }
    }
}

/// The Present view of `filter`'s workflows: bars by `group`, parts by `stack`, in `measure`.
/// The workflows are visited in slot order, so the per-slot arrays are read front to back.
pub fn present(
    state: &State,
    filter: &Filter,
    (group, stack, measure): (Dimension, Option<Dimension>, Measure),
    now: i64,
) -> PresentView {
    let everything = is_everything(filter);
    let chosen: Bits = if everything {
        state.slots_in_order().iter().copied().collect()
    } else {
        matching_slots(state, filter, now).collect()
    };
    let wanted = (!everything).then_some(&chosen);
    let g = Values::new(state, group, wanted);
    let s = stack.map(|d| Values::new(state, d, wanted));
    let mut sums = Sums::new(g.names.len(), s.as_ref().map(|s| s.names.len()));
    for slot in chosen.ones() {
        let t = state.tally(slot);
        sums.add(g.of(slot, &t), s.as_ref().map(|s| s.of(slot, &t)), value(&t, measure));
    }
    sums.finish((group, &g), stack.zip(s.as_ref()))
}
