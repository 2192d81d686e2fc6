//! The catalog-level matrix and can-i-deploy: who is affected by which change.

use breakwater_domain::catalog::{self, Catalog};
use breakwater_domain::compatibility::{self, Candidate, DeployCheckError, Histories};
use breakwater_domain::contract::deploy::CellStatus;
use breakwater_domain::contract::{Finding, Level, Mode};

const V1: &str = r#"
openapi: 3.0.3
info: { title: payment, version: 1.0.0 }
paths:
  /charges:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: object, properties: { amount: { type: integer } }, required: [amount] }
      responses:
        "201": { description: created }
  /refunds:
    post:
      responses:
        "201": { description: created }
"#;

/// v2 makes a new request property required on /refunds only.
fn v2() -> String {
    V1.replace(
        "  /refunds:\n    post:\n",
        "  /refunds:\n    post:\n      parameters:\n        - { name: reason, in: query, required: true, schema: { type: string } }\n",
    )
    .replace("version: 1.0.0", "version: 2.0.0")
}

fn catalog(current: &str, checkout_pin: Option<&str>) -> Catalog {
    let pin = checkout_pin
        .map(|v| format!(", contract_version: \"{v}\""))
        .unwrap_or_default();
    let yaml = format!(
        r#"
services:
  - id: payment
    owner: team-payments
    tier: critical
    version: {current}
    provides:
      - {{ contract: payment-api, kind: openapi, version: {current}, spec: payment.yaml }}
  - id: checkout
    owner: team-orders
    tier: critical
    version: 1.0.0
    depends_on:
      - {{ service: payment, contract: payment-api, uses: ["POST /charges"]{pin} }}
  - id: support
    owner: team-care
    tier: standard
    version: 1.0.0
    depends_on:
      - {{ service: payment, contract: payment-api, uses: ["POST /refunds"] }}
  - id: reports
    owner: team-finance
    tier: low
    version: 1.0.0
    depends_on:
      - {{ service: payment, kind: soft }}
"#
    );
    let doc = if current == "1.0.0" {
        V1.to_string()
    } else {
        v2()
    };
    let loaded = catalog::load(&yaml, &mut |_: &str| Ok(doc.clone()));
    assert!(loaded.is_valid(), "{:?}", loaded.problems);
    loaded.catalog.unwrap()
}

fn histories(versions: &[(&str, String)]) -> Histories {
    Histories::from([(
        "payment-api".to_string(),
        versions
            .iter()
            .map(|(v, d)| (v.to_string(), d.clone()))
            .collect(),
    )])
}

/// (code, level, operation) of each finding, in order.
fn summary(findings: &[Finding]) -> Vec<(&str, Level, Option<&str>)> {
    findings
        .iter()
        .map(|f| (f.code.as_str(), f.level, f.operation.as_deref()))
        .collect()
}

fn status_of(m: &compatibility::Matrix, consumer: &str) -> CellStatus {
    m.cells
        .iter()
        .find(|c| c.consumer == consumer)
        .unwrap()
        .status
}

#[test]
fn matrix_blames_only_the_consumers_that_use_the_changed_operation() {
    let h = histories(&[("1.0.0", V1.to_string()), ("2.0.0", v2())]);
    let m = compatibility::matrix(&catalog("2.0.0", None), &h);
    assert_eq!(m.cells.len(), 3);
    assert_eq!(status_of(&m, "checkout"), CellStatus::Compatible);
    assert_eq!(status_of(&m, "support"), CellStatus::Breaking);
    // No `uses`: every operation counts.
    assert_eq!(status_of(&m, "reports"), CellStatus::Breaking);
    assert_eq!(
        m.edge_status("support", "payment"),
        Some(CellStatus::Breaking)
    );
    assert_eq!(m.edge_status("payment", "support"), None);
    let cell = m.cells.iter().find(|c| c.consumer == "support").unwrap();
    assert_eq!(cell.from_version.as_deref(), Some("1.0.0"));
    assert_eq!(
        summary(&cell.findings),
        [("PARAMETER_ADDED", Level::Breaking, Some("POST /refunds"))]
    );
}

#[test]
fn a_first_version_and_a_pinned_current_version_are_compatible() {
    let m = compatibility::matrix(&catalog("1.0.0", None), &histories(&[("1.0.0", V1.into())]));
    assert_eq!(m.cells.len(), 3);
    assert!(m.cells.iter().all(|c| c.status == CellStatus::Compatible));
    assert!(m.cells.iter().all(|c| c.findings.is_empty()));
    let h = histories(&[("1.0.0", V1.to_string()), ("2.0.0", v2())]);
    let m = compatibility::matrix(&catalog("2.0.0", Some("2.0.0")), &h);
    assert_eq!(status_of(&m, "checkout"), CellStatus::Compatible);
}

#[test]
fn a_pinned_version_that_was_never_stored_is_unknown() {
    let h = histories(&[("1.0.0", V1.to_string()), ("2.0.0", v2())]);
    let m = compatibility::matrix(&catalog("2.0.0", Some("0.9.0")), &h);
    let cell = m.cells.iter().find(|c| c.consumer == "checkout").unwrap();
    assert_eq!(cell.status, CellStatus::Unknown);
    assert!(cell.note.as_deref().unwrap().contains("0.9.0"));
}

#[test]
fn can_i_deploy_blocks_on_a_used_breaking_change() {
    let c = catalog("1.0.0", None);
    let h = histories(&[("1.0.0", V1.to_string())]);
    let candidate = Candidate {
        contract: "payment-api".into(),
        version: "2.0.0".into(),
        document: v2(),
    };
    let verdict = compatibility::can_i_deploy(
        &c,
        &h,
        "payment",
        "2.0.0",
        std::slice::from_ref(&candidate),
        None,
    )
    .unwrap();
    assert!(!verdict.deployable);
    let blocked: Vec<_> = verdict.verdicts[0]
        .consumers
        .iter()
        .filter(|v| v.status == CellStatus::Breaking)
        .map(|v| v.consumer.as_str())
        .collect();
    assert_eq!(blocked, ["support", "reports"]);

    // With mode none nothing is checked.
    let verdict =
        compatibility::can_i_deploy(&c, &h, "payment", "2.0.0", &[candidate], Some(Mode::None))
            .unwrap();
    assert!(verdict.deployable);
    assert!(verdict.verdicts[0].report.findings.is_empty());
}

#[test]
fn can_i_deploy_passes_when_only_unused_operations_break() {
    // Only checkout remains as a consumer: the /refunds change is reported but does not block.
    let mut c = catalog("1.0.0", None);
    c.services
        .retain(|s| s.id == "payment" || s.id == "checkout");
    let h = histories(&[("1.0.0", V1.to_string())]);
    let candidate = Candidate {
        contract: "payment-api".into(),
        version: "2.0.0".into(),
        document: v2(),
    };
    let verdict =
        compatibility::can_i_deploy(&c, &h, "payment", "2.0.0", &[candidate], None).unwrap();
    assert!(verdict.deployable);
    assert_eq!(
        summary(&verdict.verdicts[0].unused_breaking),
        [("PARAMETER_ADDED", Level::Breaking, Some("POST /refunds"))]
    );
}

#[test]
fn can_i_deploy_reports_bad_input_clearly() {
    let c = catalog("1.0.0", None);
    let h = histories(&[("1.0.0", V1.to_string())]);
    let bad = |contract: &str, document: &str| Candidate {
        contract: contract.into(),
        version: "2.0.0".into(),
        document: document.into(),
    };
    assert!(matches!(
        compatibility::can_i_deploy(&c, &h, "nope", "1", &[bad("payment-api", V1)], None),
        Err(DeployCheckError::UnknownService(_))
    ));
    assert!(matches!(
        compatibility::can_i_deploy(&c, &h, "payment", "2.0.0", &[], None),
        Err(DeployCheckError::NoCandidate(_))
    ));
    assert!(matches!(
        compatibility::can_i_deploy(&c, &h, "payment", "2.0.0", &[bad("other-api", V1)], None),
        Err(DeployCheckError::UnknownContract { .. })
    ));
    let err = compatibility::can_i_deploy(
        &c,
        &h,
        "payment",
        "2.0.0",
        &[bad("payment-api", "openapi: [")],
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("line"), "{err}");
}

#[test]
fn stored_candidates_come_from_history() {
    let c = catalog("1.0.0", None);
    let h = histories(&[("1.0.0", V1.to_string()), ("2.0.0", v2())]);
    let found = compatibility::stored_candidates(&c, &h, "payment", "2.0.0").unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].document, v2());
    assert!(compatibility::stored_candidates(&c, &h, "payment", "3.0.0")
        .unwrap()
        .is_empty());
}
