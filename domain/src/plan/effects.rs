//! What each change does to the contracts its service provides, decided by the contract engine:
//! operations added and removed, the consumers a new version breaks, and so the change's
//! [`Phase`] (expand: provider first; contract: consumers first). Computed where the contract
//! documents are (the server, the CLI); the browser receives the result with the plan.

use super::{Phase, PlanProblem, PlanSpec};
use crate::catalog::Catalog;
use crate::compatibility::Histories;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The effects of every change, by service id.
pub type Effects = BTreeMap<String, ChangeEffect>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeEffect {
    /// Expand when nothing a consumer relies on is removed or narrowed; contract otherwise.
    pub phase: Phase,
    /// Where the phase comes from: `contract diff`, `migration <name>`, or `default`.
    pub because: String,
    pub contracts: Vec<ContractEffect>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractEffect {
    pub contract: String,
    pub from_version: String,
    pub to_version: String,
    /// OpenAPI operation keys (`POST /charges`) the new version adds / removes.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// A one-line summary of the most important finding ("adds optional field `x` to POST
    /// /charges"), for explanations.
    pub summary: String,
    pub phase: Phase,
    /// Consumers the new version breaks (from can-i-deploy), with the reason.
    pub breaks: Vec<BrokenConsumer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokenConsumer {
    pub consumer: String,
    pub reason: String,
}

/// The effects of `spec`'s changes on `catalog`, and the problems found on the way (a spec
/// that cannot be read, a contract the service does not provide, a consumer outside the plan
/// that a new version breaks).
pub fn contract_effects(
    catalog: &Catalog,
    histories: &Histories,
    spec: &PlanSpec,
) -> (Effects, Vec<PlanProblem>) {
    todo!("{catalog:?} {histories:?} {spec:?}")
}
