//! The readiness checklist a review walks through before a plan is approved: contract checks
//! pass for every consumer, every stage can be rolled back, irreversible migrations are
//! guarded by a flag, critical-tier services have a runbook, every changed service's owner
//! has acknowledged.

use super::topology::ServiceFacts;
use super::{Effects, Plan, PlanSpec, Topology};
use crate::catalog::Tier;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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

/// The checklist of a computed plan with the acknowledgements recorded so far: `contracts`,
/// `rollback`, `migrations`, `runbooks`, then one `ack:<owner>` per owner team of the changed
/// services, by team name.
pub fn checklist(
    topology: &Topology,
    spec: &PlanSpec,
    effects: &Effects,
    plan: &Plan,
    acks: &[Acknowledgement],
) -> Checklist {
    let facts: HashMap<&str, &ServiceFacts> = topology
        .services
        .iter()
        .rev() // the first of a duplicated id wins
        .map(|s| (s.id.as_str(), s))
        .collect();
    let mut items = vec![
        contracts(effects, plan),
        rollback(spec, plan),
        migrations(spec, plan),
        runbooks(spec, plan, &facts),
    ];
    items.extend(acknowledgements(plan, &facts, acks));
    Checklist { items }
}

fn item(key: &str, title: &str, missing: Vec<String>, done: String) -> ChecklistItem {
    ChecklistItem {
        key: key.to_string(),
        title: title.to_string(),
        done: missing.is_empty(),
        detail: if missing.is_empty() {
            done
        } else {
            missing.join("; ")
        },
        needs_ack: false,
    }
}

/// The changes of the services in the plan's stages, each service's first.
fn planned_changes<'s>(spec: &'s PlanSpec, plan: &Plan) -> Vec<&'s super::Change> {
    let mut seen = std::collections::BTreeSet::new();
    spec.changes
        .iter()
        .filter(|c| plan.stage_of(&c.service).is_some() && seen.insert(c.service.as_str()))
        .collect()
}

/// Every consumer a contract change breaks is in the plan and rolls out before the provider.
fn contracts(effects: &Effects, plan: &Plan) -> ChecklistItem {
    let mut missing = Vec::new();
    let mut checked = 0;
    for (service, effect) in effects {
        let Some(provider) = plan.stage_of(service) else {
            continue;
        };
        for contract in &effect.contracts {
            checked += 1;
            for broken in &contract.breaks {
                let name = format!(
                    "{} {} breaks {}",
                    contract.contract, contract.to_version, broken.consumer
                );
                match plan.stage_of(&broken.consumer) {
                    None => missing.push(format!("{name}, which is not in the plan")),
                    Some(stage) if stage.index >= provider.index => missing.push(format!(
                        "{name}, which rolls out in stage {}, not before {service} (stage {})",
                        stage.index, provider.index
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    let breaks_outside = plan.problems.iter().any(|p| p.code == "BREAKS_CONSUMER");
    if breaks_outside && missing.is_empty() {
        missing.push("the plan reports a consumer its contract changes break".to_string());
    }
    let done = match checked {
        0 => "no contract changes to check".to_string(),
        n => format!(
            "every consumer passes the {n} contract change{} (or is updated first in the plan)",
            if n == 1 { "" } else { "s" }
        ),
    };
    item(
        "contracts",
        "Contract checks pass for every consumer",
        missing,
        done,
    )
}

/// Every stage has a rollback order; a stage with an irreversible migration rolls back only
/// partly, which the detail says.
fn rollback(spec: &PlanSpec, plan: &Plan) -> ChecklistItem {
    let mut missing: Vec<String> = plan
        .stages
        .iter()
        .filter(|s| s.rollback_order.len() != s.services.len())
        .map(|s| format!("stage {} has no complete rollback order", s.index))
        .collect();
    if plan.stages.is_empty() {
        missing.push("the plan has no stages".to_string());
    }
    let partial: Vec<String> = planned_changes(spec, plan)
        .into_iter()
        .flat_map(|change| {
            let stage = plan.stage_of(&change.service).map_or(0, |s| s.index);
            change
                .migrations
                .iter()
                .filter(|m| !m.reversible)
                .map(move |m| {
                    format!(
                        "stage {stage} rolls back only partly: migration {} of {} cannot be undone",
                        m.name, change.service
                    )
                })
        })
        .collect();
    let mut done = format!(
        "every stage has a rollback order (the plan rolls back stages {})",
        plan.rollback
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    for line in &partial {
        done.push_str("; ");
        done.push_str(line);
    }
    item(
        "rollback",
        "Every stage has a rollback order",
        missing,
        done,
    )
}

/// Every irreversible migration is guarded by a flag of its change.
fn migrations(spec: &PlanSpec, plan: &Plan) -> ChecklistItem {
    let mut guarded = Vec::new();
    let mut missing = Vec::new();
    for change in planned_changes(spec, plan) {
        for m in change.migrations.iter().filter(|m| !m.reversible) {
            if change.flags.is_empty() {
                missing.push(format!(
                    "migration {} of {} is irreversible and no flag guards it",
                    m.name, change.service
                ));
            } else {
                guarded.push(format!(
                    "{} ({}, flag {})",
                    m.name,
                    change.service,
                    change.flags.join(", ")
                ));
            }
        }
    }
    let done = if guarded.is_empty() {
        "no irreversible migrations".to_string()
    } else {
        format!(
            "irreversible migrations are guarded: {}",
            guarded.join(", ")
        )
    };
    item(
        "migrations",
        "Irreversible migrations are guarded by a flag",
        missing,
        done,
    )
}

/// Every critical-tier changed service has a runbook.
fn runbooks(spec: &PlanSpec, plan: &Plan, facts: &HashMap<&str, &ServiceFacts>) -> ChecklistItem {
    let critical: Vec<&super::Change> = planned_changes(spec, plan)
        .into_iter()
        .filter(|c| {
            facts
                .get(c.service.as_str())
                .is_some_and(|s| s.tier == Tier::Critical)
        })
        .collect();
    let missing: Vec<String> = critical
        .iter()
        .filter(|c| c.runbook.as_deref().is_none_or(|r| r.trim().is_empty()))
        .map(|c| format!("{} is critical-tier and has no runbook", c.service))
        .collect();
    let done = if critical.is_empty() {
        "no critical-tier service changes".to_string()
    } else {
        format!(
            "every critical-tier service has a runbook: {}",
            critical
                .iter()
                .map(|c| c.service.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    item(
        "runbooks",
        "Runbooks for critical-tier services",
        missing,
        done,
    )
}

/// One item per owner team of the changed services, done by its latest acknowledgement.
fn acknowledgements(
    plan: &Plan,
    facts: &HashMap<&str, &ServiceFacts>,
    acks: &[Acknowledgement],
) -> Vec<ChecklistItem> {
    let mut owners: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for id in plan.stages.iter().flat_map(|s| &s.services) {
        if let Some(service) = facts.get(id.as_str()) {
            owners.entry(service.owner.as_str()).or_default().push(id);
        }
    }
    owners
        .into_iter()
        .map(|(owner, services)| {
            let key = format!("ack:{owner}");
            let ack = acks.iter().rev().find(|a| a.key == key);
            let detail = match ack {
                Some(a) if a.comment.trim().is_empty() => {
                    format!("acknowledged by {} at {}", a.by, a.at)
                }
                Some(a) => format!("acknowledged by {} at {}: {}", a.by, a.at, a.comment),
                None => format!("waiting for {owner}, who owns {}", services.join(", ")),
            };
            ChecklistItem {
                title: format!("{owner} acknowledges the plan"),
                done: ack.is_some(),
                detail,
                needs_ack: true,
                key,
            }
        })
        .collect()
}
