//! Contract effects on the boutique demo catalog with the candidates in
//! `demo/boutique/candidates/`: the phase each new contract version gives its change, the
//! consumers it breaks, and the problems of contracts that cannot be checked.

use breakwater_domain::catalog::{self, Catalog};
use breakwater_domain::compatibility::Histories;
use breakwater_domain::plan::effects::ContractEffect;
use breakwater_domain::plan::{
    contract_effects, policy::Policy, Change, ContractChange, Migration, Phase, PlanLocation,
    PlanSpec,
};
use std::path::{Path, PathBuf};

fn boutique_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/boutique")
}

fn boutique() -> Catalog {
    let dir = boutique_dir();
    let text = std::fs::read_to_string(dir.join("catalog.yaml")).expect("read the demo catalog");
    let loaded = catalog::load(&text, &mut |path: &str| {
        std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string())
    });
    assert!(loaded.is_valid(), "{:?}", loaded.problems);
    loaded.catalog.expect("a valid load has a catalog")
}

fn candidate(file: &str) -> String {
    let path = boutique_dir().join("candidates").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn change(service: &str, contracts: Vec<ContractChange>) -> Change {
    Change {
        service: service.into(),
        to_version: "2.0.0".into(),
        contracts,
        flags: Vec::new(),
        migrations: Vec::new(),
        runbook: None,
        notes: None,
        policy: None,
    }
}

fn contract(contract: &str, version: &str, document: String) -> ContractChange {
    ContractChange {
        contract: contract.into(),
        version: version.into(),
        document,
    }
}

fn spec(changes: Vec<Change>) -> PlanSpec {
    PlanSpec {
        name: "effects".into(),
        title: None,
        changes,
        policy: Policy::default(),
        stage_policies: Vec::new(),
        pinned: None,
    }
}

fn only_effect<'e>(
    effects: &'e breakwater_domain::plan::Effects,
    service: &str,
) -> &'e ContractEffect {
    let effect = effects.get(service).expect("the change has an effect");
    assert_eq!(effect.contracts.len(), 1);
    &effect.contracts[0]
}

fn broken(effect: &ContractEffect) -> Vec<&str> {
    effect.breaks.iter().map(|b| b.consumer.as_str()).collect()
}

#[test]
fn payment_2_makes_a_field_required_and_breaks_checkout() {
    let catalog = boutique();
    let spec = spec(vec![change(
        "payment",
        vec![contract(
            "payment-api",
            "2.0.0",
            candidate("payment-api-2.0.0.yaml"),
        )],
    )]);
    let (effects, problems) = contract_effects(&catalog, &Histories::new(), &spec);
    assert!(problems.is_empty(), "{problems:?}");
    let effect = only_effect(&effects, "payment");
    assert_eq!(effects["payment"].phase, Phase::Contract);
    assert!(effects["payment"].because.contains("payment-api"));
    assert_eq!(effect.phase, Phase::Contract);
    assert_eq!(
        (effect.from_version.as_str(), effect.to_version.as_str()),
        ("1.4.0", "2.0.0")
    );
    assert_eq!(broken(effect), ["checkout"]);
    assert!(effect.added.is_empty() && effect.removed.is_empty());
    assert_eq!(
        effect.summary,
        "breaks POST /charges: property 'idempotency_key' added"
    );
    assert!(effect.breaks[0].reason.contains("idempotency_key"));
    assert!(!effect.is_mixed());
}

#[test]
fn currency_2_removes_an_operation_and_breaks_only_the_frontend() {
    let catalog = boutique();
    let spec = spec(vec![change(
        "currency",
        vec![contract(
            "currency-api",
            "2.0.0",
            candidate("currency-api-2.0.0.yaml"),
        )],
    )]);
    let (effects, problems) = contract_effects(&catalog, &Histories::new(), &spec);
    assert!(problems.is_empty(), "{problems:?}");
    let effect = only_effect(&effects, "currency");
    assert_eq!(effect.phase, Phase::Contract);
    assert_eq!(effect.removed, ["GET /currencies"]);
    assert!(effect.added.is_empty());
    assert_eq!(broken(effect), ["frontend"]);
    assert_eq!(effect.summary, "removes GET /currencies");
}

/// The current document with one more operation: expand, nobody breaks.
#[test]
fn an_added_operation_is_expand() {
    let catalog = boutique();
    let (_, current) = catalog.contract("shipping-api").expect("demo contract");
    let mut doc: serde_json::Value =
        breakwater_domain::contract::parse_document(&current.document).expect("demo spec");
    doc["paths"]["/returns"] = serde_json::json!({
        "post": { "responses": { "200": { "description": "accepted" } } }
    });
    let spec = spec(vec![change(
        "shipping",
        vec![contract("shipping-api", "1.1.0", doc.to_string())],
    )]);
    let (effects, problems) = contract_effects(&catalog, &Histories::new(), &spec);
    assert!(problems.is_empty(), "{problems:?}");
    let effect = only_effect(&effects, "shipping");
    assert_eq!(effect.phase, Phase::Expand);
    assert_eq!(effect.added, ["POST /returns"]);
    assert_eq!(effect.summary, "adds POST /returns");
    assert!(effect.breaks.is_empty());
    assert_eq!(effects["shipping"].phase, Phase::Expand);
}

/// Adding an operation while removing another: both lists, contract phase, mixed.
#[test]
fn adding_and_removing_together_is_mixed() {
    let catalog = boutique();
    let mut doc: serde_json::Value =
        breakwater_domain::contract::parse_document(&candidate("currency-api-2.0.0.yaml"))
            .expect("candidate");
    doc["paths"]["/rates"] = serde_json::json!({
        "get": { "responses": { "200": { "description": "today's rates" } } }
    });
    let spec = spec(vec![change(
        "currency",
        vec![contract("currency-api", "2.0.0", doc.to_string())],
    )]);
    let (effects, _) = contract_effects(&catalog, &Histories::new(), &spec);
    let effect = only_effect(&effects, "currency");
    assert_eq!(effect.added, ["GET /rates"]);
    assert_eq!(effect.removed, ["GET /currencies"]);
    assert!(effect.is_mixed());
    assert_eq!(effect.phase, Phase::Contract);
}

/// A contract-phase migration makes an expand contract change a contract change.
#[test]
fn a_contract_migration_decides_the_phase() {
    let catalog = boutique();
    let (_, current) = catalog.contract("email-api").expect("demo contract");
    let mut email = change(
        "email",
        vec![contract("email-api", "1.0.1", current.document.clone())],
    );
    email.migrations.push(Migration {
        name: "drop-legacy".into(),
        phase: Phase::Contract,
        reversible: false,
    });
    let (effects, problems) = contract_effects(&catalog, &Histories::new(), &spec(vec![email]));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(effects["email"].phase, Phase::Contract);
    assert_eq!(effects["email"].because, "migration drop-legacy");
    assert_eq!(effects["email"].contracts[0].phase, Phase::Expand);
}

/// Contracts that cannot be checked are problems at their field; the others are still checked.
#[test]
fn unreadable_and_unknown_contracts_are_problems_with_locations() {
    let catalog = boutique();
    let spec = spec(vec![
        change("ghost", vec![contract("ghost-api", "1.0.0", "{}".into())]),
        change(
            "payment",
            vec![
                contract("payment-api", "2.0.0", "paths: [unclosed".into()),
                contract(
                    "currency-api",
                    "2.0.0",
                    candidate("currency-api-2.0.0.yaml"),
                ),
                contract(
                    "payment-api",
                    "2.0.1",
                    "- a list\n- not a document\n".into(),
                ),
            ],
        ),
    ]);
    let (effects, problems) = contract_effects(&catalog, &Histories::new(), &spec);
    let found: Vec<(&str, String)> = problems
        .iter()
        .map(|p| (p.code.as_str(), p.location.to_string()))
        .collect();
    assert_eq!(
        found,
        [
            ("INVALID_SPEC", "changes[1].contracts[0].spec".to_string()),
            (
                "UNKNOWN_CONTRACT",
                "changes[1].contracts[1].contract".to_string()
            ),
            ("INVALID_SPEC", "changes[1].contracts[2].spec".to_string()),
        ]
    );
    assert!(problems.iter().all(|p| p.is_error()));
    assert!(matches!(problems[0].location, PlanLocation::Field { .. }));
    assert!(
        !effects.contains_key("ghost"),
        "unknown services are the planner's problem"
    );
    assert!(effects["payment"].contracts.is_empty());
}
