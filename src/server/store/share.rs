//! Share links (their audit events are written by the guard, from the note the server leaves);
//! opened links record when, at most once a minute (a page polling for updates must not write
//! every time).

use super::{Store, StoreError};
use crate::wire::share::{ShareKind, ShareLinkInfo};
use breakwater_domain::run::Millis;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

/// What a link's digest finds.
pub enum ShareLookup {
    Open(ShareLinkInfo),
    Expired(ShareLinkInfo),
    Revoked(ShareLinkInfo),
    Unknown,
}

const COLUMNS: &str = "id, kind, subject, created_by, created_at, expires_at, revoked_at, \
                       revoked_by, last_opened_at, opened";

impl Store {
    pub async fn insert_share_link(
        &self,
        digest: &str,
        kind: ShareKind,
        subject: &str,
        created_by: &str,
        created_at: Millis,
        expires_at: Millis,
    ) -> Result<ShareLinkInfo, StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO share_links (digest, kind, subject, created_by, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(digest)
        .bind(kind.as_str())
        .bind(subject)
        .bind(created_by)
        .bind(created_at)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM share_links WHERE id = ?"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        link(&row)
    }

    /// Links for one plan or run (or all), newest first.
    pub async fn share_links(
        &self,
        subject: Option<(ShareKind, &str)>,
    ) -> Result<Vec<ShareLinkInfo>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM share_links
             WHERE ?1 IS NULL OR (kind = ?1 AND subject = ?2) ORDER BY id DESC"
        ))
        .bind(subject.map(|(kind, _)| kind.as_str()))
        .bind(subject.map(|(_, name)| name))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(link).collect()
    }

    /// Revokes link `id`; revoking a revoked link is refused (the first revocation stands).
    pub async fn revoke_share_link(
        &self,
        id: i64,
        by: &str,
        at: Millis,
    ) -> Result<ShareLinkInfo, StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM share_links WHERE id = ?"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("share link {id}")))?;
        let before = link(&row)?;
        if before.revoked_at.is_some() {
            return Err(StoreError::Refused(format!(
                "share link {id} was revoked already"
            )));
        }
        sqlx::query("UPDATE share_links SET revoked_at = ?, revoked_by = ? WHERE id = ?")
            .bind(at)
            .bind(by)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ShareLinkInfo {
            revoked_at: Some(at),
            revoked_by: Some(by.to_string()),
            ..before
        })
    }

    /// Finds a link by its digest and, when it is open, records the visit.
    pub async fn open_share_link(
        &self,
        digest: &str,
        now: Millis,
    ) -> Result<ShareLookup, StoreError> {
        let Some(row) = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM share_links WHERE digest = ?"
        ))
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(ShareLookup::Unknown);
        };
        let found = link(&row)?;
        if found.revoked_at.is_some() {
            return Ok(ShareLookup::Revoked(found));
        }
        if found.expires_at <= now {
            return Ok(ShareLookup::Expired(found));
        }
        if found.last_opened_at.is_none_or(|at| now - at >= 60_000) {
            sqlx::query(
                "UPDATE share_links SET last_opened_at = ?, opened = opened + 1 WHERE id = ?",
            )
            .bind(now)
            .bind(found.id)
            .execute(&self.pool)
            .await?;
        }
        Ok(ShareLookup::Open(found))
    }
}

fn link(row: &SqliteRow) -> Result<ShareLinkInfo, StoreError> {
    let kind = match row.get::<String, _>("kind").as_str() {
        "plan" => ShareKind::Plan,
        "run" => ShareKind::Run,
        other => return Err(StoreError::Corrupt(format!("share link kind '{other}'"))),
    };
    Ok(ShareLinkInfo {
        id: row.get("id"),
        kind,
        subject: row.get("subject"),
        created_by: row.get("created_by"),
        created_at: row.get("created_at"),
        expires_at: row.get("expires_at"),
        revoked_at: row.get("revoked_at"),
        revoked_by: row.get("revoked_by"),
        last_opened_at: row.get("last_opened_at"),
        opened: row.get("opened"),
    })
}
