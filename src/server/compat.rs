//! Contract compatibility against the stored catalog: the cached matrix, can-i-deploy and the
//! diff of two stored versions. Shared by server functions, the JSON API and the CLI.

use super::store::Store;
use crate::api::contracts::{CandidateRequest, DiffView, MatrixView};
use crate::api::ApiError;
use breakwater_domain::catalog::Catalog;
use breakwater_domain::compatibility::{self, Candidate, Histories, Matrix, ServiceVerdict};
use breakwater_domain::contract::located::LocatedDocument;
use breakwater_domain::contract::{json_schema, openapi, parse_document, ContractKind, Mode};

/// The current revision's matrix.
pub async fn current_matrix(store: &Store) -> Result<MatrixView, ApiError> {
    let Some((revision, catalog)) = store.current_catalog().await? else {
        return Ok(MatrixView::default());
    };
    let matrix = matrix_of(store, revision.id, catalog).await?;
    Ok(MatrixView {
        revision: Some(revision.id),
        cells: matrix.cells,
    })
}

/// A revision's matrix, computed on first read and stored with the revision (whose contract
/// versions it was computed for), so later page loads do not recompute it.
pub async fn matrix_of(store: &Store, revision: i64, catalog: Catalog) -> Result<Matrix, ApiError> {
    if let Some(matrix) = store.matrix(revision).await? {
        return Ok(matrix);
    }
    let histories = store.contract_histories().await?;
    let matrix = compute(catalog, histories).await?;
    store.save_matrix(revision, &matrix, &super::now()).await?;
    Ok(matrix)
}

/// Diffing is CPU work: keep it off the async workers.
async fn compute(catalog: Catalog, histories: Histories) -> Result<Matrix, ApiError> {
    tokio::task::spawn_blocking(move || compatibility::matrix(&catalog, &histories))
        .await
        .map_err(ApiError::internal)
}

/// Can the service ship this version? The candidate spec comes from the request or, when the
/// request names only a version, from the stored contract versions.
pub async fn can_i_deploy(
    store: &Store,
    request: CandidateRequest,
) -> Result<ServiceVerdict, ApiError> {
    let request = request.validate()?;
    let (_, catalog) = store
        .current_catalog()
        .await?
        .ok_or_else(|| ApiError::NotFound("no catalog has been imported yet".into()))?;
    let histories = store.contract_histories().await?;
    tokio::task::spawn_blocking(move || check_against(&catalog, &histories, request))
        .await
        .map_err(ApiError::internal)?
}

/// The check itself, on a catalog from anywhere (the CLI passes a file's catalog).
pub fn check_against(
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
    store: &Store,
    contract_id: &str,
    from: Option<String>,
    to: Option<String>,
    mode: Option<Mode>,
) -> Result<DiffView, ApiError> {
    let (_, catalog) = store
        .current_catalog()
        .await?
        .ok_or_else(|| ApiError::NotFound("no catalog has been imported yet".into()))?;
    let (provider, contract) = catalog
        .contract(contract_id)
        .ok_or_else(|| ApiError::NotFound(format!("contract '{contract_id}'")))?;
    let history = store
        .contract_histories()
        .await?
        .remove(contract_id)
        .unwrap_or_default();
    let versions: Vec<String> = history.iter().map(|(v, _)| v.clone()).collect();
    let to = to.unwrap_or_else(|| contract.version.clone());
    let position = |v: &str| {
        versions
            .iter()
            .position(|x| x == v)
            .ok_or_else(|| ApiError::NotFound(format!("version {v} of contract '{contract_id}'")))
    };
    let to_at = position(&to)?;
    let from_at = match &from {
        Some(v) => Some(position(v)?),
        None => to_at.checked_sub(1),
    };
    let mode = mode.unwrap_or(contract.mode);
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
    let kind = contract.kind;
    let report = match kind {
        ContractKind::OpenApi => openapi::check(&earlier, &new, mode),
        ContractKind::JsonSchema => json_schema::check(&earlier, &new, mode),
    }
    .map_err(|e| ApiError::Invalid(e.to_string()))?;
    let located = LocatedDocument::new(&new);
    Ok(DiffView {
        contract: contract_id.to_string(),
        provider: provider.id.clone(),
        kind,
        versions,
        from: from_at.map(|at| history[at].0.clone()),
        to,
        finding_lines: report
            .findings
            .iter()
            .map(|f| located.line_of(&f.path))
            .collect(),
        report,
        lines: located.lines,
    })
}
