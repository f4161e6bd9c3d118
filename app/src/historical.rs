//! The aggregate's historical mode, as pMp draws it: at the end of each time bucket, the
//! filter's workflows' expected events (grey), and what they had produced, split into not
//! yet VALID, VALID, and INVALID or DELETED, stacked. A workflow counts with its largest
//! output dataset (the one its progress is read from); that dataset's events count as VALID
//! (or INVALID/DELETED) from the history entry since which it has had that status, and as
//! produced before. With "growing", a workflow's expected events count from its creation (the
//! first transition); without, from the start.

use serde::{Deserialize, Serialize};

use crate::aggregate::Buckets;
use crate::model::{DatasetStatus, HistoryEntry, Workflow};

/// The stacked series, one value per bucket end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoricalView {
    /// Bucket ends (Unix seconds).
    pub ends: Vec<i64>,
    /// Expected events.
    pub expected: Vec<i64>,
    /// Produced, not (yet) VALID.
    pub produced: Vec<i64>,
    /// VALID.
    pub valid: Vec<i64>,
    /// INVALID or DELETED.
    pub invalid: Vec<i64>,
    /// Workflows counted.
    pub workflows: u64,
    /// Workflows left out because they count lumisections (U22), never added to events.
    #[serde(default)]
    pub lumi_left_out: u64,
}

/// Where a dataset's events go once its latest status holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Still produced, or a status that is neither VALID nor gone.
    Produced,
    /// VALID.
    Valid,
    /// INVALID or DELETED.
    Invalid,
}

impl Category {
    /// Where its sums sit beside the expected events (0) in a per-bucket row.
    pub fn slot(self) -> usize {
        match self {
            Category::Produced => 1,
            Category::Valid => 2,
            Category::Invalid => 3,
        }
    }

    /// The category of a latest status.
    pub fn of(status: &DatasetStatus) -> Category {
        match status {
            DatasetStatus::Valid => Category::Valid,
            DatasetStatus::Invalid | DatasetStatus::Deleted => Category::Invalid,
            _ => Category::Produced,
        }
    }
}

/// One workflow's part.
#[derive(Clone)]
pub struct Contribution<P> {
    /// When its expected events start counting with "growing".
    pub created: i64,
    /// Expected events (≤ 0: none).
    pub expected: i64,
    /// Its largest dataset's (time, value) points, in time order.
    pub points: P,
    /// The dataset's latest status's category, and since when it has held.
    pub category: Category,
    /// Since when.
    pub since: i64,
    /// When it was force-completed: from then on it counts its expected events as produced
    /// (pMp does), whatever its dataset said after.
    pub force_completed: Option<i64>,
}

impl<P: Iterator<Item = (i64, i64)>> Contribution<P> {
    /// Walks the dataset's points and tells `change` every change of a category's events,
    /// with its time: each point's change, and, when the final status begins, the move of
    /// what was produced until then into it. Returns the span the contribution covers
    /// (its creation and its points).
    pub fn changes(self, mut change: impl FnMut(i64, Category, i64)) -> (i64, i64) {
        let (mut value, mut moved) = (0, false);
        let (mut lo, mut hi) = (self.created, self.created);
        let pin = self.force_completed.filter(|_| self.expected > 0);
        for (t, v) in self.points {
            (lo, hi) = (lo.min(t), hi.max(t));
            if pin.is_some_and(|f| t >= f) {
                continue;
            }
            if self.category != Category::Produced && !moved && t >= self.since {
                change(self.since, Category::Produced, -value);
                change(self.since, self.category, value);
                moved = true;
            }
            change(t, if moved { self.category } else { Category::Produced }, v - value);
            value = v;
        }
        if let Some(f) = pin {
            (lo, hi) = (lo.min(f), hi.max(f));
            change(f, if moved { self.category } else { Category::Produced }, self.expected - value);
            // The final status began after the force-complete: its move, of the pinned value.
            if !moved && self.category != Category::Produced && self.since != i64::MAX {
                change(self.since, Category::Produced, -self.expected);
                change(self.since, self.category, self.expected);
            }
        }
        (lo, hi)
    }
}

/// Since when `dataset`'s latest status has held: the time of the oldest entry of the
/// unbroken run of entries, newest first, that give it that status. `history` is the
/// workflow's history in time order (sorted once for all its datasets).
pub fn status_since(history: &[&HistoryEntry], dataset: &str) -> Option<i64> {
    status_change(history, dataset).map(|c| c.0)
}

/// Since when `dataset`'s latest status has held, and the status it had before (none when it
/// never had another): its last status change, as "what changed since" lists it.
pub fn status_change(history: &[&HistoryEntry], dataset: &str) -> Option<(i64, Option<DatasetStatus>)> {
    let mut with = history.iter().rev().filter_map(|e| Some((e.time.unwrap_or(0), &e.datasets.get(dataset)?.status)));
    let (mut since, latest) = with.next()?;
    for (t, s) in with {
        if s != latest {
            return Some((since, Some(s.clone())));
        }
        since = t;
    }
    Some((since, None))
}

/// Every status change of `dataset`, oldest first: `(time, from, to)` where the history first
/// recorded `to` after `from`. The last one is [`status_change`]'s.
pub fn status_changes(history: &[&HistoryEntry], dataset: &str) -> Vec<(i64, DatasetStatus, DatasetStatus)> {
    let mut out = Vec::new();
    let mut before: Option<&DatasetStatus> = None;
    for (t, s) in history.iter().filter_map(|e| Some((e.time.unwrap_or(0), &e.datasets.get(dataset)?.status))) {
        if let Some(b) = before.filter(|b| *b != s) {
            out.push((t, b.clone(), s.clone()));
        }
        before = Some(s);
    }
    out
}

/// The stacked view of `parts` with buckets of `bucket` seconds. The parts are read twice
/// (span, then sums), so they come as a re-readable iterator.
pub fn historical<P: Iterator<Item = (i64, i64)>>(
    parts: impl Iterator<Item = Contribution<P>> + Clone,
    bucket: i64,
    growing: bool,
) -> HistoricalView {
    let (lo, hi) = parts
        .clone()
        .map(|c| c.changes(|_, _, _| {}))
        .fold((i64::MAX, i64::MIN), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
    if lo > hi {
        return HistoricalView::default();
    }
    let buckets = Buckets::new(lo, hi, bucket);
    let mut sums = vec![[0i64; 4]; buckets.ends.len()];
    let mut workflows = 0;
    for c in parts {
        workflows += 1;
        if c.expected > 0 {
            sums[if growing { buckets.index(c.created) } else { 0 }][0] += c.expected;
        }
        c.changes(|t, category, delta| sums[buckets.index(t)][category.slot()] += delta);
    }
    running(buckets.ends, &sums, workflows)
}

/// The view from per-bucket changes ([expected, produced, VALID, INVALID] each): running sums.
pub fn running(ends: Vec<i64>, sums: &[[i64; 4]], workflows: u64) -> HistoricalView {
    let column = |k: usize| {
        sums.iter()
            .scan(0i64, |acc, s| {
                *acc += s[k];
                Some(*acc)
            })
            .collect()
    };
    HistoricalView {
        expected: column(0),
        produced: column(1),
        valid: column(2),
        invalid: column(3),
        ends,
        workflows,
        lumi_left_out: 0,
    }
}

/// The buckets ending within `window` (from, to), at least the one nearest its start: what
/// a zoomed chart shows. The whole view without a window.
pub fn window(v: &HistoricalView, window: Option<(i64, i64)>) -> HistoricalView {
    let Some((from, to)) = window else { return v.clone() };
    let mut keep: Vec<usize> = (0..v.ends.len()).filter(|i| (from..=to).contains(&v.ends[*i])).collect();
    if keep.is_empty() {
        keep.extend(v.ends.iter().position(|e| *e >= from).or(v.ends.len().checked_sub(1)));
    }
    let pick = |values: &[i64]| keep.iter().filter_map(|i| values.get(*i).copied()).collect();
    HistoricalView {
        ends: pick(&v.ends),
        expected: pick(&v.expected),
        produced: pick(&v.produced),
        valid: pick(&v.valid),
        invalid: pick(&v.invalid),
        ..v.clone()
    }
}

/// The bucket whose end is nearest to `t`.
pub fn nearest_bucket(v: &HistoricalView, t: i64) -> Option<usize> {
    (0..v.ends.len()).min_by_key(|i| v.ends[*i].abs_diff(t))
}

/// A workflow's part with its points collected: created, expected, points, category, since,
/// force-completed.
type Part = (i64, i64, Vec<(i64, i64)>, Category, i64, Option<i64>);

/// The historical view of whole workflows (the index gives the same from its records).
pub fn historical_of(workflows: &[Workflow], bucket: i64, growing: bool) -> HistoricalView {
    let lumi_left_out = workflows.iter().filter(|wf| wf.lumi_mode()).count() as u64;
    let parts: Vec<Part> = workflows
        .iter()
        .filter(|wf| !wf.lumi_mode())
        .filter_map(|wf| {
            let row = crate::present::workflow_row(wf, 0);
            let expected = row.total_events;
            let biggest = row.datasets.iter().reduce(|a, b| if b.events > a.events { b } else { a })?;
            let points = wf.dataset_points(&biggest.name, false);
            let first = wf.request_transition.iter().flatten().next().map(|t| t.update_time);
            let created = first.or(points.first().map(|p| p.0))?;
            let since = status_since(&wf.history_sorted(), &biggest.name).unwrap_or(i64::MAX);
            Some((created, expected, points, Category::of(&biggest.status), since, row.force_completed))
        })
        .collect();
    let contributions = parts.iter().map(|(created, expected, points, category, since, fc)| Contribution {
        created: *created,
        expected: *expected,
        points: points.iter().copied(),
        category: *category,
        since: *since,
        force_completed: *fc,
    });
    HistoricalView { lumi_left_out, ..historical(contributions, bucket, growing) }
}

#[cfg(test)]
mod tests;
