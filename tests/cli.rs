#![cfg(feature = "ssr")]
//! The `breakwater` command line: exit codes and output formats that scripts rely on.

use std::path::PathBuf;
use std::process::{Command, Output};

fn repo(path: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .display()
        .to_string()
}

fn breakwater(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_breakwater"))
        .args(args)
        .env("BREAKWATER_DATABASE_URL", "sqlite::memory:")
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn catalog_check_exits_1_on_problems_and_lists_them_all() {
    let ok = breakwater(&["catalog", "check", &repo("demo/boutique/catalog.yaml")]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("valid (11 services)"));

    let bad = breakwater(&[
        "catalog",
        "check",
        &repo("end2end/tests/fixtures/invalid-catalog.yaml"),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let text = stdout(&bad);
    for code in ["MISSING_OWNER", "UNKNOWN_SERVICE", "HARD_CYCLE"] {
        assert!(text.contains(code), "{code} missing from {text}");
    }

    let missing = breakwater(&["catalog", "check", "/nonexistent/catalog.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn contracts_diff_exit_codes_and_json() {
    let old = repo("demo/boutique/specs/payment-api.yaml");
    let new = repo("demo/boutique/candidates/payment-api-2.0.0.yaml");
    let same = breakwater(&["contracts", "diff", &old, &old]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));

    let breaking = breakwater(&["contracts", "diff", &old, &new, "--format", "json"]);
    assert_eq!(breaking.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&breaking.stdout).unwrap();
    assert_eq!(report["compatible"], false);
    let change = &report["changes"][0];
    for key in ["code", "level", "path", "message"] {
        assert!(change.get(key).is_some(), "{key} missing in {change}");
    }

    // FORWARD for OpenAPI is "old server, new clients": new clients send the new property, which
    // the old server's open request model accepts.
    let forward = breakwater(&["contracts", "diff", &old, &new, "--mode", "forward"]);
    assert_eq!(forward.status.code(), Some(0), "{}", stdout(&forward));

    let mixed = breakwater(&[
        "contracts",
        "diff",
        &old,
        &repo("demo/boutique/specs/cart-record.schema.json"),
    ]);
    assert_eq!(mixed.status.code(), Some(2));
    let usage = breakwater(&["contracts", "diff", &old, &new, "--mode", "sideways"]);
    assert_eq!(usage.status.code(), Some(2));
}

/// `can-i-deploy` against the boutique catalog file, with extra arguments.
fn can_i_deploy(service: &str, version: &str, extra: &[&str]) -> Output {
    let catalog = repo("demo/boutique/catalog.yaml");
    let mut args = vec![
        "can-i-deploy",
        "--catalog",
        &catalog,
        "--service",
        service,
        "--version",
        version,
    ];
    args.extend_from_slice(extra);
    breakwater(&args)
}

#[test]
fn can_i_deploy_against_a_catalog_file() {
    let candidate = repo("demo/boutique/candidates/currency-api-2.0.0.yaml");
    let no = can_i_deploy("currency", "2.0.0", &["--spec", &candidate]);
    assert_eq!(no.status.code(), Some(1), "{}", stdout(&no));
    let text = stdout(&no);
    assert!(text.contains("BREAKS   frontend"), "{text}");
    assert!(text.contains("ok       checkout"), "{text}");

    let current = repo("demo/boutique/specs/currency-api.yaml");
    let same = can_i_deploy("currency", "1.3.0", &["--spec", &current]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));

    let unknown = can_i_deploy("nope", "1", &[]);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("breakwater.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_breakwater"))
        .args(["serve", "--no-seed", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--database", &format!("sqlite://{}", db.display())])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening"), "{line}");

    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .write_all(b"GET /api/v1/revisions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running 30 s after SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    // The last connection closing checkpoints the write-ahead log and removes it.
    assert!(!dir.path().join("breakwater.db-wal").exists());
}
