//! What pages show of the current catalog, computed once per catalog revision: the layout, the
//! blast radius of every service and the contract status of every edge are deterministic for a
//! revision, so a page load costs a lookup and a clone, not a layout.

use super::store::{Revision, Store};
use super::work::Workers;
use crate::wire::catalog::{graph_layout_options, CatalogView, ContractRef, EdgeView, ServiceCard};
use crate::wire::ApiError;
use breakwater_domain::catalog::{Catalog, Service};
use breakwater_domain::compatibility::Matrix;
use breakwater_domain::graph::ServiceGraph;
use breakwater_domain::layout::layered_layout;
use std::sync::Arc;
use tokio::sync::Mutex;

/// The view of the newest revision. One builder at a time: concurrent first loads of a new
/// revision wait for it instead of each laying out the graph.
#[derive(Default)]
pub struct ViewCache {
    current: Mutex<Option<Arc<CatalogView>>>,
}

/// The current catalog's view, from the cache when it is for the newest revision (and, once the
/// contract checks of that revision are stored, includes them).
pub async fn catalog_view(
    store: &Store,
    workers: &Workers,
    cache: &ViewCache,
) -> Result<Arc<CatalogView>, ApiError> {
    let Some(latest) = store.latest_revision_id().await? else {
        return Ok(Arc::new(empty_view()));
    };
    let mut current = cache.current.lock().await;
    if let Some(view) = current.as_ref() {
        let fresh = view.revision.as_ref().is_some_and(|r| r.id == latest);
        if fresh && (view.contracts_checked || !store.has_matrix(latest).await?) {
            return Ok(view.clone());
        }
    }
    let Some((revision, catalog)) = store.current_catalog().await? else {
        return Ok(Arc::new(empty_view()));
    };
    let matrix = store.matrix(revision.id).await?;
    let view = Arc::new(
        workers
            .run(move || build(&revision, catalog, matrix))
            .await?,
    );
    *current = Some(view.clone());
    Ok(view)
}

fn empty_view() -> CatalogView {
    CatalogView {
        revision: None,
        services: Vec::new(),
        edges: Vec::new(),
        layout: layered_layout(0, &[], &graph_layout_options()),
        contracts_checked: true,
        warnings: Vec::new(),
    }
}

fn build(revision: &Revision, catalog: Catalog, matrix: Option<Matrix>) -> CatalogView {
    let graph = ServiceGraph::new(&catalog);
    let statuses = matrix.as_ref().map(Matrix::edge_statuses);
    let edges: Vec<EdgeView> = graph
        .edges()
        .into_iter()
        .map(|(consumer, provider, kind)| EdgeView {
            consumer,
            provider,
            kind,
            status: statuses.as_ref().and_then(|s| {
                let id = |i: usize| catalog.services[i].id.as_str();
                s.get(&(id(consumer), id(provider))).copied()
            }),
        })
        .collect();
    let pairs: Vec<(usize, usize)> = edges.iter().map(|e| (e.consumer, e.provider)).collect();
    let layout = layered_layout(catalog.services.len(), &pairs, &graph_layout_options());
    let services = catalog
        .services
        .into_iter()
        .zip(graph.downstream_counts())
        .map(|(service, blast_radius)| card(service, blast_radius))
        .collect();
    CatalogView {
        revision: Some(revision.info()),
        services,
        edges,
        layout,
        contracts_checked: matrix.is_some(),
        warnings: revision.warnings.clone(),
    }
}

fn card(s: Service, blast_radius: usize) -> ServiceCard {
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
        blast_radius,
    }
}
