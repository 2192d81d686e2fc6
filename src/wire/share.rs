//! Share links and the read-only status page they open.

use breakwater_domain::run::Millis;
use breakwater_domain::status::RolloutStatus;
use serde::{Deserialize, Serialize};

/// What a share link shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareKind {
    /// A plan: its latest run, or the plan itself before one starts.
    Plan,
    /// One run.
    Run,
}

impl ShareKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareKind::Plan => "plan",
            ShareKind::Run => "run",
        }
    }
}

/// A new share link: for a plan (by name) or a run (by id), valid for `expires_in_hours`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewShareLink {
    pub kind: ShareKind,
    pub subject: String,
    pub expires_in_hours: u32,
}

/// A share link as its owners see it (never its secret, which is shown once at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareLinkInfo {
    pub id: i64,
    pub kind: ShareKind,
    pub subject: String,
    pub created_by: String,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub revoked_at: Option<Millis>,
    pub revoked_by: Option<String>,
    pub last_opened_at: Option<Millis>,
    pub opened: i64,
}

/// A link just created: its path (`/status/...`), shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedShareLink {
    pub link: ShareLinkInfo,
    pub path: String,
}

/// The status page's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedStatus {
    pub kind: ShareKind,
    pub status: RolloutStatus,
    /// When the link stops working.
    pub expires_at: Millis,
}
