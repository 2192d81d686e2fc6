//! The catalog as the browser and scripts see it.

use breakwater_domain::catalog::{Dependency, DependencyKind, Problem, Tier};
use breakwater_domain::contract::deploy::CellStatus;
use breakwater_domain::contract::ContractKind;
use breakwater_domain::layout::{Layout, LayoutOptions};
use breakwater_domain::plan::topology::ServiceFacts;
use breakwater_domain::plan::Topology;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Most files one upload may carry (the catalog and its spec files).
pub const MAX_UPLOAD_FILES: usize = 500;
/// Most bytes one upload may carry, all files together.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// Longest path of an uploaded file.
pub const MAX_UPLOAD_PATH: usize = 1024;

/// Who imported which catalog, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionInfo {
    pub id: i64,
    pub imported_at: String,
    pub imported_by: String,
    pub source: String,
    pub service_count: i64,
    pub warning_count: usize,
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
    /// How many services depend on this one, directly or transitively (its blast radius).
    pub blast_radius: usize,
}

/// One dependent pair of services, over positions in [`CatalogView::services`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EdgeView {
    pub consumer: usize,
    pub provider: usize,
    pub kind: DependencyKind,
    /// The worst contract-compatibility status over the contracts between the two, when the
    /// consumer uses a contract of the provider and the checks have run.
    pub status: Option<CellStatus>,
}

/// The current catalog for the graph and the service table, computed once per revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogView {
    pub revision: Option<RevisionInfo>,
    pub services: Vec<ServiceCard>,
    pub edges: Vec<EdgeView>,
    /// Positions of the services and routes of the edges (in `edges` order), laid out with
    /// [`graph_layout_options`].
    pub layout: Layout,
    /// False while the contract checks of this revision are still running.
    pub contracts_checked: bool,
    pub warnings: Vec<Problem>,
}

impl CatalogView {
    pub fn position(&self, id: &str) -> Option<usize> {
        self.services.iter().position(|s| s.id == id)
    }

    /// What the planner reads of this catalog: the browser plans from the view it already has
    /// (the same facts `Topology::from(&Catalog)` takes on the server).
    pub fn topology(&self) -> Topology {
        Topology::from_services(self.services.iter().map(|s| {
            let facts = ServiceFacts {
                id: s.id.clone(),
                owner: s.owner.clone(),
                tier: s.tier,
                regions: s.regions.clone(),
                version: s.version.clone(),
            };
            (facts, s.depends_on.as_slice())
        }))
    }
}

/// Who depends on whom, by position in [`CatalogView::services`]: closures for the browser's
/// hover highlight without building a graph (or shipping a graph library in the wasm bundle).
pub struct Neighbours {
    consumers: Vec<Vec<usize>>,
    providers: Vec<Vec<usize>>,
}

impl Neighbours {
    pub fn of(view: &CatalogView) -> Neighbours {
        let n = view.services.len();
        let mut neighbours = Neighbours {
            consumers: vec![Vec::new(); n],
            providers: vec![Vec::new(); n],
        };
        for e in view
            .edges
            .iter()
            .filter(|e| e.consumer < n && e.provider < n)
        {
            neighbours.consumers[e.provider].push(e.consumer);
            neighbours.providers[e.consumer].push(e.provider);
        }
        neighbours
    }

    /// Every service that depends on `service`, directly or transitively (its blast radius).
    pub fn downstream(&self, service: usize) -> BTreeSet<usize> {
        closure(&self.consumers, service)
    }

    /// Every service `service` depends on, directly or transitively.
    pub fn upstream(&self, service: usize) -> BTreeSet<usize> {
        closure(&self.providers, service)
    }
}

fn closure(next: &[Vec<usize>], start: usize) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
    while let Some(at) = stack.pop() {
        for &n in next.get(at).map_or(&[][..], Vec::as_slice) {
            if n != start && seen.insert(n) {
                stack.push(n);
            }
        }
    }
    seen
}

/// The graph page's box sizes: wide enough for a 22-character name at the 15px font of a shared
/// screen. The server lays out with these and the page draws with them.
pub fn graph_layout_options() -> LayoutOptions {
    LayoutOptions {
        node_width: 228.0,
        ..LayoutOptions::default()
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

/// A file picked in the browser, sent as text with its path relative to the folder that was
/// picked (just the file name when files were picked one by one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadedFile {
    pub path: String,
    pub text: String,
}
