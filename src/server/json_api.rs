//! The versioned JSON API for scripts and CI pipelines, under `/api/v1`.

use super::access::Principal;
use super::plans::{self, Base, Save, StagesReport};
use super::{compat, import, AppState};
use crate::server::routes::Routes;
use crate::wire::catalog::{CatalogView, ImportOutcome, Neighbours, RevisionInfo, ServiceCard};
use crate::wire::contracts::{CandidateRequest, DiffView, MatrixView};
use crate::wire::plans::{PlanDetail, PlanRevisionInfo, PlanSaveOutcome, PlanState, PlanSummary};
use crate::wire::ApiError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use breakwater_domain::compatibility::ServiceVerdict;
use breakwater_domain::contract::Mode;
use breakwater_domain::plan::diff::PlanDiff;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub mod access;
mod calendar;
mod health;
mod live;
mod reviews;
mod runs;
pub mod share;

/// Most revisions `GET /revisions` lists.
const REVISIONS_LISTED: i64 = 100;

pub fn routes() -> Routes {
    Routes::default()
        .merge(access::routes())
        .merge(runs::routes())
        .merge(share::routes())
        .merge(reviews::routes())
        .merge(calendar::routes())
        .merge(health::routes())
        .merge(live::routes())
        .get("/catalog", get_catalog)
        .post("/catalog", post_catalog)
        .get("/catalog/export", export_catalog)
        .get("/services/{id}", get_service)
        .get("/revisions", get_revisions)
        .get("/contracts/matrix", get_matrix)
        .get("/contracts/{id}/diff", get_diff)
        .post("/can-i-deploy", post_can_i_deploy)
        .get("/plans", get_plans)
        .post("/plans", post_plan)
        .post("/plans/check", post_plan_check)
        .get("/plans/{name}", get_plan)
        .put("/plans/{name}", put_plan)
        .get("/plans/{name}/revisions", get_plan_revisions)
        .get("/plans/{name}/revisions/{number}", get_plan_revision)
        .get("/plans/{name}/stages", get_plan_stages)
        .get("/plans/{name}/diff", get_plan_diff)
        .get("/plans/{name}/export", export_plan)
        .post("/plans/{name}/state", post_plan_state)
        .post("/plans/{name}/acknowledgements", post_acknowledgement)
}

/// What `/api/v1` answers for a path it does not have.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint under /api/v1".into())
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
    Extension(who): Extension<Principal>,
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
        &who.name,
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
    let request: CandidateRequest = json_body(&body)?;
    Ok(Json(compat::verdict_for(&state, request).await?))
}

fn yaml_body(body: axum::body::Bytes) -> Result<String, ApiError> {
    String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::Invalid("the body is not UTF-8 text".into()))
}

/// A JSON body, or 400 saying what is wrong with it.
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::Invalid(format!("invalid request body: {e}")))
}

fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::Invalid(e.body_text()))
}

/// 201 (`created`) or 200 with the saved revision, or 422 with every problem and nothing saved.
fn saved(outcome: PlanSaveOutcome, created: bool) -> Response {
    let status = match &outcome.saved {
        None => StatusCode::UNPROCESSABLE_ENTITY,
        Some(_) if created => StatusCode::CREATED,
        Some(_) => StatusCode::OK,
    };
    (status, Json(outcome)).into_response()
}

async fn get_plans(State(state): State<AppState>) -> Result<Json<Vec<PlanSummary>>, ApiError> {
    Ok(Json(plans::list(&state).await?))
}

/// Creates a plan from a YAML plan file (contract documents inline); a plan of that name
/// existing already is a conflict (PUT saves a new revision of it).
async fn post_plan(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let outcome = save_body(&state, &who, body, Base::New, None).await?;
    Ok(saved(outcome, true))
}

/// Saves a YAML plan file from a request body, signed by the person (or token) sending it.
async fn save_body(
    state: &AppState,
    who: &Principal,
    body: axum::body::Bytes,
    base: Base,
    name: Option<&str>,
) -> Result<PlanSaveOutcome, ApiError> {
    let save = Save {
        base,
        name,
        author: &who.name,
    };
    let text = yaml_body(body)?;
    plans::save_text(
        &state.store,
        &state.workers,
        text,
        plans::InlineDocumentsOnly,
        save,
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutQuery {
    /// The revision the file was edited from: when it is no longer the latest, 409.
    based_on: Option<i64>,
}

/// Saves the next revision of a plan (or its first); the file must name the same plan.
async fn put_plan(
    State(state): State<AppState>,
    Path(name): Path<String>,
    put: Result<Query<PutQuery>, QueryRejection>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let put = query(put)?;
    let base = put.based_on.map_or(Base::Any, Base::Revision);
    let outcome = save_body(&state, &who, body, base, Some(&name)).await?;
    let first = outcome.saved.as_ref().is_some_and(|s| s.revision == 1);
    Ok(saved(outcome, first))
}

/// Plans a YAML plan file against the current catalog and answers its stages and problems;
/// saves nothing. 200 whatever the problems are: the check itself succeeded.
async fn post_plan_check(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let checked = plans::check_text(
        &state.store,
        &state.workers,
        yaml_body(body)?,
        plans::InlineDocumentsOnly,
    )
    .await?;
    Ok(Json(StagesReport::of(checked.plan.as_ref(), &checked.problems)).into_response())
}

async fn get_plan(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<PlanDetail>, ApiError> {
    Ok(Json(plans::detail(&state, &name, None).await?))
}

async fn get_plan_revisions(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Vec<PlanRevisionInfo>>, ApiError> {
    Ok(Json(plans::history(&state.store, &name).await?))
}

async fn get_plan_revision(
    State(state): State<AppState>,
    Path((name, number)): Path<(String, String)>,
) -> Result<Json<PlanDetail>, ApiError> {
    let number = number.parse::<i64>().map_err(|_| {
        ApiError::Invalid(format!(
            "'{}' is not a revision number",
            crate::wire::contracts::shorten(&number)
        ))
    })?;
    Ok(Json(plans::detail(&state, &name, Some(number)).await?))
}

/// The latest revision's computed stages and problems (as `plan check --format json` prints).
async fn get_plan_stages(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let stored = plans::stored(&state.store, &name, None).await?;
    Ok(Json(StagesReport::of(Some(&stored.plan), &stored.plan.problems)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanDiffQuery {
    from: i64,
    to: i64,
}

async fn get_plan_diff(
    State(state): State<AppState>,
    Path(name): Path<String>,
    diff: Result<Query<PlanDiffQuery>, QueryRejection>,
) -> Result<Json<PlanDiff>, ApiError> {
    let diff = query(diff)?;
    Ok(Json(plans::diff(&state, &name, diff.from, diff.to).await?))
}

/// The latest revision as a self-contained plan file, ready to edit and PUT back.
async fn export_plan(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let yaml = plans::export(&state.store, &name).await?;
    Ok(([(header::CONTENT_TYPE, "text/yaml; charset=utf-8")], yaml).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateChange {
    state: PlanState,
    revision: i64,
}

async fn post_plan_state(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Json<PlanSummary>, ApiError> {
    let change: StateChange = json_body(&body)?;
    let summary = plans::set_state(&state, &name, change.revision, change.state, &who.name).await?;
    Ok(Json(summary))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcknowledgementRequest {
    key: String,
    /// The revision acknowledged; 409 when it is no longer the latest.
    revision: i64,
    #[serde(default)]
    comment: String,
}

/// Records an acknowledgement: 201 with the plan as it is now.
async fn post_acknowledgement(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let ack: AcknowledgementRequest = json_body(&body)?;
    let detail =
        plans::acknowledge(&state, &name, ack.revision, &ack.key, &who, &ack.comment).await?;
    Ok((StatusCode::CREATED, Json(detail)).into_response())
}
