//! Plans: revisions (immutable once saved), the review state, acknowledgements and the event log
//! of everything done to a plan. Every write checks, inside its transaction, that the revision
//! it acts on is still the latest, so concurrent writers get a conflict instead of a lost update.

use super::{decode, encode, parse_stored, Store, StoreError};
use crate::wire::plans::{PlanRevisionInfo, PlanState, PlanSummary};
use breakwater_domain::plan::diff::PlanDiff;
use breakwater_domain::plan::readiness::Acknowledgement;
use breakwater_domain::plan::{Effects, Plan, PlanSpec};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};

/// A revision to store: the validated spec, what was computed from it and who saved it.
pub struct NewPlanRevision<'a> {
    pub spec: &'a PlanSpec,
    pub plan: &'a Plan,
    pub effects: &'a Effects,
    /// The plan file, documents inline.
    pub yaml: &'a str,
    /// What changed from the revision it follows.
    pub diff: &'a PlanDiff,
    pub author: &'a str,
    pub saved_at: &'a str,
    pub catalog_revision: i64,
}

/// A stored revision with everything computed when it was saved.
#[derive(Debug, Clone)]
pub struct StoredPlanRevision {
    pub number: i64,
    pub author: String,
    pub saved_at: String,
    pub catalog_revision: i64,
    pub yaml: String,
    pub spec: PlanSpec,
    pub plan: Plan,
    pub effects: Effects,
}

/// The plan list's columns, with the latest revision's. Ordered by the newest event first.
const SUMMARY_QUERY: &str = "
    SELECT p.name, p.state, r.number, r.author, r.saved_at, r.title,
           r.stage_count, r.service_count, r.error_count, r.warning_count
    FROM plans p
    JOIN plan_revisions r
      ON r.plan = p.name AND r.number = (SELECT max(number) FROM plan_revisions WHERE plan = p.name)";

impl Store {
    /// Stores the next revision of `new.spec.name`, which must follow `follows` (`None`: the
    /// plan must not exist yet). The plan goes back to draft. All or nothing.
    pub async fn insert_plan_revision(
        &self,
        new: &NewPlanRevision<'_>,
        follows: Option<i64>,
    ) -> Result<PlanSummary, StoreError> {
        let name = new.spec.name.as_str();
        let summary = summary_of(new);
        let (_turn, mut tx) = self.begin_write().await?;
        let latest = latest_number(&mut tx, name).await?;
        if latest != follows {
            return Err(StoreError::Conflict(match (follows, latest) {
                (None, Some(latest)) => format!(
                    "a plan named '{name}' exists already (revision {latest}); \
                     save a new revision of it instead"
                ),
                (Some(_), None) => format!("there is no plan named '{name}' to revise"),
                _ => stale(name, follows.unwrap_or(0), latest.unwrap_or(0)),
            }));
        }
        let number = latest.map_or(1, |n| n + 1);
        if latest.is_none() {
            sqlx::query(
                "INSERT INTO plans (name, created_at, state, state_changed_by, state_changed_at)
                 VALUES (?, ?, 'draft', ?, ?)",
            )
            .bind(name)
            .bind(new.saved_at)
            .bind(new.author)
            .bind(new.saved_at)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "INSERT INTO plan_revisions (plan, number, author, saved_at, catalog_revision_id, yaml,
                 spec, plan_json, effects, diff, title, stage_count, service_count, error_count,
                 warning_count)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(name)
        .bind(number)
        .bind(new.author)
        .bind(new.saved_at)
        .bind(new.catalog_revision)
        .bind(new.yaml)
        .bind(encode(new.spec))
        .bind(encode(new.plan))
        .bind(encode(new.effects))
        .bind(encode(new.diff))
        .bind(&summary.title)
        .bind(summary.stage_count as i64)
        .bind(summary.service_count as i64)
        .bind(summary.error_count as i64)
        .bind(summary.warning_count as i64)
        .execute(&mut *tx)
        .await?;
        // The approval (or review) was for the previous revision.
        sqlx::query(
            "UPDATE plans SET state = 'draft', approved_revision = NULL,
                 state_changed_by = CASE state WHEN 'draft' THEN state_changed_by ELSE ? END,
                 state_changed_at = CASE state WHEN 'draft' THEN state_changed_at ELSE ? END
             WHERE name = ?",
        )
        .bind(new.author)
        .bind(new.saved_at)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        record(
            &mut tx,
            name,
            number,
            "saved",
            "draft",
            new.author,
            new.saved_at,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(PlanSummary {
            revision: number,
            ..summary
        })
    }

    /// Every plan at its latest revision, the most recently changed first.
    pub async fn plan_summaries(&self) -> Result<Vec<PlanSummary>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SUMMARY_QUERY}
             ORDER BY (SELECT max(id) FROM plan_events e WHERE e.plan = p.name) DESC, p.name"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_row).collect()
    }

    pub async fn plan_summary(&self, name: &str) -> Result<Option<PlanSummary>, StoreError> {
        let row = sqlx::query(&format!("{SUMMARY_QUERY} WHERE p.name = ?"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(summary_row).transpose()
    }

    /// A revision of a plan (the latest when `number` is `None`).
    pub async fn plan_revision(
        &self,
        name: &str,
        number: Option<i64>,
    ) -> Result<Option<StoredPlanRevision>, StoreError> {
        let row = sqlx::query(
            "SELECT number, author, saved_at, catalog_revision_id, yaml, spec, plan_json, effects
             FROM plan_revisions
             WHERE plan = ?1
               AND number = coalesce(?2, (SELECT max(number) FROM plan_revisions WHERE plan = ?1))",
        )
        .bind(name)
        .bind(number)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(StoredPlanRevision {
            number: row.get("number"),
            author: row.get("author"),
            saved_at: row.get("saved_at"),
            catalog_revision: row.get("catalog_revision_id"),
            yaml: row.get("yaml"),
            spec: decode(&row, "spec")?,
            plan: decode(&row, "plan_json")?,
            effects: decode(&row, "effects")?,
        }))
    }

    /// Every revision of a plan with its diff from the previous one, newest first.
    pub async fn plan_history(&self, name: &str) -> Result<Vec<PlanRevisionInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT number, author, saved_at, catalog_revision_id, diff FROM plan_revisions
             WHERE plan = ? ORDER BY number DESC",
        )
        .bind(name)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(PlanRevisionInfo {
                    number: row.get("number"),
                    author: row.get("author"),
                    saved_at: row.get("saved_at"),
                    catalog_revision: row.get("catalog_revision_id"),
                    diff: decode(row, "diff")?,
                })
            })
            .collect()
    }

    /// Who approved the plan and when, while it is approved.
    pub async fn plan_approval(&self, name: &str) -> Result<Option<(String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT state_changed_by, state_changed_at FROM plans
             WHERE name = ? AND state = 'approved'",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Moves the plan to `to` when `revision` is still its latest and `allowed` accepts the
    /// move from the stored state; records who and when.
    pub async fn set_plan_state(
        &self,
        name: &str,
        revision: i64,
        to: PlanState,
        by: &str,
        at: &str,
        allowed: impl FnOnce(PlanState) -> Result<(), String>,
    ) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        expect_latest(&mut tx, name, revision).await?;
        let from: String = sqlx::query_scalar("SELECT state FROM plans WHERE name = ?")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
        allowed(parse_stored(&from, "plan state")?).map_err(StoreError::Refused)?;
        sqlx::query(
            "UPDATE plans SET state = ?1, state_changed_by = ?2, state_changed_at = ?3,
                 approved_revision = CASE ?1 WHEN 'approved' THEN ?4 END
             WHERE name = ?5",
        )
        .bind(to.as_str())
        .bind(by)
        .bind(at)
        .bind(revision)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        record(&mut tx, name, revision, "state", to.as_str(), by, at, "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records an acknowledgement of a checklist item of `revision`, which must still be the
    /// latest; a second one for the same item replaces the first (the event log keeps both).
    pub async fn acknowledge_plan_item(
        &self,
        name: &str,
        revision: i64,
        ack: &Acknowledgement,
    ) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        expect_latest(&mut tx, name, revision).await?;
        sqlx::query(
            "INSERT INTO plan_acknowledgements (plan, revision, key, by, at, comment)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (plan, revision, key)
             DO UPDATE SET by = excluded.by, at = excluded.at, comment = excluded.comment",
        )
        .bind(name)
        .bind(revision)
        .bind(&ack.key)
        .bind(&ack.by)
        .bind(&ack.at)
        .bind(&ack.comment)
        .execute(&mut *tx)
        .await?;
        record(
            &mut tx,
            name,
            revision,
            "acknowledged",
            &ack.key,
            &ack.by,
            &ack.at,
            &ack.comment,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The acknowledgements given on a revision, by item.
    pub async fn plan_acknowledgements(
        &self,
        name: &str,
        revision: i64,
    ) -> Result<Vec<Acknowledgement>, StoreError> {
        let rows = sqlx::query(
            "SELECT key, by, at, comment FROM plan_acknowledgements
             WHERE plan = ? AND revision = ? ORDER BY key",
        )
        .bind(name)
        .bind(revision)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| Acknowledgement {
                key: row.get("key"),
                by: row.get("by"),
                at: row.get("at"),
                comment: row.get("comment"),
            })
            .collect())
    }
}

fn stale(name: &str, based_on: i64, latest: i64) -> String {
    format!(
        "plan '{name}' is at revision {latest}, not {based_on}: \
         someone saved it meanwhile; reload it and apply your change again"
    )
}

async fn latest_number(
    tx: &mut Transaction<'static, Sqlite>,
    name: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT max(number) FROM plan_revisions WHERE plan = ?")
            .bind(name)
            .fetch_one(&mut **tx)
            .await?,
    )
}

async fn expect_latest(
    tx: &mut Transaction<'static, Sqlite>,
    name: &str,
    revision: i64,
) -> Result<(), StoreError> {
    match latest_number(tx, name).await? {
        None => Err(StoreError::NotFound(format!("plan '{name}'"))),
        Some(latest) if latest != revision => {
            Err(StoreError::Conflict(stale(name, revision, latest)))
        }
        Some(_) => Ok(()),
    }
}

/// Appends to the plan's event log.
#[allow(clippy::too_many_arguments)] // one column each; a struct would only rename them
async fn record(
    tx: &mut Transaction<'static, Sqlite>,
    name: &str,
    revision: i64,
    action: &str,
    detail: &str,
    by: &str,
    at: &str,
    comment: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO plan_events (plan, revision, action, detail, by, at, comment)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(name)
    .bind(revision)
    .bind(action)
    .bind(detail)
    .bind(by)
    .bind(at)
    .bind(comment)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The list columns of a new revision (its number is known only inside the transaction).
fn summary_of(new: &NewPlanRevision<'_>) -> PlanSummary {
    let errors = new.plan.problems.iter().filter(|p| p.is_error()).count();
    PlanSummary {
        name: new.spec.name.clone(),
        title: new.spec.title.clone(),
        state: PlanState::Draft,
        revision: 0,
        author: new.author.to_string(),
        updated_at: new.saved_at.to_string(),
        stage_count: new.plan.stages.len(),
        service_count: new.spec.changes.len(),
        error_count: errors,
        warning_count: new.plan.problems.len() - errors,
    }
}

fn summary_row(row: &SqliteRow) -> Result<PlanSummary, StoreError> {
    let state: String = row.get("state");
    let count = |column: &str| row.get::<i64, _>(column) as usize;
    Ok(PlanSummary {
        name: row.get("name"),
        title: row.get("title"),
        state: parse_stored(&state, "plan state")?,
        revision: row.get("number"),
        author: row.get("author"),
        updated_at: row.get("saved_at"),
        stage_count: count("stage_count"),
        service_count: count("service_count"),
        error_count: count("error_count"),
        warning_count: count("warning_count"),
    })
}
