//! Robustness: whatever JSON comes in, the OpenAPI checker and the verdict return (an error is
//! fine) instead of panicking.

use breakwater_domain::contract::deploy::{consumer_verdicts, ConsumerUsage};
use breakwater_domain::contract::openapi::{check, diff, operations};
use breakwater_domain::contract::{ContractKind, Finding, Level, Mode, SpecError};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Keys and strings that steer random trees into the checker's code paths.
const WORDS: &[&str] = &[
    "openapi",
    "paths",
    "/a",
    "/a/{id}",
    "/b/{x}/{y}",
    "get",
    "post",
    "delete",
    "parameters",
    "name",
    "in",
    "path",
    "query",
    "header",
    "required",
    "schema",
    "requestBody",
    "content",
    "application/json",
    "responses",
    "200",
    "2XX",
    "default",
    "404",
    "headers",
    "security",
    "$ref",
    "#/components/schemas/S",
    "#/components/parameters/P",
    "#/components/responses/R",
    "#",
    "components",
    "schemas",
    "S",
    "type",
    "properties",
    "object",
    "string",
    "enum",
    "deprecated",
    "x-sunset",
    "3.0.3",
    "3.1.0",
    "items",
    "allOf",
    "oneOf",
    "nullable",
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(WORDS).prop_map(str::to_string)
}

fn json_tree() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((word(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn mode() -> impl Strategy<Value = Mode> {
    prop::sample::select(Mode::ALL.to_vec())
}

fn valid() -> Value {
    json!({
        "openapi": "3.0.3",
        "security": [{"k": []}],
        "paths": {
            "/a/{id}": {
                "parameters": [{"$ref": "#/components/parameters/P"}],
                "get": {
                    "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                    "security": [{"o": ["read"]}],
                    "responses": {
                        "200": {"description": "ok", "headers": {"H": {"required": true}},
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S"}}}},
                        "default": {"$ref": "#/components/responses/R"}
                    }
                },
                "post": {
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/S"}}}},
                    "responses": {"201": {"description": "created"}}
                }
            }
        },
        "components": {
            "parameters": {"P": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}},
            "responses": {"R": {"description": "err", "content": {"application/json": {"schema": {"type": "object"}}}}},
            "schemas": {"S": {"type": "object", "required": ["a"], "properties": {
                "a": {"type": "string", "enum": ["x", "y"], "nullable": true},
                "self": {"$ref": "#/components/schemas/S"}
            }}}
        }
    })
}

/// Every JSON pointer in a document, the root excluded.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v))
            .collect(),
        Value::Array(list) => list
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    };
    for (token, child) in children {
        let pointer = format!("{at}/{token}");
        out.push(pointer.clone());
        pointers(child, pointer, out);
    }
}

/// Replace (or, with `None`, remove) the node at the `index`-th pointer of `doc`.
fn mutate(doc: &mut Value, index: usize, replacement: Option<Value>) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let pointer = &all[index % all.len()];
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    let last = last.replace("~1", "/").replace("~0", "~");
    match (doc.pointer_mut(parent).unwrap(), replacement) {
        (Value::Object(map), Some(v)) => {
            map.insert(last, v);
        }
        (Value::Object(map), None) => {
            map.remove(&last);
        }
        (Value::Array(list), Some(v)) => list[last.parse::<usize>().unwrap()] = v,
        (Value::Array(list), None) => {
            list.remove(last.parse::<usize>().unwrap());
        }
        _ => unreachable!("pointers only name children of containers"),
    }
}

/// What holds of any result of `diff(old, new, mode)` against `check(&[old], new, mode)`:
/// both fail or neither does, an error says where, every finding points into the document and
/// names its operation, mode `none` finds nothing, and `check`'s verdict follows the findings.
fn consistent(
    diff: &Result<Vec<Finding>, SpecError>,
    check: &Result<breakwater_domain::contract::Report, SpecError>,
    mode: Mode,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        diff.is_ok(),
        check.is_ok(),
        "diff {:?}\ncheck {:?}",
        diff,
        check
    );
    match (diff, check) {
        (Ok(findings), Ok(report)) => {
            prop_assert!(mode != Mode::None || findings.is_empty(), "{:?}", findings);
            for f in findings {
                prop_assert!(f.path.starts_with('#') && f.operation.is_some(), "{:?}", f);
            }
            let none_breaking = findings.iter().all(|f| f.level != Level::Breaking);
            prop_assert_eq!(report.compatible, none_breaking);
        }
        (Err(e), _) | (_, Err(e)) => {
            prop_assert!(!e.location.is_empty() && !e.message.is_empty(), "{:?}", e);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_trees_never_panic(old in json_tree(), new in json_tree(), mode in mode()) {
        consistent(&diff(&old, &new, mode), &check(std::slice::from_ref(&old), &new, mode), mode)?;
        let _ = operations(&new);
        let wrapped = json!({"openapi": "3.1.0", "paths": new});
        consistent(&diff(&valid(), &wrapped, mode), &check(&[valid()], &wrapped, mode), mode)?;
        consistent(&diff(&wrapped, &valid(), mode), &check(std::slice::from_ref(&wrapped), &valid(), mode), mode)?;
    }

    #[test]
    fn mutated_specs_never_panic(
        edits in prop::collection::vec((any::<usize>(), prop::option::weighted(0.7, json_tree())), 1..4),
        mode in mode(),
    ) {
        let mut doc = valid();
        for (index, replacement) in edits {
            mutate(&mut doc, index, replacement);
        }
        consistent(&diff(&valid(), &doc, mode), &check(&[valid()], &doc, mode), mode)?;
        consistent(&diff(&doc, &valid(), mode), &check(&[doc.clone()], &valid(), mode), mode)?;
        let _ = check(&[valid(), doc.clone()], &valid(), mode);
        let consumers = [ConsumerUsage { consumer: "c".into(), uses: vec!["GET /a/{x}".into()], hard: false }];
        let history = [("1".to_string(), valid())];
        let _ = consumer_verdicts("c", ContractKind::OpenApi, &history, ("2", &doc), mode, &consumers);
    }
}
