//! The slice of a catalog the planner reads: services with their tier, owner, regions and
//! current version, and the dependencies between them. The server builds it from a
//! [`Catalog`]; the browser from the catalog view it already has, so the planner can run there
//! without the contract documents.

use crate::catalog::{Catalog, DependencyKind, Tier};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    pub services: Vec<ServiceFacts>,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceFacts {
    pub id: String,
    pub owner: String,
    pub tier: Tier,
    pub regions: Vec<String>,
    pub version: String,
}

/// `consumer` depends on `provider`, optionally through one of its contracts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub consumer: String,
    pub provider: String,
    pub contract: Option<String>,
    /// Operations of the contract the consumer calls (`POST /charges`); empty when unknown.
    pub uses: Vec<String>,
    pub kind: DependencyKind,
}

impl From<&Catalog> for Topology {
    fn from(catalog: &Catalog) -> Topology {
        Topology {
            services: catalog
                .services
                .iter()
                .map(|s| ServiceFacts {
                    id: s.id.clone(),
                    owner: s.owner.clone(),
                    tier: s.tier,
                    regions: s.regions.clone(),
                    version: s.version.clone(),
                })
                .collect(),
            links: catalog
                .services
                .iter()
                .flat_map(|s| {
                    s.depends_on.iter().map(|d| Link {
                        consumer: s.id.clone(),
                        provider: d.service.clone(),
                        contract: d.contract.clone(),
                        uses: d.uses.clone(),
                        kind: d.kind,
                    })
                })
                .collect(),
        }
    }
}
