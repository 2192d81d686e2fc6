//! Contract-compatibility checks.
//!
//! The question a release manager asks before a stage: if this provider moves to its new contract
//! version, does any consumer still on the old one break? [`json_schema`] answers it for JSON
//! Schema documents in Schema Registry's modes, [`openapi`] per operation for OpenAPI 3.0/3.1,
//! and [`deploy`] turns findings into a verdict per consumer using what each consumer uses.

pub mod deploy;
pub mod json_schema;
pub mod located;
pub mod openapi;

use serde::{Deserialize, Serialize};
use std::fmt;

/// Deepest nesting of schema comparisons one diff follows (each subschema or `$ref` target
/// compared is one level). JSON nesting is already bounded by the parsers (128), but `$ref`s
/// are not: a chain of definitions each referring to the next recurses without nesting any
/// deeper. Real schemas stay far below this (coinduction stops recursive ones after one
/// round); at it the engine stops descending and reports [`TOO_DEEP`]. Measured: 64 levels
/// take at most about 0.8 MB of stack without optimisation (the `anyOf` path, the deepest per
/// level) and under 128 KB at opt-level 2, so a diff is safe on a 2 MB worker thread.
pub const MAX_SCHEMA_DEPTH: usize = 64;

/// Work one diff may do (one document against another, all directions): one unit per pair of
/// schemas compared (plus a little per large `enum`/`required`/`patternProperties` list), one
/// per finding copied into or out of the memo tables. It bounds both time and memory (memo
/// tables hold at most this many findings). Real specs need a few percent of it (the 5,000
/// operation benchmark: about 60,000). Beyond it the diff stops and reports [`TOO_COMPLEX`].
pub const MAX_DIFF_WORK: u64 = 2_000_000;

/// Pairs of subschemas one `allOf`/`anyOf`/`oneOf` comparison may try after identical
/// subschemas have been paired with each other: 128 changed branches on each side. Unions are
/// compared pairwise (which reader branch accepts which writer branch), so this is what keeps
/// one combinator from being quadratic in a hostile document. Beyond it the combinator is
/// reported [`TOO_COMPLEX`] without being compared.
pub const MAX_BRANCH_PAIRS: usize = 128 * 128;

/// Finding code: the comparison reached [`MAX_SCHEMA_DEPTH`]; what lies below was not compared,
/// so compatibility could not be shown (Breaking). The path is where it stopped.
pub const TOO_DEEP: &str = "TOO_DEEP";

/// Finding code: the diff ran out of its work budget ([`MAX_DIFF_WORK`]), or a combinator had
/// too many changed branches, or an OpenAPI operation too many security alternatives, to
/// compare pairwise ([`MAX_BRANCH_PAIRS`]); compatibility could not be shown (Breaking). The
/// path is where the comparison stopped.
pub const TOO_COMPLEX: &str = "TOO_COMPLEX";

/// The limits one diff runs under; [`Limits::default`] is the documented constants. Servers
/// may lower them per request (see `json_schema::check_with` and `openapi::check_with`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// See [`MAX_SCHEMA_DEPTH`].
    pub max_depth: usize,
    /// See [`MAX_DIFF_WORK`].
    pub max_work: u64,
    /// See [`MAX_BRANCH_PAIRS`].
    pub max_branch_pairs: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: MAX_SCHEMA_DEPTH,
            max_work: MAX_DIFF_WORK,
            max_branch_pairs: MAX_BRANCH_PAIRS,
        }
    }
}

/// What kind of document a contract is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContractKind {
    #[serde(rename = "openapi")]
    OpenApi,
    JsonSchema,
}

impl ContractKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContractKind::OpenApi => "openapi",
            ContractKind::JsonSchema => "json-schema",
        }
    }

    /// Recognise the kind from a parsed document: OpenAPI documents carry an `openapi` key.
    pub fn detect(document: &serde_json::Value) -> ContractKind {
        if document.get("openapi").is_some() || document.get("swagger").is_some() {
            ContractKind::OpenApi
        } else {
            ContractKind::JsonSchema
        }
    }
}

impl fmt::Display for ContractKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ContractKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "openapi" => Ok(ContractKind::OpenApi),
            "json-schema" | "jsonschema" => Ok(ContractKind::JsonSchema),
            other => Err(format!(
                "unknown contract kind '{other}' (expected openapi or json-schema)"
            )),
        }
    }
}

/// Schema Registry compatibility modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    None,
    /// A reader on the new version reads everything written under the previous one.
    #[default]
    Backward,
    /// A reader on the previous version reads everything written under the new one.
    Forward,
    Full,
    BackwardTransitive,
    ForwardTransitive,
    FullTransitive,
}

impl Mode {
    pub const ALL: [Mode; 7] = [
        Mode::None,
        Mode::Backward,
        Mode::Forward,
        Mode::Full,
        Mode::BackwardTransitive,
        Mode::ForwardTransitive,
        Mode::FullTransitive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::Backward => "backward",
            Mode::Forward => "forward",
            Mode::Full => "full",
            Mode::BackwardTransitive => "backward-transitive",
            Mode::ForwardTransitive => "forward-transitive",
            Mode::FullTransitive => "full-transitive",
        }
    }

    /// The reading directions this mode requires.
    pub fn directions(self) -> &'static [Direction] {
        match self {
            Mode::None => &[],
            Mode::Backward | Mode::BackwardTransitive => &[Direction::Backward],
            Mode::Forward | Mode::ForwardTransitive => &[Direction::Forward],
            Mode::Full | Mode::FullTransitive => &[Direction::Backward, Direction::Forward],
        }
    }

    /// Transitive modes check against every earlier version, the others against the latest only.
    pub fn is_transitive(self) -> bool {
        matches!(
            self,
            Mode::BackwardTransitive | Mode::ForwardTransitive | Mode::FullTransitive
        )
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalized = s.trim().to_ascii_lowercase().replace('_', "-");
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == normalized)
            .ok_or_else(|| {
                format!(
                    "unknown mode '{s}' (expected one of: {})",
                    Mode::ALL.map(Mode::as_str).join(", ")
                )
            })
    }
}

/// Who reads in one comparison of an old and a new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// The new version reads data written under the old one (Schema Registry BACKWARD).
    Backward,
    /// The old version reads data written under the new one (Schema Registry FORWARD).
    Forward,
}

impl Direction {
    pub fn reverse(self) -> Direction {
        match self {
            Direction::Backward => Direction::Forward,
            Direction::Forward => Direction::Backward,
        }
    }
}

/// How serious a change is, in the spirit of oasdiff's ERR / WARN / INFO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Info,
    /// Possibly breaking: a person should look.
    Warning,
    Breaking,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Breaking => "breaking",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change found between two versions of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable machine code, e.g. `TYPE_NARROWED`, `REQUIRED_PROPERTY_ADDED`, `ENDPOINT_REMOVED`.
    pub code: String,
    pub level: Level,
    /// JSON pointer into the new document (or the old one when the thing was removed), `#/...`.
    pub path: String,
    /// What changed, in words a person understands.
    pub message: String,
    /// The OpenAPI operation this finding belongs to (`POST /charges`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

/// A document that cannot be checked: malformed, or with references that do not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{location}: {message}")]
pub struct SpecError {
    /// Where the problem is: a JSON pointer, or `line L, column C` for syntax errors.
    pub location: String,
    pub message: String,
}

impl SpecError {
    pub fn new(location: impl Into<String>, message: impl Into<String>) -> SpecError {
        SpecError {
            location: location.into(),
            message: message.into(),
        }
    }
}

/// Parse a contract document written as YAML or JSON (JSON is YAML, but JSON errors read better
/// from the JSON parser, so try it first when the text looks like JSON).
pub fn parse_document(text: &str) -> Result<serde_json::Value, SpecError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return serde_json::from_str(text).map_err(|e| {
            SpecError::new(
                format!("line {}, column {}", e.line(), e.column()),
                format!("invalid JSON: {e}"),
            )
        });
    }
    let scan = crate::yaml::check_nesting(text).map_err(|e| {
        SpecError::new(
            format!("line {}, column {}", e.line, e.column),
            format!("invalid YAML: {e}"),
        )
    })?;
    crate::yaml::from_scanned::<serde_json::Value>(text, scan).map_err(|e| {
        let location = e
            .location()
            .map(|l| format!("line {}, column {}", l.line(), l.column()))
            .unwrap_or_else(|| "document".to_string());
        SpecError::new(location, format!("invalid YAML: {e}"))
    })
}

/// The outcome of checking a candidate version against earlier ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub kind: ContractKind,
    pub mode: Mode,
    /// True when no finding is [`Level::Breaking`].
    pub compatible: bool,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn new(kind: ContractKind, mode: Mode, findings: Vec<Finding>) -> Report {
        let compatible = findings.iter().all(|f| f.level != Level::Breaking);
        Report {
            kind,
            mode,
            compatible,
            findings,
        }
    }
}
