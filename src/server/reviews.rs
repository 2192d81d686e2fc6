//! Readiness reviews on a shared screen: a release manager opens one on the plan's latest
//! revision, the people in the room record that they attend (each from their own account, as
//! they sign off their teams' checklist items), and a release manager records go or no-go with
//! the reason. Shared by the server functions and the JSON API.

use super::access::guard::note;
use super::access::Principal;
use super::plans::check_name;
use super::AppState;
use crate::wire::plans::{ReviewDecision, ReviewSession};
use crate::wire::ApiError;

/// Longest decision reason.
pub const MAX_REASON_CHARS: usize = 1000;

pub async fn list(state: &AppState, plan: &str) -> Result<Vec<ReviewSession>, ApiError> {
    check_name(plan)?;
    Ok(state.store.reviews(plan).await?)
}

pub async fn open(
    state: &AppState,
    who: &Principal,
    plan: &str,
) -> Result<Vec<ReviewSession>, ApiError> {
    check_name(plan)?;
    let summary = state
        .store
        .plan_summary(plan)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("plan '{plan}'")))?;
    let now = state.settings.clock.now();
    let id = state
        .store
        .open_review(plan, summary.revision, &who.name, now)
        .await?;
    // Whoever opens the review attends it.
    state
        .store
        .attend_review(plan, &who.name, who.role, now)
        .await?;
    record(
        plan,
        id,
        format!("review {id} of revision {} opened", summary.revision),
    );
    list(state, plan).await
}

pub async fn attend(
    state: &AppState,
    who: &Principal,
    plan: &str,
) -> Result<Vec<ReviewSession>, ApiError> {
    check_name(plan)?;
    let now = state.settings.clock.now();
    let id = state
        .store
        .attend_review(plan, &who.name, who.role, now)
        .await?;
    record(plan, id, format!("{} attends review {id}", who.name));
    list(state, plan).await
}

pub async fn decide(
    state: &AppState,
    who: &Principal,
    plan: &str,
    go: bool,
    reason: &str,
) -> Result<Vec<ReviewSession>, ApiError> {
    check_name(plan)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ApiError::Invalid(
            "say why: a go / no-go decision needs its reason".into(),
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS || reason.chars().any(char::is_control) {
        return Err(ApiError::Invalid(format!(
            "the reason is at most {MAX_REASON_CHARS} printable characters"
        )));
    }
    let decision = ReviewDecision {
        go,
        reason: reason.to_string(),
        by: who.name.clone(),
        at: state.settings.clock.now(),
    };
    let id = state.store.decide_review(plan, &decision).await?;
    let words = if go { "go" } else { "no-go" };
    record(plan, id, format!("review {id}: {words}: {reason}"));
    list(state, plan).await
}

fn record(plan: &str, id: i64, after: String) {
    note(
        format!("plan {plan}"),
        Some(format!("review {id}")),
        Some(after),
    );
}
