//! Calendar revisions: each save appends the whole YAML as the next revision, checked inside its
//! transaction against the revision the writer saw, so two editors get a conflict, not a lost rule.

use super::{Store, StoreError};
use crate::wire::calendar::CalendarRevision;
use sqlx::Row;

impl Store {
    /// The newest calendar revision, if one was ever saved.
    pub async fn current_calendar(&self) -> Result<Option<CalendarRevision>, StoreError> {
        let row = sqlx::query(
            "SELECT revision, text, saved_by, saved_at FROM calendar_revisions
             ORDER BY revision DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| CalendarRevision {
            revision: Some(row.get("revision")),
            text: row.get("text"),
            saved_by: row.get("saved_by"),
            saved_at: row.get("saved_at"),
        }))
    }

    /// The newest revision's number, cheaply (the executor asks at every round).
    pub async fn calendar_revision(&self) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT max(revision) FROM calendar_revisions")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Stores `text` as the revision after `follows` (`None`: the first), or a conflict when
    /// another save came first.
    pub async fn insert_calendar_revision(
        &self,
        text: &str,
        follows: Option<i64>,
        saved_by: &str,
        saved_at: &str,
    ) -> Result<i64, StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let latest: Option<i64> =
            sqlx::query_scalar("SELECT max(revision) FROM calendar_revisions")
                .fetch_one(&mut *tx)
                .await?;
        if latest != follows {
            return Err(StoreError::Conflict(format!(
                "the calendar is at revision {}, not {}: it changed meanwhile; reload it and edit again",
                latest.unwrap_or(0),
                follows.unwrap_or(0)
            )));
        }
        let revision = latest.map_or(1, |n| n + 1);
        sqlx::query(
            "INSERT INTO calendar_revisions (revision, text, saved_by, saved_at) VALUES (?, ?, ?, ?)",
        )
        .bind(revision)
        .bind(text)
        .bind(saved_by)
        .bind(saved_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(revision)
    }
}
