//! The run's transitions. `decide` checks a command against the state and answers with the
//! events to append (or a refusal); `evolve` applies one event; `tick` is the executor's own
//! decision from the clock and the current step's gate verdict. Invariants (property-tested in
//! `domain/tests/run_properties.rs`): no sequence of commands and ticks reaches an invalid
//! state; a finished plan rollback leaves every touched placement at 0%; `replay` of the log
//! equals the live state; a stage never starts before every earlier stage completed.
//!
//! # Steps and exposure
//! Step `j` of a stage is every service's `j`-th plan step ([`RunPlan::step`]). Requesting it
//! sets each of those services' exposure at that step's placement (service, region) to the
//! step's percent; the service's other placements keep their last percent (a service's steps go
//! region by region, 1..100 each). A step *awaits an acknowledgement* when any of its services
//! has a webhook: it counts as applied, and starts to bake, only after
//! [`EventKind::Acknowledged`]. Without webhooks it bakes from the moment it is requested. A
//! stage's first step records `stage_started_at` (the end of the downstream gates' baseline).
//!
//! # Commands
//! - **start** (pending only): the first step of the first stage. A plan without stages, or
//!   with a stage without steps, is refused.
//! - **advance** (running, current step applied): the next step now, without waiting for the
//!   bake; after a stage's last step the stage completes and the next stage's first step is
//!   requested, or the run completes (the planner's steps end every region at 100%, so every
//!   placement is then at 100%).
//! - **pause** (running): the bake stops; what it still had to serve is kept (`bake_left`).
//! - **resume** (paused at a step): the bake goes on for what was left.
//! - **retry** (paused after a failure, or after the stage was rolled back): the current step
//!   again from the start of its bake; after a stage rollback, the stage's first step. The
//!   stage keeps its original `stage_started_at`, so downstream baselines stay from before the
//!   stage first touched anything.
//! - **roll back the stage** (running or paused): the current stage's placements back to 0%;
//!   the run then waits, paused, for a person to retry the stage or roll back the plan.
//! - **roll back the plan** (running or paused, also after a stage rollback): the current stage,
//!   then every completed stage in reverse rollout (reverse dependency) order, back to 0%; the
//!   run is then rolled back. A stage whose services have webhooks waits for their
//!   acknowledgement before the next one goes; `tick` continues the rollback after it.
//! - **abort** (any unfinished run): the run stops acting and exposure stays where it is. Abort
//!   freezes, it does not roll back: roll back for that.
//!
//! A finished run (completed, rolled back, aborted) refuses every command. Every refusal is one
//! sentence saying what the command cannot do, where the run is and what would work.
//!
//! # The executor (`tick`)
//! While a step bakes: a failed gate applies the stage's failure action at once (pause, roll
//! back the stage, roll back the plan) with only the failed evaluations in the event; an
//! inconclusive verdict holds; a passing verdict advances once the bake has been served. While
//! rolling back with nothing awaiting an acknowledgement: the next stages of the rollback.
//!
//! # Failures
//! `failure` is set by an automatic pause or rollback (the executor's, or any carrying failed
//! evaluations: a failed gate or a failed webhook) to the event's reason; resume and retry
//! clear it.
//!
//! # A paused run's situations
//! Paused at a step (resume, retry after a failure, roll back); paused after its stage was
//! rolled back (`step` is `None`: retry the stage or roll back the plan); paused during a
//! rollback because a webhook failed (`rollback` is still set: roll back again, or abort).

use super::{
    Actor, CalendarOverride, Command, EventKind, Millis, Pending, Placement, Refusal,
    RollbackScope, RunEvent, RunPlan, RunState, RunStatus, Waiting,
};
use crate::health::{describe_failure, Evaluation, StepVerdict, Verdict};
use crate::plan::policy::format_duration;
use crate::plan::{and_list, FailureAction, Step};

/// The events `command` appends to a run in `state`, or why it does not apply.
pub fn decide(
    run: &RunPlan,
    state: &RunState,
    command: Command,
) -> Result<Vec<EventKind>, Refusal> {
    use Phase::*;
    let phase = Phase::of(state);
    match (command, phase) {
        (Command::Start, NotStarted) => start(run),
        (Command::Advance, Baking) => Ok(advance(run, state)),
        (Command::Pause, Baking | Applying) => Ok(vec![EventKind::Paused { failed: Vec::new() }]),
        (Command::Resume, Paused) => Ok(vec![EventKind::Resumed]),
        (Command::Retry, Paused) if state.failure.is_some() => Ok(vec![retried(run, state)]),
        (Command::Retry, StageRolledBack) => Ok(vec![retried(run, state)]),
        (
            Command::RollbackStage,
            Baking | Applying | Paused | RollbackInterrupted(RollbackScope::Stage),
        ) => Ok(rollback(run, state, RollbackScope::Stage, Vec::new())),
        (
            Command::RollbackPlan,
            Baking | Applying | Paused | StageRolledBack | RollbackInterrupted(_),
        ) => Ok(rollback(run, state, RollbackScope::Plan, Vec::new())),
        (Command::Abort, phase) if phase != Finished => Ok(vec![EventKind::Aborted]),
        (command, phase) => Err(Refusal(format!(
            "cannot {}: {}; {}",
            verb(command),
            phase.describe(run, state),
            hint(command, phase)
        ))),
    }
}

/// `state` after `event`. Total: an event is a fact, whatever the state; one that does not fit
/// the state still moves it the same way every time, and nothing here panics.
pub fn evolve(run: &RunPlan, state: &mut RunState, event: &RunEvent) {
    state.revision = event.seq;
    let at = event.at;
    if !matches!(event.kind, EventKind::CalendarOverridden { .. }) {
        state.waiting = None;
    }
    match &event.kind {
        EventKind::Started => state.status = RunStatus::Running,
        &EventKind::StepRequested {
            stage,
            step,
            awaits_ack,
        } => {
            if step == 0 {
                state.stage_started_at = Some(at);
            }
            request_step(run, state, stage, step, awaits_ack, at);
        }
        &EventKind::StageRolledBack { stage, awaits_ack } => {
            for placement in stage_placements(run, stage) {
                if let Some(percent) = state.exposure.get_mut(&placement) {
                    *percent = 0;
                }
            }
            if let Some((_, stages)) = &mut state.rollback {
                stages.retain(|&s| s != stage);
            }
            if stage == state.stage {
                state.step = None;
            }
            state.pending = awaits_ack.then_some(Pending::Rollback { stage });
        }
        EventKind::Acknowledged => {
            if let Some(Pending::Step { stage, step }) = state.pending.take() {
                let bake = run.bake_millis(stage, step);
                match state.status {
                    RunStatus::Running => state.bake_until = Some(at.saturating_add(bake)),
                    RunStatus::Paused => state.bake_left = Some(bake),
                    _ => {}
                }
            }
        }
        &EventKind::StageCompleted { stage } => {
            if let Err(i) = state.completed_stages.binary_search(&stage) {
                state.completed_stages.insert(i, stage);
            }
            state.bake_until = None;
        }
        EventKind::Completed => finish(state, RunStatus::Completed),
        EventKind::Paused { failed } => {
            state.status = RunStatus::Paused;
            state.bake_left = state
                .bake_until
                .take()
                .map(|until| until.saturating_sub(at).max(0))
                .or(state.bake_left);
            record_failure(state, event, failed);
        }
        EventKind::Resumed => {
            state.status = RunStatus::Running;
            state.bake_until = state.bake_left.take().map(|left| at.saturating_add(left));
            state.failure = None;
        }
        EventKind::RollbackStarted { scope, failed } => {
            state.status = RunStatus::RollingBack;
            state.rollback = Some((*scope, rollback_stages(state, *scope)));
            state.pending = None;
            state.bake_until = None;
            state.bake_left = None;
            record_failure(state, event, failed);
        }
        EventKind::RollbackFinished => match state.rollback.take() {
            Some((RollbackScope::Stage, _)) => {
                state.status = RunStatus::Paused;
                state.bake_left = None;
            }
            Some((RollbackScope::Plan, _)) | None => finish(state, RunStatus::RolledBack),
        },
        &EventKind::Retried { awaits_ack } => {
            state.failure = None;
            let step = state.step.unwrap_or(0);
            request_step(run, state, state.stage, step, awaits_ack, at);
        }
        EventKind::Aborted => finish(state, RunStatus::Aborted),
        &EventKind::WindowClosed { opens_at } => {
            state.waiting = Some(Waiting {
                reason: event.reason.clone(),
                opens_at,
            });
        }
        &EventKind::CalendarOverridden { until } => {
            state.calendar_override = Some(CalendarOverride {
                until,
                by: event.actor.to_string(),
                reason: event.reason.clone(),
            });
        }
    }
}

/// The state a log leads to.
pub fn replay<'e>(run: &RunPlan, events: impl IntoIterator<Item = &'e RunEvent>) -> RunState {
    let mut state = RunState::new();
    for event in events {
        evolve(run, &mut state, event);
    }
    state
}

/// What the executor does by itself at `now`, with the reason it records: advance when the
/// step's bake has been served and its gates pass; on a failed gate, the stage's failure action;
/// while rolling back, the next stage's rollback. `None`: nothing to do (waiting for the bake,
/// an acknowledgement, or enough traffic: an inconclusive gate holds, it never passes).
/// `verdict` is the current step's gate verdict (ignored unless the run is running).
pub fn tick(
    run: &RunPlan,
    state: &RunState,
    verdict: &StepVerdict,
    now: Millis,
) -> Option<(Vec<EventKind>, String)> {
    match Phase::of(state) {
        Phase::Baking => match verdict.verdict {
            Verdict::Fail => Some(gate_failed(run, state, verdict)),
            Verdict::Inconclusive => None,
            Verdict::Pass => {
                let baked = state.bake_until.is_some_and(|until| until <= now);
                baked.then(|| {
                    let events = advance(run, state);
                    let reason = baked_reason(run, state, verdict, &events);
                    (events, reason)
                })
            }
        },
        Phase::RollingBack if state.pending.is_none() => {
            let remaining = state.rollback.as_ref().map_or(&[][..], |(_, s)| s);
            let events = rollback_progress(run, remaining);
            let reason = rollback_reason(&events);
            Some((events, reason))
        }
        _ => None,
    }
}

/// The plan steps `kinds` would apply to `run` in `state`: what grows exposure, which the
/// calendar must allow (rolling back never needs it). Resuming applies the step still waiting
/// for its webhooks, if one is.
pub fn steps_requested<'r>(
    run: &'r RunPlan,
    state: &RunState,
    kinds: &[EventKind],
) -> Vec<&'r Step> {
    kinds
        .iter()
        .flat_map(|kind| match *kind {
            EventKind::StepRequested { stage, step, .. } => run.step(stage, step),
            EventKind::Retried { .. } => run.step(state.stage, state.step.unwrap_or(0)),
            // A step paused before its webhooks acknowledged it is delivered on resume.
            EventKind::Resumed => match state.pending {
                Some(Pending::Step { stage, step }) => run.step(stage, step),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        })
        .collect()
}

/// Where a run is, as far as commands go: every transition and refusal starts from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    NotStarted,
    /// Running, the current step applied: it bakes.
    Baking,
    /// Running, the current step waits for its webhooks.
    Applying,
    /// Paused at a step (by a person, a failed gate or a failed webhook).
    Paused,
    /// Paused after the current stage was rolled back.
    StageRolledBack,
    /// Paused while a rollback was under way (a rollback webhook failed).
    RollbackInterrupted(RollbackScope),
    RollingBack,
    Finished,
}

impl Phase {
    fn of(state: &RunState) -> Phase {
        match state.status {
            RunStatus::Pending => Phase::NotStarted,
            RunStatus::Running if state.pending.is_some() => Phase::Applying,
            RunStatus::Running => Phase::Baking,
            RunStatus::Paused => match (&state.rollback, state.step) {
                (Some((scope, _)), _) => Phase::RollbackInterrupted(*scope),
                (None, None) => Phase::StageRolledBack,
                (None, Some(_)) => Phase::Paused,
            },
            RunStatus::RollingBack => Phase::RollingBack,
            RunStatus::RolledBack | RunStatus::Completed | RunStatus::Aborted => Phase::Finished,
        }
    }

    /// Where the run is, in words: "the run is paused at step 2 of stage 1 (payment 5% in eu)".
    fn describe(self, run: &RunPlan, state: &RunState) -> String {
        let at_step = || {
            let step = state.step.unwrap_or(0);
            format!(
                "{} ({})",
                which_step(state.stage, step),
                run.step_words(state.stage, step)
            )
        };
        let remaining = || {
            let stages = state.rollback.as_ref().map_or(&[][..], |(_, s)| s);
            match (&state.pending, stages) {
                (Some(Pending::Rollback { stage }), _) => format!(
                    "waiting for webhooks to acknowledge the rollback of stage {}",
                    stage + 1
                ),
                (_, []) => "with every stage back at 0%".to_string(),
                (_, stages) => format!("with {} still to roll back", stage_list(stages)),
            }
        };
        match self {
            Phase::NotStarted => "the run has not started".to_string(),
            Phase::Baking => format!("the run is baking {}", at_step()),
            Phase::Applying => format!(
                "the run is waiting for webhooks to acknowledge {}",
                at_step()
            ),
            Phase::Paused => format!("the run is paused at {}", at_step()),
            Phase::StageRolledBack => format!(
                "stage {} was rolled back and the run is paused",
                state.stage + 1
            ),
            Phase::RollbackInterrupted(_) => {
                format!(
                    "the run paused in the middle of a rollback, {}",
                    remaining()
                )
            }
            Phase::RollingBack => format!("the run is rolling back, {}", remaining()),
            Phase::Finished => format!("the run is {}", state.status.words()),
        }
    }
}

fn verb(command: Command) -> &'static str {
    match command {
        Command::Start => "start",
        Command::Advance => "advance",
        Command::Pause => "pause",
        Command::Resume => "resume",
        Command::RollbackStage => "roll back the stage",
        Command::RollbackPlan => "roll back the plan",
        Command::Abort => "abort",
        Command::Retry => "retry",
    }
}

/// What would work instead of a refused command.
fn hint(command: Command, phase: Phase) -> &'static str {
    match (phase, command) {
        (Phase::Finished, _) => "a finished run takes no more commands",
        (_, Command::Start) => "a run starts only once",
        (Phase::NotStarted, _) => "start it first",
        (Phase::RollingBack, _) => "wait for the rollback to finish, or abort",
        (Phase::RollbackInterrupted(RollbackScope::Plan), _) => {
            "roll back the plan again, or abort"
        }
        (Phase::RollbackInterrupted(RollbackScope::Stage), _) => {
            "roll back the stage or the plan again, or abort"
        }
        (Phase::StageRolledBack, _) => "retry the stage or roll back the plan",
        (Phase::Applying, Command::Advance) => "the next step can follow once this one is applied",
        (Phase::Paused, Command::Advance) => "resume it first",
        (Phase::Paused, Command::Pause) => "it is already paused",
        (Phase::Paused, Command::Retry) => "nothing failed, so resume it instead",
        _ => "only a paused run resumes or retries",
    }
}

/// "step 2 of stage 1" (people count from 1).
fn which_step(stage: usize, step: usize) -> String {
    format!("step {} of stage {}", step + 1, stage + 1)
}

/// "stage 3" or "stages 3, 2 and 1" (1-based, in the order given).
fn stage_list(stages: &[usize]) -> String {
    let numbers: Vec<String> = stages.iter().map(|s| (s + 1).to_string()).collect();
    match numbers.as_slice() {
        [] => "no stage".to_string(),
        [one] => format!("stage {one}"),
        many => format!("stages {}", and_list(many)),
    }
}

fn has_webhook(run: &RunPlan, service: &str) -> bool {
    run.service(service).is_some_and(|s| s.webhook.is_some())
}

fn step_awaits_ack(run: &RunPlan, stage: usize, step: usize) -> bool {
    run.step(stage, step)
        .iter()
        .any(|s| has_webhook(run, &s.service))
}

fn stage_awaits_ack(run: &RunPlan, stage: usize) -> bool {
    run.plan
        .stages
        .get(stage)
        .is_some_and(|s| s.services.iter().any(|id| has_webhook(run, id)))
}

/// Every placement a stage's steps touch.
fn stage_placements(run: &RunPlan, stage: usize) -> impl Iterator<Item = Placement> + '_ {
    run.plan
        .stages
        .get(stage)
        .into_iter()
        .flat_map(|s| s.steps.iter().map(Placement::of))
}

fn request(run: &RunPlan, stage: usize, step: usize) -> EventKind {
    EventKind::StepRequested {
        stage,
        step,
        awaits_ack: step_awaits_ack(run, stage, step),
    }
}

fn start(run: &RunPlan) -> Result<Vec<EventKind>, Refusal> {
    if run.plan.stages.is_empty() {
        return Err(Refusal(format!(
            "cannot start: plan '{}' has no stages, so there is nothing to roll out",
            run.plan_name
        )));
    }
    if let Some(stage) = (0..run.plan.stages.len()).find(|&s| run.step_count(s) == 0) {
        return Err(Refusal(format!(
            "cannot start: stage {} of plan '{}' has no steps, so it could never complete",
            stage + 1,
            run.plan_name
        )));
    }
    Ok(vec![EventKind::Started, request(run, 0, 0)])
}

/// After the current step: the stage's next step, or the stage's completion followed by the
/// next stage's first step or the run's completion.
fn advance(run: &RunPlan, state: &RunState) -> Vec<EventKind> {
    let next = state.step.map_or(0, |s| s + 1);
    if next < run.step_count(state.stage) {
        return vec![request(run, state.stage, next)];
    }
    let following = state.stage + 1;
    vec![
        EventKind::StageCompleted { stage: state.stage },
        if following < run.plan.stages.len() {
            request(run, following, 0)
        } else {
            EventKind::Completed
        },
    ]
}

/// The current step again (the stage's first after a stage rollback).
fn retried(run: &RunPlan, state: &RunState) -> EventKind {
    EventKind::Retried {
        awaits_ack: step_awaits_ack(run, state.stage, state.step.unwrap_or(0)),
    }
}

/// The stages a rollback of `scope` undoes, first first: the current stage, then (plan scope)
/// the completed ones in reverse rollout order, the reverse of their dependency order.
fn rollback_stages(state: &RunState, scope: RollbackScope) -> Vec<usize> {
    let mut stages = vec![state.stage];
    if scope == RollbackScope::Plan {
        let completed = state.completed_stages.iter().rev();
        stages.extend(completed.filter(|&&s| s != state.stage));
    }
    stages
}

fn rollback(
    run: &RunPlan,
    state: &RunState,
    scope: RollbackScope,
    failed: Vec<Evaluation>,
) -> Vec<EventKind> {
    let mut events = vec![EventKind::RollbackStarted { scope, failed }];
    events.extend(rollback_progress(run, &rollback_stages(state, scope)));
    events
}

/// The next stages of a rollback, as far as none waits for webhooks; then its end.
fn rollback_progress(run: &RunPlan, stages: &[usize]) -> Vec<EventKind> {
    let mut events = Vec::new();
    for &stage in stages {
        let awaits_ack = stage_awaits_ack(run, stage);
        events.push(EventKind::StageRolledBack { stage, awaits_ack });
        if awaits_ack {
            return events;
        }
    }
    events.push(EventKind::RollbackFinished);
    events
}

/// The stage's failure action, with only the failed evaluations, and the sentence saying what
/// failed and what was done about it.
fn gate_failed(run: &RunPlan, state: &RunState, verdict: &StepVerdict) -> (Vec<EventKind>, String) {
    let failed: Vec<Evaluation> = verdict
        .evaluations
        .iter()
        .filter(|e| e.verdict == Verdict::Fail)
        .cloned()
        .collect();
    let action = run.on_failure(state.stage);
    let outcome = match action {
        FailureAction::Pause => "run paused".to_string(),
        FailureAction::RollbackStage => format!("stage {} rolled back", state.stage + 1),
        FailureAction::RollbackPlan => "plan rolled back".to_string(),
    };
    let reason = describe_failure(run, state, &failed, &outcome);
    let events = match action {
        FailureAction::Pause => vec![EventKind::Paused { failed }],
        FailureAction::RollbackStage => rollback(run, state, RollbackScope::Stage, failed),
        FailureAction::RollbackPlan => rollback(run, state, RollbackScope::Plan, failed),
    };
    (events, reason)
}

/// "step 3 of stage 2 (payment 25% in eu) baked 10m with every gate passing: moving to step 4
/// of stage 2 (payment 50% in eu)".
fn baked_reason(
    run: &RunPlan,
    state: &RunState,
    verdict: &StepVerdict,
    events: &[EventKind],
) -> String {
    let step = state.step.unwrap_or(0);
    let gates = if verdict.evaluations.is_empty() {
        "no gate to hold"
    } else {
        "every gate passing"
    };
    let next = match events.last() {
        Some(&EventKind::StepRequested { stage, step, .. }) if stage == state.stage => format!(
            "moving to {} ({})",
            which_step(stage, step),
            run.step_words(stage, step)
        ),
        Some(&EventKind::StepRequested { stage, step, .. }) => format!(
            "stage {} is complete, moving to {} ({})",
            state.stage + 1,
            which_step(stage, step),
            run.step_words(stage, step)
        ),
        _ => format!("stage {} and the run are complete", state.stage + 1),
    };
    format!(
        "{} ({}) baked {} with {gates}: {next}",
        which_step(state.stage, step),
        run.step_words(state.stage, step),
        format_duration((run.bake_millis(state.stage, step) / 1000).unsigned_abs())
    )
}

/// "stages 2 and 1 are back at 0% of the new version: the rollback is finished".
fn rollback_reason(events: &[EventKind]) -> String {
    let stages: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            EventKind::StageRolledBack { stage, .. } => Some(*stage),
            _ => None,
        })
        .collect();
    let finished = matches!(events.last(), Some(EventKind::RollbackFinished));
    match (stages.as_slice(), finished) {
        ([], _) => "every webhook acknowledged: the rollback is finished".to_string(),
        (stages, true) => format!(
            "{} back at 0% of the new version: the rollback is finished",
            stage_list(stages)
        ),
        (stages, false) => format!(
            "{} back at 0% of the new version: waiting for its webhooks",
            stage_list(stages)
        ),
    }
}

/// Exposure, pending acknowledgement and bake of requesting step `step` of `stage`: the run
/// runs it.
fn request_step(
    run: &RunPlan,
    state: &mut RunState,
    stage: usize,
    step: usize,
    awaits_ack: bool,
    at: Millis,
) {
    state.status = RunStatus::Running;
    state.rollback = None;
    state.stage = stage;
    state.step = Some(step);
    state.bake_left = None;
    for s in run.step(stage, step) {
        state.exposure.insert(Placement::of(s), s.percent);
    }
    if awaits_ack {
        state.pending = Some(Pending::Step { stage, step });
        state.bake_until = None;
    } else {
        state.pending = None;
        state.bake_until = Some(at.saturating_add(run.bake_millis(stage, step)));
    }
}

/// An automatic pause or rollback (the executor's, or one carrying failed evaluations) records
/// its reason as the run's failure; a person's does not.
fn record_failure(state: &mut RunState, event: &RunEvent, failed: &[Evaluation]) {
    if !failed.is_empty() || event.actor == Actor::Executor {
        state.failure = Some(event.reason.clone());
    }
}

fn finish(state: &mut RunState, status: RunStatus) {
    state.status = status;
    state.pending = None;
    state.bake_until = None;
    state.bake_left = None;
    state.rollback = None;
}
