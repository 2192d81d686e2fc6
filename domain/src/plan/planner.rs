//! The planner: a [`PlanSpec`] over a [`Topology`] with the changes' [`Effects`] → a [`Plan`].

use super::{Effects, Plan, PlanSpec, Topology};

/// Compute the plan. Pure and deterministic (same input, same plan, byte for byte); never
/// panics; problems are in the plan, never hidden.
pub fn plan(topology: &Topology, spec: &PlanSpec, effects: &Effects) -> Plan {
    todo!("{topology:?} {spec:?} {effects:?}")
}
