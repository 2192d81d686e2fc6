//! Contract checks as the browser and scripts see them.

use super::ApiError;
use breakwater_domain::catalog::is_valid_id;
use breakwater_domain::compatibility::{MatrixCell, ServiceVerdict};
use breakwater_domain::contract::{ContractKind, Finding, Mode};
use serde::{Deserialize, Serialize};

/// Largest candidate spec accepted, like a catalog file.
pub const MAX_SPEC_BYTES: usize = breakwater_domain::catalog::MAX_CATALOG_BYTES;
/// Longest version string accepted.
pub const MAX_VERSION_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MatrixView {
    /// The catalog revision the cells were computed for.
    pub revision: Option<i64>,
    /// False while the checks of the current revision are still running (then `cells` is empty).
    pub checked: bool,
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
                "'{}' is not a service id",
                shorten(&service)
            )));
        }
        if version.is_empty() || version.chars().count() > MAX_VERSION_CHARS {
            return Err(ApiError::Invalid(format!(
                "give the version to deploy (at most {MAX_VERSION_CHARS} characters)"
            )));
        }
        let contract = self
            .contract
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        if let Some(contract) = &contract {
            if !is_valid_id(contract) {
                return Err(ApiError::Invalid(format!(
                    "'{}' is not a contract id",
                    shorten(contract)
                )));
            }
        }
        let document = self.document.filter(|d| !d.trim().is_empty());
        if document.as_ref().is_some_and(|d| d.len() > MAX_SPEC_BYTES) {
            return Err(ApiError::TooLarge(format!(
                "the spec is larger than the {} MB limit",
                MAX_SPEC_BYTES / (1024 * 1024)
            )));
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

/// Echoes at most 64 characters of a rejected value: an error must not repeat a huge input.
pub fn shorten(value: &str) -> String {
    const MAX: usize = 64;
    if value.chars().count() <= MAX {
        value.to_string()
    } else {
        format!("{}…", value.chars().take(MAX).collect::<String>())
    }
}

/// A finding with the 0-based line of [`DiffView::lines`] it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocatedFinding {
    #[serde(flatten)]
    pub finding: Finding,
    pub line: usize,
}

/// Two versions of one contract and what changed between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffView {
    pub contract: String,
    pub provider: String,
    pub kind: ContractKind,
    pub mode: Mode,
    /// Every stored version, oldest first.
    pub versions: Vec<String>,
    pub from: Option<String>,
    pub to: String,
    /// True when no finding is breaking.
    pub compatible: bool,
    pub findings: Vec<LocatedFinding>,
    /// The newer version, pretty-printed, one entry per line.
    pub lines: Vec<String>,
}

/// The answer to a candidate check: a verdict, or why the request could not be checked (bad
/// input is an answer here, not a failure of the call).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CheckOutcome {
    Verdict(ServiceVerdict),
    Refused(String),
}
