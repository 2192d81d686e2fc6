//! The readiness checklist: contract checks, rollback orders, guarded migrations, runbooks of
//! critical-tier services and one acknowledgement per owner team.

mod plan_support;

use breakwater_domain::plan::readiness::{checklist, Acknowledgement, Checklist};
use breakwater_domain::plan::{plan, Effects, Migration, Phase, PlanSpec, Topology};
use plan_support::*;

fn review(
    topology: &Topology,
    spec: &PlanSpec,
    effects: &Effects,
    acks: &[Acknowledgement],
) -> Checklist {
    let plan = plan(topology, spec, effects);
    checklist(topology, spec, effects, &plan, acks)
}

fn item<'c>(
    list: &'c Checklist,
    key: &str,
) -> &'c breakwater_domain::plan::readiness::ChecklistItem {
    list.items
        .iter()
        .find(|i| i.key == key)
        .unwrap_or_else(|| panic!("no item {key}"))
}

fn ack(key: &str, by: &str) -> Acknowledgement {
    Acknowledgement {
        key: key.into(),
        by: by.into(),
        at: "2026-11-28T10:00:00Z".into(),
        comment: String::new(),
    }
}

#[test]
fn items_come_in_a_fixed_order_with_one_ack_per_owner() {
    let topology = topology(&["a", "b"], &["a -> b"]);
    let list = review(
        &topology,
        &spec(vec![change("b"), change("a")]),
        &Effects::new(),
        &[],
    );
    let keys: Vec<&str> = list.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "contracts",
            "rollback",
            "migrations",
            "runbooks",
            "ack:team-a",
            "ack:team-b"
        ]
    );
    let acks: Vec<bool> = list.items.iter().map(|i| i.needs_ack).collect();
    assert_eq!(acks, [false, false, false, false, true, true]);
    assert!(!list.is_ready());
    assert_eq!(
        item(&list, "ack:team-a").detail,
        "waiting for team-a, who owns a"
    );
}

#[test]
fn a_plan_with_everything_in_place_is_ready() {
    let topology = topology(&["a:critical", "b"], &["a -> b"]);
    let mut spec = spec(vec![change("a"), change("b")]);
    spec.changes[0].runbook = Some("https://runbooks/a".into());
    let acks = [ack("ack:team-a", "ana"), ack("ack:team-b", "bo")];
    let list = review(&topology, &spec, &Effects::new(), &acks);
    assert!(list.is_ready(), "{list:#?}");
    assert_eq!(
        item(&list, "ack:team-b").detail,
        "acknowledged by bo at 2026-11-28T10:00:00Z"
    );
    assert_eq!(
        item(&list, "runbooks").detail,
        "every critical-tier service has a runbook: a"
    );
}

#[test]
fn a_consumer_broken_outside_the_plan_fails_the_contract_check() {
    let topology = topology(&["a", "b"], &["a -> b"]);
    let mut effects = Effects::new();
    effects.insert(
        "b".into(),
        contract_effect("b-api", &[], &[], &["a"], "breaks GET /x: removed"),
    );
    let outside = review(&topology, &spec(vec![change("b")]), &effects, &[]);
    let contracts = item(&outside, "contracts");
    assert!(!contracts.done);
    assert_eq!(
        contracts.detail,
        "b-api 2.0.0 breaks a, which is not in the plan"
    );
    let inside = review(
        &topology,
        &spec(vec![change("b"), change("a")]),
        &effects,
        &[],
    );
    assert!(
        item(&inside, "contracts").done,
        "{:?}",
        item(&inside, "contracts")
    );
}

#[test]
fn unguarded_irreversible_migrations_and_missing_runbooks_are_named() {
    let topology = topology(&["a:critical"], &[]);
    let mut spec = spec(vec![change("a")]);
    spec.changes[0].migrations.push(Migration {
        name: "drop-col".into(),
        phase: Phase::Contract,
        reversible: false,
    });
    let list = review(&topology, &spec, &Effects::new(), &[]);
    let migrations = item(&list, "migrations");
    assert!(!migrations.done);
    assert_eq!(
        migrations.detail,
        "migration drop-col of a is irreversible and no flag guards it"
    );
    let runbooks = item(&list, "runbooks");
    assert!(!runbooks.done);
    assert_eq!(runbooks.detail, "a is critical-tier and has no runbook");
    let rollback = item(&list, "rollback");
    assert!(rollback.done);
    assert!(
        rollback
            .detail
            .contains("stage 1 rolls back only partly: migration drop-col of a cannot be undone"),
        "{}",
        rollback.detail
    );
    spec.changes[0].flags.push("new-path".into());
    let guarded = review(&topology, &spec, &Effects::new(), &[]);
    assert_eq!(
        item(&guarded, "migrations").detail,
        "irreversible migrations are guarded: drop-col (a, flag new-path)"
    );
}
