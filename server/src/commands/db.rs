//! `stats2 db init|compact|import|export`.

use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::{Cli, DbAction};
use crate::store::ndjson::{self, TransferError};
use crate::store::SharedStore;

/// Runs one `db` action; the exit code.
pub async fn run(cli: &Cli, store: &SharedStore, action: &DbAction) -> Result<i32> {
    let report = match action {
        DbAction::Init => store.init().await.context("db init")?,
        DbAction::Compact { tombstone_max_age } => {
            let mut report = store.compact().await.context("db compact")?;
            let pruned = store.prune_tombstones(*tombstone_max_age).await.context("pruning the change feed")?;
            report.push(format!(
                "dropped {pruned} deletions older than {} from the change feed",
                humantime::format_duration(*tombstone_max_age)
            ));
            report
        }
        DbAction::Import { file } => return import(store, file).await,
        DbAction::Export { file } => return export(store, file).await,
        DbAction::BackfillLumis { dry_run } => {
            return super::update::backfill_lumis(cli, store.clone(), *dry_run).await
        }
    };
    for line in report {
        tracing::info!("{line}");
    }
    Ok(0)
}

fn counter(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} documents {msg} ({elapsed}, {per_sec})") {
        bar.set_style(style);
    }
    bar.set_message(what.to_owned());
    bar
}

fn is_stdio(file: &Path) -> bool {
    file.as_os_str() == "-"
}

async fn import(store: &SharedStore, file: &Path) -> Result<i32> {
    let mut input: Box<dyn BufRead> = if is_stdio(file) {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        Box::new(BufReader::new(std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?))
    };
    let bar = counter("imported");
    let started = std::time::Instant::now();
    let result = ndjson::import(&**store, &mut input, &|n| bar.set_position(n)).await;
    bar.finish_and_clear();
    match result {
        Ok(done) => {
            let secs = started.elapsed().as_secs_f64();
            tracing::info!(documents = done.documents, replaced = done.replaced, seconds = secs, "import finished");
            eprintln!("imported {} documents ({} replaced) in {secs:.1} s", done.documents, done.replaced);
            Ok(0)
        }
        Err(e @ TransferError::BadLine { .. }) => {
            eprintln!("error: {e}; documents of earlier batches were imported, nothing of this line's batch");
            Ok(1)
        }
        Err(e) => Err(e).context("import"),
    }
}

async fn export(store: &SharedStore, file: &Path) -> Result<i32> {
    let mut out: Box<dyn Write> = if is_stdio(file) {
        Box::new(BufWriter::new(std::io::stdout()))
    } else {
        Box::new(BufWriter::new(std::fs::File::create(file).with_context(|| format!("creating {}", file.display()))?))
    };
    let bar = counter("exported");
    let started = std::time::Instant::now();
    let n = ndjson::export(&**store, &mut out, &|n| bar.set_position(n)).await.context("export")?;
    bar.finish_and_clear();
    eprintln!("exported {n} documents in {:.1} s", started.elapsed().as_secs_f64());
    Ok(0)
}
