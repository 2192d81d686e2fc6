#![cfg(feature = "ssr")]
//! Access against the real app: the authorization matrix over every route the router lists
//! (every role with every kind of credentials), refusals that change nothing, cross-site
//! requests, the sign-in rate limit, sessions, hostile credentials, the first-admin link and the
//! audit trail.

mod common;

use breakwater::server::access::accounts::{self, NewToken, NewUser};
use breakwater::server::access::policy::{self, Rule, RULES};
use breakwater::server::access::sign_in::{FREE_FAILURES, REFUSE_AFTER};
use breakwater::server::access::Actor;
use breakwater::server::store::AuditFilter;
use breakwater::server::{AppState, Settings};
use breakwater_domain::access::{Need, Role};
use common::{
    approve_plan, boutique_plan_yaml, boutique_yaml, plain_client, Session, TestApp, PASSWORD,
    SMALL_CATALOG,
};
use reqwest::header::{AUTHORIZATION, COOKIE, LOCATION, ORIGIN};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const DAY_MS: i64 = 24 * 3600 * 1000;
const EVIL: &str = "http://evil.example";

/// The kinds of credentials a request can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Credentials {
    None,
    Session,
    Token,
    ExpiredToken,
    RevokedToken,
}

/// What the guard must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    Allowed,
    /// 401, or for a page without credentials a 303 to the sign-in page.
    Unauthenticated,
    Forbidden,
}

fn expected(rule: &Rule, role: Role, credentials: Credentials) -> Expected {
    match credentials {
        // A token that is no longer valid is refused outright, even on public routes.
        Credentials::ExpiredToken | Credentials::RevokedToken => Expected::Unauthenticated,
        Credentials::None if rule.need == Need::Public => Expected::Allowed,
        Credentials::None => Expected::Unauthenticated,
        Credentials::Session | Credentials::Token if role.meets(rule.need) => Expected::Allowed,
        Credentials::Session | Credentials::Token => Expected::Forbidden,
    }
}

fn is_page(method: &Method, path: &str) -> bool {
    *method == Method::GET && !path.starts_with("/api/")
}

/// Every route the app answers, with its rule; a route without one fails here.
fn routes() -> Vec<(Method, String, &'static Rule)> {
    let mut routes: Vec<(Method, String, &'static Rule)> = breakwater::app::route_list()
        .into_iter()
        .map(|(method, path)| {
            let rule = policy::lookup(&method, &path).unwrap_or_else(|| {
                panic!("{method} {path} has no rule in the authorization table")
            });
            (method, path, rule)
        })
        .collect();
    routes.sort_by(|a, b| (a.1.as_str(), a.0.as_str()).cmp(&(b.1.as_str(), b.0.as_str())));
    routes.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    routes
}

// The router's list renders the page routes, which needs a runtime.
#[tokio::test]
async fn every_route_has_a_rule_and_every_rule_a_route() {
    let routes = routes();
    assert!(
        routes.len() > 50,
        "the router lists {} routes",
        routes.len()
    );
    for rule in RULES {
        assert!(
            routes
                .iter()
                .any(|(method, path, _)| method.as_str() == rule.method && path == rule.path),
            "a stale rule: {} {} names no route",
            rule.method,
            rule.path
        );
    }
}

/// The demo world a matrix pass fills path parameters from.
struct World {
    plan: String,
    run: i64,
    contract: String,
    service: String,
}

impl World {
    /// `pattern` with real entities for its parameters where there are any, harmless dummies
    /// elsewhere (the guard answers before a handler reads them).
    fn fill(&self, pattern: &str) -> String {
        pattern
            .split('/')
            .map(|segment| {
                let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
                else {
                    return segment.to_string();
                };
                match param {
                    "name" => self.plan.clone(),
                    "number" => "1".into(),
                    "service" => self.service.clone(),
                    "id" if pattern.contains("/runs/") => self.run.to_string(),
                    "id" if pattern.contains("/contracts/") => self.contract.clone(),
                    "id" if pattern.contains("/services/") => self.service.clone(),
                    _ => "dummy".into(),
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// One role's credentials of every kind.
struct Identity {
    role: Role,
    session: Session,
    token: String,
    expired: String,
    revoked: String,
}

async fn identities(app: &TestApp) -> Vec<Identity> {
    let now = chrono::Utc::now().timestamp_millis();
    let mut identities = Vec::new();
    for role in Role::ALL {
        let name = role.as_str().replace('_', "-");
        app.add_user(&name, role, &["team-payments"], PASSWORD)
            .await;
        let session = app.sign_in(&name, PASSWORD).await;
        let token = app
            .token_for(&format!("{name}-token"), role, &["team-payments"])
            .await;
        // Made two days ago for one day.
        let (_, expired) = accounts::create_token(
            &app.store,
            &Actor::cli(),
            now - 2 * DAY_MS,
            NewToken {
                name: format!("{name}-expired"),
                role,
                teams: vec![],
                expires_in_days: Some(1),
                secret: None,
            },
        )
        .await
        .unwrap();
        let revoked_name = format!("{name}-revoked");
        let revoked = app.token_for(&revoked_name, role, &[]).await;
        accounts::revoke_token(&app.store, &Actor::cli(), now, &revoked_name)
            .await
            .unwrap();
        identities.push(Identity {
            role,
            session,
            token,
            expired,
            revoked,
        });
    }
    identities
}

/// Everything a request could change, read as the admin (token use times aside: using a token
/// is not a change).
async fn snapshot(app: &TestApp, world: &World) -> BTreeMap<&'static str, Value> {
    let mut all = BTreeMap::new();
    let plan = format!("/api/v1/plans/{}", world.plan);
    let run = format!("/api/v1/runs/{}", world.run);
    for (key, path) in [
        ("revisions", "/api/v1/revisions"),
        ("plans", "/api/v1/plans"),
        ("plan", plan.as_str()),
        ("runs", "/api/v1/runs"),
        ("run", run.as_str()),
        ("calendar", "/api/v1/calendar"),
        ("faults", "/api/v1/simulator/faults"),
        ("users", "/api/v1/users"),
        ("tokens", "/api/v1/tokens"),
    ] {
        let (status, mut value) = app.get_json(path).await;
        assert_eq!(status, 200, "{path}: {value}");
        if key == "tokens" {
            for token in value.as_array_mut().unwrap() {
                token["last_used_at"] = Value::Null;
            }
        }
        if key == "run" {
            // The view's own clock reading aside.
            value = json!([value["summary"], value["state"], value["events"]]);
        }
        all.insert(key, value);
    }
    all
}

/// One request of the matrix: the status, and where a redirect points.
async fn probe(
    app: &TestApp,
    plain: &reqwest::Client,
    method: &Method,
    path: &str,
    identity: Option<&Identity>,
    credentials: Credentials,
) -> (StatusCode, String) {
    let url = format!("{}{path}", app.base);
    let request = match (identity, credentials) {
        (_, Credentials::None) | (None, _) => plain.request(method.clone(), url),
        (Some(who), Credentials::Session) => who.session.client.request(method.clone(), url),
        (Some(who), kind) => {
            let token = match kind {
                Credentials::Token => &who.token,
                Credentials::ExpiredToken => &who.expired,
                _ => &who.revoked,
            };
            plain
                .request(method.clone(), url)
                .header(AUTHORIZATION, format!("Bearer {token}"))
        }
    };
    // A request the server never answers fails here, naming the route, instead of stalling the suite.
    let response = tokio::time::timeout(std::time::Duration::from_secs(20), request.send())
        .await
        .unwrap_or_else(|_| panic!("{method} {path} ({credentials:?}) got no answer in 20 s"))
        .unwrap();
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
        .to_string();
    // The body is not read: the live feed never ends.
    (response.status(), location)
}

/// The boutique catalog, its demo plan approved and a run of it (pending: no executor).
async fn boutique_world(app: &TestApp) -> World {
    app.import(&boutique_yaml()).await;
    let plan = approve_plan(&app.client, &app.base, &boutique_plan_yaml()).await;
    let (status, run) = app.post_json("/api/v1/runs", json!({ "plan": plan })).await;
    assert_eq!(status, 201, "{run}");
    World {
        plan,
        run: run["id"].as_i64().unwrap(),
        contract: "payment-api".into(),
        service: "payment".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_and_credential_as_the_table_says() {
    let app = TestApp::spawn().await;
    let world = boutique_world(&app).await;
    let identities = identities(&app).await;
    let routes = routes();
    // Signing out ends the session the rest of the matrix uses: it goes last.
    let (last, routes): (Vec<_>, Vec<_>) = routes
        .into_iter()
        .partition(|(method, path, _)| *method == Method::POST && *path == "/logout");

    let mut cases = Vec::new();
    for (method, pattern, rule) in routes.iter().chain(&last) {
        cases.push((method, pattern, *rule, None, Credentials::None));
        for who in &identities {
            for credentials in [
                Credentials::Session,
                Credentials::Token,
                Credentials::ExpiredToken,
                Credentials::RevokedToken,
            ] {
                cases.push((method, pattern, *rule, Some(who), credentials));
            }
        }
    }
    let expect = |rule: &Rule, who: Option<&Identity>, credentials| {
        expected(rule, who.map_or(Role::Viewer, |w| w.role), credentials)
    };

    // First every refusal, then a check that none of them changed anything, then the rest.
    let plain = plain_client();
    let before = snapshot(&app, &world).await;
    let mut failures = Vec::new();
    let mut counts: BTreeMap<(Credentials, &str), usize> = BTreeMap::new();
    let (refused, allowed): (Vec<_>, Vec<_>) =
        cases
            .into_iter()
            .partition(|&(_, _, rule, who, credentials)| {
                expect(rule, who, credentials) != Expected::Allowed
            });
    for &(method, pattern, rule, who, credentials) in &refused {
        let path = world.fill(pattern);
        let (status, location) = probe(&app, &plain, method, &path, who, credentials).await;
        let wanted = expect(rule, who, credentials);
        let right = match wanted {
            Expected::Unauthenticated
                if credentials == Credentials::None && is_page(method, pattern) =>
            {
                status == StatusCode::SEE_OTHER && location.starts_with("/login?next=")
            }
            Expected::Unauthenticated => status == StatusCode::UNAUTHORIZED,
            Expected::Forbidden => status == StatusCode::FORBIDDEN,
            Expected::Allowed => unreachable!("refusals only"),
        };
        *counts.entry((credentials, "refused")).or_default() += 1;
        if !right {
            failures.push(format!(
                "{method} {path} {:?} {credentials:?}: {status} {location}, wanted {wanted:?}",
                who.map(|w| w.role)
            ));
        }
    }
    let after = snapshot(&app, &world).await;
    for (key, value) in &before {
        assert_eq!(&after[key], value, "a refused request changed {key}");
    }

    let mut server_errors = Vec::new();
    for &(method, pattern, _, who, credentials) in &allowed {
        let path = world.fill(pattern);
        let (status, location) = probe(&app, &plain, method, &path, who, credentials).await;
        let refused = matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
            || (*method == Method::GET && location.starts_with("/login"));
        *counts.entry((credentials, "allowed")).or_default() += 1;
        if refused {
            failures.push(format!(
                "{method} {path} {:?} {credentials:?}: {status} {location}, wanted it allowed",
                who.map(|w| w.role)
            ));
        }
        if status.is_server_error() {
            server_errors.push(format!("{method} {path} {credentials:?}: {status}"));
        }
    }
    println!(
        "{} routes x {} roles: {counts:?}",
        routes.len() + last.len(),
        identities.len()
    );
    assert!(
        failures.is_empty(),
        "{} wrong answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        server_errors.is_empty(),
        "allowed requests with empty bodies failed on the server:\n{}",
        server_errors.join("\n")
    );
}

/// An app with a release manager `rita` signed in.
async fn signed_in() -> (TestApp, Session) {
    let app = TestApp::spawn().await;
    app.add_user("rita", Role::ReleaseManager, &[], PASSWORD)
        .await;
    let session = app.sign_in("rita", PASSWORD).await;
    (app, session)
}

/// A POST to `path` with the session's cookie and exactly `headers` (no Origin unless given).
async fn post_with_cookie(
    app: &TestApp,
    session: &Session,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> StatusCode {
    let mut request = plain_client()
        .post(format!("{}{path}", app.base))
        .header(COOKIE, &session.cookie)
        .json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn cross_site_requests_with_a_session_are_refused_and_tokens_are_exempt() {
    let (app, session) = signed_in().await;
    let stop = json!({ "reason": "csrf test" });
    let server_function = json!({ "request": { "reason": "csrf test" } });
    let calls = [
        ("/api/v1/runs/stop-all", &stop),
        ("/api/runs/stop-all", &server_function),
    ];
    for (path, body) in calls {
        for headers in [
            vec![("origin", EVIL)],
            vec![("origin", "null")],
            vec![("sec-fetch-site", "cross-site")],
            vec![("sec-fetch-site", "same-site")],
            vec![],
        ] {
            let status = post_with_cookie(&app, &session, path, &headers, body).await;
            assert_eq!(status, 403, "{path} with {headers:?}");
        }
        let same_origin = [("origin", app.base.as_str())];
        let status = post_with_cookie(&app, &session, path, &same_origin, body).await;
        assert_eq!(status, 200, "{path} from this site");
        let fetch = [("sec-fetch-site", "same-origin")];
        let status = post_with_cookie(&app, &session, path, &fetch, body).await;
        assert_eq!(status, 200, "{path} same-origin by Sec-Fetch-Site");
    }
    let stops = |app: &TestApp| {
        let filter = AuditFilter {
            kind: Some("run.stop_all".into()),
            ..AuditFilter::default()
        };
        let store = app.store.clone();
        async move { store.audit(&filter, 0, 100).await.unwrap() }
    };
    let recorded = stops(&app).await;
    assert_eq!(recorded.iter().filter(|e| e.outcome == 200).count(), 4);
    assert!(recorded.iter().all(|e| e.actor == "rita"), "{recorded:?}");

    // A form post from another site: signing out (Sec-Fetch-Site, no Origin) does not happen.
    let form = plain_client()
        .post(format!("{}/logout", app.base))
        .header(COOKIE, &session.cookie)
        .header("sec-fetch-site", "cross-site")
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 403);
    let me = session
        .client
        .get(format!("{}/api/v1/me", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the session still works");

    // Signing a browser in from another site.
    let login = plain_client()
        .post(format!("{}/login", app.base))
        .header(ORIGIN, EVIL)
        .form(&[("name", "rita"), ("password", PASSWORD), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);
    assert!(login.headers().get("set-cookie").is_none());

    // API tokens are not ambient: no Origin needed, and a foreign one changes nothing.
    let token = app.token_for("ci", Role::ReleaseManager, &[]).await;
    for origin in [None, Some(EVIL)] {
        let mut request = plain_client()
            .post(format!("{}/api/v1/runs/stop-all", app.base))
            .bearer_auth(&token)
            .json(&stop);
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        assert_eq!(request.send().await.unwrap().status(), 200, "{origin:?}");
    }
}

#[tokio::test]
async fn repeated_wrong_passwords_are_slowed_then_refused() {
    let app = TestApp::spawn().await;
    app.add_user("bob", Role::Viewer, &[], PASSWORD).await;
    let started = Instant::now();
    let mut took = Vec::new();
    for attempt in 1..=REFUSE_AFTER {
        let at = Instant::now();
        let response = app.try_sign_in("bob", "not the password at all").await;
        took.push(at.elapsed());
        assert_eq!(response.status(), 303, "attempt {attempt}");
        let location = response.headers()[LOCATION].to_str().unwrap();
        assert!(location.starts_with("/login?error="), "{location}");
        assert!(Session::from_response(&app.base, &response).is_none());
    }
    let free = FREE_FAILURES as usize;
    let mut unslowed = took[..free].to_vec();
    unslowed.sort();
    let typical = unslowed[free / 2];
    let slowed = &took[free..];
    println!("free attempts {:?}, slowed {slowed:?}", &took[..free]);
    assert!(
        slowed.windows(2).all(|w| w[1] > w[0]),
        "each further failure waits longer: {slowed:?}"
    );
    let last = *slowed.last().unwrap();
    assert!(
        last.as_secs_f64() > 3.0 * typical.as_secs_f64(),
        "the last failure took {last:?}, a free one {typical:?}"
    );

    // Now even the right password is refused, for this account from any address.
    let refused = app.try_sign_in("bob", PASSWORD).await;
    assert_eq!(refused.status(), 429);
    assert!(Session::from_response(&app.base, &refused).is_none());
    let text = refused.text().await.unwrap();
    assert!(text.contains("too many failed sign-ins"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn signing_out_or_a_changed_account_ends_its_sessions() {
    let app = TestApp::spawn().await;
    app.add_user("rita", Role::ReleaseManager, &[], PASSWORD)
        .await;
    let me = |session: &Session| {
        let request = session.client.get(format!("{}/api/v1/me", app.base));
        async move { request.send().await.unwrap() }
    };

    let session = app.sign_in("rita", PASSWORD).await;
    let answer = me(&session).await;
    assert_eq!(answer.status(), 200);
    let who: Value = answer.json().await.unwrap();
    assert_eq!(
        (
            who["name"].as_str(),
            who["role"].as_str(),
            who["session"].as_bool()
        ),
        (Some("rita"), Some("release_manager"), Some(true))
    );
    let out = session
        .client
        .post(format!("{}/logout", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    assert_eq!(out.headers()[LOCATION], "/login");
    assert_eq!(me(&session).await.status(), 401);
    let page = session
        .client
        .get(format!("{}/plans", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);

    let at = chrono::Utc::now().timestamp_millis();
    let session = app.sign_in("rita", PASSWORD).await;
    accounts::set_role(&app.store, &Actor::cli(), at, "rita", Role::Viewer)
        .await
        .unwrap();
    assert_eq!(
        me(&session).await.status(),
        401,
        "a new role ends the session"
    );
    let session = app.sign_in("rita", PASSWORD).await;
    let who: Value = me(&session).await.json().await.unwrap();
    assert_eq!(who["role"], "viewer");

    accounts::disable_user(&app.store, &Actor::cli(), at, "rita")
        .await
        .unwrap();
    assert_eq!(
        me(&session).await.status(),
        401,
        "disabling ends the session"
    );
    let refused = app.try_sign_in("rita", PASSWORD).await;
    assert_eq!(refused.status(), 303);
    assert!(refused.headers()[LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/login?error="));
    assert!(Session::from_response(&app.base, &refused).is_none());
}

/// ledger (team-money) to 1.1.0.
const LEDGER_PLAN: &str = "
plan: ledger-v2
policy: { steps: [50, 100], bake: 1m, gates: [] }
changes:
  - { service: ledger, to_version: 1.1.0 }
";

#[tokio::test]
async fn a_service_owner_pauses_and_acknowledges_only_for_their_team() {
    let app = TestApp::spawn().await;
    app.import(SMALL_CATALOG).await;
    let plan = approve_plan(&app.client, &app.base, LEDGER_PLAN).await;
    let money = app
        .token_for("money-owner", Role::ServiceOwner, &["team-money"])
        .await;
    let web = app
        .token_for("web-owner", Role::ServiceOwner, &["team-web"])
        .await;
    let viewer = app.token_for("viewer", Role::Viewer, &[]).await;

    let path = format!("/api/v1/plans/{plan}/acknowledgements");
    let ack = |key: &str| Some(json!({ "key": key, "revision": 1, "comment": "ok" }).to_string());
    for (token, key, status) in [
        (&web, "ack:team-money", 403),
        (&viewer, "ack:team-money", 403),
        (&money, "rollback", 403),
        (&money, "ack:team-web", 403),
        (&money, "ack:team-money", 201),
    ] {
        let (got, body) = app.send(Method::POST, &path, ack(key), Some(token)).await;
        assert_eq!(got, status, "{key}: {body}");
    }

    let (status, run) = app.post_json("/api/v1/runs", json!({ "plan": plan })).await;
    assert_eq!(status, 201, "{run}");
    let id = run["id"].as_i64().unwrap();
    let path = format!("/api/v1/runs/{id}/actions");
    let action = |command: &str, revision: u64| {
        json!({ "command": command, "expected_revision": revision,
                "idempotency_key": format!("{command}-{revision}"), "reason": "owner test" })
        .to_string()
    };
    let (status, body) = app
        .send(Method::POST, &path, Some(action("start", 0)), None)
        .await;
    assert_eq!(status, 200, "{body}");
    for (token, command, status) in [
        (&web, "pause", 403),
        (&viewer, "pause", 403),
        (&money, "abort", 403),
        (&money, "pause", 200),
        (&money, "resume", 403),
    ] {
        let revision = app.get_json(&format!("/api/v1/runs/{id}")).await.1["summary"]["revision"]
            .as_u64()
            .unwrap();
        let body = Some(action(command, revision));
        let (got, answer) = app.send(Method::POST, &path, body, Some(token)).await;
        assert_eq!(got, status, "{command}: {answer}");
    }
    let (_, view) = app.get_json(&format!("/api/v1/runs/{id}")).await;
    assert_eq!(view["summary"]["status"], "paused");
    let last = view["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"]["actor"]["name"], "money-owner", "{last}");
}

/// How many users, tokens and audit events there are.
async fn counts(app: &TestApp) -> (i64, usize, usize) {
    (
        app.store.user_count().await.unwrap(),
        app.store.tokens().await.unwrap().len(),
        app.store
            .audit(&AuditFilter::default(), 0, 1000)
            .await
            .unwrap()
            .len(),
    )
}

#[tokio::test]
async fn hostile_credentials_get_clear_refusals_and_write_nothing() {
    let app = TestApp::spawn().await;
    app.add_user("rita", Role::ReleaseManager, &[], PASSWORD)
        .await;
    let before = counts(&app).await;
    let token = app.token.clone();
    let mut tampered = token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let huge = format!("Bearer bw_{}", "A".repeat(64 * 1024));
    let headers: Vec<(&str, Vec<u8>)> = vec![
        (
            AUTHORIZATION.as_str(),
            format!("Bearer xx_{}", &token[3..]).into_bytes(),
        ),
        (
            AUTHORIZATION.as_str(),
            format!("Bearer {}", &token[..token.len() - 1]).into_bytes(),
        ),
        (
            AUTHORIZATION.as_str(),
            format!("Bearer {tampered}").into_bytes(),
        ),
        (
            AUTHORIZATION.as_str(),
            format!("Bearer {token}x").into_bytes(),
        ),
        (
            AUTHORIZATION.as_str(),
            format!("Basic {token}").into_bytes(),
        ),
        (AUTHORIZATION.as_str(), b"Bearer bw_\xc3\xa9\xff".to_vec()),
        (AUTHORIZATION.as_str(), b"Bearer".to_vec()),
        (AUTHORIZATION.as_str(), huge.into_bytes()),
        (COOKIE.as_str(), b"breakwater_session=garbage".to_vec()),
        (
            COOKIE.as_str(),
            format!("breakwater_session={}", "A".repeat(43)).into_bytes(),
        ),
        (COOKIE.as_str(), b"breakwater_session=\xc3\xa9\xff".to_vec()),
        (
            COOKIE.as_str(),
            format!("breakwater_session={}", "A".repeat(64 * 1024)).into_bytes(),
        ),
        (COOKIE.as_str(), b"breakwater_session".to_vec()),
    ];
    for (name, value) in &headers {
        let shown = String::from_utf8_lossy(&value[..value.len().min(40)]).into_owned();
        let value = reqwest::header::HeaderValue::from_bytes(value).unwrap();
        // A token that is not valid is refused outright; a cookie that is not a session is no
        // session, so a page sends the browser to sign in.
        let page = if *name == AUTHORIZATION.as_str() {
            401
        } else {
            303
        };
        for (method, path, refused) in [
            (Method::GET, "/api/v1/me", 401),
            (Method::POST, "/api/v1/runs/stop-all", 401),
            (Method::POST, "/api/catalog", 401),
            (Method::GET, "/plans", page),
        ] {
            let response = plain_client()
                .request(method.clone(), format!("{}{path}", app.base))
                .header(*name, value.clone())
                .header(ORIGIN, &app.base)
                .json(&json!({ "reason": "hostile" }))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                refused,
                "{method} {path} with {name}: {shown}"
            );
            if refused == 401 {
                // The JSON API's error shape, or the server functions' (an `ApiError`).
                let body: Value = response.json().await.unwrap();
                let server_function = path.starts_with("/api/") && !path.starts_with("/api/v1/");
                let message = if server_function {
                    &body["Unauthenticated"]
                } else {
                    &body["error"]
                };
                assert!(message.is_string(), "{name}: {shown}: {body}");
            }
        }
    }

    // Sign-in and first-admin forms: overlong and odd values get an answer, not a session.
    let long = "n".repeat(10_000);
    let long_password = "p".repeat(60_000);
    for (name, password) in [
        (long.as_str(), PASSWORD),
        ("rita", long_password.as_str()),
        ("rita\u{0}", PASSWORD),
        ("", ""),
        ("Ríta", "🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂"),
    ] {
        let response = app.try_sign_in(name, password).await;
        assert_eq!(response.status(), 303, "{:.20} / {:.20}", name, password);
        assert!(Session::from_response(&app.base, &response).is_none());
    }
    let oversized = plain_client()
        .post(format!("{}/login", app.base))
        .header(ORIGIN, &app.base)
        .form(&[("name", "rita"), ("password", &"p".repeat(100_000))])
        .send()
        .await
        .unwrap();
    assert_eq!(oversized.status(), 413);
    assert_eq!(counts(&app).await, before, "nothing written");

    // The same rules on the paths that add accounts and tokens.
    let workers = breakwater::server::work::Workers::new(1);
    let at = chrono::Utc::now().timestamp_millis();
    for (name, password) in [
        ("x".repeat(65), PASSWORD.to_string()),
        ("Rita".into(), PASSWORD.into()),
        ("".into(), PASSWORD.into()),
        ("uma".into(), "short".into()),
        ("uma".into(), "p".repeat(1025)),
        ("rita".into(), PASSWORD.into()),
    ] {
        let new = NewUser {
            name: name.clone(),
            role: Role::Viewer,
            teams: vec![],
            password,
            only_if_first: false,
        };
        let added = accounts::add_user(&app.store, &workers, &Actor::cli(), at, new).await;
        assert!(added.is_err(), "{name:.20}");
    }
    let error = "wizard".parse::<Role>().unwrap_err();
    assert!(error.contains("unknown role 'wizard'"), "{error}");
    for new in [
        NewToken {
            name: "t".repeat(65),
            role: Role::Viewer,
            teams: vec![],
            expires_in_days: None,
            secret: None,
        },
        NewToken {
            name: "ok".into(),
            role: Role::Viewer,
            teams: vec!["Team Money".into()],
            expires_in_days: None,
            secret: None,
        },
        NewToken {
            name: "ok".into(),
            role: Role::Viewer,
            teams: vec![],
            expires_in_days: Some(0),
            secret: None,
        },
        NewToken {
            name: "ok".into(),
            role: Role::Viewer,
            teams: vec![],
            expires_in_days: None,
            secret: Some(tampered[..20].to_string()),
        },
    ] {
        assert!(accounts::create_token(&app.store, &Actor::cli(), at, new)
            .await
            .is_err());
    }
    assert_eq!(counts(&app).await, before, "nothing written");
    let (status, _) = app.get("/api/v1/revisions").await;
    assert_eq!(status, 200, "the server still answers");
}

/// The app with its state, for the first-admin link it holds.
async fn fresh() -> (TestApp, AppState) {
    TestApp::spawn_with(Settings::default()).await
}

async fn setup(app: &TestApp, origin: &str, form: &[(&str, &str)]) -> reqwest::Response {
    plain_client()
        .post(format!("{}/setup", app.base))
        .header(ORIGIN, origin)
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_first_admin_link_works_once() {
    let (app, state) = fresh().await;
    let secret = state.sign_in.new_setup_secret();
    let base = app.base.clone();
    let form = |secret: &str, password: &str| {
        vec![
            ("secret", secret.to_string()),
            ("name", "ada".to_string()),
            ("password", password.to_string()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>, origin: String| {
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            setup(app, &origin, &pairs).await
        }
    };
    let wrong = format!("setup_{}", "A".repeat(43));
    for bad in [
        wrong.as_str(),
        "setup_short",
        "",
        &secret[..secret.len() - 1],
    ] {
        let response = post(form(bad, PASSWORD), base.clone()).await;
        assert_eq!(response.status(), 410, "{bad}");
    }
    let response = post(form(&secret, PASSWORD), EVIL.into()).await;
    assert_eq!(response.status(), 403, "from another site");
    let response = post(form(&secret, "short"), base.clone()).await;
    assert_eq!(response.status(), 303);
    let location = response.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&format!("/setup/{secret}?error=")),
        "{location}"
    );
    assert_eq!(app.store.user_count().await.unwrap(), 0);

    let response = post(form(&secret, PASSWORD), base.clone()).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], "/");
    let session = Session::from_response(&app.base, &response).expect("signed in");
    let who: Value = session
        .client
        .get(format!("{}/api/v1/me", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (who["name"].as_str(), who["role"].as_str()),
        (Some("ada"), Some("admin"))
    );
    let response = post(form(&secret, PASSWORD), base.clone()).await;
    assert_eq!(response.status(), 410, "used");
    assert_eq!(app.store.user_count().await.unwrap(), 1);
}

#[tokio::test]
async fn changes_made_with_a_token_are_in_the_audit_trail() {
    let app = TestApp::spawn().await;
    app.import(SMALL_CATALOG).await;
    let ci = app.token_for("ci-bot", Role::ReleaseManager, &[]).await;
    let plan = approve_plan(&common::bearer_client(&ci), &app.base, LEDGER_PLAN).await;
    let (status, run) = app.post_json("/api/v1/runs", json!({ "plan": plan })).await;
    assert_eq!(status, 201, "{run}");
    let id = run["id"].as_i64().unwrap();
    let start = json!({ "command": "start", "expected_revision": 0,
                        "idempotency_key": "start", "reason": "audit test" });
    let actions = format!("/api/v1/runs/{id}/actions");
    let (status, body) = app
        .send(Method::POST, &actions, Some(start.to_string()), Some(&ci))
        .await;
    assert_eq!(status, 200, "{body}");
    let calendar = "timezone: UTC\nrules:\n  - { name: quiet, kind: freeze, start: 2027-01-01T00:00, end: 2027-01-02T00:00 }\n";
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/v1/calendar",
            Some(calendar.into()),
            Some(&ci),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, trail) = app.get_json("/api/v1/audit?actor=ci-bot").await;
    assert_eq!(status, 200, "{trail}");
    let seen: Vec<(&str, &str, i64)> = trail
        .as_array()
        .unwrap()
        .iter()
        .inspect(|e| assert_eq!(e["via"], "token ci-bot", "{e}"))
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["subject"].as_str().unwrap(),
                e["outcome"].as_i64().unwrap(),
            )
        })
        .collect();
    let (plan_subject, run_subject) = (format!("plan {plan}"), format!("run {id}"));
    assert_eq!(
        seen,
        [
            ("plan.save", plan_subject.as_str(), 201),
            ("plan.review", plan_subject.as_str(), 200),
            ("plan.review", plan_subject.as_str(), 200),
            ("run.act", run_subject.as_str(), 200),
            ("calendar.save", "calendar", 200),
        ]
    );
    // Each change says what it changed from and to.
    let events = trail.as_array().unwrap();
    let before_after = |i: usize| (events[i]["before"].clone(), events[i]["after"].clone());
    assert_eq!(
        before_after(2),
        (json!("revision 1 in_review"), json!("revision 1 approved"))
    );
    assert_eq!(
        before_after(3),
        (json!("pending"), json!("running after start: audit test"))
    );
    // The subject filter finds a plan's events.
    let (_, by_plan) = app.get_json(&format!("/api/v1/audit?subject={plan}")).await;
    assert_eq!(by_plan.as_array().unwrap().len(), 3, "{by_plan}");

    let (status, family) = app.get_json("/api/v1/audit?kind=plan.").await;
    assert_eq!(status, 200);
    let kinds: Vec<&str> = family
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["plan.save", "plan.review", "plan.review"]);
    let (status, _) = app.get_json("/api/v1/audit?kind=run.").await;
    assert_eq!(status, 200);

    let viewer = app.token_for("viewer", Role::Viewer, &[]).await;
    let (status, body) = app
        .send(Method::GET, "/api/v1/audit", None, Some(&viewer))
        .await;
    assert_eq!(status, 403, "{body}");
}
