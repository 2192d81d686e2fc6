//! Planner benchmark (plain `Instant` timing, median and p90 of several runs).
//!
//! 1. A 500-service change set on a generated 5,000-service catalog with 20,000 dependency
//!    edges, wide and shallow like real estates (five tiers: frontends, gateways, domain
//!    services, platform services, datastores; every link goes to a lower tier, a fifth of
//!    them soft; a fifth of the changes carry a contract-phase migration). Target: < 50 ms.
//! 2. The 49-service enterprise demo with every service changed: one recompute of the plan
//!    editor, which runs the same planner in the browser.
//!
//! Run: `cargo bench -p breakwater-domain --bench plan`.

use std::path::Path;
use std::time::Instant;

use breakwater_domain::catalog::{self, DependencyKind, Tier};
use breakwater_domain::plan::policy::Policy;
use breakwater_domain::plan::topology::{Link, ServiceFacts};
use breakwater_domain::plan::{plan, Change, Effects, Migration, Phase, PlanSpec, Topology};
use rand::{rngs::SmallRng, Rng, SeedableRng};

const SERVICES: usize = 5_000;
const EDGES: usize = 20_000;
const CHANGED: usize = 500;
const TARGET_MS: f64 = 50.0;
/// Share of services per tier, top to bottom.
const TIER_SHARES: [f64; 5] = [0.10, 0.15, 0.35, 0.25, 0.15];
const RUNS: usize = 21;

/// Every link goes from a service to one in a lower tier, half of the time the tier right below;
/// consumers are taken round-robin until there are `EDGES` distinct links.
fn generate(seed: u64) -> Topology {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut bounds = vec![0];
    let mut share = 0.0;
    for s in TIER_SHARES {
        share += s;
        bounds.push(((share * SERVICES as f64).round() as usize).min(SERVICES));
    }
    let tier_of = |v: usize| bounds[1..].iter().position(|&end| v < end).unwrap_or(4);
    let id = |v: usize| format!("svc-{v:05}");
    let services = (0..SERVICES)
        .map(|v| ServiceFacts {
            id: id(v),
            owner: format!("team-{}", v % 120),
            tier: [Tier::Critical, Tier::Standard, Tier::Low][v % 3],
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
            version: "1.0.0".into(),
        })
        .collect();
    let consumers: Vec<usize> = (0..bounds[4]).collect();
    let mut chosen = std::collections::HashSet::new();
    let mut links = Vec::with_capacity(EDGES);
    let mut next = 0;
    while links.len() < EDGES {
        let consumer = consumers[next % consumers.len()];
        next += 1;
        let t = tier_of(consumer);
        let (below, next_end) = (bounds[t + 1], bounds[t + 2]);
        let end = if rng.random_bool(0.5) {
            next_end
        } else {
            SERVICES
        };
        let provider = rng.random_range(below..end);
        if chosen.insert((consumer, provider)) {
            links.push(Link {
                consumer: id(consumer),
                provider: id(provider),
                contract: None,
                uses: Vec::new(),
                kind: if rng.random_bool(0.2) {
                    DependencyKind::Soft
                } else {
                    DependencyKind::Hard
                },
            });
        }
    }
    Topology { services, links }
}

fn change(service: &str, contract_migration: bool) -> Change {
    Change {
        service: service.to_string(),
        to_version: "99.0.0".into(),
        contracts: Vec::new(),
        flags: vec!["guard".into()],
        migrations: if contract_migration {
            vec![Migration {
                name: "drop-old".into(),
                phase: Phase::Contract,
                reversible: true,
            }]
        } else {
            Vec::new()
        },
        runbook: None,
        notes: None,
        policy: None,
    }
}

fn spec(name: &str, changes: Vec<Change>) -> PlanSpec {
    PlanSpec {
        name: name.into(),
        title: None,
        changes,
        policy: Policy::default(),
        stage_policies: Vec::new(),
        pinned: None,
    }
}

/// (median, p90) in ms of `RUNS` plans, and the last plan's stage and problem counts.
fn measure(topology: &Topology, spec: &PlanSpec) -> (f64, f64, usize, usize) {
    let effects = Effects::new();
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let planned = plan(topology, spec, &effects);
        times.push(start.elapsed().as_secs_f64() * 1e3);
        last = Some(planned);
    }
    times.sort_by(f64::total_cmp);
    let planned = last.expect("at least one run");
    let p90 = times[(RUNS * 9).div_ceil(10) - 1];
    (
        times[RUNS / 2],
        p90,
        planned.stages.len(),
        planned.problems.len(),
    )
}

fn main() {
    let topology = generate(7);
    let mut rng = SmallRng::seed_from_u64(11);
    let mut picked = std::collections::BTreeSet::new();
    while picked.len() < CHANGED {
        picked.insert(rng.random_range(0..SERVICES));
    }
    let changes = picked
        .iter()
        .map(|&v| change(&topology.services[v].id, rng.random_bool(0.2)))
        .collect();
    let (median, p90, stages, problems) = measure(&topology, &spec("bench", changes));
    println!(
        "plan {CHANGED} changes on {SERVICES} services / {EDGES} edges: median {median:.1} ms, \
         p90 {p90:.1} ms (target < {TARGET_MS:.0} ms{}); {stages} stages, {problems} problems",
        if p90 < TARGET_MS { ", met" } else { ", MISSED" }
    );

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/enterprise");
    let text = std::fs::read_to_string(dir.join("catalog.yaml")).expect("read the enterprise demo");
    let loaded = catalog::load(&text, &mut |path: &str| {
        std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string())
    });
    let catalog = loaded.catalog.expect("the enterprise demo loads");
    let topology = Topology::from(&catalog);
    let changes = catalog
        .services
        .iter()
        .map(|s| change(&s.id, false))
        .collect();
    let (median, p90, stages, _) = measure(&topology, &spec("enterprise-all", changes));
    println!(
        "plan every service of the enterprise demo ({} services): median {median:.2} ms, \
         p90 {p90:.2} ms (native; one editor recompute); {stages} stages",
        catalog.services.len()
    );
}
