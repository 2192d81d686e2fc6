#![cfg(feature = "ssr")]
//! Integration tests: the real app on port 0 with a temporary SQLite database.

mod common;

use common::{boutique_yaml, TestApp};
use serde_json::Value;
use std::path::PathBuf;

const INVALID: &str = "
services:
  - id: billing
    owner: team-payments
    tier: critical
    version: 1.0.0
    depends_on:
      - { service: ledger }
      - { service: nowhere }
  - id: ledger
    owner: ''
    tier: urgent
    version: 1.0.0
    depends_on:
      - { service: billing }
";

#[tokio::test]
async fn import_then_reimport_keeps_revisions() {
    let app = TestApp::spawn().await;
    assert!(app.service_ids().await.is_empty());

    let yaml = boutique_yaml();
    let (status, body) = app.post_catalog(&yaml).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["revision"]["id"], 1);
    assert_eq!(app.service_ids().await.len(), 11);

    // Re-importing the same catalog is a new revision with identical content.
    let (status, body) = app.post_catalog(&yaml).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["revision"]["id"], 2);
    let (_, revisions) = app.get("/api/v1/revisions").await;
    assert_eq!(
        serde_json::from_str::<Value>(&revisions)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Export round-trips.
    let (status, exported) = app.get("/api/v1/catalog/export").await;
    assert_eq!(status, 200);
    let (_, current) = app.store.current_catalog().await.unwrap().unwrap();
    let reloaded = breakwater_domain::catalog::load(&exported, &mut |_: &str| Err("inline".into()));
    assert_eq!(reloaded.catalog.unwrap(), current);
}

#[tokio::test]
async fn invalid_import_lists_every_problem_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.import(&boutique_yaml()).await;
    let before = app.store.current_catalog().await.unwrap().unwrap();

    let (status, body) = app.post_catalog(INVALID).await;
    assert_eq!(status, 422);
    assert!(body["revision"].is_null());
    let codes: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    for code in [
        "UNKNOWN_SERVICE",
        "MISSING_OWNER",
        "INVALID_TIER",
        "HARD_CYCLE",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    assert_eq!(app.store.current_catalog().await.unwrap().unwrap(), before);
}

#[tokio::test]
async fn yaml_syntax_errors_have_a_line_and_column() {
    let app = TestApp::spawn().await;
    let (status, body) = app.post_catalog("services:\n  - id: a\n   owner: [").await;
    assert_eq!(status, 422);
    let problem = &body["problems"][0];
    assert_eq!(problem["code"], "YAML_SYNTAX");
    assert_eq!(problem["location"]["at"], "text");
    assert!(problem["location"]["line"].as_u64().unwrap() >= 2);
}

#[tokio::test]
async fn a_changed_contract_under_the_same_version_is_refused_atomically() {
    let app = TestApp::spawn().await;
    let yaml = boutique_yaml();
    app.import(&yaml).await;
    let before = app.store.current_catalog().await.unwrap().unwrap();

    // Same contract version, different document: the whole import must roll back.
    let mut file: breakwater_domain::catalog::CatalogFile = serde_yaml_ng::from_str(&yaml).unwrap();
    let payment = file
        .services
        .iter_mut()
        .find(|s| s.id == "payment")
        .unwrap();
    let document = payment.provides[0].document.as_mut().unwrap();
    document.push_str("# edited without a version bump\n");
    let changed = serde_yaml_ng::to_string(&file).unwrap();
    let (status, body) = app.post_catalog(&changed).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["code"] == "CONTRACT_VERSION_CHANGED"));
    assert_eq!(app.store.current_catalog().await.unwrap().unwrap(), before);
    assert_eq!(app.store.revisions(10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn service_detail_reports_blast_radius() {
    let app = TestApp::spawn().await;
    app.import(&boutique_yaml()).await;
    let (status, body) = app.get("/api/v1/services/productcatalog").await;
    assert_eq!(status, 200);
    let detail: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        detail["downstream"],
        serde_json::json!(["checkout", "frontend", "recommendation"])
    );
    let (status, body) = app.get("/api/v1/services/nope").await;
    assert_eq!(status, 404);
    assert!(body.contains("not found"));
}

#[tokio::test]
async fn home_page_is_server_rendered() {
    let app = TestApp::spawn().await;
    app.import(&boutique_yaml()).await;
    let (status, html) = app.get("/").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("class=\"node tier-").count(), 11, "{html}");
}

#[tokio::test]
async fn server_function_rejects_bad_uploads_with_clear_errors() {
    let app = TestApp::spawn().await;
    let post = |body: &'static str| {
        app.client
            .post(format!("{}/api/catalog/import", app.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // A bad upload is answered with the problem, like a bad catalog.
    let response = post(r#"{"files": []}"#).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let outcome: Value = response.json().await.unwrap();
    assert!(outcome["revision"].is_null());
    assert_eq!(outcome["problems"][0]["code"], "UPLOAD_INVALID");
    assert!(outcome["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("choose a catalog file"));

    for garbage in [r#"{"files": 7}"#, "not json", r#"{"files": [{"path": 1}]}"#] {
        let response = post(garbage).await.unwrap();
        assert!(
            response.status().is_client_error(),
            "{garbage}: {}",
            response.status()
        );
        let text = response.text().await.unwrap();
        assert!(!text.contains("panicked"), "{text}");
    }
    assert!(app.store.latest_revision().await.unwrap().is_none());
}

/// The boutique with payment moved to the demo's breaking candidate, payment-api 2.0.0.
fn boutique_with_payment_v2() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("demo/boutique");
    let mut catalog: breakwater_domain::catalog::CatalogFile =
        serde_yaml_ng::from_str(&boutique_yaml()).unwrap();
    let payment = catalog
        .services
        .iter_mut()
        .find(|s| s.id == "payment")
        .unwrap();
    payment.version = "2.0.0".into();
    payment.provides[0].version = "2.0.0".into();
    payment.provides[0].document =
        Some(std::fs::read_to_string(dir.join("candidates/payment-api-2.0.0.yaml")).unwrap());
    serde_yaml_ng::to_string(&catalog).unwrap()
}

#[tokio::test]
async fn the_matrix_and_edges_show_a_breaking_provider_change() {
    let app = TestApp::spawn().await;
    app.import(&boutique_yaml()).await;
    let (status, body) = app.post_catalog(&boutique_with_payment_v2()).await;
    assert_eq!(status, 201, "{body}");

    let (status, body) = app.get("/api/v1/contracts/matrix").await;
    assert_eq!(status, 200);
    let matrix: Value = serde_json::from_str(&body).unwrap();
    let cell = matrix["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["contract"] == "payment-api" && c["consumer"] == "checkout")
        .unwrap();
    assert_eq!(cell["status"], "breaking");
    assert_eq!(cell["from_version"], "1.4.0");
    assert_eq!(cell["to_version"], "2.0.0");
    assert!(cell["findings"].to_string().contains("idempotency_key"));

    // The graph edge checkout -> payment carries the same status.
    let (_, body) = app.get("/api/v1/catalog").await;
    let view: Value = serde_json::from_str(&body).unwrap();
    let position = |id: &str| {
        view["services"]
            .as_array()
            .unwrap()
            .iter()
            .position(|s| s["id"] == id)
            .unwrap()
    };
    let (checkout, payment) = (position("checkout"), position("payment"));
    let edge = view["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["consumer"] == checkout && e["provider"] == payment)
        .unwrap();
    assert_eq!(edge["status"], "breaking");

    // The diff of the two versions, located in the new document.
    let (status, body) = app.get("/api/v1/contracts/payment-api/diff").await;
    assert_eq!(status, 200, "{body}");
    let diff: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(diff["from"], "1.4.0");
    assert_eq!(diff["compatible"], false);
    let lines = diff["lines"].as_array().unwrap();
    let first = diff["findings"][0]["line"].as_u64().unwrap() as usize;
    assert!(first < lines.len());
    let (status, _) = app
        .get("/api/v1/contracts/payment-api/diff?from=0.1.0")
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/api/v1/contracts/nope/diff").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn can_i_deploy_answers_ci_pipelines() {
    let app = TestApp::spawn().await;
    let can_i_deploy = |body: Value| {
        app.client
            .post(format!("{}/api/v1/can-i-deploy", app.base))
            .json(&body)
            .send()
    };
    // No catalog yet.
    let response = can_i_deploy(serde_json::json!({"service": "payment", "version": "2.0.0"}))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);

    app.import(&boutique_yaml()).await;
    let candidate = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("demo/boutique/candidates/currency-api-2.0.0.yaml"),
    )
    .unwrap();
    let response = can_i_deploy(serde_json::json!({
        "service": "currency", "version": "2.0.0", "document": candidate
    }))
    .await
    .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let verdict: Value = response.json().await.unwrap();
    assert_eq!(verdict["deployable"], false);
    let consumers = verdict["verdicts"][0]["consumers"].as_array().unwrap();
    let status =
        |id: &str| consumers.iter().find(|c| c["consumer"] == id).unwrap()["status"].clone();
    assert_eq!(status("frontend"), "breaking");
    assert_eq!(status("checkout"), "compatible");

    for (body, expected) in [
        (
            serde_json::json!({"service": "Bad Id", "version": "1"}),
            "not a service id",
        ),
        (
            serde_json::json!({"service": "payment", "version": ""}),
            "version",
        ),
        (
            serde_json::json!({"service": "nope", "version": "1", "document": "{}"}),
            "unknown service",
        ),
        (
            serde_json::json!({"service": "payment", "version": "3.0.0"}),
            "nothing to check",
        ),
        (
            serde_json::json!({"service": "payment", "version": "2", "mode": "sideways"}),
            "invalid request body",
        ),
        (
            serde_json::json!({"service": "payment", "version": "2", "document": "openapi: ["}),
            "line",
        ),
    ] {
        let response = can_i_deploy(body.clone()).await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{body}");
        let text = response.text().await.unwrap();
        assert!(text.contains(expected), "{body}: {text}");
    }
}
