//! The slice of a catalog the planner reads: services with their tier, owner, regions and
//! current version, and the dependencies between them. The server builds it from a
//! [`Catalog`]; the browser from the catalog view it already has, so the planner can run there
//! without the contract documents.

use crate::catalog::{Catalog, Dependency, DependencyKind, Tier};
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

impl Topology {
    /// From each service's facts and the dependencies it declares (a catalog's services, or the
    /// cards of the browser's catalog view).
    pub fn from_services<'a>(
        services: impl IntoIterator<Item = (ServiceFacts, &'a [Dependency])>,
    ) -> Topology {
        let mut topology = Topology {
            services: Vec::new(),
            links: Vec::new(),
        };
        for (facts, dependencies) in services {
            topology.links.extend(dependencies.iter().map(|d| Link {
                consumer: facts.id.clone(),
                provider: d.service.clone(),
                contract: d.contract.clone(),
                uses: d.uses.clone(),
                kind: d.kind,
            }));
            topology.services.push(facts);
        }
        topology
    }
}

impl From<&Catalog> for Topology {
    fn from(catalog: &Catalog) -> Topology {
        Topology::from_services(catalog.services.iter().map(|s| {
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
