//! Runs: the frozen plan of each run, its append-only event log with the cached fold of it
//! (written in the same transaction as the events), the first answer to every idempotency key,
//! and the executor's latest gate evaluations.

use super::{decode, encode, parse_stored, Store, StoreError};
use crate::wire::runs::{EventView, RunSummary};
use breakwater_domain::health::StepVerdict;
use breakwater_domain::run::{
    evolve, replay, Actor, EventKind, Millis, RunEvent, RunPlan, RunState,
};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};

/// Evaluations kept per run: the run page and live health read the latest, the rest is the
/// recent history for looking into a verdict. 2,000 evaluations cover 2.8 hours at the
/// default 5-second interval (a long stage's bake) at about 1 KB to a few KB each; failed
/// evaluations are also kept for good in the events of the automatic actions they caused.
const EVALUATIONS_KEPT: i64 = 2_000;
/// Most runs the run list shows: the newest.
pub const RUNS_LISTED: i64 = 200;
/// The statuses in which a run holds its services (the executor's work list).
const ACTIVE: &str = "('pending', 'running', 'paused', 'rolling_back')";
const RUN_COLUMNS: &str =
    "runs.id, plan_revision, run_plan, state, created_by, created_at, updated_at FROM runs";

/// A run as stored: its frozen plan and its current state (the fold of its events).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRun {
    pub id: i64,
    pub run: RunPlan,
    pub state: RunState,
    pub created_by: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub plan_revision: i64,
}

impl StoredRun {
    /// The run list's line.
    pub fn summary(&self) -> RunSummary {
        RunSummary {
            id: self.id,
            plan: self.run.plan_name.clone(),
            plan_revision: self.plan_revision,
            status: self.state.status,
            revision: self.state.revision,
            stage: self.state.stage,
            stage_count: self.run.plan.stages.len(),
            step: self.state.step,
            created_by: self.created_by.clone(),
            created_at: rfc3339(self.created_at),
            updated_at: rfc3339(self.updated_at),
            failure: self.state.failure.clone(),
            waiting: self.state.waiting.clone(),
            calendar_override: self.state.calendar_override.clone(),
        }
    }
}

/// What an append wrote (or, for a retried idempotency key, what the first request wrote).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appended {
    pub events: Vec<RunEvent>,
    pub state: RunState,
    /// The run right after the append.
    pub summary: RunSummary,
}

/// One recorded evaluation of a step's gates.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvaluation {
    pub at: Millis,
    pub stage: usize,
    pub step: usize,
    pub verdict: StepVerdict,
}

impl Store {
    /// Stores a new pending run of `run`. Refused (conflict, naming the run) when an active run
    /// already changes one of its services: checked in the same transaction, so two runs over
    /// the same services cannot both start.
    pub async fn insert_run(&self, run: &RunPlan, by: &str, at: Millis) -> Result<i64, StoreError> {
        let state = RunState::new();
        let (_turn, mut tx) = self.begin_write().await?;
        for service in &run.services {
            let holder: Option<(i64, String)> = sqlx::query_as(&format!(
                "SELECT r.id, r.plan FROM run_services s JOIN runs r ON r.id = s.run
                 WHERE s.service = ? AND r.status IN {ACTIVE} ORDER BY r.id LIMIT 1"
            ))
            .bind(&service.service)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((other, plan)) = holder {
                return Err(StoreError::Conflict(format!(
                    "run {other} (plan '{plan}') is still rolling out {}; it must finish or be \
                     aborted before another run changes that service",
                    service.service
                )));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO runs (plan, plan_revision, run_plan, status, revision, state,
                 created_by, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&run.plan_name)
        .bind(run.plan_revision)
        .bind(encode(run))
        .bind(state.status.as_str())
        .bind(state.revision as i64)
        .bind(encode(&state))
        .bind(by)
        .bind(at)
        .bind(at)
        .fetch_one(&mut *tx)
        .await?;
        for service in &run.services {
            sqlx::query("INSERT INTO run_services (run, service) VALUES (?, ?)")
                .bind(id)
                .bind(&service.service)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    pub async fn run(&self, id: i64) -> Result<Option<StoredRun>, StoreError> {
        let row = sqlx::query(&format!("SELECT {RUN_COLUMNS} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.stored_run(&row).await?)),
            None => Ok(None),
        }
    }

    /// The newest [`RUNS_LISTED`] runs, the newest first.
    pub async fn runs(&self) -> Result<Vec<StoredRun>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {RUN_COLUMNS} ORDER BY id DESC LIMIT ?"))
            .bind(RUNS_LISTED)
            .fetch_all(&self.pool)
            .await?;
        Ok(self.readable(&rows).await)
    }

    /// The runs that are not finished (pending, running, paused, rolling back), oldest first.
    pub async fn active_runs(&self) -> Result<Vec<StoredRun>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} WHERE status IN {ACTIVE} ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(self.readable(&rows).await)
    }

    /// Per service (only `service` when given), the newest run that started changing it,
    /// whatever its status since: a run that never started has exposed nothing.
    pub async fn latest_started_runs(
        &self,
        service: Option<&str>,
    ) -> Result<Vec<(String, StoredRun)>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT s.service, {RUN_COLUMNS} JOIN run_services s ON s.run = runs.id
             WHERE (?1 IS NULL OR s.service = ?1) AND runs.id = (
                 SELECT max(o.run) FROM run_services o JOIN run_events e ON e.run = o.run
                 WHERE o.service = s.service AND e.seq = 1 AND e.status_after != 'aborted')
             ORDER BY s.service"
        ))
        .bind(service)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            match self.stored_run(row).await {
                Ok(run) => out.push((row.get("service"), run)),
                Err(error) => left_out(row, &error),
            }
        }
        Ok(out)
    }

    /// The runs of `rows` that can be read: one that cannot is logged and left out, so it
    /// never hides the others (from the executor, the run list, the simulator).
    async fn readable(&self, rows: &[SqliteRow]) -> Vec<StoredRun> {
        let mut runs = Vec::with_capacity(rows.len());
        for row in rows {
            match self.stored_run(row).await {
                Ok(run) => runs.push(run),
                Err(error) => left_out(row, &error),
            }
        }
        runs
    }

    /// The run of `row`. When only its cached state is unreadable, the state is rebuilt from
    /// the run's log (the state is the log's fold).
    async fn stored_run(&self, row: &SqliteRow) -> Result<StoredRun, StoreError> {
        let run: RunPlan = decode(row, "run_plan")?;
        let state = match decode(row, "state") {
            Ok(state) => state,
            Err(error) => {
                let id: i64 = row.get("id");
                tracing::warn!(run = id, %error, "run state rebuilt from the run's log");
                replay(&run, &self.events(id).await?)
            }
        };
        Ok(stored_run(row, run, state))
    }

    /// A run's log, oldest first.
    pub async fn events(&self, id: i64) -> Result<Vec<RunEvent>, StoreError> {
        Ok(self
            .event_views(id)
            .await?
            .into_iter()
            .map(|v| v.event)
            .collect())
    }

    /// A run's log with the status before and after each event, oldest first.
    pub async fn event_views(&self, id: i64) -> Result<Vec<EventView>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor, kind, reason, status_before, status_after FROM run_events
             WHERE run = ? ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let before: String = row.get("status_before");
                let after: String = row.get("status_after");
                Ok(EventView {
                    event: RunEvent {
                        seq: row.get::<i64, _>("seq") as u64,
                        at: row.get("at"),
                        actor: decode(row, "actor")?,
                        kind: decode(row, "kind")?,
                        reason: row.get("reason"),
                    },
                    status_before: parse_stored(&before, "run status")?,
                    status_after: parse_stored(&after, "run status")?,
                })
            })
            .collect()
    }

    /// The first answer to a request already made with `key` on run `id` (`None`: the key is
    /// new), or a conflict when `key` was used for another request (`fingerprint` differs).
    pub async fn answered(
        &self,
        id: i64,
        key: &str,
        fingerprint: &str,
    ) -> Result<Option<Appended>, StoreError> {
        stored_request(&self.pool, id, key)
            .await?
            .map(|first| answer_again(id, key, fingerprint, first))
            .transpose()
    }

    /// Appends `kinds` to run `id`'s log, as one transaction: the run must be at
    /// `expected_revision` (else a conflict and nothing is written); each event moves the state
    /// (`evolve`); the events, the new state and status, and the answer under the request's
    /// idempotency key are written together. A key already stored answers its first response
    /// (same fingerprint) or is a conflict (another request used it), before anything else is
    /// checked.
    #[allow(clippy::too_many_arguments)] // the append's facts; a struct would only rename them
    pub async fn append_events(
        &self,
        id: i64,
        expected_revision: u64,
        actor: &Actor,
        kinds: Vec<EventKind>,
        reason: &str,
        at: Millis,
        request: Option<(&str, &str)>,
    ) -> Result<Appended, StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        if let Some((key, fingerprint)) = request {
            if let Some(first) = stored_request(&mut *tx, id, key).await? {
                return answer_again(id, key, fingerprint, first);
            }
        }
        let row = sqlx::query(&format!("SELECT {RUN_COLUMNS} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("run {id}")))?;
        let mut stored = stored_run(&row, decode(&row, "run_plan")?, decode(&row, "state")?);
        if stored.state.revision != expected_revision {
            return Err(StoreError::Conflict(format!(
                "run {id} is at revision {}, not {expected_revision}: it changed meanwhile; \
                 reload it and decide again",
                stored.state.revision
            )));
        }
        let mut events = Vec::with_capacity(kinds.len());
        for kind in kinds {
            let event = RunEvent {
                seq: stored.state.revision + 1,
                at,
                actor: actor.clone(),
                kind,
                reason: reason.to_string(),
            };
            let before = stored.state.status;
            evolve(&stored.run, &mut stored.state, &event);
            sqlx::query(
                "INSERT INTO run_events (run, seq, at, actor, kind, reason, status_before,
                     status_after)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(event.seq as i64)
            .bind(at)
            .bind(encode(&event.actor))
            .bind(encode(&event.kind))
            .bind(reason)
            .bind(before.as_str())
            .bind(stored.state.status.as_str())
            .execute(&mut *tx)
            .await?;
            events.push(event);
        }
        stored.updated_at = at;
        sqlx::query(
            "UPDATE runs SET status = ?, revision = ?, state = ?, updated_at = ? WHERE id = ?",
        )
        .bind(stored.state.status.as_str())
        .bind(stored.state.revision as i64)
        .bind(encode(&stored.state))
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let appended = Appended {
            events,
            summary: stored.summary(),
            state: stored.state,
        };
        if let Some((key, fingerprint)) = request {
            sqlx::query(
                "INSERT INTO run_requests (run, idempotency_key, fingerprint, response)
                 VALUES (?, ?, ?, ?)",
            )
            .bind(id)
            .bind(key)
            .bind(fingerprint)
            .bind(encode(&appended))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(appended)
    }

    /// Records an evaluation of step `step` of stage `stage`, keeping the latest ones only.
    pub async fn record_evaluation(
        &self,
        id: i64,
        stage: usize,
        step: usize,
        verdict: &StepVerdict,
        at: Millis,
    ) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO run_evaluations (run, at, stage, step, verdict) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(at)
        .bind(stage as i64)
        .bind(step as i64)
        .bind(encode(verdict))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM run_evaluations WHERE run = ?1 AND id <= (
                 SELECT id FROM run_evaluations WHERE run = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        )
        .bind(id)
        .bind(EVALUATIONS_KEPT)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The run's most recent evaluation.
    pub async fn latest_evaluation(&self, id: i64) -> Result<Option<StoredEvaluation>, StoreError> {
        let row = sqlx::query(
            "SELECT at, stage, step, verdict FROM run_evaluations
             WHERE run = ? ORDER BY id DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StoredEvaluation {
                at: row.get("at"),
                stage: row.get::<i64, _>("stage") as usize,
                step: row.get::<i64, _>("step") as usize,
                verdict: decode(&row, "verdict")?,
            })
        })
        .transpose()
    }
}

async fn stored_request<'e>(
    executor: impl sqlx::Executor<'e, Database = Sqlite>,
    id: i64,
    key: &str,
) -> Result<Option<(String, Appended)>, StoreError> {
    let row = sqlx::query(
        "SELECT fingerprint, response FROM run_requests WHERE run = ? AND idempotency_key = ?",
    )
    .bind(id)
    .bind(key)
    .fetch_optional(executor)
    .await?;
    row.map(|row| Ok((row.get("fingerprint"), decode(&row, "response")?)))
        .transpose()
}

/// The first answer to a retried request, or a conflict when the key was used for another one.
fn answer_again(
    id: i64,
    key: &str,
    fingerprint: &str,
    (first_fingerprint, first): (String, Appended),
) -> Result<Appended, StoreError> {
    if first_fingerprint == fingerprint {
        Ok(first)
    } else {
        Err(StoreError::Conflict(format!(
            "the idempotency key '{key}' was already used for another action on run {id}; \
             use a new key for a new action"
        )))
    }
}

fn left_out(row: &SqliteRow, error: &StoreError) {
    let id: i64 = row.get("id");
    tracing::error!(run = id, %error, "run left out: its stored row is unreadable");
}

fn stored_run(row: &SqliteRow, run: RunPlan, state: RunState) -> StoredRun {
    StoredRun {
        id: row.get("id"),
        run,
        state,
        created_by: row.get("created_by"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
        plan_revision: row.get("plan_revision"),
    }
}

/// A stored time as RFC 3339, UTC (to the second).
fn rfc3339(at: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(at)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
