//! `allOf` (product types) and `anyOf`/`oneOf` (sum types). A reader union accepts a writer
//! union when every writer alternative is accepted by some reader alternative; a reader product
//! accepts when every reader conjunct accepts the writer. Subschemas are matched regardless of
//! order. `oneOf` is treated like `anyOf` (exclusivity is not analysed; see the Warning below).
//!
//! Pairing every old subschema with every new one is quadratic, so textually identical
//! subschemas are paired first through a hash of their JSON (identical ones without `$ref`
//! accept each other with no findings, without being compared), and only the rest are compared
//! pairwise, up to [`MAX_BRANCH_PAIRS`](crate::contract::MAX_BRANCH_PAIRS) pairs.

use super::diff::{emit_group, finding, reader_writer, Change, Effect, SchemaDiff};
use super::schema::{constraint_keys, json_eq, schema_list, value_hash, COMBINATORS, TRUE};
use crate::contract::{Direction, Finding, Level, SpecError, TOO_COMPLEX};
use serde_json::Value;
use std::collections::HashMap;
use std::slice;

/// Up to this many subschemas, duplicates and twins are found by comparing each with each
/// (cheap, and usually the first key differs); above it, through [`value_hash`].
const SMALL: usize = 16;

/// Whether a schema refers elsewhere anywhere inside: then equal text may still differ.
fn has_ref(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => map.contains_key("$ref") || map.values().any(has_ref),
        Value::Array(items) => items.iter().any(has_ref),
        _ => false,
    }
}

/// The subschemas of one combinator keyword, duplicates removed, with their original indexes.
struct Combo<'a> {
    kind: &'static str,
    items: Vec<(usize, &'a Value)>,
}

impl<'a> Combo<'a> {
    fn new(kind: &'static str, items: &'a [Value]) -> Combo<'a> {
        let mut unique: Vec<(usize, &'a Value)> = Vec::new();
        if items.len() <= SMALL {
            for (i, item) in items.iter().enumerate() {
                if !unique.iter().any(|(_, seen)| json_eq(seen, item)) {
                    unique.push((i, item));
                }
            }
        } else {
            // Indexes into `unique` by hash: linear instead of each against each.
            let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
            for (i, item) in items.iter().enumerate() {
                let bucket = seen.entry(value_hash(item)).or_default();
                if !bucket.iter().any(|&u| json_eq(unique[u].1, item)) {
                    bucket.push(unique.len());
                    unique.push((i, item));
                }
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

/// Pairwise verdicts between two combinations' subschemas (`i` indexes old items, `j` new
/// ones). A cell holds the findings of the pair when its reader accepts its writer.
type Cell = Option<Vec<Finding>>;

struct Verdicts {
    /// Textually identical pairs whose reader accepts the writer, paired before anything else.
    twins: Vec<(usize, usize, Vec<Finding>)>,
    /// The subschemas not in a twin, compared each with each: `cells[a][b]` is
    /// `(rest_old[a], rest_new[b])`.
    rest_old: Vec<usize>,
    rest_new: Vec<usize>,
    cells: Vec<Vec<Cell>>,
}

/// Whether the reader combination accepts the writer combination when nothing was paired as
/// twins (then the cells are every pair).
fn covers(v: &Verdicts, old: &Combo, new: &Combo, dir: Direction) -> bool {
    let (reader, writer) = reader_writer(dir, old, new);
    let accepts = |r: usize, w: usize| {
        let (i, j) = match dir {
            Direction::Backward => (w, r),
            Direction::Forward => (r, w),
        };
        v.cells[i][j].is_some()
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

/// One-to-one pairing of compatible subschemas, twins first, then identical verdicts (no
/// findings), then the rest, for reporting the changes inside matched subschemas. Pairs with
/// findings come in old order.
fn matching(v: &Verdicts) -> Vec<(usize, usize, &[Finding])> {
    let mut pairs: Vec<(usize, usize, &[Finding])> = v
        .twins
        .iter()
        .map(|(i, j, f)| (*i, *j, f.as_slice()))
        .collect();
    let mut used = vec![false; v.rest_new.len()];
    let mut matched = vec![false; v.rest_old.len()];
    for exact in [true, false] {
        for (a, row) in v.cells.iter().enumerate() {
            if matched[a] {
                continue;
            }
            let found = row.iter().enumerate().find_map(|(b, cell)| {
                let f = cell
                    .as_ref()
                    .filter(|f| !used[b] && (!exact || f.is_empty()))?;
                Some((b, f))
            });
            if let Some((b, f)) = found {
                used[b] = true;
                matched[a] = true;
                pairs.push((v.rest_old[a], v.rest_new[b], f.as_slice()));
            }
        }
    }
    pairs.sort_by_key(|(i, _, f)| (!f.is_empty(), *i));
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
        let Some((verdicts, ok)) = self.verdicts(&old, &new, dir, path)? else {
            out.push(finding(
                TOO_COMPLEX,
                false,
                path,
                format!(
                    "{} with {} subschemas against {} with {}: more changed subschemas than \
                     can be compared pairwise ({} pairs, the limit); compatibility could not \
                     be shown",
                    old.kind,
                    old.len(),
                    new.kind,
                    new.len(),
                    self.limits().max_branch_pairs
                ),
            ));
            return Ok(());
        };
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
        for (_, _, findings) in matching(&verdicts) {
            self.spend(findings.len() as u64, path)?;
            out.extend(findings.iter().cloned());
        }
        Ok(())
    }

    /// The pairwise verdicts and whether the reader accepts the writer; `None` when that needs
    /// more than `max_branch_pairs` comparisons.
    fn verdicts(
        &mut self,
        old: &Combo<'a>,
        new: &Combo<'a>,
        dir: Direction,
        path: &str,
    ) -> Result<Option<(Verdicts, bool)>, SpecError> {
        let max_pairs = self.limits().max_branch_pairs;
        // Twins only help when each side is judged subschema by subschema (both unions or
        // both products); otherwise every pair is needed anyway.
        let twins = if old.is_union() == new.is_union() {
            self.twins(old, new, dir, path)?
        } else {
            Vec::new()
        };
        let mut twin_old = vec![false; old.len()];
        let mut twin_new = vec![false; new.len()];
        for &(i, j, _) in &twins {
            twin_old[i] = true;
            twin_new[j] = true;
        }
        let rest_old: Vec<usize> = (0..old.len()).filter(|&i| !twin_old[i]).collect();
        let rest_new: Vec<usize> = (0..new.len()).filter(|&j| !twin_new[j]).collect();
        let mut tried = rest_old.len().saturating_mul(rest_new.len());
        if tried > max_pairs {
            return Ok(None);
        }
        let mut cells = Vec::with_capacity(rest_old.len());
        for &i in &rest_old {
            let mut row = Vec::with_capacity(rest_new.len());
            for &j in &rest_new {
                row.push(self.cell(old, new, i, j, dir, path)?);
            }
            cells.push(row);
        }
        let verdicts = Verdicts {
            twins,
            rest_old,
            rest_new,
            cells,
        };
        if verdicts.twins.is_empty() {
            let ok = covers(&verdicts, old, new, dir);
            return Ok(Some((verdicts, ok)));
        }
        // Both unions: every writer needs an accepting reader; both products: every reader
        // an accepted writer. Twins have theirs; the others look in the compared cells, then
        // among the twins of the other side.
        let (reader, _) = reader_writer(dir, old, new);
        let each_old = (dir == Direction::Backward) == reader.is_union();
        let mut ok = true;
        let rest = if each_old {
            &verdicts.rest_old
        } else {
            &verdicts.rest_new
        };
        for (k, &branch) in rest.iter().enumerate() {
            let covered = if each_old {
                verdicts.cells[k].iter().any(Option::is_some)
            } else {
                verdicts.cells.iter().any(|row| row[k].is_some())
            };
            if covered {
                continue;
            }
            let mut found = false;
            for &(twin_old, twin_new, _) in &verdicts.twins {
                tried += 1;
                if tried > max_pairs {
                    return Ok(None);
                }
                let (i, j) = if each_old {
                    (branch, twin_new)
                } else {
                    (twin_old, branch)
                };
                if self.cell(old, new, i, j, dir, path)?.is_some() {
                    found = true;
                    break;
                }
            }
            if !found {
                ok = false;
                break;
            }
        }
        Ok(Some((verdicts, ok)))
    }

    /// Old subschema `i` against new subschema `j`.
    fn cell(
        &mut self,
        old: &Combo<'a>,
        new: &Combo<'a>,
        i: usize,
        j: usize,
        dir: Direction,
        path: &str,
    ) -> Result<Cell, SpecError> {
        let (index, o) = old.items[i];
        let sub = format!("{path}/{}/{index}", old.kind);
        let (ok, findings) = self.trial(o, new.items[j].1, dir, &sub)?;
        Ok(ok.then_some(findings))
    }

    /// Pairs of textually identical subschemas whose reader accepts the writer. Without a
    /// `$ref` inside, identical schemas accept each other with no findings; with one, the
    /// targets may differ, so the pair is compared.
    fn twins(
        &mut self,
        old: &Combo<'a>,
        new: &Combo<'a>,
        dir: Direction,
        path: &str,
    ) -> Result<Vec<(usize, usize, Vec<Finding>)>, SpecError> {
        // Items of a combo are distinct, so each old item has at most one identical new one.
        let mut same = Vec::new();
        if old.len() * new.len() <= SMALL * SMALL {
            for (i, (_, o)) in old.items.iter().enumerate() {
                if let Some(j) = new.items.iter().position(|(_, n)| json_eq(o, n)) {
                    same.push((i, j));
                }
            }
        } else {
            let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
            for (j, (_, n)) in new.items.iter().enumerate() {
                by_hash.entry(value_hash(n)).or_default().push(j);
            }
            for (i, (_, o)) in old.items.iter().enumerate() {
                let candidates = by_hash.get(&value_hash(o)).map_or(&[][..], Vec::as_slice);
                if let Some(&j) = candidates.iter().find(|&&j| json_eq(o, new.items[j].1)) {
                    same.push((i, j));
                }
            }
        }
        let mut twins = Vec::with_capacity(same.len());
        for (i, j) in same {
            if !has_ref(old.items[i].1) {
                twins.push((i, j, Vec::new()));
            } else if let Some(findings) = self.cell(old, new, i, j, dir, path)? {
                twins.push((i, j, findings));
            }
        }
        Ok(twins)
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
