//! Readiness review sessions of a plan.

use super::json_body;
use crate::server::access::Principal;
use crate::server::routes::Routes;
use crate::server::{reviews, AppState};
use crate::wire::plans::ReviewSession;
use crate::wire::ApiError;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::default()
        .get("/plans/{name}/reviews", get_reviews)
        .post("/plans/{name}/reviews", post_review)
        .post("/plans/{name}/reviews/attendance", post_attendance)
        .post("/plans/{name}/reviews/decision", post_decision)
}

type Sessions = Result<Json<Vec<ReviewSession>>, ApiError>;

async fn get_reviews(State(state): State<AppState>, Path(name): Path<String>) -> Sessions {
    Ok(Json(reviews::list(&state, &name).await?))
}

async fn post_review(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(who): Extension<Principal>,
) -> Sessions {
    Ok(Json(reviews::open(&state, &who, &name).await?))
}

async fn post_attendance(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(who): Extension<Principal>,
) -> Sessions {
    Ok(Json(reviews::attend(&state, &who, &name).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    go: bool,
    reason: String,
}

async fn post_decision(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> Sessions {
    let decision: DecisionBody = json_body(&body)?;
    Ok(Json(
        reviews::decide(&state, &who, &name, decision.go, &decision.reason).await?,
    ))
}
