//! What changed between two revisions of a plan, as a person reads it: changes added, removed
//! and edited (field by field), services that moved stage, policy values that changed.
//!
//! Entries come in a fixed order: the title, the changes by service id (each one's fields in
//! file order), the stage moves by service id, the stage count, then the plan-wide policy, the
//! stage overrides and the pinned stages.

use super::policy::{Gate, Policy, PolicyOverride};
use super::{Change, Migration, Plan, PlanSpec};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
    let ((old_spec, old_plan), (new_spec, new_plan)) = (old, new);
    let mut entries = Entries::default();
    if old_spec.title != new_spec.title {
        entries.value(
            "title",
            "title",
            old_spec.title.as_deref(),
            new_spec.title.as_deref(),
        );
    }
    let (old_changes, new_changes) = (by_service(old_spec), by_service(new_spec));
    let services: BTreeSet<&str> = old_changes
        .keys()
        .chain(new_changes.keys())
        .copied()
        .collect();
    for service in services {
        let subject = format!("change {service}");
        match (old_changes.get(service), new_changes.get(service)) {
            (Some(was), None) => entries.push(
                "removed",
                &subject,
                format!("{service}: change to {} removed", was.to_version),
            ),
            (None, Some(now)) => entries.push(
                "added",
                &subject,
                format!("{service}: change to {} added", now.to_version),
            ),
            (Some(was), Some(now)) => change_fields(&mut entries, &subject, was, now),
            (None, None) => {}
        }
    }
    let (old_stages, new_stages) = (stage_numbers(old_plan), stage_numbers(new_plan));
    for (service, &now) in &new_stages {
        if let Some(&was) = old_stages.get(service).filter(|&&was| was != now) {
            entries.push(
                "moved",
                &format!("change {service}"),
                format!("{service} moved from stage {was} to stage {now}"),
            );
        }
    }
    let (was, now) = (old_plan.stages.len(), new_plan.stages.len());
    if was != now {
        entries.push(
            "changed",
            "stages",
            format!("{} → {}", stages(was), stages(now)),
        );
    }
    let (was, now) = (
        policy_fields(&old_spec.policy),
        policy_fields(&new_spec.policy),
    );
    for ((field, was), (_, now)) in was.iter().zip(&now) {
        if was != now {
            let subject = format!("policy.{field}");
            entries.value(&subject, &subject, Some(was), Some(now));
        }
    }
    stage_policies(&mut entries, old_spec, new_spec);
    match (&old_spec.pinned, &new_spec.pinned) {
        (None, Some(_)) => entries.push("added", "stages", "stages pinned by hand".into()),
        (Some(_), None) => entries.push(
            "removed",
            "stages",
            "pinned stages removed: the order is computed".into(),
        ),
        (Some(was), Some(now)) if was != now => {
            entries.push("changed", "stages", "pinned stages edited".into())
        }
        _ => {}
    }
    PlanDiff { entries: entries.0 }
}

#[derive(Default)]
struct Entries(Vec<DiffEntry>);

impl Entries {
    fn push(&mut self, kind: &str, subject: &str, text: String) {
        self.0.push(DiffEntry {
            kind: kind.to_string(),
            subject: subject.to_string(),
            text,
        });
    }

    /// `label` set, removed or changed from `was` to `now`.
    fn value(&mut self, subject: &str, label: &str, was: Option<&str>, now: Option<&str>) {
        match (was, now) {
            (None, Some(now)) => self.push("added", subject, format!("{label} set to {now}")),
            (Some(was), None) => self.push("removed", subject, format!("{label} {was} removed")),
            (Some(was), Some(now)) => {
                self.push("changed", subject, format!("{label} {was} → {now}"))
            }
            (None, None) => {}
        }
    }
}

/// The first change of each service (a duplicate is a problem of the plan, not of the diff).
fn by_service(spec: &PlanSpec) -> BTreeMap<&str, &Change> {
    let mut changes = BTreeMap::new();
    for change in &spec.changes {
        changes.entry(change.service.as_str()).or_insert(change);
    }
    changes
}

fn stage_numbers(plan: &Plan) -> BTreeMap<&str, usize> {
    plan.stages
        .iter()
        .flat_map(|s| s.services.iter().map(move |id| (id.as_str(), s.index)))
        .collect()
}

fn stages(n: usize) -> String {
    if n == 1 {
        "1 stage".to_string()
    } else {
        format!("{n} stages")
    }
}

fn change_fields(entries: &mut Entries, subject: &str, was: &Change, now: &Change) {
    let service = &now.service;
    if was.to_version != now.to_version {
        let label = format!("{service}: to_version");
        entries.value(
            subject,
            &label,
            Some(&was.to_version),
            Some(&now.to_version),
        );
    }
    let contracts = |c: &Change| -> BTreeMap<String, (String, String)> {
        c.contracts
            .iter()
            .map(|c| (c.contract.clone(), (c.version.clone(), c.document.clone())))
            .collect()
    };
    named_entries(
        entries,
        subject,
        &format!("{service}: contract"),
        &contracts(was),
        &contracts(now),
        |(version, _)| version.clone(),
        |(was_version, _), (now_version, _)| {
            if was_version == now_version {
                format!("{now_version} document edited")
            } else {
                format!("{was_version} → {now_version}")
            }
        },
    );
    let flags =
        |c: &Change| -> BTreeMap<String, ()> { c.flags.iter().map(|f| (f.clone(), ())).collect() };
    named_entries(
        entries,
        subject,
        &format!("{service}: flag"),
        &flags(was),
        &flags(now),
        |_| String::new(),
        |_, _| String::new(),
    );
    let migrations = |c: &Change| -> BTreeMap<String, Migration> {
        c.migrations
            .iter()
            .map(|m| (m.name.clone(), m.clone()))
            .collect()
    };
    named_entries(
        entries,
        subject,
        &format!("{service}: migration"),
        &migrations(was),
        &migrations(now),
        migration,
        |was, now| format!("{} → {}", migration(was), migration(now)),
    );
    if was.runbook != now.runbook {
        let label = format!("{service}: runbook");
        entries.value(
            subject,
            &label,
            was.runbook.as_deref(),
            now.runbook.as_deref(),
        );
    }
    if was.notes != now.notes {
        entries.push("changed", subject, format!("{service}: notes edited"));
    }
    let none = PolicyOverride::default();
    let (was_policy, now_policy) = (
        was.policy.as_ref().unwrap_or(&none),
        now.policy.as_ref().unwrap_or(&none),
    );
    for ((field, was), (_, now)) in override_fields(was_policy)
        .into_iter()
        .zip(override_fields(now_policy))
    {
        if was != now {
            let label = format!("{service}: policy.{field}");
            entries.value(subject, &label, was.as_deref(), now.as_deref());
        }
    }
}

/// Entries for named things (contracts, flags, migrations) added, removed or changed;
/// `describe` gives what follows the name, `changed` the text of an edit.
fn named_entries<T: PartialEq>(
    entries: &mut Entries,
    subject: &str,
    label: &str,
    was: &BTreeMap<String, T>,
    now: &BTreeMap<String, T>,
    describe: impl Fn(&T) -> String,
    changed: impl Fn(&T, &T) -> String,
) {
    let names: BTreeSet<&String> = was.keys().chain(now.keys()).collect();
    let line = |name: &str, rest: String, verb: &str| {
        let rest = if rest.is_empty() {
            String::new()
        } else {
            format!(" {rest}")
        };
        format!("{label} {name}{rest} {verb}")
    };
    for name in names {
        match (was.get(name), now.get(name)) {
            (Some(w), None) => entries.push("removed", subject, line(name, describe(w), "removed")),
            (None, Some(n)) => entries.push("added", subject, line(name, describe(n), "added")),
            (Some(w), Some(n)) if w != n => entries.push(
                "changed",
                subject,
                format!("{label} {name}: {}", changed(w, n)),
            ),
            _ => {}
        }
    }
}

/// "(contract, irreversible)".
fn migration(m: &Migration) -> String {
    let reversible = if m.reversible {
        "reversible"
    } else {
        "irreversible"
    };
    format!("({}, {reversible})", m.phase.as_str())
}

fn steps_text(steps: &[u8]) -> String {
    let percents: Vec<String> = steps.iter().map(|p| format!("{p}%")).collect();
    percents.join(", ")
}

fn gates_text(gates: &[Gate]) -> String {
    if gates.is_empty() {
        return "none".to_string();
    }
    let gates: Vec<String> = gates
        .iter()
        .map(|g| {
            let mut text = match &g.check {
                Some(check) => format!("{} {check}", g.signal.as_str()),
                None => format!("{} ≤ {}{}", g.signal.as_str(), g.max, g.signal.unit()),
            };
            if let Some(window) = g.window_secs {
                text.push_str(&format!(" over {window}s"));
            }
            if g.downstream {
                text.push_str(" (and downstream)");
            }
            text
        })
        .collect();
    gates.join(", ")
}

fn regions_text(regions: &[String]) -> String {
    if regions.is_empty() {
        "catalog order".to_string()
    } else {
        regions.join(", ")
    }
}

/// The policy's values by field name, as text.
fn policy_fields(p: &Policy) -> [(&'static str, String); 6] {
    [
        ("steps", steps_text(&p.steps)),
        ("bake", format!("{}s", p.bake_secs)),
        ("gates", gates_text(&p.gates)),
        (
            "max_services_per_stage",
            p.max_services_per_stage.to_string(),
        ),
        ("regions", regions_text(&p.regions)),
        ("on_failure", p.on_failure.as_str().to_string()),
    ]
}

/// An override's values by field name, as text where it has one.
fn override_fields(o: &PolicyOverride) -> [(&'static str, Option<String>); 6] {
    [
        ("steps", o.steps.as_deref().map(steps_text)),
        ("bake", o.bake_secs.map(|b| format!("{b}s"))),
        ("gates", o.gates.as_deref().map(gates_text)),
        (
            "max_services_per_stage",
            o.max_services_per_stage.map(|m| m.to_string()),
        ),
        ("regions", o.regions.as_deref().map(regions_text)),
        ("on_failure", o.on_failure.map(|f| f.as_str().to_string())),
    ]
}

fn stage_policies(entries: &mut Entries, old: &PlanSpec, new: &PlanSpec) {
    let overrides = |spec: &PlanSpec| -> BTreeMap<usize, PolicyOverride> {
        let mut by_stage: BTreeMap<usize, PolicyOverride> = BTreeMap::new();
        for (stage, over) in &spec.stage_policies {
            let merged = by_stage
                .remove(stage)
                .map_or_else(|| over.clone(), |earlier| merge(&earlier, over));
            by_stage.insert(*stage, merged);
        }
        by_stage
    };
    let (was, now) = (overrides(old), overrides(new));
    let stages: BTreeSet<usize> = was.keys().chain(now.keys()).copied().collect();
    let none = PolicyOverride::default();
    for stage in stages {
        let subject = format!("stage {stage}");
        let (w, n) = (
            was.get(&stage).unwrap_or(&none),
            now.get(&stage).unwrap_or(&none),
        );
        for ((field, w), (_, n)) in override_fields(w).into_iter().zip(override_fields(n)) {
            if w != n {
                let label = format!("stage {stage} policy.{field}");
                entries.value(&subject, &label, w.as_deref(), n.as_deref());
            }
        }
    }
}

/// `later`'s values over `earlier`'s, as the planner applies several overrides of one stage.
fn merge(earlier: &PolicyOverride, later: &PolicyOverride) -> PolicyOverride {
    PolicyOverride {
        steps: later.steps.clone().or_else(|| earlier.steps.clone()),
        bake_secs: later.bake_secs.or(earlier.bake_secs),
        gates: later.gates.clone().or_else(|| earlier.gates.clone()),
        max_services_per_stage: later
            .max_services_per_stage
            .or(earlier.max_services_per_stage),
        regions: later.regions.clone().or_else(|| earlier.regions.clone()),
        on_failure: later.on_failure.or(earlier.on_failure),
        webhook: later.webhook.clone().or_else(|| earlier.webhook.clone()),
    }
}
