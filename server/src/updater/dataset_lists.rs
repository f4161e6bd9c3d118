//! DBS `datasetlist` look-ups shared by the chunks of one recalculation: a chunk asks only
//! for the datasets no other chunk has asked for yet, in batches of `dataset_batch`, and
//! awaits the others' batches for the rest. Each dataset is asked for once per run, however
//! many workflows (in however many chunks) share it, and a batch goes out as soon as the
//! chunk that needs it has read its documents.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::future::{join_all, BoxFuture, FutureExt, Shared};

use crate::upstream::Upstream;

/// Access types DBS answered for one batch (a dataset DBS does not know is absent), or why
/// the batch failed.
type Answer = Result<Arc<HashMap<String, String>>, String>;
type Batch = Shared<BoxFuture<'static, Answer>>;

/// The batches of one run, by dataset.
#[derive(Default)]
pub struct DatasetLists {
    batches: Mutex<HashMap<String, Batch>>,
}

impl DatasetLists {
    /// The access type of each of `datasets`: `Ok(None)` when DBS does not know it (U27),
    /// `Err` when its batch failed (only the workflows that need it fail).
    pub async fn access(
        &self,
        up: &Arc<dyn Upstream>,
        batch_size: usize,
        datasets: &[String],
    ) -> HashMap<String, Result<Option<String>, String>> {
        let wanted: Vec<(String, Batch)> = self.claim(up, batch_size, datasets);
        let answers = join_all(wanted.iter().map(|(_, b)| b.clone())).await;
        wanted
            .into_iter()
            .zip(answers)
            .map(|((d, _), answer)| {
                let kind = answer.map(|a| a.get(&d).cloned());
                (d, kind)
            })
            .collect()
    }

    /// The batch answering each dataset: another chunk's, or a new one for those nobody asked.
    fn claim(&self, up: &Arc<dyn Upstream>, batch_size: usize, datasets: &[String]) -> Vec<(String, Batch)> {
        let mut batches = self.batches.lock().unwrap_or_else(|p| p.into_inner());
        let new: Vec<String> = datasets.iter().filter(|d| !batches.contains_key(*d)).cloned().collect();
        for chunk in new.chunks(batch_size.max(1)) {
            let batch = ask(up.clone(), chunk.to_vec()).boxed().shared();
            for d in chunk {
                batches.insert(d.clone(), batch.clone());
            }
        }
        datasets.iter().filter_map(|d| Some((d.clone(), batches.get(d)?.clone()))).collect()
    }
}

/// One `datasetlist` call (U25); a dataset in the answer that was not asked for is ignored.
async fn ask(up: Arc<dyn Upstream>, chunk: Vec<String>) -> Answer {
    let infos = up.dataset_list(&chunk).await.map_err(|e| e.to_string())?;
    let mut out = HashMap::with_capacity(infos.len());
    for i in infos {
        if chunk.contains(&i.dataset) {
            out.insert(i.dataset, i.dataset_access_type);
        } else {
            tracing::warn!(dataset = %i.dataset, "DBS answered a dataset that was not asked for; ignored");
        }
    }
    Ok(Arc::new(out))
}
