//! "Can I deploy": a compatibility report turned into a verdict per consumer.
//!
//! A breaking change only matters to the consumers that use what changed. Findings tagged with
//! an OpenAPI operation affect the consumers that use that operation (or that did not say
//! what they use); untagged findings (document-wide ones, every JSON Schema finding) affect
//! every consumer. Breaking findings nobody is affected by are reported but do not block.

use super::{json_schema, openapi, ContractKind, Finding, Level, Mode, Report, SpecError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;

/// What one consumer of a contract relies on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerUsage {
    pub consumer: String,
    /// Operation keys the consumer uses (OpenAPI); empty = unknown, so every operation counts.
    pub uses: Vec<String>,
    /// A hard dependency (the consumer fails without the provider); carried for callers.
    pub hard: bool,
}

/// The state of one consumer against a candidate version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CellStatus {
    Compatible,
    Warning,
    Breaking,
    /// Not computed here; for callers that have no contract or no check to show.
    Unknown,
}

impl CellStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CellStatus::Compatible => "compatible",
            CellStatus::Warning => "warning",
            CellStatus::Breaking => "breaking",
            CellStatus::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerVerdict {
    pub consumer: String,
    pub status: CellStatus,
    /// The findings affecting this consumer.
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub contract: String,
    pub from_version: Option<String>,
    pub to_version: String,
    pub mode: Mode,
    /// True when no consumer is [`CellStatus::Breaking`].
    pub deployable: bool,
    pub consumers: Vec<ConsumerVerdict>,
    /// Breaking findings in operations no current consumer uses: reported, not blocking.
    pub unused_breaking: Vec<Finding>,
    pub report: Report,
}

/// Decide whether `candidate` can replace the last version of `history` (oldest first) for
/// the given consumers. Without history the candidate is a first version: it is validated and
/// everything is compatible.
pub fn consumer_verdicts(
    contract: &str,
    kind: ContractKind,
    history: &[(String, Value)],
    candidate: (&str, &Value),
    mode: Mode,
    consumers: &[ConsumerUsage],
) -> Result<Verdict, SpecError> {
    let earlier: Vec<Value> = history.iter().map(|(_, doc)| doc.clone()).collect();
    let report = match kind {
        ContractKind::OpenApi => openapi::check(&earlier, candidate.1, mode)?,
        ContractKind::JsonSchema => json_schema::check(&earlier, candidate.1, mode)?,
    };
    let usages: Vec<Usage> = consumers.iter().map(Usage::new).collect();
    let verdicts: Vec<ConsumerVerdict> = usages
        .iter()
        .map(|usage| usage.verdict(&report.findings))
        .collect();
    let unused_breaking = report
        .findings
        .iter()
        .filter(|f| f.level == Level::Breaking && !usages.iter().any(|u| u.affected_by(f)))
        .cloned()
        .collect();
    Ok(Verdict {
        contract: contract.to_string(),
        from_version: history.last().map(|(version, _)| version.clone()),
        to_version: candidate.0.to_string(),
        mode,
        deployable: verdicts.iter().all(|v| v.status != CellStatus::Breaking),
        consumers: verdicts,
        unused_breaking,
        report,
    })
}

/// A consumer with its operation keys in canonical form.
struct Usage<'c> {
    consumer: &'c str,
    /// `None` when the consumer did not say what it uses.
    operations: Option<HashSet<String>>,
}

impl<'c> Usage<'c> {
    fn new(usage: &'c ConsumerUsage) -> Usage<'c> {
        let operations =
            (!usage.uses.is_empty()).then(|| usage.uses.iter().map(|op| canonical(op)).collect());
        Usage {
            consumer: &usage.consumer,
            operations,
        }
    }

    fn affected_by(&self, finding: &Finding) -> bool {
        match (&self.operations, &finding.operation) {
            (Some(used), Some(op)) => used.contains(&canonical(op)),
            _ => true,
        }
    }

    fn verdict(&self, findings: &[Finding]) -> ConsumerVerdict {
        let findings: Vec<Finding> = findings
            .iter()
            .filter(|f| self.affected_by(f))
            .cloned()
            .collect();
        let status = match findings.iter().map(|f| f.level).max() {
            Some(Level::Breaking) => CellStatus::Breaking,
            Some(Level::Warning) => CellStatus::Warning,
            Some(Level::Info) | None => CellStatus::Compatible,
        };
        ConsumerVerdict {
            consumer: self.consumer.to_string(),
            status,
            findings,
        }
    }
}

/// Canonical operation key; keys that do not parse are compared as written.
fn canonical(op: &str) -> String {
    openapi::normalize_operation_key(op).unwrap_or_else(|| op.trim().to_string())
}
