//! Search suggestions from the index: values starting with the typed text, found by a range
//! over each field's sorted values (and over the id-ordered workflows for names), so the
//! cost is a few lookups whatever the size.

use app::filter::FilterKey;
use app::suggest::{interleave, SuggestKind, Suggestion, MAX_SUGGESTIONS};

use super::field::Field;
use super::state::State;

fn field(kind: SuggestKind) -> Option<Field> {
    Some(match kind {
        SuggestKind::Campaign => Field::View(FilterKey::Campaign),
        SuggestKind::PrepId => Field::View(FilterKey::PrepId),
        SuggestKind::Dataset => Field::View(FilterKey::OutputDataset),
        SuggestKind::ProcessingString => Field::View(FilterKey::ProcessingString),
        SuggestKind::Tier => Field::Tier,
        SuggestKind::Workflow => return None,
    })
}

/// Workflow names starting with `prefix`, in id order.
fn names<'a>(state: &'a State, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let slots = state.slots_in_order();
    let name = move |i: usize| state.record(slots[i]).map_or("", |r| &*r.name);
    let start = slots.partition_point(|s| state.record(*s).is_some_and(|r| &*r.name < prefix));
    (start..slots.len()).map(name).take_while(move |n| n.starts_with(prefix))
}

/// Up to [`MAX_SUGGESTIONS`] values starting with `prefix`, the kinds taking turns.
pub fn suggest(state: &State, prefix: &str) -> Vec<Suggestion> {
    let lists = SuggestKind::ALL
        .into_iter()
        .map(|kind| match field(kind) {
            Some(f) => state
                .values_from(f, prefix)
                .take(MAX_SUGGESTIONS)
                .map(|(v, p)| Suggestion { kind, value: v.to_string(), workflows: p.distinct() as u64 })
                .collect(),
            None => names(state, prefix)
                .take(MAX_SUGGESTIONS)
                .map(|n| Suggestion { kind, value: n.to_owned(), workflows: 1 })
                .collect(),
        })
        .collect();
    interleave(lists)
}
