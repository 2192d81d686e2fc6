//! What each change does to the contracts its service provides, decided by the contract engine:
//! operations added and removed, the consumers a new version breaks, and so the change's
//! [`Phase`] (expand: provider first; contract: consumers first). Computed where the contract
//! documents are (the server, the CLI); the browser receives the result with the plan.
//!
//! The problems that follow from the effects and the change set (`BREAKS_CONSUMER`,
//! `MIXED_CHANGE`) are the planner's: it reports them from [`Effects`] so the browser, which
//! only receives the effects, shows them too. [`contract_effects`] reports what stopped a
//! contract from being checked.

use super::{document, Change, ContractChange, Phase, PlanLocation, PlanProblem, PlanSpec};
use crate::catalog::{Catalog, Service};
use crate::compatibility::{can_i_deploy, Candidate, DeployCheckError, Histories};
use crate::contract::deploy::{CellStatus, ConsumerVerdict};
use crate::contract::{openapi, parse_document, ContractKind, Finding, Level};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    /// A one-line summary of the most important finding, to follow "payment 2.0.0" in
    /// explanations: "removes GET /currencies", "adds POST /refunds", "breaks POST /charges:
    /// property 'idempotency_key' added".
    pub summary: String,
    pub phase: Phase,
    /// Consumers the new version breaks (from can-i-deploy), with the reason.
    pub breaks: Vec<BrokenConsumer>,
}

impl ContractEffect {
    /// The new version both adds operations and takes something away that consumers use: it
    /// should be split into an expand change and a later contract change.
    pub fn is_mixed(&self) -> bool {
        !self.added.is_empty() && (!self.removed.is_empty() || !self.breaks.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokenConsumer {
    pub consumer: String,
    pub reason: String,
}

/// The effects of `spec`'s changes on `catalog`, and the problems found on the way (a spec
/// that cannot be read, a contract the service does not provide). Changes without contracts
/// and changes of services the catalog does not have (the planner's `UNKNOWN_SERVICE`) get no
/// effect: the planner derives their phase from their migrations.
pub fn contract_effects(
    catalog: &Catalog,
    histories: &Histories,
    spec: &PlanSpec,
) -> (Effects, Vec<PlanProblem>) {
    let mut effects = Effects::new();
    let mut problems = Vec::new();
    // A plan over the limits is not planned (the planner says why), so nothing is checked.
    if !document::limit_problems(spec).is_empty() {
        return (effects, problems);
    }
    let mut services: HashMap<&str, &Service> = HashMap::new();
    for service in &catalog.services {
        services.entry(service.id.as_str()).or_insert(service);
    }
    for (i, change) in spec.changes.iter().enumerate() {
        let Some(service) = services.get(change.service.as_str()) else {
            continue;
        };
        if change.contracts.is_empty() || effects.contains_key(&change.service) {
            continue;
        }
        let contracts: Vec<ContractEffect> = change
            .contracts
            .iter()
            .enumerate()
            .filter_map(|(j, contract)| {
                contract_effect(catalog, histories, service, change, contract)
                    .map_err(|problem| problems.push(problem.at(i, j)))
                    .ok()
            })
            .collect();
        effects.insert(change.service.clone(), change_effect(change, contracts));
    }
    (effects, problems)
}

/// A problem of the `j`th contract of a change, before its location is known.
struct ContractProblem {
    code: &'static str,
    /// The field of the contract entry it concerns (`spec`, `contract`).
    field: &'static str,
    message: String,
}

impl ContractProblem {
    fn at(self, change: usize, contract: usize) -> PlanProblem {
        PlanProblem::error(
            PlanLocation::field(format!(
                "changes[{change}].contracts[{contract}].{}",
                self.field
            )),
            self.code,
            self.message,
        )
    }
}

fn contract_effect(
    catalog: &Catalog,
    histories: &Histories,
    service: &Service,
    change: &Change,
    proposed: &ContractChange,
) -> Result<ContractEffect, ContractProblem> {
    let unchecked = |message: String| ContractProblem {
        code: "INVALID_SPEC",
        field: "spec",
        message,
    };
    let Some(current) = service.provides.iter().find(|c| c.id == proposed.contract) else {
        return Err(ContractProblem {
            code: "UNKNOWN_CONTRACT",
            field: "contract",
            message: format!(
                "{} provides no contract '{}' in the catalog",
                change.service, proposed.contract
            ),
        });
    };
    let document = parse_document(&proposed.document).map_err(|e| {
        unchecked(format!(
            "{} {} cannot be read: {e}",
            proposed.contract, proposed.version
        ))
    })?;
    let candidate = Candidate {
        contract: proposed.contract.clone(),
        version: proposed.version.clone(),
        document: proposed.document.clone(),
    };
    let verdict = can_i_deploy(
        catalog,
        histories,
        &change.service,
        &change.to_version,
        std::slice::from_ref(&candidate),
        None,
    )
    .map_err(|e| match e {
        DeployCheckError::Spec(e) => unchecked(format!(
            "cannot check {} {}: {e}",
            proposed.contract, proposed.version
        )),
        other => unchecked(other.to_string()),
    })?;
    let (added, removed) = match current.kind {
        ContractKind::OpenApi => {
            let before = parse_document(&current.document)
                .and_then(|doc| openapi::operations(&doc))
                .map_err(|e| {
                    unchecked(format!(
                        "the current {} {} cannot be read: {e}",
                        current.id, current.version
                    ))
                })?;
            let after = openapi::operations(&document).map_err(|e| {
                unchecked(format!(
                    "{} {} is not a valid OpenAPI document: {e}",
                    proposed.contract, proposed.version
                ))
            })?;
            operations_added_removed(&before, &after)
        }
        ContractKind::JsonSchema => (Vec::new(), Vec::new()),
    };
    // A consumer on several versions is broken when it breaks on any of them.
    let mut broken: BTreeMap<&str, &ConsumerVerdict> = BTreeMap::new();
    for consumer in verdict.verdicts.iter().flat_map(|v| &v.consumers) {
        if consumer.status == CellStatus::Breaking {
            broken.entry(consumer.consumer.as_str()).or_insert(consumer);
        }
    }
    let breaks: Vec<BrokenConsumer> = broken
        .values()
        .map(|v| BrokenConsumer {
            consumer: v.consumer.clone(),
            reason: first_breaking(&v.findings)
                .map_or_else(|| "an incompatible change".to_string(), describe_finding),
        })
        .collect();
    let findings: Vec<&Finding> = verdict
        .verdicts
        .iter()
        .flat_map(|v| &v.report.findings)
        .collect();
    let phase = if removed.is_empty() && breaks.is_empty() {
        Phase::Expand
    } else {
        Phase::Contract
    };
    Ok(ContractEffect {
        summary: summary(&proposed.contract, &broken, &removed, &added, &findings),
        contract: proposed.contract.clone(),
        from_version: current.version.clone(),
        to_version: proposed.version.clone(),
        added,
        removed,
        phase,
        breaks,
    })
}

/// Operation keys in `after` and not `before`, and the reverse, compared canonically and
/// listed as the documents write them.
fn operations_added_removed(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let canonical = |ops: &[String]| -> BTreeMap<String, String> {
        ops.iter()
            .map(|op| {
                let key = openapi::normalize_operation_key(op).unwrap_or_else(|| op.clone());
                (key, op.clone())
            })
            .collect()
    };
    let (before, after) = (canonical(before), canonical(after));
    let missing_from = |from: &BTreeMap<String, String>, other: &BTreeMap<String, String>| {
        from.iter()
            .filter(|(key, _)| !other.contains_key(*key))
            .map(|(_, op)| op.clone())
            .collect::<Vec<_>>()
    };
    (missing_from(&after, &before), missing_from(&before, &after))
}

fn first_breaking(findings: &[Finding]) -> Option<&Finding> {
    findings.iter().find(|f| f.level == Level::Breaking)
}

/// "property 'idempotency_key' added in POST /charges".
fn describe_finding(finding: &Finding) -> String {
    match &finding.operation {
        Some(op) => format!("{} in {op}", finding.message),
        None => finding.message.clone(),
    }
}

/// The most important finding, in words that follow "payment 2.0.0 ": what is removed, else
/// what breaks a consumer ("breaks POST /charges: property 'idempotency_key' added"), else what
/// is added, else the most serious other finding.
fn summary(
    contract: &str,
    broken: &BTreeMap<&str, &ConsumerVerdict>,
    removed: &[String],
    added: &[String],
    findings: &[&Finding],
) -> String {
    let about = |verb: &str, finding: &Finding| {
        let what = finding.operation.as_deref().unwrap_or(contract);
        format!("{verb} {what}: {}", finding.message)
    };
    if !removed.is_empty() {
        return format!("removes {}", removed.join(", "));
    }
    if let Some(finding) = broken.values().find_map(|v| first_breaking(&v.findings)) {
        return about("breaks", finding);
    }
    if !added.is_empty() {
        return format!("adds {}", added.join(", "));
    }
    findings.iter().max_by_key(|f| f.level).map_or_else(
        || "changes nothing consumers can see".to_string(),
        |f| about("changes", f),
    )
}

/// The change's phase: contract when a contract takes something away or a migration is in its
/// contract phase.
fn change_effect(change: &Change, contracts: Vec<ContractEffect>) -> ChangeEffect {
    let narrowing: BTreeSet<&str> = contracts
        .iter()
        .filter(|c| c.phase == Phase::Contract)
        .map(|c| c.contract.as_str())
        .collect();
    let contract_migration = change
        .migrations
        .iter()
        .find(|m| m.phase == Phase::Contract);
    let (phase, because) = match (narrowing.first(), contract_migration) {
        (Some(_), _) => (
            Phase::Contract,
            format!(
                "contract diff: {} takes away what consumers use",
                narrowing.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ),
        (None, Some(m)) => (Phase::Contract, format!("migration {}", m.name)),
        (None, None) if contracts.is_empty() => (Phase::Expand, "default".to_string()),
        (None, None) => (
            Phase::Expand,
            "contract diff: nothing consumers use is removed or narrowed".to_string(),
        ),
    };
    ChangeEffect {
        phase,
        because,
        contracts,
    }
}
