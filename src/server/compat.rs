//! Contract compatibility against the stored catalog: the matrix of a revision, can-i-deploy and
//! the diff of two stored versions. Shared by server functions, the JSON API and the CLI. Every
//! check runs on the [`Workers`](super::work::Workers); page loads only read stored results.

use super::store::Store;
use super::work::Workers;
use super::AppState;
use crate::wire::contracts::{CandidateRequest, DiffView, LocatedFinding, MatrixView};
use crate::wire::ApiError;
use breakwater_domain::catalog::{is_valid_id, Catalog};
use breakwater_domain::compatibility::{self, Candidate, Histories, ServiceVerdict};
use breakwater_domain::contract::located::LocatedDocument;
use breakwater_domain::contract::{json_schema, openapi, parse_document, ContractKind, Mode};

/// The current revision's matrix as stored; `checked` is false while it is being computed.
pub async fn current_matrix(store: &Store) -> Result<MatrixView, ApiError> {
    let Some(revision) = store.latest_revision_id().await? else {
        return Ok(MatrixView {
            checked: true,
            ..MatrixView::default()
        });
    };
    let matrix = store.matrix(revision).await?;
    Ok(MatrixView {
        revision: Some(revision),
        checked: matrix.is_some(),
        cells: matrix.map(|m| m.cells).unwrap_or_default(),
    })
}

/// Computes and stores the current revision's matrix unless it is stored already: after each
/// import, and at start-up for a revision whose checks did not finish before a restart.
pub async fn check_current_revision(store: &Store, workers: &Workers) -> Result<(), ApiError> {
    let Some((revision, catalog)) = store.current_catalog().await? else {
        return Ok(());
    };
    if store.has_matrix(revision.id).await? {
        return Ok(());
    }
    let histories = store.contract_histories().await?;
    let matrix = workers
        .run(move || compatibility::matrix(&catalog, &histories))
        .await?;
    store
        .save_matrix(revision.id, &matrix, &super::now())
        .await?;
    Ok(())
}

/// Can the service ship this version? The candidate spec comes from the request or, when the
/// request names only a version, from the stored contract versions.
pub async fn verdict_for(
    state: &AppState,
    request: CandidateRequest,
) -> Result<ServiceVerdict, ApiError> {
    let request = request.validate()?;
    let (_, catalog) = state
        .store
        .current_catalog()
        .await?
        .ok_or_else(|| ApiError::NotFound("no catalog has been imported yet".into()))?;
    let histories = state.store.contract_histories().await?;
    state
        .workers
        .run(move || verdict_against(&catalog, &histories, request))
        .await?
}

/// The check itself, on a catalog from anywhere (the CLI passes a file's catalog).
pub fn verdict_against(
    catalog: &Catalog,
    histories: &Histories,
    request: CandidateRequest,
) -> Result<ServiceVerdict, ApiError> {
    let invalid = |e: compatibility::DeployCheckError| ApiError::Invalid(e.to_string());
    let candidates = match request.document {
        Some(document) => {
            let contract = match request.contract {
                Some(contract) => contract,
                None => only_contract(catalog, &request.service)?,
            };
            vec![Candidate {
                contract,
                version: request.version.clone(),
                document,
            }]
        }
        None => {
            let mut found = compatibility::stored_candidates(
                catalog,
                histories,
                &request.service,
                &request.version,
            )
            .map_err(invalid)?;
            if let Some(contract) = &request.contract {
                found.retain(|c| &c.contract == contract);
            }
            found
        }
    };
    compatibility::can_i_deploy(
        catalog,
        histories,
        &request.service,
        &request.version,
        &candidates,
        request.mode,
    )
    .map_err(invalid)
}

fn only_contract(catalog: &Catalog, service: &str) -> Result<String, ApiError> {
    let provider = catalog
        .service(service)
        .ok_or_else(|| ApiError::Invalid(format!("unknown service '{service}'")))?;
    match provider.provides.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => Err(ApiError::Invalid(format!(
            "service '{service}' provides no contract"
        ))),
        many => Err(ApiError::Invalid(format!(
            "service '{service}' provides {} contracts ({}); say which one the spec is for",
            many.len(),
            many.iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Two stored versions of a contract with the findings between them, located in the newer one.
/// Without `from`/`to`: the version before the current one and the current one.
pub async fn diff(
    state: &AppState,
    contract_id: &str,
    from: Option<String>,
    to: Option<String>,
    mode: Option<Mode>,
) -> Result<DiffView, ApiError> {
    if !is_valid_id(contract_id) {
        return Err(ApiError::Invalid(format!(
            "'{}' is not a contract id",
            crate::wire::contracts::shorten(contract_id)
        )));
    }
    let (_, catalog) = state
        .store
        .current_catalog()
        .await?
        .ok_or_else(|| ApiError::NotFound("no catalog has been imported yet".into()))?;
    let (provider, contract) = catalog
        .contract(contract_id)
        .ok_or_else(|| ApiError::NotFound(format!("contract '{contract_id}'")))?;
    let history = state
        .store
        .contract_histories()
        .await?
        .remove(contract_id)
        .unwrap_or_default();
    let versions: Vec<String> = history.iter().map(|(v, _)| v.clone()).collect();
    let to = to.unwrap_or_else(|| contract.version.clone());
    let position = |v: &str| {
        versions.iter().position(|x| x == v).ok_or_else(|| {
            ApiError::NotFound(format!(
                "version {} of contract '{contract_id}'",
                crate::wire::contracts::shorten(v)
            ))
        })
    };
    let to_at = position(&to)?;
    let from_at = match &from {
        Some(v) => Some(position(v)?),
        None => to_at.checked_sub(1),
    };
    let mode = mode.unwrap_or(contract.mode);
    let kind = contract.kind;
    let provider = provider.id.clone();
    let contract = contract_id.to_string();
    state
        .workers
        .run(move || {
            let parse = |at: usize| {
                parse_document(&history[at].1)
                    .map_err(|e| ApiError::Invalid(format!("version {}: {e}", history[at].0)))
            };
            let new = parse(to_at)?;
            let earlier = from_at
                .map(parse)
                .transpose()?
                .into_iter()
                .collect::<Vec<_>>();
            let report = match kind {
                ContractKind::OpenApi => openapi::check(&earlier, &new, mode),
                ContractKind::JsonSchema => json_schema::check(&earlier, &new, mode),
            }
            .map_err(|e| ApiError::Invalid(e.to_string()))?;
            let located = LocatedDocument::new(&new);
            Ok(DiffView {
                contract,
                provider,
                kind,
                mode: report.mode,
                from: from_at.map(|at| history[at].0.clone()),
                to,
                versions,
                compatible: report.compatible,
                findings: report
                    .findings
                    .into_iter()
                    .map(|finding| LocatedFinding {
                        line: located.line_of(&finding.path),
                        finding,
                    })
                    .collect(),
                lines: located.lines,
            })
        })
        .await?
}
