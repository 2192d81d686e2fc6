//! The catalog: reading the current one and importing a new one.

use super::ApiError;
use breakwater_domain::catalog::{Dependency, DependencyKind, Problem, Tier};
use breakwater_domain::contract::deploy::CellStatus;
use breakwater_domain::contract::ContractKind;
use breakwater_domain::graph::ServiceGraph;
use leptos::prelude::*;
use leptos::server_fn;
use serde::{Deserialize, Serialize};

/// Most files one upload may carry (the catalog and its spec files).
pub const MAX_UPLOAD_FILES: usize = 500;
/// Most bytes one upload may carry, all files together.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionInfo {
    pub id: i64,
    pub imported_at: String,
    pub imported_by: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContractRef {
    pub id: String,
    pub kind: ContractKind,
    pub version: String,
}

/// A service as the UI shows it: everything but the spec documents, which stay on the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceCard {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub tier: Tier,
    pub regions: Vec<String>,
    pub version: String,
    pub provides: Vec<ContractRef>,
    pub depends_on: Vec<Dependency>,
}

/// The current catalog for the graph and the service table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogView {
    pub revision: Option<RevisionInfo>,
    pub services: Vec<ServiceCard>,
    /// (consumer, provider, kind) over positions in `services`, one per dependent pair.
    pub edges: Vec<(usize, usize, DependencyKind)>,
    /// The contract-compatibility status of each edge (worst over its contracts), when the
    /// consumer uses a contract of the provider.
    pub edge_status: Vec<Option<CellStatus>>,
    pub warnings: Vec<Problem>,
}

impl CatalogView {
    pub fn graph(&self) -> ServiceGraph {
        ServiceGraph::from_edges(self.services.iter().map(|s| s.id.clone()), &self.edges)
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.services.iter().position(|s| s.id == id)
    }
}

/// What an import did: a new revision, or nothing and the problems that stopped it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub revision: Option<RevisionInfo>,
    pub problems: Vec<Problem>,
}

impl ImportOutcome {
    pub fn refused(problems: Vec<Problem>) -> ImportOutcome {
        ImportOutcome {
            revision: None,
            problems,
        }
    }
}

/// A file picked in the browser, sent as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadedFile {
    pub name: String,
    pub text: String,
}

#[server(prefix = "/api", endpoint = "catalog")]
pub async fn get_catalog() -> Result<CatalogView, ApiError> {
    let state = expect_context::<crate::server::AppState>();
    super::respond(ssr::current_view(&state.store).await)
}

/// Imports a catalog uploaded from the browser: one YAML file with `services:` plus the spec
/// files it names. Nothing changes unless the whole catalog is valid.
#[server(prefix = "/api", endpoint = "catalog/import", input = server_fn::codec::Json)]
pub async fn import_catalog(files: Vec<UploadedFile>) -> Result<ImportOutcome, ApiError> {
    let state = expect_context::<crate::server::AppState>();
    let outcome = async {
        // A bad upload is an answer for the person uploading, like a bad catalog.
        let (catalog_file, specs) = match ssr::split_upload(files) {
            Ok(split) => split,
            Err(reason) => {
                let problem = Problem::error(
                    &breakwater_domain::catalog::Location::Catalog,
                    "UPLOAD_INVALID",
                    reason,
                );
                return Ok(ImportOutcome::refused(vec![problem]));
            }
        };
        crate::server::import::import_catalog(
            &state.store,
            &catalog_file.text,
            crate::server::import::UploadedSpecs(specs),
            &format!("upload: {}", catalog_file.name),
            "browser",
        )
        .await
        .map_err(ApiError::from)
    };
    super::respond(outcome.await)
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::server::store::{Revision, Store};
    use std::collections::HashMap;

    impl From<Revision> for RevisionInfo {
        fn from(r: Revision) -> Self {
            RevisionInfo {
                id: r.id,
                imported_at: r.imported_at,
                imported_by: r.imported_by,
                source: r.source,
            }
        }
    }

    /// The current catalog with the compatibility status of its edges.
    pub async fn current_view(store: &Store) -> Result<CatalogView, ApiError> {
        let Some((revision, catalog)) = store.current_catalog().await? else {
            return Ok(CatalogView {
                revision: None,
                services: Vec::new(),
                edges: Vec::new(),
                edge_status: Vec::new(),
                warnings: Vec::new(),
            });
        };
        let matrix = crate::server::compat::matrix_of(store, revision.id, catalog.clone()).await?;
        let edges = ServiceGraph::new(&catalog).edges();
        let edge_status = edges
            .iter()
            .map(|(consumer, provider, _)| {
                let id = |i: usize| catalog.services[i].id.as_str();
                matrix.edge_status(id(*consumer), id(*provider))
            })
            .collect();
        let warnings = revision.warnings.clone();
        Ok(CatalogView {
            revision: Some(revision.into()),
            services: catalog.services.into_iter().map(card).collect(),
            edges,
            edge_status,
            warnings,
        })
    }

    fn card(s: breakwater_domain::catalog::Service) -> ServiceCard {
        ServiceCard {
            provides: s
                .provides
                .iter()
                .map(|c| ContractRef {
                    id: c.id.clone(),
                    kind: c.kind,
                    version: c.version.clone(),
                })
                .collect(),
            id: s.id,
            name: s.name,
            owner: s.owner,
            tier: s.tier,
            regions: s.regions,
            version: s.version,
            depends_on: s.depends_on,
        }
    }

    /// Finds the catalog among uploaded files (the one YAML document with a top-level
    /// `services` key) and keys the rest by name.
    pub fn split_upload(
        files: Vec<UploadedFile>,
    ) -> Result<(UploadedFile, HashMap<String, String>), String> {
        if files.is_empty() {
            return Err("choose a catalog file to import".into());
        }
        if files.len() > MAX_UPLOAD_FILES {
            return Err(format!(
                "{} files were uploaded; at most {MAX_UPLOAD_FILES} are accepted",
                files.len()
            ));
        }
        let total: usize = files.iter().map(|f| f.text.len()).sum();
        if total > MAX_UPLOAD_BYTES {
            return Err(format!(
                "the upload is {:.1} MB; the limit is {} MB",
                total as f64 / 1e6,
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ));
        }
        let is_catalog = |f: &UploadedFile| {
            serde_yaml_ng::from_str::<serde_json::Value>(&f.text)
                .map(|doc| doc.get("services").is_some())
                .unwrap_or(false)
        };
        let (mut catalogs, specs): (Vec<_>, Vec<_>) = files.into_iter().partition(is_catalog);
        match catalogs.len() {
            1 => Ok((
                catalogs.remove(0),
                specs.into_iter().map(|f| (f.name, f.text)).collect(),
            )),
            0 if specs.len() == 1 => {
                // A single file that does not parse as a catalog: let the loader say why.
                let only = specs.into_iter().next().expect("one file");
                Ok((only, HashMap::new()))
            }
            0 => Err(
                "none of the files is a catalog (a YAML file with a top-level 'services' list)"
                    .into(),
            ),
            n => Err(format!(
                "{n} of the files look like catalogs; upload one catalog at a time"
            )),
        }
    }
}
