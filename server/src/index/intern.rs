//! Shared strings: campaigns, types, statuses, datatiers and processing strings repeat across
//! tens of thousands of workflows, so the index keeps each text once and hands out cheap
//! reference-counted handles that the postings and records share.

use std::collections::HashSet;
use std::sync::Arc;

/// A shared, immutable text. Equality, order and hash are the text's.
pub type Sym = Arc<str>;

/// The set of texts in use.
#[derive(Default)]
pub struct Interner {
    texts: HashSet<Sym>,
    since_sweep: usize,
}

impl Interner {
    /// The shared handle of `text`.
    pub fn get(&mut self, text: &str) -> Sym {
        if let Some(s) = self.texts.get(text) {
            return s.clone();
        }
        let s: Sym = Arc::from(text);
        self.texts.insert(s.clone());
        self.since_sweep += 1;
        s
    }

    /// Drops texts nobody refers to any more, once enough new ones came in that it pays: the
    /// set stays proportional to what the index holds, not to everything it ever saw.
    pub fn sweep_if_due(&mut self) {
        if self.since_sweep > self.texts.len().max(10_000) {
            self.texts.retain(|s| Arc::strong_count(s) > 1);
            self.since_sweep = 0;
        }
    }

    /// Distinct texts held.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether no text is held.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }
}
