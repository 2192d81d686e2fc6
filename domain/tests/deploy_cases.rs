//! "Can I deploy": findings turned into a verdict per consumer.

use breakwater_domain::contract::deploy::{consumer_verdicts, CellStatus, ConsumerUsage, Verdict};
use breakwater_domain::contract::{ContractKind, Level, Mode};
use serde_json::{json, Value};

/// A two-operation API; `v` tweaks the version, the rest is changed by the tests.
fn api() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "charges", "version": "1"},
        "paths": {
            "/charges": {
                "post": {
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"201": {"description": "created"}}
                }
            },
            "/charges/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "get": {"responses": {"200": {"description": "ok"}}}
            }
        }
    })
}

/// `api()` with a new required query parameter on `GET /charges/{id}`: breaking for its users.
fn breaking_get() -> Value {
    let mut doc = api();
    doc["paths"]["/charges/{id}"]["get"]["parameters"] =
        json!([{"name": "expand", "in": "query", "required": true}]);
    doc
}

fn uses(consumer: &str, ops: &[&str]) -> ConsumerUsage {
    ConsumerUsage {
        consumer: consumer.to_string(),
        uses: ops.iter().map(|s| s.to_string()).collect(),
        hard: true,
    }
}

fn verdict(
    kind: ContractKind,
    history: &[Value],
    candidate: &Value,
    mode: Mode,
    consumers: &[ConsumerUsage],
) -> Verdict {
    let history: Vec<(String, Value)> = history
        .iter()
        .enumerate()
        .map(|(i, doc)| (format!("1.{i}.0"), doc.clone()))
        .collect();
    consumer_verdicts(
        "charges-api",
        kind,
        &history,
        ("2.0.0", candidate),
        mode,
        consumers,
    )
    .unwrap()
}

fn status_of(v: &Verdict, consumer: &str) -> CellStatus {
    v.consumers
        .iter()
        .find(|c| c.consumer == consumer)
        .map(|c| c.status)
        .unwrap()
}

#[test]
fn breaking_change_in_an_unused_operation_does_not_block() {
    let consumers = [uses("billing", &["post /charges"])];
    let v = verdict(
        ContractKind::OpenApi,
        &[api()],
        &breaking_get(),
        Mode::Backward,
        &consumers,
    );
    assert!(v.deployable);
    assert!(!v.report.compatible);
    assert_eq!(status_of(&v, "billing"), CellStatus::Compatible);
    assert_eq!(v.unused_breaking.len(), 1);
    assert_eq!(v.unused_breaking[0].code, "PARAMETER_ADDED");
    assert_eq!(v.from_version.as_deref(), Some("1.0.0"));
    assert_eq!(v.to_version, "2.0.0");
}

#[test]
fn consumer_using_the_changed_operation_is_breaking() {
    // Written with another variable name and method case: matched after normalisation.
    let consumers = [
        uses("billing", &["POST /charges"]),
        uses("ledger", &["get /charges/{chargeId}"]),
    ];
    let v = verdict(
        ContractKind::OpenApi,
        &[api()],
        &breaking_get(),
        Mode::Backward,
        &consumers,
    );
    assert!(!v.deployable);
    assert_eq!(status_of(&v, "billing"), CellStatus::Compatible);
    assert_eq!(status_of(&v, "ledger"), CellStatus::Breaking);
    assert!(v.unused_breaking.is_empty());
    let ledger = v.consumers.iter().find(|c| c.consumer == "ledger").unwrap();
    let found: Vec<_> = ledger
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.level, f.operation.as_deref()))
        .collect();
    assert_eq!(
        found,
        [(
            "PARAMETER_ADDED",
            Level::Breaking,
            Some("GET /charges/{id}")
        )]
    );
}

#[test]
fn empty_uses_means_every_operation() {
    let consumers = [uses("unknown-app", &[])];
    let v = verdict(
        ContractKind::OpenApi,
        &[api()],
        &breaking_get(),
        Mode::Backward,
        &consumers,
    );
    assert!(!v.deployable);
    assert_eq!(status_of(&v, "unknown-app"), CellStatus::Breaking);
}

#[test]
fn warnings_do_not_block() {
    let mut candidate = api();
    candidate["paths"]["/charges"]["post"]["parameters"] = json!([]);
    let consumers = [uses("billing", &["POST /charges"])];
    let v = verdict(
        ContractKind::OpenApi,
        &[api()],
        &candidate,
        Mode::Backward,
        &consumers,
    );
    assert!(v.deployable);
    assert_eq!(status_of(&v, "billing"), CellStatus::Warning);
}

#[test]
fn json_schema_findings_affect_every_consumer() {
    let old = json!({"type": "object", "properties": {"amount": {"type": "integer"}}});
    let new = json!({"type": "object", "properties": {"amount": {"type": "string"}}});
    let consumers = [uses("a", &["GET /anything"]), uses("b", &[])];
    let v = verdict(
        ContractKind::JsonSchema,
        &[old],
        &new,
        Mode::Backward,
        &consumers,
    );
    assert!(!v.deployable);
    assert_eq!(status_of(&v, "a"), CellStatus::Breaking);
    assert_eq!(status_of(&v, "b"), CellStatus::Breaking);
    assert!(v.unused_breaking.is_empty());
}

#[test]
fn transitive_modes_see_older_versions() {
    // 1.0 had DELETE; 1.1 dropped it; the candidate keeps it dropped.
    let mut v1 = api();
    v1["paths"]["/charges/{id}"]["delete"] = json!({"responses": {"204": {"description": "gone"}}});
    let v2 = api();
    let consumers = [uses("old-app", &["DELETE /charges/{id}"])];
    let latest = verdict(
        ContractKind::OpenApi,
        &[v1.clone(), v2.clone()],
        &api(),
        Mode::Backward,
        &consumers,
    );
    assert!(latest.deployable);
    assert_eq!(latest.from_version.as_deref(), Some("1.1.0"));
    let transitive = verdict(
        ContractKind::OpenApi,
        &[v1, v2],
        &api(),
        Mode::BackwardTransitive,
        &consumers,
    );
    assert!(!transitive.deployable);
    assert_eq!(status_of(&transitive, "old-app"), CellStatus::Breaking);
}

#[test]
fn first_version_is_compatible() {
    let consumers = [uses("billing", &[])];
    let v = verdict(
        ContractKind::OpenApi,
        &[],
        &breaking_get(),
        Mode::FullTransitive,
        &consumers,
    );
    assert!(v.deployable);
    assert_eq!(v.from_version, None);
    assert_eq!(status_of(&v, "billing"), CellStatus::Compatible);
    assert!(v.report.findings.is_empty());
}

#[test]
fn malformed_candidate_is_an_error() {
    let err = consumer_verdicts(
        "charges-api",
        ContractKind::OpenApi,
        &[],
        ("2.0.0", &json!({"openapi": "3.1.0", "paths": []})),
        Mode::Backward,
        &[],
    )
    .unwrap_err();
    assert_eq!(err.location, "#/paths");
}

#[test]
fn no_consumers_means_deployable_with_breaking_listed() {
    let v = verdict(
        ContractKind::OpenApi,
        &[api()],
        &breaking_get(),
        Mode::Backward,
        &[],
    );
    assert!(v.deployable);
    assert_eq!(v.unused_breaking.len(), 1);
    assert_eq!(v.unused_breaking[0].code, "PARAMETER_ADDED");
    assert_eq!(v.unused_breaking[0].level, Level::Breaking);
    assert_eq!(
        v.unused_breaking[0].operation.as_deref(),
        Some("GET /charges/{id}")
    );
}

#[test]
fn verdict_round_trips_through_json() {
    let consumers = [uses("ledger", &["GET /charges/{id}"])];
    let v = verdict(
        ContractKind::OpenApi,
        &[api()],
        &breaking_get(),
        Mode::Full,
        &consumers,
    );
    let text = serde_json::to_string(&v).unwrap();
    assert!(text.contains(r#""status":"breaking""#));
    let back: Verdict = serde_json::from_str(&text).unwrap();
    assert_eq!(back, v);
}
