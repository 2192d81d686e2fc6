//! The core walk: resolve references, guard against recursion, dispatch on the schema shapes.

use super::schema::{check_shape, get, invalid, is_false, join, TRUE};
use crate::contract::{Direction, Finding, Level, Limits, SpecError, TOO_COMPLEX, TOO_DEEP};
use regex::{Regex, RegexBuilder};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Longest chain of `$ref`s to `$ref`s followed before giving up.
const MAX_REF_HOPS: usize = 64;

/// `patternProperties` keys longer than this are not compiled (taken as matching nothing, like
/// patterns Rust's regex cannot compile): compiling is linear in the pattern but heavy, and
/// real patterns are short.
pub const MAX_PATTERN_BYTES: usize = 4096;

/// Compiled-size limit for one pattern (the regex crate's default is 10 MB): `a{1000}{1000}`
/// is refused quickly instead of compiled.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// Compares one schema position of two documents. `old_root`/`new_root` are the whole documents
/// that local `$ref`s ("#/definitions/X", "#/$defs/X", "#/components/schemas/X", any local JSON
/// pointer) resolve against.
pub struct SchemaDiff<'a> {
    old_root: &'a Value,
    new_root: &'a Value,
    /// Pairs (old, new, direction) being compared further up the stack. Meeting one again means
    /// a recursive schema; it is assumed compatible (coinduction), which ends the recursion.
    active: HashSet<(usize, usize, Direction)>,
    /// Compiled `patternProperties` keys; `None` for patterns Rust's regex cannot compile.
    regexes: HashMap<String, Option<Regex>>,
    /// Completed comparisons of `$ref` targets (resolved old, resolved new, direction), with
    /// finding paths relative to where the comparison started. See [`SchemaDiff::cmp`].
    memo: HashMap<(usize, usize, Direction), Vec<Finding>>,
    /// How many times a pair in `active` was met and assumed compatible, so far. Stopping at
    /// the depth limit counts too: such a result depends on the stack just the same.
    assumed: usize,
    limits: Limits,
    /// Comparisons on the stack now.
    depth: usize,
    /// Work done so far; see [`MAX_DIFF_WORK`](crate::contract::MAX_DIFF_WORK).
    work: u64,
    /// Set when `work` passed the budget: the error unwinding the comparison is that, not a
    /// problem of the documents, and every later comparison stops at once.
    exhausted: bool,
}

/// How a change from old to new moves the set of valid instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    Narrows,
    Widens,
    Changes,
}

impl Effect {
    /// Whether this kind of change, on its own, can break the reader of `dir`.
    pub(super) fn breaks(self, dir: Direction) -> bool {
        match self {
            Effect::Narrows => dir == Direction::Backward,
            Effect::Widens => dir == Direction::Forward,
            Effect::Changes => true,
        }
    }
}

/// One change, before the reader-accepts-writer verdict gives it a level.
pub(super) struct Change {
    pub code: String,
    pub effect: Effect,
    pub path: String,
    pub message: String,
}

impl Change {
    pub(super) fn new(
        code: impl Into<String>,
        effect: Effect,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Change {
        Change {
            code: code.into(),
            effect,
            path: path.into(),
            message: message.into(),
        }
    }

    pub(super) fn finding(self, level: Level) -> Finding {
        Finding {
            code: self.code,
            level,
            path: self.path,
            message: self.message,
            operation: None,
        }
    }
}

pub(super) fn level(ok: bool) -> Level {
    if ok {
        Level::Info
    } else {
        Level::Breaking
    }
}

pub(super) fn finding(code: &str, ok: bool, path: &str, message: impl Into<String>) -> Finding {
    Change::new(code, Effect::Changes, path, message).finding(level(ok))
}

/// `(reader, writer)`: in BACKWARD the new schema reads data written under the old one.
pub(super) fn reader_writer<T>(dir: Direction, old: T, new: T) -> (T, T) {
    match dir {
        Direction::Backward => (new, old),
        Direction::Forward => (old, new),
    }
}

/// Records changes judged together: when the reader does not accept the writer (`ok` false),
/// the changes that can break this direction are blamed, or all of them if none can.
pub(super) fn emit_group(out: &mut Vec<Finding>, changes: Vec<Change>, ok: bool, dir: Direction) {
    let any_blamed = changes.iter().any(|c| c.effect.breaks(dir));
    for change in changes {
        let blamed = !ok && (!any_blamed || change.effect.breaks(dir));
        out.push(change.finding(level(!blamed)));
    }
}

/// Records a change whose verdict follows from its effect alone.
pub(super) fn emit_effect(out: &mut Vec<Finding>, change: Change, dir: Direction) {
    let ok = !change.effect.breaks(dir);
    out.push(change.finding(level(ok)));
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

impl<'a> SchemaDiff<'a> {
    pub fn new(old_root: &'a Value, new_root: &'a Value) -> Self {
        SchemaDiff::with_limits(old_root, new_root, Limits::default())
    }

    /// A diff that stops at `limits` rather than the default ones. The budget is shared by
    /// every [`SchemaDiff::compare`] made with this value.
    pub fn with_limits(old_root: &'a Value, new_root: &'a Value, limits: Limits) -> Self {
        SchemaDiff {
            old_root,
            new_root,
            active: HashSet::new(),
            regexes: HashMap::new(),
            memo: HashMap::new(),
            assumed: 0,
            limits,
            depth: 0,
            work: 0,
            exhausted: false,
        }
    }

    /// Findings for `old` -> `new` where `direction` says who reads. `path` is the JSON pointer
    /// prefix used in findings. A finding is Breaking when the change breaks the given direction,
    /// Warning when it only possibly does, else Info.
    ///
    /// Once the work budget is spent, this returns a single Breaking [`TOO_COMPLEX`] finding:
    /// at the place the budget ran out, then at `path` for every later call.
    pub fn compare(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        direction: Direction,
        path: &str,
    ) -> Result<Vec<Finding>, SpecError> {
        if self.exhausted {
            return Ok(vec![self.too_complex(path)]);
        }
        match self.findings(old, new, direction, path) {
            Err(stop) if self.exhausted => {
                self.depth = 0;
                Ok(vec![self.too_complex(&stop.location)])
            }
            other => other,
        }
    }

    /// Work done so far, in the units of [`MAX_DIFF_WORK`](crate::contract::MAX_DIFF_WORK).
    pub fn work(&self) -> u64 {
        self.work
    }

    /// Whether the work budget ran out.
    pub fn is_exhausted(&self) -> bool {
        self.exhausted
    }

    fn too_complex(&self, path: &str) -> Finding {
        finding(
            TOO_COMPLEX,
            false,
            path,
            format!(
                "comparison stopped after {} units of work (the limit per diff): \
                 compatibility could not be shown",
                self.limits.max_work
            ),
        )
    }

    /// Spends `units` of the budget; an error (unwinding to [`SchemaDiff::compare`]) when it
    /// runs out.
    pub(super) fn spend(&mut self, units: u64, path: &str) -> Result<(), SpecError> {
        self.work = self.work.saturating_add(units);
        if self.work > self.limits.max_work {
            self.exhausted = true;
            return Err(SpecError::new(path, "work budget exhausted"));
        }
        Ok(())
    }

    pub(super) fn limits(&self) -> Limits {
        self.limits
    }

    /// Like [`SchemaDiff::compare`] but passing budget exhaustion up as an error.
    fn findings(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        direction: Direction,
        path: &str,
    ) -> Result<Vec<Finding>, SpecError> {
        let mut out = Vec::new();
        self.cmp(old, new, direction, path, &mut out)?;
        Ok(out)
    }

    /// Compares without recording: whether the reader accepts the writer, and the findings.
    pub(super) fn trial(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
    ) -> Result<(bool, Vec<Finding>), SpecError> {
        let findings = self.findings(old, new, dir, path)?;
        let ok = findings.iter().all(|f| f.level != Level::Breaking);
        Ok((ok, findings))
    }

    /// Compares after following `$ref`s, guarding against recursion.
    ///
    /// Comparisons reached through a `$ref` are memoised, but only when they assumed no pair
    /// compatible (no hit in `active` inside them, `assumed` unchanged). Such a result does not
    /// depend on the pairs in progress further up: which subschemas get compared depends on the
    /// schemas only (never on verdicts), so a hit-free comparison's reachable pairs contain no
    /// cycle, hence none of them can be an ancestor in any other context either (that ancestor
    /// would reach the pair and the pair reach it back). The cached findings are therefore
    /// exactly what recomputing would give, up to the path prefix. Results that did use an
    /// assumption depend on the stack and are recomputed.
    pub(super) fn cmp(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        // Building this comparison's paths and findings copies `path`: long paths cost more.
        self.spend(1 + weight(old) + weight(new) + path.len() as u64 / 64, path)?;
        if self.depth >= self.limits.max_depth {
            // What lies below is not compared: like an assumption, this depends on the stack.
            self.assumed += 1;
            out.push(finding(
                TOO_DEEP,
                false,
                path,
                format!(
                    "schemas nested more than {} levels deep (the limit, counting $ref \
                     targets) are not compared: compatibility could not be shown",
                    self.limits.max_depth
                ),
            ));
            return Ok(());
        }
        let via_ref = get(old, "$ref").is_some() || get(new, "$ref").is_some();
        let old = resolve(old, self.old_root, path)?;
        let new = resolve(new, self.new_root, path)?;
        let key = (
            old as *const Value as usize,
            new as *const Value as usize,
            dir,
        );
        if via_ref {
            if let Some(found) = self.memo.get(&key) {
                let copies = found.len() as u64;
                self.spend(copies, path)?;
                let found = &self.memo[&key];
                out.extend(
                    found
                        .iter()
                        .map(|f| with_path(f, format!("{path}{}", f.path))),
                );
                return Ok(());
            }
        }
        if !self.active.insert(key) {
            self.assumed += 1;
            return Ok(());
        }
        let (start, assumed) = (out.len(), self.assumed);
        self.depth += 1;
        let result = self.cmp_resolved(old, new, dir, path, out);
        self.depth -= 1;
        self.active.remove(&key);
        if via_ref && result.is_ok() && self.assumed == assumed {
            let relative: Option<Vec<Finding>> = out[start..]
                .iter()
                .map(|f| {
                    let rest = f.path.strip_prefix(path)?;
                    Some(with_path(f, rest.to_string()))
                })
                .collect();
            if let Some(relative) = relative {
                self.spend(relative.len() as u64, path)?;
                self.memo.insert(key, relative);
            }
        }
        result
    }

    fn cmp_resolved(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        if is_false(old) || is_false(new) {
            cmp_false(old, new, dir, path, out);
            return Ok(());
        }
        annotations(old, new, path, out);
        if self.combined(old, new, dir, path, out)? {
            return Ok(());
        }
        self.scalars(old, new, dir, path, out)?;
        self.objects(old, new, dir, path, out)?;
        self.arrays(old, new, dir, path, out)?;
        self.mixed_combinators(old, new, dir, path, out)?;
        self.not(old, new, dir, path, out)?;
        conditionals(old, new, path, out);
        Ok(())
    }

    /// `not` reverses who reads: the reader's `not` must exclude at least what the writer's does.
    fn not(
        &mut self,
        old: &'a Value,
        new: &'a Value,
        dir: Direction,
        path: &str,
        out: &mut Vec<Finding>,
    ) -> Result<(), SpecError> {
        let sub = join(path, "not");
        match (get(old, "not"), get(new, "not")) {
            (Some(o), Some(n)) => self.cmp(o, n, dir.reverse(), &sub, out)?,
            (None, Some(_)) => emit_effect(
                out,
                Change::new("NOT_TYPE_EXTENDED", Effect::Narrows, sub, "'not' added"),
                dir,
            ),
            (Some(_), None) => emit_effect(
                out,
                Change::new("NOT_TYPE_NARROWED", Effect::Widens, sub, "'not' removed"),
                dir,
            ),
            (None, None) => {}
        }
        Ok(())
    }

    /// Whether `name` matches the `patternProperties` key `pattern`; patterns Rust's regex
    /// cannot compile (ECMA-only syntax) are taken as not matching.
    /// Patterns longer than [`MAX_PATTERN_BYTES`] or compiling to more than a megabyte are
    /// taken as not matching as well.
    pub(super) fn matches(&mut self, pattern: &str, name: &str) -> bool {
        if pattern.len() > MAX_PATTERN_BYTES {
            return false;
        }
        if let Some(compiled) = self.regexes.get(pattern) {
            return compiled.as_ref().is_some_and(|re| re.is_match(name));
        }
        self.regexes
            .entry(pattern.to_string())
            .or_insert_with(|| {
                RegexBuilder::new(pattern)
                    .size_limit(PATTERN_SIZE_LIMIT)
                    .dfa_size_limit(PATTERN_SIZE_LIMIT)
                    .build()
                    .ok()
            })
            .as_ref()
            .is_some_and(|re| re.is_match(name))
    }
}

/// Extra work units for comparing a schema: its list keywords (`enum`, `required`) are compared
/// element-wise and its keys scanned, so very large ones count for more than one.
fn weight(schema: &Value) -> u64 {
    let Value::Object(map) = schema else {
        return 0;
    };
    let list = |key: &str| map.get(key).and_then(Value::as_array).map_or(0, Vec::len);
    ((map.len() + list("enum") + list("required")) / 64) as u64
}

/// A copy of `finding` at `path`.
fn with_path(finding: &Finding, path: String) -> Finding {
    Finding {
        code: finding.code.clone(),
        level: finding.level,
        path,
        message: finding.message.clone(),
        operation: finding.operation.clone(),
    }
}

/// Follows `$ref`s (local JSON pointers only). Siblings of `$ref` are ignored, as in draft-07.
fn resolve<'a>(mut schema: &'a Value, root: &'a Value, path: &str) -> Result<&'a Value, SpecError> {
    for _ in 0..MAX_REF_HOPS {
        check_shape(schema, path)?;
        let Some(reference) = get(schema, "$ref") else {
            return Ok(schema);
        };
        let reference = reference
            .as_str()
            .ok_or_else(|| invalid(&join(path, "$ref"), "'$ref' must be a string"))?;
        let pointer = reference.strip_prefix('#').ok_or_else(|| {
            invalid(
                &join(path, "$ref"),
                format!("'{reference}' is not a local reference (only '#/...' is supported)"),
            )
        })?;
        schema = root.pointer(&percent_decode(pointer)).ok_or_else(|| {
            invalid(
                &join(path, "$ref"),
                format!("'{reference}' does not resolve"),
            )
        })?;
    }
    Err(invalid(
        &join(path, "$ref"),
        format!(
            "'$ref' chain longer than {MAX_REF_HOPS} references to references (a reference to \
             itself?)"
        ),
    ))
}

/// `false` accepts nothing: replacing it widens, introducing it narrows.
fn cmp_false(old: &Value, new: &Value, dir: Direction, path: &str, out: &mut Vec<Finding>) {
    let change = match (is_false(old), is_false(new)) {
        (true, true) => return,
        (true, false) => Change::new(
            "TYPE_EXTENDED",
            Effect::Widens,
            path,
            "schema 'false' replaced: instances are now accepted",
        ),
        _ => Change::new(
            "TYPE_NARROWED",
            Effect::Narrows,
            path,
            "schema replaced by 'false': no instance is accepted",
        ),
    };
    emit_effect(out, change, dir);
}

/// Title, description and default never change validity; reported for information.
fn annotations(old: &Value, new: &Value, path: &str, out: &mut Vec<Finding>) {
    for (key, code) in [
        ("title", "TITLE_CHANGED"),
        ("description", "DESCRIPTION_CHANGED"),
        ("default", "DEFAULT_CHANGED"),
    ] {
        if get(old, key) != get(new, key) {
            out.push(finding(code, true, path, format!("'{key}' changed")));
        }
    }
}

/// `if`/`then`/`else` are not analysed: any change is worth a look.
fn conditionals(old: &Value, new: &Value, path: &str, out: &mut Vec<Finding>) {
    if ["if", "then", "else"]
        .iter()
        .any(|k| get(old, k) != get(new, k))
    {
        out.push(
            Change::new(
                "CONDITIONAL_CHANGED",
                Effect::Changes,
                path,
                "'if'/'then'/'else' changed (not analysed)",
            )
            .finding(Level::Warning),
        );
    }
}

/// The schema an absent optional subschema keyword stands for.
pub(super) fn or_true(schema: Option<&Value>) -> &Value {
    schema.unwrap_or(&TRUE)
}
