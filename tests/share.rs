//! Share links and the stakeholder status pages they open, and readiness review sessions:
//! who may create what, what a page shows (and never shows), and that expired, revoked,
//! tampered and truncated links are refused.

mod common;

use breakwater::server::clock::Clock;
use breakwater::server::Settings;
use breakwater_domain::access::Role;
use common::{boutique_plan_yaml, boutique_yaml, plain_client, TestApp};
use serde_json::{json, Value};

const HOUR: i64 = 3600 * 1000;
const START: i64 = 1_795_000_000_000;

async fn app_with_plan() -> (TestApp, Clock) {
    let clock = Clock::manual(START);
    let settings = Settings {
        clock: clock.clone(),
        ..Settings::default()
    };
    let (app, _) = TestApp::spawn_with(settings).await;
    app.import(&boutique_yaml()).await;
    let (status, saved) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/plans",
            Some(boutique_plan_yaml()),
            None,
        )
        .await;
    assert_eq!(status, 201, "{saved}");
    (app, clock)
}

async fn create_link(app: &TestApp, hours: u32) -> (i64, String) {
    let (status, created) = app
        .post_json(
            "/api/v1/share-links",
            json!({ "kind": "plan", "subject": "checkout-v2", "expires_in_hours": hours }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let path = created["path"].as_str().unwrap().to_string();
    (created["link"]["id"].as_i64().unwrap(), path)
}

async fn open(app: &TestApp, path: &str) -> (u16, String) {
    let response = plain_client()
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_status_page_shows_the_rollout_and_nothing_internal() {
    let (app, _) = app_with_plan().await;
    let (_, path) = create_link(&app, 24).await;
    assert!(path.starts_with("/status/st_"), "{path}");
    let (status, html) = open(&app, &path).await;
    assert_eq!(status, 200, "{html}");
    for shown in [
        "Rollout status: checkout-v2",
        "Stage 1",
        "status-light",
        "% of the steps done",
    ] {
        assert!(html.contains(shown), "missing {shown}");
    }
    // No way into the app, no controls, no secrets, no metrics.
    for hidden in [
        "href=\"/plans",
        "href=\"/runs",
        "href=\"/calendar",
        "class=\"topbar\"",
        "<button",
        "<form",
        "Bearer",
        "bw_",
        "webhook",
        "error_rate",
        "x-breakwater",
    ] {
        assert!(!html.contains(hidden), "the status page shows {hidden}");
    }
    let badge = plain_client()
        .get(format!("{}{path}/badge.svg", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(badge.status().as_u16(), 200);
    assert_eq!(badge.headers()["content-type"], "image/svg+xml");
    assert!(badge.text().await.unwrap().contains("rollout"));
}

#[tokio::test]
async fn expired_revoked_tampered_and_truncated_links_are_refused() {
    let (app, clock) = app_with_plan().await;
    let (id, path) = create_link(&app, 1).await;
    let (kept_id, kept) = create_link(&app, 48).await;
    let last = path.chars().last().unwrap();
    let tampered = format!(
        "{}{}",
        &path[..path.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    for (wrong, why) in [
        (tampered.as_str(), "tampered"),
        (&path[..path.len() - 1], "truncated"),
        ("/status/st_", "empty"),
        (
            "/status/bw_0000000000000000000000000000000000000000000",
            "another prefix",
        ),
    ] {
        let (status, _) = open(&app, wrong).await;
        assert_eq!(status, 404, "{why}");
    }
    clock.set(START + 2 * HOUR);
    let (status, html) = open(&app, &path).await;
    assert_eq!(status, 410, "expired");
    assert!(html.contains("expired"), "{html}");
    let (status, revoked) = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/share-links/{kept_id}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["revoked_by"], "test-admin");
    let (status, html) = open(&app, &kept).await;
    assert_eq!(status, 410, "revoked");
    assert!(html.contains("revoked"), "{html}");
    let badge = plain_client()
        .get(format!("{}{kept}/badge.svg", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(badge.status().as_u16(), 410);
    // Revoking twice is refused; the first revocation stands.
    let (status, _) = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/share-links/{kept_id}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 400);
    let (_, links) = app
        .get_json("/api/v1/share-links?kind=plan&subject=checkout-v2")
        .await;
    let links = links.as_array().unwrap();
    assert_eq!(links.len(), 2);
    let expired = links.iter().find(|l| l["id"] == id).unwrap();
    assert_eq!(expired["revoked_at"], Value::Null);
}

#[tokio::test]
async fn the_link_list_says_who_created_each_and_when_it_was_last_opened() {
    let (app, clock) = app_with_plan().await;
    let (id, path) = create_link(&app, 24).await;
    clock.set(START + HOUR);
    assert_eq!(open(&app, &path).await.0, 200);
    let (_, links) = app
        .get_json("/api/v1/share-links?kind=plan&subject=checkout-v2")
        .await;
    let link = &links[0];
    assert_eq!(link["id"], id);
    assert_eq!(link["created_by"], "test-admin");
    assert_eq!(link["last_opened_at"], START + HOUR);
    assert_eq!(link["opened"], 1);
}

#[tokio::test]
async fn only_release_managers_share_and_bad_requests_change_nothing() {
    let (app, _) = app_with_plan().await;
    let body = json!({ "kind": "plan", "subject": "checkout-v2", "expires_in_hours": 24 });
    for role in [Role::Viewer, Role::ServiceOwner] {
        let client = app.client_as(role.as_str(), role, &["payments"]).await;
        let response = client
            .post(format!("{}/api/v1/share-links", app.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403, "{role}");
    }
    let anonymous = plain_client()
        .post(format!("{}/api/v1/share-links", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    for (bad, status) in [
        (
            json!({ "kind": "plan", "subject": "checkout-v2", "expires_in_hours": 0 }),
            400,
        ),
        (
            json!({ "kind": "plan", "subject": "checkout-v2", "expires_in_hours": 100000 }),
            400,
        ),
        (
            json!({ "kind": "plan", "subject": "no-such-plan", "expires_in_hours": 1 }),
            404,
        ),
        (
            json!({ "kind": "run", "subject": "abc", "expires_in_hours": 1 }),
            400,
        ),
        (
            json!({ "kind": "run", "subject": "7", "expires_in_hours": 1 }),
            404,
        ),
        (
            json!({ "kind": "service", "subject": "x", "expires_in_hours": 1 }),
            400,
        ),
    ] {
        let (got, answer) = app.post_json("/api/v1/share-links", bad.clone()).await;
        assert_eq!(got, status, "{bad} -> {answer}");
    }
    let (_, links) = app
        .get_json("/api/v1/share-links?kind=plan&subject=checkout-v2")
        .await;
    assert_eq!(links, json!([]));
}

#[tokio::test]
async fn a_review_records_who_attended_and_the_decision_with_its_reason() {
    let (app, _) = app_with_plan().await;
    let reviews = "/api/v1/plans/checkout-v2/reviews";
    let (status, opened) = app.post_json(reviews, json!(null)).await;
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened[0]["attendees"][0]["name"], "test-admin");
    let (status, _) = app.post_json(reviews, json!(null)).await;
    assert_eq!(status, 409, "one open review per plan");
    let owner = app
        .token_for("pat-payments", Role::ServiceOwner, &["payments"])
        .await;
    let viewer = app.token_for("vic-viewer", Role::Viewer, &[]).await;
    let attendance = format!("{reviews}/attendance");
    let (status, attended) = app
        .send(reqwest::Method::POST, &attendance, None, Some(&owner))
        .await;
    assert_eq!(status, 200, "{attended}");
    let attendees: Vec<(&str, &str)> = attended[0]["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["role"].as_str().unwrap()))
        .collect();
    // Joined at the same (manual) instant: listed by name.
    assert_eq!(
        attendees,
        [("pat-payments", "service_owner"), ("test-admin", "admin")]
    );
    let (status, _) = app
        .send(reqwest::Method::POST, &attendance, None, Some(&viewer))
        .await;
    assert_eq!(status, 403, "a viewer changes nothing");
    let decision = format!("{reviews}/decision");
    let (status, _) = app
        .send(
            reqwest::Method::POST,
            &decision,
            Some(json!({ "go": true, "reason": "ok" }).to_string()),
            Some(&owner),
        )
        .await;
    assert_eq!(status, 403, "a service owner does not decide");
    let (status, _) = app
        .post_json(&decision, json!({ "go": true, "reason": "   " }))
        .await;
    assert_eq!(status, 400, "a decision needs its reason");
    let (status, decided) = app
        .post_json(
            &decision,
            json!({ "go": false, "reason": "payments runbook missing" }),
        )
        .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(decided[0]["decision"]["go"], false);
    assert_eq!(decided[0]["decision"]["reason"], "payments runbook missing");
    assert_eq!(decided[0]["decision"]["by"], "test-admin");
    let (status, _) = app
        .post_json(&decision, json!({ "go": true, "reason": "x" }))
        .await;
    assert_eq!(status, 400, "no open review to decide");
    let (_, audit) = app.get_json("/api/v1/audit?kind=review.").await;
    let kinds: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == 200)
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["review.open", "review.attend", "review.decide"]);
    let last = audit
        .as_array()
        .unwrap()
        .iter()
        .rfind(|e| e["outcome"] == 200)
        .unwrap();
    assert_eq!(last["subject"], "plan checkout-v2");
    assert!(last["after"]
        .as_str()
        .unwrap()
        .contains("no-go: payments runbook missing"));
}
