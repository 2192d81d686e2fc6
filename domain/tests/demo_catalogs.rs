//! The demo catalogs under `demo/` load cleanly, and their graphs have the expected shape.

use breakwater_domain::catalog::{self, Catalog, DependencyKind, Loaded, Severity};
use breakwater_domain::contract::{self, ContractKind};
use breakwater_domain::graph::ServiceGraph;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

const BOUTIQUE_SERVICES: usize = 11;
const ENTERPRISE_SERVICES: usize = 49;

fn demo_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../demo")
        .join(name)
}

/// Loads `demo/<name>/catalog.yaml`, reading specs relative to it, and asserts it is valid.
fn load_demo(name: &str) -> (Catalog, Loaded) {
    let dir = demo_dir(name);
    let path = dir.join("catalog.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let loaded = catalog::load(&text, &mut |path: &str| {
        std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string())
    });
    let report: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    assert!(
        loaded.is_valid(),
        "demo catalog '{name}' is invalid:\n{}",
        report.join("\n")
    );
    let catalog = loaded.catalog.clone().expect("a valid load has a catalog");
    (catalog, loaded)
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// The operation keys ("METHOD /path") an OpenAPI document defines, exactly as written.
fn operations(document: &serde_json::Value) -> HashSet<String> {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "patch", "head", "options", "trace",
    ];
    let mut ops = HashSet::new();
    let Some(paths) = document.get("paths").and_then(|p| p.as_object()) else {
        return ops;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for method in item.keys().filter(|m| METHODS.contains(&m.as_str())) {
            ops.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    ops
}

/// Resolves every local `$ref` ("#/a/b") in `node` against `root`; returns the ones that dangle.
fn dangling_refs(root: &serde_json::Value, node: &serde_json::Value, out: &mut Vec<String>) {
    match node {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref" {
                    let target = value
                        .as_str()
                        .and_then(|r| r.strip_prefix('#'))
                        .and_then(|pointer| root.pointer(pointer));
                    if target.is_none() {
                        out.push(value.to_string());
                    }
                } else {
                    dangling_refs(root, value, out);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                dangling_refs(root, item, out);
            }
        }
        _ => {}
    }
}

/// Every spec parses, declares the right kind and resolves its refs; OpenAPI documents are
/// 3.0.x or 3.1.x; every `uses` names an operation of the provider's spec, verbatim.
fn check_contracts(name: &str, catalog: &Catalog) {
    let mut problems = Vec::new();
    let mut ops_of: HashMap<&str, Option<HashSet<String>>> = HashMap::new();
    for service in &catalog.services {
        for c in &service.provides {
            let document = match contract::parse_document(&c.document) {
                Ok(document) => document,
                Err(e) => {
                    problems.push(format!(
                        "{}: spec of '{}' does not parse: {e}",
                        service.id, c.id
                    ));
                    continue;
                }
            };
            if ContractKind::detect(&document) != c.kind {
                problems.push(format!(
                    "{}: '{}' is declared {} but reads as {}",
                    service.id,
                    c.id,
                    c.kind,
                    ContractKind::detect(&document)
                ));
            }
            let mut dangling = Vec::new();
            dangling_refs(&document, &document, &mut dangling);
            if !dangling.is_empty() {
                problems.push(format!(
                    "{}: '{}' has dangling $refs {dangling:?}",
                    service.id, c.id
                ));
            }
            match c.kind {
                ContractKind::OpenApi => {
                    let version = document
                        .get("openapi")
                        .and_then(|v| v.as_str())
                        .unwrap_or("");
                    if !(version.starts_with("3.0.") || version.starts_with("3.1.")) {
                        problems.push(format!(
                            "{}: '{}' has openapi '{version}'",
                            service.id, c.id
                        ));
                    }
                    let info_version = document.pointer("/info/version").and_then(|v| v.as_str());
                    if info_version != Some(c.version.as_str()) {
                        problems.push(format!("{}: '{}' is version {} in the catalog but {info_version:?} in its spec",
                            service.id, c.id, c.version));
                    }
                    let ops = operations(&document);
                    if ops.is_empty() {
                        problems.push(format!("{}: '{}' defines no operations", service.id, c.id));
                    }
                    ops_of.insert(&c.id, Some(ops));
                }
                ContractKind::JsonSchema => {
                    if document.get("$schema").is_none() {
                        problems.push(format!(
                            "{}: '{}' does not name its JSON Schema dialect",
                            service.id, c.id
                        ));
                    }
                    ops_of.insert(&c.id, None);
                }
            }
        }
    }
    for service in &catalog.services {
        for dep in &service.depends_on {
            let Some(contract_id) = &dep.contract else {
                problems.push(format!(
                    "{}: the dependency on '{}' names no contract",
                    service.id, dep.service
                ));
                continue;
            };
            match ops_of.get(contract_id.as_str()) {
                Some(Some(ops)) => {
                    if dep.uses.is_empty() {
                        problems.push(format!("{}: uses nothing of '{contract_id}'", service.id));
                    }
                    for used in &dep.uses {
                        if !ops.contains(used) {
                            problems.push(format!(
                                "{}: uses '{used}', which '{contract_id}' does not define",
                                service.id
                            ));
                        }
                    }
                }
                Some(None) if !dep.uses.is_empty() => problems.push(format!(
                    "{}: lists operations of the JSON Schema contract '{contract_id}'",
                    service.id
                )),
                Some(None) => {}
                None => problems.push(format!("{}: unknown contract '{contract_id}'", service.id)),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "demo catalog '{name}':\n{}",
        problems.join("\n")
    );
}

/// Every service somebody depends on provides a contract.
fn check_providers_have_contracts(name: &str, catalog: &Catalog) {
    let consumed: BTreeSet<&str> = catalog
        .services
        .iter()
        .flat_map(|s| s.depends_on.iter().map(|d| d.service.as_str()))
        .collect();
    let bare: Vec<&str> = consumed
        .into_iter()
        .filter(|id| catalog.service(id).is_some_and(|s| s.provides.is_empty()))
        .collect();
    assert!(
        bare.is_empty(),
        "demo catalog '{name}': consumed services without a contract: {bare:?}"
    );
}

#[test]
fn boutique_loads_cleanly() {
    let (catalog, loaded) = load_demo("boutique");
    assert_eq!(catalog.services.len(), BOUTIQUE_SERVICES);
    assert!(
        loaded.problems.is_empty(),
        "the boutique has no warnings either: {:?}",
        loaded.problems
    );
    check_contracts("boutique", &catalog);
    check_providers_have_contracts("boutique", &catalog);
}

#[test]
fn boutique_graph_has_the_real_topology() {
    let (catalog, _) = load_demo("boutique");
    let graph = ServiceGraph::new(&catalog);
    assert_eq!(graph.len(), BOUTIQUE_SERVICES);
    assert_eq!(graph.edges().len(), 15);

    assert_eq!(
        graph.downstream("productcatalog"),
        set(&["frontend", "checkout", "recommendation"])
    );
    assert_eq!(
        graph.downstream("redis-cart"),
        set(&["cart", "checkout", "frontend"])
    );
    assert_eq!(graph.downstream("payment"), set(&["checkout", "frontend"]));
    assert_eq!(graph.downstream("frontend"), set(&[]));
    assert_eq!(
        graph.upstream("frontend"),
        set(&[
            "ad",
            "recommendation",
            "productcatalog",
            "cart",
            "redis-cart",
            "currency",
            "shipping",
            "checkout",
            "email",
            "payment",
        ])
    );

    let frontend = catalog.service("frontend").unwrap();
    let soft: BTreeSet<String> = frontend
        .depends_on
        .iter()
        .filter(|d| d.kind == DependencyKind::Soft)
        .map(|d| d.service.clone())
        .collect();
    assert_eq!(soft, set(&["ad", "recommendation"]));

    let layers = graph.layers().expect("the boutique has no cycles");
    let flat: Vec<&String> = layers.iter().flatten().collect();
    assert_eq!(flat.len(), BOUTIQUE_SERVICES);
    assert!(layers[0].contains(&"redis-cart".to_string()));
    assert_eq!(layers.last().unwrap(), &vec!["frontend".to_string()]);
    assert!(graph.cycles(10).is_empty());
}

#[test]
fn enterprise_loads_with_soft_cycle_warnings_only() {
    let (catalog, loaded) = load_demo("enterprise");
    assert_eq!(catalog.services.len(), ENTERPRISE_SERVICES);
    check_contracts("enterprise", &catalog);
    check_providers_have_contracts("enterprise", &catalog);

    // Only soft-cycle warnings: no hard cycle, nothing else to fix.
    let codes: BTreeSet<&str> = loaded.problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(
        codes,
        BTreeSet::from(["SOFT_CYCLE"]),
        "{:?}",
        loaded.problems
    );
    assert!(loaded
        .problems
        .iter()
        .all(|p| p.severity == Severity::Warning));

    let graph = ServiceGraph::new(&catalog);
    let cycles = graph.cycles(50);
    assert!(!cycles.is_empty() && cycles.len() <= 3, "{cycles:?}");
    assert!(cycles.iter().all(|c| !c.is_hard()), "{cycles:?}");
    assert_eq!(loaded.problems.len(), cycles.len(), "one warning per cycle");
    assert!(
        graph.layers().is_err(),
        "soft cycles still block a strict layering"
    );

    let teams: BTreeSet<&str> = catalog.services.iter().map(|s| s.owner.as_str()).collect();
    assert!(teams.len() >= 8, "{teams:?}");
    let regions: BTreeSet<&str> = catalog
        .services
        .iter()
        .flat_map(|s| s.regions.iter().map(String::as_str))
        .collect();
    assert!((3..=4).contains(&regions.len()), "{regions:?}");
    let edges = graph.edges();
    let average = edges.len() as f64 / catalog.services.len() as f64;
    assert!(
        (2.5..=4.5).contains(&average),
        "{} edges, {average:.1} per service",
        edges.len()
    );
    assert!(edges.iter().any(|e| e.2 == DependencyKind::Soft));

    // Layered: the edge sits on top of everything, the shared platform at the bottom.
    let everything_but_gateway = graph.upstream("api-gateway");
    assert!(everything_but_gateway.len() > catalog.services.len() / 2);
    assert!(graph.downstream("api-gateway").is_empty());
    assert!(graph.upstream("kafka").is_empty());
    assert!(graph.downstream("kafka").contains("orders"));
}
