//! Schema Registry's JSON Schema compatibility cases, read from `$BREAKWATER_CONFORMANCE_DIR`
//! (not part of the repository; the test is skipped when the variable is unset).

use breakwater_domain::contract::json_schema::check;
use breakwater_domain::contract::Mode;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const FILES: [&str; 2] = ["combined-draft07.json", "combined-2020-12.json"];

/// Removes commas followed (after whitespace) by `]` or `}`, leaving string contents alone.
fn strip_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some(']') | Some('}')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[test]
fn strip_trailing_commas_keeps_commas_in_strings() {
    let text = r#"{"a": [1, 2,], "b": "x,]", "c": "\",}",}"#;
    let value: Value = serde_json::from_str(&strip_trailing_commas(text)).unwrap();
    assert_eq!(value["b"], "x,]");
    assert_eq!(value["c"], "\",}");
    assert_eq!(value["a"].as_array().unwrap().len(), 2);
}

fn load(dir: &Path, file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("json-schema").join(file))
        .unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
    serde_json::from_str(&strip_trailing_commas(&text))
        .unwrap_or_else(|e| panic!("cannot parse {file}: {e}"))
}

#[test]
fn schema_registry_conformance() {
    let Some(dir) = std::env::var_os("BREAKWATER_CONFORMANCE_DIR") else {
        println!("skipped: BREAKWATER_CONFORMANCE_DIR is not set");
        return;
    };
    let (mut total, mut compatible_ok, mut codes_ok) = (0, 0, 0);
    let mut failures = Vec::new();
    for file in FILES {
        for case in load(Path::new(&dir), file) {
            total += 1;
            let description = case["description"].as_str().unwrap_or("?");
            let expected: bool = case["compatible"].as_bool().expect("compatible");
            let report = check(
                std::slice::from_ref(&case["original_schema"]),
                &case["update_schema"],
                Mode::Backward,
            )
            .unwrap_or_else(|e| panic!("{file}: {description}: {e}"));
            if report.compatible == expected {
                compatible_ok += 1;
            } else {
                failures.push(format!(
                    "{file}: {description}: expected compatible={expected}, findings {:?}",
                    report.findings
                ));
            }
            let want: BTreeSet<String> = case["changes"]
                .as_array()
                .expect("changes")
                .iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect();
            let got: BTreeSet<String> = report
                .findings
                .iter()
                .map(|f| format!("{} {}", f.code, f.path))
                .collect();
            if want == got {
                codes_ok += 1;
            } else {
                println!(
                    "codes differ: {file}: {description}\n  expected {want:?}\n  got      {got:?}"
                );
            }
        }
    }
    println!(
        "conformance: {compatible_ok}/{total} compatibility verdicts, {codes_ok}/{total} code sets"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        codes_ok, total,
        "reported codes differ from Schema Registry's"
    );
}
