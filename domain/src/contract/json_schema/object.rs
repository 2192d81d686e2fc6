//! Objects: properties in open, closed and partially open content models, `required`,
//! `propertyNames`, property counts and dependencies.

use super::diff::{emit_effect, finding, or_true, reader_writer, Change, Effect, SchemaDiff};
use super::scalar::Limit;
use super::schema::{get, invalid, is_false, is_true, join, required, schema_map, strings, Types};
use crate::contract::{Direction, Finding, SpecError};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

/// How a schema treats a name it does not list under `properties`.
enum Model {
    /// Anything goes.
    Open,
    /// Nothing goes (`additionalProperties: false`).
    Closed,
    /// A `patternProperties` or `additionalProperties` schema applies.
    Partial,
}

impl Model {
    fn of(schema: Option<&Value>) -> Model {
        match schema {
            None => Model::Open,
            Some(s) if is_true(s) => Model::Open,
            Some(s) if is_false(s) => Model::Closed,
            Some(_) => Model::Partial,
        }
    }
}

type Props<'a> = Option<&'a Map<String, Value>>;

fn property<'a>(props: Props<'a>, name: &str) -> Option<&'a Value> {
    props.and_then(|p| p.get(name))
}

fn has_default(schema: Option<&Value>) -> bool {
    schema.is_some_and(|s| get(s, "default").is_some())
}

/// Names in `old` then the ones only in `new`, in document order (each once). Linear: a set
/// of the names seen, not a search through the list.
fn union<'n>(
    old: impl Iterator<Item = &'n str>,
    new: impl Iterator<Item = &'n str>,
) -> Vec<&'n str> {
    let mut seen = HashSet::new();
    old.chain(new).filter(|name| seen.insert(*name)).collect()
}

fn keys(map: Props<'_>) -> impl Iterator<Item = &str> {
    map.into_iter().flat_map(|m| m.keys()).map(String::as_str)
}

/// One side's view of an object schema.
struct Side<'a> {
    schema: &'a Value,
    props: Props<'a>,
    required: Vec<&'a str>,
    /// `required` as a set when it is long (looked up once per property).
    required_set: Option<HashSet<&'a str>>,
}

impl<'a> Side<'a> {
    fn new(schema: &'a Value, path: &str) -> Result<Side<'a>, SpecError> {
        let required = required(schema, path)?;
        let required_set = (required.len() > 16).then(|| required.iter().copied().collect());
        Ok(Side {
            schema,
            props: schema_map(schema, "properties", path)?,
            required,
            required_set,
        })
    }

    fn requires(&self, name: &str) -> bool {
        match &self.required_set {
            Some(set) => set.contains(name),
            None => self.required.contains(&name),
        }
    }
}

/// Reader requiring a name the writer does not guarantee breaks, unless the reader has a
/// default for it (Schema Registry's rule: readers fill defaults in).
fn required_ok(dir: Direction, old: &Side, new: &Side, name: &str) -> bool {
    let (reader, writer) = reader_writer(dir, old, new);
    !reader.requires(name) || writer.requires(name) || has_default(property(reader.props, name))
}

/// `dependencies` (draft-07), `dependentRequired` and `dependentSchemas`, by property name.
struct Dependencies<'a> {
    arrays: Vec<(&'a str, &'static str, Vec<&'a str>)>,
    schemas: Vec<(&'a str, &'static str, &'a Value)>,
}

impl<'a> Dependencies<'a> {
    fn of(schema: &'a Value, path: &str) -> Result<Dependencies<'a>, SpecError> {
        let mut deps = Dependencies {
            arrays: Vec::new(),
            schemas: Vec::new(),
        };
        for keyword in ["dependencies", "dependentRequired", "dependentSchemas"] {
            for (name, value) in schema_map(schema, keyword, path)?.into_iter().flatten() {
                let at = join(&join(path, keyword), name);
                match (keyword, value) {
                    ("dependentSchemas", v)
                    | ("dependencies", v @ (Value::Object(_) | Value::Bool(_))) => {
                        deps.schemas.push((name, keyword, v))
                    }
                    ("dependentRequired" | "dependencies", v @ Value::Array(_)) => {
                        deps.arrays.push((name, keyword, strings(v, &at)?))
                    }
                    _ => return Err(invalid(&at, "a dependency must be an array or a schema")),
                }
            }
        }
        Ok(deps)
    }
}

impl<'a> SchemaDiff<'a> {
    /// Object keywords, when the writer may produce objects.
    pub(super) fn objects(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let (o, n) = (Types::of_schema(old, path)?, Types::of_schema(new, path)?);
        if !reader_writer(dir, o, n).1.intersects(Types::OBJECT) {
            return Ok(());
        }
        let (old_side, new_side) = (Side::new(old, path)?, Side::new(new, path)?);
        self.properties(&old_side, &new_side, dir, path, out)?;
        required_changes(&old_side, &new_side, dir, path, out);
        self.pattern_properties(old, new, dir, path, out)?;
        for (key, prefix) in [
            ("additionalProperties", "ADDITIONAL_PROPERTIES"),
            ("unevaluatedProperties", "UNEVALUATED_PROPERTIES"),
        ] {
            let sub = join(path, key);
            self.open_part(get(old, key), get(new, key), prefix, dir, &sub, out)?;
        }
        if get(old, "propertyNames").is_some() || get(new, "propertyNames").is_some() {
            let (o, n) = (get(old, "propertyNames"), get(new, "propertyNames"));
            self.cmp(
                or_true(o),
                or_true(n),
                dir,
                &join(path, "propertyNames"),
                out,
            )?;
        }
        Limit::upper("maxProperties", "MAX_PROPERTIES").compare(old, new, dir, path, out)?;
        Limit::lower("minProperties", "MIN_PROPERTIES").compare(old, new, dir, path, out)?;
        self.dependencies(old, new, dir, path, out)
    }

    fn properties(
        &mut self,
        old: &Side<'a>,
        new: &Side<'a>,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        for name in union(keys(old.props), keys(new.props)) {
            let sub = join(&join(path, "properties"), name);
            match (property(old.props, name), property(new.props, name)) {
                (Some(o), Some(n)) => self.cmp(o, n, dir, &sub, out)?,
                (None, Some(n)) => self.property_added(old, new, name, n, dir, &sub, out)?,
                (Some(o), None) => self.property_removed(new, name, o, dir, &sub, out)?,
                (None, None) => {}
            }
        }
        Ok(())
    }

    /// The schema `side` gives to `name` when it does not list it under `properties`.
    fn unlisted(
        &mut self,
        side: &Side<'a>,
        name: &str,
        path: &str,
    ) -> Result<Option<&'a Value>, SpecError> {
        let patterns = schema_map(side.schema, "patternProperties", path)?;
        // One regex match per pattern and unlisted name: counted, or a schema with thousands
        // of each would be quadratic.
        self.spend(patterns.map_or(0, |p| p.len() as u64 / 8), path)?;
        for (pattern, schema) in patterns.into_iter().flatten() {
            if self.matches(pattern, name) {
                return Ok(Some(schema));
            }
        }
        Ok(get(side.schema, "additionalProperties"))
    }

    #[allow(clippy::too_many_arguments)]
    fn property_added(
        &mut self,
        old: &Side<'a>,
        new: &Side<'a>,
        name: &str,
        schema: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let before = self.unlisted(old, name, path)?;
        let (ok, findings) = self.trial(or_true(before), schema, dir, path)?;
        let newly_required = new.requires(name) && !old.requires(name);
        let required_ok = required_ok(dir, old, new, name);
        let unopen = if !newly_required {
            "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
        } else if has_default(Some(schema)) {
            "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"
        } else {
            "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
        };
        let message = format!("property '{name}' added");
        match Model::of(before) {
            Model::Open => {
                let code = if is_true(schema) {
                    "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
                } else {
                    "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
                };
                out.push(finding(code, ok, path, &message));
                if newly_required {
                    let at = join(&parent(path, 2), "required");
                    out.push(required_finding(name, new, required_ok, &at));
                }
            }
            Model::Partial => {
                self.spend(findings.len() as u64, path)?;
                out.extend(findings);
                let code = if ok {
                    "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                } else {
                    "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                };
                out.push(finding(code, ok, path, &message));
                out.push(finding(unopen, required_ok, path, &message));
            }
            Model::Closed => out.push(finding(unopen, ok && required_ok, path, &message)),
        }
        Ok(())
    }

    fn property_removed(
        &mut self,
        new: &Side<'a>,
        name: &str,
        schema: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let after = self.unlisted(new, name, path)?;
        let (ok, findings) = self.trial(schema, or_true(after), dir, path)?;
        let code = match Model::of(after) {
            Model::Open => "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
            Model::Partial => {
                self.spend(findings.len() as u64, path)?;
                out.extend(findings);
                if ok {
                    "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                } else {
                    "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                }
            }
            Model::Closed if is_false(schema) => {
                "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
            }
            Model::Closed => "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        };
        out.push(finding(
            code,
            ok,
            path,
            format!("property '{name}' removed"),
        ));
        Ok(())
    }

    fn pattern_properties(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let o = schema_map(old, "patternProperties", path)?;
        let n = schema_map(new, "patternProperties", path)?;
        let (old_rest, new_rest) = (
            or_true(get(old, "additionalProperties")),
            or_true(get(new, "additionalProperties")),
        );
        for pattern in union(keys(o), keys(n)) {
            let sub = join(&join(path, "patternProperties"), pattern);
            let (code, ok) = match (property(o, pattern), property(n, pattern)) {
                (Some(a), Some(b)) => {
                    self.cmp(a, b, dir, &sub, out)?;
                    continue;
                }
                (None, Some(b)) => (
                    "PATTERN_PROPERTY_ADDED",
                    self.trial(old_rest, b, dir, &sub)?.0,
                ),
                (Some(a), None) => (
                    "PATTERN_PROPERTY_REMOVED",
                    self.trial(a, new_rest, dir, &sub)?.0,
                ),
                (None, None) => continue,
            };
            out.push(finding(
                code,
                ok,
                &sub,
                format!("pattern property '{pattern}' changed"),
            ));
        }
        Ok(())
    }

    /// `additionalProperties`-like keywords: absent means `true`; `false` closes the model.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn open_part(
        &mut self,
        old: Option<&'a Value>,
        new: Option<&'a Value>,
        prefix: &str,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let (o, n) = (or_true(old), or_true(new));
        let schema_like = |s: &Value| !is_true(s) && !is_false(s);
        if schema_like(o) && schema_like(n) {
            return self.cmp(o, n, dir, path, out);
        }
        let suffix = match (is_false(o), is_false(n), schema_like(o), schema_like(n)) {
            (false, true, _, _) => "REMOVED",
            (true, false, _, _) => "ADDED",
            (false, false, false, true) => "NARROWED",
            (false, false, true, false) => "EXTENDED",
            _ => return Ok(()),
        };
        let (ok, _) = self.trial(o, n, dir, path)?;
        let code = format!("{prefix}_{suffix}");
        out.push(finding(
            &code,
            ok,
            path,
            format!("open content changed: {code}"),
        ));
        Ok(())
    }

    fn dependencies(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let (o, n) = (Dependencies::of(old, path)?, Dependencies::of(new, path)?);
        // By name, the first of a name winning: linear however many there are.
        let index = |d: &Dependencies<'a>| -> (HashMap<&'a str, usize>, HashMap<&'a str, usize>) {
            let (mut arrays, mut schemas) = (HashMap::new(), HashMap::new());
            for (i, a) in d.arrays.iter().enumerate() {
                arrays.entry(a.0).or_insert(i);
            }
            for (i, s) in d.schemas.iter().enumerate() {
                schemas.entry(s.0).or_insert(i);
            }
            (arrays, schemas)
        };
        let (oi, ni) = (index(&o), index(&n));
        let find_array = |d: &Dependencies<'a>, name: &str| {
            let at = if std::ptr::eq(d, &o) { &oi.0 } else { &ni.0 };
            at.get(name)
                .map(|&i| (d.arrays[i].1, d.arrays[i].2.clone()))
        };
        let names = union(o.arrays.iter().map(|a| a.0), n.arrays.iter().map(|a| a.0));
        for name in names {
            let (oa, na) = (find_array(&o, name), find_array(&n, name));
            let keyword = na.as_ref().or(oa.as_ref()).map_or("dependencies", |a| a.0);
            let sub = join(&join(path, keyword), name);
            dependency_array(oa.map(|a| a.1), na.map(|a| a.1), dir, &sub, out);
        }
        let find_schema = |d: &Dependencies<'a>, name: &str| {
            let at = if std::ptr::eq(d, &o) { &oi.1 } else { &ni.1 };
            at.get(name).map(|&i| (d.schemas[i].1, d.schemas[i].2))
        };
        let names = union(o.schemas.iter().map(|a| a.0), n.schemas.iter().map(|a| a.0));
        for name in names {
            let (os, ns) = (find_schema(&o, name), find_schema(&n, name));
            let keyword = ns.or(os).map_or("dependencies", |s| s.0);
            let sub = join(&join(path, keyword), name);
            let (a, b) = (os.map(|s| s.1), ns.map(|s| s.1));
            if let (Some(a), Some(b)) = (a, b) {
                self.cmp(a, b, dir, &sub, out)?;
                continue;
            }
            let code = if b.is_some() {
                "DEPENDENCY_SCHEMA_ADDED"
            } else {
                "DEPENDENCY_SCHEMA_REMOVED"
            };
            let (ok, _) = self.trial(or_true(a), or_true(b), dir, &sub)?;
            out.push(finding(
                code,
                ok,
                &sub,
                format!("dependent schema of '{name}' changed"),
            ));
        }
        Ok(())
    }
}

/// Drops the last `n` segments of a JSON pointer.
fn parent(path: &str, n: usize) -> String {
    let mut p = path;
    for _ in 0..n {
        p = p.rfind('/').map_or(p, |i| &p[..i]);
    }
    p.to_string()
}

fn required_finding(name: &str, new: &Side, ok: bool, at: &str) -> Finding {
    let code = if has_default(property(new.props, name)) {
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"
    } else {
        "REQUIRED_ATTRIBUTE_ADDED"
    };
    finding(
        code,
        ok,
        &join(at, name),
        format!("property '{name}' became required"),
    )
}

/// `required` changes, except a newly added property becoming required (reported with the
/// property).
fn required_changes(old: &Side, new: &Side, dir: Direction, path: &str, out: &mut Vec<Finding>) {
    let at = join(path, "required");
    for name in union(old.required.iter().copied(), new.required.iter().copied()) {
        let added_property =
            property(new.props, name).is_some() && property(old.props, name).is_none();
        if (added_property && new.requires(name)) || old.requires(name) == new.requires(name) {
            continue;
        }
        let ok = required_ok(dir, old, new, name);
        if new.requires(name) {
            out.push(required_finding(name, new, ok, &at));
        } else {
            let message = format!("property '{name}' no longer required");
            out.push(finding(
                "REQUIRED_ATTRIBUTE_REMOVED",
                ok,
                &join(&at, name),
                message,
            ));
        }
    }
}

fn dependency_array(
    old: Option<Vec<&str>>,
    new: Option<Vec<&str>>,
    dir: Direction,
    path: &str,
    out: &mut Vec<Finding>,
) {
    let within = |a: &[&str], b: &[&str]| {
        let b: HashSet<&str> = b.iter().copied().collect();
        a.iter().all(|x| b.contains(x))
    };
    let (code, effect) = match (&old, &new) {
        (None, Some(_)) => ("DEPENDENCY_ARRAY_ADDED", Effect::Narrows),
        (Some(_), None) => ("DEPENDENCY_ARRAY_REMOVED", Effect::Widens),
        (Some(o), Some(n)) => match (within(o, n), within(n, o)) {
            (true, true) => return,
            (true, false) => ("DEPENDENCY_ARRAY_EXTENDED", Effect::Narrows),
            (false, true) => ("DEPENDENCY_ARRAY_NARROWED", Effect::Widens),
            (false, false) => ("DEPENDENCY_ARRAY_CHANGED", Effect::Changes),
        },
        (None, None) => return,
    };
    let message = format!("dependent properties changed from {old:?} to {new:?}");
    emit_effect(out, Change::new(code, effect, path, message), dir);
}
