#![cfg(feature = "ssr")]
//! Crash test of the executor: the real binary is killed with SIGKILL at random moments of a
//! run, 20 times, and restarted on the same database. The run must complete with every step
//! requested exactly once, in order, none skipped, and no bake served twice.

mod common;

use breakwater_domain::run::{replay, Actor, EventKind, RunEvent, RunPlan, RunState};
use common::{approve_plan, bearer_client, cli_admin_token, SMALL_CATALOG};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Three stages (one service each), two steps per region, 2 s bakes, nothing to hold a step.
const PLAN: &str = "
plan: crash
policy:
  steps: [50, 100]
  bake: 2s
  gates: []
  max_services_per_stage: 1
changes:
  - { service: ledger, to_version: 1.1.0 }
  - { service: billing, to_version: 1.1.0 }
  - { service: storefront, to_version: 1.1.0 }
";
const BAKE_MILLIS: i64 = 2_000;
const KILLS: usize = 20;
/// What a gap between two steps may exceed the bake and the outages in it by: the executor's
/// 200 ms interval, its first round after a start, and a busy machine.
const SLACK_MILLIS: i64 = 1_000;

fn epoch_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A small xorshift generator: the moments of the kills, reproducible from the printed seed.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// The server process; killed when dropped, so a failing test leaves nothing running.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `breakwater serve` on `db` and `port`; `ready` receives the time (ms since the
/// epoch) it printed that it listens.
fn serve(db: &str, port: u16, ready: mpsc::Sender<i64>) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_breakwater"))
        .args(["serve", "--no-seed", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--database", db, "--evaluate-every-ms", "200"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    // Reads everything the server prints, so its writes never fail, until it dies.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.contains("listening") {
                let _ = ready.send(epoch_millis());
            }
        }
    });
    Server(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_survives_20_kills_and_completes_exactly_once_per_step() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("crash.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let client = bearer_client(&cli_admin_token(&db, "crash-test"));
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    println!("kill moments seeded with {seed}");
    let mut random = XorShift(seed);

    let (ready_tx, ready) = mpsc::channel();
    let mut server = serve(&db, port, ready_tx.clone());
    ready
        .recv_timeout(Duration::from_secs(30))
        .expect("listening");
    let imported = client
        .post(format!("{base}/api/v1/catalog"))
        .body(SMALL_CATALOG)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status().as_u16(), 201);
    let name = approve_plan(&client, &base, PLAN).await;
    let created: Value = client
        .post(format!("{base}/api/v1/runs"))
        .json(&json!({ "plan": name }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().expect("a run");
    assert_eq!(created["stage_count"], 3, "{created}");
    let started = client
        .post(format!("{base}/api/v1/runs/{id}/actions"))
        .json(&json!({ "command": "start", "expected_revision": 0,
                       "idempotency_key": "start", "reason": "crash test" }))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status().as_u16(), 200);

    // Kill at a random moment (during start-up, recovery, a round or a bake), restart at once.
    let mut kills = Vec::with_capacity(KILLS);
    for _ in 0..KILLS {
        tokio::time::sleep(Duration::from_millis(100 + random.below(900))).await;
        kills.push(epoch_millis());
        drop(server);
        server = serve(&db, port, ready_tx.clone());
    }
    drop(ready_tx);

    let deadline = Instant::now() + Duration::from_secs(120);
    let view = loop {
        let answer = client.get(format!("{base}/api/v1/runs/{id}")).send().await;
        if let Ok(answer) = answer {
            let view: Value = answer.json().await.unwrap();
            if view["summary"]["status"] != "running" {
                break view;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the run did not finish in 2 minutes"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    drop(server);
    assert_eq!(
        view["summary"]["status"], "completed",
        "{}",
        view["summary"]
    );

    let run: RunPlan = serde_json::from_value(view["run"].clone()).unwrap();
    let state: RunState = serde_json::from_value(view["state"].clone()).unwrap();
    let events: Vec<RunEvent> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_value(e["event"].clone()).unwrap())
        .collect();
    assert_eq!(
        replay(&run, &events),
        state,
        "the log rebuilds the stored state"
    );
    for (i, event) in events.iter().enumerate() {
        assert_eq!(event.seq, i as u64 + 1);
    }
    let kills_during_run = kills
        .iter()
        .filter(|&&k| k < events.last().unwrap().at)
        .count();
    assert_eq!(kills_during_run, KILLS, "every kill landed during the run");

    // Every step of every stage exactly once and in order, then the run's completion.
    let requested: Vec<(usize, usize, i64)> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::StepRequested { stage, step, .. } => Some((stage, step, e.at)),
            _ => None,
        })
        .collect();
    let expected: Vec<(usize, usize)> = (0..run.plan.stages.len())
        .flat_map(|stage| (0..run.step_count(stage)).map(move |step| (stage, step)))
        .collect();
    let order: Vec<(usize, usize)> = requested.iter().map(|&(s, j, _)| (s, j)).collect();
    assert_eq!(order, expected);
    let unexpected: Vec<&RunEvent> = events
        .iter()
        .filter(|e| {
            !matches!(
                e.kind,
                EventKind::Started
                    | EventKind::StepRequested { .. }
                    | EventKind::StageCompleted { .. }
                    | EventKind::Completed
            )
        })
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
    assert!(events[2..].iter().all(|e| e.actor == Actor::Executor));

    // Each bake served once: the next step no sooner than the bake, and no later than the bake
    // plus the time the server was down in between (a bake served again would add a bake).
    let readies: Vec<i64> = ready.try_iter().collect();
    let outages: Vec<(i64, i64)> = kills
        .iter()
        .map(|&k| {
            let back = readies.iter().copied().find(|&r| r > k);
            (k, back.unwrap_or(i64::MAX))
        })
        .collect();
    let completed_at = events.last().unwrap().at;
    let mut ends: Vec<i64> = requested.iter().skip(1).map(|&(_, _, at)| at).collect();
    ends.push(completed_at);
    for (&(stage, step, from), to) in requested.iter().zip(ends) {
        let gap = to - from;
        let down: i64 = outages
            .iter()
            .map(|&(a, b)| (b.min(to) - a.max(from)).max(0))
            .sum();
        println!("step {step} of stage {stage}: {gap} ms, {down} ms of it down");
        assert!(
            gap >= BAKE_MILLIS,
            "step {step} of stage {stage} baked {gap} ms, less than its bake"
        );
        assert!(
            gap <= BAKE_MILLIS + down + SLACK_MILLIS,
            "step {step} of stage {stage} took {gap} ms with {down} ms down: a bake served twice?"
        );
    }
}
