//! What changed between two revisions of a plan, as a person reads it: changes added, removed
//! and edited (field by field), services that moved stage, policy values that changed.

use super::{Plan, PlanSpec};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDiff {
    pub entries: Vec<DiffEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffEntry {
    /// `added`, `removed`, `changed` or `moved`.
    pub kind: String,
    /// What it is about: `change payment`, `stage 2`, `policy.bake`.
    pub subject: String,
    /// The readable line: "payment: to_version 2.0.0 → 2.1.0", "checkout moved from stage 2 to
    /// stage 1".
    pub text: String,
}

/// The differences from `old` to `new` (each a spec and the plan computed from it).
pub fn diff(old: (&PlanSpec, &Plan), new: (&PlanSpec, &Plan)) -> PlanDiff {
    todo!("{old:?} {new:?}")
}
