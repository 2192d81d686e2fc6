//! The cadence calendar: when a rollout may activate, when people watch it, when they decide
//! whether to go on, and when nothing moves. Pure: every question takes the time as an argument
//! (milliseconds since the Unix epoch, UTC, like the run's clock).
//!
//! # Rules
//! A [`Rule`] has a name, a [`RuleKind`], a time ([`When`]: a one-off interval, or an RFC 5545
//! recurrence with a duration) in an IANA time zone, and a [`Scope`]. Recurrences are computed
//! in the zone's *wall-clock* time and only then placed on the time line, so a 09:00 Berlin
//! window opens at 09:00 local in summer and in winter, and lasts its duration in local time.
//! A local time that does not exist (spring forward) is read with the offset from before the
//! gap, as RFC 5545 says (02:30 on the Berlin spring-forward night is 03:30 CEST); a local time
//! that exists twice (fall back) is the first one.
//!
//! # What is allowed
//! For a [`Target`] (a service, its team and tier, the regions a step touches) at a time:
//! - a **freeze** that applies and is in force denies activation, whatever else is open (deny
//!   beats allow);
//! - otherwise the **activation** windows decide: of the activation rules that apply, only the
//!   most specific scope counts (listed services, then a team, then a tier, then a region, then
//!   every service), so `us-hours` for `us-east-1` replaces the company-wide mornings for that
//!   region; activation is allowed when one of them is open, and always when none applies.
//! - **monitoring** and **evaluation** windows pick in the same way; they shape the schedule
//!   (bakes must fall inside a monitoring window, a stage's go / no-go is at an evaluation
//!   window) and never block a rollback.
//!
//! Everything is computed over a bounded [`HORIZON`]: a window that never opens within it is
//! reported as never, not searched for forever.

pub mod document;
pub mod enforce;
mod occurrence;
pub mod schedule;
mod spans;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::catalog::{Service, Tier};
pub use crate::run::Millis;
pub use occurrence::Occurrences;
pub use spans::{Interval, Spans};

pub const MINUTE: Millis = 60_000;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;
/// How far ahead `next_allowed` and schedules look: two years.
pub const HORIZON: Millis = 731 * DAY;

/// What a rule says about its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A stage or step may start or grow exposure.
    Activation,
    /// People are on watch: bake times must fall inside.
    Monitoring,
    /// The go / no-go decision points.
    Evaluation,
    /// Nothing activates. Deny beats allow.
    Freeze,
}

impl RuleKind {
    pub const ALL: [RuleKind; 4] = [
        RuleKind::Activation,
        RuleKind::Monitoring,
        RuleKind::Evaluation,
        RuleKind::Freeze,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Activation => "activation",
            RuleKind::Monitoring => "monitoring",
            RuleKind::Evaluation => "evaluation",
            RuleKind::Freeze => "freeze",
        }
    }

    pub fn parse(text: &str) -> Option<RuleKind> {
        RuleKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A rule's time, in the rule's zone.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    /// One interval, from `start` to `end` local time.
    Once {
        start: NaiveDateTime,
        end: NaiveDateTime,
    },
    Recurring(Recurrence),
}

/// An RFC 5545 recurrence with a duration. The RRULE is evaluated in wall-clock time from
/// `start` (its DTSTART), so `UNTIL` is read as local time in the rule's zone too.
#[derive(Debug, Clone, PartialEq)]
pub struct Recurrence {
    /// The RRULE as written, without `RRULE:` and without DTSTART.
    pub rrule: String,
    /// The recurrence's DTSTART, local time. Without one, [`Recurrence::DEFAULT_START`].
    pub start: NaiveDateTime,
    /// The length of each occurrence, in wall-clock minutes.
    pub duration_minutes: u32,
}

impl Recurrence {
    /// Monday 2000-01-03 00:00: a rule without a start counts its weeks and days from here, so
    /// `FREQ=WEEKLY;BYHOUR=9` is Mondays at 09:00:00.
    pub const DEFAULT_START: &'static str = "2000-01-03T00:00:00";

    pub fn default_start() -> NaiveDateTime {
        NaiveDateTime::parse_from_str(Self::DEFAULT_START, "%Y-%m-%dT%H:%M:%S")
            .expect("the default start is a valid date")
    }
}

/// Which services a rule is about. Each list that is not empty must match (a rule for
/// `regions: [eu-west-1]` and `tiers: [critical]` is about critical services in eu-west-1);
/// every list empty: every service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<Tier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
}

impl Scope {
    pub fn applies(&self, target: &Target) -> bool {
        (self.services.is_empty() || self.services.contains(&target.service))
            && (self.teams.is_empty() || self.teams.contains(&target.team))
            && (self.tiers.is_empty() || self.tiers.contains(&target.tier))
            && (self.regions.is_empty() || self.regions.iter().any(|r| target.regions.contains(r)))
    }

    /// How narrow the scope is: listed services (4), a team (3), a tier (2), a region (1),
    /// every service (0). Of the windows of one kind that apply, only the narrowest count.
    pub fn specificity(&self) -> u8 {
        if !self.services.is_empty() {
            4
        } else if !self.teams.is_empty() {
            3
        } else if !self.tiers.is_empty() {
            2
        } else if !self.regions.is_empty() {
            1
        } else {
            0
        }
    }

    /// "every service", or "regions us-east-1; tier critical".
    pub fn words(&self) -> String {
        let mut parts = Vec::new();
        let mut part = |label: &str, items: Vec<&str>| {
            if !items.is_empty() {
                parts.push(format!("{label} {}", items.join(", ")));
            }
        };
        part(
            "services",
            self.services.iter().map(String::as_str).collect(),
        );
        part("teams", self.teams.iter().map(String::as_str).collect());
        part("tiers", self.tiers.iter().map(|t| t.as_str()).collect());
        part("regions", self.regions.iter().map(String::as_str).collect());
        if parts.is_empty() {
            "every service".to_string()
        } else {
            parts.join("; ")
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub kind: RuleKind,
    pub when: When,
    pub timezone: Tz,
    pub scope: Scope,
}

/// Limits across every plan in the calendar. `None`: no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    /// Services of one team that may start changing on one day (in the calendar's zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_team_per_day: Option<u32>,
    /// Services in one region that may start changing on one day (in the calendar's zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_region_per_day: Option<u32>,
    /// Services changing at the same time, across plans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_services: Option<u32>,
}

/// The calendar: its default zone (for rules without one, and for "a day" in capacity), its
/// rules in the order written, and its capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub timezone: Tz,
    pub rules: Vec<Rule>,
    pub capacity: Capacity,
}

impl Default for Calendar {
    /// No rules, no limits, UTC: everything is allowed.
    fn default() -> Calendar {
        Calendar {
            timezone: Tz::UTC,
            rules: Vec::new(),
            capacity: Capacity::default(),
        }
    }
}

/// What a rule's scope is matched against: one service in one region, or the service as a
/// whole (no region: rules scoped to regions do not apply).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub service: String,
    /// The service's owner.
    pub team: String,
    pub tier: Tier,
    /// The region, as a list so a scope's regions can be matched against it; empty for the
    /// service as a whole.
    pub regions: Vec<String>,
}

impl Target {
    /// `service` in `region`, or as a whole.
    pub fn of(service: &Service, region: Option<&str>) -> Target {
        Target {
            service: service.id.clone(),
            team: service.owner.clone(),
            tier: service.tier,
            regions: region.map(str::to_string).into_iter().collect(),
        }
    }

    /// The regions a step in `region` touches: that one, or, for a step that is not per
    /// region, every region of the service (each must allow it: it changes them all at once).
    pub fn regions_touched<'s>(
        service: &'s Service,
        region: Option<&'s str>,
    ) -> Vec<Option<&'s str>> {
        match region {
            Some(region) => vec![Some(region)],
            None if !service.regions.is_empty() => {
                service.regions.iter().map(|r| Some(r.as_str())).collect()
            }
            None => vec![None],
        }
    }

    /// Every target a step of `service` in `region` touches.
    pub fn touched(service: &Service, region: Option<&str>) -> Vec<Target> {
        Target::regions_touched(service, region)
            .into_iter()
            .map(|region| Target::of(service, region))
            .collect()
    }
}

/// The answer to "may this target activate at this time?", with the rules that decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub allowed: bool,
    /// The rules that decided: the freezes in force; else the activation windows open (when
    /// allowed) or applying but closed (when not). Empty when no rule applies.
    pub rules: Vec<String>,
    /// The first allowed time at or after the one asked about (itself when allowed); `None`
    /// when nothing opens within the [`HORIZON`].
    pub next_allowed: Option<Millis>,
    /// One sentence: "frozen by year-end until Mon 4 Jan 08:00 CET".
    pub reason: String,
}

impl Calendar {
    /// The rules' occurrences overlapping `from..to`, ready to answer questions about that span.
    pub fn occurrences(&self, from: Millis, to: Millis) -> Occurrences<'_> {
        Occurrences::new(self, from, to)
    }

    /// May `target` activate at `at`? Looks up to [`HORIZON`] ahead for the next allowed time.
    pub fn check(&self, at: Millis, target: &Target) -> Decision {
        self.check_all(at, std::slice::from_ref(target))
    }

    /// May every one of `targets` activate at `at`? The coming week is expanded first (the
    /// executor asks at every round while a run waits); the whole [`HORIZON`] only when nothing
    /// opens in it.
    pub fn check_all(&self, at: Millis, targets: &[Target]) -> Decision {
        let week = self
            .occurrences(at, at.saturating_add(8 * DAY))
            .decide_all(at, targets);
        if week.next_allowed.is_some() {
            return week;
        }
        self.occurrences(at, at.saturating_add(HORIZON))
            .decide_all(at, targets)
    }
}

/// `local` in `zone` as a UTC instant: a time that does not exist (the spring-forward gap) is
/// read with the offset from before the gap (RFC 5545), one that exists twice is the first.
pub fn resolve(zone: Tz, local: NaiveDateTime) -> Millis {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.timestamp_millis(),
        LocalResult::None => {
            // Gaps are at most a few hours long: three hours earlier is before this one.
            let before = local - chrono::Duration::hours(3);
            let offset = match zone.from_local_datetime(&before) {
                LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => *at.offset(),
                LocalResult::None => zone.offset_from_utc_datetime(&local),
            };
            let offset_secs = chrono::Offset::fix(&offset).local_minus_utc();
            (local - chrono::Duration::seconds(i64::from(offset_secs)))
                .and_utc()
                .timestamp_millis()
        }
    }
}

/// `at` as local time in `zone`.
pub fn local(zone: Tz, at: Millis) -> NaiveDateTime {
    utc(at).with_timezone(&zone).naive_local()
}

/// `at` as a UTC date-time (the epoch for times out of chrono's range, which no valid input
/// reaches).
pub fn utc(at: Millis) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at).unwrap_or_default()
}

/// `at` in RFC 3339, UTC, to the second: `2026-12-18T16:00:00Z`.
pub fn rfc3339(at: Millis) -> String {
    utc(at).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `at` for a person, in `zone`: "Mon 09:00 CET" within the coming week of `now`, "Mon 4 Jan
/// 08:00 CET" further out.
pub fn when_words(zone: Tz, at: Millis, now: Millis) -> String {
    let shown = utc(at).with_timezone(&zone);
    if (0..6 * DAY).contains(&(at - now)) {
        shown.format("%a %H:%M %Z").to_string()
    } else {
        shown.format("%a %-d %b %Y %H:%M %Z").to_string()
    }
}
