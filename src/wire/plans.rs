//! Rollout plans as the browser and scripts see them.

use breakwater_domain::plan::diff::PlanDiff;
use breakwater_domain::plan::readiness::{Acknowledgement, Checklist};
use breakwater_domain::plan::{Effects, Plan, PlanProblem, PlanSpec};
use serde::{Deserialize, Serialize};

/// Where a plan is in its review: draft -> in review -> approved. Saving a new revision puts an
/// approved or in-review plan back to draft (the approval was for the earlier revision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    Draft,
    InReview,
    Approved,
}

impl PlanState {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanState::Draft => "draft",
            PlanState::InReview => "in_review",
            PlanState::Approved => "approved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PlanState::Draft => "draft",
            PlanState::InReview => "in review",
            PlanState::Approved => "approved",
        }
    }
}

/// One line of the plan list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub name: String,
    pub title: Option<String>,
    pub state: PlanState,
    /// The latest revision's number (1, 2, ...).
    pub revision: i64,
    /// Author of the latest revision.
    pub author: String,
    /// When the latest revision was saved (RFC 3339, UTC).
    pub updated_at: String,
    pub stage_count: usize,
    pub service_count: usize,
    pub error_count: usize,
    pub warning_count: usize,
}

/// One saved revision of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRevisionInfo {
    pub number: i64,
    pub author: String,
    pub saved_at: String,
    /// The catalog revision the plan was computed against.
    pub catalog_revision: i64,
    /// What changed from the previous revision (empty for the first).
    pub diff: PlanDiff,
}

/// A plan revision with everything its pages show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDetail {
    pub summary: PlanSummary,
    /// The revision shown (the latest unless an older one was asked for).
    pub revision: i64,
    pub spec: PlanSpec,
    /// The plan file of this revision, documents inline (what `plan export` prints).
    pub yaml: String,
    pub plan: Plan,
    pub effects: Effects,
    pub catalog_revision: i64,
    /// Set when the current catalog is newer than `catalog_revision` and planning against it
    /// gives different stages: what differs, in words.
    pub stale: Option<String>,
    pub checklist: Checklist,
    pub acknowledgements: Vec<Acknowledgement>,
    /// Who approved the latest revision, and when.
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    /// Every revision, newest first.
    pub revisions: Vec<PlanRevisionInfo>,
}

/// The answer to a save: the saved plan, or why nothing was saved (every problem at once).
/// Refusals are answers (status 200 to the UI); the JSON API answers them with 422.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSaveOutcome {
    pub saved: Option<PlanSummary>,
    pub problems: Vec<PlanProblem>,
}

/// A plan computed without saving it (the editor's server check, `POST /api/v1/plans/check`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckedPlan {
    /// `None` when the plan could not be read at all.
    pub plan: Option<Plan>,
    pub effects: Effects,
    /// Problems of the document and of the plan, together.
    pub problems: Vec<PlanProblem>,
}

/// A readiness review held on a shared screen: who attended and the go / no-go decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSession {
    pub id: i64,
    pub plan: String,
    /// The plan revision under review.
    pub revision: i64,
    pub started_by: String,
    /// ms since the epoch, UTC.
    pub started_at: i64,
    pub attendees: Vec<Attendee>,
    pub decision: Option<ReviewDecision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub name: String,
    pub role: breakwater_domain::access::Role,
    pub joined_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDecision {
    pub go: bool,
    pub reason: String,
    pub by: String,
    pub at: i64,
}
