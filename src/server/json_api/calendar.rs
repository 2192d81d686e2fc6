//! The calendar: its YAML (read and replace), checks, the schedule, iCalendar feeds, and the
//! run actions it brings (break-glass overrides, the emergency stop).

use super::runs::run_id;
use super::{json_body, query, yaml_body};
use crate::server::access::Principal;
use crate::server::routes::Routes;
use crate::server::{calendar, runs, AppState};
use crate::wire::calendar::{
    CalendarRevision, CalendarSaveOutcome, CheckAnswer, OverrideRequest, StopAllOutcome,
    StopAllRequest,
};
use crate::wire::runs::ActionOutcome;
use crate::wire::ApiError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use breakwater_domain::calendar::schedule::Schedule;
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::default()
        .get("/calendar", get_calendar)
        .put("/calendar", put_calendar)
        .get("/calendar/check", get_check)
        .get("/calendar/schedule", get_schedule)
        .get("/calendar.ics", get_feed)
        .get("/plans/{name}/calendar.ics", get_plan_feed)
        .post("/runs/{id}/override", post_override)
        .post("/runs/stop-all", post_stop_all)
}

/// The calendar in force, as YAML text with its revision (revision `null` before any save).
async fn get_calendar(State(state): State<AppState>) -> Result<Json<CalendarRevision>, ApiError> {
    Ok(Json(calendar::current(&state).await?.revision.clone()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutQuery {
    based_on: Option<i64>,
}

/// Replaces the calendar with the YAML body: 200 with the new revision, 422 with every problem
/// and nothing saved, 409 when `based_on` is given and is no longer the latest.
async fn put_calendar(
    State(state): State<AppState>,
    put: Result<Query<PutQuery>, QueryRejection>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let put = query(put)?;
    let by = who.name;
    let text = yaml_body(body)?;
    let based_on = match put.based_on {
        Some(revision) => Some(revision),
        None => state.store.calendar_revision().await?,
    };
    let outcome = calendar::save_text(&state, text, based_on, &by).await?;
    let status = if outcome.revision.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json::<CalendarSaveOutcome>(outcome)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckQuery {
    at: String,
    service: Option<String>,
    region: Option<String>,
}

/// May a service (in a region) activate at a time? 200 either way; `allowed` says.
async fn get_check(
    State(state): State<AppState>,
    check: Result<Query<CheckQuery>, QueryRejection>,
) -> Result<Json<CheckAnswer>, ApiError> {
    let check = query(check)?;
    let answer = calendar::check(
        &state,
        &check.at,
        check.service.as_deref(),
        check.region.as_deref(),
    )
    .await?;
    Ok(Json(answer))
}

/// Every plan's stages placed on the calendar from now, with the conflicts between plans.
async fn get_schedule(State(state): State<AppState>) -> Result<Json<Schedule>, ApiError> {
    let now = state.settings.clock.now();
    Ok(Json(calendar::schedule_all(&state, now).await?.0))
}

async fn get_feed(State(state): State<AppState>) -> Result<Response, ApiError> {
    feed(calendar::ics(&state, None).await?, "breakwater")
}

async fn get_plan_feed(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let ics = calendar::ics(&state, Some(&name)).await?;
    feed(ics, &name)
}

fn feed(ics: String, name: &str) -> Result<Response, ApiError> {
    let headers = [
        (
            header::CONTENT_TYPE,
            "text/calendar; charset=utf-8".to_string(),
        ),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.ics\""),
        ),
    ];
    Ok((headers, ics).into_response())
}

/// Break-glass for one run: 200 with the event, 400 for a bad expiry, 409 for a finished run.
async fn post_override(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Json<ActionOutcome>, ApiError> {
    let id = run_id(&id)?;
    let by = who.name;
    let request: OverrideRequest = json_body(&body)?;
    Ok(Json(
        runs::override_calendar(&state, id, request, &by).await?,
    ))
}

/// Pauses every running run at once: 200 with the runs paused.
async fn post_stop_all(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Json<StopAllOutcome>, ApiError> {
    let by = who.name;
    let request: StopAllRequest = json_body(&body)?;
    Ok(Json(runs::stop_all(&state, request, &by).await?))
}
