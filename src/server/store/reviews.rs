//! Readiness review sessions: opened on a plan revision, attended, decided. At most one
//! undecided session per plan (a unique partial index), so two screens cannot hold two.

use super::{Store, StoreError};
use crate::wire::plans::{Attendee, ReviewDecision, ReviewSession};
use breakwater_domain::access::Role;
use breakwater_domain::run::Millis;
use sqlx::Row;

/// Most sessions a plan's history lists.
const SESSIONS_LISTED: i64 = 50;

impl Store {
    /// Opens a session on `revision` of `plan`; a conflict when one is open already.
    pub async fn open_review(
        &self,
        plan: &str,
        revision: i64,
        by: &str,
        at: Millis,
    ) -> Result<i64, StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM review_sessions WHERE plan = ? AND decision IS NULL",
        )
        .bind(plan)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = open {
            return Err(StoreError::Conflict(format!(
                "review {id} of plan '{plan}' is still open: decide it first"
            )));
        }
        let id = sqlx::query(
            "INSERT INTO review_sessions (plan, revision, started_by, started_at) VALUES (?, ?, ?, ?)",
        )
        .bind(plan)
        .bind(revision)
        .bind(by)
        .bind(at)
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        tx.commit().await?;
        Ok(id)
    }

    /// Records `person` as attending the plan's open session (again: no change).
    pub async fn attend_review(
        &self,
        plan: &str,
        person: &str,
        role: Role,
        at: Millis,
    ) -> Result<i64, StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let id = open_session(&mut tx, plan).await?;
        sqlx::query(
            "INSERT OR IGNORE INTO review_attendance (session, person, role, joined_at)
             VALUES (?, ?, ?, ?)",
        )
        .bind(id)
        .bind(person)
        .bind(role.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Decides the plan's open session; it is closed from then on.
    pub async fn decide_review(
        &self,
        plan: &str,
        decision: &ReviewDecision,
    ) -> Result<i64, StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let id = open_session(&mut tx, plan).await?;
        sqlx::query(
            "UPDATE review_sessions SET decision = ?, reason = ?, decided_by = ?, decided_at = ?
             WHERE id = ?",
        )
        .bind(if decision.go { "go" } else { "no_go" })
        .bind(&decision.reason)
        .bind(&decision.by)
        .bind(decision.at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The plan's sessions, newest first, with their attendees.
    pub async fn reviews(&self, plan: &str) -> Result<Vec<ReviewSession>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, plan, revision, started_by, started_at, decision, reason, decided_by,
                    decided_at
             FROM review_sessions WHERE plan = ? ORDER BY id DESC LIMIT ?",
        )
        .bind(plan)
        .bind(SESSIONS_LISTED)
        .fetch_all(&self.pool)
        .await?;
        let mut sessions = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.get("id");
            let attendees = sqlx::query(
                "SELECT person, role, joined_at FROM review_attendance WHERE session = ?
                 ORDER BY joined_at, person",
            )
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|a| {
                Ok(Attendee {
                    name: a.get("person"),
                    role: a
                        .get::<String, _>("role")
                        .parse()
                        .map_err(StoreError::Corrupt)?,
                    joined_at: a.get("joined_at"),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
            let decision = row
                .get::<Option<String>, _>("decision")
                .map(|d| ReviewDecision {
                    go: d == "go",
                    reason: row.get::<Option<String>, _>("reason").unwrap_or_default(),
                    by: row
                        .get::<Option<String>, _>("decided_by")
                        .unwrap_or_default(),
                    at: row.get::<Option<i64>, _>("decided_at").unwrap_or_default(),
                });
            sessions.push(ReviewSession {
                id,
                plan: row.get("plan"),
                revision: row.get("revision"),
                started_by: row.get("started_by"),
                started_at: row.get("started_at"),
                attendees,
                decision,
            });
        }
        Ok(sessions)
    }
}

async fn open_session(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    plan: &str,
) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT id FROM review_sessions WHERE plan = ? AND decision IS NULL")
        .bind(plan)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| {
            StoreError::Refused(format!("plan '{plan}' has no open review: start one first"))
        })
}
