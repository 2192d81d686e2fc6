//! The planner: a [`PlanSpec`] over a [`Topology`] with the changes' [`Effects`] → a [`Plan`].
//!
//! 1. The changed services are checked against the catalog (unknown services are left out,
//!    versions must be newer, irreversible migrations need a flag) and get their phase.
//! 2. [`order`] finds the constraints between changed services (through unchanged ones), cuts
//!    soft cycles, coordinates hard ones and layers the rest into stages, or checks the pinned
//!    stages instead.
//! 3. [`steps`] expands each stage into exposure steps under its effective policy; the blast
//!    radius, rollback order and estimates complete the stage.
//!
//! Everything runs over indexes into the topology (`Vec<Vec<usize>>` adjacency), not string
//! maps: the browser recomputes the plan on every edit.

mod order;
mod steps;
mod version;

pub use steps::effective_policy;

use super::effects::ChangeEffect;
use super::{
    document, Change, Effects, Explanation, Phase, Plan, PlanLocation, PlanProblem, PlanSpec,
    Stage, TierCounts, Topology,
};
use crate::catalog::{DependencyKind, Tier};
use std::collections::HashMap;
use std::fmt::Write;

/// Compute the plan. Pure and deterministic (same input, same plan, byte for byte); never
/// panics; problems are in the plan, never hidden.
pub fn plan(topology: &Topology, spec: &PlanSpec, effects: &Effects) -> Plan {
    let mut problems = document::validate(spec);
    if problems.iter().any(|p| p.code == document::OVER_LIMIT) {
        // Planning work grows faster than the plan: over a limit, the limits are the answer.
        return Plan {
            name: spec.name.clone(),
            stages: Vec::new(),
            problems,
            rollback: Vec::new(),
            estimated_secs: 0,
        };
    }
    let index = Index::new(topology);
    let changed = changed_services(&index, spec, effects, &mut problems);
    let ordering = order::order(&index, spec, &changed);
    problems.extend(ordering.problems);
    let stages: Vec<Stage> = ordering
        .stages
        .into_iter()
        .enumerate()
        .map(|(i, draft)| {
            let number = i + 1;
            let services: Vec<&Changed> = draft.services.iter().map(|&c| &changed[c]).collect();
            let (steps, gates, on_failure, estimated_secs) =
                steps::stage_steps(&index, spec, number, &services);
            let ids: Vec<String> = services.iter().map(|c| c.id().to_string()).collect();
            let (blast_radius, blast_by_tier) = blast_radius(&index, &services);
            Stage {
                index: number,
                rollback_order: ids.iter().rev().cloned().collect(),
                services: ids,
                steps,
                gates,
                on_failure,
                blast_radius,
                blast_by_tier,
                estimated_secs,
                coordinated: draft.coordinated,
                explanations: draft.explanations,
            }
        })
        .collect();
    if let Some(first) = stages.first() {
        if let [only] = first.services.as_slice() {
            if index
                .facts_of(only)
                .is_some_and(|s| s.tier == Tier::Critical)
            {
                problems.push(PlanProblem::warning(
                    PlanLocation::Stage { index: 1 },
                    "CRITICAL_ALONE_FIRST",
                    format!(
                        "{only} is critical-tier and alone in stage 1: it is the canary of the whole \
                         plan; consider a lower-tier service first or a smaller first step"
                    ),
                ));
            }
        }
    }
    Plan {
        name: spec.name.clone(),
        rollback: stages.iter().rev().map(|s| s.index).collect(),
        estimated_secs: stages
            .iter()
            .fold(0u64, |total, s| total.saturating_add(s.estimated_secs)),
        stages,
        problems,
    }
}

/// The topology by position: adjacency lists over service indexes.
pub(super) struct Index<'t> {
    topology: &'t Topology,
    by_id: HashMap<&'t str, usize>,
    /// Per consumer: (provider, link index) in link order.
    providers: Vec<Vec<(usize, usize)>>,
    /// Per provider: its consumers, once each.
    consumers: Vec<Vec<usize>>,
}

impl<'t> Index<'t> {
    fn new(topology: &'t Topology) -> Index<'t> {
        let mut by_id = HashMap::with_capacity(topology.services.len());
        for (i, s) in topology.services.iter().enumerate() {
            // The first of a duplicated id wins, as in the catalog's graph.
            by_id.entry(s.id.as_str()).or_insert(i);
        }
        let n = topology.services.len();
        let mut providers = vec![Vec::new(); n];
        let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (l, link) in topology.links.iter().enumerate() {
            let (Some(&c), Some(&p)) = (
                by_id.get(link.consumer.as_str()),
                by_id.get(link.provider.as_str()),
            ) else {
                continue;
            };
            if c == p {
                continue;
            }
            providers[c].push((p, l));
            consumers[p].push(c);
        }
        for list in &mut consumers {
            list.sort_unstable();
            list.dedup();
        }
        Index {
            topology,
            by_id,
            providers,
            consumers,
        }
    }

    fn len(&self) -> usize {
        self.topology.services.len()
    }

    fn id(&self, node: usize) -> &'t str {
        &self.topology.services[node].id
    }

    fn facts_of(&self, id: &str) -> Option<&'t super::topology::ServiceFacts> {
        self.by_id.get(id).map(|&i| &self.topology.services[i])
    }

    fn link(&self, l: usize) -> &'t super::topology::Link {
        &self.topology.links[l]
    }

    /// What a link calls: "payment-api POST /charges", "ad-api GET /ads (soft)", or the
    /// provider's id when no contract is named.
    fn call_target(&self, l: usize) -> String {
        let link = self.link(l);
        let mut text = link
            .contract
            .clone()
            .unwrap_or_else(|| link.provider.clone());
        if !link.uses.is_empty() {
            let _ = write!(text, " {}", link.uses.join(", "));
        }
        if link.kind == DependencyKind::Soft {
            text.push_str(" (soft)");
        }
        text
    }
}

/// A changed service the catalog knows.
pub(super) struct Changed<'s> {
    node: usize,
    /// Position of its change in the spec, for problem locations.
    at: usize,
    change: &'s Change,
    phase: Phase,
    effect: Option<&'s ChangeEffect>,
    tier: Tier,
}

impl Changed<'_> {
    fn id(&self) -> &str {
        &self.change.service
    }

    /// Split order: lower tiers first.
    fn tier_rank(&self) -> u8 {
        match self.tier {
            Tier::Low => 0,
            Tier::Standard => 1,
            Tier::Critical => 2,
        }
    }

    /// What the change does that decides its phase, for explanations: "payment 0.11.0 with
    /// payment-api 2.0.0 breaks POST /charges: property 'idempotency_key' added". `contract` is the contract the consumer
    /// calls it through, whose effect is preferred.
    fn what_it_does(&self, contract: Option<&str>) -> String {
        let who = format!("{} {}", self.change.service, self.change.to_version);
        let effects = self.effect.map_or(&[][..], |e| e.contracts.as_slice());
        let in_phase = |c: &&super::effects::ContractEffect| c.phase == self.phase;
        let effect = effects
            .iter()
            .filter(in_phase)
            .find(|c| Some(c.contract.as_str()) == contract)
            .or_else(|| effects.iter().find(in_phase));
        if let Some(effect) = effect {
            return format!(
                "{who} with {} {} {}",
                effect.contract, effect.to_version, effect.summary
            );
        }
        let migration = self
            .change
            .migrations
            .iter()
            .find(|m| m.phase == self.phase);
        if let Some(m) = migration {
            let kind = match self.phase {
                Phase::Expand => "an expand",
                Phase::Contract => "a contract",
            };
            return format!("{who} runs migration {}, {kind}-phase migration", m.name);
        }
        format!("{who} has no contract diff or contract-phase migration")
    }
}

/// The known changed services, sorted by id (so the order of changes in the file does not
/// change the plan), with the problems of their changes.
fn changed_services<'s>(
    index: &Index,
    spec: &'s PlanSpec,
    effects: &'s Effects,
    problems: &mut Vec<PlanProblem>,
) -> Vec<Changed<'s>> {
    let mut seen = vec![false; index.len()];
    let mut changed = Vec::new();
    for (at, change) in spec.changes.iter().enumerate() {
        let Some(&node) = index.by_id.get(change.service.as_str()) else {
            if !change.service.is_empty() {
                problems.push(PlanProblem::error(
                    PlanLocation::field(format!("changes[{at}].service")),
                    "UNKNOWN_SERVICE",
                    format!(
                        "the catalog has no service '{}'; it is left out of the stages",
                        change.service
                    ),
                ));
            }
            continue;
        };
        // A second change of the same service is DUPLICATE_CHANGE (document::validate).
        if std::mem::replace(&mut seen[node], true) {
            continue;
        }
        let facts = &index.topology.services[node];
        check_version(at, change, &facts.version, problems);
        check_migrations(at, change, problems);
        let effect = effects.get(&change.service);
        if let Some(effect) = effect {
            check_effect(at, change, effect, problems);
        }
        let phase = effect.map(|e| e.phase).unwrap_or_else(|| {
            if change.migrations.iter().any(|m| m.phase == Phase::Contract) {
                Phase::Contract
            } else {
                Phase::Expand
            }
        });
        changed.push(Changed {
            node,
            at,
            change,
            phase,
            effect,
            tier: facts.tier,
        });
    }
    // Consumers broken by a contract change must be in the plan; known only once all changes
    // are read.
    for c in &changed {
        if let Some(effect) = c.effect {
            check_broken_consumers(c, effect, index, &seen, problems);
        }
    }
    changed.sort_by(|a, b| a.id().cmp(b.id()));
    changed
}

fn check_version(at: usize, change: &Change, current: &str, problems: &mut Vec<PlanProblem>) {
    if change.to_version.trim().is_empty() {
        return; // INVALID_VERSION (document::validate)
    }
    let location = PlanLocation::field(format!("changes[{at}].to_version"));
    match version::compare(&change.to_version, current) {
        Some(std::cmp::Ordering::Greater) => {}
        Some(_) => problems.push(PlanProblem::error(
            location,
            "VERSION_NOT_NEWER",
            format!(
                "{} {} is not newer than the current version {current}",
                change.service, change.to_version
            ),
        )),
        None => problems.push(PlanProblem::warning(
            location,
            "VERSION_UNCOMPARABLE",
            format!(
                "cannot tell whether {} {} is newer than the current version {current}: \
                 versions are compared as dotted numbers with an optional pre-release",
                change.service, change.to_version
            ),
        )),
    }
}

fn check_migrations(at: usize, change: &Change, problems: &mut Vec<PlanProblem>) {
    if !change.flags.is_empty() {
        return;
    }
    for (j, m) in change.migrations.iter().enumerate() {
        if !m.reversible {
            problems.push(PlanProblem::warning(
                PlanLocation::field(format!("changes[{at}].migrations[{j}].reversible")),
                "IRREVERSIBLE_UNGUARDED",
                format!(
                    "migration {} of {} cannot be undone and no feature flag guards it: \
                     add a flag to the change so a rollback can switch the new path off",
                    m.name, change.service
                ),
            ));
        }
    }
}

/// Location of the contract entry of `change` named `contract`.
fn contract_field(at: usize, change: &Change, contract: &str) -> PlanLocation {
    match change.contracts.iter().position(|c| c.contract == contract) {
        Some(j) => PlanLocation::field(format!("changes[{at}].contracts[{j}]")),
        None => PlanLocation::field(format!("changes[{at}].contracts")),
    }
}

fn check_effect(
    at: usize,
    change: &Change,
    effect: &ChangeEffect,
    problems: &mut Vec<PlanProblem>,
) {
    for c in effect.contracts.iter().filter(|c| c.is_mixed()) {
        let takes = if c.removed.is_empty() {
            "breaks what consumers use".to_string()
        } else {
            format!("removes {}", c.removed.join(", "))
        };
        problems.push(PlanProblem::warning(
            contract_field(at, change, &c.contract),
            "MIXED_CHANGE",
            format!(
                "{} {} adds {} and {takes}: split it into an expand change (the additions, \
                 provider first) and a later contract change (the removals, consumers first)",
                c.contract,
                c.to_version,
                c.added.join(", ")
            ),
        ));
    }
}

fn check_broken_consumers(
    c: &Changed,
    effect: &ChangeEffect,
    index: &Index,
    in_plan: &[bool],
    problems: &mut Vec<PlanProblem>,
) {
    for contract in &effect.contracts {
        for broken in &contract.breaks {
            let planned = index
                .by_id
                .get(broken.consumer.as_str())
                .is_some_and(|&n| in_plan[n]);
            if !planned {
                problems.push(PlanProblem::error(
                    contract_field(c.at, c.change, &contract.contract),
                    "BREAKS_CONSUMER",
                    format!(
                        "{} {} breaks {}, which is not in the plan: {}",
                        contract.contract, contract.to_version, broken.consumer, broken.reason
                    ),
                ));
            }
        }
    }
}

/// Every service downstream of the stage's services (transitive consumers), not counting the
/// stage's own, sorted by id, with counts by tier.
fn blast_radius(index: &Index, services: &[&Changed]) -> (Vec<String>, TierCounts) {
    let mut seen = vec![false; index.len()];
    let mut queue: Vec<usize> = services.iter().map(|c| c.node).collect();
    for &n in &queue {
        seen[n] = true;
    }
    let mut reached = Vec::new();
    while let Some(n) = queue.pop() {
        for &consumer in &index.consumers[n] {
            if !std::mem::replace(&mut seen[consumer], true) {
                reached.push(consumer);
                queue.push(consumer);
            }
        }
    }
    let mut counts = TierCounts::default();
    let mut ids: Vec<&str> = reached
        .into_iter()
        .map(|n| {
            counts.add(index.topology.services[n].tier);
            index.id(n)
        })
        .collect();
    ids.sort_unstable();
    (ids.into_iter().map(str::to_string).collect(), counts)
}

/// An explanation ordering `before` ahead of `after`.
fn pair(code: &str, text: String, before: &str, after: &str) -> Explanation {
    Explanation {
        code: code.to_string(),
        text,
        before: Some(before.to_string()),
        after: Some(after.to_string()),
    }
}

/// An explanation about a stage as a whole.
fn note(code: &str, text: String) -> Explanation {
    Explanation {
        code: code.to_string(),
        text,
        before: None,
        after: None,
    }
}

/// "a", "a and b", "a, b and c", "a, b, c, d, e and 3 more".
fn list(names: &[&str]) -> String {
    const SHOWN: usize = 5;
    if names.len() > SHOWN + 1 {
        format!(
            "{} and {} more",
            names[..SHOWN].join(", "),
            names.len() - SHOWN
        )
    } else {
        super::and_list(names)
    }
}
