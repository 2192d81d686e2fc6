//! A stage's exposure steps under its effective policy: the plan's policy, then the stage's
//! override, then each change's own override.

use super::{Changed, Index};
use crate::plan::policy::{FailureAction, Gate, Policy};
use crate::plan::{Change, PlanSpec, Step};

/// The policy of stage `number` (1-based): the plan's, then the stage's overrides.
fn stage_policy(spec: &PlanSpec, number: usize) -> Policy {
    spec.stage_policies
        .iter()
        .filter(|(n, _)| *n == number)
        .fold(spec.policy.clone(), |policy, (_, over)| policy.with(over))
}

/// The policy `change` rolls out under in stage `number` (1-based): the plan's, then the
/// stage's, then the change's own overrides. The planner's steps and a run's webhooks both
/// read it from here.
pub fn effective_policy(spec: &PlanSpec, number: usize, change: &Change) -> Policy {
    let stage = stage_policy(spec, number);
    match &change.policy {
        Some(over) => stage.with(over),
        None => stage,
    }
}

/// The steps of stage `number` (1-based), its gates and failure action, and its estimated
/// duration: services roll out in parallel, so the longest service's bake time.
pub(super) fn stage_steps(
    index: &Index,
    spec: &PlanSpec,
    number: usize,
    services: &[&Changed],
) -> (Vec<Step>, Vec<Gate>, FailureAction, u64) {
    let stage_policy = stage_policy(spec, number);
    let mut steps = Vec::new();
    let mut longest = 0u64;
    for service in services {
        let policy = effective_policy(spec, number, service.change);
        let regions = region_order(&policy, &index.topology.services[service.node].regions);
        let mut total = 0u64;
        for region in &regions {
            for &percent in &policy.steps {
                total = total.saturating_add(policy.bake_secs);
                steps.push(Step {
                    service: service.id().to_string(),
                    region: region.map(str::to_string),
                    percent,
                    bake_secs: policy.bake_secs,
                    gates: policy.gates.clone(),
                });
            }
        }
        longest = longest.max(total);
    }
    (steps, stage_policy.gates, stage_policy.on_failure, longest)
}

/// The policy's regions the service runs in, in policy order (the canary first), then the
/// service's other regions in catalog order; `[None]` when the service lists no regions.
fn region_order<'a>(policy: &'a Policy, regions: &'a [String]) -> Vec<Option<&'a str>> {
    if regions.is_empty() {
        return vec![None];
    }
    let mut ordered: Vec<Option<&str>> = Vec::with_capacity(regions.len());
    let listed = policy.regions.iter().filter(|r| regions.contains(r));
    for region in listed.chain(regions) {
        if !ordered.contains(&Some(region.as_str())) {
            ordered.push(Some(region));
        }
    }
    ordered
}
