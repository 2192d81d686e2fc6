//! One row per catalog problem code the README documents (plus the two it does not), each a
//! small catalog with its spec files in memory and the exact problems `catalog::load` must
//! report: code, severity and location, nothing more and nothing less.
//!
//! `CONTRACT_VERSION_CHANGED` is not here: it compares an import with what is already stored,
//! so the server's store checks it (see the server's integration tests).

use breakwater_domain::catalog::{self, Loaded, Location, Problem, Severity, MAX_CATALOG_BYTES};
use std::collections::{BTreeMap, HashSet};

/// One expected problem: its code, severity and location (messages are for people).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expect {
    code: String,
    severity: Severity,
    location: String,
}

fn describe(location: &Location) -> String {
    location.to_string()
}

fn error(code: &str, location: Location) -> Expect {
    Expect {
        code: code.to_string(),
        severity: Severity::Error,
        location: describe(&location),
    }
}

fn warning(code: &str, location: Location) -> Expect {
    Expect {
        code: code.to_string(),
        severity: Severity::Warning,
        location: describe(&location),
    }
}

fn service(id: &str) -> Location {
    Location::Service { id: id.to_string() }
}

fn text(line: usize, column: usize) -> Location {
    Location::Text { line, column }
}

fn got(problem: &Problem) -> Expect {
    Expect {
        code: problem.code.clone(),
        severity: problem.severity,
        location: describe(&problem.location),
    }
}

struct Row {
    name: &'static str,
    yaml: String,
    /// Spec files the catalog may name, by path.
    specs: &'static [(&'static str, &'static str)],
    /// Every problem, in any order; empty means the catalog is valid and reports nothing.
    expected: Vec<Expect>,
}

fn row(
    name: &'static str,
    yaml: impl Into<String>,
    specs: &'static [(&'static str, &'static str)],
    expected: Vec<Expect>,
) -> Row {
    Row {
        name,
        yaml: yaml.into(),
        specs,
        expected,
    }
}

const PAYMENT_API: &str = r#"
openapi: 3.0.3
info: {title: payment, version: "2.0.0"}
paths:
  /charges:
    post:
      responses: {"201": {description: created}}
  /charges/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
"#;

const CHECKOUT_API: &str = r#"{"openapi": "3.1.0", "info": {"title": "checkout", "version": "1.4.0"},
  "paths": {"/carts/{id}/checkout": {"post": {"responses": {"200": {"description": "ok"}}}}}}"#;

const SPECS: &[(&str, &str)] = &[
    ("specs/payment-api.yaml", PAYMENT_API),
    ("specs/checkout-api.json", CHECKOUT_API),
    ("specs/broken.yaml", "openapi: 3.0.3\npaths: [unclosed\n"),
    ("specs/broken.json", "{\"type\": \"object\",}"),
];

const NO_SPECS: &[(&str, &str)] = &[];

/// A catalog using every feature of the format, valid.
const VALID: &str = r#"
services:
  - id: checkout
    name: Checkout
    owner: team-orders
    tier: critical
    regions: [eu-west-1, us-east-1]
    version: 1.4.0
    provides:
      - { contract: checkout-api, kind: openapi, version: 1.4.0, spec: specs/checkout-api.json,
          compatibility: backward }
    depends_on:
      - { service: payment, contract: payment-api, uses: ["POST /charges", "get /charges/{chargeId}"], kind: hard }
      - { service: payment, contract: payment-events, contract_version: 1.0.0, kind: soft }
      - { service: recommendation, kind: soft }
  - id: payment
    owner: team-payments
    tier: standard
    version: 2.0.0
    provides:
      - { contract: payment-api, kind: openapi, version: 2.0.0, spec: specs/payment-api.yaml }
      - { contract: payment-events, kind: json-schema, version: 1.0.0, compatibility: FULL_TRANSITIVE,
          document: '{"type": "object"}' }
  - id: recommendation
    owner: team-discovery
    tier: low
    version: 0.3.0
    depends_on:
      - { service: payment }
"#;

#[rustfmt::skip]
fn rows() -> Vec<Row> {
    use self::{error as e, warning as w};
    vec![
        // ---- valid catalogs report nothing ----
        row("valid catalog", VALID, SPECS, vec![]),
        row("empty service list", "services: []\n", NO_SPECS, vec![]),
        row("uses on a JSON Schema contract is not checked",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b, contract: b-events, uses: ['GET /nothing']}]}
  - {id: b, owner: t, tier: low, version: '1', provides: [{contract: b-events, kind: jsonschema, version: '1', document: '{}'}]}
", NO_SPECS, vec![]),
        row("a service and one of its contracts are different dependencies",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b}, {service: b, contract: b-api}]}
  - {id: b, owner: t, tier: low, version: '1', provides: [{contract: b-api, kind: openapi, version: '1', spec: specs/payment-api.yaml}]}
", SPECS, vec![]),
        row("a soft dependency back is not a hard cycle but is a soft one",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b}]}
  - {id: b, owner: t, tier: low, version: '1', depends_on: [{service: a, kind: soft}]}
", NO_SPECS, vec![w("SOFT_CYCLE", service("a"))]),

        // ---- INVALID_ID ----
        row("INVALID_ID: upper case service id",
            "services:\n  - {id: Checkout, owner: t, tier: low, version: '1'}\n",
            NO_SPECS, vec![e("INVALID_ID", service("Checkout"))]),
        row("INVALID_ID: service id starting with a dash",
            "services:\n  - {id: -checkout, owner: t, tier: low, version: '1'}\n",
            NO_SPECS, vec![e("INVALID_ID", service("-checkout"))]),
        row("INVALID_ID: empty service id",
            "services:\n  - {id: '', owner: t, tier: low, version: '1'}\n",
            NO_SPECS, vec![e("INVALID_ID", service(""))]),
        row("INVALID_ID: 64-character service id",
            format!("services:\n  - {{id: {}, owner: t, tier: low, version: '1'}}\n", "a".repeat(64)),
            NO_SPECS, vec![e("INVALID_ID", service(&"a".repeat(64)))]),
        row("63-character service id is valid",
            format!("services:\n  - {{id: {}, owner: t, tier: low, version: '1'}}\n", "a".repeat(63)),
            NO_SPECS, vec![]),
        row("INVALID_ID: contract id with an underscore",
            "services:\n  - {id: a, owner: t, tier: low, version: '1', provides: [{contract: a_api, kind: json-schema, version: '1', document: '{}'}]}\n",
            NO_SPECS, vec![e("INVALID_ID", service("a"))]),

        // ---- DUPLICATE_ID ----
        row("DUPLICATE_ID: service listed twice",
            "services:
  - {id: a, owner: t, tier: low, version: '1'}
  - {id: b, owner: t, tier: low, version: '1'}
  - {id: a, owner: u, tier: low, version: '2'}
", NO_SPECS, vec![e("DUPLICATE_ID", service("a"))]),
        row("DUPLICATE_ID: contract provided by two services",
            "services:
  - {id: a, owner: t, tier: low, version: '1', provides: [{contract: shared, kind: json-schema, version: '1', document: '{}'}]}
  - {id: b, owner: t, tier: low, version: '1', provides: [{contract: shared, kind: json-schema, version: '1', document: '{}'}]}
", NO_SPECS, vec![e("DUPLICATE_ID", service("b"))]),

        // ---- MISSING_OWNER, MISSING_VERSION, INVALID_TIER ----
        row("MISSING_OWNER: no owner",
            "services:\n  - {id: a, tier: low, version: '1'}\n",
            NO_SPECS, vec![e("MISSING_OWNER", service("a"))]),
        row("MISSING_OWNER: blank owner",
            "services:\n  - {id: a, owner: '  ', tier: low, version: '1'}\n",
            NO_SPECS, vec![e("MISSING_OWNER", service("a"))]),
        row("MISSING_VERSION: no version",
            "services:\n  - {id: a, owner: t, tier: low}\n",
            NO_SPECS, vec![e("MISSING_VERSION", service("a"))]),
        row("INVALID_TIER: unknown tier",
            "services:\n  - {id: a, owner: t, tier: gold, version: '1'}\n",
            NO_SPECS, vec![e("INVALID_TIER", service("a"))]),
        row("INVALID_TIER: tiers are lower case",
            "services:\n  - {id: a, owner: t, tier: Critical, version: '1'}\n",
            NO_SPECS, vec![e("INVALID_TIER", service("a"))]),
        // QUESTIONABLE: the README does not say the tier is required; a missing one reads
        // "tier '' is not one of critical, standard, low" (no MISSING_TIER, no default).
        row("INVALID_TIER: no tier (the tier is required)",
            "services:\n  - {id: a, owner: t, version: '1'}\n",
            NO_SPECS, vec![e("INVALID_TIER", service("a"))]),

        // ---- INVALID_CONTRACT_KIND, INVALID_COMPATIBILITY_MODE, INVALID_DEPENDENCY_KIND ----
        row("INVALID_CONTRACT_KIND",
            "services:\n  - {id: a, owner: t, tier: low, version: '1', provides: [{contract: a-api, kind: grpc, version: '1', document: '{}'}]}\n",
            NO_SPECS, vec![e("INVALID_CONTRACT_KIND", service("a"))]),
        row("INVALID_COMPATIBILITY_MODE (not in the README's list)",
            "services:\n  - {id: a, owner: t, tier: low, version: '1', provides: [{contract: a-api, kind: json-schema, version: '1', compatibility: sideways, document: '{}'}]}\n",
            NO_SPECS, vec![e("INVALID_COMPATIBILITY_MODE", service("a"))]),
        row("INVALID_DEPENDENCY_KIND",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b, kind: optional}]}
  - {id: b, owner: t, tier: low, version: '1'}
", NO_SPECS, vec![e("INVALID_DEPENDENCY_KIND", service("a"))]),

        // ---- dependencies ----
        row("UNKNOWN_SERVICE",
            "services:\n  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: ghost}]}\n",
            NO_SPECS, vec![e("UNKNOWN_SERVICE", service("a"))]),
        row("UNKNOWN_CONTRACT",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b, contract: b-api}]}
  - {id: b, owner: t, tier: low, version: '1'}
", NO_SPECS, vec![e("UNKNOWN_CONTRACT", service("a"))]),
        row("CONTRACT_NOT_PROVIDED",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b, contract: c-api}]}
  - {id: b, owner: t, tier: low, version: '1'}
  - {id: c, owner: t, tier: low, version: '1', provides: [{contract: c-api, kind: json-schema, version: '1', document: '{}'}]}
", NO_SPECS, vec![e("CONTRACT_NOT_PROVIDED", service("a"))]),
        row("UNKNOWN_SERVICE and CONTRACT_NOT_PROVIDED for a misspelt provider",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: see, contract: c-api}]}
  - {id: c, owner: t, tier: low, version: '1', provides: [{contract: c-api, kind: json-schema, version: '1', document: '{}'}]}
", NO_SPECS, vec![e("UNKNOWN_SERVICE", service("a")), e("CONTRACT_NOT_PROVIDED", service("a"))]),
        row("UNKNOWN_OPERATION: one per operation the contract does not define",
            "services:
  - id: a
    owner: t
    tier: low
    version: '1'
    depends_on:
      - {service: p, contract: p-api, uses: ['POST /charges', 'post  /charges', 'GET /charges/{x}', 'DELETE /charges', 'FETCH /charges', 'GET charges']}
  - {id: p, owner: t, tier: low, version: '1', provides: [{contract: p-api, kind: openapi, version: '1', spec: specs/payment-api.yaml}]}
", SPECS, vec![e("UNKNOWN_OPERATION", service("a")), e("UNKNOWN_OPERATION", service("a")), e("UNKNOWN_OPERATION", service("a"))]),
        row("UNKNOWN_OPERATION is not checked for a consumer pinned to another version",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: p, contract: p-api, contract_version: '1', uses: ['DELETE /charges']}]}
  - {id: p, owner: t, tier: low, version: '2', provides: [{contract: p-api, kind: openapi, version: '2', spec: specs/payment-api.yaml}]}
", SPECS, vec![]),
        row("SPEC_NOT_OPENAPI: a spec that reads but is not OpenAPI is stored with a warning",
            "services:
  - {id: p, owner: t, tier: low, version: '1', provides: [{contract: p-api, kind: openapi, version: '1', document: '{\"paths\": {}}'}]}
", NO_SPECS, vec![w("SPEC_NOT_OPENAPI", service("p"))]),
        row("UNKNOWN_OPERATION is not checked against a spec that does not parse",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: p, contract: p-api, uses: ['DELETE /x']}]}
  - {id: p, owner: t, tier: low, version: '1', provides: [{contract: p-api, kind: openapi, version: '1', spec: specs/broken.yaml}]}
", SPECS, vec![e("SPEC_INVALID", service("p"))]),
        row("SELF_DEPENDENCY (and no cycle of one)",
            "services:\n  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: a}]}\n",
            NO_SPECS, vec![e("SELF_DEPENDENCY", service("a"))]),
        row("DUPLICATE_DEPENDENCY",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b}, {service: b, kind: soft}]}
  - {id: b, owner: t, tier: low, version: '1'}
", NO_SPECS, vec![w("DUPLICATE_DEPENDENCY", service("a"))]),
        row("DUPLICATE_DEPENDENCY on the same contract",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b, contract: b-api}, {service: b, contract: b-api, uses: ['POST /charges']}]}
  - {id: b, owner: t, tier: low, version: '1', provides: [{contract: b-api, kind: openapi, version: '1', spec: specs/payment-api.yaml}]}
", SPECS, vec![w("DUPLICATE_DEPENDENCY", service("a"))]),

        // ---- specs ----
        row("SPEC_MISSING",
            "services:\n  - {id: a, owner: t, tier: low, version: '1', provides: [{contract: a-api, kind: openapi, version: '1'}]}\n",
            NO_SPECS, vec![e("SPEC_MISSING", service("a"))]),
        row("SPEC_UNREADABLE",
            "services:\n  - {id: a, owner: t, tier: low, version: '1', provides: [{contract: a-api, kind: openapi, version: '1', spec: specs/nowhere.yaml}]}\n",
            SPECS, vec![e("SPEC_UNREADABLE", service("a"))]),
        // QUESTIONABLE: a contract dropped for its spec (or kind) makes every consumer report
        // "depends on unknown contract" although the catalog does declare it.
        row("SPEC_UNREADABLE drops the contract, so its consumers also get UNKNOWN_CONTRACT",
            "services:
  - {id: a, owner: t, tier: low, version: '1', provides: [{contract: a-api, kind: openapi, version: '1', spec: specs/nowhere.yaml}]}
  - {id: b, owner: t, tier: low, version: '1', depends_on: [{service: a, contract: a-api}]}
", SPECS, vec![e("SPEC_UNREADABLE", service("a")), e("UNKNOWN_CONTRACT", service("b"))]),
        row("SPEC_INVALID: spec file is not YAML",
            "services:\n  - {id: a, owner: t, tier: low, version: '1', provides: [{contract: a-api, kind: openapi, version: '1', spec: specs/broken.yaml}]}\n",
            SPECS, vec![e("SPEC_INVALID", service("a"))]),
        row("SPEC_INVALID: spec file is not JSON",
            "services:\n  - {id: a, owner: t, tier: low, version: '1', provides: [{contract: a-api, kind: json-schema, version: '1', spec: specs/broken.json}]}\n",
            SPECS, vec![e("SPEC_INVALID", service("a"))]),
        row("SPEC_INVALID: inline document",
            "services:\n  - {id: a, owner: t, tier: low, version: '1', provides: [{contract: a-api, kind: json-schema, version: '1', document: '{\"type\": '}]}\n",
            NO_SPECS, vec![e("SPEC_INVALID", service("a"))]),

        // ---- cycles ----
        row("HARD_CYCLE",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b}]}
  - {id: b, owner: t, tier: low, version: '1', depends_on: [{service: c, kind: hard}]}
  - {id: c, owner: t, tier: low, version: '1', depends_on: [{service: a}]}
", NO_SPECS, vec![e("HARD_CYCLE", service("a"))]),
        row("SOFT_CYCLE",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b}]}
  - {id: b, owner: t, tier: low, version: '1', depends_on: [{service: c, kind: soft}]}
  - {id: c, owner: t, tier: low, version: '1', depends_on: [{service: a}]}
", NO_SPECS, vec![w("SOFT_CYCLE", service("a"))]),
        row("HARD_CYCLE and SOFT_CYCLE in one catalog",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b}]}
  - {id: b, owner: t, tier: low, version: '1', depends_on: [{service: a}, {service: c, kind: soft}]}
  - {id: c, owner: t, tier: low, version: '1', depends_on: [{service: b}]}
", NO_SPECS, vec![e("HARD_CYCLE", service("a")), w("SOFT_CYCLE", service("b"))]),
        row("a hard and a soft edge between one pair make one hard edge",
            "services:
  - {id: a, owner: t, tier: low, version: '1', depends_on: [{service: b, kind: soft}, {service: b, contract: b-api}]}
  - {id: b, owner: t, tier: low, version: '1', depends_on: [{service: a}], provides: [{contract: b-api, kind: json-schema, version: '1', document: '{}'}]}
", NO_SPECS, vec![e("HARD_CYCLE", service("a"))]),
        row("MORE_CYCLES (not in the README's list) after 20 cycles", many_cycles(21), NO_SPECS, {
            let mut expected = vec![e("HARD_CYCLE", service("hub")); 20];
            expected.push(w("MORE_CYCLES", Location::Catalog));
            expected
        }),
        row("20 cycles are all listed", many_cycles(20), NO_SPECS, vec![e("HARD_CYCLE", service("hub")); 20]),

        // ---- the file itself ----
        row("TOO_LARGE", padded(MAX_CATALOG_BYTES + 1), NO_SPECS, vec![e("TOO_LARGE", Location::Catalog)]),
        row("exactly the size limit is read", padded(MAX_CATALOG_BYTES), NO_SPECS, vec![]),
        row("YAML_SYNTAX: unclosed flow sequence",
            "services:\n  - {id: a, owner: t, tier: low, version: '1', regions: [eu\n",
            NO_SPECS, vec![e("YAML_SYNTAX", text(3, 1))]),
        row("YAML_SYNTAX: bad indentation",
            "services:\n  - id: a\n   owner: t\n",
            NO_SPECS, vec![e("YAML_SYNTAX", text(3, 4))]),
        row("YAML_SYNTAX: unknown field",
            "services:\n  - id: a\n    ownr: t\n",
            NO_SPECS, vec![e("YAML_SYNTAX", text(3, 5))]),
        row("YAML_SYNTAX: service without id",
            "services:\n  - {id: a, owner: t, tier: low, version: '1'}\n  - {owner: t, tier: low, version: '1'}\n",
            NO_SPECS, vec![e("YAML_SYNTAX", text(3, 5))]),
        row("YAML_SYNTAX: no services key",
            "service: []\n",
            NO_SPECS, vec![e("YAML_SYNTAX", text(1, 1))]),
        row("YAML_SYNTAX: empty file",
            "",
            NO_SPECS, vec![e("YAML_SYNTAX", text(1, 1))]),
        row("YAML_SYNTAX: services is not a list",
            "services: {id: a}\n",
            NO_SPECS, vec![e("YAML_SYNTAX", text(1, 11))]),

        // ---- every problem at once ----
        row("every problem of every service is listed",
            "services:
  - {id: A, tier: gold, provides: [{contract: a-api, kind: grpc, version: '1', document: '{}'}], depends_on: [{service: A}, {service: ghost, kind: maybe}]}
  - {id: b, owner: t, tier: low, version: '1', provides: [{contract: b-api, kind: openapi, version: '1'}], depends_on: [{service: c}, {service: c}]}
  - {id: c, owner: t, tier: low, version: '1', depends_on: [{service: b}]}
", NO_SPECS, vec![
            e("INVALID_ID", service("A")),
            e("MISSING_OWNER", service("A")),
            e("MISSING_VERSION", service("A")),
            e("INVALID_TIER", service("A")),
            e("INVALID_CONTRACT_KIND", service("A")),
            e("INVALID_DEPENDENCY_KIND", service("A")),
            e("SELF_DEPENDENCY", service("A")),
            e("UNKNOWN_SERVICE", service("A")),
            e("SPEC_MISSING", service("b")),
            w("DUPLICATE_DEPENDENCY", service("b")),
            e("HARD_CYCLE", service("b")),
        ]),
    ]
}

/// A hub with `n` spokes, each depending on the hub and the hub on each: `n` hard cycles.
fn many_cycles(n: usize) -> String {
    let spokes: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
    let hub_deps: Vec<String> = spokes.iter().map(|s| format!("{{service: {s}}}")).collect();
    let mut yaml = format!(
        "services:\n  - {{id: hub, owner: t, tier: low, version: '1', depends_on: [{}]}}\n",
        hub_deps.join(", ")
    );
    for s in &spokes {
        yaml.push_str(&format!(
            "  - {{id: {s}, owner: t, tier: low, version: '1', depends_on: [{{service: hub}}]}}\n"
        ));
    }
    yaml
}

/// A valid one-service catalog padded with a comment to exactly `len` bytes.
fn padded(len: usize) -> String {
    let mut yaml = String::from("services:\n  - {id: a, owner: t, tier: low, version: '1'}\n#");
    let fill = len - yaml.len() - 1;
    yaml.push_str(&"x".repeat(fill));
    yaml.push('\n');
    assert_eq!(yaml.len(), len);
    yaml
}

fn load(row: &Row) -> (Loaded, Vec<String>) {
    let specs: BTreeMap<&str, &str> = row.specs.iter().copied().collect();
    let mut read = Vec::new();
    let loaded = catalog::load(&row.yaml, &mut |path: &str| {
        read.push(path.to_string());
        specs
            .get(path)
            .map(|text| text.to_string())
            .ok_or_else(|| format!("no such file: {path}"))
    });
    (loaded, read)
}

#[test]
fn every_problem_code_exactly() {
    let rows = rows();
    let names: HashSet<&str> = rows.iter().map(|r| r.name).collect();
    assert_eq!(names.len(), rows.len(), "row names must be unique");
    let mut failures = Vec::new();
    for row in &rows {
        let (loaded, _) = load(row);
        let mut actual: Vec<Expect> = loaded.problems.iter().map(got).collect();
        let mut expected = row.expected.clone();
        actual.sort();
        expected.sort();
        if actual != expected {
            let listed: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
            failures.push(format!(
                "{}:\n  expected {expected:?}\n  got      {actual:?}\n  problems:\n    {}",
                row.name,
                listed.join("\n    ")
            ));
            continue;
        }
        // Structure problems refuse the file; content problems keep the catalog for display.
        let refused = ["TOO_LARGE", "YAML_SYNTAX"];
        let whole_file = expected.iter().any(|p| refused.contains(&p.code.as_str()));
        if loaded.catalog.is_some() == whole_file {
            failures.push(format!(
                "{}: catalog should be {}",
                row.name,
                if whole_file { "absent" } else { "present" }
            ));
        }
        let has_error = expected.iter().any(|p| p.severity == Severity::Error);
        if loaded.is_valid() == has_error {
            failures.push(format!(
                "{}: is_valid() is {} with problems {expected:?}",
                row.name,
                loaded.is_valid()
            ));
        }
        if loaded.problems.iter().any(|p| p.message.trim().is_empty()) {
            failures.push(format!("{}: a problem without a message", row.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// The README's list of codes, each with at least one row that expects it.
#[test]
fn every_documented_code_has_a_row() {
    const DOCUMENTED: [&str; 21] = [
        "INVALID_ID",
        "DUPLICATE_ID",
        "MISSING_OWNER",
        "MISSING_VERSION",
        "INVALID_TIER",
        "INVALID_CONTRACT_KIND",
        "INVALID_DEPENDENCY_KIND",
        "UNKNOWN_SERVICE",
        "UNKNOWN_CONTRACT",
        "CONTRACT_NOT_PROVIDED",
        "UNKNOWN_OPERATION",
        "SELF_DEPENDENCY",
        "SPEC_MISSING",
        "SPEC_UNREADABLE",
        "SPEC_INVALID",
        "SPEC_NOT_OPENAPI",
        "HARD_CYCLE",
        "SOFT_CYCLE",
        "DUPLICATE_DEPENDENCY",
        "TOO_LARGE",
        "YAML_SYNTAX",
    ];
    let rows = rows();
    let covered: HashSet<&str> = rows
        .iter()
        .flat_map(|r| r.expected.iter().map(|p| p.code.as_str()))
        .collect();
    let missing: Vec<&str> = DOCUMENTED
        .iter()
        .copied()
        .filter(|c| !covered.contains(c))
        .collect();
    assert!(missing.is_empty(), "no row for {missing:?}");
    let readme = include_str!("../../README.md");
    for code in DOCUMENTED {
        assert!(readme.contains(code), "README no longer documents {code}");
    }
}

#[test]
fn spec_files_are_read_through_the_spec_source_only_when_named() {
    let row = rows()
        .into_iter()
        .find(|r| r.name == "valid catalog")
        .unwrap();
    let (loaded, read) = load(&row);
    assert!(loaded.is_valid());
    assert_eq!(read, ["specs/checkout-api.json", "specs/payment-api.yaml"]);
    let catalog = loaded.catalog.unwrap();
    let (provider, contract) = catalog.contract("payment-api").unwrap();
    assert_eq!(provider.id, "payment");
    assert_eq!(contract.document, PAYMENT_API);
    let (_, events) = catalog.contract("payment-events").unwrap();
    assert_eq!(events.document, r#"{"type": "object"}"#);
    // Nothing is read when the file is refused before parsing.
    let (_, read) = load(&row_named("TOO_LARGE"));
    assert!(read.is_empty(), "{read:?}");
}

fn row_named(name: &str) -> Row {
    rows().into_iter().find(|r| r.name == name).unwrap()
}

#[test]
fn cycles_are_printed_along_their_edges() {
    let message = |name: &str, code: &str| {
        let (loaded, _) = load(&row_named(name));
        loaded
            .problems
            .into_iter()
            .find(|p| p.code == code)
            .unwrap_or_else(|| panic!("{name}: no {code}"))
            .message
    };
    let hard = message("HARD_CYCLE", "HARD_CYCLE");
    assert!(hard.contains("a -> b -> c -> a"), "{hard}");
    let soft = message("SOFT_CYCLE", "SOFT_CYCLE");
    assert!(soft.contains("a -> b ~> c -> a"), "{soft}");
}

#[test]
fn huge_values_are_quoted_shortened() {
    let huge = "X".repeat(1_000_000);
    let yaml = format!(
        "services:\n  - {{id: {huge}, owner: t, tier: low, version: '1', depends_on: [{{service: {huge}-b, contract: {huge}-c}}]}}\n"
    );
    let loaded = catalog::load(&yaml, &mut |_: &str| Err("no files".to_string()));
    let codes: Vec<&str> = loaded.problems.iter().map(|p| p.code.as_str()).collect();
    assert!(codes.contains(&"INVALID_ID"), "{codes:?}");
    assert!(codes.contains(&"UNKNOWN_SERVICE"), "{codes:?}");
    for problem in &loaded.problems {
        assert!(
            problem.to_string().len() < 1_000,
            "{}",
            &problem.to_string()[..200]
        );
    }
}
