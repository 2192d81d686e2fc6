//! The real app on port 0 with a temporary SQLite database, shared by the integration suites.
#![allow(dead_code)] // each suite uses its own part of this

use breakwater::app;
use breakwater::server::store::Store;
use breakwater::server::AppState;
use serde_json::Value;
use std::path::PathBuf;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::open(&url).await.expect("open store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = app::router(AppState::new(store.clone(), app::leptos_options(addr)));
        tokio::spawn(app::serve(listener, router, std::future::pending()));
        TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            store,
            _dir: dir,
        }
    }

    pub async fn post_catalog(&self, yaml: &str) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/api/v1/catalog", self.base))
            .body(yaml.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Imports a catalog that must be accepted: a setup step that fails says so.
    pub async fn import(&self, yaml: &str) -> Value {
        let (status, body) = self.post_catalog(yaml).await;
        assert_eq!(status, 201, "setup import refused: {body}");
        body
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    pub async fn service_ids(&self) -> Vec<String> {
        let (status, body) = self.get("/api/v1/catalog").await;
        assert_eq!(status, 200);
        let view: Value = serde_json::from_str(&body).unwrap();
        view["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    }
}

/// The boutique demo as one self-contained YAML (specs inline), as `catalog export` writes it.
pub fn boutique_yaml() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("demo/boutique");
    let text = std::fs::read_to_string(dir.join("catalog.yaml")).unwrap();
    let loaded = breakwater_domain::catalog::load(&text, &mut |path: &str| {
        std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string())
    });
    assert!(loaded.is_valid(), "{:?}", loaded.problems);
    loaded.catalog.unwrap().to_yaml()
}

impl TestApp {
    /// Sends `body` (when given) with `method` to `path`, signed by `user` (the
    /// `x-breakwater-user` header) when given; the answer as JSON, or as a JSON string when it
    /// is not JSON.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
        user: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.body(body);
        }
        if let Some(user) = user {
            request = request.header("x-breakwater-user", user);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None, None).await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body.to_string()), None)
            .await
    }
}

/// The boutique demo plan as one self-contained YAML (contract documents inline), as
/// `plan export` writes it.
pub fn boutique_plan_yaml() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("demo/boutique");
    let text = std::fs::read_to_string(dir.join("plan.yaml")).unwrap();
    let loaded = breakwater_domain::plan::load(&text, &mut |path: &str| {
        std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string())
    });
    assert!(loaded.is_valid(), "{:?}", loaded.problems);
    breakwater_domain::plan::document::to_yaml(&loaded.spec.unwrap())
}

impl TestApp {
    /// The app with `settings`, and its state for tests that call server functions directly.
    /// The background tasks are not started (`state.start_background()` starts them).
    pub async fn spawn_with(settings: breakwater::server::Settings) -> (TestApp, AppState) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::open(&url).await.expect("open store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::with_settings(store.clone(), app::leptos_options(addr), settings);
        tokio::spawn(app::serve(
            listener,
            app::router(state.clone()),
            std::future::pending(),
        ));
        let test = TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            store,
            _dir: dir,
        };
        (test, state)
    }
}

/// Three services: storefront calls billing, which calls ledger; ledger runs in two regions.
pub const SMALL_CATALOG: &str = "
services:
  - { id: ledger, owner: team-money, tier: critical, version: 1.0.0, regions: [eu-west, us-east] }
  - id: billing
    owner: team-money
    tier: standard
    version: 1.0.0
    depends_on: [{ service: ledger }]
  - id: storefront
    owner: team-web
    tier: standard
    version: 1.0.0
    depends_on: [{ service: billing }]
";

/// Saves `yaml` as a new plan through the JSON API at `base` and takes it through review to
/// approved; answers the plan's name. A setup step that fails says so.
pub async fn approve_plan(client: &reqwest::Client, base: &str, yaml: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/plans"))
        .header("x-breakwater-user", "ana")
        .body(yaml.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let saved: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "setup plan refused: {saved}");
    let name = saved["saved"]["name"].as_str().unwrap().to_string();
    let revision = saved["saved"]["revision"].as_i64().unwrap();
    for state in ["in_review", "approved"] {
        let response = client
            .post(format!("{base}/api/v1/plans/{name}/state"))
            .json(&serde_json::json!({ "state": state, "revision": revision, "by": "bo" }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert_eq!(
            status,
            200,
            "setup {state} refused: {}",
            response.text().await.unwrap()
        );
    }
    name
}
