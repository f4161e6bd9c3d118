//! What a posting is keyed by: the legacy views' keys (what the eight legacy parameters
//! match, exactly as the store's views emit them) and the values the analytics filters
//! match (current status, physics group, output datatier, dataset status), derived once per
//! change.

use app::filter::FilterKey;

/// A field the index keeps postings for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// A legacy parameter's view key (S9–S12), repeats kept as the view emits them.
    View(FilterKey),
    /// The current status: the last RequestTransition's.
    Status,
    /// The PrepID's physics group.
    Pwg,
    /// A distinct output datatier.
    Tier,
    /// A distinct latest DBS status of an output dataset.
    DatasetStatus,
    /// Assigned, still able to progress, and without an event yet (one value, [`IDLE`]): the
    /// candidates of `idle_days`, which then only compares their assignment times.
    Idle,
}

/// The one value of [`Field::Idle`].
pub const IDLE: &str = "idle";

impl From<FilterKey> for Field {
    fn from(key: FilterKey) -> Self {
        Field::View(key)
    }
}
