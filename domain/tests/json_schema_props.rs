//! Properties of the JSON Schema compatibility check over random schemas.

use breakwater_domain::contract::json_schema::check;
use breakwater_domain::contract::{Level, Mode};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const NAMES: [&str; 3] = ["a", "b", "c"];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(true)),
        Just(json!(false)),
        Just(json!({})),
        prop::sample::select(vec![
            "string", "number", "integer", "boolean", "null", "object", "array"
        ])
        .prop_map(|t| json!({ "type": t })),
        prop::sample::subsequence(vec!["string", "number", "null"], 1..3)
            .prop_map(|t| json!({ "type": t })),
        (0u8..4, 4u8..9)
            .prop_map(|(min, max)| json!({"type": "string", "minLength": min, "maxLength": max})),
        (-5i32..5, prop::option::of(5i32..20), any::<bool>()).prop_map(|(min, max, excl)| {
            let mut s = json!({"type": "number", "minimum": min, "exclusiveMinimum": excl});
            if let Some(max) = max {
                s["maximum"] = json!(max);
            }
            s
        }),
        prop::sample::select(vec![1u8, 2, 3, 4, 6])
            .prop_map(|m| json!({"type": "integer", "multipleOf": m})),
        prop::sample::subsequence(vec![json!("x"), json!("y"), json!(1), json!(null)], 1..4)
            .prop_map(|e| json!({ "enum": e })),
        prop::sample::select(vec!["^a", "^b"])
            .prop_map(|p| json!({"type": "string", "pattern": p})),
        Just(json!({"type": "string", "nullable": true})),
    ]
}

/// A random schema; `$ref`s point at the root's `$defs` or at the root itself (recursion).
fn schema() -> impl Strategy<Value = Value> {
    let body = nested().prop_filter("a bare self-reference does not resolve", |s| {
        s != &json!({"$ref": "#"})
    });
    (body, any::<bool>()).prop_map(|(s, wrap)| {
        if wrap {
            json!({"$defs": {"T": s}, "$ref": "#/$defs/T"})
        } else {
            s
        }
    })
}

fn nested() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 3, |inner| {
        prop_oneof![
            (
                prop::collection::btree_map(prop::sample::select(NAMES.to_vec()), inner.clone(), 0..3),
                prop::sample::subsequence(NAMES.to_vec(), 0..2),
                prop::option::of(prop_oneof![Just(json!(false)), Just(json!(true)), inner.clone()]),
                prop::option::of(0u8..3),
            )
                .prop_map(|(props, required, additional, max)| {
                    let props: Map<String, Value> = props.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
                    let mut s = json!({"type": "object", "properties": props, "required": required});
                    if let Some(a) = additional {
                        s["additionalProperties"] = a;
                    }
                    if let Some(m) = max {
                        s["maxProperties"] = json!(m);
                    }
                    s
                }),
            (inner.clone(), prop::option::of(0u8..3), any::<bool>()).prop_map(|(items, min, unique)| {
                json!({"type": "array", "items": items, "minItems": min.unwrap_or(0), "uniqueItems": unique})
            }),
            (prop::collection::vec(inner.clone(), 1..3), prop::option::of(inner.clone()))
                .prop_map(|(prefix, rest)| {
                    let mut s = json!({"type": "array", "prefixItems": prefix});
                    if let Some(r) = rest {
                        s["items"] = r;
                    }
                    s
                }),
            (
                prop::sample::select(vec!["allOf", "anyOf", "oneOf"]),
                prop::collection::vec(inner.clone(), 1..4),
            )
                .prop_map(|(k, items)| json!({ k: items })),
            inner.clone().prop_map(|n| json!({ "not": n })),
            inner.prop_map(|n| json!({ "not": n, "type": "string" })),
            Just(json!({"$ref": "#"})),
        ]
    })
}

/// Arbitrary JSON trees biased towards schema keywords, including `$ref`s that loop.
fn any_json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "type",
        "properties",
        "items",
        "prefixItems",
        "$ref",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "additionalProperties",
        "required",
        "enum",
        "const",
        "maxLength",
        "minimum",
        "exclusiveMinimum",
        "multipleOf",
        "patternProperties",
        "dependencies",
        "a",
        "$defs",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..10).prop_map(Value::from),
        Just(json!(0.5)),
        prop::sample::select(vec![
            "#",
            "#/properties/a",
            "#/$defs/a",
            "string",
            "x",
            "^a",
            "#/"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(keys.clone(), inner, 0..4).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

fn compatible(old: &Value, new: &Value, mode: Mode) -> bool {
    check(std::slice::from_ref(old), new, mode)
        .unwrap_or_else(|e| panic!("{e} for {old} -> {new}"))
        .compatible
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_schema_is_compatible_with_itself(s in schema()) {
        for mode in Mode::ALL {
            let report = check(std::slice::from_ref(&s), &s, mode)
                .unwrap_or_else(|e| panic!("{e} for {s}"));
            prop_assert!(report.compatible, "{} not {} compatible with itself", s, mode);
            // Nothing changed, so nothing is reported, not even for information.
            prop_assert!(report.findings.is_empty(), "{} against itself in {}: {:?}", s, mode, report.findings);
        }
    }

    #[test]
    fn full_is_backward_and_forward(old in schema(), new in schema()) {
        let full = compatible(&old, &new, Mode::Full);
        let both = compatible(&old, &new, Mode::Backward) && compatible(&old, &new, Mode::Forward);
        prop_assert_eq!(full, both);
    }

    #[test]
    fn swapping_versions_swaps_directions(old in schema(), new in schema()) {
        prop_assert_eq!(compatible(&old, &new, Mode::Backward), compatible(&new, &old, Mode::Forward));
        prop_assert_eq!(compatible(&old, &new, Mode::Forward), compatible(&new, &old, Mode::Backward));
    }

    #[test]
    fn arbitrary_json_never_panics(old in any_json(), new in any_json()) {
        for mode in [Mode::Full, Mode::BackwardTransitive, Mode::None] {
            for result in [
                check(&[old.clone(), new.clone()], &new, mode),
                check(std::slice::from_ref(&new), &old, mode),
            ] {
                // Whatever comes in, a result is well formed: an error says where, a report's
                // verdict follows its findings, and each finding points into the document.
                match result {
                    Err(e) => prop_assert!(e.location.starts_with('#'), "{}", e),
                    Ok(report) => {
                        let none_breaking = report.findings.iter().all(|f| f.level != Level::Breaking);
                        prop_assert_eq!(report.compatible, none_breaking);
                        prop_assert!(mode != Mode::None || report.findings.is_empty());
                        for f in &report.findings {
                            prop_assert!(f.path.starts_with('#') && !f.code.is_empty(), "{:?}", f);
                        }
                    }
                }
            }
        }
    }
}
