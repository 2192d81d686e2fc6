//! The service catalog: Services, the Contracts they provide and the Dependencies between them.
//!
//! A catalog arrives as YAML ([`CatalogFile`]); [`load`] turns it into a [`Catalog`] and lists
//! every [`Problem`] at once. Contract specs are referenced by path in the file; the caller passes
//! a `SpecSource` that reads them, so this module never touches the file system.

use crate::contract::{self, ContractKind, Mode};
use crate::graph::ServiceGraph;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Catalog files larger than this are refused before parsing.
pub const MAX_CATALOG_BYTES: usize = 10 * 1024 * 1024;
/// How many cycles of each kind are listed before the rest are summarised.
const MAX_CYCLES_REPORTED: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Critical,
    Standard,
    Low,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Critical => "critical",
            Tier::Standard => "standard",
            Tier::Low => "low",
        }
    }

    fn parse(s: &str) -> Option<Tier> {
        match s {
            "critical" => Some(Tier::Critical),
            "standard" => Some(Tier::Standard),
            "low" => Some(Tier::Low),
            _ => None,
        }
    }
}

/// A hard dependency fails its consumer when it fails; a soft one degrades it gracefully.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DependencyKind {
    #[default]
    Hard,
    Soft,
}

impl DependencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DependencyKind::Hard => "hard",
            DependencyKind::Soft => "soft",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub services: Vec<Service>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub tier: Tier,
    pub regions: Vec<String>,
    pub version: String,
    pub provides: Vec<Contract>,
    pub depends_on: Vec<Dependency>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contract {
    pub id: String,
    pub kind: ContractKind,
    pub version: String,
    /// How new versions must stay compatible with earlier ones (Schema Registry modes).
    pub mode: Mode,
    /// The spec document's text (YAML or JSON), as stored with the catalog.
    pub document: String,
}

/// `consumer` (the service that declares it) depends on `service`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    pub service: String,
    pub contract: Option<String>,
    /// The operations of the contract the consumer calls (`POST /charges`); empty when unknown.
    pub uses: Vec<String>,
    /// The contract version the consumer was built against; `None` means it follows the provider
    /// (it is on the version before the current one until it says otherwise).
    pub contract_version: Option<String>,
    pub kind: DependencyKind,
}

impl Catalog {
    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// The service that provides a contract, with the contract.
    pub fn contract(&self, id: &str) -> Option<(&Service, &Contract)> {
        self.services
            .iter()
            .find_map(|s| s.provides.iter().find(|c| c.id == id).map(|c| (s, c)))
    }

    /// Every problem in the catalog's content (structure problems are found by [`load`]).
    pub fn validate(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut index = Index::default();
        for service in &self.services {
            check_service(service, &mut index, &mut problems);
        }
        for service in &self.services {
            check_dependencies(service, &mut index, &mut problems);
        }
        check_cycles(&ServiceGraph::new(self), &mut problems);
        problems
    }

    /// The catalog as a self-contained YAML file: spec documents are written inline.
    pub fn to_yaml(&self) -> String {
        let file = CatalogFile {
            services: self.services.iter().map(ServiceEntry::from).collect(),
        };
        serde_yaml_ng::to_string(&file).expect("a catalog always serialises to YAML")
    }
}

/// What validation looks up by id, built once so that validation stays linear in the catalog.
#[derive(Default)]
struct Index<'a> {
    services: HashSet<&'a str>,
    /// Contract id → (providing service, contract).
    contracts: HashMap<&'a str, (&'a str, &'a Contract)>,
    /// Canonical operation keys of each OpenAPI contract, parsed on first use; `None` when the
    /// spec does not parse (reported on the provider).
    operations: HashMap<&'a str, Option<HashSet<String>>>,
}

impl<'a> Index<'a> {
    fn operations(&mut self, contract: &'a Contract) -> Option<&HashSet<String>> {
        self.operations
            .entry(&contract.id)
            .or_insert_with(|| {
                let doc = contract::parse_document(&contract.document).ok()?;
                let operations = contract::openapi::operations(&doc).ok()?;
                Some(
                    operations
                        .iter()
                        .filter_map(|op| contract::openapi::normalize_operation_key(op))
                        .collect(),
                )
            })
            .as_ref()
    }
}

fn check_service<'a>(service: &'a Service, index: &mut Index<'a>, problems: &mut Vec<Problem>) {
    let at = Location::service(&service.id);
    if !is_valid_id(&service.id) {
        problems.push(Problem::error(
            &at,
            "INVALID_ID",
            format!("service id '{}' {ID_RULE}", shorten(&service.id)),
        ));
    }
    if !index.services.insert(&service.id) {
        problems.push(Problem::error(
            &at,
            "DUPLICATE_ID",
            format!("service id '{}' is used more than once", service.id),
        ));
    }
    if service.owner.trim().is_empty() {
        problems.push(Problem::error(
            &at,
            "MISSING_OWNER",
            "every service needs an owner team",
        ));
    }
    if service.version.trim().is_empty() {
        problems.push(Problem::error(
            &at,
            "MISSING_VERSION",
            "every service needs its current version",
        ));
    }
    for contract in &service.provides {
        if !is_valid_id(&contract.id) {
            problems.push(Problem::error(
                &at,
                "INVALID_ID",
                format!("contract id '{}' {ID_RULE}", shorten(&contract.id)),
            ));
        }
        if let Some((other, _)) = index
            .contracts
            .insert(&contract.id, (&service.id, contract))
        {
            problems.push(Problem::error(
                &at,
                "DUPLICATE_ID",
                format!(
                    "contract '{}' is also provided by '{other}'; contract ids are unique",
                    contract.id
                ),
            ));
        }
        match contract::parse_document(&contract.document) {
            Err(e) => problems.push(Problem::error(
                &at,
                "SPEC_INVALID",
                format!("spec of contract '{}' at {e}", contract.id),
            )),
            // Readable but not OpenAPI: stored (tools accept sloppy specs), but said, because
            // the matrix and can-i-deploy cannot compare it.
            Ok(doc) if contract.kind == ContractKind::OpenApi => {
                if let Err(e) = contract::openapi::operations(&doc) {
                    problems.push(Problem::warning(
                        &at,
                        "SPEC_NOT_OPENAPI",
                        format!(
                            "spec of contract '{}' is not valid OpenAPI, so it cannot be \
                             compared with other versions: at {e}",
                            contract.id
                        ),
                    ));
                }
            }
            Ok(_) => {}
        }
    }
}

fn check_dependencies<'a>(consumer: &Service, index: &mut Index<'a>, problems: &mut Vec<Problem>) {
    let at = Location::service(&consumer.id);
    let mut seen = HashSet::new();
    for dep in &consumer.depends_on {
        if dep.service == consumer.id {
            problems.push(Problem::error(
                &at,
                "SELF_DEPENDENCY",
                format!("'{}' depends on itself", consumer.id),
            ));
            continue;
        }
        if !index.services.contains(dep.service.as_str()) {
            problems.push(Problem::error(
                &at,
                "UNKNOWN_SERVICE",
                format!("depends on unknown service '{}'", shorten(&dep.service)),
            ));
        }
        if !seen.insert((&dep.service, &dep.contract)) {
            problems.push(Problem::warning(
                &at,
                "DUPLICATE_DEPENDENCY",
                format!("the dependency on '{}' is listed twice", dep.service),
            ));
        }
        let Some(contract_id) = &dep.contract else {
            continue;
        };
        match index.contracts.get(contract_id.as_str()).copied() {
            None => problems.push(Problem::error(
                &at,
                "UNKNOWN_CONTRACT",
                format!("depends on unknown contract '{}'", shorten(contract_id)),
            )),
            Some((owner, _)) if owner != dep.service => problems.push(Problem::error(
                &at,
                "CONTRACT_NOT_PROVIDED",
                format!(
                    "contract '{contract_id}' is provided by '{owner}', not by '{}'",
                    dep.service
                ),
            )),
            Some((_, contract)) => check_uses(consumer, dep, contract, index, problems),
        }
    }
}

/// Operations a consumer says it uses must exist in the provider's OpenAPI contract, unless
/// the consumer is pinned to another version of it (the current one may have dropped an
/// operation the old one had: the matrix says whether that breaks the consumer).
fn check_uses<'a>(
    consumer: &Service,
    dep: &Dependency,
    contract: &'a Contract,
    index: &mut Index<'a>,
    problems: &mut Vec<Problem>,
) {
    let pinned_elsewhere = dep
        .contract_version
        .as_ref()
        .is_some_and(|v| *v != contract.version);
    if contract.kind != ContractKind::OpenApi || dep.uses.is_empty() || pinned_elsewhere {
        return;
    }
    let Some(known) = index.operations(contract) else {
        return;
    };
    for used in &dep.uses {
        let found = contract::openapi::normalize_operation_key(used)
            .is_some_and(|key| known.contains(&key));
        if !found {
            problems.push(Problem::error(
                &Location::service(&consumer.id),
                "UNKNOWN_OPERATION",
                format!(
                    "uses '{}', which contract '{}' does not define",
                    shorten(used),
                    contract.id
                ),
            ));
        }
    }
}

fn check_cycles(graph: &ServiceGraph, problems: &mut Vec<Problem>) {
    let cycles = graph.cycles(MAX_CYCLES_REPORTED + 1);
    let (hard, soft): (Vec<_>, Vec<_>) = cycles.into_iter().partition(|c| c.is_hard());
    for (cycles, is_hard) in [(hard, true), (soft, false)] {
        for cycle in cycles.iter().take(MAX_CYCLES_REPORTED) {
            let at = Location::service(&cycle.services[0]);
            if is_hard {
                problems.push(Problem::error(
                    &at,
                    "HARD_CYCLE",
                    format!("dependency cycle: {cycle} (all hard: nothing can be deployed first)"),
                ));
            } else {
                problems.push(Problem::warning(
                    &at,
                    "SOFT_CYCLE",
                    format!("dependency cycle through a soft dependency: {cycle}"),
                ));
            }
        }
        if cycles.len() > MAX_CYCLES_REPORTED {
            problems.push(Problem::warning(
                &Location::Catalog,
                "MORE_CYCLES",
                "more cycles exist than are listed here",
            ));
        }
    }
}

/// A value as quoted in a message: ids and names from the file are echoed, but a hostile
/// megabyte-long one must not be, once per problem.
fn shorten(value: &str) -> String {
    const MAX_CHARS: usize = 64;
    match value.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_string(),
    }
}

const ID_RULE: &str =
    "is not a valid id: use 1-63 lowercase letters, digits and dashes, starting with a letter or digit";

/// Ids are slugs: they appear in URLs, metric labels and file names.
pub fn is_valid_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// Where a problem is: the whole file, a YAML position, or a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "at")]
pub enum Location {
    Catalog,
    Text { line: usize, column: usize },
    Service { id: String },
}

impl Location {
    fn service(id: &str) -> Location {
        Location::Service { id: shorten(id) }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Catalog => f.write_str("catalog"),
            Location::Text { line, column } => write!(f, "line {line}, column {column}"),
            Location::Service { id } => write!(f, "service '{id}'"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub severity: Severity,
    pub location: Location,
    /// Stable machine code, e.g. `UNKNOWN_SERVICE`, `HARD_CYCLE`.
    pub code: String,
    pub message: String,
}

impl Problem {
    fn new(
        severity: Severity,
        location: &Location,
        code: &str,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            severity,
            location: location.clone(),
            code: code.to_string(),
            message: message.into(),
        }
    }

    pub fn error(location: &Location, code: &str, message: impl Into<String>) -> Self {
        Problem::new(Severity::Error, location, code, message)
    }

    pub fn warning(location: &Location, code: &str, message: impl Into<String>) -> Self {
        Problem::new(Severity::Warning, location, code, message)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{severity} [{}] {}: {}",
            self.code, self.location, self.message
        )
    }
}

/// The YAML catalog file as written by people. Everything is loosely typed here so that
/// [`load`] can report every bad value at once instead of stopping at the first.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    pub services: Vec<ServiceEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provides: Vec<ContractEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<DependencyEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractEntry {
    pub contract: String,
    pub kind: String,
    pub version: String,
    /// Compatibility mode for new versions: backward (default), forward, full, their
    /// `-transitive` variants, or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<String>,
    /// Path of the spec file, relative to the catalog file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// The spec inline, as text (what `catalog export` writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DependencyEntry {
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<String>,
    /// The contract version this consumer was built against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
}

impl From<&Service> for ServiceEntry {
    fn from(s: &Service) -> Self {
        ServiceEntry {
            id: s.id.clone(),
            name: Some(s.name.clone()),
            owner: s.owner.clone(),
            tier: s.tier.as_str().to_string(),
            regions: s.regions.clone(),
            version: s.version.clone(),
            provides: s
                .provides
                .iter()
                .map(|c| ContractEntry {
                    contract: c.id.clone(),
                    kind: c.kind.as_str().to_string(),
                    version: c.version.clone(),
                    compatibility: Some(c.mode.as_str().to_string()),
                    spec: None,
                    document: Some(c.document.clone()),
                })
                .collect(),
            depends_on: s
                .depends_on
                .iter()
                .map(|d| DependencyEntry {
                    service: d.service.clone(),
                    contract: d.contract.clone(),
                    uses: d.uses.clone(),
                    contract_version: d.contract_version.clone(),
                    kind: Some(d.kind.as_str().to_string()),
                })
                .collect(),
        }
    }
}

/// Reads a spec file named in the catalog (path relative to the catalog file).
pub trait SpecSource {
    fn read(&mut self, path: &str) -> Result<String, String>;
}

impl<F: FnMut(&str) -> Result<String, String>> SpecSource for F {
    fn read(&mut self, path: &str) -> Result<String, String> {
        self(path)
    }
}

/// The result of loading a catalog file: the catalog when its structure could be read, and
/// every problem found. The catalog may be imported only when [`Loaded::is_valid`].
#[derive(Debug, Clone)]
pub struct Loaded {
    pub catalog: Option<Catalog>,
    pub problems: Vec<Problem>,
}

impl Loaded {
    pub fn is_valid(&self) -> bool {
        self.catalog.is_some() && !self.problems.iter().any(Problem::is_error)
    }

    fn refused(problem: Problem) -> Loaded {
        Loaded {
            catalog: None,
            problems: vec![problem],
        }
    }
}

/// Parse and validate a YAML catalog, reading spec files through `specs`.
pub fn load(text: &str, specs: &mut dyn SpecSource) -> Loaded {
    if text.len() > MAX_CATALOG_BYTES {
        return Loaded::refused(Problem::error(
            &Location::Catalog,
            "TOO_LARGE",
            format!(
                "the catalog is {:.1} MB; the limit is {} MB",
                text.len() as f64 / 1e6,
                MAX_CATALOG_BYTES / (1024 * 1024)
            ),
        ));
    }
    let scan = match crate::yaml::check_nesting(text) {
        Ok(scan) => scan,
        Err(e) => {
            let location = Location::Text {
                line: e.line,
                column: e.column,
            };
            return Loaded::refused(Problem::error(&location, "TOO_DEEP", e.to_string()));
        }
    };
    let file: CatalogFile = match crate::yaml::from_scanned(text, scan) {
        Ok(file) => file,
        Err(e) => {
            let location = e
                .location()
                .map(|l| Location::Text {
                    line: l.line(),
                    column: l.column(),
                })
                .unwrap_or(Location::Catalog);
            return Loaded::refused(Problem::error(&location, "YAML_SYNTAX", e.to_string()));
        }
    };
    let mut problems = Vec::new();
    let services = file
        .services
        .into_iter()
        .map(|entry| convert_service(entry, specs, &mut problems))
        .collect();
    let catalog = Catalog { services };
    problems.extend(catalog.validate());
    Loaded {
        catalog: Some(catalog),
        problems,
    }
}

fn convert_service(
    entry: ServiceEntry,
    specs: &mut dyn SpecSource,
    problems: &mut Vec<Problem>,
) -> Service {
    let at = Location::service(&entry.id);
    let tier = Tier::parse(&entry.tier).unwrap_or_else(|| {
        problems.push(Problem::error(
            &at,
            "INVALID_TIER",
            format!(
                "tier '{}' is not one of critical, standard, low",
                entry.tier
            ),
        ));
        Tier::Standard
    });
    let provides = entry
        .provides
        .into_iter()
        .filter_map(|c| convert_contract(c, &at, specs, problems))
        .collect();
    let depends_on = entry
        .depends_on
        .into_iter()
        .map(|d| convert_dependency(d, &at, problems))
        .collect();
    Service {
        name: entry.name.unwrap_or_else(|| entry.id.clone()),
        id: entry.id,
        owner: entry.owner,
        tier,
        regions: entry.regions,
        version: entry.version,
        provides,
        depends_on,
    }
}

fn convert_contract(
    entry: ContractEntry,
    at: &Location,
    specs: &mut dyn SpecSource,
    problems: &mut Vec<Problem>,
) -> Option<Contract> {
    let kind = match entry.kind.parse::<ContractKind>() {
        Ok(kind) => kind,
        Err(message) => {
            problems.push(Problem::error(at, "INVALID_CONTRACT_KIND", message));
            return None;
        }
    };
    let mode = match entry.compatibility.as_deref().map(str::parse::<Mode>) {
        None => Mode::default(),
        Some(Ok(mode)) => mode,
        Some(Err(message)) => {
            problems.push(Problem::error(at, "INVALID_COMPATIBILITY_MODE", message));
            Mode::default()
        }
    };
    let document = match (entry.spec, entry.document) {
        (_, Some(document)) => document,
        (Some(path), None) => match specs.read(&path) {
            Ok(text) => text,
            Err(why) => {
                problems.push(Problem::error(
                    at,
                    "SPEC_UNREADABLE",
                    format!(
                        "spec '{path}' of contract '{}' cannot be read: {why}",
                        entry.contract
                    ),
                ));
                return None;
            }
        },
        (None, None) => {
            problems.push(Problem::error(
                at,
                "SPEC_MISSING",
                format!(
                    "contract '{}' needs a spec (a path) or a document (inline)",
                    entry.contract
                ),
            ));
            return None;
        }
    };
    Some(Contract {
        id: entry.contract,
        kind,
        version: entry.version,
        mode,
        document,
    })
}

fn convert_dependency(
    entry: DependencyEntry,
    at: &Location,
    problems: &mut Vec<Problem>,
) -> Dependency {
    let kind = match entry.kind.as_deref() {
        None | Some("hard") => DependencyKind::Hard,
        Some("soft") => DependencyKind::Soft,
        Some(other) => {
            problems.push(Problem::error(
                at,
                "INVALID_DEPENDENCY_KIND",
                format!(
                    "dependency kind '{other}' on '{}' is not hard or soft",
                    entry.service
                ),
            ));
            DependencyKind::Hard
        }
    };
    Dependency {
        service: entry.service,
        contract: entry.contract,
        uses: entry.uses,
        contract_version: entry.contract_version,
        kind,
    }
}
