//! Builders shared by the planner's tests: small topologies written as text, changes, specs,
//! and the parts of a plan the tests compare.
#![allow(dead_code)] // each test binary uses a different subset of the builders

use breakwater_domain::catalog::{DependencyKind, Tier};
use breakwater_domain::plan::effects::{BrokenConsumer, ChangeEffect, ContractEffect};
use breakwater_domain::plan::topology::{Link, ServiceFacts};
use breakwater_domain::plan::{policy::Policy, Change, Phase, Plan, PlanSpec, Topology};
use std::collections::BTreeSet;

/// Services as `id` or `id:tier`; links as `consumer -> provider` (hard) or `consumer ~>
/// provider` (soft), optionally followed by `: contract OPERATION`. Every service is on 1.0.0,
/// owned by `team-<id>`, in us-east-1 and eu-west-1.
pub fn topology(services: &[&str], links: &[&str]) -> Topology {
    Topology {
        services: services
            .iter()
            .map(|s| {
                let (id, tier) = s.split_once(':').unwrap_or((s, "standard"));
                ServiceFacts {
                    id: id.to_string(),
                    owner: format!("team-{id}"),
                    tier: match tier {
                        "critical" => Tier::Critical,
                        "low" => Tier::Low,
                        _ => Tier::Standard,
                    },
                    regions: vec!["us-east-1".into(), "eu-west-1".into()],
                    version: "1.0.0".into(),
                }
            })
            .collect(),
        links: links.iter().map(|l| link(l)).collect(),
    }
}

fn link(text: &str) -> Link {
    let (edge, call) = text.split_once(':').unwrap_or((text, ""));
    let (arrow, kind) = if edge.contains("~>") {
        ("~>", DependencyKind::Soft)
    } else {
        ("->", DependencyKind::Hard)
    };
    let (consumer, provider) = edge.split_once(arrow).expect("consumer -> provider");
    let mut call = call.split_whitespace();
    let contract = call.next().map(str::to_string);
    let rest: Vec<&str> = call.collect();
    Link {
        consumer: consumer.trim().to_string(),
        provider: provider.trim().to_string(),
        contract,
        uses: if rest.is_empty() {
            Vec::new()
        } else {
            vec![rest.join(" ")]
        },
        kind,
    }
}

pub fn change(service: &str) -> Change {
    Change {
        service: service.to_string(),
        to_version: "2.0.0".into(),
        contracts: Vec::new(),
        flags: Vec::new(),
        migrations: Vec::new(),
        runbook: None,
        notes: None,
        policy: None,
    }
}

pub fn spec(changes: Vec<Change>) -> PlanSpec {
    PlanSpec {
        name: "test-plan".into(),
        title: None,
        changes,
        policy: Policy::default(),
        stage_policies: Vec::new(),
        pinned: None,
    }
}

/// The effect of a change with one contract: its phase from what it removes and breaks.
pub fn contract_effect(
    contract: &str,
    added: &[&str],
    removed: &[&str],
    breaks: &[&str],
    summary: &str,
) -> ChangeEffect {
    let strings = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let phase = if removed.is_empty() && breaks.is_empty() {
        Phase::Expand
    } else {
        Phase::Contract
    };
    ChangeEffect {
        phase,
        because: "contract diff".into(),
        contracts: vec![ContractEffect {
            contract: contract.into(),
            from_version: "1.0.0".into(),
            to_version: "2.0.0".into(),
            added: strings(added),
            removed: strings(removed),
            summary: summary.into(),
            phase,
            breaks: breaks
                .iter()
                .map(|c| BrokenConsumer {
                    consumer: c.to_string(),
                    reason: "an incompatible change".into(),
                })
                .collect(),
        }],
    }
}

pub fn stages(plan: &Plan) -> Vec<Vec<&str>> {
    plan.stages
        .iter()
        .map(|s| s.services.iter().map(String::as_str).collect())
        .collect()
}

pub fn problem_codes(plan: &Plan) -> Vec<&str> {
    let mut codes: Vec<&str> = plan.problems.iter().map(|p| p.code.as_str()).collect();
    codes.sort_unstable();
    codes
}

pub fn explanation_codes(plan: &Plan) -> BTreeSet<&str> {
    plan.stages
        .iter()
        .flat_map(|s| &s.explanations)
        .map(|e| e.code.as_str())
        .collect()
}

pub fn explanations(plan: &Plan) -> Vec<&str> {
    plan.stages
        .iter()
        .flat_map(|s| &s.explanations)
        .map(|e| e.text.as_str())
        .collect()
}
