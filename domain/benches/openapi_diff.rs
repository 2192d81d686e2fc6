//! OpenAPI diff at scale: 5,000 operations sharing deep component schemas.
//!
//! Run: `cargo bench -p breakwater-domain --bench openapi_diff`. Prints the document size, the
//! median time of parse + diff and the peak extra memory the diff allocates (counted by a
//! global allocator). Targets: under 300 ms and under 10x the document size.
//!
//! With `BREAKWATER_BENCH_SPEC=/path/to/openapi.yaml` (or `.json`) it also measures `check`
//! (backward) on that real document against a copy with a few generic edits. Keep such files
//! outside the repository.

use breakwater_domain::contract::openapi::{check, diff};
use breakwater_domain::contract::{parse_document, Finding, Level, Mode};
use serde_json::{json, Map, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Counts live bytes and their high-water mark.
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const OPERATIONS: usize = 5_000;
const RESOURCES: usize = 50;
const DEPTH: usize = 7;
const RUNS: usize = 7;
/// Names a real OpenAPI 3.x document (YAML or JSON) to measure as well.
const SPEC_VAR: &str = "BREAKWATER_BENCH_SPEC";

/// Nested `Level0 → Level1 → … → Level6`, the last pointing back to `Level0`.
fn level_schema(i: usize) -> Value {
    let child = if i + 1 < DEPTH {
        format!("#/components/schemas/Level{}", i + 1)
    } else {
        "#/components/schemas/Level0".to_string()
    };
    json!({
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "maxLength": 64},
            "count": {"type": "integer", "minimum": 0},
            "ratio": {"type": "number", "nullable": true},
            "tags": {"type": "array", "items": {"type": "string"}},
            "kind": {"type": "string", "enum": ["a", "b", "c"]},
            "meta": {"type": "object", "properties": {
                "created": {"type": "string", "format": "date-time"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}}
            }},
            "child": {"$ref": child}
        }
    })
}

fn resource_schema(k: usize) -> Value {
    json!({
        "type": "object",
        "required": ["id", "data"],
        "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["new", "active", "closed"]},
            "data": {"$ref": "#/components/schemas/Level0"},
            "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/Level{}", k % DEPTH)}},
            "owner": {"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"}}}
        }
    })
}

fn operation(i: usize, with_body: bool) -> Value {
    let resource = format!("#/components/schemas/Resource{}", i % RESOURCES);
    let mut op = json!({
        "operationId": format!("op{i}"),
        "parameters": [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
            {"name": "X-Request-Id", "in": "header", "schema": {"type": "string"}}
        ],
        "responses": {
            "200": {
                "description": "ok",
                "headers": {"ETag": {"required": true, "schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": resource}}}
            },
            "404": {"$ref": "#/components/responses/NotFound"}
        }
    });
    if with_body {
        op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": resource}}}});
    }
    op
}

fn document() -> Value {
    let mut paths = Map::new();
    for p in 0..OPERATIONS / 2 {
        paths.insert(
            format!("/tenants/{{tenant}}/resources{p}/{{id}}"),
            json!({
                "parameters": [
                    {"name": "tenant", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"$ref": "#/components/parameters/Id"}
                ],
                "get": operation(2 * p, false),
                "put": operation(2 * p + 1, true)
            }),
        );
    }
    let mut schemas = Map::new();
    for i in 0..DEPTH {
        schemas.insert(format!("Level{i}"), level_schema(i));
    }
    for k in 0..RESOURCES {
        schemas.insert(format!("Resource{k}"), resource_schema(k));
    }
    schemas.insert(
        "Error".into(),
        json!({"type": "object", "properties": {"message": {"type": "string"}}}),
    );
    json!({
        "openapi": "3.0.3",
        "info": {"title": "big", "version": "1"},
        "security": [{"oauth": ["read"]}],
        "paths": paths,
        "components": {
            "parameters": {"Id": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}},
            "responses": {"NotFound": {"description": "missing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": schemas
        }
    })
}

/// A few breaking and non-breaking edits scattered over the document.
fn modified(doc: &Value) -> Value {
    let mut new = doc.clone();
    let schemas = &mut new["components"]["schemas"];
    // Deep and shared by every operation: a type change four levels down.
    schemas["Level4"]["properties"]["count"] = json!({"type": "string"});
    schemas["Resource7"]["properties"]["note"] = json!({"type": "string"});
    schemas["Resource9"]["properties"]["status"]["enum"] =
        json!(["new", "active", "closed", "archived"]);
    let paths = new["paths"].as_object_mut().unwrap();
    paths.remove("/tenants/{tenant}/resources10/{id}");
    paths["/tenants/{tenant}/resources20/{id}"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "expand", "in": "query", "required": true}));
    paths["/tenants/{tenant}/resources30/{id}"]["put"]["deprecated"] = json!(true);
    paths.insert(
        "/health".into(),
        json!({"get": {"responses": {"200": {"description": "ok"}}}}),
    );
    new
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Runs `run` [`RUNS`] times: median time, peak extra memory over the live bytes at the start
/// of a run, and the last result.
fn measure<T>(mut run: impl FnMut() -> T) -> (Duration, usize, T) {
    let mut times = Vec::with_capacity(RUNS);
    let mut peak = 0;
    let mut last = None;
    for _ in 0..RUNS {
        drop(last.take());
        let baseline = CURRENT.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        let started = Instant::now();
        let result = run();
        times.push(started.elapsed());
        peak = peak.max(PEAK.load(Ordering::Relaxed) - baseline);
        last = Some(result);
    }
    (median(times), peak, last.expect("RUNS > 0"))
}

/// Times and prints one case; returns the number of breaking findings.
fn report(label: &str, size: usize, run: impl FnMut() -> Vec<Finding>) -> usize {
    let (median, peak, findings) = measure(run);
    let breaking = findings
        .iter()
        .filter(|f| f.level == Level::Breaking)
        .count();
    println!(
        "[{label}] document size: {:.2} MB, diff median: {} ms, peak memory during diff: {:.2} MB (ratio {:.2} x document size); {} findings, {breaking} breaking",
        mb(size),
        median.as_millis(),
        mb(peak),
        peak as f64 / size as f64,
        findings.len(),
    );
    breaking
}

fn generated() {
    let old = document();
    let new = modified(&old);
    let old_text = serde_json::to_string(&old).unwrap();
    let new_text = serde_json::to_string(&new).unwrap();
    let size = old_text.len();

    let parse_started = Instant::now();
    let old: Value = serde_json::from_str(&old_text).unwrap();
    let new: Value = serde_json::from_str(&new_text).unwrap();
    let json_parse = parse_started.elapsed();
    drop((old_text, new_text));

    for mode in [Mode::Backward, Mode::Full] {
        let breaking = report(&mode.to_string(), size, || {
            diff(&old, &new, mode).expect("generated documents are valid")
        });
        assert!(breaking > 0, "the edits include breaking ones");
    }
    println!(
        "(JSON text → Value for both documents, not included above: {} ms)",
        json_parse.as_millis()
    );
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `key` as one JSON pointer token.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Pointers to every operation of `doc`, e.g. `/paths/~1pets/get`.
fn operation_pointers(doc: &Value) -> Vec<String> {
    let Some(paths) = doc["paths"].as_object() else {
        return Vec::new();
    };
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| format!("/paths/{}/{m}", escape(path)))
        })
        .collect()
}

/// Follows local `$ref`s from `pointer` to the pointer of the value they end at.
fn resolve(doc: &Value, mut pointer: String) -> Option<String> {
    for _ in 0..32 {
        match doc.pointer(&pointer)?.get("$ref").and_then(Value::as_str) {
            Some(target) => pointer = target.strip_prefix('#')?.to_string(),
            None => return Some(pointer),
        }
    }
    None
}

/// The object schema (one with `properties`) of the first JSON (else first) media type of the request body
/// or response at `body`, array items unwrapped.
fn object_schema(doc: &Value, body: &str) -> Option<String> {
    let body = resolve(doc, body.to_string())?;
    let content = doc.pointer(&body)?.get("content")?.as_object()?;
    let media = content
        .keys()
        .find(|k| k.contains("json"))
        .or_else(|| content.keys().next())?;
    let mut schema = resolve(doc, format!("{body}/content/{}/schema", escape(media)))?;
    if doc.pointer(&schema)?.get("items").is_some() {
        schema = resolve(doc, format!("{schema}/items"))?;
    }
    let properties = doc.pointer(&schema)?.get("properties")?.as_object()?;
    (!properties.is_empty()).then_some(schema)
}

fn required_names(schema: &Value) -> Vec<&str> {
    schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The first `enum` of strings under `pointer`, depth first.
fn find_enum(doc: &Value, pointer: String) -> Option<String> {
    match doc.pointer(&pointer)? {
        Value::Object(map) => {
            if map
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| e.iter().all(Value::is_string))
            {
                return Some(format!("{pointer}/enum"));
            }
            map.keys()
                .find_map(|k| find_enum(doc, format!("{pointer}/{}", escape(k))))
        }
        Value::Array(items) => {
            (0..items.len()).find_map(|i| find_enum(doc, format!("{pointer}/{i}")))
        }
        _ => None,
    }
}

/// Realistic edits to any OpenAPI document, as far as it has the constructs: an optional
/// request property made required, a response property removed, an operation removed and an
/// enum value added. Returns the new document and what was done.
fn modified_real(old: &Value) -> (Value, Vec<String>) {
    let mut new = old.clone();
    let mut edits = Vec::new();
    let operations = operation_pointers(old);

    let request = operations.iter().find_map(|op| {
        let schema = object_schema(old, &format!("{op}/requestBody"))?;
        let value = old.pointer(&schema)?;
        let required = required_names(value);
        let property = value["properties"]
            .as_object()?
            .keys()
            .find(|k| !required.contains(&k.as_str()))?;
        Some((schema, property.clone()))
    });
    if let Some((schema, property)) = &request {
        let value = new.pointer_mut(schema).unwrap();
        match value.get_mut("required").and_then(Value::as_array_mut) {
            Some(required) => required.push(json!(property)),
            None => value["required"] = json!([property]),
        }
        edits.push(format!(
            "request property {schema}/{property} made required"
        ));
    }

    let response = operations.iter().find_map(|op| {
        let responses = old.pointer(&format!("{op}/responses"))?.as_object()?;
        let status = responses.keys().find(|s| s.starts_with('2'))?;
        let schema = object_schema(old, &format!("{op}/responses/{status}"))?;
        if request.as_ref().is_some_and(|(s, _)| *s == schema) {
            return None;
        }
        let property = old.pointer(&schema)?["properties"]
            .as_object()?
            .keys()
            .next()?;
        Some((schema, property.clone()))
    });
    if let Some((schema, property)) = response {
        let value = new.pointer_mut(&schema).unwrap();
        value["properties"]
            .as_object_mut()
            .unwrap()
            .remove(&property);
        if let Some(required) = value.get_mut("required").and_then(Value::as_array_mut) {
            required.retain(|r| r != property.as_str());
        }
        edits.push(format!("response property {schema}/{property} removed"));
    }

    if let Some(op) = operations.last() {
        let (item, method) = op.rsplit_once('/').unwrap();
        new.pointer_mut(item)
            .and_then(Value::as_object_mut)
            .unwrap()
            .remove(method);
        edits.push(format!("operation {op} removed"));
    }

    if let Some(pointer) =
        find_enum(old, "/components/schemas".into()).or_else(|| find_enum(old, "/paths".into()))
    {
        new.pointer_mut(&pointer)
            .and_then(Value::as_array_mut)
            .unwrap()
            .push(json!("breakwater_added"));
        edits.push(format!("enum value added to {pointer}"));
    }
    (new, edits)
}

/// The spec named by `BREAKWATER_BENCH_SPEC`, old against programmatically edited.
fn real_spec(path: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let name = std::path::Path::new(path)
        .file_name()
        .map_or(path.into(), |n| n.to_string_lossy());
    let size = text.len();
    let parse_started = Instant::now();
    let old = parse_document(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let parse = parse_started.elapsed();
    drop(text);
    let (new, edits) = modified_real(&old);
    let old = [old];
    let mode = Mode::Backward;
    report(&format!("{name} {mode}"), size, || {
        check(&old, &new, mode)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .findings
    });
    println!(
        "({name}: {} operations, edits: {}; parse_document, not included above: {} ms)",
        operation_pointers(&old[0]).len(),
        edits.join("; "),
        parse.as_millis()
    );
}

fn main() {
    generated();
    match std::env::var(SPEC_VAR) {
        Ok(path) if !path.is_empty() => real_spec(&path),
        _ => println!(
            "(real-spec case skipped: set {SPEC_VAR}=/path/to/openapi.yaml or .json to also measure a real OpenAPI 3.x document)"
        ),
    }
}
