//! Properties of the run state machine on random plans (1-4 stages of 1-3 services, 1-3
//! percentages per region, some services with webhooks) driven by random commands, executor
//! ticks (pass, inconclusive, fail), webhook acknowledgements and failures at increasing times.
//! After every act:
//! 1. the state is valid (see `check_state`): the status agrees with the step, pending,
//!    bake and rollback fields; every exposure is 0 or a percentage the plan's steps give that
//!    placement; completed stages are exactly 0..k; the revision counts the events; a finished
//!    run refuses every command;
//! 2. a finished plan rollback leaves every placement the run touched at 0%;
//! 3. replaying the log gives the live state;
//! 4. a stage's first step is requested only after every earlier stage completed;
//! 5. a completed run has every placement of every stage at 100%.
//!
//! And `evolve` is total: any event, fitting the state or not, moves it without panicking.

mod run_support;

use breakwater_domain::health::{Evaluation, Scope, StepVerdict, Verdict};
use breakwater_domain::plan::{FailureAction, Signal};
use breakwater_domain::run::{
    decide, evolve, replay, Actor, Command, EventKind, Pending, Placement, RollbackScope, RunEvent,
    RunPlan, RunState, RunStatus,
};
use proptest::prelude::*;
use run_support::{run_plan, Act, Driver, Outcome, ServiceSpec};
use std::collections::{BTreeMap, BTreeSet};

const ACTIONS: [FailureAction; 3] = [
    FailureAction::Pause,
    FailureAction::RollbackStage,
    FailureAction::RollbackPlan,
];

/// 1-3 strictly increasing percentages ending at 100.
fn percents() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::btree_set(1u8..100, 0..3).prop_map(|set| {
        let mut percents: Vec<u8> = set.into_iter().collect();
        percents.push(100);
        percents
    })
}

fn service_spec(name: String) -> impl Strategy<Value = ServiceSpec> {
    (0usize..3, percents(), 0u64..600, prop::bool::weighted(0.3)).prop_map(
        move |(regions, percents, bake_secs, webhook)| ServiceSpec {
            name: name.clone(),
            regions: (0..regions).map(|r| format!("r{r}")).collect(),
            percents,
            bake_secs,
            webhook,
        },
    )
}

fn random_plan() -> impl Strategy<Value = RunPlan> {
    (1usize..=4)
        .prop_flat_map(|stages| {
            let stage = |i: usize| {
                (1usize..=3, 0usize..3).prop_flat_map(move |(services, action)| {
                    let specs: Vec<_> = (0..services)
                        .map(|j| service_spec(format!("s{i}{j}")))
                        .collect();
                    (specs, Just(ACTIONS[action]))
                })
            };
            (0..stages).map(stage).collect::<Vec<_>>()
        })
        .prop_map(run_plan)
}

/// What happens next, `gap_secs` after the previous act.
#[derive(Debug, Clone)]
enum Next {
    Command(Command),
    Tick(Verdict),
    /// Sent by the server only when something awaits an acknowledgement.
    Ack,
    /// Likewise: a webhook gave up on the pending actuation.
    WebhookFails,
}

fn next() -> impl Strategy<Value = (u16, Next)> {
    // Weighted so that many runs get far: most commands move forward, few end the run.
    let command = prop_oneof![
        3 => Just(Command::Start),
        12 => Just(Command::Advance),
        2 => Just(Command::Pause),
        3 => Just(Command::Resume),
        2 => Just(Command::Retry),
        1 => Just(Command::RollbackStage),
        1 => Just(Command::RollbackPlan),
        1 => Just(Command::Abort),
    ];
    let verdict = prop_oneof![
        6 => Just(Verdict::Pass),
        2 => Just(Verdict::Inconclusive),
        1 => Just(Verdict::Fail),
    ];
    let act = prop_oneof![
        4 => command.prop_map(Next::Command),
        5 => verdict.prop_map(Next::Tick),
        3 => Just(Next::Ack),
        1 => Just(Next::WebhookFails),
    ];
    (0u16..400, act)
}

/// A step verdict: a passing gate on the first service and, for a failure, a failing one.
fn verdict(verdict: Verdict) -> StepVerdict {
    let evaluation = |verdict: Verdict, value: f64| Evaluation {
        service: "s00".to_string(),
        scope: Scope::Own,
        signal: Signal::ErrorRate,
        value: Some(value),
        baseline: None,
        threshold: 1.0,
        samples: 500,
        window_secs: 60,
        verdict,
        summary: format!("s00 error rate {value}%"),
    };
    let mut evaluations = vec![evaluation(Verdict::Pass, 0.2)];
    if verdict != Verdict::Pass {
        evaluations.push(evaluation(verdict, 7.5));
    }
    StepVerdict {
        verdict,
        evaluations,
    }
}

/// The percentages each placement may have: 0, and every percentage a step gives it.
fn allowed_percents(run: &RunPlan) -> BTreeMap<Placement, BTreeSet<u8>> {
    let mut allowed: BTreeMap<Placement, BTreeSet<u8>> = BTreeMap::new();
    for step in run.plan.stages.iter().flat_map(|s| &s.steps) {
        let placement = Placement {
            service: step.service.clone(),
            region: step.region.clone(),
        };
        allowed
            .entry(placement)
            .or_insert_with(|| BTreeSet::from([0]))
            .insert(step.percent);
    }
    allowed
}

fn check_state(run: &RunPlan, state: &RunState, events: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(state.revision, events as u64, "revision counts the events");
    let completed: Vec<usize> = (0..state.completed_stages.len()).collect();
    prop_assert_eq!(
        &state.completed_stages,
        &completed,
        "stages complete in order"
    );
    let allowed = allowed_percents(run);
    for (placement, percent) in &state.exposure {
        let fits = allowed.get(placement).is_some_and(|p| p.contains(percent));
        prop_assert!(
            fits,
            "{placement:?} at {percent}% is not a step of the plan"
        );
    }
    let at_current_step = |state: &RunState| -> Result<(), TestCaseError> {
        let step = state.step.expect("a run at a step");
        prop_assert!(step < run.step_count(state.stage), "step within the stage");
        prop_assert_eq!(
            state.completed_stages.len(),
            state.stage,
            "earlier stages done"
        );
        Ok(())
    };
    let current = state.step.map(|step| Pending::Step {
        stage: state.stage,
        step,
    });
    let rolling_back = matches!(state.pending, None | Some(Pending::Rollback { .. }));
    match state.status {
        RunStatus::Pending => prop_assert_eq!(state, &RunState::new()),
        RunStatus::Running => {
            at_current_step(state)?;
            prop_assert!(state.rollback.is_none() && state.bake_left.is_none());
            prop_assert!(state.failure.is_none(), "running clears the failure");
            prop_assert!(state.pending.is_none() || state.pending == current);
            prop_assert_eq!(state.pending.is_some(), state.bake_until.is_none());
        }
        RunStatus::Paused => {
            prop_assert!(state.bake_until.is_none(), "a paused run does not bake");
            if state.rollback.is_some() || state.step.is_none() {
                prop_assert!(
                    state.step.is_none(),
                    "the current stage is rolled back first"
                );
                prop_assert!(state.bake_left.is_none());
                prop_assert!(rolling_back);
                prop_assert!(state.rollback.is_some() || state.pending.is_none());
            } else {
                at_current_step(state)?;
                prop_assert!(state.pending.is_none() || state.pending == current);
                prop_assert_eq!(state.pending.is_some(), state.bake_left.is_none());
            }
        }
        RunStatus::RollingBack => {
            let Some((scope, stages)) = &state.rollback else {
                return Err(TestCaseError::fail("rolling back without a rollback"));
            };
            prop_assert!(
                state.step.is_none(),
                "the current stage is rolled back first"
            );
            prop_assert!(state.bake_until.is_none() && state.bake_left.is_none());
            prop_assert!(rolling_back);
            prop_assert!(stages.windows(2).all(|w| w[0] > w[1]), "last stage first");
            prop_assert!(*scope == RollbackScope::Plan || stages.is_empty());
            prop_assert!(stages.iter().all(|s| state.completed_stages.contains(s)));
        }
        RunStatus::RolledBack | RunStatus::Completed | RunStatus::Aborted => {
            prop_assert!(state.pending.is_none() && state.rollback.is_none());
            prop_assert!(state.bake_until.is_none() && state.bake_left.is_none());
            for command in Command::ALL {
                prop_assert!(
                    decide(run, state, command).is_err(),
                    "finished: {command:?}"
                );
            }
        }
    }
    if state.status == RunStatus::RolledBack {
        prop_assert!(
            state.exposure.values().all(|&p| p == 0),
            "a plan rollback leaves every touched placement at 0%: {:?}",
            state.exposure
        );
    }
    if state.status == RunStatus::Completed {
        prop_assert_eq!(state.completed_stages.len(), run.plan.stages.len());
        let full = allowed.keys().all(|p| state.exposure.get(p) == Some(&100));
        prop_assert!(full, "completed with {:?}", state.exposure);
    }
    Ok(())
}

/// Replays the log event by event: the first step of a stage only after every earlier stage
/// completed, and the replayed state equals the live one.
fn check_log(run: &RunPlan, log: &[RunEvent], live: &RunState) -> Result<(), TestCaseError> {
    let mut state = RunState::new();
    for event in log {
        let first_step_of = match event.kind {
            EventKind::StepRequested { stage, step: 0, .. } => Some(stage),
            EventKind::Retried { .. } if state.step.is_none_or(|s| s == 0) => Some(state.stage),
            _ => None,
        };
        if let Some(stage) = first_step_of {
            let earlier: Vec<usize> = (0..stage).collect();
            prop_assert_eq!(
                &state.completed_stages,
                &earlier,
                "stage {} started at event {}",
                stage,
                event.seq
            );
        }
        evolve(run, &mut state, event);
    }
    prop_assert_eq!(&state, live, "replay equals the live state");
    prop_assert_eq!(&replay(run, log), live);
    Ok(())
}

/// Every kind of event, with stages and steps in and out of range.
fn any_event() -> impl Strategy<Value = EventKind> {
    let scope = prop_oneof![Just(RollbackScope::Stage), Just(RollbackScope::Plan)];
    prop_oneof![
        Just(EventKind::Started),
        (0usize..6, 0usize..6, any::<bool>()).prop_map(|(stage, step, awaits_ack)| {
            EventKind::StepRequested {
                stage,
                step,
                awaits_ack,
            }
        }),
        (0usize..6, any::<bool>())
            .prop_map(|(stage, awaits_ack)| EventKind::StageRolledBack { stage, awaits_ack }),
        Just(EventKind::Acknowledged),
        (0usize..6).prop_map(|stage| EventKind::StageCompleted { stage }),
        Just(EventKind::Completed),
        Just(EventKind::Paused { failed: Vec::new() }),
        Just(EventKind::Resumed),
        scope.prop_map(|scope| EventKind::RollbackStarted {
            scope,
            failed: Vec::new()
        }),
        Just(EventKind::RollbackFinished),
        any::<bool>().prop_map(|awaits_ack| EventKind::Retried { awaits_ack }),
        Just(EventKind::Aborted),
    ]
}

proptest! {
    #[test]
    fn runs_stay_valid_whatever_happens(
        run in random_plan(),
        acts in prop::collection::vec(next(), 1..120),
    ) {
        let mut driver = Driver::new(run);
        let mut now = 1_700_000_000_000i64;
        // Most runs start at once (commands on a run that has not started are in run_machine).
        let start = (0, Next::Command(Command::Start));
        for (gap_secs, next) in std::iter::once(start).chain(acts) {
            now += i64::from(gap_secs) * 1000;
            let waiting = driver.state.pending.is_some();
            let act = match next {
                Next::Command(command) => Act::Do(command),
                Next::Tick(v) => Act::Tick(verdict(v)),
                Next::Ack if waiting => Act::Ack,
                Next::WebhookFails if waiting => Act::WebhookFails,
                Next::Ack | Next::WebhookFails => continue,
            };
            let before = driver.state.clone();
            let outcome = driver.act(now, &act);
            if let Outcome::Applied(kinds) = &outcome {
                for kind in kinds {
                    if let EventKind::Paused { failed } | EventKind::RollbackStarted { failed, .. } = kind {
                        prop_assert!(
                            failed.iter().all(|e| e.verdict == Verdict::Fail),
                            "only failed evaluations go into an event"
                        );
                    }
                }
            } else {
                prop_assert_eq!(&driver.state, &before, "{:?} changed nothing", outcome);
            }
            check_state(&driver.run, &driver.state, driver.log.len())?;
            check_log(&driver.run, &driver.log, &driver.state)?;
        }
    }

    #[test]
    fn any_event_moves_any_state_without_panicking(
        run in random_plan(),
        events in prop::collection::vec((any_event(), any::<bool>(), 0i64..1_000_000), 1..40),
    ) {
        let mut state = RunState::new();
        for (seq, (kind, by_executor, at)) in (1u64..).zip(events) {
            let event = RunEvent {
                seq,
                at,
                actor: if by_executor { Actor::Executor } else { Actor::Person("ana".into()) },
                kind,
                reason: "a fact".to_string(),
            };
            evolve(&run, &mut state, &event);
            prop_assert_eq!(state.revision, seq);
            for command in Command::ALL {
                // Deciding is total too: events or a refusal, never a panic.
                let _ = decide(&run, &state, command);
            }
        }
    }
}
