//! The planner on small catalogs: one table of (catalog, change set) → stages, explanation
//! codes and problem codes, then checks of the parts of a stage (steps, gates, blast radius,
//! rollback) and of the explanation texts.

mod plan_support;

use breakwater_domain::catalog::Severity;
use breakwater_domain::plan::policy::{PolicyOverride, Signal};
use breakwater_domain::plan::{plan, Effects, Migration, Phase, PlanLocation, PlanSpec};
use plan_support::*;

struct Case {
    name: &'static str,
    services: &'static [&'static str],
    links: &'static [&'static str],
    spec: PlanSpec,
    effects: Effects,
    stages: &'static [&'static [&'static str]],
    /// Explanation codes that must appear (others may too).
    explained: &'static [&'static str],
    /// Every problem code, sorted.
    problems: &'static [&'static str],
}

fn case(
    name: &'static str,
    services: &'static [&'static str],
    links: &'static [&'static str],
    changed: &[&str],
) -> Case {
    Case {
        name,
        services,
        links,
        spec: spec(changed.iter().map(|s| change(s)).collect()),
        effects: Effects::new(),
        stages: &[],
        explained: &[],
        problems: &[],
    }
}

impl Case {
    fn stages(mut self, stages: &'static [&'static [&'static str]]) -> Case {
        self.stages = stages;
        self
    }
    fn explained(mut self, codes: &'static [&'static str]) -> Case {
        self.explained = codes;
        self
    }
    fn problems(mut self, codes: &'static [&'static str]) -> Case {
        self.problems = codes;
        self
    }
    fn effect(mut self, service: &str, effect: breakwater_domain::plan::ChangeEffect) -> Case {
        self.effects.insert(service.to_string(), effect);
        self
    }
    fn edit(mut self, f: impl FnOnce(&mut PlanSpec)) -> Case {
        f(&mut self.spec);
        self
    }
}

fn migration(name: &str, phase: Phase, reversible: bool) -> Migration {
    Migration {
        name: name.into(),
        phase,
        reversible,
    }
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "independent services share a stage",
            &["a", "b"],
            &[],
            &["a", "b"],
        )
        .stages(&[&["a", "b"]])
        .explained(&["INDEPENDENT"]),
        case(
            "provider first for an expand change",
            &["a", "b"],
            &["a -> b"],
            &["a", "b"],
        )
        .stages(&[&["b"], &["a"]])
        .explained(&["PROVIDER_FIRST"]),
        case(
            "through an unchanged service",
            &["a", "b", "c"],
            &["a -> b", "b -> c"],
            &["a", "c"],
        )
        .stages(&[&["c"], &["a"]])
        .explained(&["THROUGH"]),
        case(
            "a contract change reverses the order",
            &["a", "b"],
            &["a -> b: b-api GET /x"],
            &["a", "b"],
        )
        .effect(
            "b",
            contract_effect("b-api", &[], &["GET /x"], &["a"], "removes GET /x"),
        )
        .stages(&[&["a"], &["b"]])
        .explained(&["CONSUMER_FIRST"]),
        case(
            "a contract migration reverses the order",
            &["a", "b"],
            &["a -> b"],
            &["a", "b"],
        )
        .edit(|s| {
            s.changes[1]
                .migrations
                .push(migration("drop-col", Phase::Contract, true))
        })
        .stages(&[&["a"], &["b"]])
        .explained(&["CONSUMER_FIRST"]),
        case(
            "an expand migration keeps provider first",
            &["a", "b"],
            &["a -> b"],
            &["a", "b"],
        )
        .edit(|s| {
            s.changes[1]
                .migrations
                .push(migration("add-col", Phase::Expand, true))
        })
        .stages(&[&["b"], &["a"]])
        .explained(&["PROVIDER_FIRST"]),
        case(
            "a contract change through an unchanged service",
            &["a", "b", "c"],
            &["a -> b", "b -> c"],
            &["a", "c"],
        )
        .edit(|s| {
            s.changes[1]
                .migrations
                .push(migration("drop", Phase::Contract, true))
        })
        .stages(&[&["a"], &["c"]])
        .explained(&["THROUGH"]),
        case(
            "a soft cycle is cut",
            &["a", "b"],
            &["a -> b", "b ~> a"],
            &["a", "b"],
        )
        .stages(&[&["b"], &["a"]])
        .explained(&["SOFT_CYCLE_CUT", "PROVIDER_FIRST"]),
        case(
            "a hard cycle is one coordinated stage",
            &["a", "b", "c"],
            &["a -> b", "b -> a", "c -> a"],
            &["a", "b", "c"],
        )
        .stages(&[&["a", "b"], &["c"]])
        .explained(&["COORDINATED", "PROVIDER_FIRST"])
        .problems(&["HARD_CYCLE_COORDINATED"]),
        case(
            "a hard cycle through an unchanged service",
            &["a", "b", "x"],
            &["a -> x", "x -> b", "b -> a"],
            &["a", "b"],
        )
        .stages(&[&["a", "b"]])
        .explained(&["COORDINATED"])
        .problems(&["HARD_CYCLE_COORDINATED"]),
        case(
            "a large layer is split, lower tiers first",
            &["p:critical", "q:low", "r", "s:low", "t:critical"],
            &[],
            &["p", "q", "r", "s", "t"],
        )
        .edit(|s| s.policy.max_services_per_stage = 2)
        .stages(&[&["q", "s"], &["r", "p"], &["t"]])
        .explained(&["SPLIT_BY_SIZE", "TIER_ORDER"]),
        case(
            "splitting keeps dependency order",
            &["a", "b", "c", "d"],
            &["a -> d"],
            &["a", "b", "c", "d"],
        )
        .edit(|s| s.policy.max_services_per_stage = 2)
        .stages(&[&["b", "c"], &["d"], &["a"]])
        .explained(&["SPLIT_BY_SIZE", "PROVIDER_FIRST"]),
        case(
            "a critical service alone first is a warning",
            &["a:critical", "b"],
            &["b -> a"],
            &["a", "b"],
        )
        .stages(&[&["a"], &["b"]])
        .problems(&["CRITICAL_ALONE_FIRST"]),
        case(
            "pinned stages in dependency order are accepted",
            &["a", "b"],
            &["a -> b"],
            &["a", "b"],
        )
        .edit(|s| s.pinned = Some(vec![vec!["b".into()], vec!["a".into()]]))
        .stages(&[&["b"], &["a"]])
        .explained(&["PINNED", "PROVIDER_FIRST"]),
        case(
            "pinned stages against the order are contradicted",
            &["a", "b"],
            &["a -> b"],
            &["a", "b"],
        )
        .edit(|s| s.pinned = Some(vec![vec!["a".into()], vec!["b".into()]]))
        .stages(&[&["a"], &["b"]])
        .problems(&["ORDER_CONTRADICTED"]),
        case(
            "pinned together with a provider is contradicted",
            &["a", "b"],
            &["a -> b"],
            &["a", "b"],
        )
        .edit(|s| s.pinned = Some(vec![vec!["a".into(), "b".into()]]))
        .stages(&[&["a", "b"]])
        .problems(&["ORDER_CONTRADICTED"]),
        case(
            "a pinned stage above the size limit",
            &["a", "b", "c"],
            &[],
            &["a", "b", "c"],
        )
        .edit(|s| {
            s.policy.max_services_per_stage = 2;
            s.pinned = Some(vec![vec!["a".into(), "b".into(), "c".into()]]);
        })
        .stages(&[&["a", "b", "c"]])
        .problems(&["STAGE_TOO_LARGE"]),
        case(
            "a service left out of the pinned stages goes last",
            &["a", "b", "c"],
            &["a -> b"],
            &["a", "b", "c"],
        )
        .edit(|s| s.pinned = Some(vec![vec!["b".into()], vec!["c".into()]]))
        .stages(&[&["b"], &["c"], &["a"]])
        .problems(&["PINNED_MISSING"]),
        case(
            "an unknown service is left out",
            &["a"],
            &[],
            &["a", "ghost"],
        )
        .stages(&[&["a"]])
        .problems(&["UNKNOWN_SERVICE"]),
        case("the same version is not newer", &["a"], &[], &["a"])
            .edit(|s| s.changes[0].to_version = "1.0.0".into())
            .stages(&[&["a"]])
            .problems(&["VERSION_NOT_NEWER"]),
        case(
            "a pre-release of the current version is older",
            &["a"],
            &[],
            &["a"],
        )
        .edit(|s| s.changes[0].to_version = "1.0.0-rc.1".into())
        .stages(&[&["a"]])
        .problems(&["VERSION_NOT_NEWER"]),
        case("numeric parts compare as numbers", &["a"], &[], &["a"])
            .edit(|s| s.changes[0].to_version = "1.0.10".into())
            .stages(&[&["a"]]),
        case("a version that is not dotted numbers", &["a"], &[], &["a"])
            .edit(|s| s.changes[0].to_version = "banana".into())
            .stages(&[&["a"]])
            .problems(&["VERSION_UNCOMPARABLE"]),
        case(
            "an irreversible migration without a flag",
            &["a"],
            &[],
            &["a"],
        )
        .edit(|s| {
            s.changes[0]
                .migrations
                .push(migration("drop-col", Phase::Contract, false))
        })
        .stages(&[&["a"]])
        .problems(&["IRREVERSIBLE_UNGUARDED"]),
        case(
            "an irreversible migration behind a flag",
            &["a"],
            &[],
            &["a"],
        )
        .edit(|s| {
            s.changes[0]
                .migrations
                .push(migration("drop-col", Phase::Contract, false));
            s.changes[0].flags.push("new-path".into());
        })
        .stages(&[&["a"]]),
        case(
            "a contract change breaking a consumer outside the plan",
            &["a", "b"],
            &["a -> b"],
            &["b"],
        )
        .effect(
            "b",
            contract_effect("b-api", &[], &[], &["a"], "breaks GET /x: property removed"),
        )
        .stages(&[&["b"]])
        .problems(&["BREAKS_CONSUMER"]),
        case(
            "a contract change breaking a consumer in the plan",
            &["a", "b"],
            &["a -> b"],
            &["a", "b"],
        )
        .effect(
            "b",
            contract_effect("b-api", &[], &[], &["a"], "breaks GET /x: property removed"),
        )
        .stages(&[&["a"], &["b"]]),
        case(
            "adding and removing in one contract change",
            &["a", "b"],
            &["a -> b"],
            &["a", "b"],
        )
        .effect(
            "b",
            contract_effect("b-api", &["GET /y"], &["GET /x"], &[], "removes GET /x"),
        )
        .stages(&[&["a"], &["b"]])
        .problems(&["MIXED_CHANGE"]),
        case(
            "document problems come with the plan",
            &["a"],
            &[],
            &["a", "a"],
        )
        .stages(&[&["a"]])
        .problems(&["DUPLICATE_CHANGE"]),
    ]
}

#[test]
fn planner_table() {
    let mut failures = Vec::new();
    for case in cases() {
        let topology = topology(case.services, case.links);
        let plan = plan(&topology, &case.spec, &case.effects);
        let expected: Vec<Vec<&str>> = case.stages.iter().map(|s| s.to_vec()).collect();
        let explained = explanation_codes(&plan);
        let missing: Vec<&&str> = case
            .explained
            .iter()
            .filter(|c| !explained.contains(**c))
            .collect();
        if stages(&plan) != expected || problem_codes(&plan) != case.problems || !missing.is_empty()
        {
            failures.push(format!(
                "{}:\n  stages   {:?} (expected {expected:?})\n  problems {:?} (expected {:?})\n  \
                 explained {explained:?} (missing {missing:?})\n  {:#?}",
                case.name,
                stages(&plan),
                problem_codes(&plan),
                case.problems,
                plan.problems,
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn explanations_cite_the_edge_and_the_reason() {
    let topology = topology(
        &["frontend", "cart", "checkout", "payment"],
        &[
            "frontend -> cart",
            "cart -> checkout: checkout-api POST /orders",
            "checkout -> payment: payment-api POST /charges",
        ],
    );
    let mut effects = Effects::new();
    effects.insert(
        "payment".into(),
        contract_effect(
            "payment-api",
            &["POST /refunds"],
            &[],
            &[],
            "adds POST /refunds",
        ),
    );
    let plan = plan(
        &topology,
        &spec(vec![
            change("frontend"),
            change("checkout"),
            change("payment"),
        ]),
        &effects,
    );
    assert_eq!(stages(&plan), [["payment"], ["checkout"], ["frontend"]]);
    assert_eq!(
        explanations(&plan),
        [
            "payment before checkout: checkout calls payment-api POST /charges, and payment \
             2.0.0 with payment-api 2.0.0 adds POST /refunds (expand)",
            "checkout before frontend: frontend calls cart, which calls checkout-api POST \
             /orders, and checkout 2.0.0 has no contract diff or contract-phase migration \
             (expand)",
        ]
    );
    let first = &plan.stages[1].explanations[0];
    assert_eq!(first.code, "PROVIDER_FIRST");
    assert_eq!(
        (first.before.as_deref(), first.after.as_deref()),
        (Some("payment"), Some("checkout"))
    );
}

#[test]
fn contract_explanations_and_contradictions_say_consumers_move_first() {
    let topology = topology(
        &["frontend", "currency"],
        &["frontend -> currency: currency-api GET /currencies"],
    );
    let mut effects = Effects::new();
    effects.insert(
        "currency".into(),
        contract_effect(
            "currency-api",
            &[],
            &["GET /currencies"],
            &["frontend"],
            "removes GET /currencies",
        ),
    );
    let mut spec = spec(vec![change("currency"), change("frontend")]);
    let computed = plan(&topology, &spec, &effects);
    let because = "frontend before currency: frontend calls currency-api GET /currencies, and \
                   currency 2.0.0 with currency-api 2.0.0 removes GET /currencies (contract: \
                   consumers move first)";
    assert_eq!(explanations(&computed), [because]);
    spec.pinned = Some(vec![vec!["currency".into()], vec!["frontend".into()]]);
    let pinned = plan(&topology, &spec, &effects);
    let contradiction = pinned
        .problems
        .iter()
        .find(|p| p.code == "ORDER_CONTRADICTED")
        .expect("the pinned order is contradicted");
    assert_eq!(contradiction.level, Severity::Error);
    // Located at the stage of the service placed too early.
    assert_eq!(contradiction.location, PlanLocation::field("stages[0]"));
    assert!(
        contradiction.message.starts_with(because),
        "{}",
        contradiction.message
    );
    assert!(contradiction
        .message
        .ends_with("but the stages put currency in stage 1 and frontend in stage 2"));
}

#[test]
fn migration_explanations_name_the_migration() {
    let topology = topology(&["a", "b"], &["a -> b"]);
    let mut spec = spec(vec![change("a"), change("b")]);
    spec.changes[1]
        .migrations
        .push(migration("drop-col", Phase::Contract, true));
    let plan = plan(&topology, &spec, &Effects::new());
    assert_eq!(
        explanations(&plan),
        [
            "a before b: a calls b, and b 2.0.0 runs migration drop-col, a contract-phase \
          migration (contract: consumers move first)"
        ]
    );
}

#[test]
fn steps_follow_the_effective_policy_and_region_order() {
    let mut topology = topology(&["a", "b"], &[]);
    topology.services[1].regions.clear();
    let mut spec = spec(vec![change("a"), change("b")]);
    spec.policy.regions = vec!["eu-west-1".into(), "ap-south-1".into()];
    spec.policy.steps = vec![10, 100];
    spec.policy.bake_secs = 60;
    spec.stage_policies.push((
        1,
        PolicyOverride {
            bake_secs: Some(120),
            ..PolicyOverride::default()
        },
    ));
    spec.changes[0].policy = Some(PolicyOverride {
        steps: Some(vec![50, 100]),
        gates: Some(Vec::new()),
        ..PolicyOverride::default()
    });
    let plan = plan(&topology, &spec, &Effects::new());
    let stage = &plan.stages[0];
    let steps: Vec<(&str, Option<&str>, u8, u64, usize)> = stage
        .steps
        .iter()
        .map(|s| {
            (
                s.service.as_str(),
                s.region.as_deref(),
                s.percent,
                s.bake_secs,
                s.gates.len(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("a", Some("eu-west-1"), 50, 120, 0),
            ("a", Some("eu-west-1"), 100, 120, 0),
            ("a", Some("us-east-1"), 50, 120, 0),
            ("a", Some("us-east-1"), 100, 120, 0),
            ("b", None, 10, 120, 3),
            ("b", None, 100, 120, 3),
        ]
    );
    let signals: Vec<Signal> = stage.gates.iter().map(|g| g.signal).collect();
    assert_eq!(
        signals,
        [Signal::ErrorRate, Signal::LatencyP99, Signal::BurnRate]
    );
    // Services roll out in parallel: the longest one's bake time.
    assert_eq!(stage.estimated_secs, 4 * 120);
    assert_eq!(plan.estimated_secs, 4 * 120);
}

#[test]
fn blast_radius_rollback_and_estimates() {
    let topology = topology(
        &["db:critical", "api", "web:critical", "batch:low", "other"],
        &["api -> db", "web -> api", "batch ~> api"],
    );
    let plan = plan(
        &topology,
        &spec(vec![change("db"), change("web")]),
        &Effects::new(),
    );
    assert_eq!(stages(&plan), [["db"], ["web"]]);
    let first = &plan.stages[0];
    assert_eq!(first.blast_radius, ["api", "batch", "web"]);
    assert_eq!(
        (
            first.blast_by_tier.critical,
            first.blast_by_tier.standard,
            first.blast_by_tier.low
        ),
        (1, 1, 1)
    );
    assert!(plan.stages[1].blast_radius.is_empty());
    assert_eq!(plan.rollback, [2, 1]);
    assert_eq!(first.rollback_order, ["db"]);
    let per_stage = 5 * 2 * 600; // 5 steps in 2 regions, 10 minutes each
    assert_eq!(first.estimated_secs, per_stage);
    assert_eq!(plan.estimated_secs, 2 * per_stage);
    assert_eq!(
        plan.problems
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        ["CRITICAL_ALONE_FIRST"]
    );
}

#[test]
fn problems_point_at_their_fields() {
    let topology = topology(&["a"], &[]);
    let mut spec = spec(vec![change("ghost"), change("a")]);
    spec.changes[1].to_version = "0.9.0".into();
    spec.changes[1]
        .migrations
        .push(migration("add", Phase::Expand, true));
    spec.changes[1]
        .migrations
        .push(migration("drop", Phase::Contract, false));
    let plan = plan(&topology, &spec, &Effects::new());
    let located: Vec<(&str, String)> = plan
        .problems
        .iter()
        .map(|p| (p.code.as_str(), p.location.to_string()))
        .collect();
    assert_eq!(
        located,
        [
            ("UNKNOWN_SERVICE", "changes[0].service".to_string()),
            ("VERSION_NOT_NEWER", "changes[1].to_version".to_string()),
            (
                "IRREVERSIBLE_UNGUARDED",
                "changes[1].migrations[1].reversible".to_string()
            ),
        ]
    );
}

#[test]
fn the_order_of_changes_in_the_file_does_not_change_the_plan() {
    let topology = topology(&["a", "b", "c", "d"], &["a -> b", "c -> b", "d -> c"]);
    let forward = plan(
        &topology,
        &spec(vec![change("a"), change("b"), change("c"), change("d")]),
        &Effects::new(),
    );
    let backward = plan(
        &topology,
        &spec(vec![change("d"), change("c"), change("b"), change("a")]),
        &Effects::new(),
    );
    assert_eq!(forward.stages, backward.stages);
    assert_eq!(stages(&forward), vec![vec!["b"], vec!["a", "c"], vec!["d"]]);
}
