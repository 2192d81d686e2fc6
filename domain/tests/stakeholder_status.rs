//! What a stakeholder's status page says as a run moves: the light and its sentence, each
//! stage's progress, the share of steps done, and the events in plain words with no gate
//! values and no reasons people typed.

mod run_support;

use breakwater_domain::health::{Evaluation, Scope, StepVerdict, Verdict};
use breakwater_domain::plan::{FailureAction, Signal};
use breakwater_domain::run::Command::*;
use breakwater_domain::status::{rollout_status, Health, Review, RolloutStatus, StageProgress};
use run_support::{bare, run_plan, service, Act, Driver};

fn driver() -> Driver {
    Driver::new(run_plan(vec![
        (
            vec![service("payment", &[], &[10, 100], 60)],
            FailureAction::Pause,
        ),
        (
            vec![service("checkout", &["eu", "us"], &[50, 100], 60)],
            FailureAction::RollbackPlan,
        ),
    ]))
}

fn status(driver: &Driver, at: i64) -> RolloutStatus {
    let stages: Vec<(usize, Vec<String>)> = driver
        .run
        .plan
        .stages
        .iter()
        .map(|s| (s.index, s.services.clone()))
        .collect();
    rollout_status(
        "spring-release",
        &stages,
        Some((&driver.run, &driver.state, driver.log.as_slice())),
        Review::Approved,
        None,
        at,
    )
}

fn failing_downstream() -> StepVerdict {
    StepVerdict {
        verdict: Verdict::Fail,
        evaluations: vec![Evaluation {
            service: "storefront".to_string(),
            scope: Scope::Downstream,
            signal: Signal::ErrorRate,
            value: Some(6.2),
            baseline: Some(0.4),
            threshold: 1.0,
            samples: 1200,
            window_secs: 300,
            verdict: Verdict::Fail,
            summary: "storefront error rate rose from 0.4% to 6.2% (limit 1%)".to_string(),
        }],
    }
}

#[test]
fn a_plan_without_a_run_is_judged_by_its_review() {
    let stages = vec![(1, vec!["payment".to_string()])];
    for (review, health) in [
        (Review::Approved, Health::Green),
        (Review::InReview, Health::Amber),
        (Review::Draft, Health::Amber),
    ] {
        let status = rollout_status("spring-release", &stages, None, review, None, 0);
        assert_eq!(status.health, health, "{review:?}");
        assert_eq!(status.progress, 0);
        assert_eq!(status.stages[0].progress, StageProgress::NotStarted);
        assert!(status.events.is_empty());
    }
}

#[test]
fn a_healthy_run_is_green_and_counts_its_steps() {
    let mut driver = driver();
    driver.act(0, &Act::Do(Start));
    let started = status(&driver, 1_000);
    assert_eq!(started.health, Health::Green);
    assert_eq!(
        started.reason,
        "Rolling out, stage 1 of 2; health checks passing"
    );
    // Stage 1 has 2 steps, stage 2 has 4 (2 regions x 2 percentages): 1 of 6 done.
    assert_eq!(started.progress, 16);
    assert_eq!(started.stages[0].progress, StageProgress::InProgress);
    assert_eq!(started.stages[0].percent, 10);
    for at in [61, 122] {
        driver.act(at * 1000, &Act::Tick(bare(Verdict::Pass)));
    }
    let second = status(&driver, 130_000);
    assert_eq!(second.stages[0].progress, StageProgress::Done);
    assert_eq!(second.stages[1].progress, StageProgress::InProgress);
    assert_eq!(second.progress, 50);
    let texts: Vec<&str> = second.events.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Now at checkout 50% in eu",
            "Stage 1 (payment) done",
            "Now at payment 100%",
            "Now at payment 10%",
            "Rollout started"
        ]
    );
}

#[test]
fn a_failure_downstream_turns_red_without_showing_gate_values() {
    let mut driver = driver();
    driver.act(0, &Act::Do(Start));
    driver.act(61_000, &Act::Tick(bare(Verdict::Pass)));
    driver.act(122_000, &Act::Tick(bare(Verdict::Pass)));
    driver.act(150_000, &Act::Tick(failing_downstream()));
    // Stage 2 rolls the whole plan back; without webhooks it is back at once.
    let failed = status(&driver, 151_000);
    assert_eq!(failed.health, Health::Red);
    assert_eq!(
        failed.reason,
        "Rolled back: customers are on the previous versions"
    );
    assert_eq!(
        failed.events[..4]
            .iter()
            .map(|e| e.text.as_str())
            .collect::<Vec<_>>(),
        [
            "Rollback finished",
            "Stage 1 (payment) rolled back",
            "Stage 2 (checkout) rolled back",
            "Rolling back the whole rollout: health checks failed on storefront"
        ]
    );
    assert!(failed
        .stages
        .iter()
        .all(|s| s.progress == StageProgress::RolledBack && s.percent == 0));
    let words: String = failed
        .events
        .iter()
        .map(|e| e.text.clone())
        .chain([failed.reason.clone()])
        .collect::<Vec<_>>()
        .join(" | ");
    for leak in ["6.2", "0.4", "limit", "ana asked"] {
        assert!(!words.contains(leak), "{leak} in {words}");
    }
}

#[test]
fn a_person_pausing_is_amber_and_a_finished_run_has_no_eta() {
    let mut driver = driver();
    driver.act(0, &Act::Do(Start));
    driver.act(10_000, &Act::Do(Pause));
    let paused = status(&driver, 11_000);
    assert_eq!(paused.health, Health::Amber);
    assert_eq!(paused.reason, "Paused at stage 1 of 2 by a release manager");
    driver.act(20_000, &Act::Do(Abort));
    let aborted = status(&driver, 21_000);
    assert_eq!(aborted.health, Health::Amber);
    assert_eq!(aborted.eta, None);
}
