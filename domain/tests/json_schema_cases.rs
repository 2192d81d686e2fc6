//! One line per rule: old schema, new schema, and for BACKWARD and FORWARD whether the change
//! is compatible and the exact codes reported (every finding, Info included).

use breakwater_domain::contract::json_schema::{check, SchemaDiff};
use breakwater_domain::contract::{Direction, Finding, Level, Mode};
use serde_json::{json, Value};

/// Collects every mismatch of one table so that a run shows them all.
#[derive(Default)]
struct Table {
    rows: usize,
    failures: Vec<String>,
}

/// The codes of a report, sorted: a multiset, so a code reported twice must be listed twice.
fn codes(findings: &[Finding]) -> Vec<&str> {
    let mut codes: Vec<&str> = findings.iter().map(|f| f.code.as_str()).collect();
    codes.sort_unstable();
    codes
}

/// One line per finding: level, code, path and message.
fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("    {} {} {}: {}\n", f.level, f.code, f.path, f.message))
        .collect()
}

impl Table {
    /// One rule: for BACKWARD and FORWARD, whether the change is compatible and the codes of
    /// every finding, in any order. An empty list means no finding at all, not even Info.
    #[allow(clippy::too_many_arguments)]
    fn case(
        &mut self,
        name: &str,
        old: Value,
        new: Value,
        backward: bool,
        backward_codes: &[&str],
        forward: bool,
        forward_codes: &[&str],
    ) {
        self.rows += 1;
        for (mode, compatible, expected) in [
            (Mode::Backward, backward, backward_codes),
            (Mode::Forward, forward, forward_codes),
        ] {
            let report = match check(std::slice::from_ref(&old), &new, mode) {
                Ok(report) => report,
                Err(e) => {
                    self.failures.push(format!("{name}: {mode}: error {e}"));
                    continue;
                }
            };
            let mut expected = expected.to_vec();
            expected.sort_unstable();
            let got = codes(&report.findings);
            if report.compatible != compatible || got != expected {
                self.failures.push(format!(
                    "{name}: {mode}: expected compatible={compatible} {expected:?}, \
                     got compatible={} {got:?}:\n{}",
                    report.compatible,
                    describe(&report.findings)
                ));
            }
        }
    }

    fn finish(self) {
        assert!(self.rows > 0, "empty table");
        assert!(
            self.failures.is_empty(),
            "{} of {} rows x 2 directions failed:\n{}",
            self.failures.len(),
            self.rows,
            self.failures.join("\n")
        );
    }
}

#[test]
#[rustfmt::skip]
fn types() {
    let mut t = Table::default();
    t.case("same type", json!({"type": "string"}), json!({"type": "string"}), true, &[], true, &[]);
    t.case("type narrowed", json!({"type": ["string", "number"]}), json!({"type": "string"}), false, &["TYPE_NARROWED"], true, &["TYPE_NARROWED"]);
    t.case("type extended", json!({"type": "string"}), json!({"type": ["string", "number"]}), true, &["TYPE_EXTENDED"], false, &["TYPE_EXTENDED"]);
    t.case("type changed", json!({"type": "string"}), json!({"type": "number"}), false, &["TYPE_CHANGED"], false, &["TYPE_CHANGED"]);
    t.case("integer to number", json!({"type": "integer"}), json!({"type": "number"}), true, &["TYPE_EXTENDED"], false, &["TYPE_EXTENDED"]);
    t.case("number to integer", json!({"type": "number"}), json!({"type": "integer"}), false, &["TYPE_NARROWED"], true, &["TYPE_NARROWED"]);
    t.case("type removed", json!({"type": "string"}), json!({}), true, &["TYPE_EXTENDED"], false, &["TYPE_EXTENDED"]);
    t.case("type added", json!({}), json!({"type": "object"}), false, &["TYPE_NARROWED"], true, &["TYPE_NARROWED"]);
    t.case("null added", json!({"type": "string"}), json!({"type": ["string", "null"]}), true, &["TYPE_EXTENDED"], false, &["TYPE_EXTENDED"]);
    t.case("nullable added", json!({"type": "string"}), json!({"type": "string", "nullable": true}), true, &["TYPE_EXTENDED"], false, &["TYPE_EXTENDED"]);
    t.case("nullable removed", json!({"type": "string", "nullable": true}), json!({"type": "string"}), false, &["TYPE_NARROWED"], true, &["TYPE_NARROWED"]);
    t.case("nullable is type null", json!({"type": ["integer", "null"]}), json!({"type": "integer", "nullable": true}), true, &[], true, &[]);
    t.case("true to false", json!(true), json!(false), false, &["TYPE_NARROWED"], true, &["TYPE_NARROWED"]);
    t.case("false to true", json!(false), json!(true), true, &["TYPE_EXTENDED"], false, &["TYPE_EXTENDED"]);
    t.case("true equals empty", json!(true), json!({"description": "anything"}), true, &["DESCRIPTION_CHANGED"], true, &["DESCRIPTION_CHANGED"]);
    t.case("annotations never break", json!({"type": "string", "title": "a", "x-kind": 1}), json!({"type": "string", "title": "b", "examples": ["x"], "deprecated": true, "readOnly": true}), true, &["TITLE_CHANGED"], true, &["TITLE_CHANGED"]);
    t.finish();
}

#[test]
#[rustfmt::skip]
fn enums() {
    let mut t = Table::default();
    t.case("enum extended", json!({"enum": ["a", "b"]}), json!({"enum": ["a", "b", "c"]}), true, &["ENUM_ARRAY_EXTENDED"], false, &["ENUM_ARRAY_EXTENDED"]);
    t.case("enum narrowed", json!({"enum": ["a", "b"]}), json!({"enum": ["a"]}), false, &["ENUM_ARRAY_NARROWED"], true, &["ENUM_ARRAY_NARROWED"]);
    t.case("enum changed", json!({"enum": ["a", "b"]}), json!({"enum": ["a", "c"]}), false, &["ENUM_ARRAY_CHANGED"], false, &["ENUM_ARRAY_CHANGED"]);
    t.case("enum reordered", json!({"enum": ["a", "b"]}), json!({"enum": ["b", "a"]}), true, &[], true, &[]);
    t.case("enum added", json!({"type": "string"}), json!({"type": "string", "enum": ["a"]}), false, &["ENUM_ARRAY_NARROWED"], true, &["ENUM_ARRAY_NARROWED"]);
    t.case("enum removed", json!({"type": "string", "enum": ["a"]}), json!({"type": "string"}), true, &["ENUM_ARRAY_EXTENDED"], false, &["ENUM_ARRAY_EXTENDED"]);
    t.case("const to enum", json!({"const": "a"}), json!({"enum": ["a", "b"]}), true, &["ENUM_ARRAY_EXTENDED"], false, &["ENUM_ARRAY_EXTENDED"]);
    t.case("enum to const", json!({"enum": [1, 2]}), json!({"const": 1}), false, &["ENUM_ARRAY_NARROWED"], true, &["ENUM_ARRAY_NARROWED"]);
    t.case("enum gains a type", json!({"enum": ["a"]}), json!({"type": "string", "enum": ["a", "b"]}), true, &["ENUM_ARRAY_EXTENDED"], false, &["ENUM_ARRAY_EXTENDED"]);
    t.finish();
}

#[test]
#[rustfmt::skip]
fn strings() {
    let mut t = Table::default();
    t.case("maxLength added", json!({"type": "string"}), json!({"type": "string", "maxLength": 5}), false, &["MAX_LENGTH_ADDED"], true, &["MAX_LENGTH_ADDED"]);
    t.case("maxLength removed", json!({"type": "string", "maxLength": 5}), json!({"type": "string"}), true, &["MAX_LENGTH_REMOVED"], false, &["MAX_LENGTH_REMOVED"]);
    t.case("maxLength increased", json!({"maxLength": 5}), json!({"maxLength": 8}), true, &["MAX_LENGTH_INCREASED"], false, &["MAX_LENGTH_INCREASED"]);
    t.case("maxLength decreased", json!({"maxLength": 8}), json!({"maxLength": 5}), false, &["MAX_LENGTH_DECREASED"], true, &["MAX_LENGTH_DECREASED"]);
    t.case("minLength increased", json!({"minLength": 1}), json!({"minLength": 3}), false, &["MIN_LENGTH_INCREASED"], true, &["MIN_LENGTH_INCREASED"]);
    t.case("minLength decreased", json!({"minLength": 3}), json!({"minLength": 1}), true, &["MIN_LENGTH_DECREASED"], false, &["MIN_LENGTH_DECREASED"]);
    t.case("minLength added", json!({"type": "string"}), json!({"type": "string", "minLength": 1}), false, &["MIN_LENGTH_ADDED"], true, &["MIN_LENGTH_ADDED"]);
    t.case("pattern added", json!({"type": "string"}), json!({"type": "string", "pattern": "^a"}), false, &["PATTERN_ADDED"], true, &["PATTERN_ADDED"]);
    t.case("pattern removed", json!({"type": "string", "pattern": "^a"}), json!({"type": "string"}), true, &["PATTERN_REMOVED"], false, &["PATTERN_REMOVED"]);
    t.case("pattern changed", json!({"pattern": "^a"}), json!({"pattern": "^b"}), false, &["PATTERN_CHANGED"], false, &["PATTERN_CHANGED"]);
    t.case("format added", json!({"type": "string"}), json!({"type": "string", "format": "email"}), false, &["FORMAT_ADDED"], true, &["FORMAT_ADDED"]);
    t.case("format removed", json!({"type": "string", "format": "email"}), json!({"type": "string"}), true, &["FORMAT_REMOVED"], false, &["FORMAT_REMOVED"]);
    t.case("string keyword on a number is irrelevant", json!({"type": "number"}), json!({"type": "number", "maxLength": 3}), true, &[], true, &[]);
    t.finish();
}

#[test]
#[rustfmt::skip]
fn numbers() {
    let mut t = Table::default();
    t.case("maximum added", json!({"type": "number"}), json!({"type": "number", "maximum": 10}), false, &["MAXIMUM_ADDED"], true, &["MAXIMUM_ADDED"]);
    t.case("maximum increased", json!({"maximum": 10}), json!({"maximum": 20}), true, &["MAXIMUM_INCREASED"], false, &["MAXIMUM_INCREASED"]);
    t.case("maximum decreased", json!({"maximum": 20}), json!({"maximum": 10}), false, &["MAXIMUM_DECREASED"], true, &["MAXIMUM_DECREASED"]);
    t.case("minimum removed", json!({"minimum": 0}), json!({}), true, &["MINIMUM_REMOVED"], false, &["MINIMUM_REMOVED"]);
    t.case("minimum increased", json!({"minimum": 0}), json!({"minimum": 1}), false, &["MINIMUM_INCREASED"], true, &["MINIMUM_INCREASED"]);
    t.case("exclusiveMaximum number added", json!({"type": "number"}), json!({"type": "number", "exclusiveMaximum": 5}), false, &["EXCLUSIVE_MAXIMUM_ADDED"], true, &["EXCLUSIVE_MAXIMUM_ADDED"]);
    t.case("exclusiveMinimum number decreased", json!({"exclusiveMinimum": 5}), json!({"exclusiveMinimum": 1}), true, &["EXCLUSIVE_MINIMUM_DECREASED"], false, &["EXCLUSIVE_MINIMUM_DECREASED"]);
    t.case("draft-04 exclusiveMinimum flag added", json!({"minimum": 0}), json!({"minimum": 0, "exclusiveMinimum": true}), false, &["EXCLUSIVE_MINIMUM_ADDED"], true, &["EXCLUSIVE_MINIMUM_ADDED"]);
    t.case("draft-04 exclusiveMaximum flag removed", json!({"maximum": 9, "exclusiveMaximum": true}), json!({"maximum": 9}), true, &["EXCLUSIVE_MAXIMUM_REMOVED"], false, &["EXCLUSIVE_MAXIMUM_REMOVED"]);
    t.case("minimum to equal exclusiveMinimum", json!({"minimum": 5}), json!({"exclusiveMinimum": 5}), false, &["EXCLUSIVE_MINIMUM_ADDED", "MINIMUM_REMOVED"], true, &["EXCLUSIVE_MINIMUM_ADDED", "MINIMUM_REMOVED"]);
    t.case("exclusiveMinimum to looser minimum", json!({"exclusiveMinimum": 5}), json!({"minimum": 5}), true, &["MINIMUM_ADDED", "EXCLUSIVE_MINIMUM_REMOVED"], false, &["MINIMUM_ADDED", "EXCLUSIVE_MINIMUM_REMOVED"]);
    t.case("multipleOf added", json!({"type": "number"}), json!({"type": "number", "multipleOf": 2}), false, &["MULTIPLE_OF_ADDED"], true, &["MULTIPLE_OF_ADDED"]);
    t.case("multipleOf removed", json!({"multipleOf": 2}), json!({}), true, &["MULTIPLE_OF_REMOVED"], false, &["MULTIPLE_OF_REMOVED"]);
    t.case("multipleOf expanded", json!({"multipleOf": 2}), json!({"multipleOf": 4}), false, &["MULTIPLE_OF_EXPANDED"], true, &["MULTIPLE_OF_EXPANDED"]);
    t.case("multipleOf reduced", json!({"multipleOf": 4}), json!({"multipleOf": 2}), true, &["MULTIPLE_OF_REDUCED"], false, &["MULTIPLE_OF_REDUCED"]);
    t.case("multipleOf changed", json!({"multipleOf": 2}), json!({"multipleOf": 3}), false, &["MULTIPLE_OF_CHANGED"], false, &["MULTIPLE_OF_CHANGED"]);
    t.case("multipleOf 1 on integers", json!({"type": "integer"}), json!({"type": "integer", "multipleOf": 1}), true, &["MULTIPLE_OF_ADDED"], true, &["MULTIPLE_OF_ADDED"]);
    t.finish();
}

fn obj(props: Value, extra: Value) -> Value {
    let mut schema = json!({"type": "object", "properties": props});
    schema
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    schema
}

#[test]
#[rustfmt::skip]
fn objects() {
    let mut t = Table::default();
    let a = json!({"a": {"type": "string"}});
    let ab = json!({"a": {"type": "string"}, "b": {"type": "integer"}});
    let closed = json!({"additionalProperties": false});
    t.case("property added to open model", obj(a.clone(), json!({})), obj(ab.clone(), json!({})), false, &["PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"], true, &["PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"]);
    t.case("property removed from open model", obj(ab.clone(), json!({})), obj(a.clone(), json!({})), true, &["PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"], false, &["PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"]);
    t.case("empty property added to open model", obj(a.clone(), json!({})), obj(json!({"a": {"type": "string"}, "b": {}}), json!({})), true, &["PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"], true, &["PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"]);
    t.case("optional property added to closed model", obj(a.clone(), closed.clone()), obj(ab.clone(), closed.clone()), true, &["OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"], false, &["OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    t.case("required property added to closed model", obj(a.clone(), closed.clone()), obj(ab.clone(), json!({"additionalProperties": false, "required": ["b"]})), false, &["REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"], false, &["REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    t.case("required property with default added to closed model", obj(a.clone(), closed.clone()), obj(json!({"a": {"type": "string"}, "b": {"type": "integer", "default": 0}}), json!({"additionalProperties": false, "required": ["b"]})), true, &["REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"], false, &["REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    t.case("property removed from closed model", obj(ab.clone(), closed.clone()), obj(a.clone(), closed.clone()), false, &["PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"], true, &["PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"]);
    t.case("false property removed from closed model", obj(json!({"a": {}, "b": false}), closed.clone()), obj(json!({"a": {}}), closed.clone()), true, &["PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"], true, &["PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"]);
    let partial = json!({"additionalProperties": {"type": "integer"}});
    t.case("property added covered by partial model", obj(a.clone(), partial.clone()), obj(ab.clone(), partial.clone()), true, &["PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"], true, &["PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    t.case("property added not covered by partial model", obj(a.clone(), partial.clone()), obj(json!({"a": {"type": "string"}, "b": {"type": "string"}}), partial.clone()), false, &["TYPE_CHANGED", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"], false, &["TYPE_CHANGED", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    t.case("narrower property added to partial model", obj(a.clone(), json!({"additionalProperties": {"type": "number"}})), obj(ab.clone(), json!({"additionalProperties": {"type": "number"}})), false, &["TYPE_NARROWED", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"], true, &["TYPE_NARROWED", "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    t.case("property removed covered by partial model", obj(ab.clone(), partial.clone()), obj(a.clone(), partial.clone()), true, &["PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"], true, &["PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
    t.case("property removed not covered by partial model", obj(json!({"a": {}, "b": {"type": "string"}}), partial.clone()), obj(json!({"a": {}}), partial.clone()), false, &["TYPE_CHANGED", "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"], false, &["TYPE_CHANGED", "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
    let by_pattern =
        json!({"patternProperties": {"^x_": {"type": "string"}}, "additionalProperties": false});
    t.case("property added covered by patternProperties", obj(json!({}), by_pattern.clone()), obj(json!({"x_id": {"type": "string", "maxLength": 3}}), by_pattern.clone()), false, &["MAX_LENGTH_ADDED", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"], true, &["MAX_LENGTH_ADDED", "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    t.case("property added outside patternProperties", obj(json!({}), by_pattern.clone()), obj(json!({"id": {"type": "string"}}), by_pattern.clone()), true, &["OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"], false, &["OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    t.case("patternProperties added", obj(a.clone(), closed.clone()), obj(a.clone(), json!({"additionalProperties": false, "patternProperties": {"^x-": {}}})), true, &["PATTERN_PROPERTY_ADDED"], false, &["PATTERN_PROPERTY_ADDED"]);
    t.case("required added", obj(ab.clone(), json!({})), obj(ab.clone(), json!({"required": ["b"]})), false, &["REQUIRED_ATTRIBUTE_ADDED"], true, &["REQUIRED_ATTRIBUTE_ADDED"]);
    t.case("required removed", obj(ab.clone(), json!({"required": ["b"]})), obj(ab.clone(), json!({})), true, &["REQUIRED_ATTRIBUTE_REMOVED"], false, &["REQUIRED_ATTRIBUTE_REMOVED"]);
    t.case("required with default added", obj(json!({"b": {"default": 1}}), json!({})), obj(json!({"b": {"default": 1}}), json!({"required": ["b"]})), true, &["REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"], true, &["REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"]);
    t.case("property type narrowed", obj(json!({"a": {"type": ["string", "null"]}}), json!({})), obj(json!({"a": {"type": "string"}}), json!({})), false, &["TYPE_NARROWED"], true, &["TYPE_NARROWED"]);
    t.case("additionalProperties false added", obj(a.clone(), json!({})), obj(a.clone(), closed.clone()), false, &["ADDITIONAL_PROPERTIES_REMOVED"], true, &["ADDITIONAL_PROPERTIES_REMOVED"]);
    t.case("additionalProperties false removed", obj(a.clone(), closed.clone()), obj(a.clone(), json!({})), true, &["ADDITIONAL_PROPERTIES_ADDED"], false, &["ADDITIONAL_PROPERTIES_ADDED"]);
    t.case("additionalProperties schema added", obj(a.clone(), json!({})), obj(a.clone(), partial.clone()), false, &["ADDITIONAL_PROPERTIES_NARROWED"], true, &["ADDITIONAL_PROPERTIES_NARROWED"]);
    t.case("additionalProperties schema removed", obj(a.clone(), partial.clone()), obj(a.clone(), json!({})), true, &["ADDITIONAL_PROPERTIES_EXTENDED"], false, &["ADDITIONAL_PROPERTIES_EXTENDED"]);
    t.case("additionalProperties schema widened", obj(a.clone(), partial.clone()), obj(a.clone(), json!({"additionalProperties": {"type": "number"}})), true, &["TYPE_EXTENDED"], false, &["TYPE_EXTENDED"]);
    t.case("maxProperties added", json!({"type": "object"}), json!({"type": "object", "maxProperties": 3}), false, &["MAX_PROPERTIES_ADDED"], true, &["MAX_PROPERTIES_ADDED"]);
    t.case("minProperties decreased", json!({"minProperties": 3}), json!({"minProperties": 1}), true, &["MIN_PROPERTIES_DECREASED"], false, &["MIN_PROPERTIES_DECREASED"]);
    t.case("dependency array added", json!({"type": "object"}), json!({"type": "object", "dependencies": {"a": ["b"]}}), false, &["DEPENDENCY_ARRAY_ADDED"], true, &["DEPENDENCY_ARRAY_ADDED"]);
    t.case("dependency array extended", json!({"dependencies": {"a": ["b"]}}), json!({"dependencies": {"a": ["b", "c"]}}), false, &["DEPENDENCY_ARRAY_EXTENDED"], true, &["DEPENDENCY_ARRAY_EXTENDED"]);
    t.case("dependentRequired narrowed", json!({"dependentRequired": {"a": ["b", "c"]}}), json!({"dependentRequired": {"a": ["b"]}}), true, &["DEPENDENCY_ARRAY_NARROWED"], false, &["DEPENDENCY_ARRAY_NARROWED"]);
    t.case("dependency schema added", json!({"type": "object"}), json!({"type": "object", "dependentSchemas": {"a": {"required": ["b"]}}}), false, &["DEPENDENCY_SCHEMA_ADDED"], true, &["DEPENDENCY_SCHEMA_ADDED"]);
    t.case("dependency schema removed", json!({"dependencies": {"a": {"required": ["b"]}}}), json!({}), true, &["DEPENDENCY_SCHEMA_REMOVED"], false, &["DEPENDENCY_SCHEMA_REMOVED"]);
    t.case("propertyNames added", json!({"type": "object"}), json!({"type": "object", "propertyNames": {"maxLength": 3}}), false, &["MAX_LENGTH_ADDED"], true, &["MAX_LENGTH_ADDED"]);
    t.case("object keyword on a string is irrelevant", json!({"type": "string"}), json!({"type": "string", "required": ["a"]}), true, &[], true, &[]);
    t.finish();
}

#[test]
#[rustfmt::skip]
fn arrays() {
    let mut t = Table::default();
    let arr = |extra: Value| {
        let mut s = json!({"type": "array"});
        s.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        s
    };
    t.case("items narrowed", arr(json!({"items": {"type": ["string", "null"]}})), arr(json!({"items": {"type": "string"}})), false, &["TYPE_NARROWED"], true, &["TYPE_NARROWED"]);
    t.case("items added", arr(json!({})), arr(json!({"items": {"type": "string"}})), false, &["TYPE_NARROWED"], true, &["TYPE_NARROWED"]);
    t.case("maxItems added", arr(json!({})), arr(json!({"maxItems": 3})), false, &["MAX_ITEMS_ADDED"], true, &["MAX_ITEMS_ADDED"]);
    t.case("maxItems increased", arr(json!({"maxItems": 3})), arr(json!({"maxItems": 5})), true, &["MAX_ITEMS_INCREASED"], false, &["MAX_ITEMS_INCREASED"]);
    t.case("minItems increased", arr(json!({"minItems": 1})), arr(json!({"minItems": 2})), false, &["MIN_ITEMS_INCREASED"], true, &["MIN_ITEMS_INCREASED"]);
    t.case("minItems removed", arr(json!({"minItems": 1})), arr(json!({})), true, &["MIN_ITEMS_REMOVED"], false, &["MIN_ITEMS_REMOVED"]);
    t.case("uniqueItems added", arr(json!({})), arr(json!({"uniqueItems": true})), false, &["UNIQUE_ITEMS_ADDED"], true, &["UNIQUE_ITEMS_ADDED"]);
    t.case("uniqueItems removed", arr(json!({"uniqueItems": true})), arr(json!({"uniqueItems": false})), true, &["UNIQUE_ITEMS_REMOVED"], false, &["UNIQUE_ITEMS_REMOVED"]);
    t.case("contains added", arr(json!({})), arr(json!({"contains": {"type": "string"}})), false, &["CONTAINS_ADDED"], true, &["CONTAINS_ADDED"]);
    t.case("contains narrowed", arr(json!({"contains": {"type": ["string", "null"]}})), arr(json!({"contains": {"type": "string"}})), false, &["TYPE_NARROWED"], true, &["TYPE_NARROWED"]);
    let s = json!({"type": "string"});
    let n = json!({"type": "number"});
    t.case("tuple item added to open model", arr(json!({"items": [s]})), arr(json!({"items": [s, n]})), false, &["ITEM_ADDED_TO_OPEN_CONTENT_MODEL"], true, &["ITEM_ADDED_TO_OPEN_CONTENT_MODEL"]);
    t.case("tuple item removed from open model", arr(json!({"items": [s, n]})), arr(json!({"items": [s]})), true, &["ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL"], false, &["ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL"]);
    t.case("tuple item added to closed model", arr(json!({"items": [s], "additionalItems": false})), arr(json!({"items": [s, n], "additionalItems": false})), true, &["ITEM_ADDED_TO_CLOSED_CONTENT_MODEL"], false, &["ITEM_ADDED_TO_CLOSED_CONTENT_MODEL"]);
    t.case("tuple item removed from closed model", arr(json!({"items": [s, n], "additionalItems": false})), arr(json!({"items": [s], "additionalItems": false})), false, &["ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"], true, &["ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"]);
    t.case("tuple item added covered by additionalItems", arr(json!({"items": [s], "additionalItems": {"type": "integer"}})), arr(json!({"items": [s, n], "additionalItems": {"type": "integer"}})), true, &["TYPE_EXTENDED", "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"], false, &["TYPE_EXTENDED", "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
    t.case("tuple item removed not covered", arr(json!({"items": [s, s], "additionalItems": n})), arr(json!({"items": [s], "additionalItems": n})), false, &["TYPE_CHANGED", "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"], false, &["TYPE_CHANGED", "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
    t.case("additionalItems false added", arr(json!({"items": [s]})), arr(json!({"items": [s], "additionalItems": false})), false, &["ADDITIONAL_ITEMS_REMOVED"], true, &["ADDITIONAL_ITEMS_REMOVED"]);
    t.case("additionalItems false removed", arr(json!({"items": [s], "additionalItems": false})), arr(json!({"items": [s]})), true, &["ADDITIONAL_ITEMS_ADDED"], false, &["ADDITIONAL_ITEMS_ADDED"]);
    t.case("additionalItems schema added", arr(json!({"items": [s]})), arr(json!({"items": [s], "additionalItems": n})), false, &["ADDITIONAL_ITEMS_NARROWED"], true, &["ADDITIONAL_ITEMS_NARROWED"]);
    t.case("2020-12 prefixItems item added", arr(json!({"prefixItems": [s], "items": false})), arr(json!({"prefixItems": [s, n], "items": false})), true, &["ITEM_ADDED_TO_CLOSED_CONTENT_MODEL"], false, &["ITEM_ADDED_TO_CLOSED_CONTENT_MODEL"]);
    t.case("2020-12 prefixItems narrowed", arr(json!({"prefixItems": [{"type": ["string", "null"]}]})), arr(json!({"prefixItems": [s]})), false, &["TYPE_NARROWED"], true, &["TYPE_NARROWED"]);
    t.case("2020-12 items after prefix closed", arr(json!({"prefixItems": [s]})), arr(json!({"prefixItems": [s], "items": false})), false, &["ADDITIONAL_ITEMS_REMOVED"], true, &["ADDITIONAL_ITEMS_REMOVED"]);
    t.case("draft-07 tuple to 2020-12 prefixItems", arr(json!({"items": [s], "additionalItems": false})), arr(json!({"prefixItems": [s], "items": false})), true, &[], true, &[]);
    t.finish();
}

#[test]
#[rustfmt::skip]
fn combined() {
    let mut t = Table::default();
    let s = json!({"type": "string"});
    let n = json!({"type": "number"});
    t.case("oneOf alternative added", json!({"oneOf": [s]}), json!({"oneOf": [s, n]}), true, &["SUM_TYPE_EXTENDED"], false, &["SUM_TYPE_EXTENDED"]);
    t.case("anyOf alternative removed", json!({"anyOf": [s, n]}), json!({"anyOf": [n]}), false, &["SUM_TYPE_NARROWED"], true, &["SUM_TYPE_NARROWED"]);
    t.case("allOf constraint added", json!({"allOf": [s]}), json!({"allOf": [s, {"maxLength": 3}]}), false, &["PRODUCT_TYPE_EXTENDED"], true, &["PRODUCT_TYPE_EXTENDED"]);
    t.case("allOf constraint removed", json!({"allOf": [s, {"maxLength": 3}]}), json!({"allOf": [s]}), true, &["PRODUCT_TYPE_NARROWED"], false, &["PRODUCT_TYPE_NARROWED"]);
    t.case("anyOf reordered", json!({"anyOf": [s, n]}), json!({"anyOf": [n, s]}), true, &[], true, &[]);
    t.case("oneOf to anyOf", json!({"oneOf": [s, n]}), json!({"anyOf": [s, n]}), true, &["COMBINED_TYPE_EXTENDED"], true, &["COMBINED_TYPE_EXTENDED"]);
    t.case("anyOf to oneOf", json!({"anyOf": [s, n]}), json!({"oneOf": [s, n]}), true, &["COMBINED_TYPE_CHANGED"], true, &["COMBINED_TYPE_CHANGED"]);
    t.case("anyOf to allOf", json!({"anyOf": [s, n]}), json!({"allOf": [s, n]}), false, &["COMBINED_TYPE_CHANGED"], true, &["COMBINED_TYPE_CHANGED"]);
    t.case("singleton anyOf is its element", json!({"anyOf": [s]}), s.clone(), true, &[], true, &[]);
    // A plain schema against a combination reports TYPE_CHANGED when the reader does not accept
    // the writer (as Schema Registry does), so the code depends on the direction here: in FULL
    // mode one change gives SUM_TYPE_EXTENDED (info) and TYPE_CHANGED (breaking) at one path.
    t.case("plain to union", s.clone(), json!({"anyOf": [s, n]}), true, &["SUM_TYPE_EXTENDED"], false, &["TYPE_CHANGED"]);
    t.case("union to plain", json!({"oneOf": [s, n]}), s.clone(), false, &["TYPE_CHANGED"], true, &["SUM_TYPE_NARROWED"]);
    t.case("subschemas changed", json!({"anyOf": [s, n]}), json!({"anyOf": [s, {"type": "boolean"}]}), false, &["COMBINED_TYPE_SUBSCHEMAS_CHANGED"], false, &["COMBINED_TYPE_SUBSCHEMAS_CHANGED"]);
    // When subschemas stop matching, only the combinator's code is reported, not the change
    // inside the subschema that causes it (Schema Registry does the same); the other direction,
    // where they match, reports the inner change.
    t.case("alternative widened inside", json!({"oneOf": [{"type": "string", "maxLength": 3}, n]}), json!({"oneOf": [n, {"type": "string", "maxLength": 5}]}), true, &["MAX_LENGTH_INCREASED"], false, &["COMBINED_TYPE_SUBSCHEMAS_CHANGED"]);
    t.case("not added", json!({"type": "string"}), json!({"type": "string", "not": {"enum": ["x"]}}), false, &["NOT_TYPE_EXTENDED"], true, &["NOT_TYPE_EXTENDED"]);
    t.case("not removed", json!({"type": "string", "not": {"enum": ["x"]}}), json!({"type": "string"}), true, &["NOT_TYPE_NARROWED"], false, &["NOT_TYPE_NARROWED"]);
    t.case("not content widened narrows", json!({"not": {"type": "string"}}), json!({"not": {"type": ["string", "number"]}}), false, &["TYPE_EXTENDED"], true, &["TYPE_EXTENDED"]);
    t.case("mixed allOf added", json!({"type": "object"}), json!({"type": "object", "allOf": [{"required": ["a"]}]}), false, &["COMBINED_TYPE_SUBSCHEMAS_CHANGED"], true, &["REQUIRED_ATTRIBUTE_ADDED"]);
    t.case("if/then/else changed", json!({"if": {"type": "string"}, "then": {"maxLength": 2}}), json!({"if": {"type": "string"}, "then": {"maxLength": 3}}), true, &["CONDITIONAL_CHANGED"], true, &["CONDITIONAL_CHANGED"]);
    t.finish();
}

#[test]
#[rustfmt::skip]
fn references() {
    let mut t = Table::default();
    let defs = |body: Value| json!({"definitions": {"Name": body}, "type": "object", "properties": {"name": {"$ref": "#/definitions/Name"}}});
    t.case("ref target narrowed", defs(json!({"type": ["string", "null"]})), defs(json!({"type": "string"})), false, &["TYPE_NARROWED"], true, &["TYPE_NARROWED"]);
    t.case("ref target unchanged", defs(json!({"type": "string"})), defs(json!({"type": "string"})), true, &[], true, &[]);
    t.case("ref inlined", defs(json!({"type": "string"})), json!({"type": "object", "properties": {"name": {"type": "string"}}}), true, &[], true, &[]);
    t.case("$defs and definitions", json!({"$defs": {"A": {"maxLength": 3}}, "$ref": "#/$defs/A"}), json!({"definitions": {"B": {"maxLength": 5}}, "$ref": "#/definitions/B"}), true, &["MAX_LENGTH_INCREASED"], false, &["MAX_LENGTH_INCREASED"]);
    let tree = |leaf: Value| json!({"$defs": {"Node": {"type": "object", "properties": {"value": leaf, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}}, "$ref": "#/$defs/Node"});
    t.case("recursive schema unchanged", tree(json!({"type": "integer"})), tree(json!({"type": "integer"})), true, &[], true, &[]);
    t.case("recursive schema widened", tree(json!({"type": "integer"})), tree(json!({"type": "number"})), true, &["TYPE_EXTENDED"], false, &["TYPE_EXTENDED"]);
    t.case("recursive vs open", tree(json!({"type": "integer"})), json!({"type": "object"}), true, &["PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"], false, &["PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"]);
    t.case("components schemas", json!({"components": {"schemas": {"A": {"type": "integer"}}}, "$ref": "#/components/schemas/A"}), json!({"components": {"schemas": {"A": {"type": "integer", "minimum": 0}}}, "$ref": "#/components/schemas/A"}), false, &["MINIMUM_ADDED"], true, &["MINIMUM_ADDED"]);
    t.finish();
}

#[test]
fn errors_are_reported_not_panics() {
    let bad = [
        (json!({"$ref": "#/definitions/Missing"}), "#/$ref"),
        (json!({"$ref": "other.json#/A"}), "#/$ref"),
        (json!({"maxLength": "five"}), "#/maxLength"),
        (json!({"type": "text"}), "#/type"),
        (json!({"properties": []}), "#/properties"),
        (
            json!({"type": "object", "properties": {"a": 5}}),
            "#/properties/a",
        ),
        (json!({"allOf": []}), "#/allOf"),
        (json!({"$ref": "#"}), "#/$ref"),
        (json!(5), "#"),
    ];
    for (schema, location) in bad {
        let result = check(
            &[json!({"type": "object", "properties": {"a": {}}})],
            &schema,
            Mode::Full,
        );
        let error = result.expect_err(&format!("{schema} should be rejected"));
        assert_eq!(error.location, location, "{schema}: {error}");
        assert!(!error.message.is_empty(), "{schema}");
    }
}

#[test]
fn full_and_transitive_modes() {
    let v1 = json!({"type": "string", "maxLength": 3});
    let v2 = json!({"type": "string", "maxLength": 5});
    let v3 = json!({"type": "string", "maxLength": 4});
    assert!(
        !check(std::slice::from_ref(&v1), &v2, Mode::Full)
            .unwrap()
            .compatible
    );
    assert!(
        check(std::slice::from_ref(&v1), &v2, Mode::Backward)
            .unwrap()
            .compatible
    );
    assert!(
        !check(&[v1.clone(), v2.clone()], &v3, Mode::ForwardTransitive)
            .unwrap()
            .compatible
    );
    assert!(
        check(&[v1.clone(), v2.clone()], &v3, Mode::Forward)
            .unwrap()
            .compatible
    );
    assert!(
        !check(&[v2.clone(), v1.clone()], &v3, Mode::BackwardTransitive)
            .unwrap()
            .compatible
    );
    let none = check(&[v2], &json!({"type": "number"}), Mode::None).unwrap();
    assert!(none.compatible && none.findings.is_empty());
    let full = check(
        std::slice::from_ref(&v1),
        &json!({"type": "string", "maxLength": 5, "title": "t"}),
        Mode::Full,
    )
    .unwrap();
    assert_eq!(
        full.findings
            .iter()
            .filter(|f| f.code == "TITLE_CHANGED")
            .count(),
        1
    );
}

#[test]
fn compare_uses_the_path_prefix_and_roots() {
    let old = json!({"components": {"schemas": {"A": {"type": "string"}}}});
    let new = json!({"components": {"schemas": {"A": {"type": "integer"}}}});
    let (o, n) = (
        json!({"$ref": "#/components/schemas/A"}),
        json!({"$ref": "#/components/schemas/A"}),
    );
    let prefix = "#/paths/~1charges/post/requestBody/content/application~1json/schema";
    let findings = SchemaDiff::new(&old, &new)
        .compare(&o, &n, Direction::Backward, prefix)
        .unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, "TYPE_CHANGED");
    assert_eq!(findings[0].level, Level::Breaking);
    assert_eq!(findings[0].path, prefix);
}
