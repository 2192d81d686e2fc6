//! Inputs built to crash or stall the engines and parsers: each must come back, quickly, with a
//! clear finding or error. They run on the default test thread (2 MB of stack), the size of a
//! server worker thread, so a recursion that is not bounded overflows here first.

use breakwater_domain::catalog::{self, Severity};
use breakwater_domain::contract::json_schema::{self, SchemaDiff};
use breakwater_domain::contract::located::LocatedDocument;
use breakwater_domain::contract::{
    openapi, parse_document, Direction, Finding, Level, Limits, Mode, Report, MAX_SCHEMA_DEPTH,
    TOO_COMPLEX, TOO_DEEP,
};
use breakwater_domain::graph::ServiceGraph;
use breakwater_domain::yaml::MAX_YAML_DEPTH;
use serde_json::{json, Map, Value};

fn with_code<'f>(findings: &'f [Finding], code: &str) -> Vec<&'f Finding> {
    findings.iter().filter(|f| f.code == code).collect()
}

fn assert_stopped(report: &Report, code: &str) {
    let found = with_code(&report.findings, code);
    assert!(
        !found.is_empty(),
        "expected {code}, got {:?}",
        report.findings.iter().map(|f| &f.code).collect::<Vec<_>>()
    );
    assert!(found.iter().all(|f| f.level == Level::Breaking));
    assert!(!report.compatible);
}

/// `count` definitions, each an object whose `next` property refers to the following one; the
/// last is `leaf`. `link(i)` is the reference to definition `i`.
fn chain(count: usize, link: impl Fn(usize) -> String, leaf: Value) -> Map<String, Value> {
    (0..count)
        .map(|i| {
            let schema = if i + 1 == count {
                leaf.clone()
            } else {
                json!({"type": "object", "properties": {"next": {"$ref": link(i + 1)}}})
            };
            (format!("def{i}"), schema)
        })
        .collect()
}

fn schema_chain(count: usize, leaf: Value) -> Value {
    let defs = chain(count, |i| format!("#/definitions/def{i}"), leaf);
    json!({"$ref": "#/definitions/def0", "definitions": defs})
}

fn openapi_chain(count: usize, leaf: Value) -> Value {
    let schemas = chain(count, |i| format!("#/components/schemas/def{i}"), leaf);
    let body =
        json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/def0"}}}});
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"post": {
            "requestBody": body,
            "responses": {"200": {"description": "ok", "content": body["content"]}}
        }}},
        "components": {"schemas": schemas}
    })
}

#[test]
fn long_ref_chains_stop_at_the_depth_limit_with_a_finding() {
    for count in [2_000, 10_000] {
        let old = schema_chain(count, json!({"type": "string"}));
        let new = schema_chain(count, json!({"type": "integer"}));
        let report = json_schema::check(std::slice::from_ref(&old), &new, Mode::Full).unwrap();
        assert_stopped(&report, TOO_DEEP);
        let deep = with_code(&report.findings, TOO_DEEP)[0];
        assert_eq!(
            deep.path.matches("/properties/next").count(),
            MAX_SCHEMA_DEPTH,
            "stops exactly at the limit"
        );

        let old = openapi_chain(count, json!({"type": "string"}));
        let new = openapi_chain(count, json!({"type": "integer"}));
        let report = openapi::check(std::slice::from_ref(&old), &new, Mode::Full).unwrap();
        assert_stopped(&report, TOO_DEEP);
        assert!(with_code(&report.findings, TOO_DEEP)
            .iter()
            .all(|f| f.operation.as_deref() == Some("POST /things")));
    }
}

/// The depth limit leaves room: a diff at the limit fits in half a worker thread's stack.
#[test]
fn a_diff_at_the_depth_limit_fits_in_one_megabyte_of_stack() {
    let run = || {
        let old = openapi_chain(2_000, json!({"type": "string"}));
        let new = openapi_chain(2_000, json!({"type": "integer"}));
        let report = openapi::check(std::slice::from_ref(&old), &new, Mode::Full).unwrap();
        assert_stopped(&report, TOO_DEEP);
        let old = schema_chain(
            2_000,
            json!({"anyOf": [{"type": "string"}, {"type": "null"}]}),
        );
        let new = schema_chain(
            2_000,
            json!({"anyOf": [{"type": "integer"}, {"type": "null"}]}),
        );
        let report = json_schema::check(std::slice::from_ref(&old), &new, Mode::Full).unwrap();
        assert_stopped(&report, TOO_DEEP);
    };
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn chains_of_bare_refs_are_a_spec_error() {
    let defs: Map<String, Value> = (0..10_000)
        .map(|i| {
            let next = json!({"$ref": format!("#/definitions/d{}", i + 1)});
            (format!("d{i}"), next)
        })
        .collect();
    let doc = json!({"$ref": "#/definitions/d0", "definitions": defs});
    let err = json_schema::check(std::slice::from_ref(&doc), &doc, Mode::Backward).unwrap_err();
    assert!(err.message.contains("chain"), "{err}");
}

#[test]
fn mutually_recursive_refs_terminate() {
    // A ring of 2,000 definitions, each pointing at the next and the previous one.
    let ring = |leaf: &str| {
        let n = 2_000;
        let defs: Map<String, Value> = (0..n)
            .map(|i| {
                let schema = json!({"type": "object", "properties": {
                    "next": {"$ref": format!("#/definitions/r{}", (i + 1) % n)},
                    "prev": {"$ref": format!("#/definitions/r{}", (i + n - 1) % n)},
                    "leaf": {"type": leaf}
                }});
                (format!("r{i}"), schema)
            })
            .collect();
        json!({"$ref": "#/definitions/r0", "definitions": defs})
    };
    let (old, new) = (ring("string"), ring("integer"));
    let report = json_schema::check(std::slice::from_ref(&old), &new, Mode::Full).unwrap();
    assert!(!report.compatible);
    assert!(report.findings.iter().any(|f| f.code == "TYPE_CHANGED"));
    let same = json_schema::check(std::slice::from_ref(&old), &old, Mode::Full).unwrap();
    assert!(!with_code(&same.findings, TOO_DEEP).is_empty() || same.compatible);
}

#[test]
fn ref_ladders_run_out_of_budget_not_of_time() {
    // Each level refers to the next twice: 2^depth paths through a linear document.
    let ladder = |leaf: &str| {
        let defs: Map<String, Value> = (0..2_000)
            .map(|i| {
                let next = format!("#/definitions/l{}", i + 1);
                let schema = if i == 1_999 {
                    json!({"type": leaf, "description": leaf})
                } else {
                    json!({"type": "object", "properties": {
                        "a": {"$ref": next}, "b": {"$ref": next}, "c": {"not": {"$ref": next}}
                    }})
                };
                (format!("l{i}"), schema)
            })
            .collect();
        json!({"$ref": "#/definitions/l0", "definitions": defs})
    };
    let (old, new) = (ladder("string"), ladder("integer"));
    let limits = Limits {
        max_work: 50_000,
        ..Limits::default()
    };
    let mut diff = SchemaDiff::with_limits(&old, &new, limits);
    let findings = diff.compare(&old, &new, Direction::Backward, "#").unwrap();
    assert!(diff.is_exhausted() || !with_code(&findings, TOO_DEEP).is_empty());
    assert!(findings.iter().any(|f| f.level == Level::Breaking));
    // Later comparisons with a spent budget answer at once.
    if diff.is_exhausted() {
        let again = diff.compare(&old, &new, Direction::Forward, "#/x").unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(
            (again[0].code.as_str(), again[0].path.as_str()),
            (TOO_COMPLEX, "#/x")
        );
    }
}

/// `anyOf` of `n` branches, branch `i` made by `branch(i)`.
fn wide(n: usize, branch: impl Fn(usize) -> Value) -> Value {
    json!({"anyOf": (0..n).map(branch).collect::<Vec<_>>()})
}

fn object_branch(i: usize) -> Value {
    json!({"type": "object", "required": [format!("f{i}")], "properties": {
        format!("f{i}"): {"type": "string", "maxLength": i}
    }})
}

#[test]
fn wide_unions_of_identical_branches_are_linear() {
    let cases: [(&str, Value); 3] = [
        ("scalar", wide(2_000, |i| json!({"const": i}))),
        ("object", wide(2_000, object_branch)),
        (
            "ref",
            json!({
                "anyOf": (0..2_000).map(|i| json!({"$ref": format!("#/definitions/d{i}")})).collect::<Vec<_>>(),
                "definitions": (0..2_000).map(|i| (format!("d{i}"), object_branch(i))).collect::<Map<_, _>>()
            }),
        ),
    ];
    for (name, doc) in cases {
        let report = json_schema::check(std::slice::from_ref(&doc), &doc, Mode::Full).unwrap();
        assert!(report.findings.is_empty(), "{name}: {:?}", report.findings);
    }
    // One branch added among 2,000 unchanged ones: compared against the others only.
    let old = wide(2_000, object_branch);
    let new = wide(2_001, object_branch);
    let report = json_schema::check(std::slice::from_ref(&old), &new, Mode::Backward).unwrap();
    assert!(report.compatible, "{:?}", report.findings);
    let report = json_schema::check(std::slice::from_ref(&old), &new, Mode::Forward).unwrap();
    assert!(!report.compatible);
    assert!(with_code(&report.findings, TOO_COMPLEX).is_empty());
}

#[test]
fn wide_unions_of_changed_branches_are_too_complex() {
    let cases = [
        (
            wide(2_000, |i| json!({"const": i})),
            wide(2_000, |i| json!({"const": i + 100_000})),
        ),
        (
            wide(2_000, object_branch),
            wide(2_000, |i| object_branch(i + 100_000)),
        ),
    ];
    for (old, new) in cases {
        let report = json_schema::check(std::slice::from_ref(&old), &new, Mode::Full).unwrap();
        assert_stopped(&report, TOO_COMPLEX);
        assert_eq!(with_code(&report.findings, TOO_COMPLEX)[0].path, "#");
    }
}

#[test]
fn many_findings_are_deduplicated_in_linear_time() {
    // 87,000 names no longer required: one finding each, found in both directions of FULL.
    let names: Vec<String> = (0..87_000).map(|i| format!("p{i}")).collect();
    let old = json!({"type": "object", "required": names});
    let new = json!({"type": "object"});
    let report = json_schema::check(std::slice::from_ref(&old), &new, Mode::Full).unwrap();
    assert_eq!(report.findings.len(), 87_000);
    assert_eq!(report.findings[0].path, "#/required/p0");
    assert!(report.findings.iter().all(|f| f.level == Level::Breaking));
}

#[test]
fn deeply_nested_yaml_is_refused_before_parsing() {
    let n = 100_000;
    let documents = [
        format!("a: {}{}", "[".repeat(n), "]".repeat(n)),
        format!("a: {}{}", "{x: ".repeat(n), "}".repeat(n)),
        format!("a:\n{}x", "- ".repeat(n)),
        (0..n / 50)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect(),
    ];
    for text in &documents {
        let err = parse_document(text).unwrap_err();
        assert!(
            err.message.contains(&format!("{MAX_YAML_DEPTH} levels")),
            "{err}"
        );
        assert!(err.location.starts_with("line "), "{err}");

        let loaded = catalog::load(text, &mut |_: &str| Err("no files".to_string()));
        assert!(!loaded.is_valid());
        assert_eq!(loaded.problems[0].code, "TOO_DEEP");
    }
    // JSON is refused by serde_json's own limit, just as fast.
    let json = format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(parse_document(&json).is_err());
}

#[test]
fn yaml_alias_bombs_are_refused() {
    let mut laughs = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for level in b'b'..=b'i' {
        let prev = (level - 1) as char;
        let aliases = vec![format!("*{prev}"); 9].join(",");
        laughs.push_str(&format!(
            "{}: &{} [{aliases}]\n",
            level as char, level as char
        ));
    }
    let err = parse_document(&laughs).unwrap_err();
    assert!(
        err.message.contains("limit") || err.message.contains("repetition"),
        "{err}"
    );

    // One big anchored list aliased many times: quadratic, within the jump limit.
    let big = format!("a: &a [{}]\n", vec!["1"; 50_000].join(","));
    let many = format!("b: [{}]\n", vec!["*a"; 20_000].join(","));
    let err = parse_document(&format!("{big}{many}")).unwrap_err();
    assert!(err.message.contains("aliases"), "{err}");

    let catalog_text = format!("services: []\n{big}{many}");
    let loaded = catalog::load(&catalog_text, &mut |_: &str| Err("no files".to_string()));
    assert_eq!(loaded.problems[0].severity, Severity::Error);
    assert!(
        loaded.problems[0].message.contains("aliases"),
        "{:?}",
        loaded.problems
    );
}

#[test]
fn huge_strings_are_fine() {
    let text = "x".repeat(1_000_000);
    let yaml = format!("type: string\ndescription: \"{text}\"\nexamples: ['{text}']\n");
    let doc = parse_document(&yaml).unwrap();
    assert_eq!(doc["description"].as_str().map(str::len), Some(text.len()));
    let block = format!("description: |\n  {text}\n  [[[[{{{{\n");
    assert!(parse_document(&block).is_ok());
    let json = serde_json::to_string(&doc).unwrap();
    assert_eq!(parse_document(&json).unwrap(), doc);
}

#[test]
fn huge_and_heavy_patterns_are_not_compiled() {
    let patterns = [
        "a".repeat(1_000_000),
        "(a{1000}){1000}".to_string(),
        format!(
            "({})+",
            (0..2_000)
                .map(|i| format!("w{i}"))
                .collect::<Vec<_>>()
                .join("|")
        ),
    ];
    for pattern in patterns {
        let old =
            json!({"type": "object", "patternProperties": {pattern.clone(): {"type": "string"}}});
        let new = json!({"type": "object", "properties": {"aaa": {"type": "integer"}},
                         "patternProperties": {pattern: {"type": "string"}}});
        let report = json_schema::check(std::slice::from_ref(&old), &new, Mode::Full).unwrap();
        assert!(!report.findings.is_empty());
    }
}

#[test]
fn located_documents_of_the_deepest_parsable_nesting() {
    let text = format!("{}1{}", "[".repeat(127), "]".repeat(127));
    let doc = parse_document(&text).unwrap();
    let located = LocatedDocument::new(&doc);
    assert_eq!(located.lines.len(), 127 * 2 + 1);
}

#[test]
fn cycle_search_over_a_ring_of_every_service_does_not_recurse() {
    let n = 50_000;
    let ids = (0..n).map(|i| format!("s{i}"));
    let edges: Vec<_> = (0..n)
        .map(|i| (i, (i + 1) % n, catalog::DependencyKind::Hard))
        .collect();
    let graph = ServiceGraph::from_edges(ids, &edges);
    let cycles = graph.cycles(5);
    assert_eq!(cycles.len(), 1);
    assert_eq!(cycles[0].services.len(), n);
}

#[test]
fn many_parameters_headers_and_media_types_are_linear() {
    let n = 5_000;
    let params: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("q{i}"), "in": "query", "schema": {"type": "string"}}))
        .collect();
    let headers: Map<String, Value> = (0..n)
        .map(|i| (format!("h{i}"), json!({"schema": {"type": "string"}})))
        .collect();
    let content: Map<String, Value> = (0..n)
        .map(|i| {
            (
                format!("application/x{i}"),
                json!({"schema": {"type": "string"}}),
            )
        })
        .collect();
    let responses: Map<String, Value> = (0..n)
        .map(|i| (format!("r{i}"), json!({"description": "x"})))
        .collect();
    let doc = |extra: &str| {
        let mut responses = responses.clone();
        responses.insert(
            "200".into(),
            json!({"description": "ok", "headers": headers, "content": content}),
        );
        json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {
                "parameters": params.iter().cloned().chain([json!({"name": extra, "in": "query", "required": true})]).collect::<Vec<_>>(),
                "responses": responses
            }}}
        })
    };
    let (old, new) = (doc("x"), doc("y"));
    let report = openapi::check(std::slice::from_ref(&old), &new, Mode::Full).unwrap();
    assert!(!report.compatible);
    assert_eq!(report.findings.len(), 2, "{:?}", report.findings);
}

// Plans: files near the 10 MB limit built to make the loader, the contract checks or the
// planner work quadratically (or run out of memory), and contract documents built to crash the
// contract engine from inside a plan.

mod plan_support;

use breakwater_domain::compatibility::Histories;
use breakwater_domain::plan::document::{
    MAX_CHANGES, MAX_GATES, MAX_PROBLEMS, MAX_STEPS, OVER_LIMIT, TOO_MANY_PROBLEMS,
};
use breakwater_domain::plan::{self, PlanLocation, PlanProblem, PlanSpec, Topology};
use std::time::{Duration, Instant};

/// Generous: each case takes well under a second in a release build, and took from 15 s to
/// running out of memory before the limits.
const PLAN_TIME: Duration = Duration::from_secs(10);

fn boutique() -> catalog::Catalog {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/boutique");
    let text = std::fs::read_to_string(dir.join("catalog.yaml")).unwrap();
    let loaded = catalog::load(&text, &mut |path: &str| {
        std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string())
    });
    loaded.catalog.unwrap()
}

/// Every contract version of the catalog, as the server passes them.
fn histories(catalog: &catalog::Catalog) -> Histories {
    let mut histories = Histories::new();
    for contract in catalog.services.iter().flat_map(|s| &s.provides) {
        histories.insert(
            contract.id.clone(),
            vec![(contract.version.clone(), contract.document.clone())],
        );
    }
    histories
}

fn load_plan(text: &str) -> plan::LoadedPlan {
    plan::load(text, &mut |_: &str| Err("no files".to_string()))
}

fn has(problems: &[PlanProblem], code: &str, path: &str) -> bool {
    problems
        .iter()
        .any(|p| p.code == code && p.location == PlanLocation::field(path))
}

/// `count` changes of `payment` (duplicates are fine: the limit counts entries).
fn payment_changes(count: usize, extra: &str) -> String {
    "  - { service: payment, to_version: 2.0.0 }\n".repeat(count) + extra
}

#[test]
fn plans_over_the_limits_are_refused_without_planning() {
    let catalog = boutique();
    let (topology, histories) = (Topology::from(&catalog), histories(&catalog));
    let one = payment_changes(1, "");
    let list = |key: &str, item: &str, n: usize| format!("  {key}:\n{}", item.repeat(n));
    let big = "9".repeat(5_000_000);
    let document =
        serde_json::to_string(&catalog.contract("payment-api").unwrap().1.document).unwrap();
    // (what, plan file, the field the OVER_LIMIT is at)
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "100,000 changes of unknown services",
            (0..100_000)
                .map(|i| format!("  - {{ service: x{i}, to_version: 2.0.0 }}\n"))
                .fold("changes:\n".to_string(), |text, line| text + &line),
            "changes",
        ),
        (
            "200,000 duplicate changes",
            format!("changes:\n{}", payment_changes(200_000, "")),
            "changes",
        ),
        (
            "a million steps",
            format!("policy:\n{}changes:\n{one}", list("steps", "    - 50\n", 1_000_000)),
            "policy.steps",
        ),
        (
            "250,000 gates",
            format!(
                "policy:\n{}changes:\n{one}",
                list("gates", "    - { signal: error_rate, max: 1 }\n", 250_000)
            ),
            "policy.gates",
        ),
        (
            "500,000 regions",
            format!("policy:\n{}changes:\n{one}", list("regions", "    - r\n", 500_000)),
            "policy.regions",
        ),
        (
            "100,000 gates on one stage",
            format!(
                "policy:\n  stages:\n    - stage: 1\n      gates:\n{}changes:\n{one}",
                "        - { signal: burn_rate, max: 2 }\n".repeat(100_000)
            ),
            "policy.stages[0].gates",
        ),
        (
            "a million services in one pinned stage",
            format!("changes:\n{one}stages:\n  - [{}payment]\n", "payment, ".repeat(1_000_000)),
            "stages",
        ),
        (
            "500,000 pinned stages",
            format!("changes:\n{one}stages:\n{}", "  - [payment]\n".repeat(500_000)),
            "stages",
        ),
        (
            "a 5 MB version",
            format!("changes:\n  - {{ service: payment, to_version: '{big}' }}\n"),
            "changes[0].to_version",
        ),
        (
            "a 5 MB note",
            format!("changes:\n  - {{ service: payment, to_version: 2.0.0, notes: '{big}' }}\n"),
            "changes[0].notes",
        ),
        (
            "80,000 irreversible migrations behind a 5 MB flag",
            format!(
                "changes:\n  - service: payment\n    to_version: 2.0.0\n    flags: ['{big}']\n{}",
                list("  migrations", "      - { name: m, phase: expand, reversible: false }\n", 80_000)
            ),
            "changes[0].migrations",
        ),
        (
            "3,000 copies of a contract",
            format!(
                "changes:\n  - service: payment\n    to_version: 2.0.0\n{}",
                list(
                    "  contracts",
                    &format!("      - {{ contract: payment-api, version: 2.0.0, document: {document} }}\n"),
                    3_000
                )
            ),
            "changes[0].contracts",
        ),
    ];
    for (what, body, field) in cases {
        let text = format!("plan: hostile\n{body}");
        assert!(
            text.len() < plan::MAX_PLAN_BYTES,
            "{what}: {} bytes",
            text.len()
        );
        let start = Instant::now();
        let loaded = load_plan(&text);
        let spec = loaded
            .spec
            .unwrap_or_else(|| panic!("{what}: {:?}", loaded.problems));
        assert!(
            has(&loaded.problems, OVER_LIMIT, field),
            "{what}: {:?}",
            loaded.problems
        );
        assert!(loaded.problems.len() <= MAX_PROBLEMS + 1, "{what}");
        let (effects, problems) = plan::contract_effects(&catalog, &histories, &spec);
        assert!(
            effects.is_empty() && problems.is_empty(),
            "{what}: effects checked"
        );
        let planned = plan::plan(&topology, &spec, &effects);
        assert!(planned.stages.is_empty(), "{what}: planned");
        assert!(has(&planned.problems, OVER_LIMIT, field), "{what}");
        assert!(start.elapsed() < PLAN_TIME, "{what}: {:?}", start.elapsed());
    }
}

/// `consumers` services calling an unchanged hub that calls `providers` services: every
/// consumer must follow every provider, so the constraints grow with their product.
fn hub(consumers: usize, providers: usize) -> (Topology, PlanSpec) {
    let ids = |prefix: &'static str, n: usize| (0..n).map(move |i| format!("{prefix}{i}"));
    let services: Vec<String> = ids("c", consumers)
        .chain(ids("p", providers))
        .chain(["hub".to_string()])
        .collect();
    let links: Vec<String> = ids("c", consumers)
        .map(|c| format!("{c} -> hub"))
        .chain(ids("p", providers).map(|p| format!("hub -> {p}")))
        .collect();
    let services: Vec<&str> = services.iter().map(String::as_str).collect();
    let links: Vec<&str> = links.iter().map(String::as_str).collect();
    let changes = ids("c", consumers)
        .chain(ids("p", providers))
        .map(|id| plan_support::change(&id))
        .collect();
    (
        plan_support::topology(&services, &links),
        plan_support::spec(changes),
    )
}

#[test]
fn the_largest_plan_within_the_limits_is_planned_in_time() {
    // The worst case measured: 250,000 constraints through one unchanged service.
    let (topology, mut spec) = hub(MAX_CHANGES / 2, MAX_CHANGES / 2);
    spec.policy.steps = (1..=MAX_STEPS as u8).map(|s| s * 5).collect();
    spec.policy.gates = (0..MAX_GATES)
        .map(|_| breakwater_domain::plan::Gate::new(plan::Signal::ErrorRate, 1.0))
        .collect();
    let start = Instant::now();
    let planned = plan::plan(&topology, &spec, &Default::default());
    assert!(start.elapsed() < PLAN_TIME, "{:?}", start.elapsed());
    assert!(!planned.has_errors(), "{:?}", &planned.problems[..3]);
    let consumers_stage = planned.stage_of("c0").unwrap().index;
    assert!(planned.stage_of("p0").unwrap().index < consumers_stage);
    // 250,000 reasons would be 50 MB of plan: each stage lists 100 and counts the rest.
    for stage in &planned.stages {
        assert!(stage.explanations.len() <= 102, "stage {}", stage.index);
    }
    let more = planned.stages[consumers_stage - 1]
        .explanations
        .iter()
        .find(|e| e.code == "MORE_REASONS")
        .expect("the reasons past the cap are counted");
    assert!(more.text.contains("more dependencies"), "{}", more.text);

    let (topology, spec) = hub(MAX_CHANGES / 2 + 1, MAX_CHANGES / 2);
    let planned = plan::plan(&topology, &spec, &Default::default());
    assert!(planned.stages.is_empty());
    assert!(has(&planned.problems, OVER_LIMIT, "changes"));
}

#[test]
fn a_flood_of_bad_values_is_listed_up_to_the_cap() {
    let gates = "    - { signal: x }\n".repeat(400_000);
    let text = format!(
        "plan: flood\npolicy:\n  steps: [{}100]\n  gates:\n{gates}changes:\n{}",
        "x, ".repeat(500_000),
        payment_changes(1, "")
    );
    assert!(text.len() < plan::MAX_PLAN_BYTES);
    let start = Instant::now();
    let loaded = load_plan(&text);
    assert!(start.elapsed() < PLAN_TIME, "{:?}", start.elapsed());
    let problems = &loaded.problems;
    assert!(
        problems.len() <= 2 * (MAX_PROBLEMS + 1),
        "{}",
        problems.len()
    );
    let left_out = problems
        .iter()
        .find(|p| p.code == TOO_MANY_PROBLEMS)
        .unwrap();
    assert!(left_out.is_error(), "{left_out}");
    let steps = problems.iter().find(|p| p.code == "INVALID_STEPS").unwrap();
    assert!(
        steps.message.ends_with("and 499995 more"),
        "{}",
        steps.message
    );
    assert!(!loaded.is_valid());
}

/// Payment changing to a new `payment-api` version with `document`.
fn payment_with_document(document: &str) -> String {
    let document = serde_json::to_string(document).unwrap();
    format!(
        "plan: hostile-contract\nchanges:\n  - service: payment\n    to_version: 2.0.0\n    \
         contracts:\n      - {{ contract: payment-api, version: 2.0.0, document: {document} }}\n"
    )
}

#[test]
fn hostile_contract_documents_in_a_plan_are_problems_not_crashes() {
    let catalog = boutique();
    let (topology, histories) = (Topology::from(&catalog), histories(&catalog));
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let mut laughs = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in b'b'..=b'i' {
        let previous = vec![format!("*{}", (level - 1) as char); 9].join(", ");
        laughs.push_str(&format!("{0}: &{0} [{previous}]\n", level as char));
    }
    let ref_chain =
        serde_json::to_string(&openapi_chain(10_000, json!({"type": "string"}))).unwrap();
    // (what, document, whether the engine gives up on it with a problem)
    let cases = [
        ("JSON nested 100,000 deep", deep(100_000), true),
        (
            "YAML nested 100,000 deep",
            format!("a: {}", deep(100_000)),
            true,
        ),
        ("an alias bomb", laughs, true),
        ("a 10,000-link $ref chain", ref_chain, false),
    ];
    for (what, document, refused) in cases {
        let loaded = load_plan(&payment_with_document(&document));
        let spec = loaded
            .spec
            .unwrap_or_else(|| panic!("{what}: {:?}", loaded.problems));
        let (effects, problems) = plan::contract_effects(&catalog, &histories, &spec);
        if refused {
            assert!(
                problems
                    .iter()
                    .any(|p| p.code == "INVALID_SPEC" && p.is_error()),
                "{what}: {problems:?}"
            );
        } else {
            // Checked within the engine's limits: a breaking change, so a contract change.
            let effect = &effects["payment"];
            assert_eq!(effect.phase, plan::Phase::Contract, "{what}");
        }
        let planned = plan::plan(&topology, &spec, &effects);
        assert!(planned.stage_of("payment").is_some(), "{what}");
    }
}
