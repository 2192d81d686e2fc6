//! The YAML plan file, as people write it ([`PlanFile`]), and [`load`]: parse, read spec files,
//! fill in defaults and report every bad value at once with its location. [`validate`] holds
//! the checks that need no catalog; the planner runs them too, so the editor gets them on
//! every keystroke.

use super::policy::{
    format_duration, parse_duration, FailureAction, Gate, Policy, PolicyOverride, Signal, Webhook,
    DEFAULT_MIN_SAMPLES, DEFAULT_OBJECTIVE, MAX_BAKE_SECS,
};
use super::{Change, ContractChange, Migration, Phase, PlanLocation, PlanProblem, PlanSpec};
use crate::catalog::{is_valid_id, SpecSource};
use serde::{Deserialize, Serialize};
use serde_yaml_ng::Value;
use std::collections::{HashMap, HashSet};

/// Plan files of this size or more are refused before parsing.
pub const MAX_PLAN_BYTES: usize = 10 * 1024 * 1024;
/// Bake times longer than this get a `LONG_BAKE` warning (a stage that waits a day per step).
pub const LONG_BAKE_SECS: u64 = 24 * 3600;
/// Most services a stage may hold: beyond it a "stage" is a big-bang release.
pub const MAX_STAGE_SIZE: usize = 1000;
/// Most changes a plan may hold; also the most pinned stages, stage overrides and pinned
/// service entries. Planning work grows with changes × the catalog (and explanations with
/// changes²), so a bigger plan is refused rather than planned slowly.
pub const MAX_CHANGES: usize = 1000;
/// Most exposure steps in one `steps:` list (a valid list has at most 100 anyway).
pub const MAX_STEPS: usize = 20;
/// Most gates in one `gates:` list: every step of every service carries its gates.
pub const MAX_GATES: usize = 10;
/// Most entries in any other list of a plan: regions, and a change's contracts, flags and
/// migrations.
pub const MAX_LIST_ITEMS: usize = 50;
/// Longest version, flag, migration, region or data-check name, in characters: they are
/// quoted in explanations and checklist lines, once per ordering decision. Metric samples'
/// versions and regions have the same limit.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest data-check or webhook URL, in characters.
pub const MAX_URL_CHARS: usize = 2000;
/// Most requests a gate may ask for before it can pass.
pub const MAX_MIN_SAMPLES: u64 = 1_000_000_000;
/// Longest name of the environment variable holding a webhook's secret.
pub const MAX_ENV_NAME_CHARS: usize = 100;
/// Longest title, notes or runbook, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Most problems loading or validating lists (each step of the two); one more says how many
/// were left out. A 10 MB file of bad values would otherwise answer with a million problems.
pub const MAX_PROBLEMS: usize = 1000;
/// The code of the problem that counts the problems left out past [`MAX_PROBLEMS`].
pub const TOO_MANY_PROBLEMS: &str = "TOO_MANY_PROBLEMS";
/// The problem code of a plan over one of the limits above. Such a plan is not planned: the
/// planner answers the limit problems alone.
pub const OVER_LIMIT: &str = "OVER_LIMIT";

const SIGNALS: [Signal; 4] = [
    Signal::ErrorRate,
    Signal::LatencyP99,
    Signal::BurnRate,
    Signal::DataCheck,
];
const FAILURE_ACTIONS: [FailureAction; 3] = [
    FailureAction::Pause,
    FailureAction::RollbackStage,
    FailureAction::RollbackPlan,
];
const DURATION_RULE: &str = "write a duration like 90s, 10m or 1h30m, or a whole number of seconds";

/// The result of loading a plan file: the spec when the YAML could be read, and every problem.
#[derive(Debug, Clone)]
pub struct LoadedPlan {
    pub spec: Option<PlanSpec>,
    pub problems: Vec<PlanProblem>,
}

impl LoadedPlan {
    pub fn is_valid(&self) -> bool {
        self.spec.is_some() && !self.problems.iter().any(PlanProblem::is_error)
    }

    fn refused(problem: PlanProblem) -> LoadedPlan {
        LoadedPlan {
            spec: None,
            problems: vec![problem],
        }
    }
}

/// The YAML plan file as written by people. Scalars that must become numbers, booleans or
/// names are kept loose (text or any YAML value) so that [`load`] reports every bad value with
/// its field instead of stopping at the first.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    #[serde(default)]
    pub plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyEntry>,
    #[serde(default)]
    pub changes: Vec<ChangeEntry>,
    /// Pinned stages: a manual order of service ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<Vec<String>>>,
}

/// A policy block: the plan's `policy:`, one of its `stages:` overrides, or a change's
/// `policy:`. One shape for all three; which keys each may hold is checked on conversion.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyEntry {
    /// The stage number (1-based); only in the plan policy's `stages:` entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Value>>,
    /// A duration (`10m`, `1h30m`) or a whole number of seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gates: Option<Vec<GateEntry>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_services_per_stage: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
    /// `{url, secret_env}`: where each step of the services it applies to is announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookEntry>,
    /// Per-stage overrides; only in the plan's policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<PolicyEntry>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateEntry {
    #[serde(default)]
    pub signal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// Default: true, except for data checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downstream: Option<Value>,
    /// `max` is a ratio to the stable version (error_rate and latency_p99). Default: false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relative: Option<Value>,
    /// Requests a window needs before the gate can pass. Default: 50.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_samples: Option<Value>,
    /// The SLO in percent (burn_rate only). Default: 99.9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<Value>,
}

/// `webhook: {url: https://deploy.example/hooks/breakwater, secret_env: BREAKWATER_HOOK_SECRET}`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEntry {
    #[serde(default)]
    pub url: Option<Value>,
    #[serde(default)]
    pub secret_env: Option<Value>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeEntry {
    #[serde(default)]
    pub service: Option<String>,
    /// Any scalar, as written: `to_version: 2.10` is the version "2.10".
    #[serde(default)]
    pub to_version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contracts: Vec<ContractEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub migrations: Vec<MigrationEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyEntry>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractEntry {
    #[serde(default)]
    pub contract: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    /// Path of the spec file, relative to the plan file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// The spec inline, as text (what [`to_yaml`] writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationEntry {
    #[serde(default)]
    pub name: Option<String>,
    /// `expand` or `contract`.
    #[serde(default)]
    pub phase: Option<String>,
    /// Default: true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reversible: Option<Value>,
}

/// Parses a YAML document of ours (`what`: "plan", "calendar") with every guard: refused at
/// `max_bytes` or more, nested too deep (before the quadratic parser sees it), or not YAML, each
/// as one problem with its line and column where it has one.
pub(crate) fn parse_guarded<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
    max_bytes: usize,
) -> Result<T, PlanProblem> {
    if text.len() >= max_bytes {
        return Err(PlanProblem::error(
            PlanLocation::Plan,
            "TOO_LARGE",
            format!(
                "the {what} is {:.1} MB; the limit is {} MB",
                text.len() as f64 / 1e6,
                max_bytes / (1024 * 1024)
            ),
        ));
    }
    let scan = crate::yaml::check_nesting(text).map_err(|e| {
        let location = PlanLocation::Text {
            line: e.line,
            column: e.column,
        };
        PlanProblem::error(location, "TOO_DEEP", e.to_string())
    })?;
    crate::yaml::from_scanned(text, scan).map_err(|e| {
        let location = e
            .location()
            .map(|l| PlanLocation::Text {
                line: l.line(),
                column: l.column(),
            })
            .unwrap_or(PlanLocation::Plan);
        PlanProblem::error(location, "YAML_SYNTAX", e.to_string())
    })
}

/// Parse and validate a YAML plan, reading `spec:` files through `specs` (paths relative to
/// the plan file).
pub fn load(text: &str, specs: &mut dyn SpecSource) -> LoadedPlan {
    let file: PlanFile = match parse_guarded(text, "plan", MAX_PLAN_BYTES) {
        Ok(file) => file,
        Err(problem) => return LoadedPlan::refused(problem),
    };
    let mut convert = Convert {
        specs,
        problems: Problems::default(),
    };
    let spec = convert.plan(file);
    let mut problems = convert.problems.into_vec();
    // A bad value converts to a placeholder that validation may flag again at the same field:
    // the conversion's message is the precise one, so keep only it.
    let reported: HashSet<(String, PlanLocation)> = problems
        .iter()
        .map(|p| (p.code.clone(), p.location.clone()))
        .collect();
    problems.extend(
        validate(&spec)
            .into_iter()
            .filter(|p| !reported.contains(&(p.code.clone(), p.location.clone()))),
    );
    LoadedPlan {
        spec: Some(spec),
        problems,
    }
}

/// The spec as a YAML plan file, with the full policy and every document inline:
/// `load(&to_yaml(s), ..)` gives `s` back.
pub fn to_yaml(spec: &PlanSpec) -> String {
    serde_yaml_ng::to_string(&PlanFile::from(spec)).expect("a plan always serialises to YAML")
}

/// Every problem of a spec that needs no catalog: names, versions, duplicate changes, policy
/// values and pinned stages.
pub fn validate(spec: &PlanSpec) -> Vec<PlanProblem> {
    // Over a limit, item-by-item checks would only repeat it (a million `PINNED_DUPLICATE`s).
    let over = limit_problems(spec);
    if !over.is_empty() {
        return over;
    }
    let mut out = Problems::default();
    if spec.name.is_empty() {
        out.error(
            "plan",
            "INVALID_NAME",
            "the plan needs a name (plan: checkout-v2)",
        );
    } else if !is_valid_id(&spec.name) {
        out.error(
            "plan",
            "INVALID_NAME",
            format!("plan name '{}' {SLUG_RULE}", shorten(&spec.name)),
        );
    }
    if spec.changes.is_empty() {
        out.error(
            "changes",
            "NO_CHANGES",
            "the plan changes nothing: list at least one change",
        );
    }
    let mut first_change: HashMap<&str, usize> = HashMap::new();
    for (i, change) in spec.changes.iter().enumerate() {
        let at = format!("changes[{i}]");
        if !is_valid_id(&change.service) {
            out.error(
                format!("{at}.service"),
                "INVALID_SERVICE_ID",
                format!("service id '{}' {SLUG_RULE}", shorten(&change.service)),
            );
        } else if let Some(first) = first_change.get(change.service.as_str()) {
            out.error(
                format!("{at}.service"),
                "DUPLICATE_CHANGE",
                format!(
                    "'{}' is already changed by changes[{first}]: one change per service",
                    change.service
                ),
            );
        } else {
            first_change.insert(&change.service, i);
        }
        check_version(&change.to_version, &format!("{at}.to_version"), &mut out);
        check_change_parts(change, &at, &mut out);
        if let Some(over) = &change.policy {
            check_override(&format!("{at}.policy"), over, &mut out);
        }
    }
    check_policy(&spec.policy, &mut out);
    let mut numbered = HashSet::new();
    for (k, (stage, over)) in spec.stage_policies.iter().enumerate() {
        let at = format!("policy.stages[{k}]");
        if *stage == 0 {
            out.error(
                format!("{at}.stage"),
                "INVALID_STAGE",
                "stages are numbered from 1",
            );
        } else if !numbered.insert(*stage) {
            out.error(
                format!("{at}.stage"),
                "INVALID_STAGE",
                format!("stage {stage} already has an override"),
            );
        }
        check_override(&at, over, &mut out);
    }
    if let Some(pinned) = &spec.pinned {
        check_pinned(spec, pinned, &mut out);
    }
    out.into_vec()
}

/// The problems of a spec over the plan limits ([`MAX_CHANGES`] and the others), one per list
/// or text that is too long. Linear in the size of the spec.
pub fn limit_problems(spec: &PlanSpec) -> Vec<PlanProblem> {
    let mut out = Problems::default();
    check_limits(spec, &mut out);
    out.into_vec()
}

fn check_limits(spec: &PlanSpec, out: &mut Problems) {
    out.count("changes", "changes", spec.changes.len(), MAX_CHANGES);
    out.count(
        "policy.stages",
        "stage overrides",
        spec.stage_policies.len(),
        MAX_CHANGES,
    );
    if let Some(pinned) = &spec.pinned {
        out.count("stages", "pinned stages", pinned.len(), MAX_CHANGES);
        let entries = pinned.iter().map(Vec::len).sum();
        out.count("stages", "services in pinned stages", entries, MAX_CHANGES);
    }
    // Past a list's limit its entries are not looked at: the refusal says enough, and the
    // problems stay few however long the list.
    let changes = spec.changes.iter().take(MAX_CHANGES).enumerate();
    let plan_policy = PolicyOverride::from(&spec.policy);
    let overrides = std::iter::once(("policy".to_string(), &plan_policy))
        .chain(
            spec.stage_policies
                .iter()
                .take(MAX_CHANGES)
                .enumerate()
                .map(|(k, (_, over))| (format!("policy.stages[{k}]"), over)),
        )
        .chain(changes.clone().filter_map(|(i, change)| {
            Some((format!("changes[{i}].policy"), change.policy.as_ref()?))
        }));
    for (path, over) in overrides {
        let steps = over.steps.as_deref().unwrap_or_default();
        out.count(&format!("{path}.steps"), "steps", steps.len(), MAX_STEPS);
        let gates = over.gates.as_deref().unwrap_or_default();
        out.count(&format!("{path}.gates"), "gates", gates.len(), MAX_GATES);
        for (k, gate) in gates.iter().take(MAX_GATES).enumerate() {
            if let Some(check) = &gate.check {
                out.long(&format!("{path}.gates[{k}].check"), check, MAX_URL_CHARS);
            }
        }
        if let Some(webhook) = &over.webhook {
            out.long(&format!("{path}.webhook.url"), &webhook.url, MAX_URL_CHARS);
            let at = format!("{path}.webhook.secret_env");
            out.long(&at, &webhook.secret_env, MAX_ENV_NAME_CHARS);
        }
        let regions = over.regions.as_deref().unwrap_or_default();
        let at = format!("{path}.regions");
        out.count(&at, "regions", regions.len(), MAX_LIST_ITEMS);
        for region in regions.iter().take(MAX_LIST_ITEMS) {
            out.long(&at, region, MAX_NAME_CHARS);
        }
    }
    if let Some(title) = &spec.title {
        out.long("title", title, MAX_TEXT_CHARS);
    }
    for (i, change) in changes {
        let at = format!("changes[{i}]");
        out.long(
            &format!("{at}.to_version"),
            &change.to_version,
            MAX_NAME_CHARS,
        );
        let (contracts, flags) = (&change.contracts, &change.flags);
        out.count(
            &format!("{at}.contracts"),
            "contracts",
            contracts.len(),
            MAX_LIST_ITEMS,
        );
        for (j, contract) in contracts.iter().take(MAX_LIST_ITEMS).enumerate() {
            let path = format!("{at}.contracts[{j}].version");
            out.long(&path, &contract.version, MAX_NAME_CHARS);
        }
        out.count(&format!("{at}.flags"), "flags", flags.len(), MAX_LIST_ITEMS);
        for (k, flag) in flags.iter().take(MAX_LIST_ITEMS).enumerate() {
            out.long(&format!("{at}.flags[{k}]"), flag, MAX_NAME_CHARS);
        }
        let migrations = &change.migrations;
        out.count(
            &format!("{at}.migrations"),
            "migrations",
            migrations.len(),
            MAX_LIST_ITEMS,
        );
        for (k, migration) in migrations.iter().take(MAX_LIST_ITEMS).enumerate() {
            let path = format!("{at}.migrations[{k}].name");
            out.long(&path, &migration.name, MAX_NAME_CHARS);
        }
        for (field, text) in [("runbook", &change.runbook), ("notes", &change.notes)] {
            if let Some(text) = text {
                out.long(&format!("{at}.{field}"), text, MAX_TEXT_CHARS);
            }
        }
    }
}

const SLUG_RULE: &str =
    "is not a slug: use 1-63 lowercase letters, digits and dashes, starting with a letter or digit";

/// Problems with their field paths, at most [`MAX_PROBLEMS`]; the rest are counted.
#[derive(Default)]
struct Problems {
    listed: Vec<PlanProblem>,
    left_out: usize,
    left_out_error: bool,
}

impl Problems {
    fn push(&mut self, problem: PlanProblem) {
        if self.listed.len() < MAX_PROBLEMS {
            self.listed.push(problem);
        } else {
            self.left_out += 1;
            self.left_out_error |= problem.is_error();
        }
    }

    fn error(&mut self, path: impl Into<String>, code: &str, message: impl Into<String>) {
        self.push(PlanProblem::error(PlanLocation::field(path), code, message));
    }

    /// [`OVER_LIMIT`] when a list has more than `max` entries.
    fn count(&mut self, path: &str, what: &str, len: usize, max: usize) {
        if len > max {
            self.error(
                path,
                OVER_LIMIT,
                format!("{len} {what}; a plan allows at most {max}"),
            );
        }
    }

    /// [`OVER_LIMIT`] when a text is longer than `max` characters.
    fn long(&mut self, path: &str, text: &str, max: usize) {
        // Counting stops past the limit: a 10 MB string costs no more than a short one.
        if text.chars().nth(max).is_some() {
            self.error(
                path,
                OVER_LIMIT,
                format!("'{}' is longer than {max} characters", shorten(text)),
            );
        }
    }

    fn warning(&mut self, path: impl Into<String>, code: &str, message: impl Into<String>) {
        self.push(PlanProblem::warning(
            PlanLocation::field(path),
            code,
            message,
        ));
    }

    /// The listed problems, and one saying how many more there are.
    fn into_vec(mut self) -> Vec<PlanProblem> {
        if self.left_out > 0 {
            let message = format!(
                "{} more problems are not listed; fix the ones above first",
                self.left_out
            );
            self.listed.push(if self.left_out_error {
                PlanProblem::error(PlanLocation::Plan, TOO_MANY_PROBLEMS, message)
            } else {
                PlanProblem::warning(PlanLocation::Plan, TOO_MANY_PROBLEMS, message)
            });
        }
        self.listed
    }
}

/// A value quoted in a message, cut short: it may come from a 10 MB file (or a metric batch).
pub(crate) fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_string(),
    }
}

/// A YAML value as written, for messages.
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{}'", shorten(s)),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "nothing".to_string(),
        Value::Sequence(_) => "a list".to_string(),
        Value::Mapping(_) => "a mapping".to_string(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

fn check_version(version: &str, path: &str, out: &mut Problems) {
    if version.trim().is_empty() {
        out.error(
            path,
            "INVALID_VERSION",
            "a version is required (e.g. 2.0.0)",
        );
    } else if version.chars().any(char::is_whitespace) {
        out.error(
            path,
            "INVALID_VERSION",
            format!("version '{}' contains spaces", shorten(version)),
        );
    }
}

/// Contracts, flags and migrations of one change.
fn check_change_parts(change: &Change, at: &str, out: &mut Problems) {
    let mut contracts = HashSet::new();
    for (j, contract) in change.contracts.iter().enumerate() {
        let path = format!("{at}.contracts[{j}]");
        if !is_valid_id(&contract.contract) {
            out.error(
                format!("{path}.contract"),
                "INVALID_CONTRACT",
                format!("contract id '{}' {SLUG_RULE}", shorten(&contract.contract)),
            );
        } else if !contracts.insert(contract.contract.as_str()) {
            out.error(
                format!("{path}.contract"),
                "DUPLICATE_CONTRACT",
                format!(
                    "contract '{}' is listed twice in this change",
                    contract.contract
                ),
            );
        }
        check_version(&contract.version, &format!("{path}.version"), out);
    }
    for (k, flag) in change.flags.iter().enumerate() {
        if flag.trim().is_empty() {
            out.error(
                format!("{at}.flags[{k}]"),
                "INVALID_FLAG",
                "a flag needs a name",
            );
        }
    }
    for (k, migration) in change.migrations.iter().enumerate() {
        if migration.name.trim().is_empty() {
            out.error(
                format!("{at}.migrations[{k}].name"),
                "INVALID_MIGRATION",
                "a migration needs a name",
            );
        }
    }
}

fn check_policy(policy: &Policy, out: &mut Problems) {
    check_values(
        "policy",
        Some(&policy.steps),
        Some(policy.bake_secs),
        Some(&policy.gates),
        Some(&policy.regions),
        policy.webhook.as_ref(),
        out,
    );
    let size = policy.max_services_per_stage;
    if size == 0 || size > MAX_STAGE_SIZE {
        out.error(
            "policy.max_services_per_stage",
            "INVALID_STAGE_SIZE",
            format!("max_services_per_stage is {size}; use 1 to {MAX_STAGE_SIZE}"),
        );
    }
}

fn check_override(path: &str, over: &PolicyOverride, out: &mut Problems) {
    check_values(
        path,
        over.steps.as_deref(),
        over.bake_secs,
        over.gates.as_deref(),
        over.regions.as_deref(),
        over.webhook.as_ref(),
        out,
    );
    if over.max_services_per_stage.is_some() {
        out.error(
            format!("{path}.max_services_per_stage"),
            "INVALID_POLICY",
            "max_services_per_stage applies to the whole plan: set it in the plan's policy",
        );
    }
}

/// The values a plan policy and its overrides share.
fn check_values(
    path: &str,
    steps: Option<&[u8]>,
    bake_secs: Option<u64>,
    gates: Option<&[Gate]>,
    regions: Option<&[String]>,
    webhook: Option<&Webhook>,
    out: &mut Problems,
) {
    if let Some(webhook) = webhook {
        check_webhook(&format!("{path}.webhook"), webhook, out);
    }
    if let Some(steps) = steps {
        check_steps(&format!("{path}.steps"), steps, out);
    }
    if let Some(secs) = bake_secs {
        let at = format!("{path}.bake");
        if secs > MAX_BAKE_SECS {
            out.error(
                at,
                "INVALID_BAKE",
                format!(
                    "a bake of {} is longer than {} (the limit): a typo?",
                    format_duration(secs),
                    format_duration(MAX_BAKE_SECS)
                ),
            );
        } else if secs > LONG_BAKE_SECS {
            out.warning(
                at,
                "LONG_BAKE",
                format!(
                    "a bake of {} per step is longer than a day",
                    format_duration(secs)
                ),
            );
        }
    }
    for (k, gate) in gates.unwrap_or_default().iter().enumerate() {
        check_gate(&format!("{path}.gates[{k}]"), gate, out);
    }
    if let Some(regions) = regions {
        let mut seen = HashSet::new();
        for region in regions {
            if region.trim().is_empty() {
                out.error(
                    format!("{path}.regions"),
                    "INVALID_REGIONS",
                    "a region needs a name",
                );
            } else if !seen.insert(region.as_str()) {
                out.error(
                    format!("{path}.regions"),
                    "INVALID_REGIONS",
                    format!("region '{}' is listed twice", shorten(region)),
                );
            }
        }
    }
}

fn check_steps(path: &str, steps: &[u8], out: &mut Problems) {
    let Some(&last) = steps.last() else {
        out.error(
            path,
            "INVALID_STEPS",
            "at least one exposure step is needed (the last one is 100)",
        );
        return;
    };
    for &step in steps {
        if step == 0 {
            out.error(path, "INVALID_STEPS", "a step of 0% exposes nothing");
        } else if step > 100 {
            out.error(
                path,
                "INVALID_STEPS",
                format!("a step of {step}% is above 100%"),
            );
        }
    }
    for pair in steps.windows(2) {
        if pair[1] <= pair[0] {
            out.error(
                path,
                "INVALID_STEPS",
                format!("steps must increase: {}% comes after {}%", pair[1], pair[0]),
            );
        }
    }
    if last != 100 {
        out.error(
            path,
            "INVALID_STEPS",
            format!("the last step must be 100% (all traffic), not {last}%"),
        );
    }
}

fn check_gate(path: &str, gate: &Gate, out: &mut Problems) {
    if !gate.max.is_finite() || gate.max < 0.0 {
        out.error(
            format!("{path}.max"),
            "INVALID_GATE",
            format!(
                "a {} gate's max must be a number of 0 or more, not {}",
                gate.signal.as_str(),
                gate.max
            ),
        );
    }
    if gate.signal == Signal::DataCheck && gate.check.as_deref().is_none_or(|c| c.trim().is_empty())
    {
        out.error(
            format!("{path}.check"),
            "INVALID_GATE",
            "a data_check gate names the endpoint it asks (check: https://checks.example/orders)",
        );
    } else if let (Signal::DataCheck, Some(check)) = (gate.signal, &gate.check) {
        if !is_http_url(check) {
            out.error(
                format!("{path}.check"),
                "INVALID_GATE",
                format!(
                    "check '{}' is not an http(s) URL (https://checks.example/orders)",
                    shorten(check)
                ),
            );
        }
    }
    if gate.relative && !matches!(gate.signal, Signal::ErrorRate | Signal::LatencyP99) {
        out.error(
            format!("{path}.relative"),
            "INVALID_GATE",
            format!(
                "a {} gate cannot be relative: only error_rate and latency_p99 compare with the stable version",
                gate.signal.as_str()
            ),
        );
    }
    if gate.min_samples > MAX_MIN_SAMPLES {
        out.error(
            format!("{path}.min_samples"),
            "INVALID_GATE",
            format!(
                "min_samples is {}; use 0 to {MAX_MIN_SAMPLES}",
                gate.min_samples
            ),
        );
    }
    if gate.signal == Signal::BurnRate {
        if !(gate.objective > 0.0 && gate.objective < 100.0) {
            out.error(
                format!("{path}.objective"),
                "INVALID_GATE",
                format!(
                    "objective is a percentage above 0 and below 100 (99.9), not {}",
                    gate.objective
                ),
            );
        }
    } else if gate.objective != DEFAULT_OBJECTIVE {
        out.error(
            format!("{path}.objective"),
            "INVALID_GATE",
            format!(
                "objective applies to burn_rate gates only, not to {}",
                gate.signal.as_str()
            ),
        );
    }
    match gate.window_secs {
        Some(0) => out.error(
            format!("{path}.window"),
            "INVALID_GATE",
            "a window of 0s measures nothing",
        ),
        Some(secs) if secs > MAX_BAKE_SECS => out.error(
            format!("{path}.window"),
            "INVALID_GATE",
            format!(
                "a window of {} is longer than {} (the limit)",
                format_duration(secs),
                format_duration(MAX_BAKE_SECS)
            ),
        ),
        _ => {}
    }
}

fn check_webhook(path: &str, webhook: &Webhook, out: &mut Problems) {
    if !is_http_url(&webhook.url) {
        out.error(
            format!("{path}.url"),
            "INVALID_WEBHOOK",
            format!(
                "url '{}' is not an http(s) URL (https://deploy.example/hooks/breakwater)",
                shorten(&webhook.url)
            ),
        );
    }
    if !is_env_name(&webhook.secret_env) {
        out.error(
            format!("{path}.secret_env"),
            "INVALID_WEBHOOK",
            format!(
                "secret_env '{}' is not an environment variable name: capital letters, digits \
                 and underscores, not starting with a digit (BREAKWATER_HOOK_SECRET)",
                shorten(&webhook.secret_env)
            ),
        );
    }
}

/// `http://` or `https://`, a host, and no spaces or control characters.
pub fn is_http_url(text: &str) -> bool {
    let lower = |n: usize| text.get(..n).map(str::to_ascii_lowercase);
    let rest = if lower(7).as_deref() == Some("http://") {
        &text[7..]
    } else if lower(8).as_deref() == Some("https://") {
        &text[8..]
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty() && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `[A-Z_][A-Z0-9_]*`, at most [`MAX_ENV_NAME_CHARS`] (the limit is reported by itself).
fn is_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_uppercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn check_pinned(spec: &PlanSpec, pinned: &[Vec<String>], out: &mut Problems) {
    let changed: HashSet<&str> = spec.changes.iter().map(|c| c.service.as_str()).collect();
    let mut placed = HashSet::new();
    for (k, stage) in pinned.iter().enumerate() {
        let at = format!("stages[{k}]");
        if stage.is_empty() {
            out.error(
                &at,
                "PINNED_EMPTY",
                format!("stage {} has no services", k + 1),
            );
        }
        for service in stage {
            if !changed.contains(service.as_str()) {
                out.error(
                    &at,
                    "PINNED_UNKNOWN",
                    format!(
                        "stage {} lists '{}', which the plan does not change",
                        k + 1,
                        shorten(service)
                    ),
                );
            } else if !placed.insert(service.as_str()) {
                out.error(
                    &at,
                    "PINNED_DUPLICATE",
                    format!("'{service}' is listed twice: a service rolls out in one stage"),
                );
            }
        }
    }
    for change in &spec.changes {
        if placed.insert(change.service.as_str()) {
            out.error(
                "stages",
                "PINNED_MISSING",
                format!(
                    "'{}' is changed but in none of the stages",
                    shorten(&change.service)
                ),
            );
        }
    }
}

/// Converts the loose file into a [`PlanSpec`], recording a problem for every value it cannot
/// read and using a placeholder that keeps every index (so paths of later problems stay right).
struct Convert<'a> {
    specs: &'a mut dyn SpecSource,
    problems: Problems,
}

impl Convert<'_> {
    fn plan(&mut self, file: PlanFile) -> PlanSpec {
        let (policy, stage_policies) = match file.policy {
            None => (Policy::default(), Vec::new()),
            Some(mut entry) => {
                let stages = entry.stages.take().unwrap_or_default();
                self.misplaced_stage(&entry, "policy");
                let over = self.policy_override(entry, "policy");
                let stage_policies = stages
                    .into_iter()
                    .enumerate()
                    .map(|(k, entry)| self.stage_policy(entry, &format!("policy.stages[{k}]")))
                    .collect();
                (Policy::default().with(&over), stage_policies)
            }
        };
        let changes = file
            .changes
            .into_iter()
            .enumerate()
            .map(|(i, entry)| self.change(entry, &format!("changes[{i}]")))
            .collect();
        PlanSpec {
            name: file.plan.unwrap_or_default(),
            title: file.title,
            changes,
            policy,
            stage_policies,
            pinned: file.stages,
        }
    }

    fn misplaced_stage(&mut self, entry: &PolicyEntry, path: &str) {
        if entry.stage.is_some() {
            self.problems.error(
                format!("{path}.stage"),
                "INVALID_POLICY",
                "`stage:` belongs in an entry of the plan policy's `stages:`",
            );
        }
    }

    fn misplaced_stages(&mut self, entry: &PolicyEntry, path: &str) {
        if entry.stages.is_some() {
            self.problems.error(
                format!("{path}.stages"),
                "INVALID_POLICY",
                "per-stage overrides belong in the plan's policy",
            );
        }
    }

    fn stage_policy(&mut self, entry: PolicyEntry, path: &str) -> (usize, PolicyOverride) {
        self.misplaced_stages(&entry, path);
        let at = format!("{path}.stage");
        // 0 is the placeholder: validation reports it at the same field, so once.
        let stage = match &entry.stage {
            None => {
                self.problems.error(
                    &at,
                    "INVALID_STAGE",
                    "an override names its stage (stage: 1)",
                );
                0
            }
            Some(value) => match value.as_u64().and_then(|n| usize::try_from(n).ok()) {
                Some(stage) => stage,
                None => {
                    self.problems.error(
                        &at,
                        "INVALID_STAGE",
                        format!("stage {} is not a stage number (1, 2, ...)", shown(value)),
                    );
                    0
                }
            },
        };
        (stage, self.policy_override(entry, path))
    }

    fn policy_override(&mut self, entry: PolicyEntry, path: &str) -> PolicyOverride {
        PolicyOverride {
            steps: entry.steps.map(|steps| self.steps(&steps, path)),
            bake_secs: entry
                .bake
                .and_then(|bake| self.duration(&bake, &format!("{path}.bake"), "INVALID_BAKE")),
            gates: entry.gates.map(|gates| {
                gates
                    .into_iter()
                    .enumerate()
                    .map(|(k, gate)| self.gate(gate, &format!("{path}.gates[{k}]")))
                    .collect()
            }),
            max_services_per_stage: entry
                .max_services_per_stage
                .and_then(|size| self.stage_size(&size, path)),
            regions: entry.regions,
            on_failure: entry
                .on_failure
                .and_then(|action| self.on_failure(&action, path)),
            webhook: entry
                .webhook
                .and_then(|webhook| self.webhook(webhook, &format!("{path}.webhook"))),
        }
    }

    /// A webhook when both its values are text (their form is checked by validation).
    fn webhook(&mut self, entry: WebhookEntry, path: &str) -> Option<Webhook> {
        let url = self.text(entry.url, &format!("{path}.url"), "a webhook needs its url");
        let secret_env = self.text(
            entry.secret_env,
            &format!("{path}.secret_env"),
            "a webhook names the environment variable holding its secret (secret_env: HOOK_SECRET)",
        );
        Some(Webhook {
            url: url?,
            secret_env: secret_env?,
        })
    }

    fn text(&mut self, value: Option<Value>, path: &str, missing: &str) -> Option<String> {
        match value {
            Some(Value::String(text)) => Some(text),
            None => {
                self.problems.error(path, "INVALID_WEBHOOK", missing);
                None
            }
            Some(other) => {
                self.problems.error(
                    path,
                    "INVALID_WEBHOOK",
                    format!("expected text, not {}", shown(&other)),
                );
                None
            }
        }
    }

    /// The whole percentages of a `steps:` list; anything else is reported and left out.
    fn steps(&mut self, values: &[Value], path: &str) -> Vec<u8> {
        // The first few bad values are quoted, the rest counted: the list may be 10 MB long.
        const QUOTED: usize = 5;
        let mut bad = Vec::new();
        let mut more = 0;
        let steps = values
            .iter()
            .filter_map(
                |value| match value.as_u64().and_then(|n| u8::try_from(n).ok()) {
                    Some(step) if step <= 100 => Some(step),
                    _ if bad.len() < QUOTED => {
                        bad.push(shown(value));
                        None
                    }
                    _ => {
                        more += 1;
                        None
                    }
                },
            )
            .collect();
        if !bad.is_empty() {
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            self.problems.error(
                format!("{path}.steps"),
                "INVALID_STEPS",
                format!(
                    "steps are whole percentages from 1 to 100, not {}{more}",
                    bad.join(", ")
                ),
            );
        }
        steps
    }

    fn duration(&mut self, value: &Value, path: &str, code: &str) -> Option<u64> {
        let secs = match value {
            Value::Number(n) => n.as_u64(),
            Value::String(text) => parse_duration(text),
            _ => None,
        };
        if secs.is_none() {
            self.problems.error(
                path,
                code,
                format!("{} is not a duration: {DURATION_RULE}", shown(value)),
            );
        }
        secs
    }

    fn stage_size(&mut self, value: &Value, path: &str) -> Option<usize> {
        let size = value.as_u64().and_then(|n| usize::try_from(n).ok());
        if size.is_none() {
            self.problems.error(
                format!("{path}.max_services_per_stage"),
                "INVALID_STAGE_SIZE",
                format!(
                    "max_services_per_stage is {}; use a whole number from 1 to {MAX_STAGE_SIZE}",
                    shown(value)
                ),
            );
        }
        size
    }

    fn on_failure(&mut self, text: &str, path: &str) -> Option<FailureAction> {
        let action = FAILURE_ACTIONS.into_iter().find(|a| a.as_str() == text);
        if action.is_none() {
            self.problems.error(
                format!("{path}.on_failure"),
                "INVALID_ON_FAILURE",
                format!(
                    "on_failure '{}' is not pause, rollback_stage or rollback_plan",
                    shorten(text)
                ),
            );
        }
        action
    }

    fn gate(&mut self, entry: GateEntry, path: &str) -> Gate {
        let name = entry.signal.unwrap_or_default();
        let signal = SIGNALS.into_iter().find(|s| s.as_str() == name);
        if signal.is_none() {
            self.problems.error(
                format!("{path}.signal"),
                "INVALID_GATE",
                format!(
                    "signal '{}' is not error_rate, latency_p99, burn_rate or data_check",
                    shorten(&name)
                ),
            );
        }
        let mut gate = Gate::new(signal.unwrap_or(Signal::ErrorRate), 0.0);
        let at = format!("{path}.max");
        // NaN is the placeholder: validation reports it at the same field, so once.
        gate.max = match (&entry.max, signal) {
            (Some(value), _) => value.as_f64().unwrap_or_else(|| {
                self.problems.error(
                    &at,
                    "INVALID_GATE",
                    format!("max {} is not a number", shown(value)),
                );
                f64::NAN
            }),
            (None, Some(signal)) if signal != Signal::DataCheck => {
                self.problems.error(
                    &at,
                    "INVALID_GATE",
                    format!(
                        "a {} gate needs its threshold (max, in {})",
                        signal.as_str(),
                        signal.unit()
                    ),
                );
                f64::NAN
            }
            (None, _) => 0.0,
        };
        gate.window_secs = entry
            .window
            .and_then(|window| self.duration(&window, &format!("{path}.window"), "INVALID_GATE"));
        gate.check = entry.check;
        if let Some(value) = entry.downstream {
            match value.as_bool() {
                Some(downstream) => gate.downstream = downstream,
                None => self.problems.error(
                    format!("{path}.downstream"),
                    "INVALID_GATE",
                    format!("downstream is true or false, not {}", shown(&value)),
                ),
            }
        }
        if let Some(value) = entry.relative {
            match value.as_bool() {
                Some(relative) => gate.relative = relative,
                None => self.problems.error(
                    format!("{path}.relative"),
                    "INVALID_GATE",
                    format!("relative is true or false, not {}", shown(&value)),
                ),
            }
        }
        if let Some(value) = entry.min_samples {
            match value.as_u64() {
                Some(count) => gate.min_samples = count,
                None => self.problems.error(
                    format!("{path}.min_samples"),
                    "INVALID_GATE",
                    format!(
                        "min_samples is a whole number of requests from 0 to {MAX_MIN_SAMPLES}, not {}",
                        shown(&value)
                    ),
                ),
            }
        }
        if let Some(value) = entry.objective {
            // NaN is the placeholder: validation reports it at the same field, so once.
            gate.objective = value.as_f64().unwrap_or_else(|| {
                self.problems.error(
                    format!("{path}.objective"),
                    "INVALID_GATE",
                    format!("objective {} is not a number", shown(&value)),
                );
                f64::NAN
            });
        }
        gate
    }

    fn change(&mut self, entry: ChangeEntry, path: &str) -> Change {
        let policy = entry.policy.map(|policy| {
            let at = format!("{path}.policy");
            self.misplaced_stage(&policy, &at);
            self.misplaced_stages(&policy, &at);
            self.policy_override(policy, &at)
        });
        Change {
            service: entry.service.unwrap_or_default(),
            to_version: entry.to_version.unwrap_or_default(),
            contracts: entry
                .contracts
                .into_iter()
                .enumerate()
                .map(|(j, contract)| self.contract(contract, &format!("{path}.contracts[{j}]")))
                .collect(),
            flags: entry.flags,
            migrations: entry
                .migrations
                .into_iter()
                .enumerate()
                .map(|(k, m)| self.migration(m, &format!("{path}.migrations[{k}]")))
                .collect(),
            runbook: entry.runbook,
            notes: entry.notes,
            policy,
        }
    }

    /// A contract change; its document is empty when it could not be had (reported here).
    fn contract(&mut self, entry: ContractEntry, path: &str) -> ContractChange {
        let contract = entry.contract.unwrap_or_default();
        let document = match (entry.spec, entry.document) {
            (None, Some(document)) => document,
            (Some(spec), None) => self.specs.read(&spec).unwrap_or_else(|why| {
                self.problems.error(
                    format!("{path}.spec"),
                    "SPEC_UNREADABLE",
                    format!(
                        "spec '{}' of contract '{}' cannot be read: {why}",
                        shorten(&spec),
                        shorten(&contract)
                    ),
                );
                String::new()
            }),
            (Some(_), Some(_)) => {
                self.problems.error(
                    path,
                    "SPEC_AMBIGUOUS",
                    "give the new contract version as a spec path or an inline document, not both",
                );
                String::new()
            }
            (None, None) => {
                self.problems.error(
                    path,
                    "SPEC_MISSING",
                    format!(
                        "contract '{}' needs its new spec: a path (spec:) or the text (document:)",
                        shorten(&contract)
                    ),
                );
                String::new()
            }
        };
        ContractChange {
            contract,
            version: entry.version.unwrap_or_default(),
            document,
        }
    }

    fn migration(&mut self, entry: MigrationEntry, path: &str) -> Migration {
        let phase_name = entry.phase.unwrap_or_default();
        let phase = match phase_name.as_str() {
            "expand" => Phase::Expand,
            "contract" => Phase::Contract,
            other => {
                self.problems.error(
                    format!("{path}.phase"),
                    "INVALID_MIGRATION",
                    format!("phase '{}' is not expand or contract", shorten(other)),
                );
                Phase::Expand
            }
        };
        let reversible = match entry.reversible {
            None => true,
            Some(value) => value.as_bool().unwrap_or_else(|| {
                self.problems.error(
                    format!("{path}.reversible"),
                    "INVALID_MIGRATION",
                    format!("reversible is true or false, not {}", shown(&value)),
                );
                true
            }),
        };
        Migration {
            name: entry.name.unwrap_or_default(),
            phase,
            reversible,
        }
    }
}

/// A threshold as a YAML number: whole values as integers (`max: 500`, not `500.0`).
fn threshold(max: f64) -> Value {
    // Whole and well inside the range where i64 and f64 agree exactly.
    if max.fract() == 0.0 && max.abs() < 1e15 {
        Value::from(max as i64)
    } else {
        Value::from(max)
    }
}

impl From<&Gate> for GateEntry {
    fn from(gate: &Gate) -> Self {
        let default = Gate::new(gate.signal, 0.0);
        GateEntry {
            signal: Some(gate.signal.as_str().to_string()),
            // A data check's threshold is unused: written only when someone set one.
            max: (gate.signal != Signal::DataCheck || gate.max != 0.0).then(|| threshold(gate.max)),
            window: gate
                .window_secs
                .map(|secs| Value::from(format_duration(secs))),
            check: gate.check.clone(),
            downstream: (gate.downstream != default.downstream)
                .then_some(Value::from(gate.downstream)),
            relative: gate.relative.then_some(Value::from(true)),
            min_samples: (gate.min_samples != DEFAULT_MIN_SAMPLES)
                .then_some(Value::from(gate.min_samples)),
            objective: (gate.objective != DEFAULT_OBJECTIVE).then(|| Value::from(gate.objective)),
        }
    }
}

impl From<&PolicyOverride> for PolicyEntry {
    fn from(over: &PolicyOverride) -> Self {
        PolicyEntry {
            stage: None,
            steps: over
                .steps
                .as_ref()
                .map(|steps| steps.iter().map(|&s| Value::from(s)).collect()),
            bake: over
                .bake_secs
                .map(|secs| Value::from(format_duration(secs))),
            gates: over
                .gates
                .as_ref()
                .map(|gates| gates.iter().map(GateEntry::from).collect()),
            max_services_per_stage: over.max_services_per_stage.map(|n| Value::from(n as u64)),
            regions: over.regions.clone(),
            on_failure: over.on_failure.map(|a| a.as_str().to_string()),
            webhook: over.webhook.as_ref().map(|webhook| WebhookEntry {
                url: Some(Value::from(webhook.url.as_str())),
                secret_env: Some(Value::from(webhook.secret_env.as_str())),
            }),
            stages: None,
        }
    }
}

impl From<&Policy> for PolicyOverride {
    /// Every value of the policy, as an override that sets them all.
    fn from(policy: &Policy) -> Self {
        PolicyOverride {
            steps: Some(policy.steps.clone()),
            bake_secs: Some(policy.bake_secs),
            gates: Some(policy.gates.clone()),
            max_services_per_stage: Some(policy.max_services_per_stage),
            regions: Some(policy.regions.clone()),
            on_failure: Some(policy.on_failure),
            webhook: policy.webhook.clone(),
        }
    }
}

impl From<&Change> for ChangeEntry {
    fn from(change: &Change) -> Self {
        ChangeEntry {
            service: Some(change.service.clone()),
            to_version: Some(change.to_version.clone()),
            contracts: change
                .contracts
                .iter()
                .map(|c| ContractEntry {
                    contract: Some(c.contract.clone()),
                    version: Some(c.version.clone()),
                    spec: None,
                    document: Some(c.document.clone()),
                })
                .collect(),
            flags: change.flags.clone(),
            migrations: change
                .migrations
                .iter()
                .map(|m| MigrationEntry {
                    name: Some(m.name.clone()),
                    phase: Some(m.phase.as_str().to_string()),
                    reversible: Some(Value::from(m.reversible)),
                })
                .collect(),
            runbook: change.runbook.clone(),
            notes: change.notes.clone(),
            policy: change.policy.as_ref().map(PolicyEntry::from),
        }
    }
}

impl From<&PlanSpec> for PlanFile {
    fn from(spec: &PlanSpec) -> Self {
        let mut policy = PolicyEntry::from(&PolicyOverride::from(&spec.policy));
        if !spec.stage_policies.is_empty() {
            policy.stages = Some(
                spec.stage_policies
                    .iter()
                    .map(|(stage, over)| PolicyEntry {
                        stage: Some(Value::from(*stage as u64)),
                        ..PolicyEntry::from(over)
                    })
                    .collect(),
            );
        }
        PlanFile {
            plan: Some(spec.name.clone()),
            title: spec.title.clone(),
            policy: Some(policy),
            changes: spec.changes.iter().map(ChangeEntry::from).collect(),
            stages: spec.pinned.clone(),
        }
    }
}
