//! OpenAPI diff at scale: 5,000 operations sharing deep component schemas.
//!
//! Run: `cargo bench -p breakwater-domain --bench openapi_diff`. Prints the document size, the
//! median time of parse + diff and the peak extra memory the diff allocates (counted by a
//! global allocator). Targets: under 300 ms and under 10x the document size.

use breakwater_domain::contract::openapi::diff;
use breakwater_domain::contract::{Level, Mode};
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

fn main() {
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
        let mut times = Vec::with_capacity(RUNS);
        let mut peak = 0;
        let mut findings = Vec::new();
        for _ in 0..RUNS {
            let baseline = CURRENT.load(Ordering::Relaxed);
            PEAK.store(baseline, Ordering::Relaxed);
            let started = Instant::now();
            findings = diff(&old, &new, mode).expect("generated documents are valid");
            times.push(started.elapsed());
            peak = peak.max(PEAK.load(Ordering::Relaxed) - baseline);
        }
        let breaking = findings
            .iter()
            .filter(|f| f.level == Level::Breaking)
            .count();
        let median = median(times);
        println!(
            "[{mode}] document size: {:.2} MB, diff median: {} ms, peak memory during diff: {:.2} MB (ratio {:.2} x document size); {} findings, {breaking} breaking",
            mb(size),
            median.as_millis(),
            mb(peak),
            peak as f64 / size as f64,
            findings.len(),
        );
        assert!(breaking > 0, "the edits include breaking ones");
    }
    println!(
        "(JSON text → Value for both documents, not included above: {} ms)",
        json_parse.as_millis()
    );
}
