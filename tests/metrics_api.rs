#![cfg(feature = "ssr")]
//! Health signals against the real app: pushed batches stored and read back, every kind of bad
//! batch refused whole, the memory bound, flushes that lose nothing, retention, fault injection
//! and the simulator.

mod common;

use breakwater::server::clock::Clock;
use breakwater::server::metrics::{self, MAX_BATCH_BYTES, MAX_PENDING_BUCKETS};
use breakwater::server::store::Wanted;
use breakwater::server::{AppState, Settings};
use breakwater_domain::health::{Series, BUCKET_MILLIS, MAX_BATCH_SAMPLES};
use breakwater_domain::plan::Signal;
use breakwater_domain::run::Millis;
use common::{boutique_yaml, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const HOUR: Millis = 3600 * 1000;

async fn boutique(settings: Settings) -> (TestApp, AppState) {
    let (app, state) = TestApp::spawn_with(settings).await;
    app.import(&boutique_yaml()).await;
    (app, state)
}

fn sample(service: &str, version: &str, at: Millis, requests: u64, errors: u64) -> Value {
    json!({
        "service": service,
        "version": version,
        "region": "us-east-1",
        "at": at,
        "requests": requests,
        "errors": errors,
        "latency": { "percentiles": { "p50": 20.0, "p90": 60.0, "p99": 120.0 } },
    })
}

async fn post_samples(app: &TestApp, samples: Vec<Value>) -> (u16, Value) {
    app.post_json("/api/v1/metrics", json!({ "samples": samples }))
        .await
}

/// Everything stored and pending for `services` over the last day.
async fn everything(state: &AppState, services: &[&str]) -> Series {
    let now = Clock::system().now();
    let wanted = Wanted {
        services: services.iter().map(|s| s.to_string()).collect(),
        from: now - 24 * HOUR,
        to: now + HOUR,
    };
    metrics::load(state, &[wanted]).await.unwrap()
}

fn total_requests(series: &Series) -> u64 {
    series.buckets.values().map(|b| b.requests).sum()
}

#[tokio::test]
async fn a_good_batch_is_kept_and_read_back_once_whether_flushed_or_not() {
    let (app, state) = boutique(Settings::default()).await;
    let now = Clock::system().now();
    let batch = vec![
        sample("frontend", "0.10.2", now - 1000, 1000, 10),
        sample("frontend", "0.10.2", now - 2000, 500, 0),
        sample("checkout", "1.4.0", now - 1000, 200, 2),
    ];
    let (status, body) = post_samples(&app, batch).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body, json!({ "accepted": 3 }));

    let in_memory = everything(&state, &["frontend", "checkout"]).await;
    assert_eq!(total_requests(&in_memory), 1700);
    assert!(metrics::flush(&state).await.unwrap() >= 2);
    assert_eq!(metrics::flush(&state).await.unwrap(), 0, "flushed once");
    let stored = everything(&state, &["frontend", "checkout"]).await;
    assert_eq!(
        stored, in_memory,
        "the same buckets before and after the flush"
    );

    // More of a stored bucket is merged with it, histogram included.
    let (status, _) = post_samples(&app, vec![sample("checkout", "1.4.0", now, 800, 8)]).await;
    assert_eq!(status, 202);
    metrics::flush(&state).await.unwrap();
    let checkout = everything(&state, &["checkout"]).await;
    let window = checkout.aggregate("checkout", Some("1.4.0"), now - HOUR, now + HOUR);
    assert_eq!((window.requests, window.errors), (1000, 10));
    assert_eq!(window.error_rate(), Some(1.0));
    let p99 = window.p99().unwrap();
    assert!((100.0..=150.0).contains(&p99), "p99 {p99}");
    assert_eq!(
        total_requests(&everything(&state, &["frontend"]).await),
        1500
    );

    // The sparkline: 15 minutes of buckets, the last ones with the error rate.
    let points = metrics::sparkline(&state, "frontend", None, Signal::ErrorRate, now)
        .await
        .unwrap();
    assert_eq!(points.len() as Millis, 15 * 60 * 1000 / BUCKET_MILLIS);
    assert!(points[..points.len() - 2].iter().all(Option::is_none));
    let seen: Vec<f64> = points.iter().flatten().copied().collect();
    assert!(
        !seen.is_empty() && seen.iter().all(|rate| *rate <= 1.0),
        "{seen:?}"
    );
    let checks = metrics::sparkline(&state, "frontend", None, Signal::DataCheck, now).await;
    assert_eq!(checks.unwrap(), Vec::<Option<f64>>::new());
}

#[tokio::test]
async fn every_kind_of_bad_batch_is_refused_whole_and_nothing_is_kept() {
    let (app, state) = boutique(Settings::default()).await;
    let now = Clock::system().now();
    let good = sample("frontend", "0.10.2", now - 1000, 100, 1);
    let with = |field: &str, value: Value| {
        let mut bad = good.clone();
        bad[field] = value;
        bad
    };
    let cases: Vec<(&str, Value)> = vec![
        ("from the future", with("at", json!(now + HOUR))),
        (
            "from before the retention",
            with("at", json!(now - 8 * 24 * HOUR)),
        ),
        ("an unknown service", with("service", json!("warehouse"))),
        ("more errors than requests", with("errors", json!(101))),
        ("an absurd request count", with("requests", json!(u64::MAX))),
        (
            "a huge latency",
            with(
                "latency",
                json!({ "percentiles": { "p50": 1e300, "p90": 1e300, "p99": 1e300 } }),
            ),
        ),
        (
            "a negative latency",
            with(
                "latency",
                json!({ "percentiles": { "p50": -1.0, "p90": 2.0, "p99": 3.0 } }),
            ),
        ),
        (
            "a histogram whose counts do not match its bounds",
            with(
                "latency",
                json!({ "histogram": { "bounds_ms": [10.0, 100.0], "counts": [5] } }),
            ),
        ),
        ("an empty version", with("version", json!(""))),
    ];
    for (what, bad) in cases {
        let (status, body) = post_samples(&app, vec![good.clone(), bad]).await;
        assert_eq!(status, 400, "{what}: {body}");
        let problems = body["problems"]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: {body}"));
        assert!(!problems.is_empty(), "{what}");
        assert!(
            problems
                .iter()
                .all(|p| p["path"].as_str().unwrap().starts_with("samples[1]")),
            "{what}: only the bad sample is blamed: {body}"
        );
    }

    let too_many = vec![good.clone(); MAX_BATCH_SAMPLES + 1];
    let (status, body) = post_samples(&app, too_many).await;
    assert_eq!(status, 400, "{body}");

    // Malformed bodies: the serde reason, no problem list.
    for body in [
        "{\"samples\": [".to_string(),
        "not json".into(),
        json!({ "samples": [with("at", json!(1e300))] }).to_string(),
        json!({ "samples": [good], "extra": 1 }).to_string(),
        json!({ "sample": [] }).to_string(),
    ] {
        let (status, answer) = app
            .send(Method::POST, "/api/v1/metrics", Some(body.clone()), None)
            .await;
        assert_eq!(status, 400, "{body}: {answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.starts_with("invalid request body"), "{error}");
    }

    let oversized = format!("{{\"samples\": [\"{}\"]}}", "x".repeat(MAX_BATCH_BYTES));
    let (status, body) = app
        .send(Method::POST, "/api/v1/metrics", Some(oversized), None)
        .await;
    assert_eq!(status, 413, "{body}");

    metrics::flush(&state).await.unwrap();
    assert_eq!(
        everything(&state, &["frontend", "warehouse"]).await,
        Series::default()
    );
}

#[tokio::test]
async fn a_flood_of_new_series_is_refused_instead_of_growing_the_memory() {
    let (app, state) = boutique(Settings::default()).await;
    let now = Clock::system().now();
    let batch = |first: usize| -> Vec<Value> {
        (first..first + MAX_BATCH_SAMPLES)
            .map(|i| sample("frontend", &format!("1.0.{i}"), now - 1000, 10, 0))
            .collect()
    };
    for full in 0..MAX_PENDING_BUCKETS / MAX_BATCH_SAMPLES {
        let (status, body) = post_samples(&app, batch(full * MAX_BATCH_SAMPLES)).await;
        assert_eq!(status, 202, "{body}");
    }
    let (status, body) = post_samples(&app, batch(MAX_PENDING_BUCKETS)).await;
    assert_eq!(status, 503, "{body}");
    // Series already pending are still taken, and a flush makes room again.
    let (status, _) = post_samples(&app, batch(0)).await;
    assert_eq!(status, 202);
    assert_eq!(metrics::flush(&state).await.unwrap(), MAX_PENDING_BUCKETS);
    let (status, _) = post_samples(&app, batch(MAX_PENDING_BUCKETS)).await;
    assert_eq!(status, 202);
}

#[tokio::test]
async fn samples_arriving_during_flushes_are_all_kept() {
    let (app, state) = boutique(Settings::default()).await;
    let now = Clock::system().now();
    let posting = (0..8).map(|client| {
        let (base, http) = (app.base.clone(), app.client.clone());
        tokio::spawn(async move {
            for round in 0..20 {
                let samples: Vec<Value> = (0..50)
                    .map(|i| {
                        let at = now - (round * 50 + i) as Millis * 100;
                        sample("cart", &format!("1.{client}.0"), at, 3, 1)
                    })
                    .collect();
                let response = http
                    .post(format!("{base}/api/v1/metrics"))
                    .json(&json!({ "samples": samples }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 202);
            }
        })
    });
    let posting: Vec<_> = posting.collect();
    let flushing = {
        let state = state.clone();
        tokio::spawn(async move {
            for _ in 0..40 {
                metrics::flush(&state).await.unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    for client in posting {
        client.await.unwrap();
    }
    flushing.await.unwrap();
    let series = everything(&state, &["cart"]).await;
    assert_eq!(total_requests(&series), 8 * 20 * 50 * 3);
    metrics::flush(&state).await.unwrap();
    assert_eq!(everything(&state, &["cart"]).await, series);
}

#[tokio::test]
async fn retention_deletes_the_buckets_past_it() {
    let settings = Settings {
        metrics_retention: Duration::from_secs(3600),
        ..Settings::default()
    };
    let (app, state) = boutique(settings).await;
    let now = Clock::system().now();
    let batch = vec![
        sample("ad", "1.2.0", now - 50 * 60 * 1000, 10, 0),
        sample("ad", "1.2.0", now - 1000, 20, 0),
    ];
    let (status, body) = post_samples(&app, batch).await;
    assert_eq!(status, 202, "{body}");
    metrics::flush(&state).await.unwrap();

    assert_eq!(metrics::sweep(&state, now).await.unwrap(), 0);
    assert_eq!(
        metrics::sweep(&state, now + 30 * 60 * 1000).await.unwrap(),
        1
    );
    assert_eq!(total_requests(&everything(&state, &["ad"]).await), 20);
    assert_eq!(metrics::sweep(&state, now + 2 * HOUR).await.unwrap(), 1);
    assert_eq!(everything(&state, &["ad"]).await, Series::default());
}

#[tokio::test]
async fn faults_are_validated_listed_and_cleared() {
    let (app, _state) = boutique(Settings::default()).await;
    let fault = json!({
        "service": "payment",
        "version": "1.8.0",
        "added_latency_ms": 800.0,
        "error_rate": 0.2,
        "duration_secs": 60,
    });
    let with = |field: &str, value: Value| {
        let mut changed = fault.clone();
        changed[field] = value;
        changed
    };
    let mut neither = with("error_rate", json!(0.0));
    neither["added_latency_ms"] = json!(0.0);
    let refused = [
        (404, with("service", json!("warehouse"))),
        (400, with("added_latency_ms", json!(-1.0))),
        (400, with("added_latency_ms", json!(60_001.0))),
        (400, with("error_rate", json!(1.5))),
        (400, with("duration_secs", json!(0))),
        (400, with("duration_secs", json!(3601))),
        (400, with("version", json!("v".repeat(101)))),
        (400, neither),
        (400, with("duration_secs", json!("long"))),
        (400, json!({ "service": "payment" })),
    ];
    for (expected, body) in refused {
        let (status, answer) = app
            .post_json("/api/v1/simulator/faults", body.clone())
            .await;
        assert_eq!(status, expected, "{body}: {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    let (status, listed) = app.get_json("/api/v1/simulator/faults").await;
    assert_eq!(
        (status, listed),
        (200, json!({ "faults": [], "simulating": false }))
    );

    let (status, answer) = app
        .post_json("/api/v1/simulator/faults", fault.clone())
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["simulating"], json!(false));
    let injected = &answer["fault"];
    assert_eq!(injected["service"], "payment");
    let span = injected["until"].as_i64().unwrap() - injected["from"].as_i64().unwrap();
    assert_eq!(span, 60_000);

    let (_, listed) = app.get_json("/api/v1/simulator/faults").await;
    assert_eq!(listed["faults"], json!([injected]));
    let (status, cleared) = app
        .send(Method::DELETE, "/api/v1/simulator/faults", None, None)
        .await;
    assert_eq!((status, cleared["cleared"].clone()), (200, json!(1)));
    let (_, listed) = app.get_json("/api/v1/simulator/faults").await;
    assert_eq!(listed["faults"], json!([]));
}

#[tokio::test]
async fn the_simulator_produces_traffic_for_every_service() {
    let settings = Settings {
        simulate: true,
        ..Settings::default()
    };
    let (app, state) = boutique(settings).await;
    state.start_background();
    let services = app.service_ids().await;
    let names: Vec<&str> = services.iter().map(String::as_str).collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let series = everything(&state, &names).await;
        let silent: Vec<&&str> = names
            .iter()
            .filter(|s| series.aggregate(s, None, 0, Millis::MAX).requests == 0)
            .collect();
        if silent.is_empty() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no simulated traffic for {silent:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, listed) = app.get_json("/api/v1/simulator/faults").await;
    assert_eq!(listed["simulating"], json!(true));
}
