//! Accounts, sessions, API tokens and the audit trail. Every change to an account or a token is
//! written in one transaction with its audit event, so the trail cannot miss one.

use super::{Store, StoreError};
use crate::wire::access::{AuditEvent, TokenInfo, UserInfo};
use breakwater_domain::access::Role;
use breakwater_domain::run::Millis;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

/// Who a valid session or token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub name: String,
    pub role: Role,
    pub teams: Vec<String>,
}

/// What a token's digest finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenLookup {
    Valid(Credential),
    Expired { name: String, at: Millis },
    Revoked { name: String },
    Unknown,
}

/// A user's stored password hash and standing, for signing in.
pub struct Account {
    pub password_hash: String,
    pub disabled: bool,
}

/// One audit event as written (the id and nothing else is the store's).
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    pub at: Millis,
    pub actor: String,
    pub via: String,
    pub address: String,
    pub kind: String,
    pub subject: String,
    pub outcome: i64,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Store {
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Adds a user; a taken name is a conflict. `only_if_first`: refused when any user exists
    /// (the first-admin link, which two browsers may follow at once).
    pub async fn insert_user(
        &self,
        user: &UserInfo,
        password_hash: &str,
        only_if_first: bool,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&mut *tx)
            .await?;
        if only_if_first && count > 0 {
            return Err(StoreError::Conflict(
                "the first admin exists already: sign in instead".into(),
            ));
        }
        let taken: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE name = ?")
            .bind(&user.name)
            .fetch_one(&mut *tx)
            .await?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!(
                "a user named '{}' exists already",
                user.name
            )));
        }
        sqlx::query(
            "INSERT INTO users (name, role, teams, password_hash, disabled, created_at, created_by)
             VALUES (?, ?, ?, ?, 0, ?, ?)",
        )
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(teams_json(&user.teams))
        .bind(password_hash)
        .bind(&user.created_at)
        .bind(&user.created_by)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn users(&self) -> Result<Vec<UserInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, role, teams, disabled, created_at, created_by FROM users ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_info).collect()
    }

    pub async fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
        let row = sqlx::query("SELECT password_hash, disabled FROM users WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| Account {
            password_hash: row.get("password_hash"),
            disabled: row.get::<i64, _>("disabled") != 0,
        }))
    }

    /// Changes a user's role, or disables them; either way their sessions end, so the change
    /// takes effect at their next request. Returns the user as they were.
    pub async fn update_user(
        &self,
        name: &str,
        role: Option<Role>,
        disable: bool,
        audit: &NewAuditEvent,
    ) -> Result<UserInfo, StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT name, role, teams, disabled, created_at, created_by FROM users WHERE name = ?",
        )
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("user '{name}'")))?;
        let before = user_info(&row)?;
        if let Some(role) = role {
            sqlx::query("UPDATE users SET role = ? WHERE name = ?")
                .bind(role.as_str())
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        if disable {
            sqlx::query("UPDATE users SET disabled = 1 WHERE name = ?")
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM sessions WHERE user_name = ?")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(before)
    }

    pub async fn insert_session(
        &self,
        digest: &str,
        user: &str,
        created_at: Millis,
        expires_at: Millis,
        address: &str,
    ) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        // Expired sessions are cleared as new ones start: the table stays as small as the
        // number of people signed in.
        sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(created_at)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO sessions (digest, user_name, created_at, expires_at, address)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(digest)
        .bind(user)
        .bind(created_at)
        .bind(expires_at)
        .bind(address)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The user a live session belongs to, unless the session expired or the user is disabled.
    pub async fn session(
        &self,
        digest: &str,
        now: Millis,
    ) -> Result<Option<Credential>, StoreError> {
        let row = sqlx::query(
            "SELECT u.name, u.role, u.teams FROM sessions s JOIN users u ON u.name = s.user_name
             WHERE s.digest = ? AND s.expires_at > ? AND u.disabled = 0",
        )
        .bind(digest)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| credential(&row)).transpose()
    }

    pub async fn delete_session(&self, digest: &str) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE digest = ?")
            .bind(digest)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn insert_token(
        &self,
        token: &TokenInfo,
        digest: &str,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let taken: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens WHERE name = ?")
            .bind(&token.name)
            .fetch_one(&mut *tx)
            .await?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!(
                "a token named '{}' exists already (revoked tokens keep their names)",
                token.name
            )));
        }
        sqlx::query(
            "INSERT INTO api_tokens (name, digest, role, teams, created_at, created_by, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&token.name)
        .bind(digest)
        .bind(token.role.as_str())
        .bind(teams_json(&token.teams))
        .bind(&token.created_at)
        .bind(&token.created_by)
        .bind(token.expires_at)
        .execute(&mut *tx)
        .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finds a token by its digest. Records when a valid one was last used, at most once a
    /// minute per token (a busy poller must not make every request a write).
    pub async fn token(&self, digest: &str, now: Millis) -> Result<TokenLookup, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT name, role, teams, expires_at, revoked_at, last_used_at FROM api_tokens
             WHERE digest = ?",
        )
        .bind(digest)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(TokenLookup::Unknown);
        };
        let name: String = row.get("name");
        if row.get::<Option<String>, _>("revoked_at").is_some() {
            return Ok(TokenLookup::Revoked { name });
        }
        if let Some(at) = row
            .get::<Option<i64>, _>("expires_at")
            .filter(|&at| at <= now)
        {
            return Ok(TokenLookup::Expired { name, at });
        }
        let last_used: Option<i64> = row.get("last_used_at");
        if last_used.is_none_or(|at| now - at >= 60_000) {
            sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE name = ?")
                .bind(now)
                .bind(&name)
                .execute(&self.pool)
                .await?;
        }
        Ok(TokenLookup::Valid(credential(&row)?))
    }

    pub async fn revoke_token(
        &self,
        name: &str,
        at: &str,
        audit: &NewAuditEvent,
    ) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        let revoked: Option<Option<String>> =
            sqlx::query_scalar("SELECT revoked_at FROM api_tokens WHERE name = ?")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
        match revoked {
            None => return Err(StoreError::NotFound(format!("token '{name}'"))),
            Some(Some(when)) => {
                return Err(StoreError::Refused(format!(
                    "the token '{name}' was revoked already, at {when}"
                )))
            }
            Some(None) => {}
        }
        sqlx::query("UPDATE api_tokens SET revoked_at = ? WHERE name = ?")
            .bind(at)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query(
            "SELECT name, role, teams, created_at, created_by, expires_at, revoked_at, last_used_at
             FROM api_tokens ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TokenInfo {
                    name: row.get("name"),
                    role: role(row)?,
                    teams: teams(row)?,
                    created_at: row.get("created_at"),
                    created_by: row.get("created_by"),
                    expires_at: row.get("expires_at"),
                    revoked_at: row.get("revoked_at"),
                    last_used_at: row.get("last_used_at"),
                })
            })
            .collect()
    }

    pub async fn append_audit(&self, event: &NewAuditEvent) -> Result<(), StoreError> {
        let (_turn, mut tx) = self.begin_write().await?;
        insert_audit(&mut tx, event).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Audit events after id `after` and at or after `since` (ms), oldest first, of `kind`
    /// (exact, or a prefix ending in `.`) and by `actor` when given; at most `limit`.
    pub async fn audit(
        &self,
        filter: &AuditFilter,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let (since, kind, actor) = (
            filter.since,
            filter.kind.as_deref(),
            filter.actor.as_deref(),
        );
        let kind_pattern = kind.map(|k| {
            if let Some(prefix) = k.strip_suffix('.') {
                format!("{}.%", like_escaped(prefix))
            } else {
                like_escaped(k)
            }
        });
        // A plan or service is found in the paths and names its events act on.
        let subject_pattern = filter
            .subject
            .as_deref()
            .map(|s| format!("%{}%", like_escaped(s)));
        let rows = sqlx::query(
            "SELECT id, at, actor, via, address, kind, subject, outcome, before, after
             FROM audit_events
             WHERE at >= ?1 AND (?2 IS NULL OR kind LIKE ?2 ESCAPE '\\')
               AND (?3 IS NULL OR actor = ?3) AND (?4 IS NULL OR subject LIKE ?4 ESCAPE '\\')
               AND id > ?5
             ORDER BY id LIMIT ?6",
        )
        .bind(since)
        .bind(kind_pattern)
        .bind(actor)
        .bind(subject_pattern)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| AuditEvent {
                id: row.get("id"),
                at: row.get("at"),
                actor: row.get("actor"),
                via: row.get("via"),
                address: row.get("address"),
                kind: row.get("kind"),
                subject: row.get("subject"),
                outcome: row.get("outcome"),
                before: row.get("before"),
                after: row.get("after"),
            })
            .collect())
    }
}

async fn insert_audit(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    event: &NewAuditEvent,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_events (at, actor, via, address, kind, subject, outcome, before, after)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(event.at)
    .bind(&event.actor)
    .bind(&event.via)
    .bind(&event.address)
    .bind(&event.kind)
    .bind(&event.subject)
    .bind(event.outcome)
    .bind(&event.before)
    .bind(&event.after)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Which audit events to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// ms since the epoch.
    pub since: Millis,
    /// A kind (`plan.save`), or a family ending in `.` (`plan.`).
    pub kind: Option<String>,
    pub actor: Option<String>,
    /// Text the subject contains: a plan's or service's name.
    pub subject: Option<String>,
}

fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn teams_json(teams: &[String]) -> String {
    serde_json::to_string(teams).unwrap_or_else(|_| "[]".into())
}

fn role(row: &SqliteRow) -> Result<Role, StoreError> {
    let text: String = row.get("role");
    text.parse().map_err(StoreError::Corrupt)
}

fn teams(row: &SqliteRow) -> Result<Vec<String>, StoreError> {
    let text: String = row.get("teams");
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("teams: {e}")))
}

fn credential(row: &SqliteRow) -> Result<Credential, StoreError> {
    Ok(Credential {
        name: row.get("name"),
        role: role(row)?,
        teams: teams(row)?,
    })
}

fn user_info(row: &SqliteRow) -> Result<UserInfo, StoreError> {
    Ok(UserInfo {
        name: row.get("name"),
        role: role(row)?,
        teams: teams(row)?,
        disabled: row.get::<i64, _>("disabled") != 0,
        created_at: row.get("created_at"),
        created_by: row.get("created_by"),
    })
}
