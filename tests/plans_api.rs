#![cfg(feature = "ssr")]
//! The plans JSON API against the real app: saving revisions, refusals, conflicts, the review
//! state, acknowledgements, computed stages, export and staleness.

mod common;

use breakwater_domain::access::Role;
use common::{boutique_plan_yaml, boutique_yaml, TestApp, ADMIN};
use reqwest::Method;
use serde_json::{json, Value};

/// payment 2.0.0 and checkout, which calls payment: payment's stage comes first.
const PLAN: &str = "
plan: checkout-v2
title: Checkout v2
changes:
  - { service: payment, to_version: 2.0.0 }
  - { service: checkout, to_version: 1.5.0, flags: [new-checkout], migrations: [{ name: add-col, phase: expand, reversible: true }] }
";

/// [`PLAN`] with payment going to `version`.
fn plan_with_payment(version: &str) -> String {
    PLAN.replace("to_version: 2.0.0", &format!("to_version: {version}"))
}

async fn boutique() -> TestApp {
    let app = TestApp::spawn().await;
    app.import(&boutique_yaml()).await;
    app
}

async fn post_plan(app: &TestApp, yaml: &str) -> (u16, Value) {
    app.send(Method::POST, "/api/v1/plans", Some(yaml.into()), None)
        .await
}

async fn put_plan(app: &TestApp, name: &str, query: &str, yaml: &str) -> (u16, Value) {
    let path = format!("/api/v1/plans/{name}{query}");
    app.send(Method::PUT, &path, Some(yaml.into()), None).await
}

/// Moves checkout-v2 to `state`, as the admin or with `token`.
async fn set_state(app: &TestApp, state: &str, revision: i64, token: Option<&str>) -> (u16, Value) {
    let body = json!({ "state": state, "revision": revision }).to_string();
    let path = "/api/v1/plans/checkout-v2/state";
    app.send(Method::POST, path, Some(body), token).await
}

fn codes(problems: &Value) -> Vec<&str> {
    problems
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect()
}

async fn plan_names(app: &TestApp) -> Vec<String> {
    let (status, list) = app.get_json("/api/v1/plans").await;
    assert_eq!(status, 200, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn create_then_edit_saves_revisions_with_diffs() {
    let app = boutique().await;
    let (status, created) = post_plan(&app, PLAN).await;
    assert_eq!(status, 201, "{created}");
    let saved = &created["saved"];
    assert_eq!(saved["revision"], 1);
    assert_eq!(saved["state"], "draft");
    assert_eq!(saved["author"], ADMIN);
    assert_eq!(saved["service_count"], 2);

    // A second POST of the same name is a conflict: PUT saves revisions.
    let (status, body) = post_plan(&app, PLAN).await;
    assert_eq!(status, 409, "{body}");

    // The author is whoever the credentials name: here another release manager's token.
    let bo = app.token_for("bo", Role::ReleaseManager, &[]).await;
    let edit = Some(plan_with_payment("2.1.0"));
    let (status, edited) = app
        .send(Method::PUT, "/api/v1/plans/checkout-v2", edit, Some(&bo))
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["saved"]["revision"], 2);
    assert_eq!(edited["saved"]["author"], "bo");

    let (status, revisions) = app.get_json("/api/v1/plans/checkout-v2/revisions").await;
    assert_eq!(status, 200);
    let numbers: Vec<i64> = revisions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 1]);
    let latest_diff = revisions[0]["diff"]["entries"].to_string();
    assert!(latest_diff.contains("2.1.0"), "{latest_diff}");
    assert_eq!(revisions[1]["diff"]["entries"], json!([]));

    let (status, diff) = app
        .get_json("/api/v1/plans/checkout-v2/diff?from=1&to=2")
        .await;
    assert_eq!(status, 200);
    assert_eq!(diff, revisions[0]["diff"]);

    let (status, first) = app.get_json("/api/v1/plans/checkout-v2/revisions/1").await;
    assert_eq!(status, 200);
    assert_eq!(first["revision"], 1);
    assert_eq!(first["spec"]["changes"][0]["to_version"], "2.0.0");
    let (_, latest) = app.get_json("/api/v1/plans/checkout-v2").await;
    assert_eq!(latest["revision"], 2);
    assert_eq!(latest["summary"]["revision"], 2);
    assert_eq!(latest["revisions"].as_array().unwrap().len(), 2);
    assert_eq!(latest["stale"], Value::Null);
    // payment before checkout, which calls it.
    assert_eq!(latest["plan"]["stages"][0]["services"], json!(["payment"]));
    assert_eq!(latest["plan"]["stages"][1]["services"], json!(["checkout"]));
}

#[tokio::test]
async fn an_invalid_plan_is_refused_whole_with_every_problem() {
    let app = boutique().await;
    let (status, _) = post_plan(&app, PLAN).await;
    assert_eq!(status, 201);
    let invalid = "
plan: broken
policy:
  steps: [5, 1, 0, 120]
  bake: -5
changes:
  - { service: nowhere, to_version: 1.0.0 }
  - { service: payment, to_version: 2.0.0 }
  - { service: payment, to_version: 2.1.0 }
";
    let (status, body) = post_plan(&app, invalid).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["saved"], Value::Null);
    let found = codes(&body["problems"]);
    for code in [
        "UNKNOWN_SERVICE",
        "DUPLICATE_CHANGE",
        "INVALID_STEPS",
        "INVALID_BAKE",
    ] {
        assert!(found.contains(&code), "{code} missing from {found:?}");
    }
    for problem in body["problems"].as_array().unwrap() {
        assert!(problem["location"]["at"].is_string(), "{problem}");
    }
    assert_eq!(plan_names(&app).await, ["checkout-v2"]);

    // A refused edit leaves the plan at its revision.
    let (status, body) =
        put_plan(&app, "checkout-v2", "", &PLAN.replace("payment", "nowhere")).await;
    assert_eq!(status, 422, "{body}");
    let (_, summary) = app.get_json("/api/v1/plans/checkout-v2").await;
    assert_eq!(summary["revision"], 1);

    let (status, body) = post_plan(&app, "plan: x\nchanges: [\n").await;
    assert_eq!(status, 422);
    assert_eq!(body["problems"][0]["code"], "YAML_SYNTAX");
    assert_eq!(body["problems"][0]["location"]["at"], "text");
}

#[tokio::test]
async fn the_url_and_the_file_must_name_the_same_plan() {
    let app = boutique().await;
    let (status, body) = put_plan(&app, "other-plan", "", PLAN).await;
    assert_eq!(status, 422, "{body}");
    assert!(codes(&body["problems"]).contains(&"NAME_MISMATCH"));
    assert!(plan_names(&app).await.is_empty());

    // PUT to a new name creates the plan.
    let (status, body) = put_plan(&app, "checkout-v2", "", PLAN).await;
    assert_eq!(status, 201, "{body}");

    // `check` is the path of POST /api/v1/plans/check and `new` the editor's page, not plans.
    for reserved in ["check", "new"] {
        let yaml = PLAN.replace("plan: checkout-v2", &format!("plan: {reserved}"));
        let (status, body) = post_plan(&app, &yaml).await;
        assert_eq!(status, 422, "{body}");
        assert!(codes(&body["problems"]).contains(&"RESERVED_NAME"));
    }
}

#[tokio::test]
async fn bad_requests_are_answered_with_clear_statuses() {
    let app = TestApp::spawn().await;
    let (status, body) = post_plan(&app, PLAN).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(codes(&body["problems"]), ["NO_CATALOG"]);

    app.import(&boutique_yaml()).await;
    post_plan(&app, PLAN).await;
    for (path, expected) in [
        ("/api/v1/plans/nope", 404),
        ("/api/v1/plans/Not_A_Slug", 400),
        ("/api/v1/plans/checkout-v2/revisions/0", 400),
        ("/api/v1/plans/checkout-v2/revisions/x", 400),
        ("/api/v1/plans/checkout-v2/revisions/9", 404),
        ("/api/v1/plans/nope/revisions", 404),
        ("/api/v1/plans/nope/stages", 404),
        ("/api/v1/plans/nope/export", 404),
        ("/api/v1/plans/checkout-v2/diff?from=1", 400),
        ("/api/v1/plans/checkout-v2/diff?from=1&to=2", 404),
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(body["error"].is_string(), "{path}: {body}");
    }

    let (status, _) = app
        .post_json(
            "/api/v1/plans/checkout-v2/state",
            json!({ "state": "shipped", "revision": 1 }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .post_json("/api/v1/plans/checkout-v2/check", json!({}))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_plan_of_10_mb_or_more_is_refused() {
    let app = boutique().await;
    let huge = format!("{PLAN}# {}\n", "x".repeat(10 * 1024 * 1024));
    let (status, body) = post_plan(&app, &huge).await;
    assert_eq!(status, 413, "{body}");
    let (status, _) = put_plan(&app, "checkout-v2", "", &huge).await;
    assert_eq!(status, 413);
    assert!(plan_names(&app).await.is_empty());
}

#[tokio::test]
async fn a_save_based_on_an_old_revision_is_a_conflict() {
    let app = boutique().await;
    post_plan(&app, PLAN).await;
    let (status, body) = put_plan(
        &app,
        "checkout-v2",
        "?based_on=1",
        &plan_with_payment("2.1.0"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = put_plan(
        &app,
        "checkout-v2",
        "?based_on=1",
        &plan_with_payment("2.2.0"),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("revision 2"),
        "{body}"
    );
    let (_, detail) = app.get_json("/api/v1/plans/checkout-v2").await;
    assert_eq!(detail["revision"], 2);
    assert_eq!(detail["spec"]["changes"][0]["to_version"], "2.1.0");

    let (status, _) = put_plan(&app, "checkout-v2", "?based_on=zero", PLAN).await;
    assert_eq!(status, 400);
    let (status, _) = put_plan(&app, "checkout-v2", "?based_on=0", PLAN).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn concurrent_saves_of_one_plan_get_distinct_revisions() {
    let app = std::sync::Arc::new(boutique().await);
    post_plan(&app, PLAN).await;
    let saves = (0..6).map(|i| {
        let app = app.clone();
        tokio::spawn(async move {
            put_plan(
                &app,
                "checkout-v2",
                "",
                &plan_with_payment(&format!("2.{i}.1")),
            )
            .await
        })
    });
    let mut revisions = Vec::new();
    for save in saves {
        let (status, body) = save.await.unwrap();
        assert!(matches!(status, 200 | 409), "{status}: {body}");
        if status == 200 {
            revisions.push(body["saved"]["revision"].as_i64().unwrap());
        }
    }
    revisions.sort();
    let count = revisions.len();
    revisions.dedup();
    assert_eq!(revisions.len(), count, "a revision number was given twice");
    let (_, history) = app.get_json("/api/v1/plans/checkout-v2/revisions").await;
    assert_eq!(history.as_array().unwrap().len(), count + 1);

    // Based on the same revision, only one of them can win.
    let saves = (0..4).map(|i| {
        let app = app.clone();
        let based_on = format!("?based_on={}", count + 1);
        tokio::spawn(async move {
            put_plan(
                &app,
                "checkout-v2",
                &based_on,
                &plan_with_payment(&format!("3.{i}.0")),
            )
            .await
        })
    });
    let mut statuses = Vec::new();
    for save in saves {
        statuses.push(save.await.unwrap().0);
    }
    statuses.sort();
    assert_eq!(statuses, [200, 409, 409, 409]);
}

#[tokio::test]
async fn review_states_move_draft_to_review_to_approved() {
    let app = boutique().await;
    post_plan(&app, PLAN).await;
    let (status, body) = set_state(&app, "approved", 1, None).await;
    assert_eq!(status, 400, "a draft is not approved directly: {body}");
    let (status, body) = set_state(&app, "in_review", 1, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "in_review");
    let cy = app.token_for("cy", Role::ReleaseManager, &[]).await;
    let (status, body) = set_state(&app, "approved", 2, Some(&cy)).await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = set_state(&app, "approved", 1, Some(&cy)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "approved");
    let (_, detail) = app.get_json("/api/v1/plans/checkout-v2").await;
    assert_eq!(detail["approved_by"], "cy");
    assert!(detail["approved_at"].is_string());

    // A new revision needs a new approval.
    let (status, _) = put_plan(&app, "checkout-v2", "", &plan_with_payment("2.1.0")).await;
    assert_eq!(status, 200);
    let (_, detail) = app.get_json("/api/v1/plans/checkout-v2").await;
    assert_eq!(detail["summary"]["state"], "draft");
    assert_eq!(detail["approved_by"], Value::Null);
}

#[tokio::test]
async fn a_plan_with_errors_is_saved_as_a_draft_but_not_approved() {
    let app = boutique().await;
    // payment is at 0.10.2 in the catalog: a draft may carry that error, an approval may not.
    let (status, body) = post_plan(&app, &plan_with_payment("0.10.2")).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["saved"]["error_count"], 1);
    assert!(codes(&body["problems"]).contains(&"VERSION_NOT_NEWER"));
    let (status, _) = set_state(&app, "in_review", 1, None).await;
    assert_eq!(status, 200);
    let (status, body) = set_state(&app, "approved", 1, None).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("error"), "{body}");
    let (_, detail) = app.get_json("/api/v1/plans/checkout-v2").await;
    assert_eq!(detail["summary"]["state"], "in_review");
}

#[tokio::test]
async fn acknowledgements_are_recorded_per_revision() {
    let app = boutique().await;
    post_plan(&app, PLAN).await;
    let (_, detail) = app.get_json("/api/v1/plans/checkout-v2").await;
    let keys: Vec<String> = detail["checklist"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["needs_ack"] == true)
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect();
    assert!(!keys.is_empty(), "{}", detail["checklist"]);
    let key = &keys[0];

    let dee = app.token_for("dee", Role::ReleaseManager, &[]).await;
    let ack = |key: &str, comment: String| {
        let body = json!({ "key": key, "revision": 1, "comment": comment }).to_string();
        let path = "/api/v1/plans/checkout-v2/acknowledgements";
        app.send(Method::POST, path, Some(body), Some(&dee))
    };
    let (status, body) = ack("ack:nobody", "ok".into()).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = ack(key, "y".repeat(2_001)).await;
    assert_eq!(status, 400);
    let (status, detail) = ack(key, "looks fine".into()).await;
    assert_eq!(status, 201, "{detail}");
    let acks = detail["acknowledgements"].as_array().unwrap();
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0]["key"], key.as_str());
    assert_eq!(acks[0]["by"], "dee");
    assert_eq!(acks[0]["comment"], "looks fine");
    let item = detail["checklist"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == key.as_str())
        .unwrap();
    assert_eq!(item["done"], true, "{item}");

    // The next revision is acknowledged afresh: an acknowledgement of the old one is a conflict.
    put_plan(&app, "checkout-v2", "", &plan_with_payment("2.1.0")).await;
    let (_, detail) = app.get_json("/api/v1/plans/checkout-v2").await;
    assert_eq!(detail["acknowledgements"], json!([]));
    let (status, body) = ack(key, "still fine".into()).await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test]
async fn stages_have_the_shape_of_plan_check_json() {
    let app = boutique().await;
    let demo = boutique_plan_yaml();
    let (status, checked) = app
        .send(
            Method::POST,
            "/api/v1/plans/check",
            Some(demo.clone()),
            None,
        )
        .await;
    assert_eq!(status, 200, "{checked}");
    assert!(plan_names(&app).await.is_empty(), "a check saves nothing");

    let (status, body) = post_plan(&app, &demo).await;
    assert_eq!(status, 201, "{body}");
    let (status, stages) = app.get_json("/api/v1/plans/checkout-v2/stages").await;
    assert_eq!(status, 200);
    assert_eq!(stages, checked);
    let object = stages.as_object().unwrap();
    assert_eq!(object.keys().collect::<Vec<_>>(), ["problems", "stages"]);
    let stages = stages["stages"].as_array().unwrap();
    assert!(stages.len() >= 2, "{stages:?}");
    for (i, stage) in stages.iter().enumerate() {
        assert_eq!(stage["index"], i + 1);
        for key in ["services", "steps", "blast_radius", "explanations"] {
            assert!(stage[key].is_array(), "{key} in {stage}");
        }
    }
    // productcatalog adds an endpoint (expand): it goes before checkout, which calls it.
    let stage_of = |service: &str| {
        stages
            .iter()
            .position(|s| {
                s["services"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x == service)
            })
            .unwrap()
    };
    assert!(stage_of("productcatalog") < stage_of("checkout"));
}

#[tokio::test]
async fn an_exported_plan_puts_back_identically() {
    let app = boutique().await;
    post_plan(&app, &boutique_plan_yaml()).await;
    let response = app
        .client
        .get(format!("{}/api/v1/plans/checkout-v2/export", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/yaml"), "{content_type}");
    let exported = response.text().await.unwrap();

    let (status, body) = put_plan(&app, "checkout-v2", "?based_on=1", &exported).await;
    assert_eq!(status, 200, "{body}");
    let (_, first) = app.get_json("/api/v1/plans/checkout-v2/revisions/1").await;
    let (_, second) = app.get_json("/api/v1/plans/checkout-v2/revisions/2").await;
    for key in ["spec", "yaml", "plan", "effects"] {
        assert_eq!(first[key], second[key], "{key}");
    }
    assert_eq!(second["revisions"][0]["diff"]["entries"], json!([]));
}

#[tokio::test]
async fn a_newer_catalog_that_changes_the_stages_makes_the_plan_stale() {
    let app = boutique().await;
    post_plan(&app, PLAN).await;
    // The same catalog again: a newer revision, the same stages.
    app.import(&boutique_yaml()).await;
    let (_, detail) = app.get_json("/api/v1/plans/checkout-v2").await;
    assert_eq!(detail["stale"], Value::Null);

    // checkout stops calling payment: the two no longer need separate stages.
    let mut file: breakwater_domain::catalog::CatalogFile =
        serde_yaml_ng::from_str(&boutique_yaml()).unwrap();
    let checkout = file
        .services
        .iter_mut()
        .find(|s| s.id == "checkout")
        .unwrap();
    checkout.depends_on.retain(|d| d.service != "payment");
    app.import(&serde_yaml_ng::to_string(&file).unwrap()).await;

    let (_, detail) = app.get_json("/api/v1/plans/checkout-v2").await;
    let stale = detail["stale"].as_str().expect("stale");
    assert!(
        stale.starts_with("catalog revision 3 changes the stages"),
        "{stale}"
    );
    assert!(stale.contains("checkout"), "{stale}");
    assert_eq!(detail["catalog_revision"], 1);
}

/// The browser plans from the catalog view; the server from the catalog. Both must see the same
/// topology, or the editor's stages would differ from the saved plan's.
#[tokio::test]
async fn the_catalog_view_gives_the_planner_the_same_topology_as_the_catalog() {
    let app = boutique().await;
    let (status, view) = app.get_json("/api/v1/catalog").await;
    assert_eq!(status, 200);
    let view: breakwater::wire::catalog::CatalogView = serde_json::from_value(view).unwrap();
    let loaded = breakwater_domain::catalog::load(&boutique_yaml(), &mut |path: &str| {
        Err(format!("{path}: specs are inline"))
    });
    let catalog = loaded.catalog.expect("the demo catalog loads");
    assert_eq!(
        view.topology(),
        breakwater_domain::plan::Topology::from(&catalog)
    );
}
