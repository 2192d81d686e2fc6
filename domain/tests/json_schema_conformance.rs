//! Schema Registry's JSON Schema compatibility cases, read from `$BREAKWATER_CONFORMANCE_DIR`
//! (not part of the repository). One test per case, named after it.
//!
//! Without the directory the suite cannot run, and says so: the runner reports one *ignored*
//! test (not a passed one), and when `CI` is set that test fails instead, so CI cannot go green
//! without the cases. Built with `harness = false` on libtest-mimic, which prints cargo test's
//! usual lines and summary and takes its usual arguments (filters, `--ignored`, ...).

use breakwater_domain::contract::json_schema::check;
use breakwater_domain::contract::Mode;
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const DIR_VAR: &str = "BREAKWATER_CONFORMANCE_DIR";

/// The case files, with the kind their tests are shown under.
const FILES: [(&str, &str); 2] = [
    ("combined-draft07.json", "draft-07"),
    ("combined-2020-12.json", "2020-12"),
];

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

fn strip_trailing_commas_keeps_commas_in_strings() -> Result<(), Failed> {
    let text = r#"{"a": [1, 2,], "b": "x,]", "c": "\",}",}"#;
    let value: Value = serde_json::from_str(&strip_trailing_commas(text))?;
    assert_eq!(value["b"], "x,]");
    assert_eq!(value["c"], "\",}");
    assert_eq!(value["a"].as_array().map(Vec::len), Some(2));
    Ok(())
}

fn load(dir: &Path, file: &str) -> Result<Vec<Value>, String> {
    let path = dir.join("json-schema").join(file);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&strip_trailing_commas(&text))
        .map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

/// One case: the BACKWARD verdict and the set of "CODE #/pointer" changes must be Schema
/// Registry's.
fn run_case(case: &Value) -> Result<(), Failed> {
    let expected = case["compatible"]
        .as_bool()
        .ok_or("the case has no boolean 'compatible'")?;
    let want: BTreeSet<String> = case["changes"]
        .as_array()
        .ok_or("the case has no 'changes' list")?
        .iter()
        .map(|c| {
            c.as_str()
                .map(str::to_string)
                .ok_or("a change is not a string")
        })
        .collect::<Result<_, _>>()?;
    let report = check(
        std::slice::from_ref(&case["original_schema"]),
        &case["update_schema"],
        Mode::Backward,
    )
    .map_err(|e| format!("the engine refused the case: {e}"))?;
    let got: BTreeSet<String> = report
        .findings
        .iter()
        .map(|f| format!("{} {}", f.code, f.path))
        .collect();
    if report.compatible != expected || got != want {
        return Err(format!(
            "expected compatible={expected} with {want:?}\n     got compatible={} with {got:?}",
            report.compatible
        )
        .into());
    }
    Ok(())
}

/// One trial per case of every file; a file that cannot be read or parsed is a failing trial.
fn conformance_trials(dir: &Path) -> Vec<Trial> {
    let mut trials = Vec::new();
    for (file, kind) in FILES {
        let cases = match load(dir, file) {
            Ok(cases) if !cases.is_empty() => cases,
            Ok(_) => {
                let message = format!("{file} has no cases");
                trials.push(Trial::test(file, move || Err(message.into())).with_kind(kind));
                continue;
            }
            Err(message) => {
                trials.push(Trial::test(file, move || Err(message.into())).with_kind(kind));
                continue;
            }
        };
        for (i, case) in cases.into_iter().enumerate() {
            let description = case["description"].as_str().unwrap_or("(no description)");
            let name = format!("{file} #{i:02}: {description}");
            trials.push(Trial::test(name, move || run_case(&case)).with_kind(kind));
        }
    }
    trials
}

/// Whether this runs in CI (`CI` set to anything but empty, `false` or `0`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "false" | "0"))
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = vec![Trial::test(
        "strip_trailing_commas_keeps_commas_in_strings",
        strip_trailing_commas_keeps_commas_in_strings,
    )];
    let missing =
        format!("{DIR_VAR} is not set: the Schema Registry conformance cases did not run");
    match std::env::var_os(DIR_VAR).filter(|d| !d.is_empty()) {
        Some(dir) => trials.extend(conformance_trials(Path::new(&dir))),
        None if in_ci() => trials.push(Trial::test("schema_registry_conformance", move || {
            Err(
                format!("{missing} (CI is set, so this fails; point it at shared/conformance)")
                    .into(),
            )
        })),
        // Ignored, so the summary says the cases did not run; run with --ignored to see why.
        None => trials.push(
            Trial::test("schema_registry_conformance", move || Err(missing.into()))
                .with_ignored_flag(true),
        ),
    }
    libtest_mimic::run(&args, trials).exit();
}
