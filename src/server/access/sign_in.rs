//! Signing in and out with a password, the first-admin link, and the rate limit on failed
//! attempts. These are plain form posts (`POST /login`, `/logout`, `/setup`) answered with
//! redirects, so they work without JavaScript; the pages that hold the forms are in the UI.

use super::accounts::{add_user, verify_password, NewUser};
use super::{digest, new_secret, well_formed, Actor, Principal, Via};
use crate::server::AppState;
use crate::wire::ApiError;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use breakwater_domain::access::{Role, MAX_PASSWORD_BYTES};
use breakwater_domain::run::Millis;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The session cookie's name.
pub const COOKIE: &str = "breakwater_session";
/// How long a session lasts from signing in: a working day.
pub const SESSION_MS: Millis = 12 * 3600 * 1000;
/// The prefix of the first-admin link's secret.
const SETUP_PREFIX: &str = "setup_";

/// Failed sign-ins are counted per account and per address over this window.
pub const FAILURE_WINDOW_MS: Millis = 15 * 60 * 1000;
/// Failures before each further attempt is slowed.
pub const FREE_FAILURES: u32 = 5;
/// Failures after which attempts are refused until the window ends.
pub const REFUSE_AFTER: u32 = 10;
/// Most counters kept at once (names and addresses); past it the smallest are forgotten.
const MAX_COUNTERS: usize = 10_000;

/// What signing in keeps in memory: failure counters and the first-admin link's digest.
#[derive(Debug, Default)]
pub struct SignIn {
    failures: Mutex<HashMap<String, Failures>>,
    setup: Mutex<Option<String>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Millis,
}

impl SignIn {
    /// Counts an attempt for `keys` before it is checked (so concurrent guesses count too) and
    /// says how long to slow it down, or refuses it. A success clears the counts.
    fn attempt(&self, keys: &[String], now: Millis) -> Result<Duration, ApiError> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut worst = Failures {
            count: 0,
            since: now,
        };
        for key in keys {
            let entry = failures.entry(key.clone()).or_insert(Failures {
                count: 0,
                since: now,
            });
            if now - entry.since >= FAILURE_WINDOW_MS {
                *entry = Failures {
                    count: 0,
                    since: now,
                };
            }
            if entry.count >= REFUSE_AFTER {
                let minutes = (entry.since + FAILURE_WINDOW_MS - now + 59_999) / 60_000;
                return Err(ApiError::TooManyAttempts(format!(
                    "too many failed sign-ins; try again in {minutes} minute{}",
                    if minutes == 1 { "" } else { "s" }
                )));
            }
            entry.count += 1;
            if entry.count > worst.count {
                worst = *entry;
            }
        }
        if failures.len() > MAX_COUNTERS {
            failures.retain(|_, f| now - f.since < FAILURE_WINDOW_MS && f.count > 1);
        }
        let slowed = worst.count.saturating_sub(FREE_FAILURES + 1).min(5);
        Ok(if worst.count > FREE_FAILURES {
            Duration::from_millis(100 << slowed)
        } else {
            Duration::ZERO
        })
    }

    fn succeeded(&self, keys: &[String]) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            failures.remove(key);
        }
    }

    /// A new first-admin link secret (the previous one stops working).
    pub fn new_setup_secret(&self) -> String {
        let secret = new_secret(SETUP_PREFIX);
        *self.setup.lock().unwrap_or_else(|e| e.into_inner()) = Some(digest(&secret));
        secret
    }

    fn setup_matches(&self, secret: &str) -> bool {
        well_formed(SETUP_PREFIX, secret)
            && self
                .setup
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_deref()
                == Some(digest(secret).as_str())
    }

    fn clear_setup(&self) {
        *self.setup.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// The first-admin link to print at start, when no user exists yet.
pub async fn first_admin_link(state: &AppState, base: &str) -> Result<Option<String>, ApiError> {
    if state.store.user_count().await? > 0 {
        return Ok(None);
    }
    Ok(Some(format!(
        "{base}/setup/{}",
        state.sign_in.new_setup_secret()
    )))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: a session cookie and a redirect to `next`, or back to the form with why.
pub async fn post_login(State(state): State<AppState>, request: Request) -> Response {
    let address = super::guard::address(&request);
    let secure = behind_tls(request.headers());
    let form = match parse_form::<LoginForm>(request).await {
        Ok(form) => form,
        Err(message) => return back_to("/login", &message, "").into_response(),
    };
    let next = safe_next(&form.next);
    let keys = [format!("user:{}", form.name), format!("addr:{address}")];
    let now = state.settings.clock.now();
    let delay = match state.sign_in.attempt(&keys, now) {
        Ok(delay) => delay,
        Err(refused) => return (refused.status(), refused.to_string()).into_response(),
    };
    tokio::time::sleep(delay).await;
    let invalid = || back_to("/login", "wrong name or password", next).into_response();
    if form.name.len() > 256 || form.password.len() > MAX_PASSWORD_BYTES {
        return invalid();
    }
    let account = match state.store.account(&form.name).await {
        Ok(account) => account,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let hash = account
        .as_ref()
        .filter(|a| !a.disabled)
        .map(|a| a.password_hash.clone());
    match verify_password(&state.workers, form.password, hash).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(user = %form.name, %address, "failed sign-in");
            return invalid();
        }
        Err(e) => return e.into_response(),
    }
    state.sign_in.succeeded(&keys);
    let actor = Actor {
        name: form.name.clone(),
        via: "session".into(),
        address: address.clone(),
    };
    start_session(&state, &actor, now, secure, next).await
}

/// Stores a new session for `actor` and answers with its cookie and a redirect to `next`.
async fn start_session(
    state: &AppState,
    actor: &Actor,
    now: Millis,
    secure: bool,
    next: &str,
) -> Response {
    let secret = new_secret("");
    let stored = state
        .store
        .insert_session(
            &digest(&secret),
            &actor.name,
            now,
            now + SESSION_MS,
            &actor.address,
        )
        .await;
    let audited = state
        .store
        .append_audit(&actor.event(now, "session.login", &actor.name, 303))
        .await;
    if let Err(e) = stored.and(audited) {
        return ApiError::from(e).into_response();
    }
    let cookie = format!(
        "{COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_MS / 1000,
        if secure { "; Secure" } else { "" }
    );
    with_cookie(Redirect::to(next).into_response(), &cookie)
}

/// `POST /logout`: ends the session and clears its cookie.
pub async fn post_logout(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Response {
    if let Via::Session(digest) = &principal.via {
        if let Err(e) = state.store.delete_session(digest).await {
            return ApiError::from(e).into_response();
        }
    }
    with_cookie(
        Redirect::to("/login").into_response(),
        &format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    )
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    secret: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

/// `POST /setup`: the first admin, from the link `serve` printed; then signed in.
pub async fn post_setup(State(state): State<AppState>, request: Request) -> Response {
    let address = super::guard::address(&request);
    let secure = behind_tls(request.headers());
    let form = match parse_form::<SetupForm>(request).await {
        Ok(form) => form,
        Err(message) => return back_to("/login", &message, "").into_response(),
    };
    if !state.sign_in.setup_matches(&form.secret) {
        let gone = ApiError::Gone(
            "this first-admin link is not valid: it was used, or the server restarted and \
             printed a new one"
                .into(),
        );
        return (gone.status(), gone.to_string()).into_response();
    }
    let page = format!("/setup/{}", form.secret);
    let actor = Actor {
        name: form.name.clone(),
        via: "setup link".into(),
        address,
    };
    let now = state.settings.clock.now();
    let first = NewUser {
        name: form.name,
        role: Role::Admin,
        teams: Vec::new(),
        password: form.password,
        only_if_first: true,
    };
    let added = add_user(&state.store, &state.workers, &actor, now, first).await;
    match added {
        Ok(_) => {
            state.sign_in.clear_setup();
            start_session(&state, &actor, now, secure, "/").await
        }
        Err(e) => back_to(&page, &e.to_string(), "").into_response(),
    }
}

async fn parse_form<T: serde::de::DeserializeOwned>(request: Request) -> Result<T, String> {
    Form::<T>::from_request(request, &())
        .await
        .map(|Form(form)| form)
        .map_err(|e| format!("the form could not be read: {}", e.body_text()))
}

use axum::extract::FromRequest;

/// Back to a form page with a message (and where to go after signing in).
fn back_to(page: &str, error: &str, next: &str) -> Redirect {
    let query = serde_urlencoded::to_string([("error", error), ("next", next)]).unwrap_or_default();
    Redirect::to(&format!("{page}?{query}"))
}

/// Only a path on this site: `//host` or `https://...` would send a signed-in person elsewhere.
pub fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2048
        && !next.chars().any(|c| c.is_control());
    if local {
        next
    } else {
        "/"
    }
}

/// A proxy terminating TLS says so; the cookie is then marked `Secure`.
fn behind_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    *response.status_mut() = StatusCode::SEE_OTHER;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_slow_then_refuse_and_a_success_clears_them() {
        let sign_in = SignIn::default();
        let keys = ["user:rita".to_string(), "addr:10.0.0.1".to_string()];
        let mut delays = Vec::new();
        for _ in 0..REFUSE_AFTER {
            delays.push(sign_in.attempt(&keys, 0).unwrap());
        }
        assert!(delays[..FREE_FAILURES as usize].iter().all(|d| d.is_zero()));
        assert!(delays[FREE_FAILURES as usize..]
            .windows(2)
            .all(|w| w[0] < w[1]));
        assert!(sign_in.attempt(&keys, 1_000).is_err());
        // Another address still counts against the account.
        assert!(sign_in
            .attempt(&["user:rita".into(), "addr:10.0.0.2".into()], 2_000)
            .is_err());
        // The window passes.
        assert!(sign_in.attempt(&keys, FAILURE_WINDOW_MS).is_ok());
        sign_in.succeeded(&keys);
        assert_eq!(
            sign_in.attempt(&keys, FAILURE_WINDOW_MS).unwrap(),
            Duration::ZERO
        );
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/plans/x?y=1"), "/plans/x?y=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "plans",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad}");
        }
    }

    #[test]
    fn the_setup_link_works_only_while_it_is_current() {
        let sign_in = SignIn::default();
        let first = sign_in.new_setup_secret();
        assert!(sign_in.setup_matches(&first));
        let second = sign_in.new_setup_secret();
        assert!(!sign_in.setup_matches(&first));
        assert!(!sign_in.setup_matches(&second[..second.len() - 1]));
        sign_in.clear_setup();
        assert!(!sign_in.setup_matches(&second));
    }
}
