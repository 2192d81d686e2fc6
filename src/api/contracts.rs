//! Contract compatibility: the matrix, "can I deploy" for a candidate, and version diffs.

use crate::wire::contracts::{CandidateRequest, CheckOutcome, DiffView, MatrixView};
use crate::wire::ApiError;
use leptos::prelude::*;
use leptos::server_fn;

#[server(prefix = "/api", endpoint = "contracts/matrix")]
pub async fn get_matrix() -> Result<MatrixView, ApiError> {
    let state = super::state();
    super::respond(crate::server::compat::current_matrix(&state.store).await)
}

#[server(prefix = "/api", endpoint = "contracts/can-i-deploy", input = server_fn::codec::Json)]
pub async fn check_candidate(request: CandidateRequest) -> Result<CheckOutcome, ApiError> {
    let state = super::state();
    let outcome = match crate::server::compat::verdict_for(&state, request).await {
        Ok(verdict) => Ok(CheckOutcome::Verdict(verdict)),
        Err(
            ApiError::Invalid(reason) | ApiError::NotFound(reason) | ApiError::TooLarge(reason),
        ) => Ok(CheckOutcome::Refused(reason)),
        Err(e) => Err(e),
    };
    super::respond(outcome)
}

#[server(prefix = "/api", endpoint = "contracts/diff")]
pub async fn get_contract_diff(
    contract: String,
    from: Option<String>,
    to: Option<String>,
) -> Result<DiffView, ApiError> {
    let state = super::state();
    super::respond(crate::server::compat::diff(&state, &contract, from, to, None).await)
}
