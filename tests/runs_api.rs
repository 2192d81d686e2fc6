#![cfg(feature = "ssr")]
//! The runs JSON API against the real app (no executor running: only people act here):
//! creating runs, every command and its refusals, revisions and idempotency keys under
//! concurrency, bad input that changes nothing, and the exposure services poll.

mod common;

use common::{approve_plan, TestApp, ADMIN, SMALL_CATALOG};
use reqwest::Method;
use serde_json::{json, Value};

/// ledger and billing to 1.1.0, two steps per region, no gates.
const PLAN: &str = "
plan: ledger-v2
policy:
  steps: [50, 100]
  bake: 1h
  gates: []
changes:
  - { service: ledger, to_version: 1.1.0 }
  - { service: billing, to_version: 1.1.0 }
";

/// The small catalog with [`PLAN`] approved.
async fn app() -> TestApp {
    let app = TestApp::spawn().await;
    app.import(SMALL_CATALOG).await;
    approve_plan(&app.client, &app.base, PLAN).await;
    app
}

/// A pending run of [`PLAN`]: its id.
async fn create(app: &TestApp) -> i64 {
    let (status, run) = app
        .post_json("/api/v1/runs", json!({ "plan": "ledger-v2" }))
        .await;
    assert_eq!(status, 201, "{run}");
    run["id"].as_i64().unwrap()
}

async fn act(app: &TestApp, id: i64, command: &str, revision: u64, key: &str) -> (u16, Value) {
    let body = json!({
        "command": command,
        "expected_revision": revision,
        "idempotency_key": key,
        "reason": format!("{command} for the test"),
    });
    app.send(
        Method::POST,
        &format!("/api/v1/runs/{id}/actions"),
        Some(body.to_string()),
        None,
    )
    .await
}

/// Applies `command` at the run's current revision, which must succeed: the run after it.
async fn apply(app: &TestApp, id: i64, command: &str) -> Value {
    let revision = run(app, id).await["summary"]["revision"].as_u64().unwrap();
    let key = format!("{command}-{revision}");
    let (status, outcome) = act(app, id, command, revision, &key).await;
    assert_eq!(status, 200, "{command}: {outcome}");
    outcome["run"].clone()
}

async fn run(app: &TestApp, id: i64) -> Value {
    let (status, view) = app.get_json(&format!("/api/v1/runs/{id}")).await;
    assert_eq!(status, 200, "{view}");
    view
}

async fn events(app: &TestApp, id: i64) -> Vec<Value> {
    let (status, events) = app.get_json(&format!("/api/v1/runs/{id}/events")).await;
    assert_eq!(status, 200, "{events}");
    events.as_array().unwrap().clone()
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event"]["kind"]["type"].as_str().unwrap())
        .collect()
}

fn commands(view: &Value) -> Vec<&str> {
    view["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect()
}

/// The percent of the new version per region of `service`.
async fn exposure(app: &TestApp, service: &str) -> Vec<u64> {
    let (status, view) = app.get_json(&format!("/api/v1/exposure/{service}")).await;
    assert_eq!(status, 200, "{view}");
    view["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["percent"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_run_takes_every_command_in_turn() {
    let app = app().await;
    let id = create(&app).await;
    let view = run(&app, id).await;
    assert_eq!(view["summary"]["status"], "pending");
    assert_eq!(view["summary"]["revision"], 0);
    assert_eq!(view["summary"]["created_by"], ADMIN);
    assert_eq!(commands(&view), ["start", "abort"]);
    let (_, list) = app.get_json("/api/v1/runs").await;
    assert_eq!(list[0]["id"], id);

    let started = apply(&app, id, "start").await;
    assert_eq!(started["status"], "running");
    assert_eq!(started["step"], 0);
    assert_eq!(exposure(&app, "ledger").await, [50, 0], "eu-west first");
    let view = run(&app, id).await;
    assert_eq!(
        commands(&view),
        [
            "advance",
            "pause",
            "rollback_stage",
            "rollback_plan",
            "abort"
        ]
    );

    assert_eq!(apply(&app, id, "pause").await["status"], "paused");
    let revision = run(&app, id).await["summary"]["revision"].as_u64().unwrap();
    let (status, refused) = act(&app, id, "advance", revision, "advance-paused").await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("resume it first"),
        "{refused}"
    );
    assert_eq!(
        refused["run"]["status"], "paused",
        "the current state comes along"
    );

    assert_eq!(apply(&app, id, "resume").await["status"], "running");
    assert_eq!(apply(&app, id, "advance").await["step"], 1);
    assert_eq!(exposure(&app, "ledger").await, [100, 0]);

    let rolled = apply(&app, id, "rollback_stage").await;
    assert_eq!(rolled["status"], "paused");
    assert_eq!(rolled["step"], Value::Null);
    assert_eq!(exposure(&app, "ledger").await, [0, 0]);
    assert_eq!(
        commands(&run(&app, id).await),
        ["rollback_plan", "abort", "retry"]
    );

    let retried = apply(&app, id, "retry").await;
    assert_eq!(
        (&retried["status"], &retried["step"]),
        (&json!("running"), &json!(0))
    );
    assert_eq!(
        apply(&app, id, "rollback_plan").await["status"],
        "rolled_back"
    );
    assert_eq!(exposure(&app, "ledger").await, [0, 0]);

    let log = events(&app, id).await;
    assert_eq!(
        types(&log),
        [
            "started",
            "step_requested",
            "paused",
            "resumed",
            "step_requested",
            "rollback_started",
            "stage_rolled_back",
            "rollback_finished",
            "retried",
            "rollback_started",
            "stage_rolled_back",
            "rollback_finished",
        ]
    );
    for (i, event) in log.iter().enumerate() {
        assert_eq!(event["event"]["seq"], i as u64 + 1);
        assert_eq!(
            event["event"]["actor"],
            json!({ "kind": "person", "name": ADMIN })
        );
        if i > 0 {
            assert_eq!(event["status_before"], log[i - 1]["status_after"]);
        }
    }
    assert_eq!(log[2]["event"]["reason"], "pause for the test");
    assert_eq!(log.last().unwrap()["status_after"], "rolled_back");

    // A finished run refuses everything and writes nothing.
    let view = run(&app, id).await;
    assert!(commands(&view).is_empty());
    for command in ["start", "advance", "resume", "abort", "retry"] {
        let (status, refused) = act(&app, id, command, 12, &format!("late-{command}")).await;
        assert_eq!(status, 409, "{command}: {refused}");
        assert!(
            refused["error"].as_str().unwrap().contains("finished"),
            "{refused}"
        );
    }
    assert_eq!(events(&app, id).await.len(), log.len());
}

#[tokio::test]
async fn advancing_through_every_step_completes_the_run() {
    let app = app().await;
    let id = create(&app).await;
    apply(&app, id, "start").await;
    let mut advances = 0;
    while run(&app, id).await["summary"]["status"] == "running" {
        apply(&app, id, "advance").await;
        advances += 1;
        assert!(advances <= 10, "the run never completes");
    }
    let view = run(&app, id).await;
    assert_eq!(view["summary"]["status"], "completed");
    assert_eq!(exposure(&app, "ledger").await, [100, 100]);
    assert_eq!(exposure(&app, "billing").await, [100]);
    let (_, ledger) = app.get_json("/api/v1/exposure/ledger").await;
    assert_eq!(ledger["stable_version"], "1.0.0");
    assert_eq!(ledger["new_version"], "1.1.0");
    assert_eq!(ledger["run"], id);
    let log = events(&app, id).await;
    assert_eq!(types(&log).last(), Some(&"completed"));
    // Every step of every stage requested exactly once, in order.
    let requested: Vec<(u64, u64)> = log
        .iter()
        .filter(|e| e["event"]["kind"]["type"] == "step_requested")
        .map(|e| {
            let kind = &e["event"]["kind"];
            (
                kind["stage"].as_u64().unwrap(),
                kind["step"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(u64, u64)> = view["run"]["plan"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .flat_map(|(stage, _)| {
            let count = step_count(&view, stage);
            (0..count).map(move |step| (stage as u64, step))
        })
        .collect();
    assert_eq!(requested, expected);
}

/// How many steps stage `stage` of the view's run has: its services' most.
fn step_count(view: &Value, stage: usize) -> u64 {
    let steps = view["run"]["plan"]["stages"][stage]["steps"]
        .as_array()
        .unwrap();
    let services = view["run"]["plan"]["stages"][stage]["services"]
        .as_array()
        .unwrap();
    services
        .iter()
        .map(|s| steps.iter().filter(|step| step["service"] == *s).count() as u64)
        .max()
        .unwrap()
}

#[tokio::test]
async fn of_100_concurrent_advances_on_one_revision_exactly_one_applies() {
    let app = app().await;
    let id = create(&app).await;
    apply(&app, id, "start").await;
    let before = events(&app, id).await.len();
    let revision = run(&app, id).await["summary"]["revision"].as_u64().unwrap();
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..100 {
        let client = app.client.clone();
        let url = format!("{}/api/v1/runs/{id}/actions", app.base);
        requests.spawn(async move {
            let body = json!({
                "command": "advance",
                "expected_revision": revision,
                "idempotency_key": format!("advance-{i}"),
                "reason": "racing",
            });
            let response = client.post(url).json(&body).send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        });
    }
    let mut applied = 0;
    let mut conflicts = 0;
    while let Some(answer) = requests.join_next().await {
        let (status, body) = answer.unwrap();
        match status {
            200 => applied += 1,
            409 => {
                conflicts += 1;
                assert_eq!(body["run"]["revision"], revision + 1, "{body}");
                assert!(
                    body["error"]
                        .as_str()
                        .unwrap()
                        .contains(&format!("is at revision {}, not {revision}", revision + 1)),
                    "{body}"
                );
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((applied, conflicts), (1, 99));
    let after = events(&app, id).await;
    assert_eq!(after.len(), before + 1);
    assert_eq!(types(&after).last(), Some(&"step_requested"));
}

#[tokio::test]
async fn a_retried_idempotency_key_answers_the_first_answer_and_acts_once() {
    let app = app().await;
    let id = create(&app).await;
    let (status, first) = act(&app, id, "start", 0, "start-once").await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = act(&app, id, "start", 0, "start-once").await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, first);
    assert_eq!(events(&app, id).await.len(), 2);

    // The same key for another request is a conflict, and changes nothing.
    let (status, reused) = act(&app, id, "pause", 2, "start-once").await;
    assert_eq!(status, 409, "{reused}");
    assert!(
        reused["error"].as_str().unwrap().contains("already used"),
        "{reused}"
    );
    assert_eq!(events(&app, id).await.len(), 2);

    // The key may come as the Idempotency-Key header instead.
    let pause = json!({ "command": "pause", "expected_revision": 2, "reason": "lunch" });
    let send = |key: &'static str, body: Value| {
        app.client
            .post(format!("{}/api/v1/runs/{id}/actions", app.base))
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = send("pause-header", pause.clone()).await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    let first: Value = first.json().await.unwrap();
    let again: Value = send("pause-header", pause.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, first);
    assert_eq!(events(&app, id).await.len(), 3);

    let mut both = pause.clone();
    both["idempotency_key"] = json!("another");
    let answer = send("pause-header", both).await.unwrap();
    assert_eq!(answer.status().as_u16(), 400);
}

#[tokio::test]
async fn bad_actions_are_refused_and_change_nothing() {
    let app = app().await;
    let id = create(&app).await;
    apply(&app, id, "start").await;
    let before = events(&app, id).await;
    let path = format!("/api/v1/runs/{id}/actions");
    let post = |body: String| app.send(Method::POST, &path, Some(body), None);
    let action = |reason: &str, key: &str| {
        json!({ "command": "pause", "expected_revision": 2, "idempotency_key": key,
                "reason": reason })
        .to_string()
    };

    let (status, stale) = act(&app, id, "pause", 1, "stale").await;
    assert_eq!(status, 409, "{stale}");
    assert!(
        stale["error"]
            .as_str()
            .unwrap()
            .contains("is at revision 2, not 1"),
        "{stale}"
    );
    let (status, ahead) = act(&app, id, "pause", 7, "ahead").await;
    assert_eq!(status, 409, "{ahead}");

    let cases = [
        (action("   ", "k1"), 400, "give a reason"),
        (action(&"x".repeat(1001), "k2"), 400, "longer than 1000"),
        (action("ok", ""), 400, "1 to 200"),
        (action("ok", &"k".repeat(201)), 400, "1 to 200"),
        (action("ok", "clé"), 400, "printable ASCII"),
        (
            json!({ "command": "launch", "expected_revision": 2, "idempotency_key": "k",
                    "reason": "r" })
            .to_string(),
            400,
            "invalid request body",
        ),
        (
            json!({ "command": "pause", "expected_revision": -1, "idempotency_key": "k",
                    "reason": "r" })
            .to_string(),
            400,
            "invalid request body",
        ),
        (
            json!({ "command": "pause", "expected_revision": 2, "reason": "r" }).to_string(),
            400,
            "needs an idempotency key",
        ),
        (
            json!({ "command": "pause", "expected_revision": 2, "idempotency_key": "k",
                    "reason": "r", "force": true })
            .to_string(),
            400,
            "unknown field",
        ),
        (
            "{\"command\": \"pause\",".to_string(),
            400,
            "invalid request body",
        ),
        (
            action(&"x".repeat(70 * 1024), "k3"),
            413,
            "larger than the 65536 bytes",
        ),
    ];
    for (body, expected, words) in cases {
        let (status, answer) = post(body).await;
        assert_eq!(status, expected, "{answer}");
        assert!(
            answer["error"].as_str().unwrap().contains(words),
            "{answer}"
        );
    }

    let (status, missing) = act(&app, 999, "pause", 0, "nowhere").await;
    assert_eq!(status, 404, "{missing}");
    let (status, _) = app.get_json("/api/v1/runs/999").await;
    assert_eq!(status, 404);
    let (status, bad) = app.get_json("/api/v1/runs/abc").await;
    assert_eq!(status, 400, "{bad}");
    assert!(bad["error"].as_str().unwrap().contains("not a run id"));

    assert_eq!(events(&app, id).await, before, "nothing half-written");
    assert_eq!(run(&app, id).await["summary"]["revision"], 2);
}

#[tokio::test]
async fn only_an_approved_plan_runs_and_one_run_holds_its_services() {
    let app = TestApp::spawn().await;
    app.import(SMALL_CATALOG).await;
    let (status, missing) = app
        .post_json("/api/v1/runs", json!({ "plan": "nope" }))
        .await;
    assert_eq!(status, 404, "{missing}");
    let (status, bad) = app
        .post_json("/api/v1/runs", json!({ "plan": "Not A Name" }))
        .await;
    assert_eq!(status, 400, "{bad}");
    let (status, bad) = app
        .post_json("/api/v1/runs", json!({ "name": "ledger-v2" }))
        .await;
    assert_eq!(status, 400, "{bad}");

    let (status, saved) = app
        .send(Method::POST, "/api/v1/plans", Some(PLAN.into()), None)
        .await;
    assert_eq!(status, 201, "{saved}");
    let (status, draft) = app
        .post_json("/api/v1/runs", json!({ "plan": "ledger-v2" }))
        .await;
    assert_eq!(status, 409, "{draft}");
    assert!(draft["error"]
        .as_str()
        .unwrap()
        .contains("only an approved plan"));
    let (_, list) = app.get_json("/api/v1/runs").await;
    assert_eq!(list, json!([]));

    // The same changes under another name, approved.
    let name = approve_plan(
        &app.client,
        &app.base,
        &PLAN.replace("ledger-v2", "ledger-v2b"),
    )
    .await;
    let (status, first) = app.post_json("/api/v1/runs", json!({ "plan": name })).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        (&first["status"], &first["plan_revision"]),
        (&json!("pending"), &json!(1))
    );
    let first = first["id"].as_i64().unwrap();

    // Another plan changing ledger cannot run while the first run holds it.
    let other = approve_plan(
        &app.client,
        &app.base,
        "plan: ledger-only\nchanges:\n  - { service: ledger, to_version: 1.2.0 }\n",
    )
    .await;
    let (status, held) = app
        .post_json("/api/v1/runs", json!({ "plan": other }))
        .await;
    assert_eq!(status, 409, "{held}");
    let error = held["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("run {first} ")) && error.contains("ledger"),
        "{error}"
    );

    let (status, _) = act(&app, first, "abort", 0, "abort-first").await;
    assert_eq!(status, 200);
    let (status, second) = app
        .post_json("/api/v1/runs", json!({ "plan": other }))
        .await;
    assert_eq!(status, 201, "an aborted run holds nothing: {second}");
}

#[tokio::test]
async fn a_webhook_whose_secret_is_not_in_the_environment_is_refused() {
    let app = TestApp::spawn().await;
    app.import(SMALL_CATALOG).await;
    let plan = "
plan: hooked
changes:
  - service: ledger
    to_version: 1.1.0
    policy:
      webhook: { url: 'http://127.0.0.1:9/hook', secret_env: BREAKWATER_TEST_SECRET_NEVER_SET }
";
    let name = approve_plan(&app.client, &app.base, plan).await;
    let (status, refused) = app.post_json("/api/v1/runs", json!({ "plan": name })).await;
    assert_eq!(status, 400, "{refused}");
    let error = refused["error"].as_str().unwrap();
    assert!(
        error.contains("BREAKWATER_TEST_SECRET_NEVER_SET"),
        "{error}"
    );
    let (_, list) = app.get_json("/api/v1/runs").await;
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn exposure_is_cacheable_with_an_etag() {
    let app = app().await;
    let url = format!("{}/api/v1/exposure/ledger", app.base);
    let get = |etag: Option<String>| {
        let mut request = app.client.get(&url);
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        request.send()
    };
    let first = get(None).await.unwrap();
    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(first.headers()["cache-control"], "no-cache");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let view: Value = first.json().await.unwrap();
    assert_eq!(
        view,
        json!({
            "service": "ledger", "stable_version": "1.0.0", "new_version": null,
            "regions": [{ "region": "eu-west", "percent": 0 }, { "region": "us-east", "percent": 0 }],
            "run": null, "stage": null, "step": null,
        })
    );

    let unchanged = get(Some(etag.clone())).await.unwrap();
    assert_eq!(unchanged.status().as_u16(), 304);
    assert_eq!(unchanged.headers()["etag"].to_str().unwrap(), etag);
    assert!(unchanged.text().await.unwrap().is_empty());

    let id = create(&app).await;
    apply(&app, id, "start").await;
    let changed = get(Some(etag.clone())).await.unwrap();
    assert_eq!(changed.status().as_u16(), 200, "a new split is a new body");
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    let view: Value = changed.json().await.unwrap();
    assert_eq!(view["new_version"], "1.1.0");
    assert_eq!(
        view["regions"][0],
        json!({ "region": "eu-west", "percent": 50 })
    );
    assert_eq!(
        (&view["run"], &view["stage"], &view["step"]),
        (&json!(id), &json!(0), &json!(0))
    );

    let (status, untouched) = app.get_json("/api/v1/exposure/storefront").await;
    assert_eq!(status, 200);
    assert_eq!(
        untouched["regions"],
        json!([{ "region": null, "percent": 0 }])
    );
    for unknown in ["nowhere", "NOT-AN-ID"] {
        let (status, body) = app.get_json(&format!("/api/v1/exposure/{unknown}")).await;
        assert_eq!(status, 404, "{body}");
    }
}
