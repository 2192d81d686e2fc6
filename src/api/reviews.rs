//! Readiness review sessions on the presentation view: open, attend, decide go / no-go.

use crate::wire::plans::ReviewSession;
use crate::wire::ApiError;
use leptos::prelude::*;
use leptos::server_fn;

#[server(prefix = "/api", endpoint = "reviews")]
pub async fn list_reviews(plan: String) -> Result<Vec<ReviewSession>, ApiError> {
    let state = super::state();
    super::respond(crate::server::reviews::list(&state, &plan).await)
}

#[server(prefix = "/api", endpoint = "reviews/open")]
pub async fn open_review(plan: String) -> Result<Vec<ReviewSession>, ApiError> {
    let state = super::state();
    let who = super::principal()?;
    super::respond(crate::server::reviews::open(&state, &who, &plan).await)
}

#[server(prefix = "/api", endpoint = "reviews/attend")]
pub async fn attend_review(plan: String) -> Result<Vec<ReviewSession>, ApiError> {
    let state = super::state();
    let who = super::principal()?;
    super::respond(crate::server::reviews::attend(&state, &who, &plan).await)
}

#[server(prefix = "/api", endpoint = "reviews/decide", input = server_fn::codec::Json)]
pub async fn decide_review(
    plan: String,
    go: bool,
    reason: String,
) -> Result<Vec<ReviewSession>, ApiError> {
    let state = super::state();
    let who = super::principal()?;
    super::respond(crate::server::reviews::decide(&state, &who, &plan, go, &reason).await)
}
