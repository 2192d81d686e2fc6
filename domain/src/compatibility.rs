//! Compatibility across the catalog: the contract matrix (every provider contract against every
//! consumer) and "can I deploy" for a service's candidate version.
//!
//! A consumer is on the version it pinned (`contract_version` on its dependency) or, when it
//! follows the provider, on the version before the current one. Findings reach a consumer only
//! through the operations it uses ([`deploy`]).

use crate::catalog::{Catalog, Contract, Dependency, DependencyKind, Service};
use crate::contract::deploy::{self, CellStatus, ConsumerUsage, Verdict};
use crate::contract::{parse_document, Finding, Mode, SpecError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Every stored version of each contract: contract id → (version, document text), oldest first.
pub type Histories = HashMap<String, Vec<(String, String)>>;

/// One provider contract against one consumer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixCell {
    pub provider: String,
    pub contract: String,
    pub consumer: String,
    /// The version the consumer is on; `None` when the contract has a single version.
    pub from_version: Option<String>,
    pub to_version: String,
    pub status: CellStatus,
    pub findings: Vec<Finding>,
    /// Why the status is what it is when there are no findings to say it.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Matrix {
    pub cells: Vec<MatrixCell>,
}

impl Matrix {
    /// The worst status between a consumer and a provider over all contracts between them, for
    /// the badge on a graph edge. Unknown counts as worse than a warning: nobody checked.
    pub fn edge_status(&self, consumer: &str, provider: &str) -> Option<CellStatus> {
        self.cells
            .iter()
            .filter(|c| c.consumer == consumer && c.provider == provider)
            .map(|c| c.status)
            .max_by_key(|s| severity(*s))
    }
}

impl Matrix {
    /// [`Matrix::edge_status`] for every (consumer, provider) pair at once, in one pass over the
    /// cells (a lookup per edge would scan every cell for each edge).
    pub fn edge_statuses(&self) -> HashMap<(&str, &str), CellStatus> {
        let mut statuses: HashMap<(&str, &str), CellStatus> = HashMap::new();
        for cell in &self.cells {
            statuses
                .entry((cell.consumer.as_str(), cell.provider.as_str()))
                .and_modify(|s| {
                    if severity(cell.status) > severity(*s) {
                        *s = cell.status;
                    }
                })
                .or_insert(cell.status);
        }
        statuses
    }
}

fn severity(status: CellStatus) -> u8 {
    match status {
        CellStatus::Compatible => 0,
        CellStatus::Warning => 1,
        CellStatus::Unknown => 2,
        CellStatus::Breaking => 3,
    }
}

/// A consumer of one contract, with the version it is on (`None`: it follows the provider).
struct ContractConsumer {
    usage: ConsumerUsage,
    pinned: Option<String>,
}

/// Every dependency of the catalog by provider id, in catalog order: one pass, so finding a
/// contract's consumers does not scan the catalog once per contract.
fn dependencies_by_provider(catalog: &Catalog) -> HashMap<&str, Vec<(&Service, &Dependency)>> {
    let mut by_provider: HashMap<&str, Vec<(&Service, &Dependency)>> = HashMap::new();
    for consumer in &catalog.services {
        for dependency in &consumer.depends_on {
            by_provider
                .entry(dependency.service.as_str())
                .or_default()
                .push((consumer, dependency));
        }
    }
    by_provider
}

/// Dependencies on `provider` through `contract`, or on `provider` without naming a contract
/// (then every operation of every contract counts).
fn consumers_of(
    dependencies: &[(&Service, &Dependency)],
    contract: &Contract,
) -> Vec<ContractConsumer> {
    dependencies
        .iter()
        .filter(|(_, d)| d.contract.as_deref().is_none_or(|c| c == contract.id))
        .map(|(consumer, d)| ContractConsumer {
            usage: ConsumerUsage {
                consumer: consumer.id.clone(),
                uses: d.uses.clone(),
                hard: d.kind == DependencyKind::Hard,
            },
            pinned: d.contract_version.clone(),
        })
        .collect()
}

/// The versions of `contract` up to and including `version`, parsed; `None` when `version` was
/// never stored. A contract with no stored history is its current document alone.
fn history_until(
    histories: &Histories,
    contract: &Contract,
    version: &str,
) -> Result<Option<Vec<(String, Value)>>, SpecError> {
    let fallback = [(contract.version.clone(), contract.document.clone())];
    let versions = histories
        .get(&contract.id)
        .filter(|h| !h.is_empty())
        .map_or(&fallback[..], Vec::as_slice);
    let Some(end) = versions.iter().position(|(v, _)| v == version) else {
        return Ok(None);
    };
    versions[..=end]
        .iter()
        .map(|(v, text)| {
            let doc = parse_document(text).map_err(|e| within(&contract.id, v, e))?;
            Ok((v.clone(), doc))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn within(contract: &str, version: &str, e: SpecError) -> SpecError {
    SpecError::new(
        format!("contract '{contract}' v{version}, {}", e.location),
        e.message,
    )
}

/// The version a following consumer is on: the one stored before the current version.
fn previous_version(histories: &Histories, contract: &Contract) -> Option<String> {
    let versions = histories.get(&contract.id)?;
    let current = versions.iter().position(|(v, _)| *v == contract.version)?;
    current.checked_sub(1).map(|i| versions[i].0.clone())
}

/// Every provider contract of the catalog against each of its consumers. Consumers on the same
/// version of a contract share one diff.
pub fn matrix(catalog: &Catalog, histories: &Histories) -> Matrix {
    let dependencies = dependencies_by_provider(catalog);
    let mut cells = Vec::new();
    for provider in &catalog.services {
        let Some(dependencies) = dependencies.get(provider.id.as_str()) else {
            continue;
        };
        for contract in &provider.provides {
            let consumers = consumers_of(dependencies, contract);
            let mut by_version: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
            for (i, consumer) in consumers.iter().enumerate() {
                let from = consumer
                    .pinned
                    .clone()
                    .or_else(|| previous_version(histories, contract));
                by_version.entry(from).or_default().push(i);
            }
            let mut contract_cells: Vec<Option<MatrixCell>> = vec![None; consumers.len()];
            for (from, members) in by_version {
                let group: Vec<&ContractConsumer> =
                    members.iter().map(|&i| &consumers[i]).collect();
                let group_cells = matrix_cells(histories, provider, contract, from, &group);
                for (i, cell) in members.into_iter().zip(group_cells) {
                    contract_cells[i] = Some(cell);
                }
            }
            cells.extend(contract_cells.into_iter().flatten());
        }
    }
    Matrix { cells }
}

/// The cells of `consumers`, all on version `from` of `contract`, from one diff.
fn matrix_cells(
    histories: &Histories,
    provider: &Service,
    contract: &Contract,
    from: Option<String>,
    consumers: &[&ContractConsumer],
) -> Vec<MatrixCell> {
    let cell = |consumer: &ContractConsumer| MatrixCell {
        provider: provider.id.clone(),
        contract: contract.id.clone(),
        consumer: consumer.usage.consumer.clone(),
        from_version: from.clone(),
        to_version: contract.version.clone(),
        status: CellStatus::Compatible,
        findings: Vec::new(),
        note: None,
    };
    let mut cells: Vec<MatrixCell> = consumers.iter().map(|c| cell(c)).collect();
    let mut note_all = |status: CellStatus, note: String| {
        for cell in &mut cells {
            cell.status = status;
            cell.note = Some(note.clone());
        }
    };
    let Some(from) = from.clone().filter(|v| *v != contract.version) else {
        note_all(
            CellStatus::Compatible,
            "the consumer is on the current version".into(),
        );
        return cells;
    };
    let usages: Vec<ConsumerUsage> = consumers.iter().map(|c| c.usage.clone()).collect();
    let outcome = history_until(histories, contract, &from).and_then(|history| {
        let Some(history) = history else {
            return Ok(None);
        };
        let current = parse_document(&contract.document)
            .map_err(|e| within(&contract.id, &contract.version, e))?;
        deploy::consumer_verdicts(
            &contract.id,
            contract.kind,
            &history,
            (&contract.version, &current),
            contract.mode,
            &usages,
        )
        .map(Some)
    });
    match outcome {
        Ok(Some(verdict)) => {
            for (cell, mine) in cells.iter_mut().zip(verdict.consumers) {
                cell.status = mine.status;
                cell.findings = mine.findings;
            }
        }
        Ok(None) => note_all(
            CellStatus::Unknown,
            format!("version {from} of '{}' is not stored", contract.id),
        ),
        Err(e) => note_all(CellStatus::Unknown, format!("cannot check: {e}")),
    }
    cells
}

/// A new version of one contract, proposed for deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub contract: String,
    pub version: String,
    pub document: String,
}

/// The answer to "can I deploy this version of this service?".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceVerdict {
    pub service: String,
    pub version: String,
    pub deployable: bool,
    /// One verdict per changed contract and version its consumers are on.
    pub verdicts: Vec<Verdict>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum DeployCheckError {
    #[error("unknown service '{0}'")]
    UnknownService(String),
    #[error("service '{service}' provides no contract '{contract}'")]
    UnknownContract { service: String, contract: String },
    #[error(
        "nothing to check: service '{0}' has no stored contract at that version; \
         give the candidate spec"
    )]
    NoCandidate(String),
    #[error("{0}")]
    Spec(#[from] SpecError),
}

/// Candidates for `service` at `version` taken from the stored histories: every contract of the
/// service that has a stored version equal to `version` other than its current one.
pub fn stored_candidates(
    catalog: &Catalog,
    histories: &Histories,
    service: &str,
    version: &str,
) -> Result<Vec<Candidate>, DeployCheckError> {
    let provider = catalog
        .service(service)
        .ok_or_else(|| DeployCheckError::UnknownService(service.to_string()))?;
    Ok(provider
        .provides
        .iter()
        .filter_map(|c| {
            let (v, text) = histories.get(&c.id)?.iter().find(|(v, _)| v == version)?;
            Some(Candidate {
                contract: c.id.clone(),
                version: v.clone(),
                document: text.clone(),
            })
        })
        .collect())
}

/// Can `service` ship `candidates`? Each candidate is checked against every version its
/// consumers are on, in the contract's mode unless `mode` overrides it.
pub fn can_i_deploy(
    catalog: &Catalog,
    histories: &Histories,
    service: &str,
    version: &str,
    candidates: &[Candidate],
    mode: Option<Mode>,
) -> Result<ServiceVerdict, DeployCheckError> {
    let provider = catalog
        .service(service)
        .ok_or_else(|| DeployCheckError::UnknownService(service.to_string()))?;
    if candidates.is_empty() {
        return Err(DeployCheckError::NoCandidate(service.to_string()));
    }
    let dependencies = dependencies_by_provider(catalog);
    let on_provider = dependencies
        .get(provider.id.as_str())
        .map_or(&[][..], Vec::as_slice);
    let mut verdicts = Vec::new();
    for candidate in candidates {
        let contract = provider
            .provides
            .iter()
            .find(|c| c.id == candidate.contract)
            .ok_or_else(|| DeployCheckError::UnknownContract {
                service: service.to_string(),
                contract: candidate.contract.clone(),
            })?;
        let document = parse_document(&candidate.document)
            .map_err(|e| within(&contract.id, &candidate.version, e))?;
        // Consumers grouped by the version they are on; followers are on the current one.
        let mut groups: BTreeMap<String, Vec<ConsumerUsage>> = BTreeMap::new();
        for consumer in consumers_of(on_provider, contract) {
            let on = consumer.pinned.unwrap_or_else(|| contract.version.clone());
            groups.entry(on).or_default().push(consumer.usage);
        }
        groups.entry(contract.version.clone()).or_default();
        for (on, usages) in groups {
            let history = history_until(histories, contract, &on)?.ok_or_else(|| {
                SpecError::new(
                    format!("contract '{}'", contract.id),
                    format!("consumers are on version {on}, which is not stored"),
                )
            })?;
            verdicts.push(deploy::consumer_verdicts(
                &contract.id,
                contract.kind,
                &history,
                (&candidate.version, &document),
                mode.unwrap_or(contract.mode),
                &usages,
            )?);
        }
    }
    Ok(ServiceVerdict {
        service: service.to_string(),
        version: version.to_string(),
        deployable: verdicts.iter().all(|v| v.deployable),
        verdicts,
    })
}
