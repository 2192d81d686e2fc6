//! Health benchmark (plain `Instant` timing, medians of several runs).
//!
//! 1. `Series::add` of 1,000,000 samples (percentile samples of 2,000 series over 500 buckets),
//!    what ingestion does before it writes: samples per second.
//! 2. `evaluate_step` of a 20-service stage with a 500-service blast radius under the default
//!    gates (error rate, p99, burn rate; all downstream), over 40 minutes of buckets in two
//!    regions: what the executor does for one running step every interval.
//! 3. `Simulator::samples` for a 5,000-service catalog with 20,000 dependencies (a fifth soft),
//!    two regions, one service at 50%: what the server's simulator does every second.
//!
//! Run: `cargo bench -p breakwater-domain --bench health`.

use breakwater_domain::catalog::{DependencyKind, Tier};
use breakwater_domain::health::{evaluate_step, Bucket, Latency, Sample, Series, SeriesKey};
use breakwater_domain::plan::policy::Policy;
use breakwater_domain::plan::topology::{Link, ServiceFacts};
use breakwater_domain::plan::{FailureAction, Plan, Stage, Step, TierCounts, Topology};
use breakwater_domain::run::{RunPlan, RunService, RunState, RunStatus};
use breakwater_domain::simulator::{Simulator, Traffic};
use std::collections::BTreeMap;
use std::time::Instant;

const SAMPLES: usize = 1_000_000;
const SERIES: usize = 2_000;
const OWN: usize = 20;
const BLAST: usize = 500;
const REGIONS: [&str; 2] = ["eu-west-1", "us-east-1"];
const NOW: i64 = 1_800_000_000_000;
const MINUTE: i64 = 60_000;

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn samples() -> Vec<Sample> {
    (0..SAMPLES)
        .map(|i| {
            let series = i % SERIES;
            let p50 = 10.0 + (i % 97) as f64;
            Sample {
                service: format!("svc-{:04}", series / 4),
                version: ["1.0.0", "2.0.0"][series % 2].into(),
                region: Some(REGIONS[series / 2 % 2].into()),
                at: NOW - (i / SERIES) as i64 * 10_000,
                requests: 100 + (i % 50) as u64,
                errors: (i % 3) as u64,
                latency: Latency::Percentiles {
                    p50,
                    p90: p50 * 2.0,
                    p99: p50 * 4.5,
                },
            }
        })
        .collect()
}

fn ingest() {
    let samples = samples();
    let runs: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let mut series = Series::default();
            for sample in &samples {
                series.add(sample);
            }
            let secs = started.elapsed().as_secs_f64();
            assert_eq!(series.buckets.len(), SAMPLES);
            secs
        })
        .collect();
    let secs = median(runs);
    println!(
        "Series::add: {SAMPLES} samples in {:.0} ms (median of 5): {:.0} samples/s",
        secs * 1000.0,
        SAMPLES as f64 / secs
    );
}

fn stage_run() -> (RunPlan, RunState, Series) {
    let id = |i: usize| format!("svc-{i:04}");
    let own: Vec<String> = (0..OWN).map(id).collect();
    let blast: Vec<String> = (OWN..OWN + BLAST).map(id).collect();
    let gates = Policy::default().gates;
    let steps = own
        .iter()
        .flat_map(|s| {
            [1, 5, 25, 50, 100].map(|percent| Step {
                service: s.clone(),
                region: None,
                percent,
                bake_secs: 600,
                gates: gates.clone(),
            })
        })
        .collect();
    let stage = Stage {
        index: 1,
        services: own.clone(),
        steps,
        gates,
        on_failure: FailureAction::RollbackStage,
        rollback_order: own.clone(),
        blast_radius: blast.clone(),
        blast_by_tier: TierCounts::default(),
        estimated_secs: 3000,
        coordinated: false,
        explanations: Vec::new(),
    };
    let run = RunPlan {
        plan_name: "bench".into(),
        plan_revision: 1,
        plan: Plan {
            name: "bench".into(),
            stages: vec![stage],
            problems: Vec::new(),
            rollback: vec![1],
            estimated_secs: 3000,
        },
        services: own
            .iter()
            .map(|s| RunService {
                service: s.clone(),
                from_version: "1.0.0".into(),
                to_version: "2.0.0".into(),
                webhook: None,
            })
            .collect(),
    };
    let state = RunState {
        status: RunStatus::Running,
        stage: 0,
        step: Some(2),
        stage_started_at: Some(NOW - 20 * MINUTE),
        ..RunState::new()
    };
    let mut series = Series::default();
    for (i, service) in own.iter().chain(&blast).enumerate() {
        for region in REGIONS {
            for version in ["1.0.0", "2.0.0"] {
                if version == "2.0.0" && i >= OWN {
                    continue;
                }
                let key = SeriesKey {
                    service: service.clone(),
                    version: version.into(),
                    region: Some(region.into()),
                };
                for k in 0..240 {
                    let p50 = 20.0 + (k % 7) as f64;
                    let bucket = Bucket::of(&Sample {
                        service: service.clone(),
                        version: version.into(),
                        region: Some(region.into()),
                        at: NOW,
                        requests: 1000,
                        errors: (k % 2) as u64,
                        latency: Latency::Percentiles {
                            p50,
                            p90: p50 * 2.0,
                            p99: p50 * 4.0,
                        },
                    });
                    series.merge_bucket(key.clone(), NOW - 40 * MINUTE + k * 10_000, &bucket);
                }
            }
        }
    }
    (run, state, series)
}

fn evaluate() {
    let (run, state, series) = stage_run();
    let checks = BTreeMap::new();
    let mut evaluations = 0;
    let runs: Vec<f64> = (0..21)
        .map(|_| {
            let started = Instant::now();
            let verdict = evaluate_step(&run, &state, &series, &checks, NOW + 5_000);
            evaluations = verdict.evaluations.len();
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!(
        "evaluate_step: {OWN} services + {BLAST} downstream, {evaluations} evaluations over {} buckets: {:.2} ms (median of 21)",
        series.buckets.len(),
        median(runs)
    );
}

/// Each service calls four services with higher numbers (a layered estate without cycles).
fn catalog(services: usize) -> Topology {
    let id = |i: usize| format!("svc-{i:05}");
    let links = (0..services * 4)
        .filter_map(|k| {
            let consumer = k / 4;
            let provider = consumer + 1 + (k * 7919) % 97;
            (provider < services).then(|| Link {
                consumer: id(consumer),
                provider: id(provider),
                contract: None,
                uses: Vec::new(),
                kind: [DependencyKind::Hard, DependencyKind::Soft][usize::from(k % 5 == 0)],
            })
        })
        .collect();
    let services = (0..services)
        .map(|i| ServiceFacts {
            id: id(i),
            owner: "team".into(),
            tier: [Tier::Critical, Tier::Standard, Tier::Low][i % 3],
            regions: REGIONS.map(String::from).to_vec(),
            version: "1.0.0".into(),
        })
        .collect();
    Topology { services, links }
}

fn simulate() {
    let topology = catalog(5_000);
    let links = topology.links.len();
    let simulator = Simulator::new(topology);
    let traffic = [Traffic {
        service: "svc-04000".into(),
        new_version: "2.0.0".into(),
        regions: REGIONS.map(|r| (Some(r.to_string()), 50)).to_vec(),
    }];
    let mut produced = 0;
    let runs: Vec<f64> = (0..21)
        .map(|k| {
            let started = Instant::now();
            produced = simulator.samples(&traffic, &[], NOW + k * 1000, 1000).len();
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!(
        "Simulator::samples: 5000 services, {links} dependencies, {produced} samples: {:.2} ms (median of 21)",
        median(runs)
    );
}

fn main() {
    ingest();
    evaluate();
    simulate();
}
