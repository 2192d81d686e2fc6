//! Rollout plans: a change set sequenced into Stages in dependency order, each rolled out in
//! exposure Steps with bake times and Gates, with its rollback order, blast radius and the
//! reasons for every ordering decision.
//!
//! # Layout
//! - [`document`]: the YAML plan file ([`PlanFile`](document::PlanFile)) → [`PlanSpec`], every
//!   bad value reported at once with its location.
//! - [`policy`]: exposure steps, bake times, gates and what a failed gate does; plan-wide
//!   defaults with per-stage and per-service overrides.
//! - [`topology`]: the slice of a catalog the planner needs ([`Topology`]), buildable from a
//!   [`Catalog`](crate::catalog::Catalog) on the server or from the catalog view in the browser.
//! - [`effects`]: what each change does to its contracts (expand / contract, consumers it
//!   breaks), from the contract engine. Server-side only: the browser receives the effects.
//! - [`planner`]: [`plan`](planner::plan): ordering, stage splitting, steps, explanations,
//!   problems. Pure and deterministic, cheap enough to run on every keystroke in the browser.
//! - [`diff`]: what changed between two revisions of a plan, in stages and changes.
//! - [`readiness`]: the readiness checklist of a plan.

pub mod diff;
pub mod document;
pub mod effects;
pub mod planner;
pub mod policy;
pub mod readiness;
pub mod topology;

pub use document::{load, LoadedPlan, MAX_PLAN_BYTES};
pub use effects::{contract_effects, ChangeEffect, Effects};
pub use planner::plan;
pub use policy::{FailureAction, Gate, Policy, PolicyOverride, Signal};
pub use topology::Topology;

use crate::catalog::{Severity, Tier};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a plan asks for, validated: the parsed plan file with spec files read and every
/// default filled in. The planner's input (with a [`Topology`] and the [`Effects`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSpec {
    /// The plan's slug (a catalog id: lowercase letters, digits, dashes).
    pub name: String,
    pub title: Option<String>,
    pub changes: Vec<Change>,
    /// Plan-wide defaults (filled in: never missing a value).
    pub policy: Policy,
    /// Overrides for stages by their number (1-based), applied over `policy`.
    pub stage_policies: Vec<(usize, PolicyOverride)>,
    /// A manual order: stages of service ids, checked instead of computed. `None`: computed.
    pub pinned: Option<Vec<Vec<String>>>,
}

/// One service moving to a new version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub service: String,
    pub to_version: String,
    /// New versions of contracts the service provides, with their documents.
    pub contracts: Vec<ContractChange>,
    /// Feature flags the change introduces (a flag guards an irreversible migration).
    pub flags: Vec<String>,
    pub migrations: Vec<Migration>,
    /// The runbook for this service's rollout (required for critical-tier services by the
    /// readiness checklist).
    pub runbook: Option<String>,
    pub notes: Option<String>,
    /// Overrides for this service only, applied over the stage's policy.
    pub policy: Option<PolicyOverride>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractChange {
    pub contract: String,
    pub version: String,
    /// The spec document's text (YAML or JSON); read from `spec:` paths when loaded.
    pub document: String,
}

/// Parallel change: `expand` adds alongside the old (provider first), `contract` removes the
/// old (consumers first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Expand,
    Contract,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Expand => "expand",
            Phase::Contract => "contract",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Migration {
    pub name: String,
    pub phase: Phase,
    pub reversible: bool,
}

/// The computed plan: stages in rollout order, and every problem found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub name: String,
    pub stages: Vec<Stage>,
    pub problems: Vec<PlanProblem>,
    /// Stage numbers in the order a whole-plan rollback undoes them (the reverse of rollout).
    pub rollback: Vec<usize>,
    /// Sum of the stages' estimated durations, in seconds.
    pub estimated_secs: u64,
}

impl Plan {
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.level == Severity::Error)
    }

    /// The stage a service is rolled out in.
    pub fn stage_of(&self, service: &str) -> Option<&Stage> {
        self.stages
            .iter()
            .find(|s| s.services.iter().any(|id| id == service))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// 1-based position in rollout order.
    pub index: usize,
    /// Changed services rolled out together in this stage, in rollout order within it.
    pub services: Vec<String>,
    /// Every exposure step of the stage: per service, per region (canary region first), per
    /// percentage.
    pub steps: Vec<Step>,
    /// The gates every step of the stage must hold (per-service gates are on the steps).
    pub gates: Vec<Gate>,
    pub on_failure: FailureAction,
    /// Services of this stage in the order a rollback of the stage undoes them.
    pub rollback_order: Vec<String>,
    /// Every service downstream of the stage's services (not in the stage), sorted.
    pub blast_radius: Vec<String>,
    pub blast_by_tier: TierCounts,
    /// The longest service's steps (services of a stage roll out in parallel), in seconds.
    pub estimated_secs: u64,
    /// The services form a hard cycle: they must be switched together behind a flag.
    pub coordinated: bool,
    /// Why the stage is where it is, in words a person can check.
    pub explanations: Vec<Explanation>,
}

/// One exposure step: `service` in `region` goes to `percent` of traffic on the new version,
/// then bakes while the gates are watched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub service: String,
    /// `None` when the service lists no regions.
    pub region: Option<String>,
    pub percent: u8,
    pub bake_secs: u64,
    /// The gates for this step (the stage's, with the service's overrides applied).
    pub gates: Vec<Gate>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierCounts {
    pub critical: usize,
    pub standard: usize,
    pub low: usize,
}

impl TierCounts {
    pub fn add(&mut self, tier: Tier) {
        match tier {
            Tier::Critical => self.critical += 1,
            Tier::Standard => self.standard += 1,
            Tier::Low => self.low += 1,
        }
    }
}

/// Why a stage is ordered as it is, e.g. "payment before checkout: checkout calls payment-api
/// POST /charges, and 2.0.0 adds a field (expand)".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// Stable code: `PROVIDER_FIRST`, `CONSUMER_FIRST`, `THROUGH`, `INDEPENDENT`, `SPLIT_BY_SIZE`,
    /// `TIER_ORDER`, `COORDINATED`, `PINNED`, `SOFT_CYCLE_CUT`, `MORE_REASONS` (past 100 reasons in
    /// a stage, the rest are counted).
    pub code: String,
    pub text: String,
    /// The services the decision is about: (before, after) when it orders a pair.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A problem of a plan, never hidden: a level, a stable code, a location and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanProblem {
    /// Serialised as `"level": "error" | "warning"`.
    #[serde(rename = "level")]
    pub level: Severity,
    pub code: String,
    pub message: String,
    pub location: PlanLocation,
}

impl PlanProblem {
    pub fn error(location: PlanLocation, code: &str, message: impl Into<String>) -> Self {
        PlanProblem {
            level: Severity::Error,
            code: code.to_string(),
            message: message.into(),
            location,
        }
    }

    pub fn warning(location: PlanLocation, code: &str, message: impl Into<String>) -> Self {
        PlanProblem {
            level: Severity::Warning,
            ..PlanProblem::error(location, code, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.level == Severity::Error
    }
}

/// Where a plan problem is: a position in the YAML text, a field by its path
/// (`changes[2].policy.steps`, the editor shows the problem beside it), a stage, or the plan.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "at")]
pub enum PlanLocation {
    Plan,
    Text { line: usize, column: usize },
    Field { path: String },
    Stage { index: usize },
}

impl PlanLocation {
    pub fn field(path: impl Into<String>) -> PlanLocation {
        PlanLocation::Field { path: path.into() }
    }
}

impl fmt::Display for PlanLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanLocation::Plan => f.write_str("plan"),
            PlanLocation::Text { line, column } => write!(f, "line {line}, column {column}"),
            PlanLocation::Field { path } => f.write_str(path),
            PlanLocation::Stage { index } => write!(f, "stage {index}"),
        }
    }
}

impl fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{level} [{}] {}: {}",
            self.code, self.location, self.message
        )
    }
}

/// Names joined as a sentence says them: "a", "a and b", "a, b and c" ("" for none).
pub(crate) fn and_list<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}
