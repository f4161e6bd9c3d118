//! What the slot-wide passes need of a workflow (status, numbers, priority block, flags), kept
//! per slot in one contiguous array beside the records: reading it for every workflow costs a
//! fraction of reading every record, which is what keeps the campaign table, the Present view,
//! the stuck alerts and the sorts fast at any size.

use super::record::Record;

/// pMp's priority blocks as the texts tables and bars are keyed by, by block.
pub const BLOCK_NAMES: [&str; 8] = ["0", "1", "2", "3", "4", "5", "6", "7"];

/// What the campaign table needs of a workflow, kept by slot.
#[derive(Debug, Clone, Copy)]
pub struct Tally {
    /// The current status's byte (`transitions::OTHER` for one ReqMgr2 does not list), if any.
    pub status: Option<u8>,
    /// TotalEvents.
    pub expected: i64,
    /// The largest dataset's latest events.
    pub done: i64,
    /// The statuses of its RequestTransition ([`super::transitions::Transitions::status_bits`]).
    pub statuses: u32,
    /// pMp's priority block of its RequestPriority.
    pub block: u8,
    /// When its current status was set (the last RequestTransition's time); `i64::MIN` without
    /// one. Kept here so `status_days` and the stuck alerts never read a record.
    pub since: i64,
    /// RequestPriority; `i64::MIN` without one (`sort=priority` puts those last).
    pub priority: i64,
    /// Force-completed: done, whatever it produced.
    pub force_completed: bool,
    /// Counted in lumisections (U22): never added to events.
    pub lumi_mode: bool,
    /// Since when it is idle (assigned, able to progress, no event yet); `i64::MIN` when it
    /// is not. Kept here so the idle alert, counted on every page, reads no record.
    pub idle: i64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            status: None,
            expected: 0,
            done: 0,
            statuses: 0,
            block: app::priority::LAST_BLOCK,
            since: i64::MIN,
            priority: i64::MIN,
            force_completed: false,
            lumi_mode: false,
            idle: i64::MIN,
        }
    }
}

impl Tally {
    /// When the current status was set, if there is one.
    pub fn status_since(&self) -> Option<i64> {
        Some(self.since).filter(|t| *t != i64::MIN)
    }

    /// `r`'s tally.
    pub(super) fn of(r: &Record) -> Tally {
        let done = r.datasets.iter().map(|d| d.events).max().unwrap_or(0);
        Tally {
            block: app::priority::block_of(r.priority()),
            since: r.transitions.last().map_or(i64::MIN, |(_, t)| t),
            status: r.transitions.last_code(),
            expected: r.total_events,
            done,
            statuses: r.transitions.status_bits(),
            priority: r.priority().unwrap_or(i64::MIN),
            force_completed: r.force_completed().is_some(),
            lumi_mode: r.lumi_mode,
            idle: r.idle_since().unwrap_or(i64::MIN),
        }
    }

    /// Since when it is idle, if it is.
    pub fn idle_since(&self) -> Option<i64> {
        Some(self.idle).filter(|t| *t != i64::MIN)
    }

    /// What it produced: its largest dataset's latest events, or for a force-completed one
    /// what it expected (pMp counts it so). 0 for a workflow counted in lumisections.
    pub fn produced(&self) -> i64 {
        match (self.lumi_mode, self.force_completed) {
            (true, _) => 0,
            (false, true) if self.expected > 0 => self.expected,
            (false, _) => self.done,
        }
    }

    /// Expected events (not below 0; 0 for a workflow counted in lumisections).
    pub fn expected_events(&self) -> i64 {
        if self.lumi_mode {
            0
        } else {
            self.expected.max(0)
        }
    }

    /// Completion in per mille of the expected events (a force-completed workflow is done),
    /// `None` when nothing is expected: what `sort=completion` orders by.
    pub fn completion(&self) -> Option<i64> {
        if self.force_completed {
            return Some(1000);
        }
        (self.expected > 0).then(|| (i128::from(self.done) * 1000 / i128::from(self.expected)) as i64)
    }
}
