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
    let token = stdout(&breakwater_on(
        &db,
        &["token", "create", "--name", "probe", "--role", "viewer"],
    ));
    let mut server = Command::new(env!("CARGO_BIN_EXE_breakwater"))
        .args(["serve", "--no-seed", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--database", &format!("sqlite://{}", db.display())])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kept open to the end: the server's later writes would fail on a closed pipe.
    let mut printed = BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    printed.read_line(&mut line).unwrap();
    assert!(line.contains("listening"), "{line}");
    // A token is not a user: the first-admin link is printed.
    line.clear();
    printed.read_line(&mut line).unwrap();
    assert!(
        line.contains(&format!("http://127.0.0.1:{port}/setup/setup_")),
        "{line}"
    );

    let request = |authorization: &str| {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let head = format!(
            "GET /api/v1/revisions HTTP/1.1\r\nHost: x\r\n{authorization}Connection: close\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let answer = request("");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let answer = request(&format!("Authorization: Bearer {}\r\n", token.trim()));
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

/// Runs `breakwater` on the database at `db`.
fn breakwater_on(db: &std::path::Path, args: &[&str]) -> Output {
    let url = format!("sqlite://{}", db.display());
    let mut all = vec!["--database", url.as_str()];
    all.extend_from_slice(args);
    breakwater(&all)
}

/// Writes `text` to `name` in `dir` and gives its path.
fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn plan_check_prints_stages_and_exits_by_the_problems_found() {
    let plan = repo("demo/boutique/plan.yaml");
    let catalog = repo("demo/boutique/catalog.yaml");
    let ok = breakwater(&["plan", "check", &plan, "--catalog", &catalog]);
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    let text = stdout(&ok);
    for expected in [
        "Stage 1: ",
        "blast radius: ",
        "rollback order: ",
        "checkout-v2: ",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }

    let dir = tempfile::tempdir().unwrap();
    let errors = write(
        &dir,
        "errors.yaml",
        "plan: broken\nchanges:\n  - { service: nowhere, to_version: 1.0.0 }\n  \
         - { service: payment, to_version: 2.0.0, policy: { steps: [50, 10] } }\n",
    );
    let bad = breakwater(&["plan", "check", &errors, "--catalog", &catalog]);
    assert_eq!(bad.status.code(), Some(1), "{}", stdout(&bad));
    let text = stdout(&bad);
    for code in ["UNKNOWN_SERVICE", "INVALID_STEPS"] {
        assert!(text.contains(code), "{code} missing from {text}");
    }

    let not_yaml = write(&dir, "not-yaml.yaml", "plan: x\nchanges: [\n");
    let unreadable = breakwater(&["plan", "check", &not_yaml, "--catalog", &catalog]);
    assert_eq!(unreadable.status.code(), Some(2));
    assert!(stdout(&unreadable).contains("YAML_SYNTAX"));
    let missing = breakwater(&[
        "plan",
        "check",
        "/nonexistent/plan.yaml",
        "--catalog",
        &catalog,
    ]);
    assert_eq!(missing.status.code(), Some(2));
    let usage = breakwater(&["plan", "check", &plan, "--format", "xml"]);
    assert_eq!(usage.status.code(), Some(2));
    // No --catalog and nothing imported into the (empty, in-memory) database.
    let no_catalog = breakwater(&["plan", "check", &plan]);
    assert_eq!(no_catalog.status.code(), Some(2));
}

#[test]
fn plan_check_json_has_stages_numbered_from_1_and_problems() {
    let plan = repo("demo/boutique/plan.yaml");
    let catalog = repo("demo/boutique/catalog.yaml");
    let output = breakwater(&[
        "plan",
        "check",
        &plan,
        "--catalog",
        &catalog,
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys: Vec<&String> = report.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["problems", "stages"]);
    let stages = report["stages"].as_array().unwrap();
    assert!(stages.len() >= 3, "{report}");
    for (i, stage) in stages.iter().enumerate() {
        assert_eq!(stage["index"], i + 1);
        for key in ["services", "steps", "blast_radius", "explanations"] {
            assert!(stage[key].is_array(), "{key} in {stage}");
        }
    }
    let first = &stages[0];
    assert!(first["services"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "productcatalog"));
    assert!(first["blast_radius"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "checkout"));

    let dir = tempfile::tempdir().unwrap();
    let errors = write(
        &dir,
        "errors.yaml",
        "plan: broken\nchanges:\n  - { service: nowhere, to_version: 1.0.0 }\n",
    );
    let output = breakwater(&[
        "plan",
        "check",
        &errors,
        "--catalog",
        &catalog,
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let problem = &report["problems"][0];
    assert_eq!(problem["level"], "error");
    assert_eq!(problem["code"], "UNKNOWN_SERVICE");
    assert!(problem["message"].as_str().unwrap().contains("nowhere"));
}

#[test]
fn plan_import_export_and_list_use_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("breakwater.db");
    let plan = repo("demo/boutique/plan.yaml");

    let refused = breakwater_on(&db, &["plan", "import", &plan]);
    assert_eq!(refused.status.code(), Some(1), "no catalog yet");
    assert!(stdout(&refused).contains("NO_CATALOG"));
    let imported = breakwater_on(
        &db,
        &["catalog", "import", &repo("demo/boutique/catalog.yaml")],
    );
    assert_eq!(imported.status.code(), Some(0));

    let saved = breakwater_on(&db, &["plan", "import", &plan, "--by", "ana"]);
    assert_eq!(saved.status.code(), Some(0), "{}", stdout(&saved));
    assert!(stdout(&saved).contains("imported plan checkout-v2 as revision 1"));
    // Against the database's catalog, as `plan import` saw it.
    let checked = breakwater_on(&db, &["plan", "check", &plan]);
    assert_eq!(checked.status.code(), Some(0), "{}", stdout(&checked));

    let exported = breakwater_on(&db, &["plan", "export", "checkout-v2"]);
    assert_eq!(exported.status.code(), Some(0));
    let file = write(&dir, "exported.yaml", &stdout(&exported));
    let again = breakwater_on(&db, &["plan", "import", &file, "--by", "bo"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    assert!(stdout(&again).contains("as revision 2"));
    let reexported = breakwater_on(&db, &["plan", "export", "checkout-v2"]);
    assert_eq!(stdout(&reexported), stdout(&exported));

    let invalid = write(&dir, "invalid.yaml", "plan: checkout-v2\nchanges: []\n");
    let refused = breakwater_on(&db, &["plan", "import", &invalid]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stdout(&refused).contains("NO_CHANGES"),
        "{}",
        stdout(&refused)
    );

    let list = breakwater_on(&db, &["plan", "list"]);
    assert_eq!(list.status.code(), Some(0));
    let text = stdout(&list);
    assert!(
        text.contains("checkout-v2") && text.contains("revision 2"),
        "{text}"
    );

    let unknown = breakwater_on(&db, &["plan", "export", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
}

/// `calendar check` on the demo calendar: (status, the JSON answer).
fn calendar_check(at: &str, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let calendar = repo("demo/boutique/calendar.yaml");
    let catalog = repo("demo/boutique/catalog.yaml");
    let mut args = vec![
        "calendar",
        "check",
        &calendar,
        "--at",
        at,
        "--catalog",
        &catalog,
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--format", "json"]);
    let output = breakwater(&args);
    let answer = serde_json::from_slice(&output.stdout).unwrap_or_default();
    (output.status.code(), answer)
}

#[test]
fn calendar_check_exits_by_the_answer_with_the_rules_and_next_allowed_time() {
    // Monday 30 November 2026, 10:00 Berlin: inside weekday-mornings.
    let (code, open) = calendar_check("2026-11-30T09:00:00Z", &["--service", "cart"]);
    assert_eq!(code, Some(0), "{open}");
    assert_eq!(open["allowed"], true);
    assert_eq!(open["rules"], serde_json::json!(["weekday-mornings"]));
    assert_eq!(open["next_allowed"], "2026-11-30T09:00:00Z");

    // Friday: closed until Monday 09:00 Berlin (08:00Z).
    let (code, closed) = calendar_check("2026-12-04T09:00:00Z", &["--service", "cart"]);
    assert_eq!(code, Some(1), "{closed}");
    assert_eq!(closed["allowed"], false);
    assert_eq!(closed["next_allowed"], "2026-12-07T08:00:00Z");

    // us-east-1 has its own hours: 07:00 New York is 12:00Z.
    let (code, us) = calendar_check(
        "2026-11-30T09:00:00Z",
        &["--service", "cart", "--region", "us-east-1"],
    );
    assert_eq!(code, Some(1), "{us}");
    assert_eq!(us["rules"], serde_json::json!(["us-hours"]));
    assert_eq!(us["next_allowed"], "2026-11-30T12:00:00Z");

    // The year-end freeze ends on Monday 4 January 2027, 08:00 Berlin; the window opens at 09:00.
    let (code, frozen) = calendar_check("2026-12-21T09:00:00Z", &["--service", "cart"]);
    assert_eq!(code, Some(1), "{frozen}");
    assert_eq!(frozen["rules"], serde_json::json!(["year-end"]));
    assert_eq!(frozen["next_allowed"], "2027-01-04T08:00:00Z");

    let (code, _) = calendar_check("noon", &[]);
    assert_eq!(code, Some(2));
    let (code, _) = calendar_check("2026-11-30T09:00:00Z", &["--service", "nope"]);
    assert_eq!(code, Some(2));
    let dir = tempfile::tempdir().unwrap();
    let bad = write(&dir, "bad.yaml", "timezone: Mars/Olympus\n");
    let output = breakwater(&["calendar", "check", &bad, "--at", "2026-11-30T09:00:00Z"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stdout(&output).contains("UNKNOWN_TIMEZONE"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn calendar_schedule_places_every_stage_of_the_demo_plan_around_the_calendar() {
    let output = breakwater(&[
        "calendar",
        "schedule",
        &repo("demo/boutique/plan.yaml"),
        "--calendar",
        &repo("demo/boutique/calendar.yaml"),
        "--catalog",
        &repo("demo/boutique/catalog.yaml"),
        "--from",
        "2026-12-14T06:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let schedule: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let stages = schedule["plans"][0]["stages"].as_array().unwrap();
    assert!(!stages.is_empty());
    let mut previous_evaluation = 0;
    for stage in stages {
        let activation = stage["activation"].as_i64().unwrap();
        assert!(activation >= previous_evaluation, "{stage}");
        previous_evaluation = stage["evaluation"].as_i64().unwrap();
        // Nothing activates in the year-end freeze (18 Dec 16:00Z to 4 Jan 07:00Z).
        for step in stage["steps"].as_array().unwrap() {
            let start = step["start"].as_i64().unwrap();
            assert!(
                !(1_797_609_600_000..1_799_046_000_000).contains(&start),
                "a step in the freeze: {stage}"
            );
        }
    }
    let text = breakwater(&[
        "calendar",
        "schedule",
        &repo("demo/boutique/plan.yaml"),
        "--calendar",
        &repo("demo/boutique/calendar.yaml"),
        "--catalog",
        &repo("demo/boutique/catalog.yaml"),
        "--from",
        "2026-12-14T06:00:00Z",
    ]);
    assert!(stdout(&text).contains("stage 1 ("), "{}", stdout(&text));
}

/// Runs `breakwater` on the database at `db` with `input` on stdin.
fn breakwater_fed(db: &std::path::Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_breakwater"))
        .args(["--database", &format!("sqlite://{}", db.display())])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The lines `user list` prints.
fn users(db: &std::path::Path) -> Vec<String> {
    let list = breakwater_on(db, &["user", "list"]);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    stdout(&list).lines().map(str::to_string).collect()
}

#[test]
fn users_are_added_listed_given_roles_and_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("breakwater.db");

    let added = breakwater_on(&db, &["user", "add", "rita", "--role", "release-manager"]);
    assert_eq!(added.status.code(), Some(0), "{}", stderr(&added));
    let text = stdout(&added);
    assert!(text.contains("added user rita (release_manager)"), "{text}");
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .unwrap_or_else(|| panic!("no generated password in {text}"));
    assert_eq!(password.len(), 43, "256 random bits: {password}");

    let fed = breakwater_fed(
        &db,
        &[
            "user",
            "add",
            "sam",
            "--role",
            "service_owner",
            "--team",
            "team-money",
            "--password-stdin",
        ],
        "a passphrase long enough\n",
    );
    assert_eq!(fed.status.code(), Some(0), "{}", stderr(&fed));
    assert!(!stdout(&fed).contains("password"), "{}", stdout(&fed));
    assert_eq!(
        users(&db),
        [
            "rita\trelease_manager\t-\tactive",
            "sam\tservice_owner\tteam-money\tactive"
        ]
    );

    // Refusals: exit status 2, a message that says what to fix, nobody added.
    for (args, input, words) in [
        (
            vec!["user", "add", "uma", "--role", "wizard"],
            "",
            "unknown role 'wizard'",
        ),
        (
            vec!["user", "add", "uma", "--role", "viewer", "--password-stdin"],
            "short\n",
            "password",
        ),
        (
            vec!["user", "add", "Uma Thurman", "--role", "viewer"],
            "",
            "user",
        ),
        (vec!["user", "add", "rita", "--role", "viewer"], "", "rita"),
        (
            vec!["user", "set-role", "rita", "overlord"],
            "",
            "unknown role",
        ),
        (vec!["user", "set-role", "nobody", "viewer"], "", "nobody"),
        (vec!["user", "disable", "nobody"], "", "nobody"),
    ] {
        let refused = breakwater_fed(&db, &args, input);
        assert_eq!(
            refused.status.code(),
            Some(2),
            "{args:?}: {}",
            stdout(&refused)
        );
        assert!(
            stderr(&refused).contains(words),
            "{args:?}: {}",
            stderr(&refused)
        );
    }
    assert_eq!(users(&db).len(), 2);

    let changed = breakwater_on(&db, &["user", "set-role", "rita", "viewer"]);
    assert_eq!(changed.status.code(), Some(0), "{}", stderr(&changed));
    assert!(stdout(&changed).contains("rita is now viewer"));
    let disabled = breakwater_on(&db, &["user", "disable", "sam"]);
    assert_eq!(disabled.status.code(), Some(0), "{}", stderr(&disabled));
    assert_eq!(
        users(&db),
        [
            "rita\tviewer\t-\tactive",
            "sam\tservice_owner\tteam-money\tdisabled"
        ]
    );
}

#[test]
fn tokens_are_printed_once_listed_revoked_and_every_change_is_exported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("breakwater.db");

    let created = breakwater_on(
        &db,
        &[
            "token",
            "create",
            "--name",
            "ci",
            "--role",
            "viewer",
            "--expires",
            "30",
        ],
    );
    assert_eq!(created.status.code(), Some(0), "{}", stderr(&created));
    // Only the token on stdout, so `TOKEN=$(breakwater token create …)` works.
    let token = stdout(&created);
    let token = token.strip_suffix('\n').unwrap();
    assert!(
        token.starts_with("bw_") && token.len() == 46 && !token.contains(char::is_whitespace),
        "{token:?}"
    );
    assert!(stderr(&created).contains("created token ci (viewer)"));

    let brought = format!("bw_{}", "A".repeat(43));
    let fed = breakwater_fed(
        &db,
        &[
            "token",
            "create",
            "--name",
            "deploy",
            "--role",
            "admin",
            "--secret-stdin",
        ],
        &format!("{brought}\n"),
    );
    assert_eq!(fed.status.code(), Some(0), "{}", stderr(&fed));
    assert!(
        !stdout(&fed).contains(&brought),
        "a brought secret is not echoed"
    );

    for (args, input) in [
        (
            vec!["token", "create", "--name", "ci", "--role", "viewer"],
            "",
        ),
        (vec!["token", "create", "--name", "x", "--role", "root"], ""),
        (
            vec![
                "token",
                "create",
                "--name",
                "x",
                "--role",
                "viewer",
                "--expires",
                "0",
            ],
            "",
        ),
        (
            vec![
                "token",
                "create",
                "--name",
                "x",
                "--role",
                "viewer",
                "--secret-stdin",
            ],
            "bw_short\n",
        ),
        (vec!["token", "revoke", "nobody"], ""),
    ] {
        let refused = breakwater_fed(&db, &args, input);
        assert_eq!(
            refused.status.code(),
            Some(2),
            "{args:?}: {}",
            stdout(&refused)
        );
        assert!(!stderr(&refused).is_empty(), "{args:?}: no message");
    }

    let revoked = breakwater_on(&db, &["token", "revoke", "ci"]);
    assert_eq!(revoked.status.code(), Some(0), "{}", stderr(&revoked));
    let list = breakwater_on(&db, &["token", "list"]);
    assert_eq!(list.status.code(), Some(0));
    let lines: Vec<Vec<String>> = stdout(&list)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let ci = lines.iter().find(|l| l[0] == "ci").unwrap();
    assert_eq!(ci[1], "viewer");
    assert!(ci[2].starts_with("revoked "), "{ci:?}");
    assert_eq!(ci[3], "never used");
    let deploy = lines.iter().find(|l| l[0] == "deploy").unwrap();
    assert_eq!(deploy[1..3], ["admin", "never expires"]);
    assert!(
        !stdout(&list).contains("bw_"),
        "secrets are never listed: {}",
        stdout(&list)
    );

    breakwater_on(&db, &["user", "add", "rita", "--role", "viewer"]);
    let jsonl = breakwater_on(&db, &["audit", "export", "--format", "jsonl"]);
    assert_eq!(jsonl.status.code(), Some(0), "{}", stderr(&jsonl));
    let events: Vec<serde_json::Value> = stdout(&jsonl)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["token.create", "token.create", "token.revoke", "user.add"]
    );
    let subjects: Vec<&str> = events
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["ci", "deploy", "ci", "rita"]);
    for event in &events {
        assert_eq!(event["via"], "cli", "{event}");
        assert!(
            event["actor"].as_str().unwrap().starts_with("cli:"),
            "{event}"
        );
    }
    assert!(!stdout(&jsonl).contains(&brought), "no secret in the trail");

    let csv = breakwater_on(&db, &["audit", "export", "--format", "csv"]);
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    let text = stdout(&csv);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "id,at,actor,via,address,kind,subject,outcome,before,after"
    );
    assert_eq!(rows.len(), events.len() + 1, "{text}");
    for (row, event) in rows[1..].iter().zip(&events) {
        assert!(
            row.starts_with(&format!("{},", event["id"]))
                && row.contains(",token.") | row.contains(",user."),
            "{row}"
        );
    }
    let family = breakwater_on(&db, &["audit", "export", "--kind", "token."]);
    assert_eq!(stdout(&family).lines().count(), 3, "{}", stdout(&family));
    let bad = breakwater_on(&db, &["audit", "export", "--format", "xml"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = breakwater_on(&db, &["audit", "export", "--since", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("yesterday"), "{}", stderr(&bad));
}
