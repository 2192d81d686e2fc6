//! Who is signed in, for the pages: the navigation shows them, and controls a role may not use
//! are not shown (the server refuses them anyway).

use crate::wire::access::{AuditEvent, Me};
use crate::wire::ApiError;
use leptos::prelude::*;

/// The signed-in person, or `None` (the sign-in pages, a shared status page).
#[server(prefix = "/api", endpoint = "me")]
pub async fn whoami() -> Result<Option<Me>, ApiError> {
    Ok(
        leptos::prelude::use_context::<axum::http::request::Parts>().and_then(|parts| {
            parts
                .extensions
                .get::<crate::server::access::Principal>()
                .map(crate::server::access::Principal::me)
        }),
    )
}

/// The audit page's filters, as typed into its form; empty fields filter nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditQuery {
    pub actor: String,
    /// A kind (`plan.save`) or a family ending in `.` (`plan.`).
    pub kind: String,
    /// A plan's or service's name, found in what the events acted on.
    pub subject: String,
    /// RFC 3339 or a date (`2026-11-28`, midnight UTC).
    pub since: String,
    /// The last event already shown: the page continues after it.
    pub after: i64,
}

/// Events one page of the audit trail shows.
pub const AUDIT_SHOWN: i64 = 100;
/// Longest filter text: names are at most 64 characters, kinds and paths a little longer.
#[cfg(feature = "ssr")]
const MAX_FILTER_CHARS: usize = 200;

/// The audit trail, oldest first from `since`, [`AUDIT_SHOWN`] events after `after`.
#[server(prefix = "/api", endpoint = "audit", input = server_fn::codec::Json)]
pub async fn audit_events(filter: AuditQuery) -> Result<Vec<AuditEvent>, ApiError> {
    use crate::server::json_api::access::parse_since;
    use crate::server::store::AuditFilter;
    let state = super::state();
    let read = async {
        let text = |value: String, what: &str| -> Result<Option<String>, ApiError> {
            let value = value.trim().to_string();
            if value.chars().count() > MAX_FILTER_CHARS {
                return Err(ApiError::Invalid(format!(
                    "the {what} filter is longer than {MAX_FILTER_CHARS} characters"
                )));
            }
            Ok((!value.is_empty()).then_some(value))
        };
        if filter.after < 0 {
            return Err(ApiError::Invalid(format!(
                "after is an event id, 0 or more, not {}",
                filter.after
            )));
        }
        let since = match text(filter.since, "since")? {
            Some(since) => parse_since(&since)?,
            None => 0,
        };
        let query = AuditFilter {
            since,
            kind: text(filter.kind, "kind")?,
            actor: text(filter.actor, "actor")?,
            subject: text(filter.subject, "subject")?,
        };
        Ok(state.store.audit(&query, filter.after, AUDIT_SHOWN).await?)
    };
    super::respond(read.await)
}
