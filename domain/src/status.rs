//! What a stakeholder sees of a rollout on a shared status page: the stages and how far each
//! got, overall progress, a traffic light with one sentence, the next window, the expected end
//! and the notable events in plain language. Deliberately less than the run page: no gate
//! values, no reasons people typed (they may name internal systems), no webhook targets.

use crate::calendar::{rfc3339, schedule::PlanSchedule};
use crate::health::Evaluation;
use crate::run::{EventKind, Millis, RollbackScope, RunEvent, RunPlan, RunState, RunStatus};
use serde::{Deserialize, Serialize};

/// Most events the page lists (newest first).
pub const NOTABLE_EVENTS: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Green,
    Amber,
    Red,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Green => "green",
            Health::Amber => "amber",
            Health::Red => "red",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageProgress {
    NotStarted,
    InProgress,
    Done,
    RolledBack,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageStatus {
    /// 1-based.
    pub index: usize,
    pub services: Vec<String>,
    pub progress: StageProgress,
    /// The highest share of traffic any of its services reached, in percent.
    pub percent: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notable {
    pub at: Millis,
    pub text: String,
}

/// The status of one plan's rollout, as of `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutStatus {
    pub plan: String,
    pub stages: Vec<StageStatus>,
    /// Steps done out of all steps, in percent.
    pub progress: u8,
    pub health: Health,
    /// One sentence: why the light has its colour.
    pub reason: String,
    /// When the calendar next lets the rollout move, when it waits for a window.
    pub next_window: Option<Millis>,
    /// When the last stage is expected to be done, as the calendar places it.
    pub eta: Option<Millis>,
    /// Newest first.
    pub events: Vec<Notable>,
    pub now: Millis,
}

/// Where the plan stands when it has no run yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    Draft,
    InReview,
    Approved,
}

/// A run's status (or, without one, the plan's), placed on the calendar's `schedule`.
pub fn rollout_status(
    plan: &str,
    stages: &[(usize, Vec<String>)],
    run: Option<(&RunPlan, &RunState, &[RunEvent])>,
    review: Review,
    schedule: Option<&PlanSchedule>,
    now: Millis,
) -> RolloutStatus {
    let eta = schedule.and_then(|s| {
        if s.unscheduled.is_some() {
            return None;
        }
        s.stages
            .last()
            .map(|slot| slot.evaluation.max(slot.monitoring.end))
    });
    let next_window = schedule
        .and_then(|s| s.stages.first())
        .map(|slot| slot.activation)
        .filter(|&at| at > now);
    let (health, reason) = match run {
        Some((run, state, events)) => light(run, state, events),
        None => match review {
            Review::Approved => (
                Health::Green,
                "Approved; the rollout has not started yet".into(),
            ),
            Review::InReview => (Health::Amber, "In review: not approved yet".into()),
            Review::Draft => (Health::Amber, "Draft: not submitted for review yet".into()),
        },
    };
    let (stage_status, progress) = match run {
        Some((run, state, _)) => run_progress(run, state),
        None => (
            stages
                .iter()
                .map(|(index, services)| StageStatus {
                    index: *index,
                    services: services.clone(),
                    progress: StageProgress::NotStarted,
                    percent: 0,
                })
                .collect(),
            0,
        ),
    };
    let events = run.map_or_else(Vec::new, |(run, _, events)| {
        events
            .iter()
            .rev()
            .filter_map(|e| notable(run, e).map(|text| Notable { at: e.at, text }))
            .take(NOTABLE_EVENTS)
            .collect()
    });
    RolloutStatus {
        plan: plan.to_string(),
        stages: stage_status,
        progress,
        health,
        reason,
        next_window,
        eta: eta.filter(|_| run.is_none_or(|(_, s, _)| !s.status.is_finished())),
        events,
        now,
    }
}

fn light(run: &RunPlan, state: &RunState, events: &[RunEvent]) -> (Health, String) {
    let stage_count = run.plan.stages.len();
    let position = format!("stage {} of {stage_count}", state.stage + 1);
    let failed_on = last_failed_services(events);
    match state.status {
        RunStatus::Completed => (Health::Green, "Rolled out to all traffic".into()),
        RunStatus::Pending => (
            Health::Green,
            "Ready; the rollout has not started yet".into(),
        ),
        RunStatus::Running if state.waiting.is_some() => (
            Health::Amber,
            format!("Waiting for the next release window at {position}"),
        ),
        RunStatus::Running => (
            Health::Green,
            format!("Rolling out, {position}; health checks passing"),
        ),
        RunStatus::Paused if state.failure.is_some() => (
            Health::Red,
            format!("Paused at {position}: {}", failed_words(&failed_on)),
        ),
        RunStatus::Paused => (
            Health::Amber,
            format!("Paused at {position} by a release manager"),
        ),
        RunStatus::RollingBack => (
            Health::Red,
            format!("Rolling back: {}", failed_words(&failed_on)),
        ),
        RunStatus::RolledBack => (
            Health::Red,
            "Rolled back: customers are on the previous versions".into(),
        ),
        RunStatus::Aborted => (Health::Amber, "Stopped by a release manager".into()),
    }
}

fn failed_words(services: &[String]) -> String {
    if services.is_empty() {
        "a health check or a deployment step failed".into()
    } else {
        format!("health checks failed on {}", services.join(", "))
    }
}

/// The services whose gates failed in the last automatic pause or rollback.
fn last_failed_services(events: &[RunEvent]) -> Vec<String> {
    events
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::Paused { failed } | EventKind::RollbackStarted { failed, .. } => {
                Some(services_of(failed))
            }
            _ => None,
        })
        .unwrap_or_default()
}

fn services_of(failed: &[Evaluation]) -> Vec<String> {
    let mut services: Vec<String> = failed.iter().map(|e| e.service.clone()).collect();
    services.sort();
    services.dedup();
    services
}

/// Each stage's progress and the share of all steps done.
fn run_progress(run: &RunPlan, state: &RunState) -> (Vec<StageStatus>, u8) {
    let mut done_steps = 0;
    let mut total_steps = 0;
    let stages = run
        .plan
        .stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let count = run.step_count(i);
            total_steps += count;
            // The run keeps every placement it touched, at 0% once rolled back.
            let touched: Vec<u8> = state
                .exposure
                .iter()
                .filter(|(placement, _)| stage.services.contains(&placement.service))
                .map(|(_, percent)| *percent)
                .collect();
            let percent = touched.iter().copied().max().unwrap_or(0);
            let progress = if !touched.is_empty() && percent == 0 {
                StageProgress::RolledBack
            } else if state.completed_stages.contains(&i) {
                done_steps += count;
                StageProgress::Done
            } else if !touched.is_empty() {
                if i == state.stage {
                    done_steps += state.step.map_or(0, |s| s + 1).min(count);
                }
                StageProgress::InProgress
            } else {
                StageProgress::NotStarted
            };
            StageStatus {
                index: stage.index,
                services: stage.services.clone(),
                progress,
                percent,
            }
        })
        .collect();
    let progress = (done_steps * 100)
        .checked_div(total_steps)
        .map_or(0, |p| u8::try_from(p).unwrap_or(100));
    (stages, progress)
}

/// An event in words a stakeholder reads, or `None` for the executor's bookkeeping.
pub fn notable(run: &RunPlan, event: &RunEvent) -> Option<String> {
    let stage_words = |stage: usize| {
        let services = run
            .plan
            .stages
            .get(stage)
            .map(|s| s.services.join(", "))
            .unwrap_or_default();
        format!("stage {} ({services})", stage + 1)
    };
    let text = match &event.kind {
        EventKind::Started => "Rollout started".to_string(),
        EventKind::StepRequested { stage, step, .. } => {
            format!("Now at {}", run.step_words(*stage, *step))
        }
        EventKind::StageCompleted { stage } => {
            format!("{} done", capitalised(&stage_words(*stage)))
        }
        EventKind::Completed => "Rollout complete".into(),
        EventKind::Paused { failed } if failed.is_empty() => "Paused by a release manager".into(),
        EventKind::Paused { failed } => {
            format!(
                "Paused automatically: {}",
                failed_words(&services_of(failed))
            )
        }
        EventKind::Resumed => "Resumed".into(),
        EventKind::RollbackStarted { scope, failed } => {
            let what = match scope {
                RollbackScope::Plan => "the whole rollout",
                RollbackScope::Stage => "the current stage",
            };
            if failed.is_empty() {
                format!("Rolling back {what}")
            } else {
                format!(
                    "Rolling back {what}: {}",
                    failed_words(&services_of(failed))
                )
            }
        }
        EventKind::RollbackFinished => "Rollback finished".into(),
        EventKind::StageRolledBack { stage, .. } => {
            format!("{} rolled back", capitalised(&stage_words(*stage)))
        }
        EventKind::Aborted => "Stopped by a release manager".into(),
        EventKind::WindowClosed { opens_at } => match opens_at {
            Some(at) => format!("Waiting for the release window; it opens {}", rfc3339(*at)),
            None => "Waiting for the release window".into(),
        },
        EventKind::CalendarOverridden { until } => format!(
            "An exception to the release calendar was granted until {}",
            rfc3339(*until)
        ),
        EventKind::Acknowledged | EventKind::Retried { .. } => return None,
    };
    Some(text)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}
