//! Comparisons of `$ref` targets are memoised inside the engine: a shared schema used from many
//! places must still give, at every place, the findings it would give there on its own, with
//! paths re-based onto that place.

use breakwater_domain::contract::json_schema::{check, SchemaDiff};
use breakwater_domain::contract::{Direction, Finding, Level, Mode};
use serde_json::{json, Map, Value};

/// The schema that changes: `id` gets a shorter `maxLength`, `name` a `minLength`.
fn shared(max: u64, min: Option<u64>) -> Value {
    let mut name = json!({"type": "string"});
    if let Some(min) = min {
        name["minLength"] = json!(min);
    }
    json!({
        "type": "object",
        "required": ["id"],
        "properties": {"id": {"type": "string", "maxLength": max}, "name": name}
    })
}

/// A document using `#/$defs/Shared` from properties, array items, `allOf`, `oneOf`, `not`
/// and through another definition.
fn document(max: u64, min: Option<u64>) -> Value {
    let r = json!({"$ref": "#/$defs/Shared"});
    json!({
        "$defs": {
            "Shared": shared(max, min),
            "Wrapper": {"type": "object", "properties": {"inner": r, "again": r}}
        },
        "type": "object",
        "properties": {
            "a": r,
            "b": {"type": "array", "items": r},
            "c": {"allOf": [r, {"properties": {"extra": {"type": "integer"}}}]},
            "d": {"oneOf": [r, {"type": "integer"}]},
            "e": {"$ref": "#/$defs/Wrapper"},
            "f": {"type": "array", "items": {"$ref": "#/$defs/Wrapper"}},
            "g": {"type": "object", "additionalProperties": r},
            "h": {"anyOf": [{"type": "string"}, r]},
            "i": r
        }
    })
}

/// The same document with every (non-recursive) local `$ref` replaced by its target.
fn inlined(schema: &Value, root: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let target = root.pointer(reference.trim_start_matches('#')).unwrap();
                return inlined(target, root);
            }
            let copy: Map<String, Value> = map
                .iter()
                .filter(|(k, _)| *k != "$defs")
                .map(|(k, v)| (k.clone(), inlined(v, root)))
                .collect();
            Value::Object(copy)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| inlined(v, root)).collect()),
        other => other.clone(),
    }
}

fn summary(findings: &[Finding]) -> Vec<(String, Level, String, String)> {
    findings
        .iter()
        .map(|f| (f.code.clone(), f.level, f.path.clone(), f.message.clone()))
        .collect()
}

fn compare(old: &Value, new: &Value, dir: Direction, prefix: &str) -> Vec<Finding> {
    SchemaDiff::new(old, new)
        .compare(old, new, dir, prefix)
        .unwrap()
}

#[test]
fn shared_ref_gives_the_same_findings_as_inlined_copies() {
    let old = document(10, None);
    let new = document(5, Some(1));
    let (old_inline, new_inline) = (inlined(&old, &old), inlined(&new, &new));
    for dir in [Direction::Backward, Direction::Forward] {
        for prefix in ["#", "#/components/schemas/Root"] {
            let with_refs = compare(&old, &new, dir, prefix);
            let without = compare(&old_inline, &new_inline, dir, prefix);
            assert_eq!(
                summary(&with_refs),
                summary(&without),
                "{dir:?} at {prefix}"
            );
            // Repeating the comparison on the same engine (warm memo) changes nothing.
            let mut engine = SchemaDiff::new(&old, &new);
            let first = engine.compare(&old, &new, dir, prefix).unwrap();
            let second = engine.compare(&old, &new, dir, "#/elsewhere").unwrap();
            assert_eq!(summary(&first), summary(&with_refs));
            let moved: Vec<_> = summary(&first)
                .into_iter()
                .map(|(c, l, p, m)| (c, l, p.replacen(prefix, "#/elsewhere", 1), m))
                .collect();
            assert_eq!(summary(&second), moved, "{dir:?} re-based from {prefix}");
        }
    }
    for mode in [Mode::Backward, Mode::Forward, Mode::Full] {
        let with_refs = check(std::slice::from_ref(&old), &new, mode).unwrap();
        let without = check(std::slice::from_ref(&old_inline), &new_inline, mode).unwrap();
        assert_eq!(with_refs.compatible, without.compatible, "{mode}");
        assert_eq!(
            summary(&with_refs.findings),
            summary(&without.findings),
            "{mode}"
        );
    }
}

#[test]
fn shared_ref_breaking_change_is_reported_at_every_use() {
    let old = document(10, None);
    let new = document(5, None);
    let findings = compare(&old, &new, Direction::Backward, "#");
    let expected = [
        (
            "MAX_LENGTH_DECREASED",
            Level::Breaking,
            "#/properties/a/properties/id/maxLength",
        ),
        (
            "MAX_LENGTH_DECREASED",
            Level::Breaking,
            "#/properties/b/items/properties/id/maxLength",
        ),
        (
            "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
            Level::Breaking,
            "#/properties/c",
        ),
        (
            "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
            Level::Breaking,
            "#/properties/d",
        ),
        (
            "MAX_LENGTH_DECREASED",
            Level::Breaking,
            "#/properties/e/properties/again/properties/id/maxLength",
        ),
        (
            "MAX_LENGTH_DECREASED",
            Level::Breaking,
            "#/properties/e/properties/inner/properties/id/maxLength",
        ),
        (
            "MAX_LENGTH_DECREASED",
            Level::Breaking,
            "#/properties/f/items/properties/again/properties/id/maxLength",
        ),
        (
            "MAX_LENGTH_DECREASED",
            Level::Breaking,
            "#/properties/f/items/properties/inner/properties/id/maxLength",
        ),
        (
            "MAX_LENGTH_DECREASED",
            Level::Breaking,
            "#/properties/g/additionalProperties/properties/id/maxLength",
        ),
        (
            "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
            Level::Breaking,
            "#/properties/h",
        ),
        (
            "MAX_LENGTH_DECREASED",
            Level::Breaking,
            "#/properties/i/properties/id/maxLength",
        ),
    ];
    let actual: Vec<_> = findings
        .iter()
        .map(|f| (f.code.as_str(), f.level, f.path.as_str()))
        .collect();
    assert_eq!(actual, expected);

    // FORWARD: the change is compatible, so the subschemas inside combinators match and report
    // the change at their own (re-based) paths.
    let findings = compare(&old, &new, Direction::Forward, "#");
    let paths: Vec<_> = findings
        .iter()
        .filter(|f| f.code == "MAX_LENGTH_DECREASED")
        .map(|f| (f.level, f.path.as_str()))
        .collect();
    let info = |p| (Level::Info, p);
    assert_eq!(
        paths,
        [
            info("#/properties/a/properties/id/maxLength"),
            info("#/properties/b/items/properties/id/maxLength"),
            info("#/properties/c/allOf/0/properties/id/maxLength"),
            info("#/properties/d/oneOf/0/properties/id/maxLength"),
            info("#/properties/e/properties/again/properties/id/maxLength"),
            info("#/properties/e/properties/inner/properties/id/maxLength"),
            info("#/properties/f/items/properties/again/properties/id/maxLength"),
            info("#/properties/f/items/properties/inner/properties/id/maxLength"),
            info("#/properties/g/additionalProperties/properties/id/maxLength"),
            info("#/properties/h/anyOf/1/properties/id/maxLength"),
            info("#/properties/i/properties/id/maxLength"),
        ]
    );
}

/// Mutually recursive definitions: a comparison that relied on a pair in progress being
/// compatible depends on where it started and must not be reused elsewhere.
#[test]
fn recursive_refs_are_not_reused_across_contexts() {
    let doc = |max: u64| {
        json!({
            "$defs": {
                "A": {"type": "object", "properties": {
                    "b": {"$ref": "#/$defs/B"},
                    "x": {"type": "string", "maxLength": max}
                }},
                "B": {"type": "object", "properties": {
                    "a": {"$ref": "#/$defs/A"},
                    "y": {"type": "string", "maxLength": max}
                }}
            },
            "type": "object",
            "properties": {
                "p1": {"$ref": "#/$defs/B"},
                "p2": {"$ref": "#/$defs/A"},
                "p3": {"$ref": "#/$defs/B"},
                "p4": {"$ref": "#/$defs/A"}
            }
        })
    };
    let (old, new) = (doc(10), doc(5));
    let findings = compare(&old, &new, Direction::Backward, "#");
    let actual: Vec<_> = findings
        .iter()
        .map(|f| (f.code.as_str(), f.level, f.path.as_str()))
        .collect();
    let breaking = |p| ("MAX_LENGTH_DECREASED", Level::Breaking, p);
    assert_eq!(
        actual,
        [
            breaking("#/properties/p1/properties/a/properties/x/maxLength"),
            breaking("#/properties/p1/properties/y/maxLength"),
            breaking("#/properties/p2/properties/b/properties/y/maxLength"),
            breaking("#/properties/p2/properties/x/maxLength"),
            breaking("#/properties/p3/properties/a/properties/x/maxLength"),
            breaking("#/properties/p3/properties/y/maxLength"),
            breaking("#/properties/p4/properties/b/properties/y/maxLength"),
            breaking("#/properties/p4/properties/x/maxLength"),
        ]
    );
}
