//! Compact rows sent to the dashboard: derived values and the latest record per dataset,
//! never whole histories (docs/architecture.md, "Data flow").

use serde::{Deserialize, Serialize};

use crate::links::Service;
use crate::model::DatasetStatus;

/// One page of the workflow list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowPage {
    /// Rows in display order.
    pub rows: Vec<WorkflowRow>,
    /// Zero-based page number.
    pub page: u32,
    /// Whether a next page may exist (the page was full, A17).
    pub has_next: bool,
    /// Workflows in the store (design documents not counted).
    pub total_workflows: u64,
    /// Distinct workflows matching the filter, exactly (every page of it, not this one).
    #[serde(default)]
    pub matching: u64,
    /// Start time of the last completed update run (D22), when known.
    pub last_update: Option<i64>,
    /// Rows per page of this answer.
    pub page_size: u32,
    /// The most recent update run, when one was recorded.
    pub last_run: Option<RunInfo>,
    /// When (Unix seconds) the server last held everything the store had, given only while
    /// its change feed has been failing for over a minute: the page then says "data as of".
    #[serde(default)]
    pub data_as_of: Option<i64>,
}

/// How an update run ended; the lowercase names are what the run records and the server
/// functions carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    /// It finished; failed workflows, if any, are on the failed list.
    Ok,
    /// Another run held the lock, so this one did nothing.
    Skipped,
    /// It stopped early (upstream or store unavailable); nothing after the failure was saved.
    Failed,
}

impl RunOutcome {
    /// The lowercase name (a CSS class and a metric label too).
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Ok => "ok",
            RunOutcome::Skipped => "skipped",
            RunOutcome::Failed => "failed",
        }
    }
}

/// A recorded update run (shown in the header).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Unix seconds of its start.
    pub start: i64,
    /// Wall time in seconds.
    pub seconds: f64,
    /// How it ended.
    pub outcome: RunOutcome,
    /// Documents created or updated.
    pub changed: u64,
    /// Workflows that got a new history entry.
    pub recalculated: u64,
    /// Workflows on the failed list after it.
    pub failed: u64,
}

/// A status with the time it was set (D4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusAt {
    /// Status name.
    pub status: String,
    /// Unix seconds.
    pub time: i64,
}

/// What the table shows of one workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowRow {
    /// Workflow name (`_id`).
    pub name: String,
    /// PrepID when non-empty.
    pub prepid: Option<String>,
    /// Request type.
    pub request_type: Option<String>,
    /// Distinct campaigns, first occurrences kept (D6).
    pub campaigns: Vec<String>,
    /// Distinct task PrepIDs, or the PrepID when there are none (D6).
    pub requests: Vec<String>,
    /// Filter parameter of the request links: `request`, or `prepid` for the fallback (D6).
    pub request_param: String,
    /// The PdmV service of the PrepID (D7); the page builds the links from it (`app::links`).
    pub service: Service,
    /// ReqMgr2's RequestName when it differs from the document id (for the ReqMgr2 link).
    pub request_name: Option<String>,
    /// Expected events (D15: missing counts as 0).
    pub total_events: i64,
    /// Expected lumisections when an integer.
    pub total_input_lumis: Option<i64>,
    /// LumiList truthy: show lumisections instead of events (D16).
    pub shows_lumis: bool,
    /// Priority.
    pub priority: Option<i64>,
    /// Unix seconds of the last stored change.
    pub last_update: Option<i64>,
    /// First transition (D4).
    pub first_status: Option<StatusAt>,
    /// Last transition (D4).
    pub last_status: Option<StatusAt>,
    /// When it was force-completed (its first `force-complete` transition): it is done, its
    /// completion shows as 100 % with an "FC" badge beside what it produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_completed: Option<i64>,
    /// Processing string when non-empty.
    pub processing_string: Option<String>,
    /// Input dataset when non-empty.
    pub input_dataset: Option<String>,
    /// Output datasets in stored order, duplicates kept (D11).
    pub datasets: Vec<DatasetRow>,
    /// Set when the stored document could not be read as a workflow; the row then only
    /// carries the name.
    pub problem: Option<String>,
}

/// The latest state of one output dataset (D11–D13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRow {
    /// Dataset name.
    pub name: String,
    /// Text after the last '/'.
    pub datatier: String,
    /// Latest DBS status, NONE when never seen.
    pub status: DatasetStatus,
    /// Latest events.
    pub events: i64,
    /// Latest lumisections, when recorded and truthy.
    pub lumis: Option<i64>,
    /// Bytes, -1 when unknown.
    pub size: i64,
    /// Completion in percent on events, when TotalEvents > 0 (D13).
    pub completed_perc: Option<f64>,
    /// Completion in percent on lumisections, when lumis are shown (D13).
    pub lumi_completed_perc: Option<f64>,
    /// Where it is heading, when it has a history.
    pub forecast: Option<crate::forecast::Forecast>,
}

/// What a live event announces; the lowercase names are the `/events` wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// An update run finished (its record changed).
    Run,
    /// The workflows in `changed` were written.
    Workflow,
    /// Events were missed or too many changed at once: reload what is shown.
    Resync,
}

/// What the live stream announces (server-sent events at `<base>/events`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    /// What happened.
    pub kind: EventKind,
    /// Workflows whose document changed.
    pub changed: Vec<String>,
    /// Unix seconds of the run's start, for `run` events.
    pub run_start: Option<i64>,
    /// Its number on the server's stream (sent as the event's `id`, not in its JSON), so a
    /// client that reconnects can say what it saw last; 0 until published.
    #[serde(skip)]
    pub seq: u64,
}
