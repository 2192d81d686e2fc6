//! The layers point one way (ARCHITECTURE.md): cli, app -> ui -> api -> server -> wire, domain.
//! Fails on a `crate::` path (or a `super::super::` escape) from a module into a layer above it.

use std::path::{Path, PathBuf};

/// Each layer with the crate modules it may name. `wire` is the leaf every layer may use.
const LAYERS: &[(&str, &[&str])] = &[
    ("wire", &["wire"]),
    ("server", &["server", "wire"]),
    ("api", &["api", "server", "wire"]),
    ("ui", &["ui", "api", "wire"]),
];
const MODULES: &[&str] = &["app", "cli", "ui", "api", "server", "wire"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The crate modules a source text names through `crate::module`.
fn named_modules(text: &str) -> Vec<&str> {
    MODULES
        .iter()
        .copied()
        .filter(|m| {
            text.match_indices(&format!("crate::{m}"))
                .any(|(at, found)| {
                    let next = text[at + found.len()..].chars().next();
                    !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
                })
        })
        .collect()
}

#[test]
fn layers_only_name_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (layer, allowed) in LAYERS {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no sources under src/{layer}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for module in named_modules(&text) {
                if !allowed.contains(&module) {
                    violations.push(format!("{}: names crate::{module}", file.display()));
                }
            }
            if text.contains("super::super") {
                violations.push(format!("{}: reaches out with super::super", file.display()));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_check_sees_a_violation() {
    assert_eq!(named_modules("use crate::ui::App;"), vec!["ui"]);
    assert_eq!(
        named_modules("use crate::wirex;\nuse crate::server::x;"),
        vec!["server"]
    );
    assert!(named_modules("use super::store;").is_empty());
}
