//! Runs as the browser and scripts see them: the run page's view, actions, exposure, faults.

use breakwater_domain::health::{Evaluation, Scope, StepVerdict};
use breakwater_domain::plan::Signal;
use breakwater_domain::run::{
    CalendarOverride, Command, Millis, RunEvent, RunPlan, RunState, RunStatus, Waiting,
};
use serde::{Deserialize, Serialize};

/// One line of the run list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub id: i64,
    pub plan: String,
    pub plan_revision: i64,
    pub status: RunStatus,
    /// The run's revision: what the next action must expect.
    pub revision: u64,
    /// 0-based, like the domain; pages show it 1-based.
    pub stage: usize,
    pub stage_count: usize,
    pub step: Option<usize>,
    pub created_by: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
    /// The last failure, one sentence.
    pub failure: Option<String>,
    /// Why the calendar holds the run, and when it opens.
    pub waiting: Option<Waiting>,
    /// The run's last break-glass override (in force while its `until` is ahead).
    pub calendar_override: Option<CalendarOverride>,
}

/// Everything the run page shows, as of `now`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub summary: RunSummary,
    pub run: RunPlan,
    pub state: RunState,
    /// The last evaluation of the current step's gates, and when it was made.
    pub verdict: Option<StepVerdict>,
    pub evaluated_at: Option<Millis>,
    /// The last 15 minutes of each evaluated gate's signal (see [`Sparkline::draws`]).
    pub sparklines: Vec<Sparkline>,
    /// When the executor will advance next if the gates keep passing; `None` when it will not
    /// on its own (paused, pending, finished, waiting for traffic).
    pub next_advance_at: Option<Millis>,
    /// The server's clock when the view was built (countdowns are relative to it).
    pub now: Millis,
    /// The log, oldest first.
    pub events: Vec<EventView>,
    /// The commands that apply now (the calendar allowing).
    pub commands: Vec<Command>,
    /// Why the calendar withholds the commands that would grow exposure now, if it does.
    pub calendar_hold: Option<String>,
    /// Live health per service during the run, for the graph.
    pub health: Vec<ServiceHealth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sparkline {
    pub service: String,
    pub scope: Scope,
    pub signal: Signal,
    /// One point per bucket, oldest first; `None` where there was no traffic.
    pub points: Vec<Option<f64>>,
    pub threshold: f64,
}

impl Sparkline {
    /// Whether this line draws the gate evaluated in `e`: its series and its threshold (one
    /// service may have two gates on a signal, an absolute and a relative one).
    pub fn draws(&self, e: &Evaluation) -> bool {
        self.service == e.service
            && self.scope == e.scope
            && self.signal == e.signal
            && self.threshold == e.threshold
    }
}

/// One event of the log with the run's status before and after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub event: RunEvent,
    pub status_before: RunStatus,
    pub status_after: RunStatus,
}

/// An action on a run. `expected_revision` is the revision the person saw; `idempotency_key`
/// makes a retried request act once and return the first answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRequest {
    pub command: Command,
    pub expected_revision: u64,
    pub idempotency_key: String,
    pub reason: String,
}

/// The answer to an applied action: the events it appended and the run after them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionOutcome {
    pub events: Vec<RunEvent>,
    pub run: RunSummary,
}

/// The current split of one service, as services, sidecars and deploy tools poll it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureView {
    pub service: String,
    pub stable_version: String,
    /// The version being rolled out; `None` when no run touches the service.
    pub new_version: Option<String>,
    pub regions: Vec<RegionExposure>,
    pub run: Option<i64>,
    pub stage: Option<usize>,
    pub step: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionExposure {
    pub region: Option<String>,
    /// Percent of traffic on the new version.
    pub percent: u8,
}

/// A fault to inject into the simulator (`POST /api/v1/simulator/faults`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRequest {
    pub service: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub added_latency_ms: f64,
    /// 0..=1
    #[serde(default)]
    pub error_rate: f64,
    pub duration_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Healthy,
    /// Inconclusive or close to a threshold.
    Degraded,
    Failing,
    /// Not evaluated.
    Unknown,
}

/// A service's live health for the graph; `origin` marks where a failure started (the changed
/// service whose stage failed), the failing others show how far it spread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceHealth {
    pub service: String,
    pub health: Health,
    pub origin: bool,
    /// What each failing gate saw, one sentence each, for the tooltip.
    pub failing: Vec<String>,
}
