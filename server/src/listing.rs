//! How a filter maps to the store's views (A2–A4, S7–S8), for the legacy routes that page
//! through the store, and A4's date ordering shared with the summary index.

use app::filter::{Filter, FilterKey};
use serde_json::Value;

use crate::store::View;

/// How a filter is answered (A3, S7–S8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// `workflow_name`: one direct read, the page ignored.
    Direct(&'a str),
    /// A view lookup with the value as key.
    View(View, &'a str),
    /// No filter: every workflow in id order.
    All,
}

impl<'a> Lookup<'a> {
    /// The lookup of the filter's winning parameter.
    pub fn of(filter: &'a Filter) -> Self {
        let Some((key, value)) = filter.primary() else { return Lookup::All };
        match view_of(key) {
            Some(view) => Lookup::View(view, value),
            None => Lookup::Direct(value),
        }
    }
}

/// The view answering a parameter (S8); `None` for `workflow_name`, a direct read.
pub fn view_of(key: FilterKey) -> Option<View> {
    Some(match key {
        FilterKey::WorkflowName => return None,
        FilterKey::PrepId => View::Prepids,
        FilterKey::OutputDataset => View::OutputDatasets,
        FilterKey::InputDataset => View::InputDatasets,
        FilterKey::Campaign => View::Campaigns,
        FilterKey::Type => View::Types,
        FilterKey::ProcessingString => View::ProcessingStrings,
        FilterKey::Request => View::Requests,
    })
}

/// A4's sort key: the name's 3rd- and 2nd-from-last '_' parts joined by '_' (date_time).
/// A document without RequestName sorts by its `_id` instead of failing the page.
pub fn date_time_key(doc: &Value) -> String {
    let name =
        doc.get("RequestName").and_then(Value::as_str).or_else(|| doc.get("_id").and_then(Value::as_str)).unwrap_or("");
    date_time_key_of(name)
}

/// A4's sort key of a name.
pub fn date_time_key_of(name: &str) -> String {
    let parts: Vec<&str> = name.split('_').collect();
    let end = parts.len().saturating_sub(1);
    parts[end.saturating_sub(2)..end].join("_")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a3_lookup_follows_precedence() {
        let f = Filter::default().with(FilterKey::Request, "r").with(FilterKey::Campaign, "c");
        assert_eq!(Lookup::of(&f), Lookup::View(View::Campaigns, "c"));
        let f = f.with(FilterKey::WorkflowName, "w");
        assert_eq!(Lookup::of(&f), Lookup::Direct("w"));
        assert_eq!(Lookup::of(&Filter::default()), Lookup::All);
    }

    #[test]
    fn a4_sort_key_is_date_and_time() {
        assert_eq!(date_time_key(&json!({"RequestName": "pdmvserv_task_X_230101_120000_1234"})), "230101_120000");
        assert_eq!(date_time_key(&json!({"RequestName": "a_b"})), "a");
        assert_eq!(date_time_key(&json!({"RequestName": "a"})), "");
        assert_eq!(date_time_key(&json!({"_id": "x_y_z_w"})), "y_z");
    }
}
