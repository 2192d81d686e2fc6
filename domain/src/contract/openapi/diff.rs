//! The per-operation rules.
//!
//! Levels per mode direction (B = `Backward`: new server, old clients; F = `Forward`: old
//! server, new clients). Codes describe the change old → new.
//!
//! | code | B | F |
//! |---|---|---|
//! | `ENDPOINT_REMOVED` | breaking (warning if old had deprecated it) | info |
//! | `ENDPOINT_ADDED` | info | info |
//! | `ENDPOINT_DEPRECATED` | info (warning with a sunset) | same |
//! | `PARAMETER_ADDED` | breaking if required, else info | info |
//! | `PARAMETER_REMOVED` | warning | breaking if it was required, else info |
//! | `PARAMETER_BECAME_REQUIRED` | breaking | info |
//! | `PARAMETER_BECAME_OPTIONAL` | info | breaking |
//! | `REQUEST_BODY_ADDED` | breaking if required, else info | info |
//! | `REQUEST_BODY_REMOVED` | warning | breaking if it was required, else info |
//! | `REQUEST_BODY_BECAME_REQUIRED` | breaking | info |
//! | `REQUEST_BODY_BECAME_OPTIONAL` | info | breaking |
//! | `REQUEST_MEDIA_TYPE_REMOVED` | breaking | info |
//! | `REQUEST_MEDIA_TYPE_ADDED` | info | warning (new clients may send it) |
//! | `RESPONSE_SUCCESS_STATUS_REMOVED` | breaking | info |
//! | `RESPONSE_NON_SUCCESS_STATUS_REMOVED` | info | warning |
//! | `RESPONSE_STATUS_ADDED` | info if success, else warning | info |
//! | `RESPONSE_MEDIA_TYPE_REMOVED` | breaking | info |
//! | `RESPONSE_MEDIA_TYPE_ADDED` | info | info |
//! | `RESPONSE_HEADER_REMOVED` | breaking if it was required, else warning | info |
//! | `RESPONSE_HEADER_ADDED` | info | breaking if required, else info |
//! | `RESPONSE_HEADER_BECAME_OPTIONAL` | breaking | info |
//! | `RESPONSE_HEADER_BECAME_REQUIRED` | info | breaking |
//! | `SECURITY_REQUIREMENT_ADDED`, `SECURITY_SCOPE_ADDED` | breaking if an old alternative no longer suffices, else info | info |
//! | `SECURITY_REQUIREMENT_REMOVED`, `SECURITY_SCOPE_REMOVED` | info | breaking if a new alternative would not suffice on the old server, else info |
//!
//! Schemas of parameters, headers and bodies go to [`SchemaDiff`]: requests in the mode
//! direction, responses in the reverse one, and its levels are kept as they are. In particular
//! a value added to a response enum stays breaking for old clients (oasdiff only warns): a
//! generated client with an exhaustive match on the enum is exactly what breaks. Going
//! forward (new clients reading old responses) the engine grades it info.
//!
//! A status missing on one side is matched with its range (`2XX`) and then `default` before it
//! counts as removed.

use super::model::{
    child, resolve, Content, Document, Header, Lookup, Operation, Parameter, Response, Security,
};
use crate::contract::json_schema::SchemaDiff;
use crate::contract::{
    Direction, Finding, Level, Limits, Mode, SpecError, MAX_BRANCH_PAIRS, TOO_COMPLEX,
};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A missing schema accepts anything.
static ANY: Value = Value::Bool(true);

/// Compare two documents in every direction of `mode`. Errors in `old` name it `old_name`.
pub(super) fn compare<'a>(
    old: &Document<'a>,
    new: &Document<'a>,
    mode: Mode,
    old_name: &str,
    limits: Limits,
) -> Result<Vec<Finding>, SpecError> {
    let mut differ = Differ {
        old_root: old.root,
        new_root: new.root,
        schemas: SchemaDiff::with_limits(old.root, new.root, limits),
        memo: HashMap::new(),
        findings: Vec::new(),
    };
    differ.documents(old, new, mode.directions(), old_name)?;
    Ok(differ.findings)
}

fn by_direction(d: Direction, backward: Level, forward: Level) -> Level {
    match d {
        Direction::Backward => backward,
        Direction::Forward => forward,
    }
}

fn if_else(condition: bool, yes: Level, no: Level) -> Level {
    if condition {
        yes
    } else {
        no
    }
}

fn required_word(required: bool) -> &'static str {
    if required {
        "required"
    } else {
        "optional"
    }
}

/// Findings of one schema comparison, kept to reuse when the same pair of shared schemas
/// comes up again under another operation.
struct Memo {
    prefix: String,
    findings: Vec<Finding>,
}

impl Memo {
    /// The findings re-based from the pointer they were computed at to `prefix`.
    fn rebased(&self, prefix: &str) -> Vec<Finding> {
        self.findings
            .iter()
            .map(|f| {
                let path = match f.path.strip_prefix(&self.prefix) {
                    Some(rest) => format!("{prefix}{rest}"),
                    None => f.path.clone(),
                };
                Finding { path, ..f.clone() }
            })
            .collect()
    }
}

/// Whether a schema is a bare reference, i.e. likely shared between operations.
fn is_ref(schema: &Value) -> bool {
    schema.get("$ref").is_some()
}

/// Whether a schema refers elsewhere anywhere inside: then equal text may still differ.
fn has_ref(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => map.contains_key("$ref") || map.values().any(has_ref),
        Value::Array(items) => items.iter().any(has_ref),
        _ => false,
    }
}

/// Which half of an exchange some content belongs to.
#[derive(Clone, Copy)]
enum Part {
    Request,
    Response,
}

struct Differ<'a> {
    old_root: &'a Value,
    new_root: &'a Value,
    schemas: SchemaDiff<'a>,
    /// Keyed by the addresses of the resolved old and new schemas and the reading direction.
    memo: HashMap<(usize, usize, Direction), Memo>,
    findings: Vec<Finding>,
}

impl<'a> Differ<'a> {
    fn push(&mut self, code: &str, level: Level, path: &str, message: String, op: &str) {
        self.findings.push(Finding {
            code: code.to_string(),
            level,
            path: path.to_string(),
            message,
            operation: Some(op.to_string()),
        });
    }

    /// Every operation of both documents is parsed (so checked) once, even with no direction.
    fn documents(
        &mut self,
        old: &Document<'a>,
        new: &Document<'a>,
        directions: &[Direction],
        old_name: &str,
    ) -> Result<(), SpecError> {
        for (key, o) in &old.operations {
            let o = old
                .operation(o)
                .map_err(|e| super::in_version(e, old_name))?;
            let n = new
                .operations
                .get(key)
                .map(|n| new.operation(n))
                .transpose()?;
            let start = self.findings.len();
            for &d in directions {
                match &n {
                    Some(n) => self.operation(&o, n, d)?,
                    None => self.endpoint_removed(&o, d),
                }
            }
            // Directions often agree: dedupe now, while the findings are few.
            let these = self.findings.split_off(start);
            self.findings.extend(super::dedupe(these));
        }
        for (key, n) in &new.operations {
            if !old.operations.contains_key(key) {
                let n = new.operation(n)?;
                if !directions.is_empty() {
                    let message = "endpoint added".to_string();
                    self.push("ENDPOINT_ADDED", Level::Info, &n.pointer, message, &n.key);
                }
            }
        }
        Ok(())
    }

    fn endpoint_removed(&mut self, o: &Operation<'a>, d: Direction) {
        let level = by_direction(
            d,
            if_else(o.deprecated, Level::Warning, Level::Breaking),
            Level::Info,
        );
        let message = match (o.deprecated, &o.sunset) {
            (true, Some(sunset)) => format!("deprecated endpoint removed (sunset {sunset})"),
            (true, None) => "deprecated endpoint removed".to_string(),
            (false, _) => "endpoint removed without deprecation".to_string(),
        };
        self.push("ENDPOINT_REMOVED", level, &o.pointer, message, &o.key);
    }

    fn operation(
        &mut self,
        o: &Operation<'a>,
        n: &Operation<'a>,
        d: Direction,
    ) -> Result<(), SpecError> {
        if !o.deprecated && n.deprecated {
            let (level, message) = match &n.sunset {
                Some(sunset) => (
                    Level::Warning,
                    format!("endpoint deprecated, sunset {sunset}"),
                ),
                None => (Level::Info, "endpoint deprecated".to_string()),
            };
            self.push("ENDPOINT_DEPRECATED", level, &n.pointer, message, &n.key);
        }
        self.parameters(o, n, d)?;
        self.request_body(o, n, d)?;
        self.responses(o, n, d)?;
        if o.security.value != n.security.value {
            let old = o.security.parse(&o.pointer)?;
            let new = n.security.parse(&n.pointer)?;
            self.security(&old, &new, d, &n.key);
        }
        Ok(())
    }

    fn parameters(
        &mut self,
        o: &Operation<'a>,
        n: &Operation<'a>,
        d: Direction,
    ) -> Result<(), SpecError> {
        let (old_params, new_params) = (Lookup::new(&o.parameters), Lookup::new(&n.parameters));
        for (key, op) in &o.parameters {
            match new_params.get(key) {
                Some(np) => self.parameter(op, np, d, &n.key)?,
                None => {
                    let level = by_direction(
                        d,
                        Level::Warning,
                        if_else(op.required, Level::Breaking, Level::Info),
                    );
                    let message = format!("{} parameter removed", describe(op));
                    self.push("PARAMETER_REMOVED", level, &op.pointer, message, &n.key);
                }
            }
        }
        for (key, np) in &n.parameters {
            if old_params.get(key).is_none() {
                let level = by_direction(
                    d,
                    if_else(np.required, Level::Breaking, Level::Info),
                    Level::Info,
                );
                let message = format!("{} parameter added", describe(np));
                self.push("PARAMETER_ADDED", level, &np.pointer, message, &n.key);
            }
        }
        Ok(())
    }

    fn parameter(
        &mut self,
        op: &Parameter<'a>,
        np: &Parameter<'a>,
        d: Direction,
        key: &str,
    ) -> Result<(), SpecError> {
        let at = &np.pointer;
        match (op.required, np.required) {
            (false, true) => {
                let level = by_direction(d, Level::Breaking, Level::Info);
                let message = format!("{} parameter became required", describe(np));
                self.push("PARAMETER_BECAME_REQUIRED", level, at, message, key);
            }
            (true, false) => {
                let level = by_direction(d, Level::Info, Level::Breaking);
                let message = format!("{} parameter became optional", describe(np));
                self.push("PARAMETER_BECAME_OPTIONAL", level, at, message, key);
            }
            _ => {}
        }
        self.schema(op.schema, np.schema, d, &format!("{at}/schema"), key)
    }

    fn request_body(
        &mut self,
        o: &Operation<'a>,
        n: &Operation<'a>,
        d: Direction,
    ) -> Result<(), SpecError> {
        match (&o.request_body, &n.request_body) {
            (None, None) => {}
            (None, Some(nb)) => {
                let level = by_direction(
                    d,
                    if_else(nb.required, Level::Breaking, Level::Info),
                    Level::Info,
                );
                let message = format!("{} request body added", required_word(nb.required));
                self.push("REQUEST_BODY_ADDED", level, &nb.pointer, message, &n.key);
            }
            (Some(ob), None) => {
                let level = by_direction(
                    d,
                    Level::Warning,
                    if_else(ob.required, Level::Breaking, Level::Info),
                );
                let message = "request body removed".to_string();
                self.push("REQUEST_BODY_REMOVED", level, &ob.pointer, message, &n.key);
            }
            (Some(ob), Some(nb)) => {
                let at = &nb.pointer;
                if !ob.required && nb.required {
                    let level = by_direction(d, Level::Breaking, Level::Info);
                    let message = "request body became required".to_string();
                    self.push("REQUEST_BODY_BECAME_REQUIRED", level, at, message, &n.key);
                } else if ob.required && !nb.required {
                    let level = by_direction(d, Level::Info, Level::Breaking);
                    let message = "request body became optional".to_string();
                    self.push("REQUEST_BODY_BECAME_OPTIONAL", level, at, message, &n.key);
                }
                self.content(
                    &ob.content,
                    &nb.content,
                    (&ob.pointer, at),
                    d,
                    Part::Request,
                    &n.key,
                )?;
            }
        }
        Ok(())
    }

    fn responses(
        &mut self,
        o: &Operation<'a>,
        n: &Operation<'a>,
        d: Direction,
    ) -> Result<(), SpecError> {
        let (old_responses, new_responses) = (Lookup::new(&o.responses), Lookup::new(&n.responses));
        for (status, or) in &o.responses {
            match lookup(&new_responses, status) {
                Some(nr) => self.response(or, nr, d, &n.key)?,
                None if is_success(status) => {
                    let level = by_direction(d, Level::Breaking, Level::Info);
                    let message = format!("success response {status} removed");
                    self.push(
                        "RESPONSE_SUCCESS_STATUS_REMOVED",
                        level,
                        &or.pointer,
                        message,
                        &n.key,
                    );
                }
                None => {
                    let level = by_direction(d, Level::Info, Level::Warning);
                    let message = format!("response {status} removed");
                    self.push(
                        "RESPONSE_NON_SUCCESS_STATUS_REMOVED",
                        level,
                        &or.pointer,
                        message,
                        &n.key,
                    );
                }
            }
        }
        for (status, nr) in &n.responses {
            if lookup(&old_responses, status).is_none() {
                let success = is_success(status);
                let level = by_direction(
                    d,
                    if_else(success, Level::Info, Level::Warning),
                    Level::Info,
                );
                let message = format!("response {status} added");
                self.push("RESPONSE_STATUS_ADDED", level, &nr.pointer, message, &n.key);
            }
        }
        Ok(())
    }

    fn response(
        &mut self,
        or: &Response<'a>,
        nr: &Response<'a>,
        d: Direction,
        key: &str,
    ) -> Result<(), SpecError> {
        self.content(
            &or.content,
            &nr.content,
            (&or.pointer, &nr.pointer),
            d,
            Part::Response,
            key,
        )?;
        let (old_headers, new_headers) = (Lookup::new(&or.headers), Lookup::new(&nr.headers));
        for (name, oh) in &or.headers {
            match new_headers.get(name) {
                Some(nh) => self.header(oh, nh, d, key)?,
                None => {
                    let level = by_direction(
                        d,
                        if_else(oh.required, Level::Breaking, Level::Warning),
                        Level::Info,
                    );
                    let message = format!(
                        "{} response header '{}' removed",
                        required_word(oh.required),
                        oh.name
                    );
                    self.push("RESPONSE_HEADER_REMOVED", level, &oh.pointer, message, key);
                }
            }
        }
        for (name, nh) in &nr.headers {
            if old_headers.get(name).is_none() {
                let level = by_direction(
                    d,
                    Level::Info,
                    if_else(nh.required, Level::Breaking, Level::Info),
                );
                let message = format!(
                    "{} response header '{}' added",
                    required_word(nh.required),
                    nh.name
                );
                self.push("RESPONSE_HEADER_ADDED", level, &nh.pointer, message, key);
            }
        }
        Ok(())
    }

    fn header(
        &mut self,
        oh: &Header<'a>,
        nh: &Header<'a>,
        d: Direction,
        key: &str,
    ) -> Result<(), SpecError> {
        let at = &nh.pointer;
        if oh.required && !nh.required {
            let level = by_direction(d, Level::Breaking, Level::Info);
            let message = format!("response header '{}' became optional", nh.name);
            self.push("RESPONSE_HEADER_BECAME_OPTIONAL", level, at, message, key);
        } else if !oh.required && nh.required {
            let level = by_direction(d, Level::Info, Level::Breaking);
            let message = format!("response header '{}' became required", nh.name);
            self.push("RESPONSE_HEADER_BECAME_REQUIRED", level, at, message, key);
        }
        self.schema(
            oh.schema,
            nh.schema,
            d.reverse(),
            &format!("{at}/schema"),
            key,
        )
    }

    /// Media types of a request body or a response, and the schemas of those on both sides.
    fn content(
        &mut self,
        old: &Content<'a>,
        new: &Content<'a>,
        (old_at, new_at): (&str, &str),
        d: Direction,
        part: Part,
        key: &str,
    ) -> Result<(), SpecError> {
        let (prefix, schema_direction, added_forward) = match part {
            Part::Request => ("REQUEST", d, Level::Warning),
            Part::Response => ("RESPONSE", d.reverse(), Level::Info),
        };
        let word = prefix.to_ascii_lowercase();
        let (old_types, new_types) = (Lookup::new(old), Lookup::new(new));
        for (media_type, old_schema) in old {
            let at = child(&format!("{new_at}/content"), media_type);
            match new_types.get(media_type) {
                Some(new_schema) => self.schema(
                    *old_schema,
                    *new_schema,
                    schema_direction,
                    &format!("{at}/schema"),
                    key,
                )?,
                None => {
                    let at = child(&format!("{old_at}/content"), media_type);
                    let level = by_direction(d, Level::Breaking, Level::Info);
                    let message = format!("{word} media type '{media_type}' removed");
                    self.push(
                        &format!("{prefix}_MEDIA_TYPE_REMOVED"),
                        level,
                        &at,
                        message,
                        key,
                    );
                }
            }
        }
        for (media_type, _) in new.iter().filter(|(m, _)| old_types.get(m).is_none()) {
            let at = child(&format!("{new_at}/content"), media_type);
            let level = by_direction(d, Level::Info, added_forward);
            let message = format!("{word} media type '{media_type}' added");
            self.push(
                &format!("{prefix}_MEDIA_TYPE_ADDED"),
                level,
                &at,
                message,
                key,
            );
        }
        Ok(())
    }

    fn security(&mut self, old: &Security, new: &Security, d: Direction, key: &str) {
        let at = new.pointer.clone();
        // Comparing alternatives is each against each: refuse what would be quadratic.
        let pairs = (old.alternatives.len().max(1)).saturating_mul(new.alternatives.len().max(1));
        if pairs > MAX_BRANCH_PAIRS {
            let message = format!(
                "{} and {} security alternatives: more than can be compared ({MAX_BRANCH_PAIRS} \
                 pairs, the limit); compatibility could not be shown",
                old.alternatives.len(),
                new.alternatives.len()
            );
            self.push(TOO_COMPLEX, Level::Breaking, &at, message, key);
            return;
        }
        let old_reqs = by_schemes(old);
        let new_reqs = by_schemes(new);
        // Tightened: some old client's credentials no longer get in (matters going backward).
        let tightened = !satisfies_all(old, new);
        // Loosened: some new client's credentials do not get into an old server (forward).
        let loosened = !satisfies_all(new, old);
        let added = by_direction(
            d,
            if_else(tightened, Level::Breaking, Level::Info),
            Level::Info,
        );
        let removed = by_direction(
            d,
            Level::Info,
            if_else(loosened, Level::Breaking, Level::Info),
        );
        for (schemes, scopes) in &new_reqs {
            match old_reqs.get(schemes) {
                None => {
                    let message = format!("security requirement '{schemes}' added");
                    self.push("SECURITY_REQUIREMENT_ADDED", added, &at, message, key);
                }
                Some(old_scopes) => {
                    for (scheme, scope) in scopes.difference(old_scopes) {
                        let message =
                            format!("scope '{scope}' of security scheme '{scheme}' added");
                        self.push("SECURITY_SCOPE_ADDED", added, &at, message, key);
                    }
                    for (scheme, scope) in old_scopes.difference(scopes) {
                        let message =
                            format!("scope '{scope}' of security scheme '{scheme}' removed");
                        self.push("SECURITY_SCOPE_REMOVED", removed, &at, message, key);
                    }
                }
            }
        }
        for schemes in old_reqs.keys().filter(|s| !new_reqs.contains_key(*s)) {
            let message = format!("security requirement '{schemes}' removed");
            self.push("SECURITY_REQUIREMENT_REMOVED", removed, &at, message, key);
        }
    }

    /// Compare two schemas (absent = anything), reusing earlier results for shared ones.
    fn schema(
        &mut self,
        old: Option<&'a Value>,
        new: Option<&'a Value>,
        direction: Direction,
        at: &str,
        key: &str,
    ) -> Result<(), SpecError> {
        if old.is_none() && new.is_none() {
            return Ok(());
        }
        let (old, new) = (old.unwrap_or(&ANY), new.unwrap_or(&ANY));
        // Most inline schemas (parameters, headers) do not change: skip the engine for them.
        if old == new && !has_ref(old) {
            return Ok(());
        }
        let findings = if is_ref(old) || is_ref(new) {
            let memo_key = (
                resolve(self.old_root, old, at)? as *const Value as usize,
                resolve(self.new_root, new, at)? as *const Value as usize,
                direction,
            );
            match self.memo.get(&memo_key) {
                Some(memo) => memo.rebased(at),
                None => {
                    let findings = self.schemas.compare(old, new, direction, at)?;
                    let memo = Memo {
                        prefix: at.to_string(),
                        findings: findings.clone(),
                    };
                    self.memo.insert(memo_key, memo);
                    findings
                }
            }
        } else {
            self.schemas.compare(old, new, direction, at)?
        };
        self.findings.extend(findings.into_iter().map(|f| Finding {
            operation: Some(key.to_string()),
            ..f
        }));
        Ok(())
    }
}

fn describe(p: &Parameter<'_>) -> String {
    format!(
        "{} {} '{}'",
        required_word(p.required),
        p.location.as_str(),
        p.name
    )
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

/// The response that covers `status`: itself, its range (`2XX`), or `default`.
fn lookup<'r, 'a>(
    responses: &Lookup<'r, Cow<'a, str>, Response<'a>>,
    status: &str,
) -> Option<&'r Response<'a>> {
    let range = status.get(..1).map(|first| format!("{first}XX"));
    responses
        .get_str(status)
        .or_else(|| range.and_then(|r| responses.get_str(&r)))
        .or_else(|| responses.get_str("default"))
}

/// Requirements keyed by their scheme names (`a+b`), with their `(scheme, scope)` pairs.
fn by_schemes(security: &Security) -> BTreeMap<String, BTreeSet<(String, String)>> {
    security
        .alternatives
        .iter()
        .map(|requirement| {
            let schemes = if requirement.is_empty() {
                "anonymous".to_string()
            } else {
                requirement.keys().cloned().collect::<Vec<_>>().join("+")
            };
            let scopes = requirement
                .iter()
                .flat_map(|(scheme, scopes)| {
                    scopes.iter().map(move |s| (scheme.clone(), s.clone()))
                })
                .collect();
            (schemes, scopes)
        })
        .collect()
}

/// Whether every way of getting into `from` also gets into `to`: for each alternative of
/// `from` there is one in `to` needing no more schemes and scopes. No security at all is
/// the empty alternative.
fn satisfies_all(from: &Security, to: &Security) -> bool {
    if to.alternatives.is_empty() {
        return true;
    }
    let empty = [BTreeMap::new()];
    let from = if from.alternatives.is_empty() {
        &empty[..]
    } else {
        &from.alternatives[..]
    };
    from.iter().all(|have| {
        to.alternatives.iter().any(|need| {
            need.iter().all(|(scheme, scopes)| {
                have.get(scheme)
                    .is_some_and(|granted| scopes.is_subset(granted))
            })
        })
    })
}
