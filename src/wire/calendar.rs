//! The cadence calendar as the browser and scripts see it: its revisions, the page's week or
//! month with rule bands and scheduled stages, checks, and what saving answers.

use breakwater_domain::calendar::document::RuleEntry;
use breakwater_domain::calendar::schedule::Conflict;
use breakwater_domain::calendar::RuleKind;
use breakwater_domain::plan::PlanProblem;
use breakwater_domain::run::Millis;
use serde::{Deserialize, Serialize};

/// One saved revision of the calendar (the YAML as written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarRevision {
    /// 1, 2, ...; `None` for the built-in empty calendar before anything was saved.
    pub revision: Option<i64>,
    pub text: String,
    pub saved_by: String,
    /// RFC 3339, UTC.
    pub saved_at: String,
}

/// What saving a calendar (or one rule of it) answered: the new revision, or every problem and
/// nothing saved. A refusal is an answer (status 200 to the UI, 422 on the JSON API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarSaveOutcome {
    pub revision: Option<i64>,
    pub problems: Vec<PlanProblem>,
}

/// The span the calendar page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalendarSpan {
    Week,
    Month,
}

impl CalendarSpan {
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarSpan::Week => "week",
            CalendarSpan::Month => "month",
        }
    }

    pub fn parse(text: &str) -> Option<CalendarSpan> {
        match text {
            "week" => Some(CalendarSpan::Week),
            "month" => Some(CalendarSpan::Month),
            _ => None,
        }
    }
}

/// What the calendar page asks for: `/calendar?span=week&at=2026-12-14&zone=America/New_York`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarQuery {
    pub span: CalendarSpan,
    /// A date (`YYYY-MM-DD`) inside the span to show; `None`: today.
    pub at: Option<String>,
    /// The IANA zone the grid is drawn in; `None`: the calendar's own.
    pub zone: Option<String>,
}

/// One local day of the grid, in the zone shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// `2026-12-14`.
    pub date: String,
    /// `Mon 14`.
    pub label: String,
    /// The day's first and last instant (a DST day is 23 or 25 hours long).
    pub start: Millis,
    pub end: Millis,
    /// Outside the month shown (the month view's leading and trailing days).
    pub outside: bool,
}

/// One occurrence of a rule within the span shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleBand {
    pub rule: String,
    pub kind: RuleKind,
    pub start: Millis,
    pub end: Millis,
    /// "activation · every service · FREQ=WEEKLY;… for 5h (Europe/Berlin)": the hover text.
    pub summary: String,
}

/// One stage of one plan as scheduled, within the span shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageBlock {
    pub plan: String,
    pub revision: i64,
    /// 1-based.
    pub stage: usize,
    pub services: Vec<String>,
    /// Activation to the end of its monitoring (the last bake).
    pub start: Millis,
    pub end: Millis,
    /// The go / no-go point.
    pub evaluation: Millis,
    /// Which of the page's plan colours (the plan's position among the plans scheduled).
    pub colour: usize,
    /// The conflicts this stage is part of, in words.
    pub conflicts: Vec<String>,
    /// The stage on its plan's page.
    pub href: String,
}

/// The calendar page: the grid, what is on it, the rules to edit and every conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarView {
    pub revision: CalendarRevision,
    pub span: CalendarSpan,
    /// The zone the grid is drawn in, and the zones one may pick (the calendar's, its rules',
    /// UTC).
    pub zone: String,
    pub zones: Vec<String>,
    /// The first day shown (`YYYY-MM-DD`), and the first days of the previous and next spans.
    pub at: String,
    pub previous: String,
    pub next: String,
    /// A title: "Week of Mon 14 Dec 2026" or "December 2026".
    pub title: String,
    pub now: Millis,
    pub days: Vec<CalendarDay>,
    pub bands: Vec<RuleBand>,
    pub blocks: Vec<StageBlock>,
    /// Every conflict of the whole schedule (not only the span shown).
    pub conflicts: Vec<Conflict>,
    /// Plans that could not be scheduled within two years, and why.
    pub unscheduled: Vec<String>,
    /// The rules as written, in order, for the editor.
    pub rules: Vec<RuleEntry>,
}

/// A rule added or changed in the editor: `original` is the name of the rule it replaces
/// (`None`: a new rule); `based_on` the calendar revision the editor showed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleEdit {
    pub original: Option<String>,
    pub rule: RuleEntry,
    pub based_on: Option<i64>,
}

/// `breakwater calendar check` and `GET /api/v1/calendar/check`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckAnswer {
    pub allowed: bool,
    pub rules: Vec<String>,
    /// RFC 3339, UTC; `null` when nothing opens within two years.
    pub next_allowed: Option<String>,
    pub reason: String,
}

/// A break-glass override of the calendar for one run: why, and until when (RFC 3339, at most
/// 24 hours ahead).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverrideRequest {
    pub reason: String,
    pub until: String,
    pub idempotency_key: String,
}

/// The emergency stop: pause every running run with one reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopAllRequest {
    pub reason: String,
}

/// The runs the emergency stop paused (each can be resumed on its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopAllOutcome {
    pub paused: Vec<i64>,
}
