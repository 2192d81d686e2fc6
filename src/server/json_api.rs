//! The versioned JSON API for scripts and CI pipelines, under `/api/v1`.

use super::{compat, import, AppState};
use crate::wire::catalog::{CatalogView, ImportOutcome, Neighbours, RevisionInfo, ServiceCard};
use crate::wire::contracts::{CandidateRequest, DiffView, MatrixView};
use crate::wire::ApiError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use breakwater_domain::compatibility::ServiceVerdict;
use breakwater_domain::contract::Mode;
use serde::Serialize;
use std::collections::BTreeSet;

/// Most revisions `GET /revisions` lists.
const REVISIONS_LISTED: i64 = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(get_catalog).post(post_catalog))
        .route("/catalog/export", get(export_catalog))
        .route("/services/{id}", get(get_service))
        .route("/revisions", get(get_revisions))
        .route("/contracts/matrix", get(get_matrix))
        .route("/contracts/{id}/diff", get(get_diff))
        .route("/can-i-deploy", post(post_can_i_deploy))
        .fallback(|| async { ApiError::NotFound("no such endpoint under /api/v1".into()) })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.to_string() });
        (self.status(), Json(body)).into_response()
    }
}

async fn get_catalog(State(state): State<AppState>) -> Result<Json<CatalogView>, ApiError> {
    let view = super::views::catalog_view(&state.store, &state.workers, &state.views).await?;
    Ok(Json((*view).clone()))
}

/// The current catalog as a self-contained YAML file (specs inline), ready to re-import.
async fn export_catalog(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (_, catalog) = state
        .store
        .current_catalog()
        .await?
        .ok_or_else(|| ApiError::NotFound("no catalog has been imported yet".into()))?;
    let yaml = state.workers.run(move || catalog.to_yaml()).await?;
    Ok(([(header::CONTENT_TYPE, "application/yaml")], yaml).into_response())
}

/// Imports a YAML catalog from the body; specs must be inline (`document:`), as `export` writes
/// them. 201 with the revision, or 422 with every problem and nothing changed.
async fn post_catalog(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::Invalid("the catalog is not UTF-8 text".into()))?;
    let outcome = import::validate_and_store(
        &state.store,
        &state.workers,
        body,
        import::InlineSpecsOnly,
        "api",
        "api",
    )
    .await?;
    let status = if outcome.revision.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json::<ImportOutcome>(outcome)).into_response())
}

#[derive(Serialize)]
struct ServiceDetail {
    service: ServiceCard,
    /// Every service that depends on this one, directly or transitively.
    downstream: BTreeSet<String>,
    /// Every service this one depends on, directly or transitively.
    upstream: BTreeSet<String>,
}

async fn get_service(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ServiceDetail>, ApiError> {
    let view = super::views::catalog_view(&state.store, &state.workers, &state.views).await?;
    let position = view.position(&id).ok_or_else(|| {
        ApiError::NotFound(format!(
            "service '{}'",
            crate::wire::contracts::shorten(&id)
        ))
    })?;
    let neighbours = Neighbours::of(&view);
    let ids = |positions: BTreeSet<usize>| {
        positions
            .into_iter()
            .map(|i| view.services[i].id.clone())
            .collect()
    };
    Ok(Json(ServiceDetail {
        downstream: ids(neighbours.downstream(position)),
        upstream: ids(neighbours.upstream(position)),
        service: view.services[position].clone(),
    }))
}

async fn get_revisions(State(state): State<AppState>) -> Result<Json<Vec<RevisionInfo>>, ApiError> {
    let revisions = state.store.revisions(REVISIONS_LISTED).await?;
    Ok(Json(revisions.iter().map(|r| r.info()).collect()))
}

async fn get_matrix(State(state): State<AppState>) -> Result<Json<MatrixView>, ApiError> {
    Ok(Json(compat::current_matrix(&state.store).await?))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffQuery {
    from: Option<String>,
    to: Option<String>,
    mode: Option<Mode>,
}

async fn get_diff(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<DiffQuery>, QueryRejection>,
) -> Result<Json<DiffView>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::Invalid(e.body_text()))?;
    Ok(Json(compat::diff(&state, &id, q.from, q.to, q.mode).await?))
}

/// For CI pipelines: 200 with the verdict (`deployable` says whether to go on), 400 for a bad
/// request, 404 before any catalog exists.
async fn post_can_i_deploy(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Json<ServiceVerdict>, ApiError> {
    let request: CandidateRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::Invalid(format!("invalid request body: {e}")))?;
    Ok(Json(compat::verdict_for(&state, request).await?))
}
