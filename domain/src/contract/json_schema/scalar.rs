//! Types, enumerations, and the keywords of strings and numbers.

use super::diff::{emit_effect, emit_group, finding, reader_writer, Change, Effect, SchemaDiff};
use super::schema::{
    count, enumeration, get, invalid, join, json_eq, number, string, value_hash, Types,
};
use crate::contract::{Direction, Finding, SpecError};
use serde_json::Value;
use std::collections::HashMap;

/// The change of one numeric limit keyword, with its effect on the set of valid instances.
pub(super) fn limit_change(
    prefix: &str,
    key: &str,
    upper: bool,
    old: Option<f64>,
    new: Option<f64>,
    path: &str,
) -> Option<Change> {
    // Raising an upper limit widens; raising a lower limit narrows.
    let raised = if upper {
        Effect::Widens
    } else {
        Effect::Narrows
    };
    let lowered = if upper {
        Effect::Narrows
    } else {
        Effect::Widens
    };
    let (suffix, effect) = match (old, new) {
        (None, Some(_)) => ("ADDED", Effect::Narrows),
        (Some(_), None) => ("REMOVED", Effect::Widens),
        (Some(o), Some(n)) if o < n => ("INCREASED", raised),
        (Some(o), Some(n)) if o > n => ("DECREASED", lowered),
        _ => return None,
    };
    let show = |v: Option<f64>| v.map_or("none".to_string(), |v| v.to_string());
    let message = format!("'{key}' changed from {} to {}", show(old), show(new));
    Some(Change::new(
        format!("{prefix}_{suffix}"),
        effect,
        join(path, key),
        message,
    ))
}

/// A count keyword (`maxLength`, `minItems`, ...) and its code prefix.
pub(super) struct Limit {
    key: &'static str,
    prefix: &'static str,
    upper: bool,
}

impl Limit {
    pub(super) const fn upper(key: &'static str, prefix: &'static str) -> Limit {
        Limit {
            key,
            prefix,
            upper: true,
        }
    }

    pub(super) const fn lower(key: &'static str, prefix: &'static str) -> Limit {
        Limit {
            key,
            prefix,
            upper: false,
        }
    }

    /// Compares the limit: the reader's must admit every count the writer's admits.
    pub(super) fn compare(
        &self,
        old: &Value,
        new: &Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let (o, n) = (count(old, self.key, path)?, count(new, self.key, path)?);
        let (reader, writer) = reader_writer(dir, o, n);
        let ok = match (reader, writer) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(r), Some(w)) => (self.upper && w <= r) || (!self.upper && w >= r),
        };
        if let Some(change) = limit_change(self.prefix, self.key, self.upper, o, n, path) {
            emit_group(out, vec![change], ok, dir);
        }
        Ok(())
    }
}

/// A numeric bound with its exclusivity.
#[derive(Clone, Copy)]
struct Bound {
    value: f64,
    exclusive: bool,
}

/// The tightest of `minimum` (+ draft-04 boolean `exclusiveMinimum`) and draft-06+ numeric
/// `exclusiveMinimum`; likewise for maxima when `upper`.
fn bound(schema: &Value, upper: bool, path: &str) -> Result<Option<Bound>, SpecError> {
    let (key, exclusive_key) = if upper {
        ("maximum", "exclusiveMaximum")
    } else {
        ("minimum", "exclusiveMinimum")
    };
    let flag = get(schema, exclusive_key).and_then(Value::as_bool);
    let inclusive = number(schema, key, path)?.map(|value| Bound {
        value,
        exclusive: flag == Some(true),
    });
    let exclusive = match get(schema, exclusive_key) {
        None | Some(Value::Bool(_)) => None,
        Some(v) => Some(Bound {
            value: v.as_f64().ok_or_else(|| {
                invalid(
                    &join(path, exclusive_key),
                    format!("'{exclusive_key}' must be a number or a boolean"),
                )
            })?,
            exclusive: true,
        }),
    };
    Ok(match (inclusive, exclusive) {
        (Some(a), Some(b)) => Some(tighter(a, b, upper)),
        (a, b) => a.or(b),
    })
}

fn tighter(a: Bound, b: Bound, upper: bool) -> Bound {
    let a_first = if upper {
        a.value < b.value
    } else {
        a.value > b.value
    };
    if a.value == b.value {
        Bound {
            value: a.value,
            exclusive: a.exclusive || b.exclusive,
        }
    } else if a_first {
        a
    } else {
        b
    }
}

/// Whether every number within the writer's bound is within the reader's.
fn admits(reader: Option<Bound>, writer: Option<Bound>, upper: bool) -> bool {
    match (reader, writer) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(r), Some(w)) => {
            let inside = if upper {
                w.value < r.value
            } else {
                w.value > r.value
            };
            inside || (w.value == r.value && (w.exclusive || !r.exclusive))
        }
    }
}

fn is_multiple(value: f64, divisor: f64) -> bool {
    let quotient = value / divisor;
    (quotient - quotient.round()).abs() <= 1e-9 * quotient.abs().max(1.0)
}

fn multiple_of(schema: &Value, path: &str) -> Result<Option<f64>, SpecError> {
    match number(schema, "multipleOf", path)? {
        Some(m) if m <= 0.0 => Err(invalid(
            &join(path, "multipleOf"),
            "'multipleOf' must be greater than 0",
        )),
        other => Ok(other),
    }
}

fn show_values(values: &Option<Vec<&Value>>) -> String {
    values.as_ref().map_or("any value".to_string(), |v| {
        serde_json::to_string(v).unwrap_or_default()
    })
}

/// Whether every value of `a` is in `b`. Long lists go through a hash of each value
/// (consistent with [`json_eq`]) rather than a search of `b` per value.
fn subset(a: &[&Value], b: &[&Value]) -> bool {
    if a.len().saturating_mul(b.len()) <= 256 {
        return a.iter().all(|x| b.iter().any(|y| json_eq(x, y)));
    }
    let mut index: HashMap<u64, Vec<&Value>> = HashMap::new();
    for y in b {
        index.entry(value_hash(y)).or_default().push(y);
    }
    a.iter().all(|x| {
        index
            .get(&value_hash(x))
            .is_some_and(|ys| ys.iter().any(|y| json_eq(x, y)))
    })
}

impl<'a> SchemaDiff<'a> {
    /// Types, enumerations, `format`, and (when the writer may produce them) the keywords of
    /// strings and numbers.
    pub(super) fn scalars(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let (o, n) = (Types::of_schema(old, path)?, Types::of_schema(new, path)?);
        types(o, n, dir, path, out);
        enums(old, new, dir, path, out)?;
        format(old, new, dir, path, out)?;
        let (_, writer) = reader_writer(dir, o, n);
        if writer.intersects(Types::STRING) {
            Limit::upper("maxLength", "MAX_LENGTH").compare(old, new, dir, path, out)?;
            Limit::lower("minLength", "MIN_LENGTH").compare(old, new, dir, path, out)?;
            pattern(old, new, dir, path, out)?;
        }
        if writer.intersects(Types::NUMBER) {
            numbers(old, new, dir, path, out)?;
            multiples(old, new, writer, dir, path, out)?;
        }
        Ok(())
    }
}

fn types(old: Types, new: Types, dir: Direction, path: &str, out: &mut Vec<Finding>) {
    let code = if old == new {
        return;
    } else if old.within(new) {
        "TYPE_EXTENDED"
    } else if new.within(old) {
        "TYPE_NARROWED"
    } else {
        "TYPE_CHANGED"
    };
    let (reader, writer) = reader_writer(dir, old, new);
    let message = format!("type changed from {} to {}", old.names(), new.names());
    out.push(finding(code, writer.within(reader), path, message));
}

fn enums(
    old: &Value,
    new: &Value,
    dir: Direction,
    path: &str,
    out: &mut Vec<Finding>,
) -> Result<(), SpecError> {
    let (o, n) = (enumeration(old, path)?, enumeration(new, path)?);
    let code = match (&o, &n) {
        (None, None) => return Ok(()),
        (None, Some(_)) => "ENUM_ARRAY_NARROWED",
        (Some(_), None) => "ENUM_ARRAY_EXTENDED",
        (Some(o), Some(n)) => match (subset(o, n), subset(n, o)) {
            (true, true) => return Ok(()),
            (true, false) => "ENUM_ARRAY_EXTENDED",
            (false, true) => "ENUM_ARRAY_NARROWED",
            (false, false) => "ENUM_ARRAY_CHANGED",
        },
    };
    let (reader, writer) = reader_writer(dir, &o, &n);
    let ok = match (reader, writer) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(r), Some(w)) => subset(w, r),
    };
    let key = if get(new, "const").is_some() || get(old, "const").is_some() && n.is_none() {
        "const"
    } else {
        "enum"
    };
    let message = format!(
        "allowed values changed from {} to {}",
        show_values(&o),
        show_values(&n)
    );
    out.push(finding(code, ok, &join(path, key), message));
    Ok(())
}

/// Optional string keywords compared syntactically: added narrows, removed widens, any other
/// change may do both.
fn keyword_text(
    old: &Value,
    new: &Value,
    key: &str,
    prefix: &str,
    dir: Direction,
    path: &str,
    out: &mut Vec<Finding>,
) -> Result<(), SpecError> {
    let (o, n) = (string(old, key, path)?, string(new, key, path)?);
    let (suffix, effect) = match (o, n) {
        (None, Some(_)) => ("ADDED", Effect::Narrows),
        (Some(_), None) => ("REMOVED", Effect::Widens),
        (Some(a), Some(b)) if a != b => ("CHANGED", Effect::Changes),
        _ => return Ok(()),
    };
    let message = format!(
        "'{key}' changed from {} to {}",
        o.unwrap_or("none"),
        n.unwrap_or("none")
    );
    let change = Change::new(
        format!("{prefix}_{suffix}"),
        effect,
        join(path, key),
        message,
    );
    emit_effect(out, change, dir);
    Ok(())
}

fn pattern(
    old: &Value,
    new: &Value,
    dir: Direction,
    path: &str,
    out: &mut Vec<Finding>,
) -> Result<(), SpecError> {
    keyword_text(old, new, "pattern", "PATTERN", dir, path, out)
}

fn format(
    old: &Value,
    new: &Value,
    dir: Direction,
    path: &str,
    out: &mut Vec<Finding>,
) -> Result<(), SpecError> {
    keyword_text(old, new, "format", "FORMAT", dir, path, out)
}

fn numbers(
    old: &Value,
    new: &Value,
    dir: Direction,
    path: &str,
    out: &mut Vec<Finding>,
) -> Result<(), SpecError> {
    for upper in [true, false] {
        let (o, n) = (bound(old, upper, path)?, bound(new, upper, path)?);
        let (reader, writer) = reader_writer(dir, o, n);
        let ok = admits(reader, writer, upper);
        let (key, exclusive_key, prefix) = if upper {
            ("maximum", "exclusiveMaximum", "MAXIMUM")
        } else {
            ("minimum", "exclusiveMinimum", "MINIMUM")
        };
        let mut changes = Vec::new();
        let value = |s: &Value, k: &str| get(s, k).and_then(Value::as_f64);
        changes.extend(limit_change(
            prefix,
            key,
            upper,
            value(old, key),
            value(new, key),
            path,
        ));
        changes.extend(limit_change(
            &format!("EXCLUSIVE_{prefix}"),
            exclusive_key,
            upper,
            value(old, exclusive_key),
            value(new, exclusive_key),
            path,
        ));
        let flag = |s: &Value| get(s, exclusive_key).and_then(Value::as_bool) == Some(true);
        if flag(old) != flag(new) {
            let (suffix, effect) = if flag(new) {
                ("ADDED", Effect::Narrows)
            } else {
                ("REMOVED", Effect::Widens)
            };
            let message = format!("'{exclusive_key}' changed to {}", flag(new));
            let code = format!("EXCLUSIVE_{prefix}_{suffix}");
            changes.push(Change::new(
                code,
                effect,
                join(path, exclusive_key),
                message,
            ));
        }
        emit_group(out, changes, ok, dir);
    }
    Ok(())
}

fn multiples(
    old: &Value,
    new: &Value,
    writer_types: Types,
    dir: Direction,
    path: &str,
    out: &mut Vec<Finding>,
) -> Result<(), SpecError> {
    let (o, n) = (multiple_of(old, path)?, multiple_of(new, path)?);
    let (code, effect) = match (o, n) {
        (None, Some(_)) => ("MULTIPLE_OF_ADDED", Effect::Narrows),
        (Some(_), None) => ("MULTIPLE_OF_REMOVED", Effect::Widens),
        (Some(a), Some(b)) if a == b => return Ok(()),
        (Some(a), Some(b)) if is_multiple(b, a) => ("MULTIPLE_OF_EXPANDED", Effect::Narrows),
        (Some(a), Some(b)) if is_multiple(a, b) => ("MULTIPLE_OF_REDUCED", Effect::Widens),
        (Some(_), Some(_)) => ("MULTIPLE_OF_CHANGED", Effect::Changes),
        (None, None) => return Ok(()),
    };
    let (reader, writer) = reader_writer(dir, o, n);
    let integers_only = writer_types.within(Types::INTEGER.union(Types::NULL))
        || !writer_types.intersects(Types::NUMBER);
    let ok = match (reader, writer) {
        (None, _) => true,
        (Some(r), Some(w)) if is_multiple(w, r) => true,
        (Some(r), _) => integers_only && is_multiple(1.0, r),
    };
    let show = |v: Option<f64>| v.map_or("none".to_string(), |v| v.to_string());
    let message = format!("'multipleOf' changed from {} to {}", show(o), show(n));
    let change = Change::new(code, effect, join(path, "multipleOf"), message);
    emit_group(out, vec![change], ok, dir);
    Ok(())
}
