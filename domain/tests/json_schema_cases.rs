//! One line per rule and direction: old schema, new schema, whether BACKWARD and FORWARD are
//! compatible, and the codes that must be reported.

use breakwater_domain::contract::json_schema::{check, SchemaDiff};
use breakwater_domain::contract::{Direction, Level, Mode};
use serde_json::{json, Value};

fn case(name: &str, old: Value, new: Value, backward: bool, forward: bool, codes: &[&str]) {
    let mut reported = Vec::new();
    for (mode, expected) in [(Mode::Backward, backward), (Mode::Forward, forward)] {
        let report = check(std::slice::from_ref(&old), &new, mode)
            .unwrap_or_else(|e| panic!("{name}: {mode}: {e}"));
        assert_eq!(
            report.compatible, expected,
            "{name}: {mode} compatible should be {expected}; findings {:#?}",
            report.findings
        );
        reported.extend(report.findings);
    }
    // Some codes depend on the direction (e.g. COVERED / NOT_COVERED): either report counts.
    for code in codes {
        assert!(
            reported.iter().any(|f| f.code == *code),
            "{name}: expected code {code}; findings {reported:#?}"
        );
    }
}

#[test]
#[rustfmt::skip]
fn types() {
    case("same type", json!({"type": "string"}), json!({"type": "string"}), true, true, &[]);
    case("type narrowed", json!({"type": ["string", "number"]}), json!({"type": "string"}), false, true, &["TYPE_NARROWED"]);
    case("type extended", json!({"type": "string"}), json!({"type": ["string", "number"]}), true, false, &["TYPE_EXTENDED"]);
    case("type changed", json!({"type": "string"}), json!({"type": "number"}), false, false, &["TYPE_CHANGED"]);
    case("integer to number", json!({"type": "integer"}), json!({"type": "number"}), true, false, &["TYPE_EXTENDED"]);
    case("number to integer", json!({"type": "number"}), json!({"type": "integer"}), false, true, &["TYPE_NARROWED"]);
    case("type removed", json!({"type": "string"}), json!({}), true, false, &["TYPE_EXTENDED"]);
    case("type added", json!({}), json!({"type": "object"}), false, true, &["TYPE_NARROWED"]);
    case("null added", json!({"type": "string"}), json!({"type": ["string", "null"]}), true, false, &["TYPE_EXTENDED"]);
    case("nullable added", json!({"type": "string"}), json!({"type": "string", "nullable": true}), true, false, &["TYPE_EXTENDED"]);
    case("nullable removed", json!({"type": "string", "nullable": true}), json!({"type": "string"}), false, true, &["TYPE_NARROWED"]);
    case("nullable is type null", json!({"type": ["integer", "null"]}), json!({"type": "integer", "nullable": true}), true, true, &[]);
    case("true to false", json!(true), json!(false), false, true, &["TYPE_NARROWED"]);
    case("false to true", json!(false), json!(true), true, false, &["TYPE_EXTENDED"]);
    case("true equals empty", json!(true), json!({"description": "anything"}), true, true, &["DESCRIPTION_CHANGED"]);
    case("annotations never break", json!({"type": "string", "title": "a", "x-kind": 1}), json!({"type": "string", "title": "b", "examples": ["x"], "deprecated": true, "readOnly": true}), true, true, &["TITLE_CHANGED"]);
}

#[test]
#[rustfmt::skip]
fn enums() {
    case("enum extended", json!({"enum": ["a", "b"]}), json!({"enum": ["a", "b", "c"]}), true, false, &["ENUM_ARRAY_EXTENDED"]);
    case("enum narrowed", json!({"enum": ["a", "b"]}), json!({"enum": ["a"]}), false, true, &["ENUM_ARRAY_NARROWED"]);
    case("enum changed", json!({"enum": ["a", "b"]}), json!({"enum": ["a", "c"]}), false, false, &["ENUM_ARRAY_CHANGED"]);
    case("enum reordered", json!({"enum": ["a", "b"]}), json!({"enum": ["b", "a"]}), true, true, &[]);
    case("enum added", json!({"type": "string"}), json!({"type": "string", "enum": ["a"]}), false, true, &["ENUM_ARRAY_NARROWED"]);
    case("enum removed", json!({"type": "string", "enum": ["a"]}), json!({"type": "string"}), true, false, &["ENUM_ARRAY_EXTENDED"]);
    case("const to enum", json!({"const": "a"}), json!({"enum": ["a", "b"]}), true, false, &["ENUM_ARRAY_EXTENDED"]);
    case("enum to const", json!({"enum": [1, 2]}), json!({"const": 1}), false, true, &["ENUM_ARRAY_NARROWED"]);
    case("enum gains a type", json!({"enum": ["a"]}), json!({"type": "string", "enum": ["a", "b"]}), true, false, &["ENUM_ARRAY_EXTENDED"]);
}

#[test]
#[rustfmt::skip]
fn strings() {
    case("maxLength added", json!({"type": "string"}), json!({"type": "string", "maxLength": 5}), false, true, &["MAX_LENGTH_ADDED"]);
    case("maxLength removed", json!({"type": "string", "maxLength": 5}), json!({"type": "string"}), true, false, &["MAX_LENGTH_REMOVED"]);
    case("maxLength increased", json!({"maxLength": 5}), json!({"maxLength": 8}), true, false, &["MAX_LENGTH_INCREASED"]);
    case("maxLength decreased", json!({"maxLength": 8}), json!({"maxLength": 5}), false, true, &["MAX_LENGTH_DECREASED"]);
    case("minLength increased", json!({"minLength": 1}), json!({"minLength": 3}), false, true, &["MIN_LENGTH_INCREASED"]);
    case("minLength decreased", json!({"minLength": 3}), json!({"minLength": 1}), true, false, &["MIN_LENGTH_DECREASED"]);
    case("minLength added", json!({"type": "string"}), json!({"type": "string", "minLength": 1}), false, true, &["MIN_LENGTH_ADDED"]);
    case("pattern added", json!({"type": "string"}), json!({"type": "string", "pattern": "^a"}), false, true, &["PATTERN_ADDED"]);
    case("pattern removed", json!({"type": "string", "pattern": "^a"}), json!({"type": "string"}), true, false, &["PATTERN_REMOVED"]);
    case("pattern changed", json!({"pattern": "^a"}), json!({"pattern": "^b"}), false, false, &["PATTERN_CHANGED"]);
    case("format added", json!({"type": "string"}), json!({"type": "string", "format": "email"}), false, true, &["FORMAT_ADDED"]);
    case("format removed", json!({"type": "string", "format": "email"}), json!({"type": "string"}), true, false, &["FORMAT_REMOVED"]);
    case("string keyword on a number is irrelevant", json!({"type": "number"}), json!({"type": "number", "maxLength": 3}), true, true, &[]);
}

#[test]
#[rustfmt::skip]
fn numbers() {
    case("maximum added", json!({"type": "number"}), json!({"type": "number", "maximum": 10}), false, true, &["MAXIMUM_ADDED"]);
    case("maximum increased", json!({"maximum": 10}), json!({"maximum": 20}), true, false, &["MAXIMUM_INCREASED"]);
    case("maximum decreased", json!({"maximum": 20}), json!({"maximum": 10}), false, true, &["MAXIMUM_DECREASED"]);
    case("minimum removed", json!({"minimum": 0}), json!({}), true, false, &["MINIMUM_REMOVED"]);
    case("minimum increased", json!({"minimum": 0}), json!({"minimum": 1}), false, true, &["MINIMUM_INCREASED"]);
    case("exclusiveMaximum number added", json!({"type": "number"}), json!({"type": "number", "exclusiveMaximum": 5}), false, true, &["EXCLUSIVE_MAXIMUM_ADDED"]);
    case("exclusiveMinimum number decreased", json!({"exclusiveMinimum": 5}), json!({"exclusiveMinimum": 1}), true, false, &["EXCLUSIVE_MINIMUM_DECREASED"]);
    case("draft-04 exclusiveMinimum flag added", json!({"minimum": 0}), json!({"minimum": 0, "exclusiveMinimum": true}), false, true, &["EXCLUSIVE_MINIMUM_ADDED"]);
    case("draft-04 exclusiveMaximum flag removed", json!({"maximum": 9, "exclusiveMaximum": true}), json!({"maximum": 9}), true, false, &["EXCLUSIVE_MAXIMUM_REMOVED"]);
    case("minimum to equal exclusiveMinimum", json!({"minimum": 5}), json!({"exclusiveMinimum": 5}), false, true, &["EXCLUSIVE_MINIMUM_ADDED"]);
    case("exclusiveMinimum to looser minimum", json!({"exclusiveMinimum": 5}), json!({"minimum": 5}), true, false, &["MINIMUM_ADDED"]);
    case("multipleOf added", json!({"type": "number"}), json!({"type": "number", "multipleOf": 2}), false, true, &["MULTIPLE_OF_ADDED"]);
    case("multipleOf removed", json!({"multipleOf": 2}), json!({}), true, false, &["MULTIPLE_OF_REMOVED"]);
    case("multipleOf expanded", json!({"multipleOf": 2}), json!({"multipleOf": 4}), false, true, &["MULTIPLE_OF_EXPANDED"]);
    case("multipleOf reduced", json!({"multipleOf": 4}), json!({"multipleOf": 2}), true, false, &["MULTIPLE_OF_REDUCED"]);
    case("multipleOf changed", json!({"multipleOf": 2}), json!({"multipleOf": 3}), false, false, &["MULTIPLE_OF_CHANGED"]);
    case("multipleOf 1 on integers", json!({"type": "integer"}), json!({"type": "integer", "multipleOf": 1}), true, true, &["MULTIPLE_OF_ADDED"]);
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
    let a = json!({"a": {"type": "string"}});
    let ab = json!({"a": {"type": "string"}, "b": {"type": "integer"}});
    let closed = json!({"additionalProperties": false});
    case("property added to open model", obj(a.clone(), json!({})), obj(ab.clone(), json!({})), false, true, &["PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"]);
    case("property removed from open model", obj(ab.clone(), json!({})), obj(a.clone(), json!({})), true, false, &["PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"]);
    case("empty property added to open model", obj(a.clone(), json!({})), obj(json!({"a": {"type": "string"}, "b": {}}), json!({})), true, true, &["PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"]);
    case("optional property added to closed model", obj(a.clone(), closed.clone()), obj(ab.clone(), closed.clone()), true, false, &["OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    case("required property added to closed model", obj(a.clone(), closed.clone()), obj(ab.clone(), json!({"additionalProperties": false, "required": ["b"]})), false, false, &["REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    case("required property with default added to closed model", obj(a.clone(), closed.clone()), obj(json!({"a": {"type": "string"}, "b": {"type": "integer", "default": 0}}), json!({"additionalProperties": false, "required": ["b"]})), true, false, &["REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    case("property removed from closed model", obj(ab.clone(), closed.clone()), obj(a.clone(), closed.clone()), false, true, &["PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"]);
    case("false property removed from closed model", obj(json!({"a": {}, "b": false}), closed.clone()), obj(json!({"a": {}}), closed.clone()), true, true, &["PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"]);
    let partial = json!({"additionalProperties": {"type": "integer"}});
    case("property added covered by partial model", obj(a.clone(), partial.clone()), obj(ab.clone(), partial.clone()), true, true, &["PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
    case("property added not covered by partial model", obj(a.clone(), partial.clone()), obj(json!({"a": {"type": "string"}, "b": {"type": "string"}}), partial.clone()), false, false, &["PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
    case("narrower property added to partial model", obj(a.clone(), json!({"additionalProperties": {"type": "number"}})), obj(ab.clone(), json!({"additionalProperties": {"type": "number"}})), false, true, &["PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
    case("property removed covered by partial model", obj(ab.clone(), partial.clone()), obj(a.clone(), partial.clone()), true, true, &["PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
    case("property removed not covered by partial model", obj(json!({"a": {}, "b": {"type": "string"}}), partial.clone()), obj(json!({"a": {}}), partial.clone()), false, false, &["PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
    let by_pattern =
        json!({"patternProperties": {"^x_": {"type": "string"}}, "additionalProperties": false});
    case("property added covered by patternProperties", obj(json!({}), by_pattern.clone()), obj(json!({"x_id": {"type": "string", "maxLength": 3}}), by_pattern.clone()), false, true, &["PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "MAX_LENGTH_ADDED"]);
    case("property added outside patternProperties", obj(json!({}), by_pattern.clone()), obj(json!({"id": {"type": "string"}}), by_pattern.clone()), true, false, &["OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"]);
    case("patternProperties added", obj(a.clone(), closed.clone()), obj(a.clone(), json!({"additionalProperties": false, "patternProperties": {"^x-": {}}})), true, false, &["PATTERN_PROPERTY_ADDED"]);
    case("required added", obj(ab.clone(), json!({})), obj(ab.clone(), json!({"required": ["b"]})), false, true, &["REQUIRED_ATTRIBUTE_ADDED"]);
    case("required removed", obj(ab.clone(), json!({"required": ["b"]})), obj(ab.clone(), json!({})), true, false, &["REQUIRED_ATTRIBUTE_REMOVED"]);
    case("required with default added", obj(json!({"b": {"default": 1}}), json!({})), obj(json!({"b": {"default": 1}}), json!({"required": ["b"]})), true, true, &["REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"]);
    case("property type narrowed", obj(json!({"a": {"type": ["string", "null"]}}), json!({})), obj(json!({"a": {"type": "string"}}), json!({})), false, true, &["TYPE_NARROWED"]);
    case("additionalProperties false added", obj(a.clone(), json!({})), obj(a.clone(), closed.clone()), false, true, &["ADDITIONAL_PROPERTIES_REMOVED"]);
    case("additionalProperties false removed", obj(a.clone(), closed.clone()), obj(a.clone(), json!({})), true, false, &["ADDITIONAL_PROPERTIES_ADDED"]);
    case("additionalProperties schema added", obj(a.clone(), json!({})), obj(a.clone(), partial.clone()), false, true, &["ADDITIONAL_PROPERTIES_NARROWED"]);
    case("additionalProperties schema removed", obj(a.clone(), partial.clone()), obj(a.clone(), json!({})), true, false, &["ADDITIONAL_PROPERTIES_EXTENDED"]);
    case("additionalProperties schema widened", obj(a.clone(), partial.clone()), obj(a.clone(), json!({"additionalProperties": {"type": "number"}})), true, false, &["TYPE_EXTENDED"]);
    case("maxProperties added", json!({"type": "object"}), json!({"type": "object", "maxProperties": 3}), false, true, &["MAX_PROPERTIES_ADDED"]);
    case("minProperties decreased", json!({"minProperties": 3}), json!({"minProperties": 1}), true, false, &["MIN_PROPERTIES_DECREASED"]);
    case("dependency array added", json!({"type": "object"}), json!({"type": "object", "dependencies": {"a": ["b"]}}), false, true, &["DEPENDENCY_ARRAY_ADDED"]);
    case("dependency array extended", json!({"dependencies": {"a": ["b"]}}), json!({"dependencies": {"a": ["b", "c"]}}), false, true, &["DEPENDENCY_ARRAY_EXTENDED"]);
    case("dependentRequired narrowed", json!({"dependentRequired": {"a": ["b", "c"]}}), json!({"dependentRequired": {"a": ["b"]}}), true, false, &["DEPENDENCY_ARRAY_NARROWED"]);
    case("dependency schema added", json!({"type": "object"}), json!({"type": "object", "dependentSchemas": {"a": {"required": ["b"]}}}), false, true, &["DEPENDENCY_SCHEMA_ADDED"]);
    case("dependency schema removed", json!({"dependencies": {"a": {"required": ["b"]}}}), json!({}), true, false, &["DEPENDENCY_SCHEMA_REMOVED"]);
    case("propertyNames added", json!({"type": "object"}), json!({"type": "object", "propertyNames": {"maxLength": 3}}), false, true, &["MAX_LENGTH_ADDED"]);
    case("object keyword on a string is irrelevant", json!({"type": "string"}), json!({"type": "string", "required": ["a"]}), true, true, &[]);
}

#[test]
#[rustfmt::skip]
fn arrays() {
    let arr = |extra: Value| {
        let mut s = json!({"type": "array"});
        s.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        s
    };
    case("items narrowed", arr(json!({"items": {"type": ["string", "null"]}})), arr(json!({"items": {"type": "string"}})), false, true, &["TYPE_NARROWED"]);
    case("items added", arr(json!({})), arr(json!({"items": {"type": "string"}})), false, true, &["TYPE_NARROWED"]);
    case("maxItems added", arr(json!({})), arr(json!({"maxItems": 3})), false, true, &["MAX_ITEMS_ADDED"]);
    case("maxItems increased", arr(json!({"maxItems": 3})), arr(json!({"maxItems": 5})), true, false, &["MAX_ITEMS_INCREASED"]);
    case("minItems increased", arr(json!({"minItems": 1})), arr(json!({"minItems": 2})), false, true, &["MIN_ITEMS_INCREASED"]);
    case("minItems removed", arr(json!({"minItems": 1})), arr(json!({})), true, false, &["MIN_ITEMS_REMOVED"]);
    case("uniqueItems added", arr(json!({})), arr(json!({"uniqueItems": true})), false, true, &["UNIQUE_ITEMS_ADDED"]);
    case("uniqueItems removed", arr(json!({"uniqueItems": true})), arr(json!({"uniqueItems": false})), true, false, &["UNIQUE_ITEMS_REMOVED"]);
    case("contains added", arr(json!({})), arr(json!({"contains": {"type": "string"}})), false, true, &["CONTAINS_ADDED"]);
    case("contains narrowed", arr(json!({"contains": {"type": ["string", "null"]}})), arr(json!({"contains": {"type": "string"}})), false, true, &["TYPE_NARROWED"]);
    let s = json!({"type": "string"});
    let n = json!({"type": "number"});
    case("tuple item added to open model", arr(json!({"items": [s]})), arr(json!({"items": [s, n]})), false, true, &["ITEM_ADDED_TO_OPEN_CONTENT_MODEL"]);
    case("tuple item removed from open model", arr(json!({"items": [s, n]})), arr(json!({"items": [s]})), true, false, &["ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL"]);
    case("tuple item added to closed model", arr(json!({"items": [s], "additionalItems": false})), arr(json!({"items": [s, n], "additionalItems": false})), true, false, &["ITEM_ADDED_TO_CLOSED_CONTENT_MODEL"]);
    case("tuple item removed from closed model", arr(json!({"items": [s, n], "additionalItems": false})), arr(json!({"items": [s], "additionalItems": false})), false, true, &["ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"]);
    case("tuple item added covered by additionalItems", arr(json!({"items": [s], "additionalItems": {"type": "integer"}})), arr(json!({"items": [s, n], "additionalItems": {"type": "integer"}})), true, false, &["ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
    case("tuple item removed not covered", arr(json!({"items": [s, s], "additionalItems": n})), arr(json!({"items": [s], "additionalItems": n})), false, false, &["ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
    case("additionalItems false added", arr(json!({"items": [s]})), arr(json!({"items": [s], "additionalItems": false})), false, true, &["ADDITIONAL_ITEMS_REMOVED"]);
    case("additionalItems false removed", arr(json!({"items": [s], "additionalItems": false})), arr(json!({"items": [s]})), true, false, &["ADDITIONAL_ITEMS_ADDED"]);
    case("additionalItems schema added", arr(json!({"items": [s]})), arr(json!({"items": [s], "additionalItems": n})), false, true, &["ADDITIONAL_ITEMS_NARROWED"]);
    case("2020-12 prefixItems item added", arr(json!({"prefixItems": [s], "items": false})), arr(json!({"prefixItems": [s, n], "items": false})), true, false, &["ITEM_ADDED_TO_CLOSED_CONTENT_MODEL"]);
    case("2020-12 prefixItems narrowed", arr(json!({"prefixItems": [{"type": ["string", "null"]}]})), arr(json!({"prefixItems": [s]})), false, true, &["TYPE_NARROWED"]);
    case("2020-12 items after prefix closed", arr(json!({"prefixItems": [s]})), arr(json!({"prefixItems": [s], "items": false})), false, true, &["ADDITIONAL_ITEMS_REMOVED"]);
    case("draft-07 tuple to 2020-12 prefixItems", arr(json!({"items": [s], "additionalItems": false})), arr(json!({"prefixItems": [s], "items": false})), true, true, &[]);
}

#[test]
#[rustfmt::skip]
fn combined() {
    let s = json!({"type": "string"});
    let n = json!({"type": "number"});
    case("oneOf alternative added", json!({"oneOf": [s]}), json!({"oneOf": [s, n]}), true, false, &["SUM_TYPE_EXTENDED"]);
    case("anyOf alternative removed", json!({"anyOf": [s, n]}), json!({"anyOf": [n]}), false, true, &["SUM_TYPE_NARROWED"]);
    case("allOf constraint added", json!({"allOf": [s]}), json!({"allOf": [s, {"maxLength": 3}]}), false, true, &["PRODUCT_TYPE_EXTENDED"]);
    case("allOf constraint removed", json!({"allOf": [s, {"maxLength": 3}]}), json!({"allOf": [s]}), true, false, &["PRODUCT_TYPE_NARROWED"]);
    case("anyOf reordered", json!({"anyOf": [s, n]}), json!({"anyOf": [n, s]}), true, true, &[]);
    case("oneOf to anyOf", json!({"oneOf": [s, n]}), json!({"anyOf": [s, n]}), true, true, &["COMBINED_TYPE_EXTENDED"]);
    case("anyOf to oneOf", json!({"anyOf": [s, n]}), json!({"oneOf": [s, n]}), true, true, &["COMBINED_TYPE_CHANGED"]);
    case("anyOf to allOf", json!({"anyOf": [s, n]}), json!({"allOf": [s, n]}), false, true, &["COMBINED_TYPE_CHANGED"]);
    case("singleton anyOf is its element", json!({"anyOf": [s]}), s.clone(), true, true, &[]);
    case("plain to union", s.clone(), json!({"anyOf": [s, n]}), true, false, &["SUM_TYPE_EXTENDED"]);
    case("union to plain", json!({"oneOf": [s, n]}), s.clone(), false, true, &[]);
    case("subschemas changed", json!({"anyOf": [s, n]}), json!({"anyOf": [s, {"type": "boolean"}]}), false, false, &["COMBINED_TYPE_SUBSCHEMAS_CHANGED"]);
    case("alternative widened inside", json!({"oneOf": [{"type": "string", "maxLength": 3}, n]}), json!({"oneOf": [n, {"type": "string", "maxLength": 5}]}), true, false, &["MAX_LENGTH_INCREASED"]);
    case("not added", json!({"type": "string"}), json!({"type": "string", "not": {"enum": ["x"]}}), false, true, &["NOT_TYPE_EXTENDED"]);
    case("not removed", json!({"type": "string", "not": {"enum": ["x"]}}), json!({"type": "string"}), true, false, &["NOT_TYPE_NARROWED"]);
    case("not content widened narrows", json!({"not": {"type": "string"}}), json!({"not": {"type": ["string", "number"]}}), false, true, &["TYPE_EXTENDED"]);
    case("mixed allOf added", json!({"type": "object"}), json!({"type": "object", "allOf": [{"required": ["a"]}]}), false, true, &[]);
    case("if/then/else changed", json!({"if": {"type": "string"}, "then": {"maxLength": 2}}), json!({"if": {"type": "string"}, "then": {"maxLength": 3}}), true, true, &["CONDITIONAL_CHANGED"]);
}

#[test]
#[rustfmt::skip]
fn references() {
    let defs = |body: Value| json!({"definitions": {"Name": body}, "type": "object", "properties": {"name": {"$ref": "#/definitions/Name"}}});
    case("ref target narrowed", defs(json!({"type": ["string", "null"]})), defs(json!({"type": "string"})), false, true, &["TYPE_NARROWED"]);
    case("ref target unchanged", defs(json!({"type": "string"})), defs(json!({"type": "string"})), true, true, &[]);
    case("ref inlined", defs(json!({"type": "string"})), json!({"type": "object", "properties": {"name": {"type": "string"}}}), true, true, &[]);
    case("$defs and definitions", json!({"$defs": {"A": {"maxLength": 3}}, "$ref": "#/$defs/A"}), json!({"definitions": {"B": {"maxLength": 5}}, "$ref": "#/definitions/B"}), true, false, &["MAX_LENGTH_INCREASED"]);
    let tree = |leaf: Value| json!({"$defs": {"Node": {"type": "object", "properties": {"value": leaf, "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}}, "$ref": "#/$defs/Node"});
    case("recursive schema unchanged", tree(json!({"type": "integer"})), tree(json!({"type": "integer"})), true, true, &[]);
    case("recursive schema widened", tree(json!({"type": "integer"})), tree(json!({"type": "number"})), true, false, &["TYPE_EXTENDED"]);
    case("recursive vs open", tree(json!({"type": "integer"})), json!({"type": "object"}), true, false, &["PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"]);
    case("components schemas", json!({"components": {"schemas": {"A": {"type": "integer"}}}, "$ref": "#/components/schemas/A"}), json!({"components": {"schemas": {"A": {"type": "integer", "minimum": 0}}}, "$ref": "#/components/schemas/A"}), false, true, &["MINIMUM_ADDED"]);
}

#[test]
fn errors_are_reported_not_panics() {
    let bad = [
        json!({"$ref": "#/definitions/Missing"}),
        json!({"$ref": "other.json#/A"}),
        json!({"maxLength": "five"}),
        json!({"type": "text"}),
        json!({"properties": []}),
        json!({"type": "object", "properties": {"a": 5}}),
        json!({"allOf": []}),
        json!({"$ref": "#"}),
        json!(5),
    ];
    for schema in bad {
        let result = check(
            &[json!({"type": "object", "properties": {"a": {}}})],
            &schema,
            Mode::Full,
        );
        let error = result.expect_err(&format!("{schema} should be rejected"));
        assert!(error.location.starts_with('#'), "{error}");
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
