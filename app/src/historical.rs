//! The aggregate's historical mode, as pMp draws it: at the end of each time bucket, the
//! filter's workflows' expected events (grey), and what they had produced, split into not
//! yet VALID, VALID, and INVALID or DELETED, stacked. A workflow counts with its largest
//! output dataset (the one its progress is read from); that dataset's events count as VALID
//! (or INVALID/DELETED) from the history entry since which it has had that status, and as
//! produced before. With "growing", a workflow's expected events count from its creation (the
//! first transition); without, from the start.

use serde::{Deserialize, Serialize};

use crate::aggregate::Buckets;
use crate::model::{DatasetStatus, Workflow};

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
}

/// Since when `dataset`'s latest status has held: the time of the oldest entry of the
/// unbroken run of entries, newest first, that give it that status.
pub fn status_since(wf: &Workflow, dataset: &str) -> Option<i64> {
    let history = wf.history_sorted();
    let mut with = history.iter().rev().filter_map(|e| Some((e.time.unwrap_or(0), &e.datasets.get(dataset)?.status)));
    let (mut since, latest) = with.next()?;
    for (t, s) in with {
        if s != latest {
            break;
        }
        since = t;
    }
    Some(since)
}

/// The stacked view of `parts` with buckets of `bucket` seconds. The parts are read twice
/// (span, then sums), so they come as a re-readable iterator.
pub fn historical<P: Iterator<Item = (i64, i64)>>(
    parts: impl Iterator<Item = Contribution<P>> + Clone,
    bucket: i64,
    growing: bool,
) -> HistoricalView {
    let (lo, hi) = parts.clone().fold((i64::MAX, i64::MIN), |(lo, hi), mut c| {
        let first = c.points.next();
        let last = c.points.last().or(first);
        let lo = lo.min(c.created).min(first.map_or(i64::MAX, |p| p.0));
        (lo, hi.max(last.map_or(i64::MIN, |p| p.0)).max(c.created))
    });
    if lo > hi {
        return HistoricalView::default();
    }
    let buckets = Buckets::new(lo, hi, bucket);
    let n = buckets.ends.len();
    let (mut expected, mut produced, mut valid, mut invalid) =
        (vec![0i64; n], vec![0i64; n], vec![0i64; n], vec![0i64; n]);
    let mut workflows = 0;
    for c in parts {
        workflows += 1;
        if c.expected > 0 {
            expected[if growing { buckets.index(c.created) } else { 0 }] += c.expected;
        }
        let mut value = 0;
        let mut moved = false;
        for (t, v) in c.points {
            if c.category != Category::Produced && !moved && t >= c.since {
                // The status begins: what was produced so far changes category.
                let at = buckets.index(c.since);
                produced[at] -= value;
                category_mut(c.category, &mut valid, &mut invalid)[at] += value;
                moved = true;
            }
            let target = if moved { category_mut(c.category, &mut valid, &mut invalid) } else { &mut produced };
            target[buckets.index(t)] += v - value;
            value = v;
        }
    }
    let running = |d: Vec<i64>| {
        d.into_iter()
            .scan(0i64, |sum, x| {
                *sum += x;
                Some(*sum)
            })
            .collect()
    };
    HistoricalView {
        ends: buckets.ends,
        expected: running(expected),
        produced: running(produced),
        valid: running(valid),
        invalid: running(invalid),
        workflows,
    }
}

fn category_mut<'a>(c: Category, valid: &'a mut [i64], invalid: &'a mut [i64]) -> &'a mut [i64] {
    if c == Category::Invalid {
        invalid
    } else {
        valid
    }
}

/// A workflow's part with its points collected: created, expected, points, category, since.
type Part = (i64, i64, Vec<(i64, i64)>, Category, i64);

/// The historical view of whole workflows (the index gives the same from its records).
pub fn historical_of(workflows: &[Workflow], bucket: i64, growing: bool) -> HistoricalView {
    let parts: Vec<Part> = workflows
        .iter()
        .filter_map(|wf| {
            let row = crate::present::workflow_row(wf, 0);
            let lumi = wf.lumi_mode();
            let expected = if lumi { row.total_input_lumis.unwrap_or(-1) } else { row.total_events };
            let biggest = row.datasets.iter().reduce(|a, b| if b.events > a.events { b } else { a })?;
            let points = crate::history::dataset_points(wf, &biggest.name, lumi);
            let first = wf.request_transition.iter().flatten().next().map(|t| t.update_time);
            let created = first.or(points.first().map(|p| p.0))?;
            let since = status_since(wf, &biggest.name).unwrap_or(i64::MAX);
            Some((created, expected, points, Category::of(&biggest.status), since))
        })
        .collect();
    let contributions = parts.iter().map(|(created, expected, points, category, since)| Contribution {
        created: *created,
        expected: *expected,
        points: points.iter().copied(),
        category: *category,
        since: *since,
    });
    historical(contributions, bucket, growing)
}

#[cfg(test)]
mod tests;
