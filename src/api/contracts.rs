//! Contract compatibility: the matrix, "can I deploy" for a candidate, and version diffs.

use super::ApiError;
use breakwater_domain::catalog::is_valid_id;
use breakwater_domain::compatibility::{MatrixCell, ServiceVerdict};
use breakwater_domain::contract::{ContractKind, Mode, Report};
use leptos::prelude::*;
use leptos::server_fn;
use serde::{Deserialize, Serialize};

/// Largest candidate spec accepted, like a catalog file.
pub const MAX_SPEC_BYTES: usize = breakwater_domain::catalog::MAX_CATALOG_BYTES;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MatrixView {
    /// The catalog revision the cells were computed for.
    pub revision: Option<i64>,
    pub cells: Vec<MatrixCell>,
}

/// "Can service S ship version V?", with the new spec or with a version already stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateRequest {
    pub service: String,
    pub version: String,
    /// Which contract `document` is for; needed when the service provides several.
    #[serde(default)]
    pub contract: Option<String>,
    /// The candidate spec (YAML or JSON). Without it, the stored contract version `version`.
    #[serde(default)]
    pub document: Option<String>,
    /// Overrides the contract's own compatibility mode.
    #[serde(default)]
    pub mode: Option<Mode>,
}

impl CandidateRequest {
    /// Trims and checks every field; a bad request is refused before anything is read.
    pub fn validate(self) -> Result<CandidateRequest, ApiError> {
        let service = self.service.trim().to_string();
        let version = self.version.trim().to_string();
        if !is_valid_id(&service) {
            return Err(ApiError::Invalid(format!(
                "'{service}' is not a service id"
            )));
        }
        if version.is_empty() || version.len() > 64 {
            return Err(ApiError::Invalid(
                "give the version to deploy (at most 64 characters)".into(),
            ));
        }
        let contract = self
            .contract
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        if let Some(contract) = &contract {
            if !is_valid_id(contract) {
                return Err(ApiError::Invalid(format!(
                    "'{contract}' is not a contract id"
                )));
            }
        }
        let document = self.document.filter(|d| !d.trim().is_empty());
        if document.as_ref().is_some_and(|d| d.len() > MAX_SPEC_BYTES) {
            return Err(ApiError::Invalid(
                "the spec is larger than the 10 MB limit".into(),
            ));
        }
        Ok(CandidateRequest {
            service,
            version,
            contract,
            document,
            mode: self.mode,
        })
    }
}

/// Two versions of one contract and what changed between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffView {
    pub contract: String,
    pub provider: String,
    pub kind: ContractKind,
    /// Every stored version, oldest first.
    pub versions: Vec<String>,
    pub from: Option<String>,
    pub to: String,
    pub report: Report,
    /// The newer version, pretty-printed, one entry per line.
    pub lines: Vec<String>,
    /// For each finding of `report`, the 0-based line of `lines` it is about.
    pub finding_lines: Vec<usize>,
}

#[server(prefix = "/api", endpoint = "contracts/matrix")]
pub async fn get_matrix() -> Result<MatrixView, ApiError> {
    let state = expect_context::<crate::server::AppState>();
    super::respond(crate::server::compat::current_matrix(&state.store).await)
}

/// The answer to a candidate check: a verdict, or why the request could not be checked (bad
/// input is an answer here, not a failure of the call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CheckOutcome {
    Verdict(ServiceVerdict),
    Refused(String),
}

#[server(prefix = "/api", endpoint = "contracts/can-i-deploy", input = server_fn::codec::Json)]
pub async fn check_candidate(request: CandidateRequest) -> Result<CheckOutcome, ApiError> {
    let state = expect_context::<crate::server::AppState>();
    let outcome = match crate::server::compat::can_i_deploy(&state.store, request).await {
        Ok(verdict) => Ok(CheckOutcome::Verdict(verdict)),
        Err(ApiError::Invalid(reason) | ApiError::NotFound(reason)) => {
            Ok(CheckOutcome::Refused(reason))
        }
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
    let state = expect_context::<crate::server::AppState>();
    let result = async {
        if !is_valid_id(&contract) {
            return Err(ApiError::Invalid(format!(
                "'{contract}' is not a contract id"
            )));
        }
        crate::server::compat::diff(&state.store, &contract, from, to, None).await
    };
    super::respond(result.await)
}
