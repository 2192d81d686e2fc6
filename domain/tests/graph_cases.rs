//! The dependency graph: closures, deployment layers and cycle reports.

use breakwater_domain::catalog::{self, DependencyKind, Severity};
use breakwater_domain::graph::ServiceGraph;
use proptest::prelude::*;
use std::collections::BTreeSet;

use DependencyKind::{Hard, Soft};

fn graph(n: usize, edges: &[(usize, usize, DependencyKind)]) -> ServiceGraph {
    ServiceGraph::from_edges((0..n).map(|i| format!("s{i}")), edges)
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn closures_follow_edges_transitively() {
    // s0 -> s1 -> s2, s3 -> s1 (soft), s4 alone
    let g = graph(5, &[(0, 1, Hard), (1, 2, Hard), (3, 1, Soft)]);
    assert_eq!(g.downstream("s2"), set(&["s0", "s1", "s3"]));
    assert_eq!(g.downstream("s1"), set(&["s0", "s3"]));
    assert_eq!(g.upstream("s0"), set(&["s1", "s2"]));
    assert_eq!(g.upstream("s4"), set(&[]));
    assert_eq!(g.downstream("unknown"), set(&[]));
}

#[test]
fn closures_terminate_on_cycles_and_exclude_the_service_itself() {
    let g = graph(3, &[(0, 1, Hard), (1, 2, Hard), (2, 0, Soft)]);
    assert_eq!(g.downstream("s0"), set(&["s1", "s2"]));
    assert_eq!(g.upstream("s0"), set(&["s1", "s2"]));
}

#[test]
fn cycles_are_reported_as_readable_paths() {
    let g = graph(
        4,
        &[
            (0, 1, Hard),
            (1, 2, Hard),
            (2, 0, Hard),
            (2, 3, Hard),
            (3, 2, Soft),
        ],
    );
    let cycles: Vec<String> = g.cycles(10).iter().map(|c| c.to_string()).collect();
    assert_eq!(cycles, ["s0 -> s1 -> s2 -> s0", "s2 -> s3 ~> s2"]);
    assert!(g.cycles(10)[0].is_hard());
    assert!(!g.cycles(10)[1].is_hard());
    assert!(g.layers().is_err());
}

#[test]
fn every_cycle_is_listed_once() {
    // Two cycles sharing an edge: a -> b -> a and a -> b -> c -> a.
    let g = graph(3, &[(0, 1, Hard), (1, 0, Hard), (1, 2, Hard), (2, 0, Hard)]);
    let cycles: BTreeSet<String> = g.cycles(10).iter().map(|c| c.to_string()).collect();
    assert_eq!(cycles, set(&["s0 -> s1 -> s0", "s0 -> s1 -> s2 -> s0"]));
}

#[test]
fn catalog_validation_reports_hard_cycles_as_errors_and_soft_as_warnings() {
    let yaml = "
services:
  - { id: a, owner: t, tier: low, version: '1', depends_on: [ { service: b } ] }
  - { id: b, owner: t, tier: low, version: '1', depends_on: [ { service: a } ] }
  - { id: c, owner: t, tier: low, version: '1', depends_on: [ { service: d } ] }
  - { id: d, owner: t, tier: low, version: '1', depends_on: [ { service: c, kind: soft } ] }
";
    let loaded = catalog::load(yaml, &mut |_: &str| Err("no specs".to_string()));
    let cycles: Vec<(Severity, &str)> = loaded
        .problems
        .iter()
        .filter(|p| p.code.ends_with("CYCLE"))
        .map(|p| (p.severity, p.message.as_str()))
        .collect();
    // The two cycles and nothing else.
    assert_eq!(cycles.len(), 2, "{:?}", loaded.problems);
    assert_eq!(loaded.problems.len(), 2, "{:?}", loaded.problems);
    assert_eq!(cycles[0].0, Severity::Error);
    assert!(cycles[0].1.contains("a -> b -> a"));
    assert_eq!(cycles[1].0, Severity::Warning);
    assert!(cycles[1].1.contains("c -> d ~> c"));
}

/// Random DAGs: edges only from a higher index to a lower one.
fn dag() -> impl Strategy<Value = (usize, Vec<(usize, usize, DependencyKind)>)> {
    (1usize..40).prop_flat_map(|n| {
        let edges = prop::collection::vec((0..n, 0..n, any::<bool>()), 0..n * 3).prop_map(|raw| {
            raw.into_iter()
                .filter(|(a, b, _)| a != b)
                .map(|(a, b, soft)| (a.max(b), a.min(b), if soft { Soft } else { Hard }))
                .collect()
        });
        (Just(n), edges)
    })
}

proptest! {
    #[test]
    fn layers_put_every_consumer_above_its_providers((n, edges) in dag()) {
        let g = graph(n, &edges);
        let layers = g.layers().expect("a DAG has layers");
        let layer_of = |id: &str| layers.iter().position(|l| l.iter().any(|s| s == id)).unwrap();
        prop_assert_eq!(layers.iter().map(Vec::len).sum::<usize>(), n);
        for (consumer, provider, _) in g.edges() {
            let (above, below) = (format!("s{consumer}"), format!("s{provider}"));
            prop_assert!(layer_of(&above) > layer_of(&below));
        }
        prop_assert!(g.cycles(5).is_empty());
    }

    #[test]
    fn downstream_and_upstream_are_mirror_images((n, edges) in dag()) {
        let g = graph(n, &edges);
        for a in 0..n {
            let a_id = format!("s{a}");
            for b in g.downstream(&a_id) {
                prop_assert!(g.upstream(&b).contains(&a_id));
            }
        }
    }

    #[test]
    fn reported_cycles_are_real_cycles(n in 1usize..12, raw in prop::collection::vec((0usize..12, 0usize..12, any::<bool>()), 0..40)) {
        let edges: Vec<_> = raw.into_iter().filter(|(a, b, _)| *a < n && *b < n)
            .map(|(a, b, soft)| (a, b, if soft { Soft } else { Hard })).collect();
        let g = graph(n, &edges);
        let pairs: BTreeSet<(String, String)> = g.edges().into_iter()
            .map(|(a, b, _)| (format!("s{a}"), format!("s{b}"))).collect();
        let cycles = g.cycles(50);
        for cycle in &cycles {
            let s = &cycle.services;
            for i in 0..s.len() {
                prop_assert!(pairs.contains(&(s[i].clone(), s[(i + 1) % s.len()].clone())));
            }
            let distinct: BTreeSet<_> = s.iter().collect();
            prop_assert_eq!(distinct.len(), s.len());
        }
        prop_assert_eq!(cycles.is_empty(), g.layers().is_ok());
    }
}
