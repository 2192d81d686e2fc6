//! Runs and their actions, and the exposure services poll.

use super::json_body;
use crate::server::access::Principal;
use crate::server::routes::Routes;
use crate::server::{runs, AppState};
use crate::wire::runs::{ActionOutcome, ActionRequest, EventView, RunSummary, RunView};
use crate::wire::ApiError;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use breakwater_domain::run::Command;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Where a client may send the idempotency key instead of the body.
const IDEMPOTENCY_HEADER: &str = "idempotency-key";

pub fn routes() -> Routes {
    Routes::default()
        .get("/runs", get_runs)
        .post("/runs", post_run)
        .get("/runs/{id}", get_run)
        .get("/runs/{id}/events", get_events)
        .post("/runs/{id}/actions", post_action)
        .get("/exposure/{service}", get_exposure)
}

async fn get_runs(State(state): State<AppState>) -> Result<Json<Vec<RunSummary>>, ApiError> {
    Ok(Json(runs::list(&state, None).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRun {
    plan: String,
}

/// Creates a pending run of the plan's approved revision: 201 with the run.
async fn post_run(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let new: NewRun = json_body(&body)?;
    let summary = runs::create(&state, &new.plan, &who.name).await?;
    Ok((StatusCode::CREATED, Json(summary)).into_response())
}

async fn get_run(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<RunView>, ApiError> {
    Ok(Json(runs::view(&state, run_id(&id)?).await?))
}

async fn get_events(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<EventView>>, ApiError> {
    Ok(Json(runs::events(&state, run_id(&id)?).await?))
}

/// An action as scripts send it: the idempotency key in the body or the `Idempotency-Key`
/// header.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionBody {
    command: Command,
    expected_revision: u64,
    #[serde(default)]
    idempotency_key: Option<String>,
    reason: String,
}

/// 200 with the events appended and the run after them; 409 with the run as it is now when the
/// action conflicts with it (a stale revision, a command that does not apply, a reused key).
async fn post_action(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let id = run_id(&id)?;
    let action: ActionBody = json_body(&body)?;
    let header_key = match headers.get(IDEMPOTENCY_HEADER) {
        None => None,
        Some(value) => Some(value.to_str().map_err(|_| {
            ApiError::Invalid("the Idempotency-Key header must be printable ASCII".into())
        })?),
    };
    let idempotency_key = match (action.idempotency_key, header_key) {
        (Some(body), Some(header)) if body != header => {
            return Err(ApiError::Invalid(
                "the Idempotency-Key header and the body's idempotency_key differ; send one".into(),
            ))
        }
        (Some(key), _) => key,
        (None, Some(key)) => key.to_string(),
        (None, None) => {
            return Err(ApiError::Invalid(
                "an action needs an idempotency key: the body's idempotency_key or the \
                 Idempotency-Key header"
                    .into(),
            ))
        }
    };
    let request = ActionRequest {
        command: action.command,
        expected_revision: action.expected_revision,
        idempotency_key,
        reason: action.reason,
    };
    match runs::act(&state, id, request, &who).await {
        Ok(outcome) => Ok(Json::<ActionOutcome>(outcome).into_response()),
        Err(error @ ApiError::Conflict(_)) => {
            let run = runs::summary(&state, id).await?;
            let body = serde_json::json!({ "error": error.to_string(), "run": run });
            Ok((StatusCode::CONFLICT, Json(body)).into_response())
        }
        Err(error) => Err(error),
    }
}

/// The service's current split, with an ETag so pollers can ask cheaply (304 when unchanged);
/// `no-cache`: a cache must check with us before reusing it.
async fn get_exposure(
    State(state): State<AppState>,
    Path(service): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let view = runs::exposure(&state, &service).await?;
    let body = serde_json::to_vec(&view).map_err(ApiError::internal)?;
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
    let cache = [
        (
            header::ETAG,
            HeaderValue::from_str(&etag).map_err(ApiError::internal)?,
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    if matches(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let json = [(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    )];
    Ok((cache, json, body).into_response())
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

/// A run id from a path: a positive integer.
pub(super) fn run_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|&id| id >= 1)
        .ok_or_else(|| {
            ApiError::Invalid(format!(
                "'{}' is not a run id: runs are numbered from 1",
                crate::wire::contracts::shorten(text)
            ))
        })
}
