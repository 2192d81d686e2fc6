//! JSON Schema compatibility in Confluent Schema Registry's modes.
//!
//! # Approach
//! A schema is read as the set of instances it accepts. A direction names the reader: BACKWARD
//! (the new schema reads data written under the old one) is compatible when valid(old) ⊆
//! valid(new), FORWARD when valid(new) ⊆ valid(old). One walk over both schemas,
//! [`SchemaDiff::compare`], answers "does the reader accept everything the writer accepts?" for
//! the direction it is given: at each keyword it takes the reader's and the writer's constraint
//! (`reader_writer` swaps old and new by direction) and checks inclusion, while the
//! finding's code always describes the change from old to new (`MAX_LENGTH_DECREASED` is
//! Breaking in BACKWARD and Info in FORWARD). Codes follow Schema Registry's `Difference.Type`.
//!
//! - Subschemas (`properties`, `items`, `additionalProperties`, ...) are compared recursively in
//!   the same direction, `not` in the reverse one.
//! - A name one side lists under `properties` is compared with the schema the other side gives it
//!   through its open (`true`), closed (`false`) or partially open (`patternProperties`,
//!   `additionalProperties` schema) content model; positional items likewise.
//! - `anyOf`/`oneOf` are unions, `allOf` products; subschemas are paired regardless of order.
//! - Local `$ref`s are followed; a pair (old, new, direction) met again while being compared is a
//!   recursive schema and assumed compatible (coinduction), so recursion terminates.
//! - Every diff is bounded, because documents come from people we do not trust: at
//!   [`MAX_SCHEMA_DEPTH`](crate::contract::MAX_SCHEMA_DEPTH) nested comparisons it reports
//!   `TOO_DEEP`, past [`MAX_DIFF_WORK`](crate::contract::MAX_DIFF_WORK) units of work or
//!   [`MAX_BRANCH_PAIRS`](crate::contract::MAX_BRANCH_PAIRS) subschema pairs in one combinator
//!   `TOO_COMPLEX`, both Breaking (compatibility could not be shown). See
//!   [`Limits`].
//! - The check is sound rather than complete: where it cannot prove inclusion (differing
//!   `pattern`s, `if`/`then`/`else`, `oneOf` exclusivity) it reports breaking or a Warning.

mod array;
mod combined;
mod diff;
mod object;
mod scalar;
mod schema;

pub use diff::SchemaDiff;

use crate::contract::{ContractKind, Finding, Limits, Mode, Report, SpecError};
use serde_json::Value;
use std::collections::hash_map::{Entry, HashMap};

/// Whole-document check in a Schema Registry mode. `earlier` = earlier versions, oldest first
/// (non-transitive modes use only the last one). In FULL modes a finding breaking in either
/// direction is Breaking; identical findings are reported once.
pub fn check(earlier: &[Value], candidate: &Value, mode: Mode) -> Result<Report, SpecError> {
    check_with(earlier, candidate, mode, Limits::default())
}

/// [`check`] under `limits` (each comparison of one earlier version in one direction gets
/// its own budget).
pub fn check_with(
    earlier: &[Value],
    candidate: &Value,
    mode: Mode,
    limits: Limits,
) -> Result<Report, SpecError> {
    let versions = if mode.is_transitive() {
        earlier
    } else {
        earlier.last().map_or(&[][..], std::slice::from_ref)
    };
    let mut findings = Vec::new();
    for old in versions {
        for &direction in mode.directions() {
            let mut diff = SchemaDiff::with_limits(old, candidate, limits);
            findings.extend(diff.compare(old, candidate, direction, "#")?);
        }
    }
    Ok(Report::new(
        ContractKind::JsonSchema,
        mode,
        dedupe(findings),
    ))
}

/// Keeps the first of findings with the same code, path and message, at the highest level.
/// Linear: an index by key instead of a search through the kept ones.
fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut unique: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut first: HashMap<(String, String, String), usize> = HashMap::new();
    for finding in findings {
        let key = (
            finding.code.clone(),
            finding.path.clone(),
            finding.message.clone(),
        );
        match first.entry(key) {
            Entry::Occupied(kept) => {
                let f = &mut unique[*kept.get()];
                f.level = f.level.max(finding.level);
            }
            Entry::Vacant(slot) => {
                slot.insert(unique.len());
                unique.push(finding);
            }
        }
    }
    unique
}
