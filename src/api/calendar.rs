//! The calendar page's server functions: its view, rule edits, the whole YAML, and the run
//! actions the calendar brings (break-glass override, emergency stop).

use crate::wire::calendar::{
    CalendarQuery, CalendarSaveOutcome, CalendarView, OverrideRequest, RuleEdit, StopAllOutcome,
    StopAllRequest,
};
use crate::wire::runs::ActionOutcome;
use crate::wire::ApiError;
use leptos::prelude::*;
use leptos::server_fn;

#[server(prefix = "/api", endpoint = "calendar/view", input = server_fn::codec::Json)]
pub async fn load_calendar_view(query: CalendarQuery) -> Result<CalendarView, ApiError> {
    let state = super::state();
    super::respond(crate::server::calendar::view(&state, query).await)
}

/// Adds or replaces one rule; problems (and a calendar changed meanwhile) come back in the
/// outcome with nothing saved.
#[server(prefix = "/api", endpoint = "calendar/rule", input = server_fn::codec::Json)]
pub async fn save_calendar_rule(edit: RuleEdit) -> Result<CalendarSaveOutcome, ApiError> {
    let state = super::state();
    refusal_as_outcome(
        crate::server::calendar::save_rule(&state, edit, &super::principal()?.name).await,
    )
}

#[server(prefix = "/api", endpoint = "calendar/rule/delete")]
pub async fn delete_calendar_rule(
    name: String,
    based_on: Option<i64>,
) -> Result<CalendarSaveOutcome, ApiError> {
    let state = super::state();
    refusal_as_outcome(
        crate::server::calendar::delete_rule(&state, &name, based_on, &super::principal()?.name)
            .await,
    )
}

/// Replaces the whole calendar with YAML text.
#[server(prefix = "/api", endpoint = "calendar/save", input = server_fn::codec::Json)]
pub async fn save_calendar_text(
    text: String,
    based_on: Option<i64>,
) -> Result<CalendarSaveOutcome, ApiError> {
    let state = super::state();
    refusal_as_outcome(
        crate::server::calendar::save_text(&state, text, based_on, &super::principal()?.name).await,
    )
}

/// Break-glass for one run.
#[server(prefix = "/api", endpoint = "runs/override", input = server_fn::codec::Json)]
pub async fn override_run(id: i64, request: OverrideRequest) -> Result<ActionOutcome, ApiError> {
    let state = super::state();
    super::respond(
        crate::server::runs::override_calendar(&state, id, request, &super::principal()?.name)
            .await,
    )
}

/// The emergency stop: pauses every running run.
#[server(prefix = "/api", endpoint = "runs/stop-all", input = server_fn::codec::Json)]
pub async fn stop_all_runs(request: StopAllRequest) -> Result<StopAllOutcome, ApiError> {
    let state = super::state();
    super::respond(crate::server::runs::stop_all(&state, request, &super::principal()?.name).await)
}

/// A conflict (the calendar changed since the page showed it) is an answer to the editor, not
/// an error: it shows beside the form like any other problem.
#[cfg(feature = "ssr")]
fn refusal_as_outcome(
    result: Result<CalendarSaveOutcome, ApiError>,
) -> Result<CalendarSaveOutcome, ApiError> {
    use breakwater_domain::plan::{PlanLocation, PlanProblem};
    match result {
        Err(ApiError::Conflict(message)) => Ok(CalendarSaveOutcome {
            revision: None,
            problems: vec![PlanProblem::error(PlanLocation::Plan, "CONFLICT", message)],
        }),
        other => super::respond(other),
    }
}
