//! The seven views of `_design/_designDoc` (S9–S12): their original map functions for
//! CouchDB, and the same rows computed in Rust for the embedded store.

use serde_json::Value;

use app::json::{js_to_string, js_truthy};

/// One view of `_design/_designDoc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    /// `campaigns`: distinct `Campaigns` elements.
    Campaigns,
    /// `requests`: distinct `Requests` elements.
    Requests,
    /// `outputDatasets`: every `OutputDatasets` element, duplicates kept.
    OutputDatasets,
    /// `inputDatasets`: `InputDataset`.
    InputDatasets,
    /// `prepids`: `PrepID`.
    Prepids,
    /// `types`: `RequestType`.
    Types,
    /// `processingStrings`: non-empty `ProcessingString`.
    ProcessingStrings,
}

impl View {
    /// All seven views.
    pub const ALL: [View; 7] = [
        View::Campaigns,
        View::Requests,
        View::OutputDatasets,
        View::InputDatasets,
        View::Prepids,
        View::Types,
        View::ProcessingStrings,
    ];

    /// The view's name in the design document.
    pub fn name(self) -> &'static str {
        match self {
            View::Campaigns => "campaigns",
            View::Requests => "requests",
            View::OutputDatasets => "outputDatasets",
            View::InputDatasets => "inputDatasets",
            View::Prepids => "prepids",
            View::Types => "types",
            View::ProcessingStrings => "processingStrings",
        }
    }

    /// The original map function. `campaigns` and `requests` declare their helper object
    /// with `var`: the original assigns an undeclared variable, which throws (and emits
    /// nothing) under strict-mode evaluators; the rows are the same on Apache CouchDB.
    pub fn map_source(self) -> &'static str {
        match self {
            View::Campaigns => "function (doc) {\n  if (doc.Campaigns) {\n    var addedCampaigns = {};\n    var i;\n    for (i = 0; i < doc.Campaigns.length; i++) {\n      if (!(doc.Campaigns[i] in addedCampaigns)) {\n        emit(doc.Campaigns[i], doc.RequestName);\n        addedCampaigns[doc.Campaigns[i]] = true;\n      }\n    }\n  }\n}",
            View::Requests => "function (doc) {\n  if (doc.Requests) {\n    var addedRequests = {};\n    var i;\n    for (i = 0; i < doc.Requests.length; i++) {\n      if (!(doc.Requests[i] in addedRequests)) {\n        emit(doc.Requests[i], doc.RequestName);\n        addedRequests[doc.Requests[i]] = true;\n      }\n    }\n  }\n}",
            View::OutputDatasets => "function (doc) {\n  var i;\n  if (doc.OutputDatasets) {\n    for (i = 0; i < doc.OutputDatasets.length; i++) {\n      emit(doc.OutputDatasets[i], doc.RequestName);\n    }\n  }\n}",
            View::InputDatasets => "function (doc) {\n  var i;\n  if (doc.InputDataset) {\n    emit(doc.InputDataset, doc.RequestName);\n  }\n}",
            View::Prepids => "function (doc) {\n  if (doc.PrepID) {\n    emit(doc.PrepID, doc.RequestName);\n  }\n}",
            View::Types => "function (doc) {\n  if (doc.RequestType) {\n    emit(doc.RequestType, doc.RequestName);\n  }\n}",
            View::ProcessingStrings => "function (doc) {\n  if (doc.ProcessingString && doc.ProcessingString.length > 0) {\n    emit(doc.ProcessingString, doc.RequestName);\n  }\n}",
        }
    }

    /// The keys this view emits for `doc`, in emission order, as the map function would.
    pub fn emit(self, doc: &Value) -> Vec<Value> {
        let field = |name: &str| doc.get(name).filter(|v| js_truthy(v));
        match self {
            View::Campaigns => distinct(field("Campaigns")),
            View::Requests => distinct(field("Requests")),
            View::OutputDatasets => elements(field("OutputDatasets")),
            View::InputDatasets => field("InputDataset").cloned().into_iter().collect(),
            View::Prepids => field("PrepID").cloned().into_iter().collect(),
            View::Types => field("RequestType").cloned().into_iter().collect(),
            View::ProcessingStrings => {
                field("ProcessingString").filter(|v| js_length(v).is_some_and(|n| n > 0)).cloned().into_iter().collect()
            }
        }
    }
}

/// `for (i = 0; i < v.length; i++) v[i]`: arrays by element, strings by character; anything
/// without a length emits nothing.
fn elements(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.clone(),
        Some(Value::String(s)) => s.chars().map(|c| Value::String(c.to_string())).collect(),
        _ => Vec::new(),
    }
}

/// Elements whose JavaScript string form was not seen before (`x in added` uses String(x)).
fn distinct(v: Option<&Value>) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    elements(v).into_iter().filter(|e| seen.insert(js_to_string(e))).collect()
}

fn js_length(v: &Value) -> Option<usize> {
    match v {
        Value::String(s) => Some(s.encode_utf16().count()),
        Value::Array(a) => Some(a.len()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn s10_campaigns_and_requests_are_distinct_in_first_occurrence_order() {
        let doc = json!({"Campaigns": ["B", "A", "B", 1, "1"], "Requests": []});
        assert_eq!(View::Campaigns.emit(&doc), vec![json!("B"), json!("A"), json!(1)]);
        assert!(View::Requests.emit(&doc).is_empty(), "[] is JS-truthy but has no elements");
    }

    #[test]
    fn s11_output_datasets_keep_duplicates() {
        let doc = json!({"OutputDatasets": ["/a/b/C", "/a/b/C"], "InputDataset": ""});
        assert_eq!(View::OutputDatasets.emit(&doc).len(), 2);
        assert!(View::InputDatasets.emit(&doc).is_empty(), "empty string is falsy");
    }

    #[test]
    fn s12_scalar_views() {
        let doc = json!({"PrepID": "P", "RequestType": "ReReco", "ProcessingString": {"a": 1}});
        assert_eq!(View::Prepids.emit(&doc), vec![json!("P")]);
        assert_eq!(View::Types.emit(&doc), vec![json!("ReReco")]);
        assert!(View::ProcessingStrings.emit(&doc).is_empty(), "an object has no length");
        assert_eq!(View::ProcessingStrings.emit(&json!({"ProcessingString": "x"})), vec![json!("x")]);
        assert!(View::Prepids.emit(&json!({"PrepID": null})).is_empty());
    }
}
