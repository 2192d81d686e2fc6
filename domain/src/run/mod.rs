//! Running a plan: a durable state machine whose state is a fold of its events.
//!
//! # Layout
//! - this module: the run's frozen plan ([`RunPlan`]), its state ([`RunState`]), the events
//!   ([`RunEvent`], [`EventKind`]), the commands people give ([`Command`]) and the refusals.
//! - [`machine`]: `decide` (a command against a state gives events or a refusal), `evolve`
//!   (one event moves the state; total, events are facts), `replay`, and `tick`: what the
//!   executor does on its own from a step's gate verdict and the clock.
//!
//! Time is passed in ([`Millis`]); nothing here reads the clock. A run's steps are the
//! plan's per-service [`Step`](crate::plan::Step)s grouped by position: step `j` of a stage
//! is every service's `j`-th step, applied together (services of a stage roll out in
//! parallel, as the planner's estimate assumes).

pub mod machine;

pub use machine::{decide, evolve, replay, steps_requested, tick};

use crate::health::Evaluation;
use crate::plan::{FailureAction, Plan, Stage, Step};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// What a run executes, frozen when it starts: the approved plan revision's stages and, per
/// changed service, the version it leaves and the one it rolls out, and where to announce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunPlan {
    pub plan_name: String,
    pub plan_revision: i64,
    pub plan: Plan,
    pub services: Vec<RunService>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunService {
    pub service: String,
    /// The version in the catalog when the run started (the stable version).
    pub from_version: String,
    pub to_version: String,
    /// Where each step of this service is announced; `None`: applied when recorded (services
    /// poll `GET /api/v1/exposure/{service}`).
    pub webhook: Option<crate::plan::policy::Webhook>,
}

impl RunPlan {
    pub fn service(&self, id: &str) -> Option<&RunService> {
        self.services.iter().find(|s| s.service == id)
    }

    /// How many steps stage `stage` has: the most steps any of its services has.
    pub fn step_count(&self, stage: usize) -> usize {
        self.plan.stages.get(stage).map_or(0, |s| {
            steps_by_service(s)
                .into_iter()
                .map(|(_, v)| v.len())
                .max()
                .unwrap_or(0)
        })
    }

    /// Step `step` of stage `stage`: each service's `step`-th plan step (services with fewer
    /// steps are done and absent).
    pub fn step(&self, stage: usize, step: usize) -> Vec<&Step> {
        self.plan.stages.get(stage).map_or_else(Vec::new, |s| {
            steps_by_service(s)
                .into_iter()
                .filter_map(|(_, v)| v.get(step).copied())
                .collect()
        })
    }

    /// The bake time of a step: the longest of its services' bake times (saturating: a plan
    /// built by hand may exceed the planner's limit, and a run never overflows).
    pub fn bake_millis(&self, stage: usize, step: usize) -> Millis {
        self.step(stage, step)
            .iter()
            .map(|s| {
                Millis::try_from(s.bake_secs).map_or(Millis::MAX, |secs| secs.saturating_mul(1000))
            })
            .max()
            .unwrap_or(0)
    }

    /// What step `step` of stage `stage` sets, in words: "payment 5% in eu-west, checkout 5%".
    pub fn step_words(&self, stage: usize, step: usize) -> String {
        self.step(stage, step)
            .iter()
            .map(|s| match &s.region {
                Some(region) => format!("{} {}% in {region}", s.service, s.percent),
                None => format!("{} {}%", s.service, s.percent),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn on_failure(&self, stage: usize) -> FailureAction {
        self.plan
            .stages
            .get(stage)
            .map_or(FailureAction::Pause, |s| s.on_failure)
    }
}

/// A stage's plan steps per service, in the stage's service order, each in plan order.
pub(crate) fn steps_by_service(stage: &Stage) -> Vec<(&str, Vec<&Step>)> {
    let mut out: Vec<(&str, Vec<&Step>)> = stage
        .services
        .iter()
        .map(|s| (s.as_str(), Vec::new()))
        .collect();
    for step in &stage.steps {
        if let Some((_, steps)) = out.iter_mut().find(|(s, _)| *s == step.service) {
            steps.push(step);
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Pending,
    Running,
    Paused,
    RollingBack,
    RolledBack,
    Completed,
    Aborted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pending => "pending",
            RunStatus::Running => "running",
            RunStatus::Paused => "paused",
            RunStatus::RollingBack => "rolling_back",
            RunStatus::RolledBack => "rolled_back",
            RunStatus::Completed => "completed",
            RunStatus::Aborted => "aborted",
        }
    }

    /// The status as people say it: "rolling back", "rolled back", "running".
    pub fn words(self) -> &'static str {
        match self {
            RunStatus::RollingBack => "rolling back",
            RunStatus::RolledBack => "rolled back",
            other => other.as_str(),
        }
    }

    /// No command applies any more.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            RunStatus::RolledBack | RunStatus::Completed | RunStatus::Aborted
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackScope {
    /// The current stage back to 0%; the run then waits, paused, for a person.
    Stage,
    /// Every stage the run touched, in reverse dependency order (the last stage first).
    Plan,
}

/// One service in one region (`None`: the service lists no regions).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Placement {
    pub service: String,
    pub region: Option<String>,
}

impl Placement {
    /// Where a plan step applies.
    pub fn of(step: &Step) -> Placement {
        Placement {
            service: step.service.clone(),
            region: step.region.clone(),
        }
    }
}

/// An actuation sent to webhooks and not yet acknowledged by all of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pending {
    Step { stage: usize, step: usize },
    Rollback { stage: usize },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub status: RunStatus,
    /// Events applied so far: the revision the next action must expect.
    pub revision: u64,
    /// The current stage (0-based).
    pub stage: usize,
    /// The current step within the stage; `None` until the stage's first step is requested,
    /// and again once the stage is rolled back (a paused run then retries the stage from step 0).
    pub step: Option<usize>,
    /// Percent of the new version per service and region, for every placement the run touched
    /// (0 once rolled back). Placements not listed run the stable version only.
    #[serde(with = "placement_pairs")]
    pub exposure: BTreeMap<Placement, u8>,
    /// The actuation waiting for its webhooks; the bake does not start before it is acknowledged.
    pub pending: Option<Pending>,
    /// When the current step's bake ends; `None` while paused, pending or before the first step.
    pub bake_until: Option<Millis>,
    /// While paused: the bake time the current step still has to serve.
    pub bake_left: Option<Millis>,
    /// Stages completed at 100%, in order.
    pub completed_stages: Vec<usize>,
    /// When the current stage's first step was requested: the end of the baseline window of
    /// downstream gates.
    pub stage_started_at: Option<Millis>,
    /// While rolling back: the scope and the stages still to roll back, next first. Still set
    /// when a failed webhook paused the rollback half way: it must be redone.
    pub rollback: Option<(RollbackScope, Vec<usize>)>,
    /// The last failure (gate or actuation), one sentence; cleared by resume and retry.
    pub failure: Option<String>,
    /// The calendar holds the step the executor would take next (outside an activation
    /// window, or in a freeze); cleared by the run's next event of any other kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<Waiting>,
    /// The last break-glass override of the calendar for this run (in force until `until`).
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub calendar_override: Option<CalendarOverride>,
}

/// Why the calendar holds a run, and when it opens (`None`: not within two years).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub reason: String,
    pub opens_at: Option<Millis>,
}

/// A person let this run act outside its calendar until `until`, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarOverride {
    pub until: Millis,
    pub by: String,
    pub reason: String,
}

impl CalendarOverride {
    pub fn in_force(&self, now: Millis) -> bool {
        now < self.until
    }
}

impl RunState {
    /// A run that has not started.
    pub fn new() -> RunState {
        RunState {
            status: RunStatus::Pending,
            revision: 0,
            stage: 0,
            step: None,
            exposure: BTreeMap::new(),
            pending: None,
            bake_until: None,
            bake_left: None,
            completed_stages: Vec::new(),
            stage_started_at: None,
            rollback: None,
            failure: None,
            waiting: None,
            calendar_override: None,
        }
    }
}

/// JSON object keys are strings only: a map keyed by placement travels as a list of
/// `[placement, percent]` pairs (in key order, so the same state gives the same text).
mod placement_pairs {
    use super::Placement;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<Placement, u8>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<Placement, u8>, D::Error> {
        Ok(Vec::<(Placement, u8)>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

impl Default for RunState {
    fn default() -> Self {
        RunState::new()
    }
}

/// Who acted: a person (by name), or the executor on its own (bake elapsed, a gate failed, a
/// webhook failed; the event's reason says which).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Actor {
    Person(String),
    Executor,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Person(name) => f.write_str(name),
            Actor::Executor => f.write_str("executor"),
        }
    }
}

/// One entry of a run's append-only log. `seq` is 1-based and equals the state's revision after
/// the event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEvent {
    pub seq: u64,
    pub at: Millis,
    pub actor: Actor,
    pub kind: EventKind,
    /// Why, in one sentence: the person's reason, or what the executor saw.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum EventKind {
    Started,
    /// Exposure moves to step `step` of stage `stage`. With `awaits_ack` the step counts as
    /// applied (and bakes) only after [`EventKind::Acknowledged`].
    StepRequested {
        stage: usize,
        step: usize,
        awaits_ack: bool,
    },
    /// Stage `stage`'s services go back to 0% of their new version.
    StageRolledBack {
        stage: usize,
        awaits_ack: bool,
    },
    /// Every webhook acknowledged the pending actuation.
    Acknowledged,
    StageCompleted {
        stage: usize,
    },
    Completed,
    /// `failed`: the gate evaluations that made the executor pause (empty when a person did,
    /// or when a webhook failed).
    Paused {
        failed: Vec<Evaluation>,
    },
    Resumed,
    RollbackStarted {
        scope: RollbackScope,
        failed: Vec<Evaluation>,
    },
    /// Every stage of the rollback is at 0% (plan scope: the run is rolled back; stage scope:
    /// it waits, paused).
    RollbackFinished,
    /// The current step is requested again from its start (after a failure or a stage rollback).
    Retried {
        awaits_ack: bool,
    },
    Aborted,
    /// The calendar holds the step the executor would take next; it continues on its own at
    /// `opens_at` (the event's reason names the window or freeze).
    WindowClosed {
        opens_at: Option<Millis>,
    },
    /// Break-glass: a person lets this run act outside its calendar until `until` (the event's
    /// reason says why). Freezes and windows still show; they no longer hold the run.
    CalendarOverridden {
        until: Millis,
    },
}

impl EventKind {
    /// The event's type as serialized (its `type` tag): "step_requested", "paused", ...
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Started => "started",
            EventKind::StepRequested { .. } => "step_requested",
            EventKind::StageRolledBack { .. } => "stage_rolled_back",
            EventKind::Acknowledged => "acknowledged",
            EventKind::StageCompleted { .. } => "stage_completed",
            EventKind::Completed => "completed",
            EventKind::Paused { .. } => "paused",
            EventKind::Resumed => "resumed",
            EventKind::RollbackStarted { .. } => "rollback_started",
            EventKind::RollbackFinished => "rollback_finished",
            EventKind::Retried { .. } => "retried",
            EventKind::Aborted => "aborted",
            EventKind::WindowClosed { .. } => "window_closed",
            EventKind::CalendarOverridden { .. } => "calendar_overridden",
        }
    }
}

/// What people (and scripts) ask a run to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    Start,
    /// The next step now, without waiting for the bake (or the next stage when a stage is done).
    Advance,
    Pause,
    Resume,
    RollbackStage,
    RollbackPlan,
    Abort,
    Retry,
}

impl Command {
    pub const ALL: [Command; 8] = [
        Command::Start,
        Command::Advance,
        Command::Pause,
        Command::Resume,
        Command::RollbackStage,
        Command::RollbackPlan,
        Command::Abort,
        Command::Retry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Command::Start => "start",
            Command::Advance => "advance",
            Command::Pause => "pause",
            Command::Resume => "resume",
            Command::RollbackStage => "rollback_stage",
            Command::RollbackPlan => "rollback_plan",
            Command::Abort => "abort",
            Command::Retry => "retry",
        }
    }
}

/// Why a command does not apply to a run in its current state, in words for the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{0}")]
pub struct Refusal(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_are_the_serde_tags() {
        let every = [
            EventKind::Started,
            EventKind::StepRequested {
                stage: 0,
                step: 0,
                awaits_ack: false,
            },
            EventKind::StageRolledBack {
                stage: 0,
                awaits_ack: true,
            },
            EventKind::Acknowledged,
            EventKind::StageCompleted { stage: 0 },
            EventKind::Completed,
            EventKind::Paused { failed: Vec::new() },
            EventKind::Resumed,
            EventKind::RollbackStarted {
                scope: RollbackScope::Plan,
                failed: Vec::new(),
            },
            EventKind::RollbackFinished,
            EventKind::Retried { awaits_ack: false },
            EventKind::Aborted,
        ];
        for kind in &every {
            let json = serde_json::to_value(kind).expect("an event kind serializes");
            assert_eq!(json["type"].as_str(), Some(kind.name()), "{kind:?}");
        }
        let mut names: Vec<&str> = every.iter().map(EventKind::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), every.len(), "two kinds share a name");
    }
}
