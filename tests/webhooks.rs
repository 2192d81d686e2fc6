#![cfg(feature = "ssr")]
//! Outbound webhooks against a real HTTP receiver on a local port: the receiver checks every
//! signature and records every idempotency key. A step counts as applied only once the receiver
//! acknowledged it; a receiver that keeps failing pauses the run with the reason; a repeated
//! delivery carries the same key. And the other way: a data check the executor asks.

mod common;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use breakwater::server::Settings;
use common::{approve_plan, TestApp};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET_ENV: &str = "BREAKWATER_TEST_WEBHOOK_SECRET";
const SECRET: &str = "s3cret-for-tests";

const CATALOG: &str = "
services:
  - { id: payment, owner: team-money, tier: critical, version: 1.0.0 }
  - id: checkout
    owner: team-orders
    tier: critical
    version: 1.0.0
    depends_on: [{ service: payment }]
";

/// One delivery as the receiver saw it.
#[derive(Debug, Clone)]
struct Delivery {
    key: String,
    event: String,
    /// The signature header matched the body under the shared secret.
    signed: bool,
    body: Value,
    /// When the receiver answered, ms since the epoch.
    answered_at: i64,
}

/// A webhook receiver: answers delivery `n` (0-based) with `answer(n)` after `delay`.
#[derive(Clone)]
struct Receiver {
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    answer: Arc<dyn Fn(usize) -> StatusCode + Send + Sync>,
    delay: Duration,
}

impl Receiver {
    /// Listens on a local port: the webhook's URL.
    async fn start(
        delay: Duration,
        answer: impl Fn(usize) -> StatusCode + Send + Sync + 'static,
    ) -> (Receiver, String) {
        let receiver = Receiver {
            deliveries: Arc::default(),
            answer: Arc::new(answer),
            delay,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, url)
    }

    fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().unwrap().clone()
    }
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let n = receiver.deliveries.lock().unwrap().len();
    tokio::time::sleep(receiver.delay).await;
    let status = (receiver.answer)(n);
    receiver.deliveries.lock().unwrap().push(Delivery {
        key: header("x-breakwater-idempotency-key"),
        event: header("x-breakwater-event"),
        signed: header("x-breakwater-signature") == expected,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        answered_at: chrono::Utc::now().timestamp_millis(),
    });
    status
}

/// The app with its executor every 200 ms (no simulator: without traffic the gates hold, so a
/// run stays at its first step) and an approved plan announcing payment to `url`.
async fn app_announcing_to(url: &str) -> TestApp {
    // Every test sets the same value, so running them in parallel is fine.
    std::env::set_var(SECRET_ENV, SECRET);
    let (app, state) = TestApp::spawn_with(Settings {
        evaluate_every: Duration::from_millis(200),
        ..Settings::default()
    })
    .await;
    state.start_background();
    app.import(CATALOG).await;
    let plan = format!(
        "
plan: announced
title: Payment, announced
policy:
  steps: [50, 100]
  bake: 1m
changes:
  - service: payment
    to_version: 1.1.0
    policy:
      webhook: {{ url: '{url}', secret_env: {SECRET_ENV} }}
"
    );
    approve_plan(&app.client, &app.base, &plan).await;
    app
}

/// Creates and starts a run: its id.
async fn start_run(app: &TestApp) -> i64 {
    let (status, run) = app
        .post_json("/api/v1/runs", json!({ "plan": "announced" }))
        .await;
    assert_eq!(status, 201, "{run}");
    let id = run["id"].as_i64().unwrap();
    let start = json!({
        "command": "start",
        "expected_revision": run["revision"],
        "idempotency_key": "start",
        "reason": "webhook test",
    });
    let (status, body) = app
        .post_json(&format!("/api/v1/runs/{id}/actions"), start)
        .await;
    assert_eq!(status, 200, "{body}");
    id
}

async fn run_view(app: &TestApp, id: i64) -> Value {
    let (status, view) = app.get_json(&format!("/api/v1/runs/{id}")).await;
    assert_eq!(status, 200, "{view}");
    view
}

async fn wait_for(app: &TestApp, id: i64, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let view = run_view(app, id).await;
        if done(&view) {
            return view;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "run {id} stuck at {}",
            view["state"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn event_types(view: &Value) -> Vec<&str> {
    view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["kind"]["type"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_is_applied_only_once_the_receiver_acknowledges_it() {
    let (receiver, url) = Receiver::start(Duration::from_millis(1500), |_| StatusCode::OK).await;
    let app = app_announcing_to(&url).await;
    let id = start_run(&app).await;

    // While the receiver holds its answer, the step waits and does not bake.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let waiting = run_view(&app, id).await;
    assert_eq!(
        waiting["state"]["pending"]["Step"],
        json!({ "stage": 0, "step": 0 })
    );
    assert!(waiting["state"]["bake_until"].is_null());
    assert_eq!(event_types(&waiting), ["started", "step_requested"]);

    let view = wait_for(&app, id, |v| v["state"]["pending"].is_null()).await;
    assert_eq!(
        event_types(&view),
        ["started", "step_requested", "acknowledged"]
    );
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 1, "{deliveries:#?}");
    let delivery = &deliveries[0];
    assert!(delivery.signed, "bad signature: {delivery:#?}");
    let requested = &view["events"][1]["event"];
    let acknowledged = &view["events"][2]["event"];
    assert_eq!(delivery.key, format!("run-{id}-event-{}", requested["seq"]));
    assert_eq!(delivery.event, "step_requested");
    assert!(acknowledged["at"].as_i64().unwrap() >= delivery.answered_at);
    assert_eq!(acknowledged["actor"]["kind"], "executor");
    assert!(
        !view["state"]["bake_until"].is_null(),
        "the bake starts on acknowledgement"
    );
    assert_eq!(
        delivery.body,
        json!({
            "run": id,
            "plan": "announced",
            "plan_revision": 1,
            "event": "step_requested",
            "seq": requested["seq"],
            "stage": 0,
            "step": 0,
            "services": [{
                "service": "payment",
                "from_version": "1.0.0",
                "to_version": "1.1.0",
                "exposure": [{ "region": null, "percent": 50 }],
            }],
            "at": requested["at"],
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_answering_500_pauses_the_run_with_the_reason() {
    let (receiver, url) =
        Receiver::start(Duration::ZERO, |_| StatusCode::INTERNAL_SERVER_ERROR).await;
    let app = app_announcing_to(&url).await;
    let id = start_run(&app).await;

    let view = wait_for(&app, id, |v| v["summary"]["status"] == "paused").await;
    assert_eq!(event_types(&view), ["started", "step_requested", "paused"]);
    let paused = &view["events"][2]["event"];
    assert_eq!(paused["actor"]["kind"], "executor");
    assert_eq!(
        paused["reason"],
        "webhook for payment failed after 5 attempts: HTTP 500"
    );
    assert_eq!(view["summary"]["failure"], paused["reason"]);

    // Every attempt was the same delivery: same key, same signed body.
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 5, "{deliveries:#?}");
    assert!(deliveries.iter().all(|d| d.signed));
    assert!(deliveries.iter().all(|d| d.key == deliveries[0].key));
    assert!(deliveries.iter().all(|d| d.body == deliveries[0].body));
    // Paused, it is not delivered again.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.deliveries().len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_retried_after_failures_carries_the_same_key_and_acknowledges_once() {
    let (receiver, url) = Receiver::start(Duration::ZERO, |n| match n {
        0 | 1 => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::NO_CONTENT,
    })
    .await;
    let app = app_announcing_to(&url).await;
    let id = start_run(&app).await;

    let view = wait_for(&app, id, |v| v["state"]["pending"].is_null()).await;
    // A few more rounds: nothing is delivered or recorded twice.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let view_later = run_view(&app, id).await;
    assert_eq!(view_later["events"], view["events"]);
    assert_eq!(
        event_types(&view_later),
        ["started", "step_requested", "acknowledged"]
    );
    let keys: Vec<String> = receiver.deliveries().into_iter().map(|d| d.key).collect();
    assert_eq!(keys, vec![format!("run-{id}-event-2"); 3]);
}

/// Posts `command` on run `id` at the revision `view` shows: the status and body.
async fn act(app: &TestApp, id: i64, view: &Value, command: &str) -> (u16, Value) {
    let action = json!({
        "command": command,
        "expected_revision": view["summary"]["revision"],
        "idempotency_key": format!("{command}-{}", view["summary"]["revision"]),
        "reason": "webhook test",
    });
    app.post_json(&format!("/api/v1/runs/{id}/actions"), action)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_the_receiver_keeps_refusing_pauses_the_run_for_a_person_to_decide() {
    // The step is acknowledged; every later delivery (the rollback's) fails.
    let (receiver, url) = Receiver::start(Duration::ZERO, |n| match n {
        0 => StatusCode::OK,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    })
    .await;
    let app = app_announcing_to(&url).await;
    let id = start_run(&app).await;
    let applied = wait_for(&app, id, |v| v["state"]["pending"].is_null()).await;
    let (status, body) = act(&app, id, &applied, "rollback_stage").await;
    assert_eq!(status, 200, "{body}");

    let view = wait_for(&app, id, |v| v["summary"]["status"] == "paused").await;
    assert_eq!(
        event_types(&view),
        [
            "started",
            "step_requested",
            "acknowledged",
            "rollback_started",
            "stage_rolled_back",
            "paused"
        ]
    );
    let paused = &view["events"][5]["event"];
    assert_eq!(paused["actor"]["kind"], "executor");
    assert_eq!(
        paused["reason"],
        "webhook for payment failed after 5 attempts: HTTP 500"
    );
    assert_eq!(view["summary"]["failure"], paused["reason"]);
    assert!(
        !view["state"]["rollback"].is_null(),
        "the rollback is interrupted, not forgotten"
    );
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 1 + 5, "{deliveries:#?}");
    assert!(deliveries[1..]
        .iter()
        .all(|d| d.event == "stage_rolled_back" && d.key == deliveries[1].key));
    // Paused, it is not delivered again; a person rolls back again or aborts.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.deliveries().len(), 6);
    assert_eq!(
        view["commands"],
        json!(["rollback_stage", "rollback_plan", "abort"])
    );
    let (status, body) = act(&app, id, &view, "rollback_plan").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["run"]["status"], "rolling_back", "{body}");
}

/// A data-check endpoint answering `{"pass": true}` until `failing` is set, then `fail`.
async fn start_data_check(failing: Arc<std::sync::atomic::AtomicBool>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/reconciled", listener.local_addr().unwrap());
    let app = Router::new().route(
        "/reconciled",
        axum::routing::get(move || async move {
            if failing.load(std::sync::atomic::Ordering::SeqCst) {
                "fail"
            } else {
                r#"{"pass": true}"#
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_check_passes_the_step_then_its_failure_pauses_the_run() {
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let url = start_data_check(failing.clone()).await;
    let (app, state) = TestApp::spawn_with(Settings {
        evaluate_every: Duration::from_millis(200),
        ..Settings::default()
    })
    .await;
    state.start_background();
    app.import(CATALOG).await;
    let plan = format!(
        "
plan: announced
title: Payment, reconciled
policy:
  steps: [50, 100]
  bake: 1s
  gates:
    - {{ signal: data_check, check: '{url}' }}
changes:
  - {{ service: payment, to_version: 1.1.0 }}
"
    );
    approve_plan(&app.client, &app.base, &plan).await;
    let id = start_run(&app).await;

    // The check passes: the first step advances after its bake.
    wait_for(&app, id, |v| v["state"]["step"] == 1).await;
    failing.store(true, std::sync::atomic::Ordering::SeqCst);
    let view = wait_for(&app, id, |v| v["summary"]["status"] == "paused").await;
    let paused = &view["events"].as_array().unwrap().last().unwrap()["event"];
    assert_eq!(paused["actor"]["kind"], "executor");
    let failed = paused["kind"]["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(failed[0]["signal"], "data_check");
    assert_eq!(failed[0]["verdict"], "fail");
    assert_eq!(failed[0]["value"], 0.0);
}
