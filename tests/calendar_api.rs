#![cfg(feature = "ssr")]
//! The calendar against the real app, with the executor running on a clock the test moves: a
//! run held by a freeze waits visibly and continues when it ends, a rollback inside a freeze
//! goes through, a break-glass override is recorded and expires, the emergency stop pauses
//! every run; and the calendar's API: bad calendars change nothing, stale edits conflict,
//! checks, and feeds a real iCalendar parser reads with stable UIDs.

mod common;

use breakwater::server::clock::Clock;
use breakwater::server::{AppState, Settings};
use common::{approve_plan, TestApp, ADMIN, SMALL_CATALOG};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Monday 14 December 2026, 08:00 UTC.
const T0: i64 = 1_797_235_200_000;
const MINUTE: i64 = 60_000;

/// billing (no regions) to 1.1.0 in three steps of one minute each, nothing to hold a step.
const PLAN: &str = "
plan: billing-v2
policy:
  steps: [10, 50, 100]
  bake: 1m
  gates: []
changes:
  - { service: billing, to_version: 1.1.0 }
";

/// A freeze from 08:00:30 to 10:00 UTC on T0's day, for billing's team.
const FREEZE: &str = "
timezone: UTC
rules:
  - { name: money-freeze, kind: freeze, start: 2026-12-14T08:00:30, end: 2026-12-14T10:00, teams: [team-money] }
";

/// The app on a manual clock at [`T0`] with its executor every 100 ms, the small catalog and
/// [`PLAN`] approved.
async fn app() -> (TestApp, AppState) {
    let (app, state) = TestApp::spawn_with(Settings {
        evaluate_every: Duration::from_millis(100),
        clock: Clock::manual(T0),
        ..Settings::default()
    })
    .await;
    state.start_background();
    app.import(SMALL_CATALOG).await;
    approve_plan(&app.client, &app.base, PLAN).await;
    (app, state)
}

async fn put_calendar(app: &TestApp, yaml: &str, query: &str) -> (u16, Value) {
    let path = format!("/api/v1/calendar{query}");
    app.send(Method::PUT, &path, Some(yaml.to_string()), None)
        .await
}

async fn run(app: &TestApp, id: i64) -> Value {
    let (status, view) = app.get_json(&format!("/api/v1/runs/{id}")).await;
    assert_eq!(status, 200, "{view}");
    view
}

/// `command` at the run's current revision: the status and the answer.
async fn act(app: &TestApp, id: i64, command: &str) -> (u16, Value) {
    let revision = run(app, id).await["summary"]["revision"].as_u64().unwrap();
    let body = json!({
        "command": command,
        "expected_revision": revision,
        "idempotency_key": format!("{command}-{revision}"),
        "reason": format!("{command} for the test"),
    });
    let path = format!("/api/v1/runs/{id}/actions");
    app.send(Method::POST, &path, Some(body.to_string()), None)
        .await
}

/// Aborts run `id`, reading its revision again when the executor moved it in between.
async fn abort(app: &TestApp, id: i64) {
    for _ in 0..5 {
        let (status, outcome) = act(app, id, "abort").await;
        if status != 409 {
            assert_eq!(status, 200, "{outcome}");
            return;
        }
    }
    panic!("run {id} kept changing under the abort");
}

/// A started run of [`PLAN`] at the clock's time: its id.
async fn started(app: &TestApp) -> i64 {
    let (status, created) = app
        .post_json("/api/v1/runs", json!({ "plan": "billing-v2" }))
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, outcome) = act(app, id, "start").await;
    assert_eq!(status, 200, "{outcome}");
    id
}

/// Waits (up to 10 s) until the run's view satisfies `done`; the view.
async fn until(app: &TestApp, id: i64, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let view = run(app, id).await;
        if done(&view) {
            return view;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {view}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn step(view: &Value) -> Option<u64> {
    view["state"]["step"].as_u64()
}

fn event_types(view: &Value) -> Vec<String> {
    view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["event"]["kind"]["type"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_run_held_by_a_freeze_waits_visibly_and_continues_when_it_ends() {
    let (app, state) = app().await;
    let id = started(&app).await;
    let (status, saved) = put_calendar(&app, FREEZE, "").await;
    assert_eq!(status, 200, "{saved}");

    // The first step has baked, but the freeze has begun: the executor holds the next step.
    state.settings.clock.set(T0 + 2 * MINUTE);
    let view = until(&app, id, "the hold", |v| !v["state"]["waiting"].is_null()).await;
    let waiting = &view["state"]["waiting"];
    let reason = waiting["reason"].as_str().unwrap();
    assert!(reason.contains("frozen by money-freeze"), "{reason}");
    assert_eq!(waiting["opens_at"].as_i64(), Some(T0 + 2 * 60 * MINUTE));
    assert_eq!(step(&view), Some(0), "exposure must not grow in a freeze");
    assert!(event_types(&view).contains(&"window_closed".to_string()));
    assert_eq!(view["summary"]["waiting"]["reason"].as_str(), Some(reason));

    // A person cannot push it through either, and nothing changes.
    let revision = view["summary"]["revision"].as_u64();
    let (status, refused) = act(&app, id, "advance").await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("the calendar holds"),
        "{refused}"
    );
    assert_eq!(
        run(&app, id).await["summary"]["revision"].as_u64(),
        revision
    );

    // The hold is recorded once, not at every round.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let holds = event_types(&run(&app, id).await)
        .iter()
        .filter(|t| *t == "window_closed")
        .count();
    assert_eq!(holds, 1);

    // The freeze ends: the run continues on its own.
    state.settings.clock.set(T0 + 2 * 60 * MINUTE);
    let view = until(&app, id, "the next step", |v| step(v) == Some(1)).await;
    assert!(view["state"]["waiting"].is_null(), "{view}");
}

#[tokio::test]
async fn a_rollback_inside_a_freeze_goes_through() {
    let (app, state) = app().await;
    let id = started(&app).await;
    put_calendar(&app, FREEZE, "").await;
    state.settings.clock.set(T0 + 5 * MINUTE);
    until(&app, id, "the hold", |v| !v["state"]["waiting"].is_null()).await;
    let (status, outcome) = act(&app, id, "rollback_plan").await;
    assert_eq!(status, 200, "{outcome}");
    let view = until(&app, id, "the rollback", |v| {
        v["summary"]["status"] == "rolled_back"
    })
    .await;
    let exposure = view["state"]["exposure"].as_array().unwrap();
    assert!(exposure.iter().all(|pair| pair[1] == 0), "{exposure:?}");
}

#[tokio::test]
async fn a_person_cannot_start_a_run_in_a_freeze_and_nothing_changes() {
    let (app, state) = app().await;
    put_calendar(&app, FREEZE, "").await;
    state.settings.clock.set(T0 + MINUTE);
    let (_, created) = app
        .post_json("/api/v1/runs", json!({ "plan": "billing-v2" }))
        .await;
    let id = created["id"].as_i64().unwrap();
    let (status, refused) = act(&app, id, "start").await;
    assert_eq!(status, 409, "{refused}");
    let error = refused["error"].as_str().unwrap();
    assert!(error.contains("frozen by money-freeze"), "{error}");
    assert!(error.contains("break-glass"), "{error}");
    let view = run(&app, id).await;
    assert_eq!(view["summary"]["status"], "pending");
    assert_eq!(view["summary"]["revision"], 0);
}

#[tokio::test]
async fn a_break_glass_override_is_recorded_lets_the_run_through_and_expires() {
    let (app, state) = app().await;
    let id = started(&app).await;
    put_calendar(&app, FREEZE, "").await;
    state.settings.clock.set(T0 + 2 * MINUTE);
    until(&app, id, "the hold", |v| !v["state"]["waiting"].is_null()).await;

    // Bad overrides are refused and change nothing.
    let path = format!("/api/v1/runs/{id}/override");
    let revision = run(&app, id).await["summary"]["revision"].clone();
    for (body, why) in [
        (
            json!({ "reason": "", "until": "2026-12-14T08:30:00Z", "idempotency_key": "o1" }),
            "no reason",
        ),
        (
            json!({ "reason": "hotfix", "until": "2026-12-14T07:00:00Z", "idempotency_key": "o2" }),
            "in the past",
        ),
        (
            json!({ "reason": "hotfix", "until": "2026-12-16T08:00:00Z", "idempotency_key": "o3" }),
            "over 24 h",
        ),
        (
            json!({ "reason": "hotfix", "until": "tomorrow", "idempotency_key": "o4" }),
            "not a time",
        ),
    ] {
        let (status, refused) = app
            .send(Method::POST, &path, Some(body.to_string()), None)
            .await;
        assert_eq!(status, 400, "{why}: {refused}");
    }
    assert_eq!(run(&app, id).await["summary"]["revision"], revision);

    // Until 08:10: the run goes on through the freeze, and the override is on its views.
    let body = json!({
        "reason": "hotfix for the ledger outage",
        "until": "2026-12-14T08:10:00Z",
        "idempotency_key": "override-1",
    });
    let (status, outcome) = app
        .send(Method::POST, &path, Some(body.to_string()), None)
        .await;
    assert_eq!(status, 200, "{outcome}");
    let view = until(&app, id, "the overridden step", |v| step(v) == Some(1)).await;
    let granted = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"]["kind"]["type"] == "calendar_overridden")
        .expect("the override is on the run's log")
        .clone();
    assert_eq!(granted["event"]["actor"]["name"], ADMIN);
    assert_eq!(granted["event"]["reason"], "hotfix for the ledger outage");
    assert_eq!(view["summary"]["calendar_override"]["by"], ADMIN);
    assert_eq!(
        view["summary"]["calendar_override"]["until"].as_i64(),
        Some(T0 + 10 * MINUTE)
    );

    // Past its expiry, still in the freeze: the calendar holds the run again.
    state.settings.clock.set(T0 + 15 * MINUTE);
    let view = until(&app, id, "the hold after expiry", |v| {
        !v["state"]["waiting"].is_null()
    })
    .await;
    assert_eq!(step(&view), Some(1));
}

#[tokio::test]
async fn the_emergency_stop_pauses_every_running_run() {
    let (app, state) = app().await;
    let id = started(&app).await;
    let (status, refused) = app
        .send(
            Method::POST,
            "/api/v1/runs/stop-all",
            Some(json!({ "reason": " " }).to_string()),
            None,
        )
        .await;
    assert_eq!(status, 400, "a reason is required: {refused}");
    let (status, stopped) = app
        .send(
            Method::POST,
            "/api/v1/runs/stop-all",
            Some(json!({ "reason": "payments are down" }).to_string()),
            None,
        )
        .await;
    assert_eq!(status, 200, "{stopped}");
    assert_eq!(stopped["paused"], json!([id]));
    let view = run(&app, id).await;
    assert_eq!(view["summary"]["status"], "paused");
    let last = view["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"]["reason"], "emergency stop: payments are down");
    // It stays paused when its bake would have ended, and resumes on its own request.
    state.settings.clock.set(T0 + 5 * MINUTE);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(run(&app, id).await["summary"]["status"], "paused");
    let (status, resumed) = act(&app, id, "resume").await;
    assert_eq!(status, 200, "{resumed}");
}

#[tokio::test]
async fn bad_calendars_are_refused_with_locations_and_change_nothing() {
    let (app, _state) = app().await;
    let (status, first) = put_calendar(&app, FREEZE, "").await;
    assert_eq!(status, 200, "{first}");
    let cases = [
        ("rules:\n  - { name: a, kind: activation, rrule: 'FREQ=SOMETIMES', duration: 1h }\n", "INVALID_RRULE", "rules[0].rrule"),
        ("timezone: Mars/Olympus\nrules: []\n", "UNKNOWN_TIMEZONE", "timezone"),
        ("rules:\n  - { name: a, kind: freeze, start: 2026-12-14T10:00, end: 2026-12-14T09:00 }\n", "END_BEFORE_START", "rules[0].end"),
        ("rules:\n  - { name: a, kind: activation, rrule: 'FREQ=DAILY', duration: 0m }\n", "INVALID_DURATION", "rules[0].duration"),
    ];
    for (yaml, code, path) in cases {
        let (status, refused) = put_calendar(&app, yaml, "").await;
        assert_eq!(status, 422, "{code}: {refused}");
        let problems = refused["problems"].as_array().unwrap();
        assert!(
            problems
                .iter()
                .any(|p| p["code"] == code && p["location"]["path"] == path),
            "{code} at {path}: {refused}"
        );
    }
    let huge = format!("rules: []\n#{}\n", "x".repeat(10 * 1024 * 1024));
    let (status, refused) = put_calendar(&app, &huge, "").await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["problems"][0]["code"], "TOO_LARGE");
    let (status, refused) = put_calendar(&app, &"#".repeat(12 * 1024 * 1024), "").await;
    assert_eq!(status, 413, "{refused}");

    // A stale edit conflicts.
    let (status, conflict) = put_calendar(&app, "rules: []\n", "?based_on=0").await;
    assert_eq!(status, 409, "{conflict}");

    let (_, current) = app.get_json("/api/v1/calendar").await;
    assert_eq!(current["revision"], first["revision"]);
    assert!(current["text"].as_str().unwrap().contains("money-freeze"));
}

#[tokio::test]
async fn checks_answer_with_the_rules_that_decided_and_the_next_allowed_time() {
    let (app, _state) = app().await;
    put_calendar(&app, FREEZE, "").await;
    let (status, frozen) = app
        .get_json("/api/v1/calendar/check?at=2026-12-14T09:00:00Z&service=billing")
        .await;
    assert_eq!(status, 200, "{frozen}");
    assert_eq!(frozen["allowed"], false);
    assert_eq!(frozen["rules"], json!(["money-freeze"]));
    assert_eq!(frozen["next_allowed"], "2026-12-14T10:00:00Z");
    // The freeze is for team-money only.
    let (_, other) = app
        .get_json("/api/v1/calendar/check?at=2026-12-14T09:00:00Z&service=storefront")
        .await;
    assert_eq!(other["allowed"], true, "{other}");
    for bad in [
        "/api/v1/calendar/check?at=noon",
        "/api/v1/calendar/check",
        "/api/v1/calendar/check?at=2026-12-14T09:00:00Z&service=nope",
    ] {
        let (status, refused) = app.get_json(bad).await;
        assert!(status == 400 || status == 404, "{bad}: {status} {refused}");
    }
}

/// The VEVENTs of a feed, parsed by the `ical` crate: (UID, SUMMARY) pairs.
fn events_of(feed: &str) -> Vec<(String, String)> {
    let mut parser = ical::IcalParser::new(feed.as_bytes());
    let calendar = parser
        .next()
        .expect("a VCALENDAR")
        .expect("the feed parses");
    assert!(parser.next().is_none(), "one calendar");
    calendar
        .events
        .iter()
        .map(|event| {
            let value = |name: &str| {
                event
                    .properties
                    .iter()
                    .find(|p| p.name == name)
                    .and_then(|p| p.value.clone())
                    .unwrap_or_else(|| panic!("{name} in every event"))
            };
            for required in ["DTSTART", "DTEND", "DTSTAMP"] {
                value(required);
            }
            (value("UID"), value("SUMMARY"))
        })
        .collect()
}

#[tokio::test]
async fn feeds_parse_with_one_event_per_stage_and_freeze_and_stable_uids() {
    let (app, _state) = app().await;
    put_calendar(&app, FREEZE, "").await;
    let get = |path: &'static str| {
        let app = &app;
        async move {
            let response = app
                .client
                .get(format!("{}{path}", app.base))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let kind = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .to_string();
            assert!(kind.starts_with("text/calendar"), "{kind}");
            response.text().await.unwrap()
        }
    };
    let first = events_of(&get("/api/v1/calendar.ics").await);
    let second = events_of(&get("/api/v1/calendar.ics").await);
    assert_eq!(first, second, "the same schedule gives the same UIDs");
    let stages = first
        .iter()
        .filter(|(uid, _)| uid.starts_with("stage-"))
        .count();
    assert_eq!(stages, 1, "billing-v2 has one stage: {first:?}");
    let freezes: Vec<_> = first
        .iter()
        .filter(|(uid, _)| uid.starts_with("freeze-"))
        .collect();
    assert_eq!(freezes.len(), 1, "{first:?}");
    assert_eq!(freezes[0].1, "Freeze: money-freeze");

    let plan = events_of(&get("/api/v1/plans/billing-v2/calendar.ics").await);
    assert!(
        plan.iter()
            .any(|(uid, _)| uid == "stage-billing-v2-1@breakwater"),
        "{plan:?}"
    );
    let (status, _) = app.get_json("/api/v1/plans/nope/calendar.ics").await;
    assert_eq!(status, 404);
}

/// ledger (team-money, like billing) to 1.1.0.
const LEDGER_PLAN: &str = "
plan: ledger-v2
policy:
  steps: [50, 100]
  bake: 1m
  gates: []
changes:
  - { service: ledger, to_version: 1.1.0 }
";

#[tokio::test]
async fn a_stage_waits_for_capacity_a_team_used_today_and_for_stages_under_way() {
    let (app, state) = app().await;
    approve_plan(&app.client, &app.base, LEDGER_PLAN).await;
    let daily = "timezone: UTC\ncapacity: { per_team_per_day: 1 }\n";
    let (status, saved) = put_calendar(&app, daily, "").await;
    assert_eq!(status, 200, "{saved}");
    let billing = started(&app).await;

    // team-money has started billing today: ledger waits for tomorrow, and nothing changes.
    let (_, created) = app
        .post_json("/api/v1/runs", json!({ "plan": "ledger-v2" }))
        .await;
    let ledger = created["id"].as_i64().unwrap();
    let (status, refused) = act(&app, ledger, "start").await;
    assert_eq!(status, 409, "{refused}");
    let error = refused["error"].as_str().unwrap();
    assert!(error.contains("team team-money has started 1"), "{error}");
    assert_eq!(run(&app, ledger).await["summary"]["revision"], 0);

    // The next day the team may start one again.
    state.settings.clock.set(T0 + 24 * 60 * MINUTE);
    let (status, outcome) = act(&app, ledger, "start").await;
    assert_eq!(status, 200, "{outcome}");
    abort(&app, ledger).await;

    // At most one service changing at once: billing's stage is still under way.
    put_calendar(
        &app,
        "timezone: UTC\ncapacity: { concurrent_services: 1 }\n",
        "",
    )
    .await;
    let (status, created) = app
        .post_json("/api/v1/runs", json!({ "plan": "ledger-v2" }))
        .await;
    assert_eq!(status, 201, "{created}");
    let again = created["id"].as_i64().unwrap();
    let (status, refused) = act(&app, again, "start").await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("changing in other runs"),
        "{refused}"
    );
    // Once billing's run is over, ledger may go.
    abort(&app, billing).await;
    let (status, outcome) = act(&app, again, "start").await;
    assert_eq!(status, 200, "{outcome}");
}
