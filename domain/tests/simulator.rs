//! The traffic simulator: cascades along hard dependencies, degradation along soft ones,
//! determinism, sane numbers, and no new-version traffic without exposure.

use breakwater_domain::catalog::{DependencyKind, Tier};
use breakwater_domain::health::{validate_batch, Latency, Sample};
use breakwater_domain::plan::topology::{Link, ServiceFacts};
use breakwater_domain::plan::Topology;
use breakwater_domain::simulator::{Fault, Simulator, Traffic};

const AT: i64 = 1_800_000_000_000;
const REGIONS: [&str; 2] = ["eu-west-1", "us-east-1"];

/// frontend -hard-> checkout -hard-> payment; recommendations -soft-> payment.
fn topology() -> Topology {
    let service = |id: &str, tier| ServiceFacts {
        id: id.into(),
        owner: "team".into(),
        tier,
        regions: REGIONS.map(String::from).to_vec(),
        version: "1.0.0".into(),
    };
    let link = |consumer: &str, provider: &str, kind| Link {
        consumer: consumer.into(),
        provider: provider.into(),
        contract: None,
        uses: Vec::new(),
        kind,
    };
    Topology {
        services: vec![
            service("frontend", Tier::Critical),
            service("checkout", Tier::Critical),
            service("payment", Tier::Critical),
            service("recommendations", Tier::Low),
        ],
        links: vec![
            link("frontend", "checkout", DependencyKind::Hard),
            link("checkout", "payment", DependencyKind::Hard),
            link("recommendations", "payment", DependencyKind::Soft),
        ],
    }
}

fn payment_at(percent: u8) -> Vec<Traffic> {
    vec![Traffic {
        service: "payment".into(),
        new_version: "2.0.0".into(),
        regions: REGIONS.map(|r| (Some(r.to_string()), percent)).to_vec(),
    }]
}

fn fault(version: Option<&str>, added_latency_ms: f64, error_rate: f64) -> Fault {
    Fault {
        service: "payment".into(),
        version: version.map(String::from),
        added_latency_ms,
        error_rate,
        from: AT - 60_000,
        until: AT + 60_000,
    }
}

/// Error rate (percent) and the highest p99 of a service's samples, over many seconds.
fn health(sim: &Simulator, traffic: &[Traffic], faults: &[Fault], service: &str) -> (f64, f64) {
    let (mut requests, mut errors, mut p99) = (0u64, 0u64, 0f64);
    for second in 0..30 {
        for s in sim.samples(traffic, faults, AT + second * 1000, 1000) {
            if s.service == service {
                requests += s.requests;
                errors += s.errors;
                if let Latency::Percentiles { p99: p, .. } = s.latency {
                    p99 = p99.max(p);
                }
            }
        }
    }
    (errors as f64 * 100.0 / requests as f64, p99)
}

#[test]
fn a_faulty_provider_version_at_half_exposure_cascades_to_hard_consumers() {
    let sim = Simulator::new(topology());
    let faults = [fault(Some("2.0.0"), 800.0, 0.3)];
    for consumer in ["checkout", "frontend"] {
        let (errors, p99) = health(&sim, &payment_at(50), &[], consumer);
        let (faulty_errors, faulty_p99) = health(&sim, &payment_at(50), &faults, consumer);
        assert!(
            faulty_errors > errors + 5.0,
            "{consumer}: {errors}% -> {faulty_errors}%"
        );
        assert!(
            faulty_p99 > p99 + 200.0,
            "{consumer}: {p99} -> {faulty_p99} ms"
        );
    }
    // Damped hop by hop: the consumer further away suffers less.
    let (checkout, _) = health(&sim, &payment_at(50), &faults, "checkout");
    let (frontend, _) = health(&sim, &payment_at(50), &faults, "frontend");
    assert!(
        frontend < checkout,
        "{frontend}% should be below {checkout}%"
    );
}

#[test]
fn a_provider_slower_than_the_timeout_makes_consumers_fail() {
    let sim = Simulator::new(topology());
    let (errors, _) = health(&sim, &[], &[], "checkout");
    let (timed_out, p99) = health(&sim, &[], &[fault(None, 3000.0, 0.0)], "checkout");
    assert!(timed_out > errors + 20.0, "{errors}% -> {timed_out}%");
    assert!(p99 < 1600.0, "the timeout caps the wait: {p99} ms");
}

#[test]
fn a_soft_consumer_degrades_latency_only() {
    let sim = Simulator::new(topology());
    let (errors, p99) = health(&sim, &[], &[], "recommendations");
    let (faulty_errors, faulty_p99) =
        health(&sim, &[], &[fault(None, 3000.0, 0.9)], "recommendations");
    assert!(
        faulty_errors < errors + 0.2,
        "{errors}% -> {faulty_errors}%"
    );
    assert!(
        faulty_p99 > p99 + 100.0 && faulty_p99 < p99 + 250.0,
        "{p99} -> {faulty_p99}"
    );
}

#[test]
fn a_fault_on_the_stable_version_spares_the_new_one() {
    let sim = Simulator::new(topology());
    let samples = sim.samples(
        &payment_at(50),
        &[fault(Some("1.0.0"), 0.0, 1.0)],
        AT,
        10_000,
    );
    for s in samples.iter().filter(|s| s.service == "payment") {
        let rate = s.errors as f64 / s.requests as f64;
        match s.version.as_str() {
            "1.0.0" => assert_eq!(s.errors, s.requests),
            _ => assert!(rate < 0.05, "{s:?}"),
        }
    }
    // Outside its time the fault does nothing.
    let later = sim.samples(
        &payment_at(50),
        &[fault(None, 0.0, 1.0)],
        AT + 60_000,
        10_000,
    );
    assert!(
        later.iter().all(|s| s.errors * 10 < s.requests.max(10)),
        "{later:?}"
    );
}

#[test]
fn exposure_decides_which_versions_serve() {
    let sim = Simulator::new(topology());
    let versions = |traffic: &[Traffic]| {
        let mut v: Vec<(String, Option<String>)> = sim
            .samples(traffic, &[], AT, 1000)
            .into_iter()
            .filter(|s| s.service == "payment")
            .map(|s| (s.version, s.region))
            .collect();
        v.sort();
        v
    };
    let eu = Some("eu-west-1".to_string());
    let us = Some("us-east-1".to_string());
    assert_eq!(
        versions(&payment_at(0)),
        [("1.0.0".into(), eu.clone()), ("1.0.0".into(), us.clone())]
    );
    assert_eq!(
        versions(&payment_at(100)),
        [("2.0.0".into(), eu.clone()), ("2.0.0".into(), us.clone())]
    );
    let canary = [Traffic {
        regions: vec![(eu.clone(), 25)],
        ..payment_at(0).remove(0)
    }];
    assert_eq!(
        versions(&canary),
        [
            ("1.0.0".into(), eu.clone()),
            ("1.0.0".into(), us),
            ("2.0.0".into(), eu)
        ]
    );
    // The split follows the percentage.
    let samples = sim.samples(&payment_at(25), &[], AT, 60_000);
    let count = |v: &str| {
        samples
            .iter()
            .filter(|s| s.service == "payment" && s.version == v)
            .map(|s| s.requests)
            .sum::<u64>() as f64
    };
    let share = count("2.0.0") / (count("1.0.0") + count("2.0.0"));
    assert!((0.2..0.3).contains(&share), "{share}");
}

#[test]
fn deterministic_and_always_valid() {
    let sim = Simulator::new(topology());
    let wild = [
        fault(None, f64::NAN, f64::INFINITY),
        fault(Some("2.0.0"), f64::INFINITY, -3.0),
        fault(None, 1e300, f64::NAN),
    ];
    for faults in [&[][..], &wild[..]] {
        for at in [AT, AT + 1, AT + 999_999] {
            let a = sim.samples(&payment_at(50), faults, at, 1000);
            assert_eq!(a, sim.samples(&payment_at(50), faults, at, 1000));
            assert_eq!(a.len(), 10);
            let known = |s: &str| topology().services.iter().any(|f| f.id == s);
            let checked: Vec<Sample> = a.clone();
            assert_eq!(
                validate_batch(&checked, at, 3_600_000, &known),
                Ok(()),
                "{a:?}"
            );
        }
    }
    assert!(sim.samples(&[], &[], AT, 0).is_empty());
}

#[test]
fn cycles_and_unknown_names_do_not_break_it() {
    let mut topology = topology();
    topology.links.push(Link {
        consumer: "payment".into(),
        provider: "frontend".into(),
        contract: None,
        uses: Vec::new(),
        kind: DependencyKind::Hard,
    });
    topology.links.push(Link {
        consumer: "payment".into(),
        provider: "ghost".into(),
        contract: None,
        uses: Vec::new(),
        kind: DependencyKind::Hard,
    });
    let sim = Simulator::new(topology);
    let ghost = Traffic {
        service: "ghost".into(),
        ..payment_at(50).remove(0)
    };
    let samples = sim.samples(&[ghost], &[fault(None, 500.0, 0.5)], AT, 1000);
    assert_eq!(samples.len(), 8);
    let (errors, _) = health(&sim, &[], &[fault(None, 0.0, 0.5)], "checkout");
    assert!(
        errors > 20.0,
        "the cut cycle still carries payment's errors: {errors}%"
    );
}
