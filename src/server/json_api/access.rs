//! Who am I, the audit trail, and (for admins) the users and tokens.

use super::query;
use crate::server::access::Principal;
use crate::server::routes::Routes;
use crate::server::store::AuditFilter;
use crate::server::AppState;
use crate::wire::access::{AuditEvent, Me, TokenInfo, UserInfo};
use crate::wire::ApiError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::{Extension, Json};
use serde::Deserialize;

/// Most audit events one request returns; `after` pages on.
pub const AUDIT_PAGE: i64 = 1000;

pub fn routes() -> Routes {
    Routes::default()
        .get("/me", get_me)
        .get("/audit", get_audit)
        .get("/users", get_users)
        .get("/tokens", get_tokens)
}

async fn get_me(Extension(who): Extension<Principal>) -> Json<Me> {
    Json(who.me())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// RFC 3339 or a date (`2026-11-28`, midnight UTC).
    since: Option<String>,
    kind: Option<String>,
    actor: Option<String>,
    /// A plan's or service's name (matched in the subject).
    subject: Option<String>,
    /// The last id already read.
    #[serde(default)]
    after: i64,
    limit: Option<i64>,
}

/// `GET /api/v1/audit?since=&kind=&actor=&subject=&after=&limit=`: oldest first.
async fn get_audit(
    State(state): State<AppState>,
    audit: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<Vec<AuditEvent>>, ApiError> {
    let audit = query(audit)?;
    let filter = AuditFilter {
        since: audit
            .since
            .as_deref()
            .map(parse_since)
            .transpose()?
            .unwrap_or(0),
        kind: audit.kind,
        actor: audit.actor,
        subject: audit.subject,
    };
    let limit = audit.limit.unwrap_or(AUDIT_PAGE);
    if !(1..=AUDIT_PAGE).contains(&limit) {
        return Err(ApiError::Invalid(format!(
            "limit is 1 to {AUDIT_PAGE}, not {limit}"
        )));
    }
    Ok(Json(state.store.audit(&filter, audit.after, limit).await?))
}

/// An instant as people write it in a filter: RFC 3339, or a date meaning midnight UTC.
pub fn parse_since(text: &str) -> Result<i64, ApiError> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(at.timestamp_millis());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
        .ok_or_else(|| {
            ApiError::Invalid(format!(
                "since '{}' is not an RFC 3339 time or a date (2026-11-28)",
                crate::wire::contracts::shorten(text)
            ))
        })
}

async fn get_users(State(state): State<AppState>) -> Result<Json<Vec<UserInfo>>, ApiError> {
    Ok(Json(state.store.users().await?))
}

async fn get_tokens(State(state): State<AppState>) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    Ok(Json(state.store.tokens().await?))
}
