//! Data-driven OpenAPI compatibility rules: one line per rule and direction, each run against
//! the same small API written in OpenAPI 3.0 (`nullable: true`) and 3.1 (`type: [x, "null"]`).

use breakwater_domain::contract::openapi::{check, diff, normalize_operation_key, operations};
use breakwater_domain::contract::{parse_document, Finding, Level, Mode};
use serde_json::{json, Value};

const BASE_30: &str = r##"
openapi: 3.0.3
info: {title: charges, version: "1"}
security: [{apiKey: []}]
paths:
  /charges:
    post:
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
        - {name: X-Trace, in: header, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json: {schema: {$ref: "#/components/schemas/ChargeInput"}}
          application/xml: {schema: {$ref: "#/components/schemas/ChargeInput"}}
      responses:
        "201":
          description: created
          headers:
            Location: {required: true, schema: {type: string}}
            X-Rate: {schema: {type: integer}}
          content:
            application/json: {schema: {$ref: "#/components/schemas/Charge"}}
            text/plain: {schema: {type: string}}
        "400": {$ref: "#/components/responses/Error"}
  /charges/{id}:
    parameters:
      - {$ref: "#/components/parameters/Id"}
    get:
      security: [{oauth: [read]}]
      responses:
        "200":
          description: ok
          content:
            application/json: {schema: {$ref: "#/components/schemas/Charge"}}
    delete:
      security: []
      responses:
        "204": {description: gone}
components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {type: string}}
  responses:
    Error:
      description: error
      content:
        application/json: {schema: {$ref: "#/components/schemas/Error"}}
  schemas:
    ChargeInput:
      type: object
      required: [amount]
      properties:
        amount: {type: integer}
        note: {type: string, nullable: true}
    Charge:
      type: object
      required: [id, amount, status]
      properties:
        id: {type: string}
        amount: {type: integer}
        status: {type: string, enum: [pending, paid]}
        memo: {type: string, nullable: true}
        parent: {$ref: "#/components/schemas/Charge"}
    Error:
      type: object
      properties:
        message: {type: string}
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-Key}
    oauth:
      type: oauth2
      flows:
        clientCredentials: {tokenUrl: "https://auth.example/token", scopes: {read: r, write: w}}
"##;

fn base(version: &str) -> Value {
    let text = match version {
        "3.0" => BASE_30.to_string(),
        _ => BASE_30.replace("openapi: 3.0.3", "openapi: 3.1.0").replace(
            "{type: string, nullable: true}",
            r#"{type: [string, "null"]}"#,
        ),
    };
    parse_document(&text).expect("base parses")
}

// ---- small edits on a document, by JSON pointer ----

fn parent<'v>(doc: &'v mut Value, pointer: &str) -> (&'v mut Value, String) {
    let (parent, last) = pointer.rsplit_once('/').expect("pointer has a parent");
    let last = last.replace("~1", "/").replace("~0", "~");
    let parent = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent}"));
    (parent, last)
}

fn set(doc: &mut Value, pointer: &str, value: Value) {
    match parent(doc, pointer) {
        (Value::Object(map), key) => {
            map.insert(key, value);
        }
        (Value::Array(list), index) => list[index.parse::<usize>().unwrap()] = value,
        _ => panic!("{pointer}: parent is not a container"),
    }
}

fn del(doc: &mut Value, pointer: &str) {
    match parent(doc, pointer) {
        (Value::Object(map), key) => {
            map.remove(&key).unwrap_or_else(|| panic!("no {pointer}"));
        }
        (Value::Array(list), index) => {
            list.remove(index.parse().unwrap());
        }
        _ => panic!("{pointer}: parent is not a container"),
    }
}

fn push(doc: &mut Value, pointer: &str, value: Value) {
    doc.pointer_mut(pointer)
        .and_then(Value::as_array_mut)
        .unwrap_or_else(|| panic!("no array at {pointer}"))
        .push(value);
}

fn rename_key(doc: &mut Value, pointer: &str, new_key: &str) {
    let value = doc.pointer(pointer).cloned().unwrap();
    del(doc, pointer);
    let (parent, _) = pointer.rsplit_once('/').unwrap();
    set(doc, &format!("{parent}/{new_key}"), value);
}

const POST: &str = "/paths/~1charges/post";
const GET: &str = "/paths/~1charges~1{id}/get";
const DELETE: &str = "/paths/~1charges~1{id}/delete";
const SCHEMAS: &str = "/components/schemas";

fn keep(_: &mut Value) {}

// ---- the table ----

struct Case {
    name: &'static str,
    mode: Mode,
    old: fn(&mut Value),
    new: fn(&mut Value),
    /// The finding code to look at; `None` = any finding (schema changes, graded by the engine).
    code: Option<&'static str>,
    /// The worst level among those findings; `None` = there must be no such finding.
    level: Option<Level>,
}

fn case(
    name: &'static str,
    mode: Mode,
    old: fn(&mut Value),
    new: fn(&mut Value),
    code: Option<&'static str>,
    level: Option<Level>,
) -> Case {
    Case {
        name,
        mode,
        old,
        new,
        code,
        level,
    }
}

use Level::{Breaking, Info, Warning};
use Mode::{Backward as B, Forward as F, Full};

/// Rules that read the same in both OpenAPI versions.
#[rustfmt::skip]
fn structural() -> Vec<Case> {
    vec![
        case("endpoint removed", B, keep, |d| del(d, DELETE), Some("ENDPOINT_REMOVED"), Some(Breaking)),
        case("endpoint removed, forward", F, keep, |d| del(d, DELETE), Some("ENDPOINT_REMOVED"), Some(Info)),
        case("deprecated endpoint removed", B, |d| set(d, &format!("{DELETE}/deprecated"), json!(true)), |d| del(d, DELETE), Some("ENDPOINT_REMOVED"), Some(Warning)),
        case("whole path removed", B, keep, |d| del(d, "/paths/~1charges~1{id}"), Some("ENDPOINT_REMOVED"), Some(Breaking)),
        case("endpoint added", B, keep, |d| { set(d, "/paths/~1refunds", json!({"get": {"responses": {"200": {"description": "ok"}}}})) }, Some("ENDPOINT_ADDED"), Some(Info)),
        case("endpoint added, forward", F, keep, |d| { set(d, "/paths/~1refunds", json!({"get": {"responses": {"200": {"description": "ok"}}}})) }, Some("ENDPOINT_ADDED"), Some(Info)),
        case("endpoint deprecated", B, keep, |d| set(d, &format!("{GET}/deprecated"), json!(true)), Some("ENDPOINT_DEPRECATED"), Some(Info)),
        case("endpoint deprecated with sunset", B, keep, |d| { set(d, &format!("{GET}/deprecated"), json!(true)); set(d, &format!("{GET}/x-sunset"), json!("2030-01-01")) }, Some("ENDPOINT_DEPRECATED"), Some(Warning)),
        case("path variable renamed is the same endpoint", B, keep, |d| { rename_key(d, "/paths/~1charges~1{id}", "~1charges~1{chargeId}"); set(d, "/components/parameters/Id/name", json!("chargeId")) }, Some("ENDPOINT_REMOVED"), None),
        case("path variable renamed keeps its parameter", B, keep, |d| { rename_key(d, "/paths/~1charges~1{id}", "~1charges~1{chargeId}"); set(d, "/components/parameters/Id/name", json!("chargeId")) }, Some("PARAMETER_REMOVED"), None),
        case("required query parameter added", B, keep, |d| { push(d, &format!("{POST}/parameters"), json!({"name": "mode", "in": "query", "required": true, "schema": {"type": "string"}})) }, Some("PARAMETER_ADDED"), Some(Breaking)),
        case("required query parameter added, forward", F, keep, |d| { push(d, &format!("{POST}/parameters"), json!({"name": "mode", "in": "query", "required": true, "schema": {"type": "string"}})) }, Some("PARAMETER_ADDED"), Some(Info)),
        case("optional cookie parameter added", B, keep, |d| { push(d, &format!("{POST}/parameters"), json!({"name": "session", "in": "cookie"})) }, Some("PARAMETER_ADDED"), Some(Info)),
        case("optional parameter removed", B, keep, |d| del(d, &format!("{POST}/parameters/0")), Some("PARAMETER_REMOVED"), Some(Warning)),
        case("required parameter removed, forward", F, keep, |d| del(d, &format!("{POST}/parameters/1")), Some("PARAMETER_REMOVED"), Some(Breaking)),
        case("parameter became required", B, keep, |d| set(d, &format!("{POST}/parameters/0/required"), json!(true)), Some("PARAMETER_BECAME_REQUIRED"), Some(Breaking)),
        case("parameter became required, forward", F, keep, |d| set(d, &format!("{POST}/parameters/0/required"), json!(true)), Some("PARAMETER_BECAME_REQUIRED"), Some(Info)),
        case("parameter became optional", B, keep, |d| set(d, &format!("{POST}/parameters/1/required"), json!(false)), Some("PARAMETER_BECAME_OPTIONAL"), Some(Info)),
        case("parameter became optional, forward", F, keep, |d| set(d, &format!("{POST}/parameters/1/required"), json!(false)), Some("PARAMETER_BECAME_OPTIONAL"), Some(Breaking)),
        case("parameter became optional, full", Full, keep, |d| set(d, &format!("{POST}/parameters/1/required"), json!(false)), Some("PARAMETER_BECAME_OPTIONAL"), Some(Breaking)),
        case("header parameter name case is irrelevant", B, keep, |d| set(d, &format!("{POST}/parameters/1/name"), json!("x-trace")), Some("PARAMETER_REMOVED"), None),
        case("parameter type changed", B, keep, |d| { set(d, &format!("{POST}/parameters/0/schema"), json!({"type": "string"})) }, None, Some(Breaking)),
        case("request body became required", B, |d| set(d, &format!("{POST}/requestBody/required"), json!(false)), keep, Some("REQUEST_BODY_BECAME_REQUIRED"), Some(Breaking)),
        case("request body became required, forward", F, |d| set(d, &format!("{POST}/requestBody/required"), json!(false)), keep, Some("REQUEST_BODY_BECAME_REQUIRED"), Some(Info)),
        case("request body became optional, forward", F, keep, |d| set(d, &format!("{POST}/requestBody/required"), json!(false)), Some("REQUEST_BODY_BECAME_OPTIONAL"), Some(Breaking)),
        case("required request body added", B, keep, |d| { set(d, &format!("{DELETE}/requestBody"), json!({"required": true, "content": {"application/json": {}}})) }, Some("REQUEST_BODY_ADDED"), Some(Breaking)),
        case("request body removed", B, keep, |d| del(d, &format!("{POST}/requestBody")), Some("REQUEST_BODY_REMOVED"), Some(Warning)),
        case("request media type removed", B, keep, |d| del(d, &format!("{POST}/requestBody/content/application~1xml")), Some("REQUEST_MEDIA_TYPE_REMOVED"), Some(Breaking)),
        case("request media type removed, forward", F, keep, |d| del(d, &format!("{POST}/requestBody/content/application~1xml")), Some("REQUEST_MEDIA_TYPE_REMOVED"), Some(Info)),
        case("request media type added", B, keep, |d| { set(d, &format!("{POST}/requestBody/content/text~1csv"), json!({})) }, Some("REQUEST_MEDIA_TYPE_ADDED"), Some(Info)),
        case("request media type added, forward", F, keep, |d| { set(d, &format!("{POST}/requestBody/content/text~1csv"), json!({})) }, Some("REQUEST_MEDIA_TYPE_ADDED"), Some(Warning)),
        case("success status removed", B, keep, |d| rename_key(d, &format!("{POST}/responses/201"), "200"), Some("RESPONSE_SUCCESS_STATUS_REMOVED"), Some(Breaking)),
        case("success status removed, forward", F, keep, |d| rename_key(d, &format!("{POST}/responses/201"), "200"), Some("RESPONSE_SUCCESS_STATUS_REMOVED"), Some(Info)),
        case("success status covered by its range", B, keep, |d| rename_key(d, &format!("{POST}/responses/201"), "2XX"), Some("RESPONSE_SUCCESS_STATUS_REMOVED"), None),
        case("success status added", B, keep, |d| { set(d, &format!("{POST}/responses/202"), json!({"description": "later"})) }, Some("RESPONSE_STATUS_ADDED"), Some(Info)),
        case("non-success status added", B, keep, |d| { set(d, &format!("{POST}/responses/409"), json!({"description": "conflict"})) }, Some("RESPONSE_STATUS_ADDED"), Some(Warning)),
        case("non-success status removed", B, keep, |d| del(d, &format!("{POST}/responses/400")), Some("RESPONSE_NON_SUCCESS_STATUS_REMOVED"), Some(Info)),
        case("non-success status removed, forward", F, keep, |d| del(d, &format!("{POST}/responses/400")), Some("RESPONSE_NON_SUCCESS_STATUS_REMOVED"), Some(Warning)),
        case("response media type removed", B, keep, |d| del(d, &format!("{POST}/responses/201/content/text~1plain")), Some("RESPONSE_MEDIA_TYPE_REMOVED"), Some(Breaking)),
        case("response media type removed, forward", F, keep, |d| del(d, &format!("{POST}/responses/201/content/text~1plain")), Some("RESPONSE_MEDIA_TYPE_REMOVED"), Some(Info)),
        case("response media type added", B, keep, |d| { set(d, &format!("{GET}/responses/200/content/text~1csv"), json!({})) }, Some("RESPONSE_MEDIA_TYPE_ADDED"), Some(Info)),
        case("required response header removed", B, keep, |d| del(d, &format!("{POST}/responses/201/headers/Location")), Some("RESPONSE_HEADER_REMOVED"), Some(Breaking)),
        case("optional response header removed", B, keep, |d| del(d, &format!("{POST}/responses/201/headers/X-Rate")), Some("RESPONSE_HEADER_REMOVED"), Some(Warning)),
        case("required response header removed, forward", F, keep, |d| del(d, &format!("{POST}/responses/201/headers/Location")), Some("RESPONSE_HEADER_REMOVED"), Some(Info)),
        case("required response header added, forward", F, keep, |d| { set(d, &format!("{POST}/responses/201/headers/ETag"), json!({"required": true})) }, Some("RESPONSE_HEADER_ADDED"), Some(Breaking)),
        case("response header became optional", B, keep, |d| { set(d, &format!("{POST}/responses/201/headers/Location/required"), json!(false)) }, Some("RESPONSE_HEADER_BECAME_OPTIONAL"), Some(Breaking)),
        case("response header type changed", B, keep, |d| { set(d, &format!("{POST}/responses/201/headers/X-Rate/schema"), json!({"type": "string"})) }, None, Some(Breaking)),
        case("security added to open endpoint", B, keep, |d| set(d, &format!("{DELETE}/security"), json!([{"apiKey": []}])), Some("SECURITY_REQUIREMENT_ADDED"), Some(Breaking)),
        case("security added to open endpoint, forward", F, keep, |d| set(d, &format!("{DELETE}/security"), json!([{"apiKey": []}])), Some("SECURITY_REQUIREMENT_ADDED"), Some(Info)),
        case("alternative security scheme added", B, keep, |d| push(d, "/security", json!({"oauth": ["write"]})), Some("SECURITY_REQUIREMENT_ADDED"), Some(Info)),
        case("document security replaced", B, keep, |d| set(d, "/security", json!([{"oauth": []}])), Some("SECURITY_REQUIREMENT_ADDED"), Some(Breaking)),
        case("security requirement removed", B, keep, |d| set(d, &format!("{GET}/security"), json!([])), Some("SECURITY_REQUIREMENT_REMOVED"), Some(Info)),
        case("security requirement removed, forward", F, keep, |d| set(d, &format!("{GET}/security"), json!([])), Some("SECURITY_REQUIREMENT_REMOVED"), Some(Breaking)),
        case("security scope added", B, keep, |d| push(d, &format!("{GET}/security/0/oauth"), json!("write")), Some("SECURITY_SCOPE_ADDED"), Some(Breaking)),
        case("security scope removed", B, keep, |d| set(d, &format!("{GET}/security/0/oauth"), json!([])), Some("SECURITY_SCOPE_REMOVED"), Some(Info)),
        case("security scope removed, forward", F, keep, |d| set(d, &format!("{GET}/security/0/oauth"), json!([])), Some("SECURITY_SCOPE_REMOVED"), Some(Breaking)),
        case("required request property added", B, keep, |d| push(d, &format!("{SCHEMAS}/ChargeInput/required"), json!("note")), None, Some(Breaking)),
        case("response property type changed in recursive schema", B, keep, |d| { set(d, &format!("{SCHEMAS}/Charge/properties/amount"), json!({"type": "string"})) }, None, Some(Breaking)),
        case("request property type changed, forward", F, keep, |d| { set(d, &format!("{SCHEMAS}/ChargeInput/properties/amount"), json!({"type": "string"})) }, None, Some(Breaking)),
        case("response enum value added", B, keep, |d| { push(d, &format!("{SCHEMAS}/Charge/properties/status/enum"), json!("refunded")) }, None, Some(Breaking)),
        case("response enum value added, forward", F, keep, |d| { push(d, &format!("{SCHEMAS}/Charge/properties/status/enum"), json!("refunded")) }, None, Some(Info)),
        case("mode none reports nothing", Mode::None, keep, |d| del(d, DELETE), None, None),
        case("unchanged document", Full, keep, keep, None, None),
    ]
}

/// Nullability, written per version.
#[rustfmt::skip]
fn nullability(version: &str) -> Vec<Case> {
    match version {
        "3.0" => vec![
            case("3.0 request field no longer nullable", B, keep, |d| { set(d, &format!("{SCHEMAS}/ChargeInput/properties/note"), json!({"type": "string"})) }, None, Some(Breaking)),
            case("3.0 response field became nullable", B, |d| { set(d, &format!("{SCHEMAS}/Charge/properties/memo"), json!({"type": "string"})) }, keep, None, Some(Breaking)),
            case("3.0 request field became nullable", B, |d| { set(d, &format!("{SCHEMAS}/ChargeInput/properties/note"), json!({"type": "string"})) }, keep, None, Some(Info)),
        ],
        _ => vec![
            case("3.1 request field no longer nullable", B, keep, |d| { set(d, &format!("{SCHEMAS}/ChargeInput/properties/note"), json!({"type": "string"})) }, None, Some(Breaking)),
            case("3.1 response field became nullable", B, |d| { set(d, &format!("{SCHEMAS}/Charge/properties/memo"), json!({"type": "string"})) }, keep, None, Some(Breaking)),
            case("3.1 request field became nullable", B, |d| { set(d, &format!("{SCHEMAS}/ChargeInput/properties/note"), json!({"type": "string"})) }, keep, None, Some(Info)),
        ],
    }
}

/// Run one case; `Err` describes the mismatch.
fn run(version: &str, c: &Case) -> Result<(), String> {
    let (mut old, mut new) = (base(version), base(version));
    (c.old)(&mut old);
    (c.new)(&mut new);
    let findings = diff(&old, &new, c.mode).map_err(|e| format!("error: {e}"))?;
    let matching: Vec<&Finding> = findings
        .iter()
        .filter(|f| c.code.is_none_or(|code| f.code == code))
        .collect();
    let worst = matching.iter().map(|f| f.level).max();
    // A finding with a level must also be in the right place: tagged with its operation.
    let untagged = matching.iter().any(|f| f.operation.is_none());
    if worst != c.level || untagged {
        return Err(format!(
            "expected {:?} {:?}, got {worst:?}; findings: {findings:#?}",
            c.code, c.level
        ));
    }
    let report = check(&[old], &new, c.mode).map_err(|e| e.to_string())?;
    if report.compatible != findings.iter().all(|f| f.level != Breaking) {
        return Err("check and diff disagree".into());
    }
    Ok(())
}

#[test]
fn rules_table() {
    let mut failures = Vec::new();
    let mut count = 0;
    for version in ["3.0", "3.1"] {
        for c in structural().iter().chain(&nullability(version)) {
            count += 1;
            if let Err(e) = run(version, c) {
                failures.push(format!("[{version}] {} ({:?}): {e}", c.name, c.mode));
            }
        }
    }
    assert!(count >= 80, "table shrank to {count} runs");
    assert!(
        failures.is_empty(),
        "{} of {count} failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ---- beyond the table ----

#[test]
fn findings_carry_pointer_and_operation() {
    let old = base("3.0");
    let mut new = base("3.0");
    push(
        &mut new,
        &format!("{POST}/parameters"),
        json!({"name": "mode", "in": "query", "required": true}),
    );
    let findings = diff(&old, &new, B).unwrap();
    let f = findings
        .iter()
        .find(|f| f.code == "PARAMETER_ADDED")
        .unwrap();
    assert_eq!(f.path, "#/paths/~1charges/post/parameters/2");
    assert_eq!(f.operation.as_deref(), Some("POST /charges"));
}

#[test]
fn shared_component_change_is_reported_for_every_operation_using_it() {
    let old = base("3.1");
    let mut new = base("3.1");
    set(
        &mut new,
        &format!("{SCHEMAS}/Charge/properties/id"),
        json!({"type": "integer"}),
    );
    let findings = diff(&old, &new, B).unwrap();
    let mut ops: Vec<&str> = findings
        .iter()
        .filter(|f| f.level == Breaking)
        .filter_map(|f| f.operation.as_deref())
        .collect();
    ops.sort_unstable();
    ops.dedup();
    assert_eq!(ops, ["GET /charges/{id}", "POST /charges"]);
    // Re-based paths point under each operation's own response.
    assert!(findings.iter().any(|f| f
        .path
        .starts_with("#/paths/~1charges~1{id}/get/responses/200")));
    assert!(findings
        .iter()
        .any(|f| f.path.starts_with("#/paths/~1charges/post/responses/201")));
}

#[test]
fn full_mode_reports_each_change_once_at_its_worst() {
    let old = base("3.0");
    let mut new = base("3.0");
    set(
        &mut new,
        &format!("{POST}/parameters/1/required"),
        json!(false),
    );
    let findings = diff(&old, &new, Full).unwrap();
    let hits: Vec<_> = findings
        .iter()
        .filter(|f| f.code == "PARAMETER_BECAME_OPTIONAL")
        .collect();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].level, Breaking);
}

#[test]
fn transitive_modes_check_every_earlier_version() {
    let v1 = base("3.1");
    let mut v2 = base("3.1");
    del(&mut v2, DELETE);
    let v3 = v2.clone();
    let latest_only = check(&[v1.clone(), v2.clone()], &v3, B).unwrap();
    assert!(latest_only.compatible);
    let transitive = check(&[v1, v2], &v3, Mode::BackwardTransitive).unwrap();
    assert!(!transitive.compatible);
    assert_eq!(transitive.findings.len(), 1);
    assert_eq!(transitive.findings[0].code, "ENDPOINT_REMOVED");
}

#[test]
fn first_version_is_only_validated() {
    let report = check(&[], &base("3.0"), Mode::FullTransitive).unwrap();
    assert!(report.compatible && report.findings.is_empty());
    assert!(check(&[], &json!({"paths": {}}), B).is_err());
}

#[test]
fn operation_keys() {
    let keys = operations(&base("3.0")).unwrap();
    assert_eq!(
        keys,
        ["DELETE /charges/{id}", "GET /charges/{id}", "POST /charges"]
    );
    assert_eq!(
        normalize_operation_key("post /charges/{id}").as_deref(),
        Some("POST /charges/{}")
    );
    assert_eq!(
        normalize_operation_key("  GET   /a/{x}/b/{y}.json ").as_deref(),
        Some("GET /a/{}/b/{}.json")
    );
    assert_eq!(normalize_operation_key("FETCH /a"), None);
    assert_eq!(normalize_operation_key("GET a"), None);
    assert_eq!(normalize_operation_key("GET /a/{x"), None);
    assert_eq!(normalize_operation_key("GET"), None);
}

#[test]
fn malformed_documents_are_errors_with_a_location() {
    type Edit = fn(&mut Value);
    let broken: Vec<(&str, Edit, &str)> = vec![
        ("no openapi key", |d| del(d, "/openapi"), "#"),
        (
            "swagger 2",
            |d| {
                del(d, "/openapi");
                set(d, "/swagger", json!("2.0"))
            },
            "#/swagger",
        ),
        (
            "openapi 4",
            |d| set(d, "/openapi", json!("4.0.0")),
            "#/openapi",
        ),
        (
            "paths not an object",
            |d| set(d, "/paths", json!([])),
            "#/paths",
        ),
        (
            "unresolvable parameter ref",
            |d| {
                set(
                    d,
                    "/paths/~1charges~1{id}/parameters/0",
                    json!({"$ref": "#/components/parameters/Nope"}),
                )
            },
            "#/paths/~1charges~1{id}/parameters/0",
        ),
        (
            "external ref",
            |d| {
                set(
                    d,
                    &format!("{POST}/responses/400"),
                    json!({"$ref": "other.yaml#/E"}),
                )
            },
            "#/paths/~1charges/post/responses/400",
        ),
        (
            "ref cycle",
            |d| {
                set(
                    d,
                    "/components/parameters/Id",
                    json!({"$ref": "#/components/parameters/Id"}),
                )
            },
            "#/paths/~1charges~1{id}/parameters/0",
        ),
        (
            "parameter without name",
            |d| del(d, &format!("{POST}/parameters/0/name")),
            "#/paths/~1charges/post/parameters/0",
        ),
        (
            "parameter in body",
            |d| set(d, &format!("{POST}/parameters/0/in"), json!("body")),
            "#/paths/~1charges/post/parameters/0",
        ),
        (
            "parameters not a list",
            |d| set(d, &format!("{POST}/parameters"), json!({})),
            "#/paths/~1charges/post/parameters",
        ),
        (
            "required not a boolean",
            |d| set(d, &format!("{POST}/parameters/0/required"), json!("yes")),
            "#/paths/~1charges/post/parameters/0/required",
        ),
        (
            "path parameter not in template",
            |d| set(d, "/components/parameters/Id/name", json!("other")),
            "#/paths/~1charges~1{id}/parameters/0",
        ),
        (
            "responses not an object",
            |d| set(d, &format!("{GET}/responses"), json!("ok")),
            "#/paths/~1charges~1{id}/get/responses",
        ),
        (
            "security not a list",
            |d| set(d, "/security", json!({})),
            "#/security",
        ),
        (
            "operation not an object",
            |d| set(d, GET, json!(true)),
            "#/paths/~1charges~1{id}/get",
        ),
    ];
    for (name, edit, location) in broken {
        let mut doc = base("3.0");
        edit(&mut doc);
        let err = diff(&base("3.0"), &doc, B).expect_err(name);
        assert_eq!(err.location, location, "{name}: {err}");
        let err = check(&[doc], &base("3.0"), B).expect_err(name);
        assert!(err.message.contains("earlier"), "{name}: {err}");
    }
}
