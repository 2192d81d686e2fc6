//! The readiness checklist a review walks through before a plan is approved: contract checks
//! pass for every consumer, every stage can be rolled back, irreversible migrations are
//! guarded by a flag, critical-tier services have a runbook, every changed service's owner
//! has acknowledged.

use super::{Effects, Plan, PlanSpec, Topology};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checklist {
    pub items: Vec<ChecklistItem>,
}

impl Checklist {
    pub fn is_ready(&self) -> bool {
        self.items.iter().all(|i| i.done)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Stable key: `contracts`, `rollback`, `migrations`, `runbooks`, `ack:<owner team>`.
    pub key: String,
    pub title: String,
    pub done: bool,
    /// Why it is done or not, naming what is missing.
    pub detail: String,
    /// Whether a person acknowledges the item (owners' acknowledgements), rather than it being
    /// computed.
    pub needs_ack: bool,
}

/// An acknowledgement recorded for a plan: who, for which item, with what comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub key: String,
    pub by: String,
    pub at: String,
    pub comment: String,
}

/// The checklist of a computed plan with the acknowledgements recorded so far.
pub fn checklist(
    topology: &Topology,
    spec: &PlanSpec,
    effects: &Effects,
    plan: &Plan,
    acks: &[Acknowledgement],
) -> Checklist {
    todo!("{topology:?} {spec:?} {effects:?} {plan:?} {acks:?}")
}
