//! The real app on port 0 with a temporary SQLite database, shared by the integration suites.
//! Every app has an admin API token, which `client` sends, so a suite acts as an admin unless it
//! asks for another role ([`TestApp::token`], [`TestApp::client_as`]) or signs a user in
//! ([`TestApp::sign_in`]).
#![allow(dead_code)] // each suite uses its own part of this

use breakwater::app;
use breakwater::server::access::accounts::{self, NewToken, NewUser};
use breakwater::server::access::sign_in::COOKIE;
use breakwater::server::access::Actor;
use breakwater::server::clock::Clock;
use breakwater::server::store::Store;
use breakwater::server::{AppState, Settings};
use breakwater_domain::access::Role;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, COOKIE as COOKIE_HEADER, ORIGIN};
use serde_json::Value;
use std::path::PathBuf;

/// The name of the admin token every app's `client` sends: the actor its changes are recorded by.
pub const ADMIN: &str = "test-admin";
/// A password that passes the rules, for users the suites add.
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub base: String,
    /// Acts as an admin: sends the [`ADMIN`] token.
    pub client: reqwest::Client,
    /// The admin token `client` sends.
    pub token: String,
    pub store: Store,
    clock: Clock,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Settings::default()).await.0
    }

    /// The app with `settings`, and its state for tests that call server functions directly.
    /// The background tasks are not started (`state.start_background()` starts them).
    pub async fn spawn_with(settings: Settings) -> (TestApp, AppState) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::open(&url).await.expect("open store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clock = settings.clock.clone();
        let state = AppState::with_settings(store.clone(), app::leptos_options(addr), settings);
        tokio::spawn(app::serve(
            listener,
            app::router(state.clone()),
            std::future::pending(),
        ));
        let mut test = TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            token: String::new(),
            store,
            clock,
            _dir: dir,
        };
        test.token = test.token_for(ADMIN, Role::Admin, &[]).await;
        test.client = bearer_client(&test.token);
        (test, state)
    }

    /// A new API token named `name` with `role` (owning `teams`' services), created as
    /// `breakwater token create` does; it never expires.
    pub async fn token_for(&self, name: &str, role: Role, teams: &[&str]) -> String {
        let new = NewToken {
            name: name.into(),
            role,
            teams: teams.iter().map(|t| t.to_string()).collect(),
            expires_in_days: None,
            secret: None,
        };
        accounts::create_token(&self.store, &Actor::cli(), self.clock.now(), new)
            .await
            .expect("a test token")
            .1
    }

    /// A client acting as a new token named `name` with `role` and `teams`.
    pub async fn client_as(&self, name: &str, role: Role, teams: &[&str]) -> reqwest::Client {
        bearer_client(&self.token_for(name, role, teams).await)
    }

    /// Adds a user with `password`, as `breakwater user add` does.
    pub async fn add_user(&self, name: &str, role: Role, teams: &[&str], password: &str) {
        let workers = breakwater::server::work::Workers::new(1);
        let new = NewUser {
            name: name.into(),
            role,
            teams: teams.iter().map(|t| t.to_string()).collect(),
            password: password.into(),
            only_if_first: false,
        };
        accounts::add_user(&self.store, &workers, &Actor::cli(), self.clock.now(), new)
            .await
            .expect("a test user");
    }

    /// Signs `name` in with `password` through `POST /login` (from this site, as the sign-in
    /// page does); the session, which must be granted.
    pub async fn sign_in(&self, name: &str, password: &str) -> Session {
        let response = self.try_sign_in(name, password).await;
        assert_eq!(response.status().as_u16(), 303, "sign-in of {name}");
        Session::from_response(&self.base, &response)
            .unwrap_or_else(|| panic!("no session cookie for {name}: {:?}", response.headers()))
    }

    /// `POST /login` with `name` and `password` from this site; the answer, not followed.
    pub async fn try_sign_in(&self, name: &str, password: &str) -> reqwest::Response {
        plain_client()
            .post(format!("{}/login", self.base))
            .header(ORIGIN, &self.base)
            .form(&[("name", name), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap()
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

/// A browser's session: its cookie, and a client that sends it from this site (`Origin`), as
/// Breakwater's own pages do. Redirects are not followed, so a test sees them.
pub struct Session {
    /// `breakwater_session=…`, as the `Cookie` header carries it.
    pub cookie: String,
    pub client: reqwest::Client,
}

impl Session {
    /// The session a sign-in answer's `Set-Cookie` starts, if it starts one.
    pub fn from_response(base: &str, response: &reqwest::Response) -> Option<Session> {
        let cookie = response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|pair| {
                pair.strip_prefix(COOKIE)
                    .and_then(|rest| rest.strip_prefix('='))
                    .is_some_and(|value| !value.is_empty())
            })?
            .to_string();
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE_HEADER, HeaderValue::from_str(&cookie).unwrap());
        headers.insert(ORIGIN, HeaderValue::from_str(base).unwrap());
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Some(Session { cookie, client })
    }
}

/// A client that sends `token` as `Authorization: Bearer` on every request.
pub fn bearer_client(token: &str) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// A client without credentials that does not follow redirects: what a request is answered,
/// exactly.
pub fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
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
    /// Sends `body` (when given) with `method` to `path`, as the admin or with `token` when
    /// given; the answer as JSON, or as a JSON string when it is not JSON.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<String>,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.body(body);
        }
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
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
/// approved, with `client` (a release manager's or an admin's); answers the plan's name. A
/// setup step that fails says so.
pub async fn approve_plan(client: &reqwest::Client, base: &str, yaml: &str) -> String {
    let response = client
        .post(format!("{base}/api/v1/plans"))
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
            .json(&serde_json::json!({ "state": state, "revision": revision }))
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

/// A new admin token named `name`, made by `breakwater token create` on the database at `url`:
/// for suites that run the binary.
pub fn cli_admin_token(url: &str, name: &str) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_breakwater"))
        .args(["--database", url, "token", "create", "--name", name])
        .args(["--role", "admin"])
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "token create: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}
