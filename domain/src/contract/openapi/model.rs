//! A small typed view of an OpenAPI 3.0/3.1 document, borrowed from the parsed JSON.
//!
//! Only what compatibility needs is modelled. Reference objects (`$ref` to `components/...`)
//! are resolved here; schemas stay raw [`Value`]s for the JSON Schema engine, which resolves
//! their own `$ref`s against the document root.

use crate::contract::SpecError;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Reference chains longer than this are treated as cycles.
const MAX_REF_HOPS: usize = 32;

/// An OpenAPI document indexed by operation. Operations are parsed one at a time
/// ([`Document::operation`]) so that diffing thousands of them never holds two whole typed
/// models in memory.
#[derive(Debug)]
pub struct Document<'a> {
    pub root: &'a Value,
    /// By canonical key (see [`super::normalize_operation_key`]).
    pub operations: BTreeMap<String, OperationRef<'a>>,
    default_security: Option<&'a Value>,
}

/// Where an operation is in the document, before its details are parsed.
#[derive(Debug)]
pub struct OperationRef<'a> {
    /// `METHOD /path` as written in the document, e.g. `POST /charges/{id}`.
    pub key: String,
    path: &'a str,
    method: &'static str,
    item: &'a Map<String, Value>,
    op: &'a Value,
}

#[derive(Debug)]
pub struct Operation<'a> {
    /// `METHOD /path` as written in the document, e.g. `POST /charges/{id}`.
    pub key: String,
    /// JSON pointer of the operation object, e.g. `#/paths/~1charges/post`.
    pub pointer: String,
    /// Path-level and operation-level parameters merged (operation wins).
    pub parameters: Vec<(ParamKey<'a>, Parameter<'a>)>,
    pub request_body: Option<RequestBody<'a>>,
    /// By status code, ranges upper-cased: `200`, `2XX`, `default`.
    pub responses: Vec<(Cow<'a, str>, Response<'a>)>,
    /// The `security` in force, unparsed: the operation's own or the document's.
    pub security: SecurityRef<'a>,
    pub deprecated: bool,
    /// `x-sunset` / `sunset`: when a deprecated operation may go away.
    pub sunset: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParamLocation {
    fn parse(s: &str) -> Option<ParamLocation> {
        match s {
            "path" => Some(ParamLocation::Path),
            "query" => Some(ParamLocation::Query),
            "header" => Some(ParamLocation::Header),
            "cookie" => Some(ParamLocation::Cookie),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

/// How a parameter is matched across versions: path parameters by position in the template
/// (`{id}` and `{itemId}` are the same segment), headers case-insensitively, others by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ParamKey<'a>(pub ParamLocation, pub Cow<'a, str>);

#[derive(Debug)]
pub struct Parameter<'a> {
    pub name: &'a str,
    pub location: ParamLocation,
    pub required: bool,
    /// `schema`, or the schema of the single `content` entry; `None` means anything.
    pub schema: Option<&'a Value>,
    pub pointer: String,
}

#[derive(Debug)]
pub struct RequestBody<'a> {
    pub required: bool,
    pub content: Content<'a>,
    pub pointer: String,
}

/// Media type (lower-cased) → its schema, if any.
pub type Content<'a> = Vec<(Cow<'a, str>, Option<&'a Value>)>;

#[derive(Debug)]
pub struct Response<'a> {
    pub content: Content<'a>,
    /// By lower-cased header name.
    pub headers: Vec<(Cow<'a, str>, Header<'a>)>,
    pub pointer: String,
}

#[derive(Debug)]
pub struct Header<'a> {
    pub name: &'a str,
    pub required: bool,
    pub schema: Option<&'a Value>,
    pub pointer: String,
}

/// Security requirements as written, checked but parsed only when they differ between
/// versions (they rarely do, and most operations share the document's).
#[derive(Debug, Clone, Copy)]
pub struct SecurityRef<'a> {
    pub value: Option<&'a Value>,
    /// Whether the operation overrides the document's security.
    pub own: bool,
}

impl SecurityRef<'_> {
    /// Parse, reporting at `op_pointer` when the operation has its own.
    pub fn parse(&self, op_pointer: &str) -> Result<Security, SpecError> {
        let at = if self.own {
            child(op_pointer, "security")
        } else {
            "#/security".to_string()
        };
        match self.value {
            Some(value) => parse_security(value, &at),
            None => Ok(Security {
                alternatives: Vec::new(),
                pointer: at,
            }),
        }
    }
}

/// The effective security of an operation: alternatives (any one suffices), each a set of
/// schemes (all needed) with their scopes. No alternatives means no security.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Security {
    pub alternatives: Vec<BTreeMap<String, BTreeSet<String>>>,
    pub pointer: String,
}

/// The value for `key` in a small keyed list (a few entries: cheaper than a map).
pub fn get<'l, V>(list: &'l [(impl PartialEq<str>, V)], key: &str) -> Option<&'l V> {
    list.iter().find(|(k, _)| *k == *key).map(|(_, v)| v)
}

/// Keyed lists longer than this get a hash index for lookups.
const INDEXED: usize = 32;

/// Lookups in a keyed list, the first entry of a key winning (like [`get`]): a scan for the
/// short lists real documents have, a hash index for long ones, so that matching the
/// parameters, headers, media types or responses of two versions stays linear however many
/// a document declares.
pub struct Lookup<'l, K, V> {
    list: &'l [(K, V)],
    index: Option<HashMap<&'l K, usize>>,
}

impl<'l, K: Hash + Eq, V> Lookup<'l, K, V> {
    pub fn new(list: &'l [(K, V)]) -> Self {
        let index = (list.len() > INDEXED).then(|| {
            let mut index = HashMap::with_capacity(list.len());
            for (i, (k, _)) in list.iter().enumerate() {
                index.entry(k).or_insert(i);
            }
            index
        });
        Lookup { list, index }
    }

    pub fn get(&self, key: &K) -> Option<&'l V> {
        match &self.index {
            Some(index) => index.get(key).map(|&i| &self.list[i].1),
            None => self.list.iter().find(|(k, _)| k == key).map(|(_, v)| v),
        }
    }
}

impl<'l, 'a, V> Lookup<'l, Cow<'a, str>, V> {
    /// [`Lookup::get`] by a borrowed key.
    pub fn get_str(&self, key: &str) -> Option<&'l V> {
        match &self.index {
            Some(_) => self.get(&Cow::Owned(key.to_string())),
            None => self.list.iter().find(|(k, _)| k == key).map(|(_, v)| v),
        }
    }
}

/// `s` in ASCII lower case, borrowed when it already is.
fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// A status code with its range written upper-case (`2xx` → `2XX`), borrowed when it already is.
fn range_upper(status: &str) -> Cow<'_, str> {
    if status.len() == 3 && status.ends_with("xx") {
        Cow::Owned(status.to_ascii_uppercase())
    } else {
        Cow::Borrowed(status)
    }
}

/// `pointer` extended with one escaped reference token.
pub fn child(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 4);
    out.push_str(pointer);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

fn err(location: &str, message: impl Into<String>) -> SpecError {
    SpecError::new(location, message)
}

fn object<'a>(value: &'a Value, at: &str, what: &str) -> Result<&'a Map<String, Value>, SpecError> {
    value
        .as_object()
        .ok_or_else(|| err(at, format!("{what} must be an object")))
}

fn array<'a>(value: &'a Value, at: &str, what: &str) -> Result<&'a Vec<Value>, SpecError> {
    value
        .as_array()
        .ok_or_else(|| err(at, format!("{what} must be an array")))
}

fn flag(map: &Map<String, Value>, key: &str, at: &str) -> Result<bool, SpecError> {
    match map.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(err(&child(at, key), format!("'{key}' must be a boolean"))),
    }
}

/// Follow a local `$ref` chain from `value` (found at `at`) to the object it designates.
pub fn resolve<'a>(root: &'a Value, value: &'a Value, at: &str) -> Result<&'a Value, SpecError> {
    let mut current = value;
    for _ in 0..MAX_REF_HOPS {
        let Some(reference) = current.get("$ref") else {
            return Ok(current);
        };
        let reference = reference
            .as_str()
            .ok_or_else(|| err(at, "'$ref' must be a string"))?;
        let pointer = reference.strip_prefix('#').ok_or_else(|| {
            err(
                at,
                format!("external reference '{reference}' is not supported"),
            )
        })?;
        current = lookup(root, pointer)
            .ok_or_else(|| err(at, format!("unresolvable reference '{reference}'")))?;
    }
    Err(err(at, "reference cycle"))
}

/// The value at a JSON pointer; like [`Value::pointer`] without allocating per token.
fn lookup<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(root);
    }
    pointer
        .strip_prefix('/')?
        .split('/')
        .try_fold(root, |node, token| {
            let token = if token.contains('~') {
                Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
            } else {
                Cow::Borrowed(token)
            };
            match node {
                Value::Object(map) => map.get(token.as_ref()),
                Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            }
        })
}

/// Index a document's operations, checking its overall shape. The operations themselves are
/// checked when parsed: see [`Document::validate`].
pub fn parse(root: &Value) -> Result<Document<'_>, SpecError> {
    let doc = object(root, "#", "an OpenAPI document")?;
    check_version(doc)?;
    let mut operations = BTreeMap::new();
    // 3.1 allows documents without paths (only webhooks or components).
    let paths = doc
        .get("paths")
        .map(|paths| object(paths, "#/paths", "'paths'"))
        .transpose()?;
    for (path, item) in paths.into_iter().flatten() {
        let at = child("#/paths", path);
        if !path.starts_with('/') {
            return Err(err(&at, format!("path '{path}' must start with '/'")));
        }
        let item = object(resolve(root, item, &at)?, &at, "a path item")?;
        // One pass over the item's keys rather than a lookup per method.
        for (name, op) in item {
            let Some(&method) = METHODS.iter().find(|m| **m == name) else {
                continue;
            };
            let key = format!("{} {path}", method.to_ascii_uppercase());
            let canonical = super::normalize_operation_key(&key)
                .ok_or_else(|| err(&at, format!("invalid path template '{path}'")))?;
            let op = OperationRef {
                key,
                path,
                method,
                item,
                op,
            };
            if let Some(earlier) = operations.insert(canonical, op) {
                return Err(err(
                    &child(&at, method),
                    format!(
                        "'{}' is declared twice (the path templates differ only in variable names)",
                        earlier.key
                    ),
                ));
            }
        }
    }
    let default_security = doc.get("security");
    if let Some(security) = default_security {
        parse_security(security, "#/security")?;
    }
    Ok(Document {
        root,
        operations,
        default_security,
    })
}

impl<'a> Document<'a> {
    /// Parse one operation, with path-level parameters and document security applied.
    pub fn operation(&self, op: &OperationRef<'a>) -> Result<Operation<'a>, SpecError> {
        let item_at = child("#/paths", op.path);
        let at = child(&item_at, op.method);
        let map = object(op.op, &at, "an operation")?;
        let mut parameters = parse_parameters(self.root, map, op.path, &at)?;
        let inherited: Vec<_> = {
            let own = Lookup::new(&parameters);
            parse_parameters(self.root, op.item, op.path, &item_at)?
                .into_iter()
                .filter(|(key, _)| own.get(key).is_none())
                .collect()
        };
        parameters.extend(inherited);
        let request_body = match map.get("requestBody") {
            Some(body) => Some(parse_request_body(
                self.root,
                body,
                &child(&at, "requestBody"),
            )?),
            None => None,
        };
        let security = match map.get("security") {
            Some(own) => SecurityRef {
                value: Some(own),
                own: true,
            },
            None => SecurityRef {
                value: self.default_security,
                own: false,
            },
        };
        if security.own {
            security.parse(&at)?;
        }
        let sunset = map
            .get("x-sunset")
            .or_else(|| map.get("sunset"))
            .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_string));
        Ok(Operation {
            key: op.key.clone(),
            responses: parse_responses(self.root, map, &at)?,
            parameters,
            request_body,
            security,
            deprecated: flag(map, "deprecated", &at)?,
            sunset,
            pointer: at,
        })
    }

    /// Parse every operation, for the errors.
    pub fn validate(&self) -> Result<(), SpecError> {
        self.operations
            .values()
            .try_for_each(|op| self.operation(op).map(drop))
    }
}

fn check_version(doc: &Map<String, Value>) -> Result<(), SpecError> {
    if doc.contains_key("swagger") {
        return Err(err(
            "#/swagger",
            "Swagger 2.0 is not supported; convert to OpenAPI 3",
        ));
    }
    let version = doc
        .get("openapi")
        .ok_or_else(|| err("#", "missing 'openapi' version key"))?
        .as_str()
        .ok_or_else(|| err("#/openapi", "'openapi' must be a string"))?;
    if version.starts_with("3.0") || version.starts_with("3.1") {
        Ok(())
    } else {
        Err(err(
            "#/openapi",
            format!("unsupported OpenAPI version '{version}' (expected 3.0.x or 3.1.x)"),
        ))
    }
}

/// Names of the template variables of a path, in order: `/a/{x}/b/{y}` → `[x, y]`.
fn template_names(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

fn parse_parameters<'a>(
    root: &'a Value,
    owner: &'a Map<String, Value>,
    path: &str,
    owner_at: &str,
) -> Result<Vec<(ParamKey<'a>, Parameter<'a>)>, SpecError> {
    // Slots, emptied when a later duplicate takes over, with the slot of each key.
    let mut out: Vec<Option<(ParamKey<'a>, Parameter<'a>)>> = Vec::new();
    let mut slots: HashMap<ParamKey<'a>, usize> = HashMap::new();
    let Some(list) = owner.get("parameters") else {
        return Ok(Vec::new());
    };
    let list_at = child(owner_at, "parameters");
    let names = template_names(path);
    // Position of each template variable (the first of a name), by name: linear in the path.
    let mut positions: HashMap<&str, usize> = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        positions.entry(name).or_insert(i);
    }
    for (i, param) in array(list, &list_at, "'parameters'")?.iter().enumerate() {
        let at = child(&list_at, &i.to_string());
        let param = parse_parameter(root, param, &at)?;
        let key = match param.location {
            ParamLocation::Path => {
                let position = positions.get(param.name).copied().ok_or_else(|| {
                    err(
                        &at,
                        format!(
                            "path parameter '{}' is not in the path template",
                            param.name
                        ),
                    )
                })?;
                ParamKey(ParamLocation::Path, Cow::Owned(position.to_string()))
            }
            ParamLocation::Header => ParamKey(ParamLocation::Header, lower(param.name)),
            location => ParamKey(location, Cow::Borrowed(param.name)),
        };
        // A later duplicate wins, as a map would have it.
        if let Some(earlier) = slots.insert(key.clone(), out.len()) {
            out[earlier] = None;
        }
        out.push(Some((key, param)));
    }
    Ok(out.into_iter().flatten().collect())
}

fn parse_parameter<'a>(
    root: &'a Value,
    param: &'a Value,
    at: &str,
) -> Result<Parameter<'a>, SpecError> {
    let map = object(resolve(root, param, at)?, at, "a parameter")?;
    let name = map
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| err(at, "parameter needs a string 'name'"))?;
    let location = map
        .get("in")
        .and_then(Value::as_str)
        .and_then(ParamLocation::parse)
        .ok_or_else(|| err(at, "parameter needs 'in': path, query, header or cookie"))?;
    Ok(Parameter {
        name,
        location,
        // Path parameters are always required, whatever the document says.
        required: location == ParamLocation::Path || flag(map, "required", at)?,
        schema: schema_of(map, at)?,
        pointer: at.to_string(),
    })
}

/// The schema of a parameter or header: `schema`, or the one in its `content` map.
fn schema_of<'a>(map: &'a Map<String, Value>, at: &str) -> Result<Option<&'a Value>, SpecError> {
    if let Some(schema) = map.get("schema") {
        return Ok(Some(schema));
    }
    match map.get("content") {
        None => Ok(None),
        Some(content) => {
            let content = object(content, &child(at, "content"), "'content'")?;
            Ok(content.values().find_map(|media| media.get("schema")))
        }
    }
}

fn parse_content<'a>(
    owner: &'a Map<String, Value>,
    owner_at: &str,
) -> Result<Content<'a>, SpecError> {
    let Some(content) = owner.get("content") else {
        return Ok(Content::new());
    };
    let at = child(owner_at, "content");
    object(content, &at, "'content'")?
        .iter()
        .map(|(media_type, media)| {
            let media = object(media, &child(&at, media_type), "a media type object")?;
            Ok((lower(media_type.trim()), media.get("schema")))
        })
        .collect()
}

fn parse_request_body<'a>(
    root: &'a Value,
    body: &'a Value,
    at: &str,
) -> Result<RequestBody<'a>, SpecError> {
    let map = object(resolve(root, body, at)?, at, "a request body")?;
    Ok(RequestBody {
        required: flag(map, "required", at)?,
        content: parse_content(map, at)?,
        pointer: at.to_string(),
    })
}

fn parse_responses<'a>(
    root: &'a Value,
    op: &'a Map<String, Value>,
    op_at: &str,
) -> Result<Vec<(Cow<'a, str>, Response<'a>)>, SpecError> {
    let Some(responses) = op.get("responses") else {
        return Ok(Vec::new());
    };
    let list_at = child(op_at, "responses");
    object(responses, &list_at, "'responses'")?
        .iter()
        .filter(|(status, _)| !status.starts_with("x-"))
        .map(|(status, response)| {
            let at = child(&list_at, status);
            Ok((range_upper(status), parse_response(root, response, &at)?))
        })
        .collect()
}

fn parse_response<'a>(
    root: &'a Value,
    response: &'a Value,
    at: &str,
) -> Result<Response<'a>, SpecError> {
    let map = object(resolve(root, response, at)?, at, "a response")?;
    let mut headers = Vec::new();
    if let Some(list) = map.get("headers") {
        let list_at = child(at, "headers");
        for (name, header) in object(list, &list_at, "'headers'")? {
            let header_at = child(&list_at, name);
            let header_map = object(resolve(root, header, &header_at)?, &header_at, "a header")?;
            let header = Header {
                name,
                required: flag(header_map, "required", &header_at)?,
                schema: schema_of(header_map, &header_at)?,
                pointer: header_at,
            };
            headers.push((lower(name), header));
        }
    }
    Ok(Response {
        content: parse_content(map, at)?,
        headers,
        pointer: at.to_string(),
    })
}

fn parse_security(security: &Value, at: &str) -> Result<Security, SpecError> {
    let alternatives = array(security, at, "'security'")?
        .iter()
        .enumerate()
        .map(|(i, requirement)| {
            let req_at = child(at, &i.to_string());
            object(requirement, &req_at, "a security requirement")?
                .iter()
                .map(|(scheme, scopes)| {
                    let scopes_at = child(&req_at, scheme);
                    let scopes = array(scopes, &scopes_at, "security scopes")?
                        .iter()
                        .map(|s| {
                            s.as_str()
                                .map(str::to_string)
                                .ok_or_else(|| err(&scopes_at, "scopes must be strings"))
                        })
                        .collect::<Result<_, _>>()?;
                    Ok((scheme.clone(), scopes))
                })
                .collect()
        })
        .collect::<Result<_, SpecError>>()?;
    Ok(Security {
        alternatives,
        pointer: at.to_string(),
    })
}
