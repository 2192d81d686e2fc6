//! Data-driven OpenAPI compatibility rules: one line per rule and direction, each run against
//! the same small API written in OpenAPI 3.0 (`nullable: true`) and 3.1 (`type: [x, "null"]`).
//! Each line lists every finding (code and level) the change must give, and nothing else.

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
    /// Every finding as (code, level), in any order; empty means no finding at all.
    expected: &'static [(&'static str, Level)],
}

fn case(
    name: &'static str,
    mode: Mode,
    old: fn(&mut Value),
    new: fn(&mut Value),
    expected: &'static [(&'static str, Level)],
) -> Case {
    Case {
        name,
        mode,
        old,
        new,
        expected,
    }
}

use Level::{Breaking, Info, Warning};
use Mode::{Backward as B, Forward as F, Full};

/// Rules that read the same in both OpenAPI versions.
#[rustfmt::skip]
fn structural() -> Vec<Case> {
    vec![
        case("endpoint removed", B, keep, |d| del(d, DELETE), &[("ENDPOINT_REMOVED", Breaking)]),
        case("endpoint removed, forward", F, keep, |d| del(d, DELETE), &[("ENDPOINT_REMOVED", Info)]),
        case("deprecated endpoint removed", B, |d| set(d, &format!("{DELETE}/deprecated"), json!(true)), |d| del(d, DELETE), &[("ENDPOINT_REMOVED", Warning)]),
        case("whole path removed", B, keep, |d| del(d, "/paths/~1charges~1{id}"), &[("ENDPOINT_REMOVED", Breaking), ("ENDPOINT_REMOVED", Breaking)]),
        case("endpoint added", B, keep, |d| { set(d, "/paths/~1refunds", json!({"get": {"responses": {"200": {"description": "ok"}}}})) }, &[("ENDPOINT_ADDED", Info)]),
        case("endpoint added, forward", F, keep, |d| { set(d, "/paths/~1refunds", json!({"get": {"responses": {"200": {"description": "ok"}}}})) }, &[("ENDPOINT_ADDED", Info)]),
        case("endpoint deprecated", B, keep, |d| set(d, &format!("{GET}/deprecated"), json!(true)), &[("ENDPOINT_DEPRECATED", Info)]),
        case("endpoint deprecated with sunset", B, keep, |d| { set(d, &format!("{GET}/deprecated"), json!(true)); set(d, &format!("{GET}/x-sunset"), json!("2030-01-01")) }, &[("ENDPOINT_DEPRECATED", Warning)]),
        case("path variable renamed: same endpoint, same parameter", B, keep, |d| { rename_key(d, "/paths/~1charges~1{id}", "~1charges~1{chargeId}"); set(d, "/components/parameters/Id/name", json!("chargeId")) }, &[]),
        case("required query parameter added", B, keep, |d| { push(d, &format!("{POST}/parameters"), json!({"name": "mode", "in": "query", "required": true, "schema": {"type": "string"}})) }, &[("PARAMETER_ADDED", Breaking)]),
        case("required query parameter added, forward", F, keep, |d| { push(d, &format!("{POST}/parameters"), json!({"name": "mode", "in": "query", "required": true, "schema": {"type": "string"}})) }, &[("PARAMETER_ADDED", Info)]),
        case("optional cookie parameter added", B, keep, |d| { push(d, &format!("{POST}/parameters"), json!({"name": "session", "in": "cookie"})) }, &[("PARAMETER_ADDED", Info)]),
        case("optional parameter removed", B, keep, |d| del(d, &format!("{POST}/parameters/0")), &[("PARAMETER_REMOVED", Warning)]),
        case("required parameter removed, forward", F, keep, |d| del(d, &format!("{POST}/parameters/1")), &[("PARAMETER_REMOVED", Breaking)]),
        case("parameter became required", B, keep, |d| set(d, &format!("{POST}/parameters/0/required"), json!(true)), &[("PARAMETER_BECAME_REQUIRED", Breaking)]),
        case("parameter became required, forward", F, keep, |d| set(d, &format!("{POST}/parameters/0/required"), json!(true)), &[("PARAMETER_BECAME_REQUIRED", Info)]),
        case("parameter became optional", B, keep, |d| set(d, &format!("{POST}/parameters/1/required"), json!(false)), &[("PARAMETER_BECAME_OPTIONAL", Info)]),
        case("parameter became optional, forward", F, keep, |d| set(d, &format!("{POST}/parameters/1/required"), json!(false)), &[("PARAMETER_BECAME_OPTIONAL", Breaking)]),
        case("parameter became optional, full", Full, keep, |d| set(d, &format!("{POST}/parameters/1/required"), json!(false)), &[("PARAMETER_BECAME_OPTIONAL", Breaking)]),
        case("header parameter name case is irrelevant", B, keep, |d| set(d, &format!("{POST}/parameters/1/name"), json!("x-trace")), &[]),
        case("parameter type changed", B, keep, |d| { set(d, &format!("{POST}/parameters/0/schema"), json!({"type": "string"})) }, &[("TYPE_CHANGED", Breaking)]),
        case("request body became required", B, |d| set(d, &format!("{POST}/requestBody/required"), json!(false)), keep, &[("REQUEST_BODY_BECAME_REQUIRED", Breaking)]),
        case("request body became required, forward", F, |d| set(d, &format!("{POST}/requestBody/required"), json!(false)), keep, &[("REQUEST_BODY_BECAME_REQUIRED", Info)]),
        case("request body became optional, forward", F, keep, |d| set(d, &format!("{POST}/requestBody/required"), json!(false)), &[("REQUEST_BODY_BECAME_OPTIONAL", Breaking)]),
        case("required request body added", B, keep, |d| { set(d, &format!("{DELETE}/requestBody"), json!({"required": true, "content": {"application/json": {}}})) }, &[("REQUEST_BODY_ADDED", Breaking)]),
        case("request body removed", B, keep, |d| del(d, &format!("{POST}/requestBody")), &[("REQUEST_BODY_REMOVED", Warning)]),
        case("request media type removed", B, keep, |d| del(d, &format!("{POST}/requestBody/content/application~1xml")), &[("REQUEST_MEDIA_TYPE_REMOVED", Breaking)]),
        case("request media type removed, forward", F, keep, |d| del(d, &format!("{POST}/requestBody/content/application~1xml")), &[("REQUEST_MEDIA_TYPE_REMOVED", Info)]),
        case("request media type added", B, keep, |d| { set(d, &format!("{POST}/requestBody/content/text~1csv"), json!({})) }, &[("REQUEST_MEDIA_TYPE_ADDED", Info)]),
        case("request media type added, forward", F, keep, |d| { set(d, &format!("{POST}/requestBody/content/text~1csv"), json!({})) }, &[("REQUEST_MEDIA_TYPE_ADDED", Warning)]),
        case("success status removed", B, keep, |d| rename_key(d, &format!("{POST}/responses/201"), "200"), &[("RESPONSE_SUCCESS_STATUS_REMOVED", Breaking), ("RESPONSE_STATUS_ADDED", Info)]),
        // As the rule table says; but the old server still answers 201, which new clients no
        // longer know, while a removed non-success status is a Warning going forward.
        case("success status removed, forward", F, keep, |d| rename_key(d, &format!("{POST}/responses/201"), "200"), &[("RESPONSE_SUCCESS_STATUS_REMOVED", Info), ("RESPONSE_STATUS_ADDED", Info)]),
        case("success status covered by its range", B, keep, |d| rename_key(d, &format!("{POST}/responses/201"), "2XX"), &[("RESPONSE_STATUS_ADDED", Info)]),
        case("success status added", B, keep, |d| { set(d, &format!("{POST}/responses/202"), json!({"description": "later"})) }, &[("RESPONSE_STATUS_ADDED", Info)]),
        case("non-success status added", B, keep, |d| { set(d, &format!("{POST}/responses/409"), json!({"description": "conflict"})) }, &[("RESPONSE_STATUS_ADDED", Warning)]),
        case("non-success status removed", B, keep, |d| del(d, &format!("{POST}/responses/400")), &[("RESPONSE_NON_SUCCESS_STATUS_REMOVED", Info)]),
        case("non-success status removed, forward", F, keep, |d| del(d, &format!("{POST}/responses/400")), &[("RESPONSE_NON_SUCCESS_STATUS_REMOVED", Warning)]),
        case("response media type removed", B, keep, |d| del(d, &format!("{POST}/responses/201/content/text~1plain")), &[("RESPONSE_MEDIA_TYPE_REMOVED", Breaking)]),
        case("response media type removed, forward", F, keep, |d| del(d, &format!("{POST}/responses/201/content/text~1plain")), &[("RESPONSE_MEDIA_TYPE_REMOVED", Info)]),
        case("response media type added", B, keep, |d| { set(d, &format!("{GET}/responses/200/content/text~1csv"), json!({})) }, &[("RESPONSE_MEDIA_TYPE_ADDED", Info)]),
        case("required response header removed", B, keep, |d| del(d, &format!("{POST}/responses/201/headers/Location")), &[("RESPONSE_HEADER_REMOVED", Breaking)]),
        case("optional response header removed", B, keep, |d| del(d, &format!("{POST}/responses/201/headers/X-Rate")), &[("RESPONSE_HEADER_REMOVED", Warning)]),
        case("required response header removed, forward", F, keep, |d| del(d, &format!("{POST}/responses/201/headers/Location")), &[("RESPONSE_HEADER_REMOVED", Info)]),
        case("required response header added, forward", F, keep, |d| { set(d, &format!("{POST}/responses/201/headers/ETag"), json!({"required": true})) }, &[("RESPONSE_HEADER_ADDED", Breaking)]),
        case("response header became optional", B, keep, |d| { set(d, &format!("{POST}/responses/201/headers/Location/required"), json!(false)) }, &[("RESPONSE_HEADER_BECAME_OPTIONAL", Breaking)]),
        case("response header type changed", B, keep, |d| { set(d, &format!("{POST}/responses/201/headers/X-Rate/schema"), json!({"type": "string"})) }, &[("TYPE_CHANGED", Breaking)]),
        case("security added to open endpoint", B, keep, |d| set(d, &format!("{DELETE}/security"), json!([{"apiKey": []}])), &[("SECURITY_REQUIREMENT_ADDED", Breaking)]),
        case("security added to open endpoint, forward", F, keep, |d| set(d, &format!("{DELETE}/security"), json!([{"apiKey": []}])), &[("SECURITY_REQUIREMENT_ADDED", Info)]),
        case("alternative security scheme added", B, keep, |d| push(d, "/security", json!({"oauth": ["write"]})), &[("SECURITY_REQUIREMENT_ADDED", Info)]),
        case("document security replaced", B, keep, |d| set(d, "/security", json!([{"oauth": []}])), &[("SECURITY_REQUIREMENT_ADDED", Breaking), ("SECURITY_REQUIREMENT_REMOVED", Info)]),
        case("security requirement removed", B, keep, |d| set(d, &format!("{GET}/security"), json!([])), &[("SECURITY_REQUIREMENT_REMOVED", Info)]),
        case("security requirement removed, forward", F, keep, |d| set(d, &format!("{GET}/security"), json!([])), &[("SECURITY_REQUIREMENT_REMOVED", Breaking)]),
        case("security scope added", B, keep, |d| push(d, &format!("{GET}/security/0/oauth"), json!("write")), &[("SECURITY_SCOPE_ADDED", Breaking)]),
        case("security scope removed", B, keep, |d| set(d, &format!("{GET}/security/0/oauth"), json!([])), &[("SECURITY_SCOPE_REMOVED", Info)]),
        case("security scope removed, forward", F, keep, |d| set(d, &format!("{GET}/security/0/oauth"), json!([])), &[("SECURITY_SCOPE_REMOVED", Breaking)]),
        case("required request property added", B, keep, |d| push(d, &format!("{SCHEMAS}/ChargeInput/required"), json!("note")), &[("REQUIRED_ATTRIBUTE_ADDED", Breaking), ("REQUIRED_ATTRIBUTE_ADDED", Breaking)]),
        case("response property type changed in recursive schema", B, keep, |d| { set(d, &format!("{SCHEMAS}/Charge/properties/amount"), json!({"type": "string"})) }, &[("TYPE_CHANGED", Breaking), ("TYPE_CHANGED", Breaking)]),
        case("request property type changed, forward", F, keep, |d| { set(d, &format!("{SCHEMAS}/ChargeInput/properties/amount"), json!({"type": "string"})) }, &[("TYPE_CHANGED", Breaking), ("TYPE_CHANGED", Breaking)]),
        case("response enum value added", B, keep, |d| { push(d, &format!("{SCHEMAS}/Charge/properties/status/enum"), json!("refunded")) }, &[("ENUM_ARRAY_EXTENDED", Breaking), ("ENUM_ARRAY_EXTENDED", Breaking)]),
        case("response enum value added, forward", F, keep, |d| { push(d, &format!("{SCHEMAS}/Charge/properties/status/enum"), json!("refunded")) }, &[("ENUM_ARRAY_EXTENDED", Info), ("ENUM_ARRAY_EXTENDED", Info)]),
        case("mode none reports nothing", Mode::None, keep, |d| del(d, DELETE), &[]),
        case("unchanged document", Full, keep, keep, &[]),
    ]
}

/// Nullability, written per version.
#[rustfmt::skip]
fn nullability(version: &str) -> Vec<Case> {
    match version {
        "3.0" => vec![
            case("3.0 request field no longer nullable", B, keep, |d| { set(d, &format!("{SCHEMAS}/ChargeInput/properties/note"), json!({"type": "string"})) }, &[("TYPE_NARROWED", Breaking), ("TYPE_NARROWED", Breaking)]),
            case("3.0 response field became nullable", B, |d| { set(d, &format!("{SCHEMAS}/Charge/properties/memo"), json!({"type": "string"})) }, keep, &[("TYPE_EXTENDED", Breaking), ("TYPE_EXTENDED", Breaking)]),
            case("3.0 request field became nullable", B, |d| { set(d, &format!("{SCHEMAS}/ChargeInput/properties/note"), json!({"type": "string"})) }, keep, &[("TYPE_EXTENDED", Info), ("TYPE_EXTENDED", Info)]),
        ],
        _ => vec![
            case("3.1 request field no longer nullable", B, keep, |d| { set(d, &format!("{SCHEMAS}/ChargeInput/properties/note"), json!({"type": "string"})) }, &[("TYPE_NARROWED", Breaking), ("TYPE_NARROWED", Breaking)]),
            case("3.1 response field became nullable", B, |d| { set(d, &format!("{SCHEMAS}/Charge/properties/memo"), json!({"type": "string"})) }, keep, &[("TYPE_EXTENDED", Breaking), ("TYPE_EXTENDED", Breaking)]),
            case("3.1 request field became nullable", B, |d| { set(d, &format!("{SCHEMAS}/ChargeInput/properties/note"), json!({"type": "string"})) }, keep, &[("TYPE_EXTENDED", Info), ("TYPE_EXTENDED", Info)]),
        ],
    }
}

/// One line per finding: level, code, path and operation.
fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            let op = f.operation.as_deref().unwrap_or("-");
            format!(
                "    {} {} {} [{op}]: {}\n",
                f.level, f.code, f.path, f.message
            )
        })
        .collect()
}

/// Run one case; `Err` describes the mismatch.
fn run(version: &str, c: &Case) -> Result<(), String> {
    let (mut old, mut new) = (base(version), base(version));
    (c.old)(&mut old);
    (c.new)(&mut new);
    let findings = diff(&old, &new, c.mode).map_err(|e| format!("error: {e}"))?;
    let mut got: Vec<(&str, Level)> = findings
        .iter()
        .map(|f| (f.code.as_str(), f.level))
        .collect();
    let mut expected = c.expected.to_vec();
    got.sort_unstable();
    expected.sort_unstable();
    if got != expected {
        return Err(format!(
            "expected {expected:?}\n  got      {got:?}\n{}",
            describe(&findings)
        ));
    }
    // Every finding is in the right place: tagged with its operation.
    if findings.iter().any(|f| f.operation.is_none()) {
        return Err(format!(
            "a finding without its operation:\n{}",
            describe(&findings)
        ));
    }
    let report = check(&[old], &new, c.mode).map_err(|e| e.to_string())?;
    if report.findings != findings {
        return Err(format!(
            "check and diff disagree:\n{}",
            describe(&report.findings)
        ));
    }
    if report.compatible != findings.iter().all(|f| f.level != Breaking) {
        return Err("check's verdict does not follow its findings".into());
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
    assert!(count >= 130, "table shrank to {count} runs");
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
    assert_eq!(findings.len(), 1, "{}", describe(&findings));
    let f = &findings[0];
    assert_eq!((f.code.as_str(), f.level), ("PARAMETER_ADDED", Breaking));
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
    // Once per operation, at a path re-based under that operation's own response.
    let mut got: Vec<(&str, Level, &str, Option<&str>)> = findings
        .iter()
        .map(|f| {
            (
                f.code.as_str(),
                f.level,
                f.path.as_str(),
                f.operation.as_deref(),
            )
        })
        .collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [
            (
                "TYPE_CHANGED",
                Breaking,
                "#/paths/~1charges/post/responses/201/content/application~1json/schema/properties/id",
                Some("POST /charges")
            ),
            (
                "TYPE_CHANGED",
                Breaking,
                "#/paths/~1charges~1{id}/get/responses/200/content/application~1json/schema/properties/id",
                Some("GET /charges/{id}")
            ),
        ],
        "{}",
        describe(&findings)
    );
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
    // BACKWARD grades it info, FORWARD breaking: one finding, breaking.
    assert_eq!(findings.len(), 1, "{}", describe(&findings));
    assert_eq!(findings[0].code, "PARAMETER_BECAME_OPTIONAL");
    assert_eq!(findings[0].level, Breaking);
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
