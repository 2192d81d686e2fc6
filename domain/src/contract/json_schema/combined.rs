//! `allOf` (product types) and `anyOf`/`oneOf` (sum types). A reader union accepts a writer
//! union when every writer alternative is accepted by some reader alternative; a reader product
//! accepts when every reader conjunct accepts the writer. Subschemas are matched regardless of
//! order. `oneOf` is treated like `anyOf` (exclusivity is not analysed; see the Warning below).

use super::diff::{emit_group, finding, reader_writer, Change, Effect, SchemaDiff};
use super::schema::{constraint_keys, json_eq, schema_list, COMBINATORS, TRUE};
use crate::contract::{Direction, Finding, Level, SpecError};
use serde_json::Value;
use std::slice;

/// The subschemas of one combinator keyword, duplicates removed, with their original indexes.
struct Combo<'a> {
    kind: &'static str,
    items: Vec<(usize, &'a Value)>,
}

impl<'a> Combo<'a> {
    fn new(kind: &'static str, items: &'a [Value]) -> Combo<'a> {
        let mut unique: Vec<(usize, &'a Value)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if !unique.iter().any(|(_, seen)| json_eq(seen, item)) {
                unique.push((i, item));
            }
        }
        Combo {
            kind,
            items: unique,
        }
    }

    fn is_union(&self) -> bool {
        self.kind != "allOf"
    }

    fn len(&self) -> usize {
        self.items.len()
    }
}

/// The combinator when it is the schema's only constraint keyword.
fn pure<'a>(schema: &'a Value, path: &str) -> Result<Option<Combo<'a>>, SpecError> {
    let mut keys = constraint_keys(schema);
    let (Some(key), None) = (keys.next(), keys.next()) else {
        return Ok(None);
    };
    let Some(kind) = COMBINATORS.iter().copied().find(|k| *k == key) else {
        return Ok(None);
    };
    Ok(schema_list(schema, kind, path)?.map(|items| Combo::new(kind, items)))
}

fn has_combinator(schema: &Value) -> bool {
    constraint_keys(schema).any(|k| COMBINATORS.contains(&k))
}

/// Schema Registry's reading of a change of combinator keyword.
fn criterion_change(old: &Combo, new: &Combo) -> Option<&'static str> {
    let extended = match (old.kind, new.kind) {
        (o, n) if o == n => return None,
        (_, "anyOf") => true,
        (o, "oneOf") => old.len() == 1 || o == "allOf",
        _ => old.len() == 1 && new.len() == 1,
    };
    Some(if extended {
        "COMBINED_TYPE_EXTENDED"
    } else {
        "COMBINED_TYPE_CHANGED"
    })
}

fn size_change(old: &Combo, new: &Combo, path: &str) -> Option<Change> {
    let (code, effect) = match old.len().cmp(&new.len()) {
        std::cmp::Ordering::Equal => return None,
        std::cmp::Ordering::Less if new.is_union() => ("SUM_TYPE_EXTENDED", Effect::Widens),
        std::cmp::Ordering::Less => ("PRODUCT_TYPE_EXTENDED", Effect::Narrows),
        std::cmp::Ordering::Greater if old.is_union() => ("SUM_TYPE_NARROWED", Effect::Narrows),
        std::cmp::Ordering::Greater => ("PRODUCT_TYPE_NARROWED", Effect::Widens),
    };
    let message = format!(
        "{} with {} subschemas became {} with {}",
        old.kind,
        old.len(),
        new.kind,
        new.len()
    );
    Some(Change::new(code, effect, path, message))
}

/// `accepted[i][j]`: the findings of old subschema `i` against new subschema `j` when the reader
/// of the pair accepts its writer.
type Matrix = Vec<Vec<Option<Vec<Finding>>>>;

/// Whether the reader combination accepts the writer combination, given pairwise verdicts.
fn covers(matrix: &Matrix, old: &Combo, new: &Combo, dir: Direction) -> bool {
    let (reader, writer) = reader_writer(dir, old, new);
    let accepts = |r: usize, w: usize| {
        let (i, j) = match dir {
            Direction::Backward => (w, r),
            Direction::Forward => (r, w),
        };
        matrix[i][j].is_some()
    };
    let (readers, writers) = (0..reader.len(), 0..writer.len());
    match (reader.is_union(), writer.is_union()) {
        (true, true) => writers
            .clone()
            .all(|w| readers.clone().any(|r| accepts(r, w))),
        (true, false) => readers
            .clone()
            .any(|r| writers.clone().any(|w| accepts(r, w))),
        (false, true) => readers
            .clone()
            .all(|r| writers.clone().all(|w| accepts(r, w))),
        (false, false) => readers
            .clone()
            .all(|r| writers.clone().any(|w| accepts(r, w))),
    }
}

/// One-to-one pairing of compatible subschemas, identical ones first, for reporting the changes
/// inside matched subschemas.
fn matching(matrix: &Matrix) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    let mut used = vec![false; matrix.first().map_or(0, Vec::len)];
    let mut matched = vec![false; matrix.len()];
    for exact in [true, false] {
        for (i, row) in matrix.iter().enumerate() {
            if matched[i] {
                continue;
            }
            let found = row.iter().enumerate().position(|(j, cell)| {
                !used[j] && cell.as_ref().is_some_and(|f| !exact || f.is_empty())
            });
            if let Some(j) = found {
                used[j] = true;
                matched[i] = true;
                pairs.push((i, j));
            }
        }
    }
    pairs
}

impl<'a> SchemaDiff<'a> {
    /// Handles schemas that are only a combinator; returns false when neither side is one.
    pub(super) fn combined(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<bool, SpecError> {
        let (o, n) = (pure(old, path)?, pure(new, path)?);
        match (o, n) {
            (Some(o), None) if o.len() == 1 => self.cmp(o.items[0].1, new, dir, path, out)?,
            (None, Some(n)) if n.len() == 1 => self.cmp(old, n.items[0].1, dir, path, out)?,
            (Some(o), Some(n)) => self.combination(o, n, false, dir, path, out)?,
            (Some(o), None) if !has_combinator(new) => {
                let n = Combo::new(o.kind, slice::from_ref(new));
                self.combination(o, n, true, dir, path, out)?
            }
            (None, Some(n)) if !has_combinator(old) => {
                let o = Combo::new(n.kind, slice::from_ref(old));
                self.combination(o, n, true, dir, path, out)?
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Combinators next to other keywords: each keyword is one more conjunct, compared with the
    /// same keyword on the other side (absent = `[true]`).
    pub(super) fn mixed_combinators(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        for kind in COMBINATORS {
            let (o, n) = (schema_list(old, kind, path)?, schema_list(new, kind, path)?);
            if o.is_none() && n.is_none() {
                continue;
            }
            let whole = slice::from_ref(&TRUE);
            let o = Combo::new(kind, o.unwrap_or(whole));
            let n = Combo::new(kind, n.unwrap_or(whole));
            self.combination(o, n, false, dir, path, out)?;
        }
        Ok(())
    }

    /// `wrapped`: one side was a plain schema taken as a one-element combination.
    fn combination(
        &mut self,
        old: Combo<'a>,
        new: Combo<'a>,
        wrapped: bool,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let matrix = self.pairwise(&old, &new, dir, path)?;
        let ok = covers(&matrix, &old, &new, dir);
        if wrapped && !ok {
            out.push(finding(
                "TYPE_CHANGED",
                false,
                path,
                format!("a plain schema and a {} do not match", new.kind),
            ));
            return Ok(());
        }
        let criterion = criterion_change(&old, &new);
        if criterion == Some("COMBINED_TYPE_CHANGED") {
            out.push(criterion_finding(&old, &new, ok, dir, path));
            return Ok(());
        }
        let mut changes = Vec::new();
        if let Some(code) = criterion {
            let message = format!("{} became {}", old.kind, new.kind);
            changes.push(Change::new(code, Effect::Widens, path, message));
        }
        changes.extend(size_change(&old, &new, path));
        let blamed = changes.iter().any(|c| c.effect.breaks(dir));
        emit_group(out, changes, ok || !blamed, dir);
        if !ok && !blamed {
            out.push(finding(
                "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
                false,
                path,
                format!("the subschemas of {} no longer match", new.kind),
            ));
        }
        for (i, j) in matching(&matrix) {
            out.extend(matrix[i][j].iter().flatten().cloned());
        }
        Ok(())
    }

    fn pairwise(
        &mut self,
        old: &Combo<'a>,
        new: &Combo<'a>,
        dir: Direction,
        path: &str,
    ) -> Result<Matrix, SpecError> {
        let mut matrix = Vec::with_capacity(old.len());
        for &(index, o) in &old.items {
            let sub = format!("{path}/{}/{index}", old.kind);
            let mut row = Vec::with_capacity(new.len());
            for &(_, n) in &new.items {
                let (ok, findings) = self.trial(o, n, dir, &sub)?;
                row.push(ok.then_some(findings));
            }
            matrix.push(row);
        }
        Ok(matrix)
    }
}

/// A changed combinator keyword is breaking when the subschemas do not cover each other; when
/// they do and the reader is a many-element `oneOf`, it still may be (exclusivity).
fn criterion_finding(old: &Combo, new: &Combo, ok: bool, dir: Direction, path: &str) -> Finding {
    let (reader, _) = reader_writer(dir, old, new);
    let level = match (ok, reader.kind == "oneOf" && reader.len() > 1) {
        (false, _) => Level::Breaking,
        (true, true) => Level::Warning,
        (true, false) => Level::Info,
    };
    Change::new(
        "COMBINED_TYPE_CHANGED",
        Effect::Changes,
        path,
        format!("{} became {}", old.kind, new.kind),
    )
    .finding(level)
}
