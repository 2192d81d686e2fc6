//! Snapshots of the plans of the demo plan files against their catalogs: stages in order with
//! their explanations, blast radii and estimates, and every problem. Review a changed snapshot
//! as you would review the plan: is every stage where it should be, for the reason it gives?
//! (`INSTA_UPDATE=always cargo test -p breakwater-domain --test plan_snapshots`, or
//! `cargo insta review`.)

use breakwater_domain::catalog::{self, Catalog};
use breakwater_domain::compatibility::Histories;
use breakwater_domain::plan::{self, contract_effects, Topology};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn demo_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../demo")
        .join(name)
}

fn read_beside(dir: &Path) -> impl FnMut(&str) -> Result<String, String> + '_ {
    move |path: &str| std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string())
}

fn demo_catalog(dir: &Path) -> Catalog {
    let text = std::fs::read_to_string(dir.join("catalog.yaml")).expect("read the demo catalog");
    let loaded = catalog::load(&text, &mut read_beside(dir));
    assert!(loaded.is_valid(), "{:?}", loaded.problems);
    loaded.catalog.expect("a valid load has a catalog")
}

/// The demo's plan file, planned against its catalog, as the CLI's `plan check` computes it:
/// the effects' problems first, then the plan's.
fn demo_plan(name: &str) -> Value {
    let dir = demo_dir(name);
    let catalog = demo_catalog(&dir);
    let text = std::fs::read_to_string(dir.join("plan.yaml")).expect("read the demo plan");
    let loaded = plan::load(&text, &mut read_beside(&dir));
    assert!(loaded.is_valid(), "{:?}", loaded.problems);
    let spec = loaded.spec.expect("a valid load has a spec");
    let (effects, mut problems) = contract_effects(&catalog, &Histories::new(), &spec);
    let planned = plan::plan(&Topology::from(&catalog), &spec, &effects);
    problems.extend(planned.problems.iter().cloned());
    json!({
        "effects": effects.iter().map(|(service, e)| json!({
            "service": service,
            "phase": e.phase,
            "because": e.because,
            "contracts": e.contracts.iter().map(|c| json!({
                "contract": c.contract,
                "versions": format!("{} -> {}", c.from_version, c.to_version),
                "summary": c.summary,
                "breaks": c.breaks.iter().map(|b| &b.consumer).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "stages": planned.stages.iter().map(|s| json!({
            "index": s.index,
            "services": s.services,
            "coordinated": s.coordinated,
            "steps": s.steps.len(),
            "estimated_secs": s.estimated_secs,
            "on_failure": s.on_failure,
            "blast_radius": s.blast_radius,
            "blast_by_tier": s.blast_by_tier,
            "explanations": s.explanations.iter().map(|e| format!("{}: {}", e.code, e.text)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "rollback": planned.rollback,
        "estimated_secs": planned.estimated_secs,
        "problems": problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

#[test]
fn boutique_plan() {
    insta::assert_yaml_snapshot!(demo_plan("boutique"));
}

#[test]
fn enterprise_plan() {
    insta::assert_yaml_snapshot!(demo_plan("enterprise"));
}
