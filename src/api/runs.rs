//! Runs: listing, the run page's view, starting a run of an approved plan, actions, the graph's
//! live health and fault injection into the simulator.

use crate::wire::runs::{
    ActionOutcome, ActionRequest, FaultRequest, RunSummary, RunView, ServiceHealth,
};
use crate::wire::ApiError;
use leptos::prelude::*;
use leptos::server_fn;

/// Every run, or only the runs of `plan`, the newest first.
#[server(prefix = "/api", endpoint = "runs")]
pub async fn list_runs(plan: Option<String>) -> Result<Vec<RunSummary>, ApiError> {
    let state = super::state();
    super::respond(crate::server::runs::list(&state, plan.as_deref()).await)
}

#[server(prefix = "/api", endpoint = "runs/get")]
pub async fn get_run(id: i64) -> Result<RunView, ApiError> {
    let state = super::state();
    super::respond(crate::server::runs::view(&state, id).await)
}

/// Creates a pending run of the approved revision of `plan`.
#[server(prefix = "/api", endpoint = "runs/create")]
pub async fn create_run(plan: String) -> Result<RunSummary, ApiError> {
    let state = super::state();
    super::respond(crate::server::runs::create(&state, &plan, &super::principal()?.name).await)
}

/// Applies an action; a stale `expected_revision` is a conflict (`ApiError::Conflict`) and
/// nothing changes.
#[server(prefix = "/api", endpoint = "runs/act", input = server_fn::codec::Json)]
pub async fn act_on_run(id: i64, action: ActionRequest) -> Result<ActionOutcome, ApiError> {
    let state = super::state();
    super::respond(crate::server::runs::act(&state, id, action, &super::principal()?).await)
}

/// Live health of every service touched by an active run (for the graph page).
#[server(prefix = "/api", endpoint = "runs/health")]
pub async fn live_health() -> Result<Vec<ServiceHealth>, ApiError> {
    let state = super::state();
    super::respond(crate::server::runs::live_health(&state).await)
}

#[server(prefix = "/api", endpoint = "simulator/faults", input = server_fn::codec::Json)]
pub async fn inject_fault(fault: FaultRequest) -> Result<(), ApiError> {
    let state = super::state();
    super::respond(crate::server::simulator::inject(&state, fault).await)
}
