//! OpenAPI 3.0 / 3.1 compatibility, per operation.
//!
//! A document is read into a small typed model ([`model`]): operations keyed `METHOD /path`,
//! their merged parameters, request body, responses, effective security and deprecation.
//! Two models are then compared operation by operation ([`diff`]); request and response
//! schemas go to the JSON Schema engine ([`SchemaDiff`](super::json_schema::SchemaDiff)).
//!
//! # Why not `openapiv3` or `oas3`
//! Each of those crates types one version only (`openapiv3` 3.0, `oas3` 3.1), and their typed
//! schema models lose what the JSON Schema engine needs: the raw schema JSON, with its `$ref`s
//! still pointing into the document. We need both versions and the raw schemas, and the part
//! of OpenAPI that matters for compatibility is small, so the model here borrows from the
//! parsed [`Value`] instead.
//!
//! # Directions
//! The provider reads requests and clients read responses. Mode `Backward` means "new server,
//! old clients": requests are compared with the new version reading what old clients send
//! ([`Direction::Backward`]), responses with old clients reading what the new server returns
//! ([`Direction::Forward`]). Mode `Forward` ("old server, new clients") swaps both; `Full`
//! checks both; transitive modes check against every earlier version. Finding codes always
//! describe the change from old to new (`PARAMETER_ADDED` means the new version has it); the
//! level depends on the direction, see [`diff`]'s rule table.

mod diff;
pub mod model;

use super::{ContractKind, Finding, Limits, Mode, Report, SpecError};
use serde_json::Value;
use std::collections::hash_map::{Entry, HashMap};

pub use model::{Document, Operation, OperationRef};

/// The operation keys of a valid document (`POST /charges/{id}`, as written), sorted by
/// canonical key.
pub fn operations(doc: &Value) -> Result<Vec<String>, SpecError> {
    let doc = model::parse(doc)?;
    doc.validate()?;
    Ok(doc.operations.into_values().map(|op| op.key).collect())
}

/// Findings between a previous version and the next one, for the directions of `mode`.
pub fn diff(old: &Value, new: &Value, mode: Mode) -> Result<Vec<Finding>, SpecError> {
    let old_doc = model::parse(old).map_err(|e| in_version(e, "old"))?;
    let new_doc = model::parse(new)?;
    diff::compare(&old_doc, &new_doc, mode, "old", Limits::default())
}

/// Check a candidate against the latest earlier version, or every earlier version in
/// transitive modes. A candidate with no earlier versions is only validated.
pub fn check(earlier: &[Value], candidate: &Value, mode: Mode) -> Result<Report, SpecError> {
    check_with(earlier, candidate, mode, Limits::default())
}

/// [`check`] under `limits` (each earlier version compared gets its own budget, shared by all
/// operations and directions).
pub fn check_with(
    earlier: &[Value],
    candidate: &Value,
    mode: Mode,
    limits: Limits,
) -> Result<Report, SpecError> {
    let new_doc = model::parse(candidate)?;
    if earlier.is_empty() {
        new_doc.validate()?;
    }
    let baselines = if mode.is_transitive() {
        earlier
    } else {
        &earlier[earlier.len().saturating_sub(1)..]
    };
    let mut findings = Vec::new();
    for (i, old) in baselines.iter().enumerate() {
        let name = format!("earlier #{}", i + 1);
        let old_doc = model::parse(old).map_err(|e| in_version(e, &name))?;
        findings.extend(diff::compare(&old_doc, &new_doc, mode, &name, limits)?);
    }
    Ok(Report::new(ContractKind::OpenApi, mode, dedupe(findings)))
}

/// Canonical operation key for matching: upper-case method, one space, path with every
/// template variable emptied. `post /charges/{id}` → `POST /charges/{}`. `None` when `s` is
/// not `METHOD /path` with a known HTTP method.
pub fn normalize_operation_key(s: &str) -> Option<String> {
    let mut parts = s.split_whitespace();
    let (method, path) = (parts.next()?, parts.next()?);
    let method = method.to_ascii_uppercase();
    let known = [
        "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE",
    ];
    if parts.next().is_some() || !known.contains(&method.as_str()) || !path.starts_with('/') {
        return None;
    }
    let mut canonical = format!("{method} ");
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        canonical.push_str(&rest[..open]);
        canonical.push_str("{}");
        rest = &rest[close + 1..];
    }
    canonical.push_str(rest);
    Some(canonical)
}

/// Say which document an error is in when it is not the candidate.
fn in_version(e: SpecError, version: &str) -> SpecError {
    SpecError::new(e.location, format!("{version} version: {}", e.message))
}

/// One finding per code, place and operation; when directions or baselines disagree on the
/// level, the worst wins.
fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut keep = vec![true; findings.len()];
    let mut first: HashMap<(&str, &str, Option<&str>), usize> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let key = (f.code.as_str(), f.path.as_str(), f.operation.as_deref());
        match first.entry(key) {
            Entry::Vacant(entry) => {
                entry.insert(i);
            }
            Entry::Occupied(mut entry) => {
                let kept = *entry.get();
                if findings[kept].level < f.level {
                    keep[kept] = false;
                    entry.insert(i);
                } else {
                    keep[i] = false;
                }
            }
        }
    }
    drop(first);
    findings
        .into_iter()
        .zip(keep)
        .filter_map(|(f, keep)| keep.then_some(f))
        .collect()
}
