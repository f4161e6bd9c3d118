//! Building a Stats2 document from a ReqMgr2 request, look-ups included (U1–U17): the pure
//! rules of [`super::derive`] plus the DBS input counts (U10 e/f, U11) and the Resubmission
//! parent look-ups (U12–U13). Fixed on the way: a null RequestNumEvents falls through to the
//! next rule and the filter efficiency applies to input-dataset counts (X12), a file listed
//! under several runs is counted once (X12), and a Resubmission without PrepID gets -1 with a
//! warning instead of failing (X25).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::dataset_lists::DatasetLists;
use super::derive::{base_document, campaigns_and_requests, filter_efficiency, py_int, static_total_events};
use super::memo::Memo;
use super::UpdateError;
use crate::upstream::{FileSummary, Upstream};
use app::json::py_truthy;

/// Caches of one run or one API call (U43), keyed by the full request (X11).
#[derive(Default)]
pub struct RunCaches {
    /// filesummaries by (dataset, validFileOnly).
    pub summaries: Memo<(String, bool), FileSummary>,
    /// Input event counts by (dataset, lumi mask JSON).
    pub input_counts: Memo<(String, String), i64>,
    /// DBS `datasetlist` answers, shared by everything that looks datasets up this run.
    pub lists: DatasetLists,
}

impl RunCaches {
    /// filesummaries of `dataset`, once per run per variant.
    pub async fn summary(
        &self,
        up: &dyn Upstream,
        dataset: &str,
        valid_only: bool,
    ) -> Result<FileSummary, UpdateError> {
        self.summaries
            .get_or_try(&(dataset.to_owned(), valid_only), || async { up.file_summary(dataset, valid_only).await })
            .await
            .map_err(UpdateError::from)
    }
}

/// U11: events of an input dataset, restricted to a lumi mask when it is truthy.
async fn input_count(
    up: &dyn Upstream,
    caches: &RunCaches,
    dataset: &str,
    mask: Option<&Value>,
) -> Result<i64, UpdateError> {
    let Some(mask) = mask.filter(|m| py_truthy(m)) else {
        return Ok(caches.summary(up, dataset, false).await?.num_event);
    };
    let key = (dataset.to_owned(), mask.to_string());
    caches
        .input_counts
        .get_or_try(&key, || async {
            let mut events: HashMap<String, i64> = HashMap::new();
            let mut anonymous = 0;
            for (run, ranges) in mask.as_object().into_iter().flatten() {
                let run =
                    run.trim().parse::<i64>().map_err(|_| UpdateError::Invalid(format!("lumi mask run {run:?}")))?;
                for f in up.run_files(dataset, run, ranges).await? {
                    let n = f.event_count.unwrap_or_else(|| {
                        tracing::warn!(dataset, run, "DBS file without event_count; counted as 0");
                        0
                    });
                    match f.logical_file_name {
                        Some(lfn) => {
                            events.insert(lfn, n);
                        }
                        None => anonymous += n,
                    }
                }
            }
            Ok::<i64, UpdateError>(events.values().sum::<i64>() + anonymous)
        })
        .await
}

/// U12/U13 scan: the first non-Resubmission sibling with a non-null `field`.
async fn parent_value(up: &dyn Upstream, prep_id: &str, field: &str) -> Result<Option<i64>, UpdateError> {
    let rows = up.requests_by_prep_id(prep_id, field).await?;
    Ok(rows.iter().find_map(|(_, v)| {
        let kind = v.get("RequestType").and_then(Value::as_str).unwrap_or("").to_lowercase();
        let value = v.get(field).filter(|x| !x.is_null())?;
        (kind != "resubmission").then(|| py_int(value)).flatten()
    }))
}

/// The Stats2 document of request `r` named `name` (no `_rev`, `LastUpdate` or history).
pub async fn build(
    up: &dyn Upstream,
    caches: &RunCaches,
    name: &str,
    r: &Map<String, Value>,
) -> Result<Map<String, Value>, UpdateError> {
    let mut doc = base_document(name, &Value::Object(r.clone()))?;
    let resubmission =
        r.get("RequestType").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("resubmission"));
    let f = filter_efficiency(r);
    let (total_events, total_lumis) = if resubmission {
        match r.get("PrepID").and_then(Value::as_str).filter(|p| !p.is_empty()) {
            Some(prep_id) => {
                let events = parent_value(up, prep_id, "TotalInputEvents").await?.map_or(-1, |e| (f * e as f64) as i64);
                let lumis = parent_value(up, prep_id, "TotalInputLumis").await?;
                (events, lumis.map_or(Value::Null, Value::from))
            }
            None => {
                tracing::warn!(workflow = name, "Resubmission without PrepID: its totals are unknown");
                (-1, Value::Null)
            }
        }
    } else {
        let events = match static_total_events(r)? {
            Some(n) => n,
            None => {
                let task =
                    ["Task1", "Step1"].into_iter().find_map(|t| r.get(t).filter(|t| t.get("InputDataset").is_some()));
                match task.and_then(|t| Some((t.get("InputDataset")?.as_str()?, t.get("LumiList")))) {
                    Some((dataset, mask)) => (f * input_count(up, caches, dataset, mask).await? as f64) as i64,
                    None => {
                        tracing::info!(workflow = name, "no rule gives the expected events; TotalEvents = -1");
                        -1
                    }
                }
            }
        };
        (events, r.get("TotalInputLumis").cloned().unwrap_or(Value::from(-1)))
    };
    let (campaigns, requests) = campaigns_and_requests(r);
    doc.insert("TotalEvents".into(), Value::from(total_events));
    doc.insert("TotalInputLumis".into(), total_lumis);
    doc.insert("Campaigns".into(), Value::Array(campaigns));
    doc.insert("Requests".into(), Value::Array(requests));
    Ok(doc)
}

#[cfg(test)]
mod tests;

/// A built document, or `None` when ReqMgr2 no longer has the workflow.
pub(super) type Built = Result<Option<Map<String, Value>>, UpdateError>;

/// The document to write for a fetched ReqMgr2 document (U1–U17); `None` when ReqMgr2 no
/// longer has it (its deletion arrives with the next changes).
pub(super) async fn build_fetched(ctx: &super::RunContext, name: &str, doc: super::documents::Fetched) -> Built {
    match doc {
        Ok(Some(request)) => Ok(Some(build(&*ctx.up, &ctx.caches, name, &request).await?)),
        Ok(None) => {
            tracing::info!(workflow = name, "not in ReqMgr2 any more");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
