//! Rollout plans: listing, reading, checking, saving revisions, review state and
//! acknowledgements. Every save goes through the same validation as `plan import`.

use crate::wire::plans::{CheckedPlan, PlanDetail, PlanSaveOutcome, PlanState, PlanSummary};
use crate::wire::ApiError;
use breakwater_domain::plan::PlanSpec;
use leptos::prelude::*;
use leptos::server_fn;

#[server(prefix = "/api", endpoint = "plans")]
pub async fn list_plans() -> Result<Vec<PlanSummary>, ApiError> {
    let state = super::state();
    super::respond(crate::server::plans::list(&state).await)
}

/// A plan at its latest revision, or at `revision`.
#[server(prefix = "/api", endpoint = "plans/get")]
pub async fn get_plan(name: String, revision: Option<i64>) -> Result<PlanDetail, ApiError> {
    let state = super::state();
    super::respond(crate::server::plans::detail(&state, &name, revision).await)
}

/// Computes a plan against the current catalog without saving it: the editor calls this when
/// contract documents change (the browser has no contract engine; it re-plans by itself
/// otherwise).
#[server(prefix = "/api", endpoint = "plans/check", input = server_fn::codec::Json)]
pub async fn check_plan(spec: PlanSpec) -> Result<CheckedPlan, ApiError> {
    let state = super::state();
    super::respond(crate::server::plans::check_spec(&state, spec).await)
}

/// Saves `spec` as a new plan (`based_on: None`; a taken name is refused) or as the next
/// revision of the plan it names (`based_on`: the revision the editor started from; when a
/// newer one exists the save is refused with a `CONFLICT` problem and nothing is saved).
#[server(prefix = "/api", endpoint = "plans/save", input = server_fn::codec::Json)]
pub async fn save_plan(spec: PlanSpec, based_on: Option<i64>) -> Result<PlanSaveOutcome, ApiError> {
    let state = super::state();
    // A conflict is an expected answer in the editor (a taken name, an edit that lost a race):
    // it comes back as a refusal, like a bad plan.
    let outcome =
        match crate::server::plans::save_spec(&state, spec, based_on, &super::principal()?.name)
            .await
        {
            Err(ApiError::Conflict(reason)) => Ok(PlanSaveOutcome {
                saved: None,
                problems: vec![breakwater_domain::plan::PlanProblem::error(
                    breakwater_domain::plan::PlanLocation::field("plan"),
                    "CONFLICT",
                    reason,
                )],
            }),
            other => other,
        };
    super::respond(outcome)
}

/// Moves a plan through its review: draft -> in review -> approved (or back to draft).
/// `revision` is the revision the person looked at; approving an older one is a conflict.
#[server(prefix = "/api", endpoint = "plans/state", input = server_fn::codec::Json)]
pub async fn set_plan_state(
    name: String,
    revision: i64,
    state: PlanState,
) -> Result<PlanSummary, ApiError> {
    let app = super::state();
    let who = super::principal()?;
    super::respond(crate::server::plans::set_state(&app, &name, revision, state, &who.name).await)
}

/// Records the signed-in person's acknowledgement of a readiness item (when, comment).
#[server(prefix = "/api", endpoint = "plans/acknowledge", input = server_fn::codec::Json)]
pub async fn acknowledge(
    name: String,
    revision: i64,
    key: String,
    comment: String,
) -> Result<PlanDetail, ApiError> {
    let state = super::state();
    let who = super::principal()?;
    super::respond(
        crate::server::plans::acknowledge(&state, &name, revision, &key, &who, &comment).await,
    )
}

// The return type is spelled out: `#[server]` names its argument struct `PlanDiff` after the
// function, which an imported `PlanDiff` would clash with.
#[server(prefix = "/api", endpoint = "plans/diff")]
pub async fn plan_diff(
    name: String,
    from: i64,
    to: i64,
) -> Result<breakwater_domain::plan::diff::PlanDiff, ApiError> {
    let state = super::state();
    super::respond(crate::server::plans::diff(&state, &name, from, to).await)
}
