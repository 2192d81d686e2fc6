//! The guard every routed request passes (installed with `route_layer`, so it sees the matched
//! path; static files and the not-found page are not routes and need no account):
//! 1. credentials: an API token (`Authorization: Bearer`) or the session cookie, to a
//!    [`Principal`]; a token that is malformed, unknown, expired or revoked is refused outright;
//! 2. the route's rule in [`super::policy`]; no rule: refused for everyone;
//! 3. without credentials, a page redirects to the sign-in page, anything else is 401; a role
//!    below the rule's need is 403;
//! 4. cross-site requests: a state-changing request carrying the session cookie must come from
//!    this site (Origin, or Sec-Fetch-Site); API tokens are not ambient, so they are exempt;
//! 5. after the handler, a route that changes something writes its audit event.

use super::policy::{self, Rule};
use super::sign_in::COOKIE;
use super::{digest, well_formed, Actor, Principal, Via, TOKEN_PREFIX};
use crate::server::store::TokenLookup;
use crate::server::AppState;
use crate::wire::ApiError;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let principal = match authenticate(&state, request.headers()).await {
        Ok(principal) => principal,
        Err(refusal) => return refusal_response(&path, refusal),
    };
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let Some(rule) = policy::lookup(request.method(), &matched) else {
        tracing::error!(method = %request.method(), %matched, "a route without an authorization rule was refused");
        return refusal_response(
            &path,
            ApiError::Forbidden(format!(
                "{} {matched} has no authorization rule, so it is refused",
                request.method()
            )),
        );
    };
    let address = address(&request);
    if let Err(refusal) = authorize(rule, principal.as_ref(), &request) {
        if let (Some(principal), Some(kind)) = (&principal, rule.audit) {
            // A signed-in person tried to change something they may not: worth a record.
            let event = Actor::of(principal, &address).event(
                state.settings.clock.now(),
                kind,
                &path,
                i64::from(refusal.status().as_u16()),
            );
            if let Err(e) = state.store.append_audit(&event).await {
                tracing::error!(%e, "the audit trail could not record a refusal");
            }
        }
        return match refusal {
            ApiError::Unauthenticated(_) if is_page(request.method(), &path) => {
                let next = request
                    .uri()
                    .path_and_query()
                    .map_or("/", |p| p.as_str())
                    .to_string();
                let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
                Redirect::to(&format!("/login?{query}")).into_response()
            }
            refusal => refusal_response(&path, refusal),
        };
    }
    if let Some(principal) = principal.clone() {
        request.extensions_mut().insert(principal);
    }
    let note = AuditNote::default();
    let response = NOTE.scope(note.clone(), next.run(request)).await;
    if let (Some(principal), Some(kind)) = (principal, rule.audit) {
        let mut event = Actor::of(&principal, &address).event(
            state.settings.clock.now(),
            kind,
            &path,
            i64::from(response.status().as_u16()),
        );
        let note = note.take();
        event.subject = note.subject.unwrap_or(event.subject);
        (event.before, event.after) = (note.before, note.after);
        if let Err(e) = state.store.append_audit(&event).await {
            tracing::error!(%e, kind, "the audit trail could not record a change");
        }
    }
    response
}

/// What the server tells the audit trail about the change a request made: what it acted on (a
/// plan, a run) and its state before and after. The guard runs each request's handler with an
/// empty note in scope (a task-local, so the server's functions need no extra argument) and
/// writes it with the audit event once the handler has answered.
#[derive(Debug, Clone, Default)]
struct AuditNote(Arc<Mutex<Note>>);

#[derive(Debug, Clone, Default)]
struct Note {
    subject: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

tokio::task_local! {
    static NOTE: AuditNote;
}

/// Records what the current request changed, for its audit event; outside a request (the
/// executor, the command line) it does nothing.
pub fn note(subject: impl Into<String>, before: Option<String>, after: Option<String>) {
    let _ = NOTE.try_with(|note| {
        *note.0.lock().unwrap_or_else(|e| e.into_inner()) = Note {
            subject: Some(subject.into()),
            before,
            after,
        };
    });
}

impl AuditNote {
    fn take(&self) -> Note {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The principal the request's credentials name: `None` without credentials, a refusal for
/// credentials that are not valid.
async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Principal>, ApiError> {
    let now = state.settings.clock.now();
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| well_formed(TOKEN_PREFIX, t))
            .ok_or_else(|| {
                ApiError::Unauthenticated(format!(
                    "the Authorization header is not 'Bearer {TOKEN_PREFIX}…' with a token \
                     `breakwater token create` printed"
                ))
            })?;
        return match state.store.token(&digest(token), now).await? {
            TokenLookup::Valid(credential) => Ok(Some(Principal {
                via: Via::Token(credential.name.clone()),
                name: credential.name,
                role: credential.role,
                teams: credential.teams,
            })),
            TokenLookup::Expired { name, at } => Err(ApiError::Unauthenticated(format!(
                "the token '{name}' expired at {}",
                breakwater_domain::calendar::rfc3339(at)
            ))),
            TokenLookup::Revoked { name } => Err(ApiError::Unauthenticated(format!(
                "the token '{name}' was revoked"
            ))),
            TokenLookup::Unknown => Err(ApiError::Unauthenticated("unknown API token".into())),
        };
    }
    // A missing, malformed or expired session is no session: the person signs in again.
    let Some(secret) = session_cookie(headers) else {
        return Ok(None);
    };
    let digest = digest(secret);
    Ok(state
        .store
        .session(&digest, now)
        .await?
        .map(|credential| Principal {
            name: credential.name,
            role: credential.role,
            teams: credential.teams,
            via: Via::Session(digest),
        }))
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
        .filter(|value| well_formed("", value))
}

fn authorize(
    rule: &Rule,
    principal: Option<&Principal>,
    request: &Request,
) -> Result<(), ApiError> {
    let cookie = principal.is_some_and(|p| matches!(p.via, Via::Session(_)));
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // Signing in is checked too: a cross-site form must not sign a browser in as someone else.
    let sign_in = rule.need == breakwater_domain::access::Need::Public && !safe;
    if !safe && (cookie || sign_in) && !same_origin(request.headers(), cookie) {
        return Err(ApiError::Forbidden(
            "a cross-site request was refused: send it from Breakwater's own pages, or use an \
             API token"
                .into(),
        ));
    }
    match principal {
        _ if rule.need == breakwater_domain::access::Need::Public => Ok(()),
        None => Err(ApiError::Unauthenticated(
            "sign in, or send an API token as 'Authorization: Bearer …'".into(),
        )),
        Some(p) if p.role.meets(rule.need) => Ok(()),
        Some(p) => Err(ApiError::Forbidden(format!(
            "{} ({}) may not do this: it needs {}",
            p.name,
            p.role,
            need_words(rule.need)
        ))),
    }
}

fn need_words(need: breakwater_domain::access::Need) -> &'static str {
    use breakwater_domain::access::Need;
    match need {
        Need::Public | Need::Read => "an account",
        Need::Own => "a service owner, a release manager or an admin",
        Need::Release => "a release manager or an admin",
        Need::Admin => "an admin",
    }
}

/// Whether a state-changing request comes from this site. Browsers send `Origin` on every
/// cross-origin request and on same-origin POSTs; `Sec-Fetch-Site` where they send no Origin.
/// With neither, a request carrying the session cookie is refused (`strict`); a sign-in without
/// either comes from a script, which no other site can make a browser send.
fn same_origin(headers: &HeaderMap, strict: bool) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        return authority.is_some() && authority == host;
    }
    match headers.get("sec-fetch-site").map(|v| v.as_bytes()) {
        Some(b"same-origin") => true,
        Some(_) => false,
        None => !strict,
    }
}

/// Pages redirect to the sign-in page; server functions and the JSON API answer 401.
fn is_page(method: &Method, path: &str) -> bool {
    *method == Method::GET && !path.starts_with("/api/")
}

/// A refusal in the shape the route's clients read: server functions decode an `ApiError`,
/// everyone else reads `{"error": ...}`.
pub fn refusal_response(path: &str, error: ApiError) -> Response {
    let server_function = path.starts_with("/api/") && !path.starts_with("/api/v1/");
    let mut response = if server_function {
        let body = serde_json::to_string(&error).unwrap_or_default();
        (
            error.status(),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    } else {
        error.clone().into_response()
    };
    if response.status() == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"breakwater\""),
        );
    }
    response
}

/// The client's address, as the listener saw it.
pub fn address(request: &Request) -> String {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(
            || "unknown".into(),
            |ConnectInfo(addr)| addr.ip().to_string(),
        )
}
