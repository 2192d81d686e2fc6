//! Properties of the planner on random catalogs (acyclic and cyclic) and change sets:
//! dependency order through unchanged services (expand: provider first; contract: consumer
//! first) unless a hard cycle coordinates them, every changed service in exactly one stage,
//! rollback the reverse of rollout, the same plan for the same input, and no panic on any spec.

mod plan_support;

use breakwater_domain::catalog::{DependencyKind, Tier};
use breakwater_domain::plan::policy::PolicyOverride;
use breakwater_domain::plan::topology::{Link, ServiceFacts};
use breakwater_domain::plan::{plan, Effects, Migration, Phase, Plan, PlanSpec, Topology};
use plan_support::{change, contract_effect, spec};
use proptest::prelude::*;
use std::collections::BTreeMap;

const TIERS: [Tier; 3] = [Tier::Critical, Tier::Standard, Tier::Low];

/// A random catalog of `n` services. Acyclic: every link goes from a higher index to a lower
/// one; otherwise links go anywhere (self-links included: the planner must ignore them).
fn catalog(acyclic: bool) -> impl Strategy<Value = Topology> {
    (2usize..14).prop_flat_map(move |n| {
        let link = (0..n, 0..n, any::<bool>());
        (
            prop::collection::vec(0..3usize, n),
            prop::collection::vec(link, 0..n * 3),
        )
            .prop_map(move |(tiers, links)| Topology {
                services: tiers
                    .iter()
                    .enumerate()
                    .map(|(i, &t)| ServiceFacts {
                        id: format!("s{i:02}"),
                        owner: format!("team-{}", i % 3),
                        tier: TIERS[t],
                        regions: (0..i % 3).map(|r| format!("r{r}")).collect(),
                        version: "1.0.0".into(),
                    })
                    .collect(),
                links: links
                    .into_iter()
                    .filter(|&(c, p, _)| !acyclic || c > p)
                    .map(|(c, p, soft)| Link {
                        consumer: format!("s{c:02}"),
                        provider: format!("s{p:02}"),
                        contract: None,
                        uses: Vec::new(),
                        kind: if soft {
                            DependencyKind::Soft
                        } else {
                            DependencyKind::Hard
                        },
                    })
                    .collect(),
            })
    })
}

/// Changes of some services: each one's phase from a contract migration, or from an effect.
fn change_set(topology: &Topology) -> impl Strategy<Value = (PlanSpec, Effects)> {
    let n = topology.services.len();
    (prop::collection::vec((any::<bool>(), 0..3u8), n), 1usize..6).prop_map(move |(picks, max)| {
        let mut changes = Vec::new();
        let mut effects = Effects::new();
        for (i, (picked, how)) in picks.into_iter().enumerate() {
            if !picked {
                continue;
            }
            let id = format!("s{i:02}");
            let mut c = change(&id);
            match how {
                0 => {}
                1 => c.migrations.push(Migration {
                    name: "drop".into(),
                    phase: Phase::Contract,
                    reversible: true,
                }),
                _ => {
                    effects.insert(
                        id.clone(),
                        contract_effect("api", &[], &["GET /old"], &[], "removes GET /old"),
                    );
                }
            }
            changes.push(c);
        }
        let mut spec = spec(changes);
        spec.policy.max_services_per_stage = max;
        (spec, effects)
    })
}

fn phase(spec: &PlanSpec, effects: &Effects, service: &str) -> Phase {
    if let Some(effect) = effects.get(service) {
        return effect.phase;
    }
    let change = spec.changes.iter().find(|c| c.service == service);
    match change {
        Some(c) if c.migrations.iter().any(|m| m.phase == Phase::Contract) => Phase::Contract,
        _ => Phase::Expand,
    }
}

/// Pairs (consumer, provider) of changed services where the consumer depends on the provider
/// through unchanged services only, along links of the given kinds (all hard when `hard_only`).
fn dependent_pairs(topology: &Topology, spec: &PlanSpec, hard_only: bool) -> Vec<(String, String)> {
    let changed: Vec<&str> = spec.changes.iter().map(|c| c.service.as_str()).collect();
    let mut providers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for l in &topology.links {
        if l.consumer != l.provider && (!hard_only || l.kind == DependencyKind::Hard) {
            providers.entry(&l.consumer).or_default().push(&l.provider);
        }
    }
    let mut pairs = Vec::new();
    for &a in &changed {
        let mut seen = vec![a];
        let mut stack = vec![a];
        while let Some(s) = stack.pop() {
            for &p in providers.get(s).map_or(&[][..], Vec::as_slice) {
                if seen.contains(&p) {
                    continue;
                }
                seen.push(p);
                if changed.contains(&p) {
                    pairs.push((a.to_string(), p.to_string()));
                } else {
                    stack.push(p);
                }
            }
        }
    }
    pairs
}

fn stage_number(plan: &Plan, service: &str) -> usize {
    plan.stage_of(service)
        .expect("every changed service has a stage")
        .index
}

/// For every dependent pair: the provider first for expand, the consumer first for contract,
/// unless both are in one coordinated stage.
fn check_order(
    plan: &Plan,
    spec: &PlanSpec,
    effects: &Effects,
    pairs: &[(String, String)],
) -> Result<(), TestCaseError> {
    for (consumer, provider) in pairs {
        let (c, p) = (stage_number(plan, consumer), stage_number(plan, provider));
        if c == p && plan.stages[c - 1].coordinated {
            continue;
        }
        match phase(spec, effects, provider) {
            Phase::Expand => prop_assert!(
                p < c,
                "{provider} (expand) in stage {p}, its consumer {consumer} in {c}"
            ),
            Phase::Contract => prop_assert!(
                c < p,
                "{consumer} in stage {c}, its provider {provider} (contract) in {p}"
            ),
        }
    }
    Ok(())
}

fn check_shape(plan: &Plan, spec: &PlanSpec) -> Result<(), TestCaseError> {
    for change in &spec.changes {
        let holding = plan
            .stages
            .iter()
            .filter(|s| s.services.contains(&change.service))
            .count();
        prop_assert_eq!(holding, 1, "{} is in {} stages", &change.service, holding);
    }
    let total: usize = plan.stages.iter().map(|s| s.services.len()).sum();
    prop_assert_eq!(total, spec.changes.len());
    for (i, stage) in plan.stages.iter().enumerate() {
        prop_assert_eq!(stage.index, i + 1);
        let reversed: Vec<String> = stage.services.iter().rev().cloned().collect();
        prop_assert_eq!(&stage.rollback_order, &reversed);
        prop_assert!(!stage.services.is_empty());
    }
    let rollout: Vec<usize> = plan.stages.iter().map(|s| s.index).rev().collect();
    prop_assert_eq!(&plan.rollback, &rollout);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn acyclic_catalogs_keep_every_dependency_order(
        (topology, (spec, effects)) in catalog(true).prop_flat_map(|t| {
            let changes = change_set(&t);
            (Just(t), changes)
        })
    ) {
        let plan = plan(&topology, &spec, &effects);
        check_shape(&plan, &spec)?;
        check_order(&plan, &spec, &effects, &dependent_pairs(&topology, &spec, false))?;
        prop_assert!(plan.stages.iter().all(|s| !s.coordinated));
        for stage in &plan.stages {
            prop_assert!(stage.services.len() <= spec.policy.max_services_per_stage);
        }
    }

    #[test]
    fn cyclic_catalogs_keep_every_hard_dependency_order(
        (topology, (spec, effects)) in catalog(false).prop_flat_map(|t| {
            let changes = change_set(&t);
            (Just(t), changes)
        })
    ) {
        let plan = plan(&topology, &spec, &effects);
        check_shape(&plan, &spec)?;
        check_order(&plan, &spec, &effects, &dependent_pairs(&topology, &spec, true))?;
        let coordinated = plan.stages.iter().filter(|s| s.coordinated).count();
        let warned = plan.problems.iter().filter(|p| p.code == "HARD_CYCLE_COORDINATED").count();
        prop_assert_eq!(coordinated, warned);
    }

    #[test]
    fn the_same_input_gives_the_same_plan(
        (topology, (spec, effects)) in catalog(false).prop_flat_map(|t| {
            let changes = change_set(&t);
            (Just(t), changes)
        })
    ) {
        let first = plan(&topology, &spec, &effects);
        let second = plan(&topology, &spec, &effects);
        prop_assert_eq!(&first, &second);
        let json = |p: &Plan| serde_json::to_string(p).expect("a plan serialises");
        prop_assert_eq!(json(&first), json(&second));
    }

    /// Arbitrary values where the document checks would refuse them: the planner reports and
    /// never panics.
    #[test]
    fn no_panic_on_any_spec(
        topology in catalog(false),
        services in prop::collection::vec("[a-z0-9-]{0,4}|s0[0-9]", 0..8),
        versions in prop::collection::vec(".{0,8}", 8),
        steps in prop::collection::vec(any::<u8>(), 0..6),
        bake in any::<u64>(),
        max in 0usize..4,
        stage_overrides in prop::collection::vec((0usize..5, prop::option::of(any::<u64>())), 0..3),
        pinned in prop::option::of(prop::collection::vec(prop::collection::vec("s0[0-9]|x", 0..4), 0..4)),
    ) {
        let mut spec = spec(services.iter().map(|s| change(s)).collect());
        for (c, v) in spec.changes.iter_mut().zip(&versions) {
            c.to_version = v.clone();
            c.policy = Some(PolicyOverride { steps: Some(steps.iter().rev().copied().collect()), ..PolicyOverride::default() });
        }
        spec.policy.steps = steps;
        spec.policy.bake_secs = bake;
        spec.policy.max_services_per_stage = max;
        spec.stage_policies = stage_overrides
            .into_iter()
            .map(|(stage, bake)| (stage, PolicyOverride { bake_secs: bake, ..PolicyOverride::default() }))
            .collect();
        spec.pinned = pinned;
        let plan = plan(&topology, &spec, &Effects::new());
        // Every known changed service is in exactly one stage, pinned or not.
        let mut known: Vec<&str> = spec
            .changes
            .iter()
            .map(|c| c.service.as_str())
            .filter(|s| topology.services.iter().any(|t| t.id == *s))
            .collect();
        known.sort_unstable();
        known.dedup();
        let mut staged: Vec<&str> = plan.stages.iter().flat_map(|s| s.services.iter().map(String::as_str)).collect();
        staged.sort_unstable();
        prop_assert_eq!(staged, known);
    }
}
