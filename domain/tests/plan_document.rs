//! The plan file: one row per bad input with exactly the problems `document::load` must report
//! (code, level and location, nothing more and nothing less), the README's two examples, round
//! trips through `to_yaml`, and the demo plans.

use breakwater_domain::catalog::{self, Catalog, Severity, Tier};
use breakwater_domain::compatibility::Histories;
use breakwater_domain::plan::document::{self, LoadedPlan, MAX_PLAN_BYTES};
use breakwater_domain::plan::policy::{Webhook, DEFAULT_OBJECTIVE, MAX_BAKE_SECS};
use breakwater_domain::plan::{
    contract_effects, planner, Change, ContractChange, FailureAction, Gate, Migration, Phase,
    PlanLocation, PlanSpec, Policy, PolicyOverride, Signal, Topology,
};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// The minimal form, as the issue writes it.
const MINIMAL: &str = "\
plan: checkout-v2                 # a slug
changes:
  - { service: payment, to_version: 2.0.0 }
  - { service: checkout, to_version: 1.5.0, flags: [new-checkout], migrations: [{ name: add-col, phase: expand, reversible: true }] }
";

const ONE_CHANGE: &str = "changes:\n  - { service: payment, to_version: 2.0.0 }\n";

/// Spec files the rows may name.
const SPECS: &[(&str, &str)] = &[(
    "candidates/payment-api-2.0.0.yaml",
    "openapi: 3.0.3\ninfo: {title: payment, version: 2.0.0}\npaths: {}\n",
)];

fn load(text: &str) -> LoadedPlan {
    document::load(text, &mut |path: &str| {
        SPECS
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, text)| text.to_string())
            .ok_or_else(|| "no such file".to_string())
    })
}

/// A plan named checkout-v2 with `body` after the name.
fn plan(body: &str) -> String {
    format!("plan: checkout-v2\n{body}")
}

/// A valid plan with `lines` (indented by two) as its policy.
fn policy(lines: &str) -> String {
    plan(&format!("policy:\n{lines}{ONE_CHANGE}"))
}

/// One expected problem: level, code, location.
type Expect = (Severity, &'static str, PlanLocation);

fn error(code: &'static str, location: PlanLocation) -> Expect {
    (Severity::Error, code, location)
}

fn warning(code: &'static str, location: PlanLocation) -> Expect {
    (Severity::Warning, code, location)
}

fn field(path: &str) -> PlanLocation {
    PlanLocation::field(path)
}

fn text(line: usize, column: usize) -> PlanLocation {
    PlanLocation::Text { line, column }
}

fn sorted(
    mut problems: Vec<(Severity, String, PlanLocation)>,
) -> Vec<(Severity, String, PlanLocation)> {
    problems.sort_by_key(|(level, code, location)| (*level, code.clone(), format!("{location:?}")));
    problems
}

/// Loads `yaml` and asserts it reports exactly `expected` (in any order), each problem with a
/// message.
fn check(name: &str, yaml: &str, expected: Vec<Expect>) {
    let loaded = load(yaml);
    for problem in &loaded.problems {
        assert!(
            !problem.message.is_empty(),
            "{name}: {problem:?} has no message"
        );
    }
    let got = sorted(
        loaded
            .problems
            .iter()
            .map(|p| (p.level, p.code.clone(), p.location.clone()))
            .collect(),
    );
    let want = sorted(
        expected
            .into_iter()
            .map(|(level, code, location)| (level, code.to_string(), location))
            .collect(),
    );
    let report: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    assert_eq!(got, want, "{name}:\n{}", report.join("\n"));
    let structural = want
        .iter()
        .any(|(_, code, _)| ["TOO_LARGE", "TOO_DEEP", "YAML_SYNTAX"].contains(&code.as_str()));
    assert_eq!(
        loaded.spec.is_none(),
        structural,
        "{name}: spec only when the YAML was read"
    );
}

#[test]
fn structure_problems_refuse_the_text_with_its_position() {
    check("the issue's minimal form", MINIMAL, vec![]);
    check(
        "an unclosed flow mapping",
        "plan: checkout-v2\nchanges:\n  - { service: payment, to_version: 2.0.0\n",
        vec![error("YAML_SYNTAX", text(4, 1))],
    );
    check(
        "a tab in the indentation",
        "plan: checkout-v2\n\tchanges: []\n",
        vec![error("YAML_SYNTAX", text(2, 1))],
    );
    check(
        "an unknown top-level key",
        &plan(&format!("owner: team-payments\n{ONE_CHANGE}")),
        vec![error("YAML_SYNTAX", text(2, 1))],
    );
    check(
        "a misspelt key in a change",
        &plan("changes:\n  - { service: payment, to_verison: 2.0.0 }\n"),
        vec![error("YAML_SYNTAX", text(3, 25))],
    );
    check(
        "an unknown key in a gate",
        &policy("  gates:\n    - { signal: error_rate, maximum: 1 }\n"),
        vec![error("YAML_SYNTAX", text(4, 29))],
    );
    check(
        "a list instead of a plan",
        "- payment\n",
        vec![error("YAML_SYNTAX", text(1, 1))],
    );
    check(
        "nesting past the limit",
        &plan(&format!("changes: {}\n", "[".repeat(200))),
        vec![error("TOO_DEEP", text(2, 137))],
    );
}

#[test]
fn a_plan_of_10_mb_or_more_is_refused_unread() {
    let padded = |len: usize| {
        let mut text = MINIMAL.to_string();
        text.push('#');
        text.push_str(&"x".repeat(len - text.len() - 1));
        text.push('\n');
        assert_eq!(text.len(), len);
        text
    };
    check(
        "exactly 10 MB",
        &padded(MAX_PLAN_BYTES),
        vec![error("TOO_LARGE", PlanLocation::Plan)],
    );
    check("a byte under 10 MB", &padded(MAX_PLAN_BYTES - 1), vec![]);
}

#[test]
fn names_changes_and_versions() {
    check(
        "no name, no changes",
        "changes: []\n",
        vec![
            error("INVALID_NAME", field("plan")),
            error("NO_CHANGES", field("changes")),
        ],
    );
    check(
        "an empty document",
        "",
        vec![
            error("INVALID_NAME", field("plan")),
            error("NO_CHANGES", field("changes")),
        ],
    );
    check(
        "a name that is not a slug",
        &format!("plan: Checkout V2\n{ONE_CHANGE}"),
        vec![error("INVALID_NAME", field("plan"))],
    );
    check(
        "a service the catalog does not know is the planner's to report",
        &plan("changes:\n  - { service: no-such-service, to_version: 1.0.0 }\n"),
        vec![],
    );
    check(
        "the same service twice",
        &plan(
            "changes:\n  - { service: payment, to_version: 2.0.0 }\n  - { service: checkout, to_version: 1.5.0 }\n  - { service: payment, to_version: 2.1.0 }\n",
        ),
        vec![error("DUPLICATE_CHANGE", field("changes[2].service"))],
    );
    check(
        "bad ids and missing versions",
        &plan(
            "changes:\n  - { service: Payment, to_version: 2.0.0 }\n  - { to_version: 1.0.0 }\n  - { service: cart }\n  - { service: email, to_version: '1.0 beta' }\n",
        ),
        vec![
            error("INVALID_SERVICE_ID", field("changes[0].service")),
            error("INVALID_SERVICE_ID", field("changes[1].service")),
            error("INVALID_VERSION", field("changes[2].to_version")),
            error("INVALID_VERSION", field("changes[3].to_version")),
        ],
    );
}

#[test]
fn exposure_steps() {
    for (steps, why) in [
        ("[]", "empty"),
        ("[0, 50, 100]", "zero"),
        ("[1, 50, 25, 100]", "decreasing"),
        ("[1, 5, 5, 100]", "repeated"),
        ("[1, 150]", "above 100"),
        ("[1, 300, 100]", "above what a percentage can be"),
        ("[1, 5, 50]", "not ending at 100"),
        ("[1, 2.5, 100]", "a fraction"),
        ("[1, -5, 100]", "negative"),
        ("[1, x, 100]", "text"),
    ] {
        check(
            why,
            &policy(&format!("  steps: {steps}\n")),
            vec![error("INVALID_STEPS", field("policy.steps"))],
        );
    }
    check(
        "one step of 100% is a big-bang release, but allowed",
        &policy("  steps: [100]\n"),
        vec![],
    );
}

#[test]
fn bake_times() {
    for (bake, expected) in [
        ("0", vec![]),
        ("90s", vec![]),
        ("'600'", vec![]),
        ("1h30m", vec![]),
        ("2 hours", vec![]),
        ("-5", vec![error("INVALID_BAKE", field("policy.bake"))]),
        ("-5m", vec![error("INVALID_BAKE", field("policy.bake"))]),
        ("1.5", vec![error("INVALID_BAKE", field("policy.bake"))]),
        ("soon", vec![error("INVALID_BAKE", field("policy.bake"))]),
        ("1.5h", vec![error("INVALID_BAKE", field("policy.bake"))]),
        ("30d", vec![error("INVALID_BAKE", field("policy.bake"))]),
        (
            "99999999999999999999h",
            vec![error("INVALID_BAKE", field("policy.bake"))],
        ),
        ("2d", vec![warning("LONG_BAKE", field("policy.bake"))]),
    ] {
        check(bake, &policy(&format!("  bake: {bake}\n")), expected);
    }
}

#[test]
fn every_bad_gate_at_once() {
    check(
        "gates",
        &policy(
            "  gates:
    - { signal: error_rate, max: .nan }
    - { signal: latency_p99, max: -1 }
    - { signal: burn_rate, max: .inf, window: 1h }
    - { signal: cpu, max: 80 }
    - { signal: data_check }
    - { signal: error_rate }
    - { signal: error_rate, max: 1%, window: 0s }
    - { signal: burn_rate, max: 2, window: soon, downstream: yes }
    - { signal: data_check, check: 'https://c.example/ok', downstream: true }
    - { signal: data_check, check: orders-reconciled }
",
        ),
        vec![
            error("INVALID_GATE", field("policy.gates[0].max")),
            error("INVALID_GATE", field("policy.gates[1].max")),
            error("INVALID_GATE", field("policy.gates[2].max")),
            error("INVALID_GATE", field("policy.gates[3].signal")),
            error("INVALID_GATE", field("policy.gates[4].check")),
            error("INVALID_GATE", field("policy.gates[5].max")),
            error("INVALID_GATE", field("policy.gates[6].max")),
            error("INVALID_GATE", field("policy.gates[6].window")),
            error("INVALID_GATE", field("policy.gates[7].window")),
            error("INVALID_GATE", field("policy.gates[7].downstream")),
            error("INVALID_GATE", field("policy.gates[9].check")),
        ],
    );
}

#[test]
fn stage_size_regions_and_failure_action() {
    for size in ["0", "5000", "-1", "many"] {
        check(
            size,
            &policy(&format!("  max_services_per_stage: {size}\n")),
            vec![error(
                "INVALID_STAGE_SIZE",
                field("policy.max_services_per_stage"),
            )],
        );
    }
    check(
        "a region twice and a blank one",
        &policy("  regions: [eu-west-1, us-east-1, eu-west-1, '']\n"),
        vec![
            error("INVALID_REGIONS", field("policy.regions")),
            error("INVALID_REGIONS", field("policy.regions")),
        ],
    );
    check(
        "an unknown failure action",
        &policy("  on_failure: explode\n"),
        vec![error("INVALID_ON_FAILURE", field("policy.on_failure"))],
    );
}

#[test]
fn stage_and_change_overrides() {
    check(
        "stage overrides",
        &policy(
            "  stages:
    - { stage: 0, bake: 5m }
    - { stage: 2, steps: [50, 100] }
    - { stage: 2 }
    - { bake: 1m }
    - { stage: two }
    - { stage: 3, max_services_per_stage: 2, stages: [] }
    - { stage: 4, bake: 8d, gates: [{ signal: latency_p99, max: -3 }] }
",
        ),
        vec![
            error("INVALID_STAGE", field("policy.stages[0].stage")),
            error("INVALID_STAGE", field("policy.stages[2].stage")),
            error("INVALID_STAGE", field("policy.stages[3].stage")),
            error("INVALID_STAGE", field("policy.stages[4].stage")),
            error("INVALID_POLICY", field("policy.stages[5].stages")),
            error(
                "INVALID_POLICY",
                field("policy.stages[5].max_services_per_stage"),
            ),
            error("INVALID_BAKE", field("policy.stages[6].bake")),
            error("INVALID_GATE", field("policy.stages[6].gates[0].max")),
        ],
    );
    check(
        "a stage number in the plan's policy",
        &policy("  stage: 1\n"),
        vec![error("INVALID_POLICY", field("policy.stage"))],
    );
    check(
        "a change's policy",
        &plan(
            "changes:
  - service: payment
    to_version: 2.0.0
    policy: { steps: [50, 100], bake: 0, stage: 1, max_services_per_stage: 2 }
  - service: checkout
    to_version: 1.5.0
    policy: { steps: [50, 20], on_failure: never, regions: [us-east-1] }
",
        ),
        vec![
            error("INVALID_POLICY", field("changes[0].policy.stage")),
            error(
                "INVALID_POLICY",
                field("changes[0].policy.max_services_per_stage"),
            ),
            error("INVALID_STEPS", field("changes[1].policy.steps")),
            error("INVALID_STEPS", field("changes[1].policy.steps")),
            error("INVALID_ON_FAILURE", field("changes[1].policy.on_failure")),
        ],
    );
}

#[test]
fn contracts_flags_and_migrations() {
    check(
        "contract entries",
        &plan(
            "changes:
  - service: payment
    to_version: 2.0.0
    contracts:
      - { contract: payment-api, version: 2.0.0, spec: candidates/payment-api-2.0.0.yaml, document: 'openapi: 3.0.3' }
      - { contract: refunds-api, version: 1.0.0 }
      - { contract: ledger-api, version: 1.0.0, spec: candidates/missing.yaml }
      - { contract: payment-api, version: 2.0.1, document: 'openapi: 3.0.3' }
      - { contract: Payment API, version: 1.0.0, document: 'openapi: 3.0.3' }
      - { contract: fees-api, spec: candidates/payment-api-2.0.0.yaml }
",
        ),
        vec![
            error("SPEC_AMBIGUOUS", field("changes[0].contracts[0]")),
            error("SPEC_MISSING", field("changes[0].contracts[1]")),
            error("SPEC_UNREADABLE", field("changes[0].contracts[2].spec")),
            error("DUPLICATE_CONTRACT", field("changes[0].contracts[3].contract")),
            error("INVALID_CONTRACT", field("changes[0].contracts[4].contract")),
            error("INVALID_VERSION", field("changes[0].contracts[5].version")),
        ],
    );
    check(
        "flags and migrations",
        &plan(
            "changes:
  - service: checkout
    to_version: 1.5.0
    flags: ['', new-checkout, ' ']
    migrations:
      - { name: add-col, phase: sideways }
      - { phase: expand }
      - { name: drop-col, phase: contract, reversible: maybe }
      - { name: backfill }
",
        ),
        vec![
            error("INVALID_FLAG", field("changes[0].flags[0]")),
            error("INVALID_FLAG", field("changes[0].flags[2]")),
            error("INVALID_MIGRATION", field("changes[0].migrations[0].phase")),
            error("INVALID_MIGRATION", field("changes[0].migrations[1].name")),
            error(
                "INVALID_MIGRATION",
                field("changes[0].migrations[2].reversible"),
            ),
            error("INVALID_MIGRATION", field("changes[0].migrations[3].phase")),
        ],
    );
}

#[test]
fn pinned_stages() {
    let changes = "changes:
  - { service: payment, to_version: 2.0.0 }
  - { service: checkout, to_version: 1.5.0 }
  - { service: cart, to_version: 1.2.0 }
";
    check(
        "a valid manual order",
        &plan(&format!(
            "{changes}stages:\n  - [checkout, cart]\n  - [payment]\n"
        )),
        vec![],
    );
    check(
        "every pinned-stage problem",
        &plan(&format!(
            "{changes}stages:\n  - [payment]\n  - []\n  - [ghost, payment]\n"
        )),
        vec![
            error("PINNED_EMPTY", field("stages[1]")),
            error("PINNED_UNKNOWN", field("stages[2]")),
            error("PINNED_DUPLICATE", field("stages[2]")),
            error("PINNED_MISSING", field("stages")),
            error("PINNED_MISSING", field("stages")),
        ],
    );
}

#[test]
fn every_bad_value_of_a_plan_is_reported_at_once() {
    check(
        "many mistakes",
        "plan: Checkout_v2
policy:
  steps: [1, 5, 0]
  bake: forever
  gates: [{ signal: error_rate, max: -1 }]
changes:
  - service: payment
    to_version: 2.0.0
    contracts: [{ contract: payment-api, version: 2.0.0 }]
  - service: payment
    to_version: ''
    migrations: [{ name: add-col, phase: later }]
stages: [[payment], [checkout]]
",
        vec![
            error("INVALID_NAME", field("plan")),
            error("INVALID_STEPS", field("policy.steps")),
            error("INVALID_STEPS", field("policy.steps")),
            error("INVALID_STEPS", field("policy.steps")),
            error("INVALID_BAKE", field("policy.bake")),
            error("INVALID_GATE", field("policy.gates[0].max")),
            error("SPEC_MISSING", field("changes[0].contracts[0]")),
            error("DUPLICATE_CHANGE", field("changes[1].service")),
            error("INVALID_VERSION", field("changes[1].to_version")),
            error("INVALID_MIGRATION", field("changes[1].migrations[0].phase")),
            error("PINNED_UNKNOWN", field("stages[1]")),
        ],
    );
}

#[test]
fn the_minimal_form_gets_the_default_policy() {
    let loaded = load(MINIMAL);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let spec = loaded.spec.expect("loaded");
    assert_eq!(spec.name, "checkout-v2");
    assert_eq!(spec.title, None);
    assert_eq!(spec.policy, Policy::default());
    assert!(spec.stage_policies.is_empty());
    assert_eq!(spec.pinned, None);
    assert_eq!(
        spec.changes[1],
        Change {
            service: "checkout".into(),
            to_version: "1.5.0".into(),
            contracts: vec![],
            flags: vec!["new-checkout".into()],
            migrations: vec![Migration {
                name: "add-col".into(),
                phase: Phase::Expand,
                reversible: true,
            }],
            runbook: None,
            notes: None,
            policy: None,
        }
    );
}

#[test]
fn versions_written_as_numbers_keep_their_text() {
    let loaded = load(&plan(
        "changes:\n  - { service: a, to_version: 2.0 }\n  - { service: b, to_version: 2.10 }\n  - { service: c, to_version: 3 }\n  - { service: d, to_version: 1.0.0, contracts: [{ contract: d-api, version: 1.10, document: x }] }\n",
    ));
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let spec = loaded.spec.unwrap();
    let versions: Vec<&str> = spec.changes.iter().map(|c| c.to_version.as_str()).collect();
    assert_eq!(versions, ["2.0", "2.10", "3", "1.0.0"]);
    assert_eq!(spec.changes[3].contracts[0].version, "1.10");
}

/// The YAML examples of the README's "Plan files" section.
fn readme_examples() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("README.md");
    let start = readme
        .find("\n## Plan files\n")
        .expect("a 'Plan files' section");
    let section = &readme[start + 1..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    section
        .split("```yaml\n")
        .skip(1)
        .map(|block| block[..block.find("```").expect("closed block")].to_string())
        .collect()
}

fn boutique_specs(path: &str) -> Result<String, String> {
    std::fs::read_to_string(demo_dir("boutique").join(path)).map_err(|e| e.to_string())
}

#[test]
fn the_readme_examples_load_as_documented() {
    let examples = readme_examples();
    assert_eq!(examples.len(), 2, "the minimal and the full example");
    assert_eq!(
        examples[0], MINIMAL,
        "the README shows the issue's minimal form"
    );

    let loaded = document::load(&examples[1], &mut boutique_specs);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let spec = loaded.spec.unwrap();
    assert_eq!(spec.title.as_deref(), Some("Checkout v2"));
    let policy = &spec.policy;
    assert_eq!(policy.steps, Policy::default().steps);
    assert_eq!(policy.bake_secs, 600);
    assert_eq!(policy.max_services_per_stage, 5);
    assert_eq!(policy.regions, ["eu-west-1", "us-east-1"]);
    assert_eq!(policy.on_failure, FailureAction::Pause);
    let mut burn = Gate::new(Signal::BurnRate, 2.0);
    burn.window_secs = Some(3600);
    let mut data = Gate::new(Signal::DataCheck, 0.0);
    data.check = Some("https://checks.example/orders-reconciled".into());
    assert!(!data.downstream, "data checks watch only their own service");
    assert_eq!(
        policy.gates,
        [
            Gate::new(Signal::ErrorRate, 1.0),
            Gate::new(Signal::LatencyP99, 500.0),
            burn,
            data
        ]
    );
    assert_eq!(
        spec.stage_policies,
        [(
            1,
            PolicyOverride {
                bake_secs: Some(1800),
                ..Default::default()
            }
        )]
    );
    let payment = &spec.changes[0];
    assert_eq!(
        payment.contracts,
        [ContractChange {
            contract: "payment-api".into(),
            version: "2.0.0".into(),
            document: boutique_specs("candidates/payment-api-2.0.0.yaml").unwrap(),
        }]
    );
    assert_eq!(
        payment.migrations,
        [Migration {
            name: "charges-key-not-null".into(),
            phase: Phase::Contract,
            reversible: false,
        }]
    );
    assert_eq!(
        payment.policy,
        Some(PolicyOverride {
            bake_secs: Some(1200),
            on_failure: Some(FailureAction::RollbackPlan),
            ..Default::default()
        })
    );
    assert!(spec.changes[1].migrations[0].reversible);
    assert_eq!(
        spec.pinned,
        Some(vec![
            vec!["checkout".to_string()],
            vec!["payment".to_string()]
        ])
    );
}

/// `to_yaml` then `load` gives the spec back, with no problem, and writes the same text again.
fn assert_round_trip(spec: &PlanSpec) {
    let yaml = document::to_yaml(spec);
    let loaded = document::load(&yaml, &mut |path: &str| -> Result<String, String> {
        panic!("to_yaml writes documents inline, yet '{path}' was read")
    });
    assert!(loaded.problems.is_empty(), "{:?}\n{yaml}", loaded.problems);
    assert_eq!(loaded.spec.as_ref(), Some(spec), "\n{yaml}");
    assert_eq!(document::to_yaml(loaded.spec.as_ref().unwrap()), yaml);
}

#[test]
fn examples_round_trip() {
    for example in readme_examples() {
        let spec = document::load(&example, &mut boutique_specs).spec.unwrap();
        assert_round_trip(&spec);
    }
    let yaml = document::to_yaml(&load(MINIMAL).spec.unwrap());
    for written in [
        "bake: 10m",
        "on_failure: pause",
        "max: 500\n",
        "reversible: true",
    ] {
        assert!(yaml.contains(written), "{written} in\n{yaml}");
    }
}

#[test]
fn validate_checks_specs_the_editor_builds() {
    let mut spec = load(MINIMAL).spec.unwrap();
    assert!(document::validate(&spec).is_empty());
    spec.policy.steps = vec![0, 150, 100];
    spec.policy.bake_secs = MAX_BAKE_SECS + 1;
    spec.changes[0].policy = Some(PolicyOverride {
        max_services_per_stage: Some(3),
        gates: Some(vec![Gate::new(Signal::ErrorRate, f64::INFINITY)]),
        ..Default::default()
    });
    spec.stage_policies = vec![(0, PolicyOverride::default())];
    spec.pinned = Some(vec![vec!["payment".into()]]);
    let got: Vec<(String, String)> = document::validate(&spec)
        .iter()
        .map(|p| (p.code.clone(), p.location.to_string()))
        .collect();
    let want: Vec<(String, String)> = [
        ("INVALID_GATE", "changes[0].policy.gates[0].max"),
        ("INVALID_POLICY", "changes[0].policy.max_services_per_stage"),
        ("INVALID_STEPS", "policy.steps"),
        ("INVALID_STEPS", "policy.steps"),
        ("INVALID_STEPS", "policy.steps"),
        ("INVALID_BAKE", "policy.bake"),
        ("INVALID_STAGE", "policy.stages[0].stage"),
        ("PINNED_MISSING", "stages"),
    ]
    .iter()
    .map(|(code, at)| (code.to_string(), at.to_string()))
    .collect();
    assert_eq!(got, want);
}

fn demo_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../demo")
        .join(name)
}

/// Dotted numeric versions, compared part by part (enough for the demo catalogs).
fn newer(to: &str, from: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    parts(to) > parts(from)
}

/// Loads `demo/<name>/plan.yaml` against its catalog: no problem at all, every service known
/// with a newer version, runbooks for critical services, a canary region the catalog has, and
/// the planner stages it in several stages without a problem either.
fn check_demo(name: &str) -> PlanSpec {
    let dir = demo_dir(name);
    let read = |path: &str| std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string());
    let catalog: Catalog = catalog::load(&read("catalog.yaml").unwrap(), &mut |p: &str| read(p))
        .catalog
        .expect("the demo catalog loads");
    let loaded = document::load(&read("plan.yaml").unwrap(), &mut |p: &str| read(p));
    let report: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    assert!(loaded.problems.is_empty(), "{name}:\n{}", report.join("\n"));
    let spec = loaded.spec.unwrap();
    assert!(spec.changes.len() >= 5, "{name}: a plan worth staging");
    for change in &spec.changes {
        let service = catalog
            .service(&change.service)
            .unwrap_or_else(|| panic!("{name}: unknown service {}", change.service));
        assert!(
            newer(&change.to_version, &service.version),
            "{name}: {} {} is not newer than {}",
            change.service,
            change.to_version,
            service.version
        );
        if service.tier == Tier::Critical {
            assert!(
                change.runbook.is_some(),
                "{name}: {} needs a runbook",
                service.id
            );
        }
        for contract in &change.contracts {
            let provided = service.provides.iter().find(|c| c.id == contract.contract);
            let provided = provided.unwrap_or_else(|| {
                panic!(
                    "{name}: {} does not provide {}",
                    service.id, contract.contract
                )
            });
            assert!(newer(&contract.version, &provided.version));
            let document: serde_json::Value = serde_yaml_ng::from_str(&contract.document).unwrap();
            assert_eq!(
                document["info"]["version"].as_str(),
                Some(contract.version.as_str())
            );
        }
    }
    let canary = &spec.policy.regions[0];
    assert!(
        catalog.services.iter().any(|s| s.regions.contains(canary)),
        "{name}: canary region {canary} is not in the catalog"
    );
    let changes = &spec.changes;
    assert!(changes.iter().any(|c| !c.flags.is_empty()));
    assert!(changes
        .iter()
        .any(|c| c.migrations.iter().any(|m| !m.reversible)));
    assert!(changes.iter().filter(|c| !c.contracts.is_empty()).count() >= 2);
    assert_round_trip(&spec);

    let (effects, problems) = contract_effects(&catalog, &Histories::new(), &spec);
    assert!(problems.is_empty(), "{name}: {problems:?}");
    let plan = planner::plan(&Topology::from(&catalog), &spec, &effects);
    let report: Vec<String> = plan.problems.iter().map(ToString::to_string).collect();
    assert!(plan.problems.is_empty(), "{name}:\n{}", report.join("\n"));
    assert!(plan.stages.len() >= 3, "{name}: {:?}", plan.stages);
    spec
}

#[test]
fn the_demo_plans_load_cleanly() {
    let boutique = check_demo("boutique");
    let contracts: Vec<&str> = boutique
        .changes
        .iter()
        .flat_map(|c| c.contracts.iter().map(|k| k.contract.as_str()))
        .collect();
    assert_eq!(
        contracts,
        ["productcatalog-api", "payment-api", "currency-api"]
    );
    // The consumers the contract changes break are in the plan.
    assert!(boutique.changes.iter().any(|c| c.service == "checkout"));
    assert!(boutique.changes.iter().any(|c| c.service == "frontend"));
    check_demo("enterprise");
}

fn slug() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9-]{0,20}"
}

/// Free text: printable Unicode, and ASCII with line breaks and tabs.
fn free_text() -> impl Strategy<Value = String> {
    prop_oneof!["\\PC{0,30}", "[ -~\n\t]{0,60}"]
}

fn version() -> impl Strategy<Value = String> {
    "[0-9]{1,3}(\\.[0-9]{1,3}){0,2}(-[a-z0-9.]{1,8})?"
}

fn steps() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::btree_set(1u8..100, 0..5).prop_map(|set| {
        let mut steps: Vec<u8> = set.into_iter().collect();
        steps.push(100);
        steps
    })
}

fn gate() -> impl Strategy<Value = Gate> {
    let signal = prop::sample::select(vec![
        Signal::ErrorRate,
        Signal::LatencyP99,
        Signal::BurnRate,
        Signal::DataCheck,
    ]);
    let max = prop_oneof![(0u32..100_000).prop_map(f64::from), 0.0f64..1e12];
    (
        signal,
        max,
        prop::option::of(1..=MAX_BAKE_SECS),
        slug(),
        any::<bool>(),
        (any::<bool>(), 0..=1_000_000u64, 90.0f64..99.999),
    )
        .prop_map(
            |(signal, max, window_secs, check, downstream, (relative, min_samples, objective))| {
                Gate {
                    signal,
                    max,
                    window_secs,
                    check: (signal == Signal::DataCheck)
                        .then(|| format!("https://checks.example/{check}")),
                    downstream,
                    relative: relative && matches!(signal, Signal::ErrorRate | Signal::LatencyP99),
                    min_samples,
                    objective: if signal == Signal::BurnRate {
                        objective
                    } else {
                        DEFAULT_OBJECTIVE
                    },
                }
            },
        )
}

fn regions() -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set(slug(), 0..4).prop_map(|set| set.into_iter().collect())
}

fn failure_action() -> impl Strategy<Value = FailureAction> {
    prop::sample::select(vec![
        FailureAction::Pause,
        FailureAction::RollbackStage,
        FailureAction::RollbackPlan,
    ])
}

fn bake() -> impl Strategy<Value = u64> {
    0..=document::LONG_BAKE_SECS
}

fn policy_strategy() -> impl Strategy<Value = Policy> {
    (
        steps(),
        bake(),
        prop::collection::vec(gate(), 0..4),
        1..=document::MAX_STAGE_SIZE,
        regions(),
        failure_action(),
        prop::option::of(webhook()),
    )
        .prop_map(
            |(steps, bake_secs, gates, max_services_per_stage, regions, on_failure, webhook)| {
                Policy {
                    steps,
                    bake_secs,
                    gates,
                    max_services_per_stage,
                    regions,
                    on_failure,
                    webhook,
                }
            },
        )
}

fn webhook() -> impl Strategy<Value = Webhook> {
    (slug(), "[A-Z_][A-Z0-9_]{0,20}").prop_map(|(path, secret_env)| Webhook {
        url: format!("https://hooks.example/{path}"),
        secret_env,
    })
}

fn override_strategy() -> impl Strategy<Value = PolicyOverride> {
    (
        prop::option::of(steps()),
        prop::option::of(bake()),
        prop::option::of(prop::collection::vec(gate(), 0..3)),
        prop::option::of(regions()),
        prop::option::of(failure_action()),
        prop::option::of(webhook()),
    )
        .prop_map(
            |(steps, bake_secs, gates, regions, on_failure, webhook)| PolicyOverride {
                steps,
                bake_secs,
                gates,
                max_services_per_stage: None,
                regions,
                on_failure,
                webhook,
            },
        )
}

fn change(service: String) -> impl Strategy<Value = Change> {
    let contract =
        (slug(), version(), free_text()).prop_map(|(contract, version, document)| ContractChange {
            contract,
            version,
            document,
        });
    let contracts = prop::collection::btree_map(slug(), contract, 0..3).prop_map(|by_id| {
        by_id
            .into_iter()
            .map(|(id, c)| ContractChange { contract: id, ..c })
            .collect()
    });
    let migration =
        (slug(), any::<bool>(), any::<bool>()).prop_map(|(name, contract, reversible)| Migration {
            name,
            phase: if contract {
                Phase::Contract
            } else {
                Phase::Expand
            },
            reversible,
        });
    (
        version(),
        contracts,
        prop::collection::vec(slug(), 0..3),
        prop::collection::vec(migration, 0..3),
        prop::option::of(free_text()),
        prop::option::of(free_text()),
        prop::option::of(override_strategy()),
    )
        .prop_map(
            move |(to_version, contracts, flags, migrations, runbook, notes, policy)| Change {
                service: service.clone(),
                to_version,
                contracts,
                flags,
                migrations,
                runbook,
                notes,
                policy,
            },
        )
}

fn spec_strategy() -> impl Strategy<Value = PlanSpec> {
    let changes = prop::collection::btree_set(slug(), 1..5)
        .prop_flat_map(|services| services.into_iter().map(change).collect::<Vec<_>>());
    let stage_policies = prop::collection::btree_map(1usize..20, override_strategy(), 0..3)
        .prop_map(|by_stage| by_stage.into_iter().collect::<Vec<_>>());
    (
        slug(),
        prop::option::of(free_text()),
        changes,
        policy_strategy(),
        stage_policies,
        prop::option::of(1usize..4),
    )
        .prop_map(|(name, title, changes, policy, stage_policies, pinned)| {
            // Pinned: the services in chunks of the drawn size.
            let pinned = pinned.map(|size| {
                changes
                    .chunks(size)
                    .map(|chunk| chunk.iter().map(|c| c.service.clone()).collect())
                    .collect()
            });
            PlanSpec {
                name,
                title,
                changes,
                policy,
                stage_policies,
                pinned,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn valid_specs_round_trip(spec in spec_strategy()) {
        assert_round_trip(&spec);
    }

    #[test]
    fn any_text_loads_without_panic(yaml in "[a-z_:\\[\\]{}, \n0-9.-]{0,200}") {
        let _ = load(&plan(&yaml));
    }
}
