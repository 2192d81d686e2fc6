//! Who is signed in, users, API tokens and the audit trail, as the pages and the API show them.

use breakwater_domain::access::Role;
use breakwater_domain::run::Millis;
use serde::{Deserialize, Serialize};

/// The person (or token) a request speaks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub role: Role,
    pub teams: Vec<String>,
    /// Signed in with a session (the browser) rather than an API token.
    pub session: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub name: String,
    pub role: Role,
    /// The teams whose services a service owner may act on.
    pub teams: Vec<String>,
    pub disabled: bool,
    pub created_at: String,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub name: String,
    pub role: Role,
    pub teams: Vec<String>,
    pub created_at: String,
    pub created_by: String,
    /// ms since the epoch; `None`: never expires.
    pub expires_at: Option<Millis>,
    pub revoked_at: Option<String>,
    /// ms since the epoch, to the minute.
    pub last_used_at: Option<Millis>,
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub id: i64,
    /// ms since the epoch, UTC.
    pub at: Millis,
    /// The user or token name; `anonymous` for a refused request without credentials.
    pub actor: String,
    /// `session`, `token NAME`, `cli` or `system`.
    pub via: String,
    /// The client's address (`cli` for the command line).
    pub address: String,
    /// What was done, e.g. `plan.save`, `run.act`, `user.add`.
    pub kind: String,
    /// What it was done to: the request's path, or a user or token name.
    pub subject: String,
    /// The HTTP status of the answer (0 for the command line, which only records successes).
    pub outcome: i64,
    pub before: Option<String>,
    pub after: Option<String>,
}
