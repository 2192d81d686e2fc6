//! Gate evaluation, one table per gate type: what the series hold, what each evaluation must
//! say. The run: stage 1 changes cart, stage 2 (the current one, at its second step, 25%)
//! changes payment 1.9.0 -> 2.0.0; checkout consumes payment (the blast radius).

use breakwater_domain::health::{
    describe_failure, evaluate_step, series_needed, Evaluation, Latency, Sample, Scope, Series,
    Verdict,
};
use breakwater_domain::plan::{FailureAction, Gate, Plan, Signal, Stage, Step, TierCounts};
use breakwater_domain::run::{RunPlan, RunService, RunState, RunStatus};
use std::collections::BTreeMap;

const MIN: i64 = 60_000;
/// Mid-bucket, so the current bucket is partly filled as in real evaluations.
const NOW: i64 = 1_800_000_000_000 + 5_000;
const STARTED: i64 = NOW - 30 * MIN;

fn step(service: &str, percent: u8, gates: &[Gate]) -> Step {
    Step {
        service: service.into(),
        region: None,
        percent,
        bake_secs: 600,
        gates: gates.to_vec(),
    }
}

fn stage(
    index: usize,
    services: &[&str],
    steps: Vec<Step>,
    gates: &[Gate],
    blast: &[&str],
) -> Stage {
    Stage {
        index,
        services: services.iter().map(|s| s.to_string()).collect(),
        steps,
        gates: gates.to_vec(),
        on_failure: FailureAction::RollbackStage,
        rollback_order: services.iter().map(|s| s.to_string()).collect(),
        blast_radius: blast.iter().map(|s| s.to_string()).collect(),
        blast_by_tier: TierCounts::default(),
        estimated_secs: 1800,
        coordinated: false,
        explanations: Vec::new(),
    }
}

fn run(own: &[Gate], downstream: &[Gate]) -> RunPlan {
    let steps = [5, 25, 100].map(|p| step("payment", p, own)).to_vec();
    let service = |id: &str, from: &str, to: &str| RunService {
        service: id.into(),
        from_version: from.into(),
        to_version: to.into(),
        webhook: None,
    };
    RunPlan {
        plan_name: "checkout-v2".into(),
        plan_revision: 1,
        plan: Plan {
            name: "checkout-v2".into(),
            stages: vec![
                stage(
                    1,
                    &["cart"],
                    vec![step("cart", 100, &[])],
                    &[],
                    &["frontend"],
                ),
                stage(
                    2,
                    &["payment"],
                    steps,
                    downstream,
                    &["checkout", "frontend"],
                ),
            ],
            problems: Vec::new(),
            rollback: vec![2, 1],
            estimated_secs: 3600,
        },
        services: vec![
            service("cart", "1.0.0", "1.1.0"),
            service("payment", "1.9.0", "2.0.0"),
        ],
    }
}

fn state(step: usize) -> RunState {
    RunState {
        status: RunStatus::Running,
        stage: 1,
        step: Some(step),
        stage_started_at: Some(STARTED),
        completed_stages: vec![0],
        ..RunState::new()
    }
}

/// `requests` (default 1000) per 10 s bucket with `errors` percent failing and that p99, for the buckets from
/// `from` to `to` minutes relative to now (negative: ago).
struct Fill {
    service: &'static str,
    version: &'static str,
    from: i64,
    to: i64,
    requests: u64,
    errors: f64,
    p99: f64,
}

fn fill(service: &'static str, version: &'static str, from: i64, to: i64) -> Fill {
    Fill {
        service,
        version,
        from,
        to,
        requests: 1000,
        errors: 0.0,
        p99: 100.0,
    }
}

impl Fill {
    fn errors(self, errors: f64) -> Fill {
        Fill { errors, ..self }
    }
    fn p99(self, p99: f64) -> Fill {
        Fill { p99, ..self }
    }
    fn requests(self, requests: u64) -> Fill {
        Fill { requests, ..self }
    }
}

fn series(fills: &[Fill]) -> Series {
    let mut series = Series::default();
    for f in fills {
        let mut at = NOW + f.from * MIN;
        while at < NOW + f.to * MIN && at <= NOW {
            series.add(&Sample {
                service: f.service.into(),
                version: f.version.into(),
                region: Some("eu-west-1".into()),
                at,
                requests: f.requests,
                errors: (f.requests as f64 * f.errors / 100.0).round() as u64,
                latency: Latency::Percentiles {
                    p50: f.p99 / 4.0,
                    p90: f.p99 / 2.0,
                    p99: f.p99,
                },
            });
            at += 10_000;
        }
    }
    series
}

fn gate(signal: Signal, max: f64) -> Gate {
    Gate {
        window_secs: Some(60),
        ..Gate::new(signal, max)
    }
}

fn relative(signal: Signal, max: f64) -> Gate {
    Gate {
        relative: true,
        ..gate(signal, max)
    }
}

fn data_check(url: &str) -> Gate {
    Gate {
        check: Some(url.into()),
        ..Gate::new(Signal::DataCheck, 0.0)
    }
}

fn evaluate(own: &[Gate], downstream: &[Gate], step: usize, fills: &[Fill]) -> Vec<Evaluation> {
    evaluate_with(own, downstream, step, fills, &BTreeMap::new())
}

fn evaluate_with(
    own: &[Gate],
    downstream: &[Gate],
    step: usize,
    fills: &[Fill],
    checks: &BTreeMap<String, Result<bool, String>>,
) -> Vec<Evaluation> {
    evaluate_step(
        &run(own, downstream),
        &state(step),
        &series(fills),
        checks,
        NOW,
    )
    .evaluations
}

/// One evaluation expected: its verdict and the start of its sentence.
type Expected = (Verdict, &'static str);

fn check(name: &str, evaluations: &[Evaluation], expected: &[Expected]) {
    let seen: Vec<(Verdict, &str)> = evaluations
        .iter()
        .map(|e| (e.verdict, e.summary.as_str()))
        .collect();
    assert_eq!(seen.len(), expected.len(), "{name}: {seen:#?}");
    for ((verdict, summary), (want, start)) in seen.iter().zip(expected) {
        assert_eq!(verdict, want, "{name}: {summary}");
        assert!(
            summary.starts_with(start),
            "{name}: '{summary}' should start '{start}'"
        );
        for e in evaluations {
            assert!(
                e.value.is_none_or(f64::is_finite) && e.threshold.is_finite(),
                "{name}: {e:?}"
            );
        }
    }
}

use Signal::{BurnRate, ErrorRate, LatencyP99};
use Verdict::{Fail, Inconclusive, Pass};

#[test]
fn error_rate_and_latency() {
    let new = |errors, p99| fill("payment", "2.0.0", -5, 1).errors(errors).p99(p99);
    let stable = |errors, p99| fill("payment", "1.9.0", -5, 1).errors(errors).p99(p99);
    let cases: Vec<(&str, Gate, Vec<Fill>, Expected)> = vec![
        (
            "pass",
            gate(ErrorRate, 1.0),
            vec![new(0.5, 100.0)],
            (Pass, "payment 2.0.0 error rate 0.5% over 1m (limit 1%)"),
        ),
        (
            "fail",
            gate(ErrorRate, 1.0),
            vec![new(3.2, 100.0)],
            (Fail, "payment 2.0.0 error rate 3.2% over 1m (limit 1%)"),
        ),
        (
            "too little traffic",
            gate(ErrorRate, 1.0),
            vec![new(0.0, 100.0).requests(5)],
            (
                Inconclusive,
                "payment 2.0.0 error rate 0% over 1m: 30 requests, fewer than the 50 needed",
            ),
        ),
        (
            "no traffic",
            gate(ErrorRate, 1.0),
            vec![],
            (
                Inconclusive,
                "payment 2.0.0 error rate no data over 1m: 0 requests",
            ),
        ),
        (
            "stable traffic only",
            gate(ErrorRate, 1.0),
            vec![stable(9.0, 100.0)],
            (Inconclusive, "payment 2.0.0 error rate no data"),
        ),
        (
            "relative pass",
            relative(ErrorRate, 1.5),
            vec![stable(2.0, 100.0), new(2.5, 100.0)],
            (
                Pass,
                "payment 2.0.0 error rate 2.5% over 1m against 2% on 1.9.0 (limit 3%)",
            ),
        ),
        (
            "relative fail",
            relative(ErrorRate, 1.5),
            vec![stable(1.0, 100.0), new(2.0, 100.0)],
            (
                Fail,
                "payment 2.0.0 error rate 2% over 1m against 1% on 1.9.0 (limit 1.5%)",
            ),
        ),
        (
            "relative floor",
            relative(ErrorRate, 1.5),
            vec![
                stable(0.0, 100.0),
                new(0.0, 100.0),
                fill("payment", "2.0.0", 0, 1).errors(0.5),
            ],
            (
                Pass,
                "payment 2.0.0 error rate 0.07% over 1m against 0% on 1.9.0 (limit 0.1%)",
            ),
        ),
        (
            "p99 fail",
            gate(LatencyP99, 500.0),
            vec![new(0.0, 920.0)],
            (Fail, "payment 2.0.0 p99 9"),
        ),
        (
            "p99 pass",
            gate(LatencyP99, 500.0),
            vec![new(0.0, 450.0)],
            (Pass, "payment 2.0.0 p99 4"),
        ),
        (
            "relative p99",
            relative(LatencyP99, 1.5),
            vec![stable(0.0, 200.0), new(0.0, 400.0)],
            (Fail, "payment 2.0.0 p99 4"),
        ),
        (
            "relative at 100%: the stable version before the stage is the baseline",
            relative(LatencyP99, 1.5),
            vec![
                fill("payment", "1.9.0", -32, -29).p99(300.0),
                new(0.0, 400.0),
            ],
            (Pass, "payment 2.0.0 p99 4"),
        ),
        (
            "relative without a baseline",
            relative(LatencyP99, 1.5),
            vec![new(0.0, 400.0)],
            (Inconclusive, "payment 2.0.0 p99 4"),
        ),
    ];
    for (name, gate, fills, expected) in cases {
        check(name, &evaluate(&[gate], &[], 1, &fills), &[expected]);
    }
}

#[test]
fn min_samples_zero_still_needs_traffic_and_a_lower_minimum_passes() {
    let low = fill("payment", "2.0.0", -5, 1).requests(1);
    let gate = |min_samples| Gate {
        min_samples,
        ..gate(ErrorRate, 1.0)
    };
    check(
        "min 0",
        &evaluate(&[gate(0)], &[], 1, &[]),
        &[(Inconclusive, "payment")],
    );
    check(
        "min 6",
        &evaluate(&[gate(6)], &[], 1, &[low]),
        &[(Pass, "payment")],
    );
}

#[test]
fn data_checks() {
    let url = "https://checks.example/charges";
    let answers = |answer: Option<Result<bool, String>>| {
        answer
            .map(|a| (url.to_string(), a))
            .into_iter()
            .collect::<BTreeMap<_, _>>()
    };
    for (answer, expected) in [
        (Some(Ok(true)), (Pass, "data check https://checks.example/charges for payment passed")),
        (Some(Ok(false)), (Fail, "data check https://checks.example/charges for payment failed")),
        (Some(Err("timed out".into())), (Inconclusive, "data check https://checks.example/charges for payment could not be asked: timed out")),
        (None, (Inconclusive, "data check https://checks.example/charges for payment has not answered yet")),
    ] {
        let seen = evaluate_with(&[data_check(url)], &[], 1, &[], &answers(answer));
        check(expected.1, &seen, &[expected]);
    }
}

#[test]
fn burn_rate_rules() {
    let burn = Gate {
        window_secs: Some(3600),
        ..Gate::new(BurnRate, 6.0)
    };
    let new = |from, to, errors| fill("payment", "2.0.0", from, to).errors(errors);
    let cases = vec![
        ("quiet", vec![new(-61, 1, 0.1)], (Pass, "payment 2.0.0 burns its 99.9% error budget at 1× over 1h")),
        (
            "fast rule: a spike over the last 10 minutes",
            vec![new(-61, -10, 0.0), new(-10, 1, 5.0)],
            (Fail, "payment 2.0.0 burns its 99.9% error budget at 50× over 10m"),
        ),
        (
            "slow rule: steady burn over the hour",
            vec![new(-61, 1, 0.8)],
            (Fail, "payment 2.0.0 burns its 99.9% error budget at 8× over 1h"),
        ),
        (
            "a spike that ended: the short windows clear it",
            vec![new(-61, -40, 0.0), new(-40, -30, 5.0), new(-30, 1, 0.0)],
            (Pass, "payment 2.0.0 burns its 99.9% error budget at 8.33× over 1h and 0× over 5m: slow rule"),
        ),
        ("too little traffic", vec![new(-1, 1, 5.0).requests(1)], (Inconclusive, "payment 2.0.0 burns")),
    ];
    for (name, fills, expected) in cases {
        let seen = evaluate(std::slice::from_ref(&burn), &[], 1, &fills);
        check(name, &seen, &[expected]);
        let rule = if name.starts_with("fast") {
            "fast rule (limit 14.4×)"
        } else {
            ""
        };
        assert!(
            seen[0].summary.contains(rule),
            "{name}: {}",
            seen[0].summary
        );
    }
}

/// A name, the stage's gates, the series, the evaluations expected.
type DownstreamCase = (&'static str, Vec<Gate>, Vec<Fill>, Vec<Expected>);

#[test]
fn downstream_against_the_baseline_before_the_stage() {
    let before =
        |p99: f64, errors: f64| fill("checkout", "3.0.0", -32, -29).p99(p99).errors(errors);
    let now = |p99: f64, errors: f64| fill("checkout", "3.0.0", -5, 1).p99(p99).errors(errors);
    let watched = [gate(LatencyP99, 500.0)];
    let cases: Vec<DownstreamCase> = vec![
        (
            "cascade",
            watched.to_vec(),
            vec![before(180.0, 0.0), now(920.0, 0.0)],
            vec![(Fail, "checkout p99 rose from 1")],
        ),
        (
            "healthy",
            watched.to_vec(),
            vec![before(180.0, 0.0), now(200.0, 0.0)],
            vec![(Pass, "checkout p99 rose from 1")],
        ),
        (
            "already slow before the stage",
            watched.to_vec(),
            vec![before(700.0, 0.0), now(900.0, 0.0)],
            vec![(Pass, "checkout p99 rose from")],
        ),
        ("no traffic: not watched", watched.to_vec(), vec![], vec![]),
        (
            "little traffic",
            watched.to_vec(),
            vec![before(180.0, 0.0).requests(1), now(920.0, 0.0).requests(1)],
            vec![(Inconclusive, "checkout p99 rose from")],
        ),
        (
            "no baseline",
            watched.to_vec(),
            vec![now(920.0, 0.0)],
            vec![(Inconclusive, "checkout p99 9")],
        ),
        (
            "relative",
            vec![relative(ErrorRate, 1.5)],
            vec![before(100.0, 2.0), now(100.0, 2.5)],
            vec![(Pass, "checkout error rate rose from 2% to 2.5% (limit 3%)")],
        ),
        (
            "relative fail",
            vec![relative(ErrorRate, 1.5)],
            vec![before(100.0, 2.0), now(100.0, 5.0)],
            vec![(Fail, "checkout error rate rose from 2% to 5% (limit 3%)")],
        ),
        (
            "absolute error rate with its tolerance",
            vec![gate(ErrorRate, 1.0)],
            vec![before(100.0, 0.0), now(100.0, 0.8)],
            vec![(Pass, "checkout error rate rose from 0% to 0.8% (limit 1%)")],
        ),
        (
            "data checks are not downstream",
            vec![Gate {
                downstream: true,
                ..data_check("https://c.example/x")
            }],
            vec![before(100.0, 0.0), now(100.0, 50.0)],
            vec![],
        ),
        (
            "not marked downstream",
            vec![Gate {
                downstream: false,
                ..gate(ErrorRate, 1.0)
            }],
            vec![before(100.0, 0.0), now(100.0, 50.0)],
            vec![],
        ),
    ];
    for (name, gates, fills, expected) in cases {
        let seen = evaluate(&[], &gates, 1, &fills);
        check(name, &seen, &expected);
        assert!(seen
            .iter()
            .all(|e| e.scope == Scope::Downstream && e.service == "checkout"));
    }
}

#[test]
fn the_step_verdict_combines_every_evaluation() {
    let verdict = |own: &[Gate], fills: &[Fill]| {
        evaluate_step(
            &run(own, &[]),
            &state(1),
            &series(fills),
            &BTreeMap::new(),
            NOW,
        )
        .verdict
    };
    let bad = fill("payment", "2.0.0", -5, 1).errors(5.0);
    assert_eq!(verdict(&[], &[]), Pass, "no gates");
    assert_eq!(
        verdict(&[gate(ErrorRate, 1.0), gate(LatencyP99, 500.0)], &[bad]),
        Fail
    );
    let good = fill("payment", "2.0.0", -5, 1);
    assert_eq!(
        verdict(
            &[gate(ErrorRate, 1.0), data_check("https://c.example/x")],
            &[good]
        ),
        Inconclusive
    );
    let good = fill("payment", "2.0.0", -5, 1);
    assert_eq!(
        verdict(&[gate(ErrorRate, 1.0), gate(LatencyP99, 500.0)], &[good]),
        Pass
    );
    let before_any_step = RunState {
        step: None,
        ..state(0)
    };
    let nothing = evaluate_step(
        &run(&[gate(ErrorRate, 1.0)], &[]),
        &before_any_step,
        &Series::default(),
        &BTreeMap::new(),
        NOW,
    );
    assert_eq!((nothing.verdict, nothing.evaluations.len()), (Pass, 0));
}

#[test]
fn a_service_at_100_keeps_its_last_step_gates() {
    // Step 5 of a service with three steps: it is at 100% and still watched.
    let seen = evaluate(
        &[gate(ErrorRate, 1.0)],
        &[],
        5,
        &[fill("payment", "2.0.0", -5, 1).errors(3.0)],
    );
    check("at 100", &seen, &[(Fail, "payment 2.0.0 error rate 3%")]);
}

#[test]
fn series_needed_covers_every_window_and_baseline() {
    let run = run(&[gate(ErrorRate, 1.0)], &[Gate::new(LatencyP99, 500.0)]);
    let needed = series_needed(&run, &state(1), NOW);
    assert_eq!(needed.services, ["payment", "checkout", "frontend"]);
    // The downstream window is the bake (10 minutes, 60 buckets ending with the current one);
    // its baseline is the 10 minutes before the stage started.
    assert_eq!(needed.from, STARTED - STARTED % 10_000 - 60 * 10_000);
    let none = series_needed(&run, &RunState::new(), NOW);
    assert!(none.services.is_empty());
}

#[test]
fn describing_a_failure() {
    let run = run(&[gate(ErrorRate, 1.0)], &[gate(LatencyP99, 500.0)]);
    let fills = [
        fill("checkout", "3.0.0", -32, -29).p99(180.0),
        fill("checkout", "3.0.0", -5, 1).p99(920.0),
        fill("payment", "2.0.0", -5, 1).errors(3.0),
    ];
    let verdict = evaluate_step(&run, &state(1), &series(&fills), &BTreeMap::new(), NOW);
    assert_eq!(verdict.verdict, Fail);
    let sentence = describe_failure(&run, &state(1), &verdict.evaluations, "stage 2 rolled back");
    assert!(
        sentence.starts_with("checkout p99 rose from 1"),
        "{sentence}"
    );
    assert!(
        sentence.ends_with(" ms after payment 2.0.0 reached 25%: stage 2 rolled back"),
        "{sentence}"
    );
    let own: Vec<Evaluation> = verdict
        .evaluations
        .into_iter()
        .filter(|e| e.scope == Scope::Own)
        .collect();
    assert_eq!(
        describe_failure(&run, &state(1), &own, "run paused"),
        "payment 2.0.0 error rate 3% over 1m at 25%: run paused"
    );
    assert_eq!(
        describe_failure(&run, &state(1), &[], "run paused"),
        "run paused"
    );
}
