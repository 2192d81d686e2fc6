//! Reading JSON Schema keywords from `serde_json::Value`s, with type checks that turn malformed
//! keywords into [`SpecError`]s.

use crate::contract::SpecError;
use serde_json::{Map, Value};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

pub(super) static TRUE: Value = Value::Bool(true);
pub(super) static FALSE: Value = Value::Bool(false);

/// Keywords that constrain instances; a schema without any of them accepts everything.
const CONSTRAINTS: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "const",
    "maxLength",
    "minLength",
    "pattern",
    "format",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "multipleOf",
    "properties",
    "patternProperties",
    "additionalProperties",
    "unevaluatedProperties",
    "required",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "items",
    "prefixItems",
    "additionalItems",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "minItems",
    "maxItems",
    "uniqueItems",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
];

pub(super) const COMBINATORS: [&str; 3] = ["allOf", "anyOf", "oneOf"];

/// Append one segment to a JSON pointer, escaping it.
pub(super) fn join(path: &str, segment: &str) -> String {
    format!("{path}/{}", segment.replace('~', "~0").replace('/', "~1"))
}

pub(super) fn invalid(path: &str, message: impl Into<String>) -> SpecError {
    SpecError::new(path, message)
}

pub(super) fn get<'a>(schema: &'a Value, key: &str) -> Option<&'a Value> {
    schema.as_object().and_then(|m| m.get(key))
}

/// `true`, or an object without constraint keywords (only annotations or unknown keywords).
pub(super) fn is_true(schema: &Value) -> bool {
    match schema {
        Value::Bool(b) => *b,
        Value::Object(m) => !m.keys().any(|k| CONSTRAINTS.contains(&k.as_str())),
        _ => false,
    }
}

pub(super) fn is_false(schema: &Value) -> bool {
    schema == &FALSE
}

/// Keys of `schema` that constrain instances.
pub(super) fn constraint_keys(schema: &Value) -> impl Iterator<Item = &str> {
    schema
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
        .map(String::as_str)
        .filter(|k| CONSTRAINTS.contains(k))
}

pub(super) fn check_shape(schema: &Value, path: &str) -> Result<(), SpecError> {
    match schema {
        Value::Bool(_) | Value::Object(_) => Ok(()),
        _ => Err(invalid(path, "a schema must be an object or a boolean")),
    }
}

pub(super) fn number(schema: &Value, key: &str, path: &str) -> Result<Option<f64>, SpecError> {
    match get(schema, key) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| invalid(&join(path, key), format!("'{key}' must be a number"))),
    }
}

pub(super) fn count(schema: &Value, key: &str, path: &str) -> Result<Option<f64>, SpecError> {
    match number(schema, key, path)? {
        Some(n) if n < 0.0 || n.fract() != 0.0 => Err(invalid(
            &join(path, key),
            format!("'{key}' must be a non-negative integer"),
        )),
        other => Ok(other),
    }
}

pub(super) fn string<'a>(
    schema: &'a Value,
    key: &str,
    path: &str,
) -> Result<Option<&'a str>, SpecError> {
    match get(schema, key) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .map(Some)
            .ok_or_else(|| invalid(&join(path, key), format!("'{key}' must be a string"))),
    }
}

pub(super) fn boolean(schema: &Value, key: &str, path: &str) -> Result<bool, SpecError> {
    match get(schema, key) {
        None => Ok(false),
        Some(v) => v
            .as_bool()
            .ok_or_else(|| invalid(&join(path, key), format!("'{key}' must be a boolean"))),
    }
}

pub(super) fn strings<'a>(value: &'a Value, path: &str) -> Result<Vec<&'a str>, SpecError> {
    let items = value
        .as_array()
        .ok_or_else(|| invalid(path, "expected an array of strings"))?;
    items
        .iter()
        .map(|v| {
            v.as_str()
                .ok_or_else(|| invalid(path, "expected an array of strings"))
        })
        .collect()
}

pub(super) fn required<'a>(schema: &'a Value, path: &str) -> Result<Vec<&'a str>, SpecError> {
    match get(schema, "required") {
        None => Ok(Vec::new()),
        Some(v) => strings(v, &join(path, "required")),
    }
}

pub(super) fn schema_map<'a>(
    schema: &'a Value,
    key: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, SpecError> {
    match get(schema, key) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(invalid(
            &join(path, key),
            format!("'{key}' must be an object"),
        )),
    }
}

pub(super) fn schema_list<'a>(
    schema: &'a Value,
    key: &str,
    path: &str,
) -> Result<Option<&'a [Value]>, SpecError> {
    match get(schema, key) {
        None => Ok(None),
        Some(Value::Array(items)) if !items.is_empty() => Ok(Some(items)),
        Some(_) => Err(invalid(
            &join(path, key),
            format!("'{key}' must be a non-empty array of schemas"),
        )),
    }
}

/// Values allowed by `enum` or `const` (a `const` is a one-value enum).
pub(super) fn enumeration<'a>(
    schema: &'a Value,
    path: &str,
) -> Result<Option<Vec<&'a Value>>, SpecError> {
    if let Some(c) = get(schema, "const") {
        return Ok(Some(vec![c]));
    }
    match get(schema, "enum") {
        None => Ok(None),
        Some(Value::Array(items)) => Ok(Some(items.iter().collect())),
        Some(_) => Err(invalid(&join(path, "enum"), "'enum' must be an array")),
    }
}

/// JSON equality where `1` and `1.0` are the same number.
pub(super) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// A hash consistent with [`json_eq`] (`1` and `1.0` alike, key order ignored) over the top
/// three levels of a value, so hashing a large subschema stays cheap; deeper differences only
/// cost a [`json_eq`] on collision.
pub(super) fn value_hash(value: &Value) -> u64 {
    fn go(value: &Value, levels: u8) -> u64 {
        let mut h = DefaultHasher::new();
        match value {
            Value::Null => 0u8.hash(&mut h),
            Value::Bool(b) => (1u8, b).hash(&mut h),
            Value::Number(n) => {
                let f = n.as_f64().unwrap_or(0.0);
                (2u8, if f == 0.0 { 0 } else { f.to_bits() }).hash(&mut h)
            }
            Value::String(s) => (3u8, s).hash(&mut h),
            Value::Array(items) => {
                (4u8, items.len()).hash(&mut h);
                if levels > 0 {
                    for item in items {
                        go(item, levels - 1).hash(&mut h);
                    }
                }
            }
            Value::Object(map) => {
                (5u8, map.len()).hash(&mut h);
                if levels > 0 {
                    let mut sum = 0u64;
                    for (k, v) in map {
                        let mut entry = DefaultHasher::new();
                        (k, go(v, levels - 1)).hash(&mut entry);
                        sum = sum.wrapping_add(entry.finish());
                    }
                    sum.hash(&mut h);
                }
            }
        }
        h.finish()
    }
    go(value, 3)
}

/// Set of JSON types as bits; `number` includes `integer`, so inclusion is plain bit inclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Types(u8);

impl Types {
    pub const NULL: Types = Types(1);
    pub const BOOLEAN: Types = Types(2);
    pub const OBJECT: Types = Types(4);
    pub const ARRAY: Types = Types(8);
    pub const STRING: Types = Types(16);
    pub const INTEGER: Types = Types(32);
    /// Non-integral numbers; the type name `number` is this plus [`Types::INTEGER`].
    const FRACTION: Types = Types(64);
    pub const NUMBER: Types = Types(32 | 64);
    pub const ALL: Types = Types(127);

    fn named(name: &str) -> Option<Types> {
        Some(match name {
            "null" => Types::NULL,
            "boolean" => Types::BOOLEAN,
            "object" => Types::OBJECT,
            "array" => Types::ARRAY,
            "string" => Types::STRING,
            "integer" => Types::INTEGER,
            "number" => Types::NUMBER,
            _ => return None,
        })
    }

    fn of_value(value: &Value) -> Types {
        match value {
            Value::Null => Types::NULL,
            Value::Bool(_) => Types::BOOLEAN,
            Value::Object(_) => Types::OBJECT,
            Value::Array(_) => Types::ARRAY,
            Value::String(_) => Types::STRING,
            Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => Types::INTEGER,
            Value::Number(_) => Types::FRACTION,
        }
    }

    pub fn union(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }

    pub fn intersects(self, other: Types) -> bool {
        self.0 & other.0 != 0
    }

    pub fn within(self, other: Types) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn names(self) -> String {
        let mut names = Vec::new();
        for (bits, name) in [
            (Types::NULL, "null"),
            (Types::BOOLEAN, "boolean"),
            (Types::OBJECT, "object"),
            (Types::ARRAY, "array"),
            (Types::STRING, "string"),
        ] {
            if bits.within(self) {
                names.push(name);
            }
        }
        if Types::NUMBER.within(self) {
            names.push("number");
        } else if Types::INTEGER.within(self) {
            names.push("integer");
        }
        format!("[{}]", names.join(", "))
    }

    /// Declared `type` (plus `null` for OpenAPI 3.0 `nullable: true`), narrowed to the types of
    /// the `enum`/`const` values when there are some.
    pub fn of_schema(schema: &Value, path: &str) -> Result<Types, SpecError> {
        let declared = match get(schema, "type") {
            None => Types::ALL,
            Some(v) => {
                let names = match v {
                    Value::String(s) => vec![s.as_str()],
                    _ => strings(v, &join(path, "type"))?,
                };
                names.into_iter().try_fold(Types(0), |acc, name| {
                    Types::named(name).map(|t| acc.union(t)).ok_or_else(|| {
                        invalid(&join(path, "type"), format!("unknown type '{name}'"))
                    })
                })?
            }
        };
        let declared = if boolean(schema, "nullable", path)? {
            declared.union(Types::NULL)
        } else {
            declared
        };
        Ok(match enumeration(schema, path)? {
            Some(values) => {
                let of_values = values
                    .iter()
                    .fold(Types(0), |acc, v| acc.union(Types::of_value(v)));
                Types(declared.0 & of_values.0)
            }
            None => declared,
        })
    }
}
