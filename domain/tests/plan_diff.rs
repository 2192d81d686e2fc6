//! Plan diffs between revisions: changes added, removed and edited field by field, services
//! that moved stage, the stage count, and plan-wide policy values, in a fixed order.

mod plan_support;

use breakwater_domain::plan::diff::diff;
use breakwater_domain::plan::policy::PolicyOverride;
use breakwater_domain::plan::{plan, ContractChange, Effects, Migration, Phase, PlanSpec};
use plan_support::*;

fn lines(old: &PlanSpec, new: &PlanSpec) -> Vec<(String, String, String)> {
    let topology = topology(&["a", "b", "c", "d"], &["a -> b", "b -> c"]);
    let (old_plan, new_plan) = (
        plan(&topology, old, &Effects::new()),
        plan(&topology, new, &Effects::new()),
    );
    diff((old, &old_plan), (new, &new_plan))
        .entries
        .into_iter()
        .map(|e| (e.kind, e.subject, e.text))
        .collect()
}

fn entry(kind: &str, subject: &str, text: &str) -> (String, String, String) {
    (kind.into(), subject.into(), text.into())
}

#[test]
fn an_unchanged_plan_has_no_entries() {
    let spec = spec(vec![change("a"), change("b")]);
    assert!(lines(&spec, &spec).is_empty());
}

#[test]
fn changes_fields_moves_and_policy_are_listed_in_order() {
    let old = spec(vec![change("a"), change("b"), change("c")]);
    let mut new = old.clone();
    new.title = Some("Faster".into());
    new.changes.remove(0); // a
    new.changes.push(change("d"));
    let b = &mut new.changes[0];
    b.to_version = "2.1.0".into();
    b.flags.push("new-path".into());
    b.migrations.push(Migration {
        name: "drop-col".into(),
        phase: Phase::Contract,
        reversible: false,
    });
    b.contracts.push(ContractChange {
        contract: "b-api".into(),
        version: "2.0.0".into(),
        document: "{}".into(),
    });
    b.runbook = Some("https://runbooks/b".into());
    b.notes = Some("why".into());
    b.policy = Some(PolicyOverride {
        bake_secs: Some(1200),
        ..PolicyOverride::default()
    });
    new.policy.bake_secs = 300;
    new.policy.steps = vec![10, 100];
    new.stage_policies.push((
        2,
        PolicyOverride {
            on_failure: Some(breakwater_domain::plan::FailureAction::RollbackPlan),
            ..PolicyOverride::default()
        },
    ));
    new.pinned = Some(vec![vec!["b".into(), "d".into()], vec!["c".into()]]);
    assert_eq!(
        lines(&old, &new),
        [
            entry("added", "title", "title set to Faster"),
            entry("removed", "change a", "a: change to 2.0.0 removed"),
            entry("changed", "change b", "b: to_version 2.0.0 → 2.1.0"),
            entry("added", "change b", "b: contract b-api 2.0.0 added"),
            entry("added", "change b", "b: flag new-path added"),
            entry(
                "added",
                "change b",
                "b: migration drop-col (contract, irreversible) added"
            ),
            entry("added", "change b", "b: runbook set to https://runbooks/b"),
            entry("changed", "change b", "b: notes edited"),
            entry("added", "change b", "b: policy.bake set to 1200s"),
            entry("added", "change d", "d: change to 2.0.0 added"),
            entry("moved", "change b", "b moved from stage 2 to stage 1"),
            entry("moved", "change c", "c moved from stage 1 to stage 2"),
            entry("changed", "stages", "3 stages → 2 stages"),
            entry(
                "changed",
                "policy.steps",
                "policy.steps 1%, 5%, 25%, 50%, 100% → 10%, 100%"
            ),
            entry("changed", "policy.bake", "policy.bake 600s → 300s"),
            entry(
                "added",
                "stage 2",
                "stage 2 policy.on_failure set to rollback_plan"
            ),
            entry("added", "stages", "stages pinned by hand"),
        ]
    );
}

#[test]
fn edits_of_named_parts_say_what_changed() {
    let mut old = spec(vec![change("a")]);
    old.changes[0].contracts.push(ContractChange {
        contract: "a-api".into(),
        version: "2.0.0".into(),
        document: "{}".into(),
    });
    old.changes[0].migrations.push(Migration {
        name: "m".into(),
        phase: Phase::Expand,
        reversible: true,
    });
    let mut new = old.clone();
    new.changes[0].contracts[0].document = "{\"openapi\": \"3.0.3\"}".into();
    new.changes[0].migrations[0].reversible = false;
    let texts: Vec<String> = lines(&old, &new).into_iter().map(|(_, _, t)| t).collect();
    assert_eq!(
        texts,
        [
            "a: contract a-api: 2.0.0 document edited",
            "a: migration m: (expand, reversible) → (expand, irreversible)",
        ]
    );
}
