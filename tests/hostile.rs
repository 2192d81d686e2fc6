#![cfg(feature = "ssr")]
//! Hostile input against the real server: each request gets a clear 4xx (or a bounded answer),
//! the server keeps answering, nothing is stored by a refused request, and memory stays bounded.

mod common;

use breakwater::app::{body_limit, SMALL_BODY_BYTES};
use breakwater_domain::catalog::MAX_CATALOG_BYTES;
use common::{boutique_yaml, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// A two-service catalog whose provider offers the JSON Schema contract `events` as `document`.
fn catalog_with_schema(version: &str, document: &Value) -> String {
    let document = serde_json::to_string(document).unwrap();
    let catalog = json!({
        "services": [
            { "id": "producer", "owner": "team-a", "tier": "standard", "version": version,
              "provides": [{ "contract": "events", "kind": "json-schema", "version": version,
                             "document": document }] },
            { "id": "consumer", "owner": "team-b", "tier": "standard", "version": "1.0.0",
              "depends_on": [{ "service": "producer", "contract": "events" }] }
        ]
    });
    serde_json::to_string(&catalog).unwrap()
}

/// Definitions d0 -> d1 -> ... -> d{links}, each an object whose `next` property refers to the
/// following one: the comparison descends once per link.
fn ref_chain(links: usize, leaf_type: &str) -> Value {
    let mut definitions = serde_json::Map::new();
    for i in 0..links {
        definitions.insert(
            format!("d{i}"),
            json!({ "type": "object", "properties": { "next": { "$ref": format!("#/definitions/d{}", i + 1) } } }),
        );
    }
    definitions.insert(format!("d{links}"), json!({ "type": leaf_type }));
    json!({ "$ref": "#/definitions/d0", "definitions": definitions })
}

/// `anyOf` with `branches` object alternatives, each requiring its own property.
fn wide_any_of(branches: usize, suffix: &str) -> Value {
    let alternatives: Vec<Value> = (0..branches)
        .map(|i| {
            let name = format!("p{i}{suffix}");
            json!({ "type": "object", "properties": { name.clone(): { "type": "string" } }, "required": [name] })
        })
        .collect();
    json!({ "anyOf": alternatives })
}

async fn revision_count(app: &TestApp) -> usize {
    app.store.revisions(1000).await.unwrap().len()
}

/// The server still serves pages and the API.
async fn still_answers(app: &TestApp, after: &str) {
    for path in ["/api/v1/revisions", "/"] {
        let (status, _) = app.get(path).await;
        assert_eq!(status, 200, "GET {path} after {after}");
    }
}

async fn send(app: &TestApp, method: Method, path: &str, body: Vec<u8>) -> (u16, String) {
    let response = app
        .client
        .request(method, format!("{}{path}", app.base))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[tokio::test]
async fn refused_catalogs_get_clear_answers_and_store_nothing() {
    let app = TestApp::spawn().await;
    app.import(&boutique_yaml()).await;
    let nested = |depth: usize| format!("services: {}{}", "[".repeat(depth), "]".repeat(depth));
    let mut alias_bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let previous = format!("*a{}", i - 1);
        alias_bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![previous; 10].join(", ")
        ));
    }
    alias_bomb.push_str("services: *a9\n");
    let huge_id = format!(
        "services:\n  - {{ id: {}, owner: o, tier: low, version: 1.0.0 }}\n",
        "x".repeat(2_000_000)
    );
    // (what, body): every one is refused with 422 and the problems.
    let cases: Vec<(&str, String)> = vec![
        ("100,000 levels of flow nesting", nested(100_000)),
        ("block nesting", format!("services:\n{}", (0..2_000).map(|i| format!("{}- ", " ".repeat(i * 2))).collect::<Vec<_>>().join("\n"))),
        ("an alias bomb", alias_bomb),
        ("a 2 MB service id", huge_id),
        ("not YAML at all", "\u{0}\u{1}{{{{".into()),
        ("a spec path over the API", "services:\n  - { id: a, owner: o, tier: low, version: 1.0.0, provides: [{ contract: c, kind: openapi, version: 1.0.0, spec: ../../etc/passwd }] }\n".into()),
    ];
    let before = revision_count(&app).await;
    for (what, body) in cases {
        let (status, body) = send(&app, Method::POST, "/api/v1/catalog", body.into_bytes()).await;
        assert_eq!(status, 422, "{what}: {}", &body[..body.len().min(500)]);
        let outcome: Value = serde_json::from_str(&body).unwrap();
        assert!(
            !outcome["problems"].as_array().unwrap().is_empty(),
            "{what}"
        );
        assert_eq!(
            revision_count(&app).await,
            before,
            "{what} stored something"
        );
        still_answers(&app, what).await;
    }
    let peak = peak_memory_bytes().unwrap_or(0);
    assert!(peak < 2 << 30, "peak memory {peak} bytes");
}

#[tokio::test]
async fn a_deep_ref_chain_never_takes_the_server_down() {
    let app = TestApp::spawn().await;
    for links in [2_000, 10_000] {
        let v1 = ref_chain(links, "string");
        let v2 = ref_chain(links, "integer");
        for (version, document) in [("1.0.0", &v1), ("2.0.0", &v2)] {
            let (status, body) = app
                .post_catalog(&catalog_with_schema(version, document))
                .await;
            assert!(
                status == 201 || status == 422,
                "{links} links, {version}: {status} {body}"
            );
        }
        still_answers(&app, "a deep $ref chain").await;
        let (status, body) = app.get("/api/v1/contracts/events/diff").await;
        assert!([200, 400, 404].contains(&status), "diff: {status} {body}");
        let (status, body) = app.get("/api/v1/contracts/matrix").await;
        assert_eq!(status, 200, "{body}");
        let request = json!({ "service": "producer", "version": "3.0.0", "contract": "events",
                              "document": serde_json::to_string(&ref_chain(links, "boolean")).unwrap() });
        let (status, body) = send(
            &app,
            Method::POST,
            "/api/v1/can-i-deploy",
            request.to_string().into_bytes(),
        )
        .await;
        assert!(
            status == 200 || status == 400 || status == 404,
            "can-i-deploy: {status} {body}"
        );
    }
}

#[tokio::test]
async fn wide_any_of_is_answered_within_the_budget() {
    let app = TestApp::spawn().await;
    app.import(&catalog_with_schema("1.0.0", &wide_any_of(2_000, "")))
        .await;
    let request = json!({ "service": "producer", "version": "2.0.0",
                          "document": serde_json::to_string(&wide_any_of(2_000, "x")).unwrap() });
    let (status, body) = send(
        &app,
        Method::POST,
        "/api/v1/can-i-deploy",
        request.to_string().into_bytes(),
    )
    .await;
    assert!(status == 200 || status == 400, "{status} {body}");
    still_answers(&app, "a wide anyOf").await;
}

#[tokio::test]
async fn each_body_limit_holds_just_under_and_just_over() {
    let app = TestApp::spawn().await;
    let base = boutique_yaml();
    let padded = |size: usize| {
        let mut text = base.clone();
        text.push('#');
        text.push_str(&"x".repeat(size - text.len() - 1));
        text.push('\n');
        text
    };

    // The JSON API's catalog import: the 10 MB catalog limit.
    let (status, body) = app.post_catalog(&padded(MAX_CATALOG_BYTES)).await;
    assert_eq!(status, 201, "{body}");
    let stored = revision_count(&app).await;
    let (status, body) = send(
        &app,
        Method::POST,
        "/api/v1/catalog",
        padded(MAX_CATALOG_BYTES + 1).into_bytes(),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert!(
        error["error"].as_str().unwrap().contains("larger than"),
        "{body}"
    );
    assert!(
        error["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{body}"
    );
    assert_eq!(revision_count(&app).await, stored);

    // The browser upload: 20 MB of files; the body limit leaves room for JSON escaping.
    let upload = |catalog: String| {
        serde_json::to_vec(&json!({ "files": [{ "path": "catalog.yaml", "text": catalog }] }))
            .unwrap()
    };
    let limit = body_limit(&Method::POST, "/api/catalog/import");
    let (status, body) = send(
        &app,
        Method::POST,
        "/api/catalog/import",
        upload(padded(MAX_CATALOG_BYTES)),
    )
    .await;
    assert_eq!(status, 200, "{}", &body[..body.len().min(300)]);
    assert!(
        serde_json::from_str::<Value>(&body).unwrap()["revision"].is_object(),
        "{body}"
    );
    let stored = revision_count(&app).await;
    let over = upload("#".repeat(limit));
    let (status, body) = send(&app, Method::POST, "/api/catalog/import", over).await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body.contains("TooLarge"),
        "server functions decode ApiError: {body}"
    );
    assert_eq!(revision_count(&app).await, stored);

    // Can-i-deploy: a 10 MB candidate spec.
    let spec = |size: usize| {
        let mut text =
            String::from("openapi: 3.0.3\ninfo: { title: t, version: 9.0.0 }\npaths: {}\n#");
        text.push_str(&"x".repeat(size - text.len()));
        text
    };
    let request = |document: String| {
        json!({ "service": "payment", "version": "9.0.0", "document": document })
            .to_string()
            .into_bytes()
    };
    let max = breakwater::wire::contracts::MAX_SPEC_BYTES;
    let (status, body) = send(
        &app,
        Method::POST,
        "/api/v1/can-i-deploy",
        request(spec(max)),
    )
    .await;
    assert_eq!(status, 200, "{}", &body[..body.len().min(300)]);
    let (status, body) = send(
        &app,
        Method::POST,
        "/api/v1/can-i-deploy",
        request(spec(max + 1)),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    let over = vec![b' '; body_limit(&Method::POST, "/api/v1/can-i-deploy") + 1];
    let (status, _) = send(&app, Method::POST, "/api/v1/can-i-deploy", over).await;
    assert_eq!(status, 413);

    // Everything else: small bodies only.
    let (status, body) = send(
        &app,
        Method::POST,
        "/api/contracts/diff",
        vec![b'x'; SMALL_BODY_BYTES + 1],
    )
    .await;
    assert_eq!(status, 413, "{body}");
    still_answers(&app, "the body limits").await;
}

#[tokio::test]
async fn unknown_query_values_are_json_errors() {
    let app = TestApp::spawn().await;
    app.import(&boutique_yaml()).await;
    for (query, expected) in [("mode=zzz", 400), ("colour=red", 400), ("from=%FF", 404)] {
        let (status, body) = app
            .get(&format!("/api/v1/contracts/payment-api/diff?{query}"))
            .await;
        assert_eq!(status, expected, "{query}: {body}");
        let error: Value =
            serde_json::from_str(&body).unwrap_or_else(|_| panic!("{query}: {body}"));
        assert!(error["error"].is_string(), "{query}: {body}");
    }
    let (status, body) = app.get("/api/v1/nowhere").await;
    assert_eq!(status, 404);
    assert!(serde_json::from_str::<Value>(&body).unwrap()["error"].is_string());
}

#[tokio::test]
async fn concurrent_imports_all_succeed() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let base = boutique_yaml();
    let imports = (0..20).map(|i| {
        let app = app.clone();
        // 1-2 MB each, like the reproduction.
        let yaml = format!("{base}#{}\n", "x".repeat(1_000_000 + i * 50_000));
        tokio::spawn(async move { app.post_catalog(&yaml).await })
    });
    for import in futures_join(imports.collect()).await {
        let (status, body) = import;
        assert_eq!(status, 201, "{body}");
    }
    assert_eq!(revision_count(&app).await, 20);
}

async fn futures_join<T>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn same_named_specs_in_two_folders_keep_their_own_documents() {
    let app = TestApp::spawn().await;
    let spec = |title: &str| {
        format!("openapi: 3.0.3\ninfo: {{ title: {title}, version: 1.0.0 }}\npaths: {{}}\n")
    };
    let catalog = "services:
  - { id: alpha, owner: a, tier: low, version: 1.0.0, provides: [{ contract: alpha-api, kind: openapi, version: 1.0.0, spec: alpha/api.yaml }] }
  - { id: beta, owner: b, tier: low, version: 1.0.0, provides: [{ contract: beta-api, kind: openapi, version: 1.0.0, spec: beta/api.yaml }] }
";
    let files = |with_folders: bool| {
        let path = |p: &str| {
            if with_folders {
                format!("demo/{p}")
            } else {
                p.rsplit('/').next().unwrap().to_string()
            }
        };
        json!({ "files": [
            { "path": path("x/catalog.yaml"), "text": catalog },
            { "path": path("x/alpha/api.yaml"), "text": spec("Alpha") },
            { "path": path("x/beta/api.yaml"), "text": spec("Beta") },
        ]})
    };
    // Picked one by one, the two api.yaml files cannot be told apart: refused, nothing stored.
    let (status, body) = send(
        &app,
        Method::POST,
        "/api/catalog/import",
        serde_json::to_vec(&files(false)).unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let outcome: Value = serde_json::from_str(&body).unwrap();
    assert!(outcome["revision"].is_null(), "{body}");
    assert!(body.contains("upload the folder"), "{body}");
    assert_eq!(revision_count(&app).await, 0);

    // With their folders, each contract gets its own document.
    let (status, body) = send(
        &app,
        Method::POST,
        "/api/catalog/import",
        serde_json::to_vec(&files(true)).unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        serde_json::from_str::<Value>(&body).unwrap()["revision"].is_object(),
        "{body}"
    );
    let (_, catalog) = app.store.current_catalog().await.unwrap().unwrap();
    let document = |contract: &str| catalog.contract(contract).unwrap().1.document.clone();
    assert!(document("alpha-api").contains("Alpha"));
    assert!(document("beta-api").contains("Beta"));
}

// Plans: hostile plan files, bodies and arguments against the JSON API and the server
// functions under /api/plans/*.

const PLAN: &str = "plan: hostile\nchanges:\n  - { service: payment, to_version: 2.0.0 }\n";

async fn plan_count(app: &TestApp) -> usize {
    app.store.plan_summaries().await.unwrap().len()
}

fn problem_codes(body: &Value) -> Vec<&str> {
    body["problems"]
        .as_array()
        .map(|problems| problems.iter().filter_map(|p| p["code"].as_str()).collect())
        .unwrap_or_default()
}

/// Hostile plan files, each just under the 10 MB limit.
fn hostile_plans() -> Vec<(&'static str, String, &'static str)> {
    let one = "  - { service: payment, to_version: 2.0.0 }\n";
    let unknown: String = (0..100_000)
        .map(|i| format!("  - {{ service: x{i}, to_version: 2.0.0 }}\n"))
        .collect();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let previous = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{previous}]\n"));
    }
    let document = serde_json::to_string(&deep).unwrap();
    vec![
        (
            "100,000 changes",
            format!("plan: p\nchanges:\n{unknown}"),
            "OVER_LIMIT",
        ),
        (
            "a million steps",
            format!(
                "plan: p\npolicy:\n  steps:\n{}changes:\n{one}",
                "    - 50\n".repeat(1_000_000)
            ),
            "OVER_LIMIT",
        ),
        (
            "400,000 bad gates",
            format!(
                "plan: p\npolicy:\n  gates:\n{}changes:\n{one}",
                "    - { signal: x }\n".repeat(400_000)
            ),
            "TOO_MANY_PROBLEMS",
        ),
        (
            "a 5 MB version",
            format!(
                "plan: p\nchanges:\n  - {{ service: payment, to_version: '{}' }}\n",
                "9".repeat(5_000_000)
            ),
            "OVER_LIMIT",
        ),
        (
            "100,000 levels of nesting",
            format!("plan: p\nchanges: {deep}\n"),
            "TOO_DEEP",
        ),
        (
            "an alias bomb",
            format!("plan: p\n{bomb}changes: *a9\n"),
            "YAML_SYNTAX",
        ),
        (
            "a contract nested 100,000 deep",
            format!(
                "plan: p\nchanges:\n  - {{ service: payment, to_version: 2.0.0, contracts: \
                 [{{ contract: payment-api, version: 2.0.0, document: {document} }}] }}\n"
            ),
            "INVALID_SPEC",
        ),
    ]
}

#[tokio::test]
async fn hostile_plan_files_get_clear_answers_and_store_nothing() {
    let app = TestApp::spawn().await;
    app.import(&boutique_yaml()).await;
    for (what, text, code) in hostile_plans() {
        assert!(
            text.len() < breakwater_domain::plan::MAX_PLAN_BYTES,
            "{what}"
        );
        let (status, body) = app
            .send(Method::POST, "/api/v1/plans", Some(text.clone()), None)
            .await;
        assert_eq!(status, 422, "{what}");
        assert!(problem_codes(&body).contains(&code), "{what}: {body:.300}");
        let max = breakwater_domain::plan::document::MAX_PROBLEMS;
        assert!(problem_codes(&body).len() <= 2 * (max + 1), "{what}");
        let (status, body) = app
            .send(Method::POST, "/api/v1/plans/check", Some(text), None)
            .await;
        assert_eq!(status, 200, "{what}");
        assert!(problem_codes(&body).contains(&code), "{what}: {body:.300}");
        assert_eq!(plan_count(&app).await, 0, "{what} stored a plan");
        still_answers(&app, what).await;
    }
    let (status, body) = send(&app, Method::POST, "/api/v1/plans", vec![0xff, 0xfe]).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(plan_count(&app).await, 0);
}

#[tokio::test]
async fn the_editor_endpoints_refuse_hostile_specs() {
    let app = TestApp::spawn().await;
    app.import(&boutique_yaml()).await;
    // The editor sends a spec, not a file: loaded here only to build one.
    let (_, text, _) = hostile_plans().swap_remove(0);
    let spec = breakwater_domain::plan::load(&text, &mut |_: &str| Err(String::new()))
        .spec
        .unwrap();
    let request = serde_json::to_vec(&json!({ "spec": spec, "based_on": null })).unwrap();
    let (status, body) = send(&app, Method::POST, "/api/plans/check", request.clone()).await;
    assert_eq!(status, 200, "{body:.300}");
    let checked: Value = serde_json::from_str(&body).unwrap();
    assert!(
        problem_codes(&checked).contains(&"OVER_LIMIT"),
        "{body:.300}"
    );
    assert!(checked["plan"]["stages"].as_array().unwrap().is_empty());
    let (status, body) = send(&app, Method::POST, "/api/plans/save", request).await;
    assert_eq!(status, 200, "{body:.300}");
    let outcome: Value = serde_json::from_str(&body).unwrap();
    assert!(outcome["saved"].is_null(), "{body:.300}");
    assert!(problem_codes(&outcome).contains(&"OVER_LIMIT"));

    // Garbage and wrong types: a 4xx, never a panic or a 5xx.
    for (path, body) in [
        ("/api/plans/save", "garbage".to_string()),
        ("/api/plans/save", json!({ "spec": 1 }).to_string()),
        (
            "/api/plans/save",
            json!({ "spec": spec, "based_on": "1" }).to_string(),
        ),
        (
            "/api/plans/save",
            json!({ "spec": spec, "based_on": -1 }).to_string(),
        ),
        ("/api/plans/check", "[[[[[[".to_string()),
        (
            "/api/plans/state",
            json!({ "name": "a/b", "revision": 1, "state": "approved" }).to_string(),
        ),
        (
            "/api/plans/state",
            json!({ "name": "hostile", "revision": -1, "state": "approved" }).to_string(),
        ),
        (
            "/api/plans/state",
            json!({ "name": "hostile", "revision": 1e300, "state": "approved" }).to_string(),
        ),
        (
            "/api/plans/acknowledge",
            json!({ "name": "é", "revision": 1, "key": "k", "comment": "" }).to_string(),
        ),
    ] {
        let (status, answer) = send(&app, Method::POST, path, body.into_bytes()).await;
        assert!(
            (400..500).contains(&status),
            "{path}: {status} {answer:.300}"
        );
    }
    for query in [
        "name=a%2Fb",
        "name=hostile&revision=-1",
        "name=hostile&revision=x",
        "",
    ] {
        let (status, answer) = app.get(&format!("/api/plans/get?{query}")).await;
        assert!(
            (400..500).contains(&status),
            "{query}: {status} {answer:.300}"
        );
    }
    assert_eq!(plan_count(&app).await, 0);
    still_answers(&app, "the editor endpoints").await;
}

#[tokio::test]
async fn bad_plan_arguments_are_4xx_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.import(&boutique_yaml()).await;
    let (status, body) = app
        .send(Method::POST, "/api/v1/plans", Some(PLAN.into()), None)
        .await;
    assert_eq!(status, 201, "{body}");
    let huge = "9".repeat(30);
    for (method, path, body, expected) in [
        (
            Method::PUT,
            "/api/v1/plans/hostile?based_on=-1".to_string(),
            PLAN.to_string(),
            400,
        ),
        (
            Method::PUT,
            "/api/v1/plans/hostile?based_on=0".into(),
            PLAN.into(),
            400,
        ),
        (
            Method::PUT,
            "/api/v1/plans/hostile?based_on=abc".into(),
            PLAN.into(),
            400,
        ),
        (
            Method::PUT,
            format!("/api/v1/plans/hostile?based_on={huge}"),
            PLAN.into(),
            400,
        ),
        (
            Method::PUT,
            format!("/api/v1/plans/hostile?based_on={}", i64::MAX),
            PLAN.into(),
            409,
        ),
        (Method::PUT, "/api/v1/plans/a%2Fb".into(), PLAN.into(), 400),
        (
            Method::PUT,
            "/api/v1/plans/%C3%A9t%C3%A9".into(),
            PLAN.into(),
            400,
        ),
        (
            Method::GET,
            format!("/api/v1/plans/hostile/revisions/{huge}"),
            String::new(),
            400,
        ),
        (
            Method::GET,
            format!("/api/v1/plans/hostile/revisions/{}", i64::MAX),
            String::new(),
            404,
        ),
        (
            Method::GET,
            "/api/v1/plans/hostile/revisions/-1".into(),
            String::new(),
            400,
        ),
        (
            Method::GET,
            "/api/v1/plans/hostile/diff?from=-1&to=1".into(),
            String::new(),
            400,
        ),
        (
            Method::GET,
            "/api/v1/plans/hostile/diff?from=x&to=1".into(),
            String::new(),
            400,
        ),
        (
            Method::POST,
            "/api/v1/plans/hostile/state".into(),
            "{".into(),
            400,
        ),
        (
            Method::POST,
            "/api/v1/plans/hostile/state".into(),
            json!({ "state": "in_review", "revision": "1" }).to_string(),
            400,
        ),
        (
            Method::POST,
            "/api/v1/plans/hostile/state".into(),
            json!({ "state": "in_review", "revision": -5 }).to_string(),
            400,
        ),
        (
            Method::POST,
            "/api/v1/plans/hostile/state".into(),
            json!({ "state": "in_review", "revision": i64::MAX }).to_string(),
            409,
        ),
        (
            Method::POST,
            "/api/v1/plans/hostile/acknowledgements".into(),
            json!({ "key": "ack:team-payments", "revision": 1, "comment": "c".repeat(3_000) })
                .to_string(),
            400,
        ),
        (
            Method::POST,
            "/api/v1/plans/hostile/acknowledgements".into(),
            json!({ "key": "ack:team-payments", "revision": 1, "comment": "c".repeat(100_000) })
                .to_string(),
            413,
        ),
        (
            Method::POST,
            "/api/v1/plans/hostile/acknowledgements".into(),
            json!({ "key": "ack:🙂".repeat(1_000), "revision": 1 }).to_string(),
            400,
        ),
    ] {
        let (status, answer) = send(&app, method.clone(), &path, body.into_bytes()).await;
        assert_eq!(status, expected, "{method} {path}: {answer:.300}");
    }
    let (_, history) = app.get("/api/v1/plans/hostile/revisions").await;
    assert_eq!(
        serde_json::from_str::<Value>(&history)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let summary = app.store.plan_summary("hostile").await.unwrap().unwrap();
    assert_eq!((summary.revision, summary.state.as_str()), (1, "draft"));
    let detail = app.get("/api/v1/plans/hostile").await.1;
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert!(detail["acknowledgements"].as_array().unwrap().is_empty());
    still_answers(&app, "bad plan arguments").await;
}

/// A review step or an acknowledgement racing a save: either it lands on the revision it names
/// before the save, or it is a conflict; it never lands on the new revision.
#[tokio::test]
async fn approvals_and_acknowledgements_racing_a_save_never_reach_the_new_revision() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    app.import(&boutique_yaml()).await;
    let (status, _) = app
        .send(Method::POST, "/api/v1/plans", Some(PLAN.into()), None)
        .await;
    assert_eq!(status, 201);
    for round in 1..=8i64 {
        let state = |state: &str| json!({ "state": state, "revision": round }).to_string();
        let (status, body) = send(
            &app,
            Method::POST,
            "/api/v1/plans/hostile/state",
            state("in_review").into_bytes(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let next = PLAN.replace("2.0.0", &format!("2.0.{round}"));
        let save = {
            let app = app.clone();
            tokio::spawn(async move {
                app.send(Method::PUT, "/api/v1/plans/hostile", Some(next), None)
                    .await
            })
        };
        let approve = {
            let (app, body) = (app.clone(), state("approved"));
            tokio::spawn(async move {
                send(
                    &app,
                    Method::POST,
                    "/api/v1/plans/hostile/state",
                    body.into_bytes(),
                )
                .await
            })
        };
        let acknowledge = {
            let app = app.clone();
            let body = json!({ "key": "ack:team-payments", "revision": round }).to_string();
            tokio::spawn(async move {
                send(
                    &app,
                    Method::POST,
                    "/api/v1/plans/hostile/acknowledgements",
                    body.into_bytes(),
                )
                .await
            })
        };
        let (saved, approved, acknowledged) = (
            save.await.unwrap(),
            approve.await.unwrap(),
            acknowledge.await.unwrap(),
        );
        assert_eq!(saved.0, 200, "round {round}: {}", saved.1);
        assert!(
            [200, 409].contains(&approved.0),
            "round {round}: {approved:?}"
        );
        assert!(
            [201, 409].contains(&acknowledged.0),
            "round {round}: {acknowledged:?}"
        );
        let (_, detail) = app.get("/api/v1/plans/hostile").await;
        let detail: Value = serde_json::from_str(&detail).unwrap();
        assert_eq!(detail["revision"], round + 1);
        assert_eq!(detail["summary"]["state"], "draft", "round {round}");
        assert!(detail["approved_by"].is_null(), "round {round}");
        assert!(
            detail["acknowledgements"].as_array().unwrap().is_empty(),
            "round {round}"
        );
    }
}
