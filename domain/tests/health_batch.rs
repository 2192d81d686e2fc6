//! `validate_batch`: one case per rule, each naming the paths it must report.

use breakwater_domain::health::batch::MAX_BATCH_PROBLEMS;
use breakwater_domain::health::{validate_batch, Latency, Sample, MAX_BATCH_SAMPLES};

const NOW: i64 = 1_800_000_000_000;
const RETENTION: i64 = 7 * 24 * 3_600_000;

fn sample() -> Sample {
    Sample {
        service: "payment".into(),
        version: "2.0.0".into(),
        region: Some("eu-west-1".into()),
        at: NOW - 1000,
        requests: 100,
        errors: 2,
        latency: Latency::Percentiles {
            p50: 20.0,
            p90: 60.0,
            p99: 180.0,
        },
    }
}

fn histogram(bounds_ms: Vec<f64>, counts: Vec<u64>) -> Latency {
    Latency::Histogram { bounds_ms, counts }
}

fn paths(samples: &[Sample]) -> Vec<String> {
    match validate_batch(samples, NOW, RETENTION, &|s| {
        s == "payment" || s == "checkout"
    }) {
        Ok(()) => Vec::new(),
        Err(problems) => problems.into_iter().map(|p| p.path).collect(),
    }
}

fn check(name: &str, change: impl Fn(&mut Sample), expected: &[&str]) {
    let mut bad = sample();
    change(&mut bad);
    assert_eq!(paths(&[sample(), bad]), expected, "{name}");
}

/// What a case does to a valid sample.
type Change = Box<dyn Fn(&mut Sample)>;

#[test]
fn every_rule() {
    let p = |p50, p90, p99| Latency::Percentiles { p50, p90, p99 };
    let cases: Vec<(&str, Change, Vec<&str>)> = vec![
        ("valid", Box::new(|_| {}), vec![]),
        ("no region is fine", Box::new(|s| s.region = None), vec![]),
        (
            "unknown service",
            Box::new(|s| s.service = "nope".into()),
            vec!["samples[1].service"],
        ),
        (
            "empty service",
            Box::new(|s| s.service.clear()),
            vec!["samples[1].service"],
        ),
        (
            "empty version",
            Box::new(|s| s.version = " ".into()),
            vec!["samples[1].version"],
        ),
        (
            "long version",
            Box::new(|s| s.version = "v".repeat(101)),
            vec!["samples[1].version"],
        ),
        (
            "100 chars is fine",
            Box::new(|s| s.version = "v".repeat(100)),
            vec![],
        ),
        (
            "empty region",
            Box::new(|s| s.region = Some(String::new())),
            vec!["samples[1].region"],
        ),
        (
            "long region",
            Box::new(|s| s.region = Some("r".repeat(101))),
            vec!["samples[1].region"],
        ),
        (
            "future",
            Box::new(|s| s.at = NOW + 5 * 60_000 + 1),
            vec!["samples[1].at"],
        ),
        (
            "skew allowed",
            Box::new(|s| s.at = NOW + 5 * 60_000),
            vec![],
        ),
        (
            "too old",
            Box::new(|s| s.at = NOW - RETENTION - 1),
            vec!["samples[1].at"],
        ),
        ("oldest kept", Box::new(|s| s.at = NOW - RETENTION), vec![]),
        (
            "far future",
            Box::new(|s| s.at = i64::MAX),
            vec!["samples[1].at"],
        ),
        (
            "far past",
            Box::new(|s| s.at = i64::MIN),
            vec!["samples[1].at"],
        ),
        (
            "absurd counts",
            Box::new(|s| (s.requests, s.errors) = (1_000_000_001, 1_000_000_001)),
            vec!["samples[1].requests", "samples[1].errors"],
        ),
        (
            "errors over requests",
            Box::new(|s| s.errors = 101),
            vec!["samples[1].errors"],
        ),
        (
            "NaN",
            Box::new(move |s| s.latency = p(f64::NAN, 1.0, 2.0)),
            vec!["samples[1].latency.p50"],
        ),
        (
            "inf",
            Box::new(move |s| s.latency = p(1.0, 2.0, f64::INFINITY)),
            vec!["samples[1].latency.p99"],
        ),
        (
            "negative",
            Box::new(move |s| s.latency = p(-1.0, 2.0, 3.0)),
            vec!["samples[1].latency.p50"],
        ),
        (
            "over an hour",
            Box::new(move |s| s.latency = p(1.0, 2.0, 3_600_001.0)),
            vec!["samples[1].latency.p99"],
        ),
        (
            "p90 below p50",
            Box::new(move |s| s.latency = p(50.0, 40.0, 60.0)),
            vec!["samples[1].latency.p90"],
        ),
        (
            "p99 below p90",
            Box::new(move |s| s.latency = p(10.0, 40.0, 30.0)),
            vec!["samples[1].latency.p99"],
        ),
        (
            "equal percentiles",
            Box::new(move |s| s.latency = p(10.0, 10.0, 10.0)),
            vec![],
        ),
        (
            "histogram",
            Box::new(|s| s.latency = histogram(vec![10.0, 100.0], vec![60, 39, 1])),
            vec![],
        ),
        (
            "bounds not increasing",
            Box::new(|s| s.latency = histogram(vec![10.0, 10.0, 5.0], vec![25, 25, 25, 25])),
            vec![
                "samples[1].latency.bounds_ms[1]",
                "samples[1].latency.bounds_ms[2]",
            ],
        ),
        (
            "bad bound",
            Box::new(|s| s.latency = histogram(vec![f64::NAN, 10.0], vec![50, 25, 25])),
            vec!["samples[1].latency.bounds_ms[0]"],
        ),
        (
            "counts one short",
            Box::new(|s| s.latency = histogram(vec![10.0, 100.0], vec![60, 40])),
            vec!["samples[1].latency.counts"],
        ),
        (
            "counts not adding up to requests",
            Box::new(|s| s.latency = histogram(vec![10.0], vec![60, 41])),
            vec!["samples[1].latency.counts"],
        ),
        (
            "only an overflow count",
            Box::new(|s| s.latency = histogram(vec![], vec![100])),
            vec!["samples[1].latency.bounds_ms"],
        ),
        (
            "no bounds nor counts",
            Box::new(|s| s.latency = histogram(vec![], vec![])),
            vec!["samples[1].latency.bounds_ms"],
        ),
        (
            "too many bounds",
            Box::new(|s| {
                let bounds: Vec<f64> = (1..=201).map(f64::from).collect();
                let mut counts = vec![0; 202];
                counts[0] = 100;
                s.latency = histogram(bounds, counts);
            }),
            vec!["samples[1].latency.bounds_ms"],
        ),
    ];
    for (name, change, expected) in &cases {
        check(name, change, expected);
    }
}

#[test]
fn several_problems_of_one_sample_are_all_reported() {
    check(
        "everything wrong",
        |s| {
            s.service = "nope".into();
            s.version.clear();
            s.at = NOW + 3_600_000;
            s.errors = 500;
        },
        &[
            "samples[1].service",
            "samples[1].version",
            "samples[1].at",
            "samples[1].errors",
        ],
    );
}

#[test]
fn batch_size() {
    assert_eq!(paths(&[]), ["samples"]);
    assert_eq!(
        paths(&vec![sample(); MAX_BATCH_SAMPLES]),
        Vec::<String>::new()
    );
    assert_eq!(paths(&vec![sample(); MAX_BATCH_SAMPLES + 1]), ["samples"]);
}

#[test]
fn problems_are_capped() {
    let mut bad = sample();
    bad.service = "nope".into();
    let problems = paths(&vec![bad; MAX_BATCH_SAMPLES]);
    assert_eq!(problems.len(), MAX_BATCH_PROBLEMS);
    assert_eq!(problems[99], "samples[99].service");
}
