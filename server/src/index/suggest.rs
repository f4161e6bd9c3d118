//! Search suggestions from the index: values starting with the typed text whatever its case,
//! found by ranges over each field's sorted values (and over the id-ordered workflows for
//! names), so the cost is a few lookups whatever the size.
//!
//! The values are sorted by their bytes, where "run" and "Run" are far apart; the spellings of
//! the typed text that some value really starts with are found one character at a time (a
//! spelling no value starts with is dropped at once), and each is then one range.

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

/// Spellings kept at most per character: more would only come from values that differ in the
/// case of many letters, and each costs a lookup.
const MAX_SPELLINGS: usize = 32;

/// The spellings of `typed`, ignoring ASCII case, that some value starts with (`known`).
fn spellings(typed: &str, known: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found = vec![String::new()];
    for c in typed.chars() {
        let variants = [c.to_ascii_lowercase(), c.to_ascii_uppercase()];
        let variants = if variants[0] == variants[1] { &variants[..1] } else { &variants[..] };
        found = found
            .iter()
            .flat_map(|s| variants.iter().map(move |v| format!("{s}{v}")))
            .filter(|s| known(s))
            .take(MAX_SPELLINGS)
            .collect();
        if found.is_empty() {
            break;
        }
    }
    found
}

/// The first [`MAX_SUGGESTIONS`] of the values `each` lists for each spelling, in order.
fn first_of<T: Ord>(spellings: &[String], each: impl Fn(&str) -> Vec<T>) -> Vec<T> {
    let mut all: Vec<T> = spellings.iter().flat_map(|s| each(s)).collect();
    all.sort();
    all.dedup();
    all.truncate(MAX_SUGGESTIONS);
    all
}

fn values_of(state: &State, kind: SuggestKind, f: Field, typed: &str) -> Vec<Suggestion> {
    let found = spellings(typed, |p| state.values_from(f, p).next().is_some());
    let each = |p: &str| {
        let values = state.values_from(f, p).take(MAX_SUGGESTIONS);
        values.map(|(v, posting)| (v.to_string(), posting.distinct() as u64)).collect()
    };
    let values = first_of(&found, each);
    values.into_iter().map(|(value, workflows)| Suggestion { kind, value, workflows }).collect()
}

fn names_of(state: &State, typed: &str) -> Vec<Suggestion> {
    let found = spellings(typed, |p| names(state, p).next().is_some());
    let names = first_of(&found, |p| names(state, p).take(MAX_SUGGESTIONS).map(str::to_owned).collect());
    names.into_iter().map(|value| Suggestion { kind: SuggestKind::Workflow, value, workflows: 1 }).collect()
}

/// Up to [`MAX_SUGGESTIONS`] values starting with `prefix` in any case, the kinds taking turns.
pub fn suggest(state: &State, prefix: &str) -> Vec<Suggestion> {
    let lists = SuggestKind::ALL
        .into_iter()
        .map(|kind| match field(kind) {
            Some(f) => values_of(state, kind, f, prefix),
            None => names_of(state, prefix),
        })
        .collect();
    interleave(lists)
}

#[cfg(test)]
mod tests {
    use super::spellings;

    #[test]
    fn spellings_are_those_some_value_starts_with() {
        let values = ["RunIISummer20", "runAlpha", "RUNX", "Zeta"];
        let known = |p: &str| values.iter().any(|v| v.starts_with(p));
        let mut found = spellings("run", known);
        found.sort();
        assert_eq!(found, ["RUN", "Run", "run"]);
        assert_eq!(spellings("zE", known), ["Ze"]);
        assert!(spellings("q", known).is_empty());
        assert_eq!(spellings("1_", |p: &str| "1_a".starts_with(p)), ["1_"]);
    }
}
