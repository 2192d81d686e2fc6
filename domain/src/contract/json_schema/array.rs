//! Arrays: positional items (draft-07 `items` arrays, 2020-12 `prefixItems`) in open, closed and
//! partially open content models, item schemas, counts, `uniqueItems` and `contains`.

use super::diff::{emit_effect, finding, or_true, reader_writer, Change, Effect, SchemaDiff};
use super::scalar::Limit;
use super::schema::{boolean, get, invalid, is_false, is_true, join, Types};
use crate::contract::{Direction, Finding, SpecError};
use serde_json::Value;

/// Item schemas: `prefix[i]` for position `i`, `rest` for the positions after the prefix.
struct Items<'a> {
    prefix: &'a [Value],
    prefix_key: &'static str,
    rest: Option<&'a Value>,
    rest_key: &'static str,
    /// Positional (tuple) form rather than one schema for every item.
    tuple: bool,
}

impl<'a> Items<'a> {
    fn of(schema: &'a Value, path: &str) -> Result<Items<'a>, SpecError> {
        if let Some(prefix) = get(schema, "prefixItems") {
            let prefix = prefix.as_array().ok_or_else(|| {
                invalid(&join(path, "prefixItems"), "'prefixItems' must be an array")
            })?;
            return Ok(Items {
                prefix,
                prefix_key: "prefixItems",
                rest: get(schema, "items"),
                rest_key: "items",
                tuple: true,
            });
        }
        Ok(match get(schema, "items") {
            Some(Value::Array(prefix)) => Items {
                prefix,
                prefix_key: "items",
                rest: get(schema, "additionalItems"),
                rest_key: "additionalItems",
                tuple: true,
            },
            rest => Items {
                prefix: &[],
                prefix_key: "items",
                rest,
                rest_key: "items",
                tuple: false,
            },
        })
    }
}

impl<'a> SchemaDiff<'a> {
    /// Array keywords, when the writer may produce arrays.
    pub(super) fn arrays(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let (o, n) = (Types::of_schema(old, path)?, Types::of_schema(new, path)?);
        if !reader_writer(dir, o, n).1.intersects(Types::ARRAY) {
            return Ok(());
        }
        let (oi, ni) = (Items::of(old, path)?, Items::of(new, path)?);
        self.positions(&oi, &ni, dir, path, out)?;
        if oi.tuple || ni.tuple {
            let sub = join(path, ni.rest_key);
            self.open_part(oi.rest, ni.rest, "ADDITIONAL_ITEMS", dir, &sub, out)?;
        } else if oi.rest.is_some() || ni.rest.is_some() {
            let sub = join(path, "items");
            self.cmp(or_true(oi.rest), or_true(ni.rest), dir, &sub, out)?;
        }
        let sub = join(path, "unevaluatedItems");
        let (ou, nu) = (get(old, "unevaluatedItems"), get(new, "unevaluatedItems"));
        self.open_part(ou, nu, "UNEVALUATED_ITEMS", dir, &sub, out)?;
        Limit::upper("maxItems", "MAX_ITEMS").compare(old, new, dir, path, out)?;
        Limit::lower("minItems", "MIN_ITEMS").compare(old, new, dir, path, out)?;
        unique_items(old, new, dir, path, out)?;
        self.contains(old, new, dir, path, out)
    }

    fn positions(
        &mut self,
        old: &Items<'a>,
        new: &Items<'a>,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        for i in 0..old.prefix.len().max(new.prefix.len()) {
            let at = |items: &Items| join(&join(path, items.prefix_key), &i.to_string());
            match (old.prefix.get(i), new.prefix.get(i)) {
                (Some(o), Some(n)) => self.cmp(o, n, dir, &at(new), out)?,
                (None, Some(n)) => self.item_added(old.rest, n, dir, &at(new), out)?,
                (Some(o), None) => self.item_removed(o, new.rest, dir, &at(old), out)?,
                (None, None) => {}
            }
        }
        Ok(())
    }

    fn item_added(
        &mut self,
        before: Option<&'a Value>,
        schema: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let before = or_true(before);
        let (ok, findings) = self.trial(before, schema, dir, path)?;
        let code = if is_true(before) && is_true(schema) {
            "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
        } else if is_true(before) {
            "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
        } else if is_false(before) {
            "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL"
        } else {
            self.spend(findings.len() as u64, path)?;
            out.extend(findings);
            if ok {
                "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            } else {
                "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            }
        };
        out.push(finding(code, ok, path, "positional item added"));
        Ok(())
    }

    fn item_removed(
        &mut self,
        schema: &'a Value,
        after: Option<&'a Value>,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let after = or_true(after);
        let (ok, findings) = self.trial(schema, after, dir, path)?;
        let code = if is_true(after) {
            "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL"
        } else if is_false(after) && is_false(schema) {
            "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL"
        } else if is_false(after) {
            "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"
        } else {
            self.spend(findings.len() as u64, path)?;
            out.extend(findings);
            if ok {
                "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            } else {
                "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            }
        };
        out.push(finding(code, ok, path, "positional item removed"));
        Ok(())
    }

    /// `contains` requires a matching item: adding it narrows, removing it widens.
    fn contains(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let sub = join(path, "contains");
        match (get(old, "contains"), get(new, "contains")) {
            (Some(o), Some(n)) => self.cmp(o, n, dir, &sub, out)?,
            (None, Some(_)) => emit_effect(
                out,
                Change::new("CONTAINS_ADDED", Effect::Narrows, sub, "'contains' added"),
                dir,
            ),
            (Some(_), None) => emit_effect(
                out,
                Change::new(
                    "CONTAINS_REMOVED",
                    Effect::Widens,
                    sub,
                    "'contains' removed",
                ),
                dir,
            ),
            (None, None) => {}
        }
        Limit::upper("maxContains", "MAX_CONTAINS").compare(old, new, dir, path, out)?;
        Limit::lower("minContains", "MIN_CONTAINS").compare(old, new, dir, path, out)
    }
}

fn unique_items(
    old: &Value,
    new: &Value,
    dir: Direction,
    path: &str,
    out: &mut Vec<Finding>,
) -> Result<(), SpecError> {
    let (o, n) = (
        boolean(old, "uniqueItems", path)?,
        boolean(new, "uniqueItems", path)?,
    );
    let (code, effect) = match (o, n) {
        (false, true) => ("UNIQUE_ITEMS_ADDED", Effect::Narrows),
        (true, false) => ("UNIQUE_ITEMS_REMOVED", Effect::Widens),
        _ => return Ok(()),
    };
    let message = format!("'uniqueItems' changed from {o} to {n}");
    emit_effect(
        out,
        Change::new(code, effect, join(path, "uniqueItems"), message),
        dir,
    );
    Ok(())
}
