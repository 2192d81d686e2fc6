//! The run state machine, scenario by scenario: each row is what happens at a time (seconds)
//! and the run as it stands after it, in a compact form (see `render`), or the refusal.
//! Every scenario also checks that a refusal changes nothing and that replaying the log gives
//! the live state.

mod run_support;

use breakwater_domain::health::{Evaluation, Scope, StepVerdict, Verdict};
use breakwater_domain::plan::{FailureAction, Signal};
use breakwater_domain::run::{
    decide, replay, Command, EventKind, Pending, RollbackScope, RunPlan, RunState,
};
use run_support::{bare, run_plan, service, Act, Driver, Outcome, ServiceSpec};
use Command::*;

/// Stage 1: payment 10% then 100% (bake 10m) with ledger 50% then 100% (bake 1m); stage 2:
/// checkout in eu then us, 50% then 100% each (bake 5m). `webhooks`: services announced by
/// webhook.
fn two_stages(webhooks: &[&str]) -> RunPlan {
    let hook = |s: ServiceSpec| {
        if webhooks.contains(&s.name.as_str()) {
            s.with_webhook()
        } else {
            s
        }
    };
    run_plan(vec![
        (
            vec![
                hook(service("payment", &[], &[10, 100], 600)),
                hook(service("ledger", &[], &[50, 100], 60)),
            ],
            FailureAction::Pause,
        ),
        (
            vec![hook(service("checkout", &["eu", "us"], &[50, 100], 300))],
            FailureAction::Pause,
        ),
    ])
}

/// `running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 until=1500`: status, stage/step
/// (1-based, `-` for none), completed stages, exposure, then what the run waits for
/// (`acking`, `acking-rollback`), the bake's end or what is left of it (seconds), `failed`.
fn render(state: &RunState) -> String {
    let step = state.step.map_or("-".to_string(), |s| (s + 1).to_string());
    let mut out = format!("{} {}/{step}", state.status.as_str(), state.stage + 1);
    if !state.completed_stages.is_empty() {
        let done: Vec<String> = state
            .completed_stages
            .iter()
            .map(|s| (s + 1).to_string())
            .collect();
        out += &format!(" done={}", done.join(","));
    }
    for (placement, percent) in &state.exposure {
        match &placement.region {
            Some(region) => out += &format!(" {}/{region}={percent}", placement.service),
            None => out += &format!(" {}={percent}", placement.service),
        }
    }
    match state.pending {
        Some(Pending::Step { .. }) => out += " acking",
        Some(Pending::Rollback { .. }) => out += " acking-rollback",
        None => {}
    }
    if let Some(until) = state.bake_until {
        out += &format!(" until={}", until / 1000);
    }
    if let Some(left) = state.bake_left {
        out += &format!(" left={}", left / 1000);
    }
    if state.failure.is_some() {
        out += " failed";
    }
    out
}

fn pass() -> Act {
    Act::Tick(bare(Verdict::Pass))
}

fn inconclusive() -> Act {
    Act::Tick(bare(Verdict::Inconclusive))
}

/// A storefront p99 that passes, and a downstream error rate that fails.
fn failing() -> StepVerdict {
    let gate = |signal, value, threshold, verdict, summary: &str| Evaluation {
        service: "storefront".to_string(),
        scope: Scope::Downstream,
        signal,
        value: Some(value),
        baseline: Some(0.4),
        threshold,
        samples: 1200,
        window_secs: 300,
        verdict,
        summary: summary.to_string(),
    };
    StepVerdict {
        verdict: Verdict::Fail,
        evaluations: vec![
            gate(
                Signal::LatencyP99,
                180.0,
                500.0,
                Verdict::Pass,
                "storefront p99 180 ms",
            ),
            gate(
                Signal::ErrorRate,
                6.2,
                1.0,
                Verdict::Fail,
                "storefront error rate rose from 0.4% to 6.2% (limit 1%)",
            ),
        ],
    }
}

fn fail() -> Act {
    Act::Tick(failing())
}

/// `two_stages(webhooks)` with stage 2 failing by `action`.
fn failing_by(action: FailureAction, webhooks: &[&str]) -> RunPlan {
    let mut run = two_stages(webhooks);
    run.plan.stages[1].on_failure = action;
    run
}

/// The rows that take a run to stage 2, step 1, at 20s (no webhooks).
fn to_stage_two() -> Vec<(i64, Act, &'static str)> {
    vec![
        (
            0,
            Act::Do(Start),
            "running 1/1 ledger=50 payment=10 until=600",
        ),
        (
            10,
            Act::Do(Advance),
            "running 1/2 ledger=100 payment=100 until=610",
        ),
        (
            20,
            Act::Do(Advance),
            "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 until=320",
        ),
    ]
}

/// Runs the rows; `expected` is the rendered state, `held` for a tick that does nothing, or
/// `refused: TEXT` for a refusal whose sentence contains TEXT.
fn check(name: &str, run: RunPlan, rows: &[(i64, Act, &str)]) {
    let mut driver = Driver::new(run);
    for (i, (secs, act, expected)) in rows.iter().enumerate() {
        let before = driver.state.clone();
        let outcome = driver.act(secs * 1000, act);
        let got = match &outcome {
            Outcome::Applied(_) => render(&driver.state),
            Outcome::Held => "held".to_string(),
            Outcome::Refused(text) => format!("refused: {text}"),
        };
        let matches = match expected.strip_prefix("refused: ") {
            Some(part) => got.starts_with("refused: ") && got.contains(part),
            None => got == *expected,
        };
        assert!(
            matches,
            "{name}, row {} ({act:?} at {secs}s):\n  expected {expected}\n  got      {got}",
            i + 1
        );
        if !matches!(outcome, Outcome::Applied(_)) {
            assert_eq!(
                driver.state,
                before,
                "{name}, row {}: changed the run",
                i + 1
            );
        }
    }
    assert_eq!(
        replay(&driver.run, &driver.log),
        driver.state,
        "{name}: replay differs from the live run"
    );
}

#[test]
fn a_run_goes_through_every_step_by_ticks_and_advances() {
    check(
        "happy path",
        two_stages(&[]),
        &[
            (0, Act::Do(Start), "running 1/1 ledger=50 payment=10 until=600"),
            (300, pass(), "held"),
            (600, inconclusive(), "held"),
            (601, pass(), "running 1/2 ledger=100 payment=100 until=1201"),
            (
                1201,
                pass(),
                "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 until=1501",
            ),
            (
                1300,
                Act::Do(Advance),
                "running 2/2 done=1 checkout/eu=100 ledger=100 payment=100 until=1600",
            ),
            (
                1400,
                Act::Do(Advance),
                "running 2/3 done=1 checkout/eu=100 checkout/us=50 ledger=100 payment=100 until=1700",
            ),
            (
                1700,
                pass(),
                "running 2/4 done=1 checkout/eu=100 checkout/us=100 ledger=100 payment=100 until=2000",
            ),
            (
                2000,
                pass(),
                "completed 2/4 done=1,2 checkout/eu=100 checkout/us=100 ledger=100 payment=100",
            ),
            (2100, pass(), "held"),
            (2100, Act::Do(Pause), "refused: the run is completed; a finished run takes no more commands"),
            (2100, Act::Do(RollbackPlan), "refused: the run is completed"),
            (2100, Act::Do(Abort), "refused: the run is completed"),
        ],
    );
}

#[test]
fn a_pause_keeps_what_is_left_of_the_bake() {
    check(
        "pause and resume",
        two_stages(&[]),
        &[
            (0, Act::Do(Start), "running 1/1 ledger=50 payment=10 until=600"),
            (200, Act::Do(Pause), "paused 1/1 ledger=50 payment=10 left=400"),
            (900, pass(), "held"),
            (900, Act::Do(Advance), "refused: cannot advance: the run is paused at step 1 of stage 1 (payment 10%, ledger 50%); resume it first"),
            (900, Act::Do(Pause), "refused: it is already paused"),
            (900, Act::Do(Retry), "refused: nothing failed, so resume it instead"),
            (1000, Act::Do(Resume), "running 1/1 ledger=50 payment=10 until=1400"),
            (1000, Act::Do(Resume), "refused: cannot resume: the run is baking step 1 of stage 1"),
            (1000, Act::Do(Retry), "refused: only a paused run resumes or retries"),
            (1399, pass(), "held"),
            (1400, pass(), "running 1/2 ledger=100 payment=100 until=2000"),
            // Paused after its bake ran out: nothing is left, resume advances at the next tick.
            (2500, Act::Do(Pause), "paused 1/2 ledger=100 payment=100 left=0"),
            (2600, Act::Do(Resume), "running 1/2 ledger=100 payment=100 until=2600"),
            (2600, pass(), "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 until=2900"),
        ],
    );
}

#[test]
fn a_step_with_webhooks_bakes_only_once_acknowledged() {
    check(
        "webhook acknowledgement",
        two_stages(&["payment"]),
        &[
            (0, Act::Do(Start), "running 1/1 ledger=50 payment=10 acking"),
            (5000, pass(), "held"),
            (5, Act::Do(Advance), "refused: cannot advance: the run is waiting for webhooks to acknowledge step 1 of stage 1 (payment 10%, ledger 50%); the next step can follow once this one is applied"),
            (10, Act::Ack, "running 1/1 ledger=50 payment=10 until=610"),
            (610, pass(), "running 1/2 ledger=100 payment=100 acking"),
            // Paused before the acknowledgement: the whole bake is still to serve.
            (700, Act::Do(Pause), "paused 1/2 ledger=100 payment=100 acking"),
            (800, Act::Ack, "paused 1/2 ledger=100 payment=100 left=600"),
            (900, Act::Do(Resume), "running 1/2 ledger=100 payment=100 until=1500"),
            // Stage 2 has no webhook: it bakes at once.
            (1500, pass(), "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 until=1800"),
        ],
    );
}

#[test]
fn a_failed_webhook_pauses_and_retry_sends_the_step_again() {
    check(
        "webhook failure",
        two_stages(&["ledger"]),
        &[
            (0, Act::Do(Start), "running 1/1 ledger=50 payment=10 acking"),
            (
                30,
                Act::WebhookFails,
                "paused 1/1 ledger=50 payment=10 acking failed",
            ),
            (40, pass(), "held"),
            (
                50,
                Act::Do(Retry),
                "running 1/1 ledger=50 payment=10 acking",
            ),
            (60, Act::Ack, "running 1/1 ledger=50 payment=10 until=660"),
            // A resume after a failure clears it too.
            (
                70,
                Act::WebhookFails,
                "paused 1/1 ledger=50 payment=10 left=590 failed",
            ),
            (
                80,
                Act::Do(Resume),
                "running 1/1 ledger=50 payment=10 until=670",
            ),
        ],
    );
}

#[test]
fn a_rolled_back_stage_waits_for_a_retry_or_a_plan_rollback() {
    check(
        "stage rollback",
        two_stages(&[]),
        &[
            (0, Act::Do(Start), "running 1/1 ledger=50 payment=10 until=600"),
            (10, Act::Do(Advance), "running 1/2 ledger=100 payment=100 until=610"),
            (20, Act::Do(Advance), "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 until=320"),
            (30, Act::Do(Advance), "running 2/2 done=1 checkout/eu=100 ledger=100 payment=100 until=330"),
            (40, Act::Do(RollbackStage), "paused 2/- done=1 checkout/eu=0 ledger=100 payment=100"),
            (50, pass(), "held"),
            (50, Act::Do(Resume), "refused: cannot resume: stage 2 was rolled back and the run is paused; retry the stage or roll back the plan"),
            (50, Act::Do(Advance), "refused: retry the stage or roll back the plan"),
            (50, Act::Do(RollbackStage), "refused: retry the stage or roll back the plan"),
            (60, Act::Do(Retry), "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 until=360"),
            (70, Act::Do(RollbackStage), "paused 2/- done=1 checkout/eu=0 ledger=100 payment=100"),
            (80, Act::Do(RollbackPlan), "rolled_back 2/- done=1 checkout/eu=0 ledger=0 payment=0"),
            (90, Act::Do(Retry), "refused: cannot retry: the run is rolled back; a finished run takes no more commands"),
        ],
    );
}

#[test]
fn a_plan_rollback_undoes_every_stage_the_run_touched() {
    check(
        "plan rollback",
        two_stages(&[]),
        &[
            (
                0,
                Act::Do(Start),
                "running 1/1 ledger=50 payment=10 until=600",
            ),
            (
                10,
                Act::Do(Advance),
                "running 1/2 ledger=100 payment=100 until=610",
            ),
            (
                20,
                Act::Do(Advance),
                "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 until=320",
            ),
            (
                30,
                Act::Do(Pause),
                "paused 2/1 done=1 checkout/eu=50 ledger=100 payment=100 left=290",
            ),
            (
                40,
                Act::Do(RollbackPlan),
                "rolled_back 2/- done=1 checkout/eu=0 ledger=0 payment=0",
            ),
            (50, pass(), "held"),
            (50, Act::Do(Start), "refused: the run is rolled back"),
        ],
    );
}

#[test]
fn a_rollback_through_webhooks_goes_on_with_each_acknowledgement() {
    check(
        "rollback with webhooks",
        two_stages(&["ledger", "checkout"]),
        &[
            (0, Act::Do(Start), "running 1/1 ledger=50 payment=10 acking"),
            (1, Act::Ack, "running 1/1 ledger=50 payment=10 until=601"),
            (10, Act::Do(Advance), "running 1/2 ledger=100 payment=100 acking"),
            (11, Act::Ack, "running 1/2 ledger=100 payment=100 until=611"),
            (20, Act::Do(Advance), "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 acking"),
            (30, Act::Do(RollbackPlan), "rolling_back 2/- done=1 checkout/eu=0 ledger=100 payment=100 acking-rollback"),
            (31, pass(), "held"),
            (32, Act::Do(Advance), "refused: cannot advance: the run is rolling back, waiting for webhooks to acknowledge the rollback of stage 2; wait for the rollback to finish, or abort"),
            (33, Act::Do(RollbackPlan), "refused: wait for the rollback to finish"),
            (34, Act::Ack, "rolling_back 2/- done=1 checkout/eu=0 ledger=100 payment=100"),
            (35, pass(), "rolling_back 2/- done=1 checkout/eu=0 ledger=0 payment=0 acking-rollback"),
            (36, Act::Ack, "rolling_back 2/- done=1 checkout/eu=0 ledger=0 payment=0"),
            (37, pass(), "rolled_back 2/- done=1 checkout/eu=0 ledger=0 payment=0"),
        ],
    );
}

#[test]
fn a_rollback_whose_webhook_fails_must_be_rolled_back_again() {
    check(
        "interrupted rollback",
        two_stages(&["checkout"]),
        &[
            (0, Act::Do(Start), "running 1/1 ledger=50 payment=10 until=600"),
            (10, Act::Do(Advance), "running 1/2 ledger=100 payment=100 until=610"),
            (20, Act::Do(Advance), "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 acking"),
            (30, Act::Do(RollbackPlan), "rolling_back 2/- done=1 checkout/eu=0 ledger=100 payment=100 acking-rollback"),
            (40, Act::WebhookFails, "paused 2/- done=1 checkout/eu=0 ledger=100 payment=100 acking-rollback failed"),
            (50, pass(), "held"),
            (50, Act::Do(Retry), "refused: cannot retry: the run paused in the middle of a rollback, waiting for webhooks to acknowledge the rollback of stage 2; roll back the plan again, or abort"),
            (50, Act::Do(RollbackStage), "refused: roll back the plan again, or abort"),
            (60, Act::Do(RollbackPlan), "rolling_back 2/- done=1 checkout/eu=0 ledger=100 payment=100 acking-rollback failed"),
            (70, Act::Ack, "rolling_back 2/- done=1 checkout/eu=0 ledger=100 payment=100 failed"),
            (80, pass(), "rolled_back 2/- done=1 checkout/eu=0 ledger=0 payment=0 failed"),
        ],
    );
}

#[test]
fn abort_freezes_exposure_where_it_is() {
    check(
        "abort",
        two_stages(&["payment"]),
        &[
            (0, Act::Do(Start), "running 1/1 ledger=50 payment=10 acking"),
            (1, Act::Ack, "running 1/1 ledger=50 payment=10 until=601"),
            (10, Act::Do(Abort), "aborted 1/1 ledger=50 payment=10"),
            (20, pass(), "held"),
            (20, Act::Ack, "aborted 1/1 ledger=50 payment=10"),
            (30, Act::Do(RollbackPlan), "refused: cannot roll back the plan: the run is aborted; a finished run takes no more commands"),
        ],
    );
}

#[test]
fn a_run_that_has_not_started_only_starts_or_aborts() {
    for command in [Advance, Pause, Resume, Retry, RollbackStage, RollbackPlan] {
        check(
            command.as_str(),
            two_stages(&[]),
            &[(
                0,
                Act::Do(command),
                "refused: the run has not started; start it first",
            )],
        );
    }
    check(
        "abort before start",
        two_stages(&[]),
        &[
            (0, Act::Do(Abort), "aborted 1/-"),
            (1, Act::Do(Start), "refused: the run is aborted"),
        ],
    );
    check(
        "start twice",
        two_stages(&[]),
        &[
            (0, Act::Do(Start), "running 1/1 ledger=50 payment=10 until=600"),
            (1, Act::Do(Start), "refused: cannot start: the run is baking step 1 of stage 1 (payment 10%, ledger 50%); a run starts only once"),
        ],
    );
}

#[test]
fn plans_without_stages_or_steps_do_not_start() {
    let empty = run_plan(Vec::new());
    assert_eq!(
        decide(&empty, &RunState::new(), Start).unwrap_err().0,
        "cannot start: plan 'spring-release' has no stages, so there is nothing to roll out"
    );
    let stepless = run_plan(vec![
        (
            vec![service("payment", &[], &[100], 60)],
            FailureAction::Pause,
        ),
        (vec![service("ledger", &[], &[], 60)], FailureAction::Pause),
    ]);
    assert_eq!(
        decide(&stepless, &RunState::new(), Start).unwrap_err().0,
        "cannot start: stage 2 of plan 'spring-release' has no steps, so it could never complete"
    );
}

/// A stage whose services have different step counts: the shorter one is done early, and the
/// step bakes as long as its longest service.
#[test]
fn services_of_a_stage_step_together() {
    let run = run_plan(vec![(
        vec![
            service("search", &["eu", "us"], &[100], 120),
            service("ranker", &[], &[5, 50, 100], 30),
        ],
        FailureAction::Pause,
    )]);
    check(
        "uneven services",
        run,
        &[
            (
                0,
                Act::Do(Start),
                "running 1/1 ranker=5 search/eu=100 until=120",
            ),
            (
                120,
                pass(),
                "running 1/2 ranker=50 search/eu=100 search/us=100 until=240",
            ),
            (
                240,
                pass(),
                "running 1/3 ranker=100 search/eu=100 search/us=100 until=270",
            ),
            (
                270,
                pass(),
                "completed 1/3 done=1 ranker=100 search/eu=100 search/us=100",
            ),
        ],
    );
}

/// What the executor records when a bake ends: the step, its exposure, the bake and what
/// comes next, in words.
#[test]
fn the_executor_says_why_it_advanced() {
    let mut driver = Driver::new(two_stages(&[]));
    let reasons: Vec<String> = [(0, Act::Do(Start)), (600, pass()), (1200, pass())]
        .iter()
        .map(|(secs, act)| {
            driver.act(secs * 1000, act);
            driver
                .log
                .last()
                .map(|e| e.reason.clone())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        reasons[1],
        "step 1 of stage 1 (payment 10%, ledger 50%) baked 10m with no gate to hold: \
         moving to step 2 of stage 1 (payment 100%, ledger 100%)"
    );
    assert_eq!(
        reasons[2],
        "step 2 of stage 1 (payment 100%, ledger 100%) baked 10m with no gate to hold: \
         stage 1 is complete, moving to step 1 of stage 2 (checkout 50% in eu)"
    );
    let kinds: Vec<&EventKind> = driver.log.iter().map(|e| &e.kind).collect();
    assert_eq!(
        kinds,
        [
            &EventKind::Started,
            &EventKind::StepRequested {
                stage: 0,
                step: 0,
                awaits_ack: false
            },
            &EventKind::StepRequested {
                stage: 0,
                step: 1,
                awaits_ack: false
            },
            &EventKind::StageCompleted { stage: 0 },
            &EventKind::StepRequested {
                stage: 1,
                step: 0,
                awaits_ack: false
            },
        ]
    );
}

/// A plan rollback names its stages in the order it undoes them, and waits on the first one
/// with a webhook.
#[test]
fn a_plan_rollback_goes_in_reverse_stage_order() {
    let run = run_plan(vec![
        (vec![service("a", &[], &[100], 0)], FailureAction::Pause),
        (
            vec![service("b", &[], &[100], 0).with_webhook()],
            FailureAction::Pause,
        ),
        (vec![service("c", &[], &[100], 0)], FailureAction::Pause),
    ]);
    let mut driver = Driver::new(run);
    for secs in 0..3 {
        let act = if secs == 0 { Act::Do(Start) } else { pass() };
        driver.act(secs, &act);
        driver.act(secs, &Act::Ack);
    }
    assert_eq!(driver.state.stage, 2);
    assert_eq!(
        decide(&driver.run, &driver.state, RollbackPlan),
        Ok(vec![
            EventKind::RollbackStarted {
                scope: RollbackScope::Plan,
                failed: Vec::new()
            },
            EventKind::StageRolledBack {
                stage: 2,
                awaits_ack: false
            },
            EventKind::StageRolledBack {
                stage: 1,
                awaits_ack: true
            },
        ])
    );
    driver.act(10, &Act::Do(RollbackPlan));
    assert_eq!(
        driver.state.rollback,
        Some((RollbackScope::Plan, vec![0])),
        "stage 1 is still to roll back"
    );
    driver.act(11, &Act::Ack);
    let next = driver.act(12, &pass());
    assert_eq!(
        next,
        Outcome::Applied(vec![
            EventKind::StageRolledBack {
                stage: 0,
                awaits_ack: false
            },
            EventKind::RollbackFinished,
        ])
    );
    assert_eq!(
        driver.log.last().map(|e| e.reason.as_str()),
        Some("stage 1 back at 0% of the new version: the rollback is finished")
    );
}

#[test]
fn a_failed_gate_applies_the_stages_failure_action() {
    let mut paused = to_stage_two();
    paused.extend([
        // A failure acts at once: it does not wait for the bake.
        (
            30,
            fail(),
            "paused 2/1 done=1 checkout/eu=50 ledger=100 payment=100 left=290 failed",
        ),
        (40, fail(), "held"),
        (
            50,
            Act::Do(Retry),
            "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 until=350",
        ),
        (
            60,
            fail(),
            "paused 2/1 done=1 checkout/eu=50 ledger=100 payment=100 left=290 failed",
        ),
        (
            70,
            Act::Do(Resume),
            "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 until=360",
        ),
    ]);
    check(
        "pause on failure",
        failing_by(FailureAction::Pause, &[]),
        &paused,
    );

    let mut stage = to_stage_two();
    stage.extend([
        (
            30,
            fail(),
            "paused 2/- done=1 checkout/eu=0 ledger=100 payment=100 failed",
        ),
        (40, Act::Do(Resume), "refused: stage 2 was rolled back"),
        (
            50,
            Act::Do(Retry),
            "running 2/1 done=1 checkout/eu=50 ledger=100 payment=100 until=350",
        ),
    ]);
    check(
        "stage rollback on failure",
        failing_by(FailureAction::RollbackStage, &[]),
        &stage,
    );

    let mut plan = to_stage_two();
    plan.push((
        30,
        fail(),
        "rolled_back 2/- done=1 checkout/eu=0 ledger=0 payment=0 failed",
    ));
    check(
        "plan rollback on failure",
        failing_by(FailureAction::RollbackPlan, &[]),
        &plan,
    );

    // Waiting for webhooks or paused, a failing verdict does nothing.
    check(
        "failure while applying",
        failing_by(FailureAction::RollbackPlan, &["payment"]),
        &[
            (0, Act::Do(Start), "running 1/1 ledger=50 payment=10 acking"),
            (10, fail(), "held"),
            (20, Act::Do(Pause), "paused 1/1 ledger=50 payment=10 acking"),
            (30, Act::Ack, "paused 1/1 ledger=50 payment=10 left=600"),
            (40, fail(), "held"),
        ],
    );
}

/// The automatic rollback records only the failed gate, and a sentence naming the harm, the
/// change that caused it and what was done.
#[test]
fn a_failed_gate_says_what_failed_and_what_was_done() {
    let mut driver = Driver::new(failing_by(FailureAction::RollbackStage, &["checkout"]));
    for (secs, act, _) in to_stage_two() {
        driver.act(secs * 1000, &act);
        if driver.state.pending.is_some() {
            driver.act(secs * 1000, &Act::Ack);
        }
    }
    let before = driver.log.len();
    let outcome = driver.act(30_000, &fail());
    let failed = vec![failing().evaluations[1].clone()];
    assert_eq!(
        outcome,
        Outcome::Applied(vec![
            EventKind::RollbackStarted {
                scope: RollbackScope::Stage,
                failed
            },
            EventKind::StageRolledBack {
                stage: 1,
                awaits_ack: true
            },
        ])
    );
    let reason = "storefront error rate rose from 0.4% to 6.2% after checkout 2.0.0 reached 50%: \
                  stage 2 rolled back";
    assert!(driver.log[before..].iter().all(|e| e.reason == reason));
    assert_eq!(driver.state.failure.as_deref(), Some(reason));
    assert_eq!(
        render(&driver.state),
        "rolling_back 2/- done=1 checkout/eu=0 ledger=100 payment=100 acking-rollback failed"
    );
    driver.act(31_000, &Act::Ack);
    driver.act(32_000, &pass());
    assert_eq!(
        render(&driver.state),
        "paused 2/- done=1 checkout/eu=0 ledger=100 payment=100 failed"
    );
}
