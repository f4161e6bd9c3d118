//! Moving a record into the index's own memory. Records are built on worker threads among the
//! parsed JSON of their documents; kept there, each long-lived record pins the allocator pages
//! its document's freed garbage shares, and the resident set after a build of 200,000
//! workflows was about 1.4 times what the index holds. The index keeps a fresh copy made on
//! its own thread instead, so the workers' pages hold only garbage and go back to the system
//! whole. The copy is also where texts are shared: a key's text is the posting's own, so
//! every record holding a value points to one text for it.

use app::filter::FilterKey;

use super::field::Field;
use super::intern::Sym;
use super::record::{DatasetSummary, Rare, Record};

/// What a text of a record is, so the index can share it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A posting's value: shared with the posting when one exists.
    Key(Field),
    /// A text of this record alone (its name).
    Own,
}

/// A deep copy of `r` allocated by the calling thread, each text replaced by `text`'s answer.
pub fn copy(r: &Record, text: &mut dyn FnMut(Kind, &Sym) -> Sym) -> Record {
    let derived = r.rare.as_ref().is_none_or(|r| r.view_keys.is_none());
    let mut key = |k: FilterKey, s: &Sym| text(if derived { Kind::Key(Field::View(k)) } else { Kind::Own }, s);
    let prepid = r.prepid.as_ref().map(|s| key(FilterKey::PrepId, s));
    let requests = match (&prepid, r.requests_are_prepid) {
        // The fallback repeats the PrepID: the same text.
        (Some(p), true) if r.requests.iter().all(|r| *r == *p) => r.requests.iter().map(|_| p.clone()).collect(),
        _ => r.requests.iter().map(|s| key(FilterKey::Request, s)).collect(),
    };
    Record {
        prepid,
        requests,
        datasets: r.datasets.iter().map(|d| copy_dataset(d, key(FilterKey::OutputDataset, &d.name))).collect(),
        input_dataset: r.input_dataset.as_ref().map(|s| key(FilterKey::InputDataset, s)),
        campaigns: r.campaigns.iter().map(|s| key(FilterKey::Campaign, s)).collect(),
        request_type: r.request_type.as_ref().map(|s| key(FilterKey::Type, s)),
        processing_string: r.processing_string.as_ref().map(|s| key(FilterKey::ProcessingString, s)),
        name: text(Kind::Own, &r.name),
        transitions: r.transitions.clone(),
        rare: r.rare.as_ref().map(|rare| Box::new(copy_rare(rare, text))),
        total_events: r.total_events,
        expected: r.expected,
        numbers: r.numbers,
        requests_are_prepid: r.requests_are_prepid,
        service: r.service,
        shows_lumis: r.shows_lumis,
        lumi_mode: r.lumi_mode,
    }
}

fn copy_dataset(d: &DatasetSummary, name: Sym) -> DatasetSummary {
    DatasetSummary { name, status: d.status.clone(), points: d.points.clone(), previous: d.previous.clone(), ..*d }
}

fn copy_rare(rare: &Rare, text: &mut dyn FnMut(Kind, &Sym) -> Sym) -> Rare {
    Rare {
        request_name: rare.request_name.as_ref().map(|s| text(Kind::Own, s)),
        view_keys: rare
            .view_keys
            .as_ref()
            .map(|keys| keys.iter().map(|(k, s)| (*k, text(Kind::Key(Field::View(*k)), s))).collect()),
        problem: rare.problem.clone(),
        earlier: rare.earlier.clone(),
    }
}
