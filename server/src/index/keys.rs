//! A record's keys: the values the postings list it under. They are read from the record's own
//! fields instead of being stored beside them (the keys were a sixth of the index). The
//! legacy views' keys come from the fields only when the build found them equal to what the
//! views emit for the stored document; a document where they differ (a number among the
//! campaigns, an output dataset list that is a string) keeps the emitted keys, so postings
//! stay exactly what the store's views answer.

use app::filter::{pwg_of, FilterKey};
use app::format::datatier;

use super::field::{Field, IDLE};
use super::intern::{Interner, Sym};
use super::record::Record;

/// A key's text: a field's shared text, or a part of one (a datatier, a PWG, a status name)
/// that gets a shared text of its own only as a posting's value.
#[derive(Clone, Copy)]
pub enum Text<'a> {
    /// A field's shared text: a posting created for it shares it.
    Shared(&'a Sym),
    /// A derived text.
    Part(&'a str),
}

impl Text<'_> {
    /// The text.
    pub fn as_str(&self) -> &str {
        match self {
            Text::Shared(s) => s,
            Text::Part(s) => s,
        }
    }

    /// A shared text for a new posting: the field's own when there is one.
    pub fn to_sym(self, interner: &mut Interner) -> Sym {
        match self {
            Text::Shared(s) => s.clone(),
            Text::Part(s) => interner.get(s),
        }
    }
}

/// A record's keys: what the views would emit for it (S9–S12) and the analytics keys, read
/// from its fields. A view over the record rather than methods of it, so that the record
/// itself knows nothing of postings and fields.
#[derive(Clone, Copy)]
pub struct Keys<'a>(&'a Record);

impl<'a> Keys<'a> {
    /// The keys of `r`.
    pub fn of(r: &'a Record) -> Self {
        Keys(r)
    }

    /// Calls `f` with every key until it returns true (then returns true): the view keys in
    /// the views' order, repeats kept as the views emit them (S10, S11), then the analytics
    /// keys (current status, PWG, each distinct datatier and dataset status, idle) once each.
    pub fn any(self, mut f: impl FnMut(Field, Text<'_>) -> bool) -> bool {
        self.0.any_view_key(&mut |k, s| f(Field::View(k), Text::Shared(s))) || self.any_derived(&mut f)
    }

    fn any_derived(self, f: &mut impl FnMut(Field, Text<'_>) -> bool) -> bool {
        if self.0.transitions.last_status().is_some_and(|s| f(Field::Status, Text::Part(s))) {
            return true;
        }
        if self.0.prepid.as_deref().and_then(pwg_of).is_some_and(|p| f(Field::Pwg, Text::Part(p))) {
            return true;
        }
        let sets = self.0.datasets.iter().enumerate();
        for (i, d) in sets {
            let earlier = &self.0.datasets[..i];
            let tier = datatier(&d.name);
            if !earlier.iter().any(|e| datatier(&e.name) == tier) && f(Field::Tier, Text::Part(tier)) {
                return true;
            }
            if !earlier.iter().any(|e| e.status == d.status) && f(Field::DatasetStatus, Text::Part(d.status.as_str())) {
                return true;
            }
        }
        self.0.idle_since().is_some() && f(Field::Idle, Text::Part(IDLE))
    }

    /// Whether the record holds `text` for `key`: what a filter asks of a workflow that a
    /// posting's bits cannot answer.
    pub fn has(self, key: Field, text: &Sym) -> bool {
        self.any(|k, v| k == key && v.as_str() == &**text)
    }

    /// The campaigns as the campaign view keys them (the pre-summed scopes).
    pub fn campaigns(self, f: &mut dyn FnMut(&Sym)) {
        self.0.any_view_key(&mut |k, s| {
            if k == FilterKey::Campaign {
                f(s);
            }
            false
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::State;
    use crate::listing::view_of;
    use serde_json::{json, Value};

    fn view_keys(r: &Record) -> Vec<(FilterKey, String)> {
        let mut keys = Vec::new();
        r.any_view_key(&mut |k, s| {
            keys.push((k, s.to_string()));
            false
        });
        keys
    }

    fn emitted(doc: &Value) -> Vec<(FilterKey, String)> {
        let views = FilterKey::ALL.into_iter().filter_map(|k| Some((k, view_of(k)?)));
        views
            .flat_map(|(k, v)| v.emit(doc).into_iter().filter_map(move |e| Some((k, e.as_str()?.to_owned()))))
            .collect()
    }

    #[test]
    fn s10_s11_keys_are_what_the_views_emit_whether_read_from_fields_or_kept() {
        let plain = json!({"_id": "a", "RequestName": "a", "PrepID": "HIG-Run3-1", "Campaigns": ["C", "C", "D"],
            "OutputDatasets": ["/p/q-v1/AODSIM", "/p/q-v1/AODSIM", "/p/r-v1/MINIAODSIM"], "RequestType": "ReReco",
            "Requests": ["R1"], "InputDataset": "/in/x/RAW", "ProcessingString": "PS"});
        let odd =
            json!({"_id": "b", "Campaigns": [1, "1", "E"], "OutputDatasets": "/x", "PrepID": "", "Requests": [2]});
        for (doc, derived) in [(plain, true), (odd, false)] {
            let r = Record::from_doc(doc.clone(), &mut Interner::default());
            assert_eq!(view_keys(&r), emitted(&doc), "{doc}");
            assert_eq!(r.rare.as_ref().and_then(|r| r.view_keys.as_ref()).is_none(), derived, "{doc}");
        }
    }

    #[test]
    fn analytics_keys_come_once_each_and_postings_share_one_text() {
        let doc = |id: &str| {
            json!({"_id": id, "PrepID": "HIG-Run3-1", "Campaigns": ["C"], "RequestTransition": [{"Status": "running-open", "UpdateTime": 1}],
                "OutputDatasets": ["/p/q-v1/AODSIM", "/p/r-v1/AODSIM"]})
        };
        let r = Record::from_doc(doc("a"), &mut Interner::default());
        let mut derived = Vec::new();
        Keys::of(&r).any(|k, v| {
            if !matches!(k, Field::View(_)) {
                derived.push((k, v.as_str().to_owned()));
            }
            false
        });
        let tiers = derived.iter().filter(|(k, _)| *k == Field::Tier).count();
        assert_eq!(tiers, 1, "{derived:?}");
        assert!(
            derived.contains(&(Field::Pwg, "HIG".into())) && derived.contains(&(Field::Status, "running-open".into()))
        );
        let mut s = State::building();
        // As the build's two threads do: each record from an interner of its own.
        s.insert(Record::from_doc(doc("a"), &mut Interner::default()));
        s.insert(Record::from_doc(doc("b"), &mut Interner::default()));
        s.finish_build();
        let statuses = ["a", "b"].map(|n| s.tally(s.slot_of(n).unwrap()).status);
        assert!(statuses[0].is_some() && statuses[0] == statuses[1], "the campaign table tells statuses apart");
        let postings = |k| {
            s.values(Field::View(k)).map(|(v, p)| (v.as_ptr(), p.slots().iter().map(|slot| s.record(*slot).unwrap())))
        };
        for (text, mut records) in postings(FilterKey::Campaign) {
            assert!(
                records.all(|r| r.campaigns.iter().any(|c| c.as_ptr() == text)),
                "records share the posting's text"
            );
        }
        assert_eq!(s.posting(Field::Pwg, "HIG").map(|p| p.distinct()), Some(2));
        assert!(Keys::of(s.get("a").unwrap()).has(Field::Tier, &Sym::from("AODSIM")));
    }
}
