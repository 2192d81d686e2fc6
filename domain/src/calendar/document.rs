//! The calendar YAML file, as people write it ([`CalendarFile`]), and [`load`]: parse, convert
//! and report every bad value at once with its field, so the editor can show each message beside
//! its field. [`to_yaml`] writes a [`Calendar`] back: `load(&to_yaml(c)).calendar == Some(c)`.
//!
//! ```yaml
//! timezone: Europe/Berlin            # default zone for the rules below (default: UTC)
//! rules:
//!   - { name: weekday-mornings, kind: activation, rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH;BYHOUR=9", duration: 5h }
//!   - { name: year-end, kind: freeze, start: 2026-12-18T17:00, end: 2027-01-04T08:00 }
//! capacity: { per_team_per_day: 2, concurrent_services: 5 }
//! ```

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use chrono_tz::Tz;
use rrule::Frequency;
use serde::{Deserialize, Serialize};
use serde_yaml_ng::Value;

use super::{resolve, Calendar, Capacity, Millis, Recurrence, Rule, RuleKind, Scope, When, DAY};
use crate::catalog::Tier;
use crate::plan::document::{parse_guarded, shorten, MAX_PROBLEMS, TOO_MANY_PROBLEMS};
use crate::plan::policy::{format_duration, parse_duration};
use crate::plan::{PlanLocation, PlanProblem};

/// Calendar files of this size or more are refused before parsing.
pub const MAX_CALENDAR_BYTES: usize = 10 * 1024 * 1024;
/// Most rules a calendar may hold: every question about a time expands every rule.
pub const MAX_RULES: usize = 1000;
/// Longest rule name, in characters: names are shown on calendar bands and in run messages.
pub const MAX_RULE_NAME_CHARS: usize = 80;
/// Longest RRULE text, in characters; real ones are well under 200.
pub const MAX_RRULE_CHARS: usize = 1000;
/// Longest window a recurrence may have: 31 days.
pub const MAX_DURATION_MINUTES: u32 = 31 * 24 * 60;
/// A recurrence with no occurrence this long after its start never opens: ten years.
pub const MUST_OCCUR_WITHIN: Millis = 3653 * DAY;
/// Rules found to never occur before the search stops for the rest: the rrule crate gives up on
/// a rule that matches nothing only after 100,000 empty periods (about 0.2 s in a debug build),
/// and such a calendar is refused at the first anyway.
pub const MAX_NEVER_OCCURS: usize = 5;

/// The years a written time may fall in.
const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;
/// Windows one recurrence may open on one day (BYHOUR values × BYMINUTE values).
pub const MAX_STARTS_PER_DAY: usize = 24;
/// Windows all recurrences together may open on one day: bounds the occurrences every check
/// and schedule expands (about 1.5 million over the two-year horizon).
pub const MAX_CALENDAR_STARTS_PER_DAY: usize = 2_000;
/// Entries in one scope list (services, teams, tiers or regions).
pub const MAX_SCOPE_ENTRIES: usize = 1_000;
const TIME_RULE: &str =
    "write a local time as YYYY-MM-DDTHH:MM (seconds optional), a date as YYYY-MM-DD, \
     or a time with Z or an offset (2026-12-18T16:00Z)";
const DURATION_RULE: &str = "write a duration of whole minutes like 5h, 90m or 1h30m";
const TIERS: [Tier; 3] = [Tier::Critical, Tier::Standard, Tier::Low];

/// The calendar file as written by people. Values that must become zones, times, durations or
/// numbers are kept as text (or any YAML value) so that [`load`] reports every bad one with its
/// field instead of stopping at the first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    /// The IANA zone of rules without their own, and of "a day" for capacity. Default: UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RuleEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<CapacityEntry>,
}

/// One rule: `rrule` with `duration` (and optionally `start`, its DTSTART), or `start` and
/// `end` (a one-off interval); times are local to `timezone`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `activation`, `monitoring`, `evaluation` or `freeze`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// RFC 5545 RRULE text, with or without a leading `RRULE:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rrule: Option<String>,
    /// A duration: `5h`, `90m`, `1h30m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// Default: the calendar's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
}

/// `capacity: { per_team_per_day: 2, per_region_per_day: 4, concurrent_services: 5 }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_team_per_day: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_region_per_day: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_services: Option<Value>,
}

/// The result of loading a calendar: the calendar when it has no error, and every problem.
#[derive(Debug, Clone)]
pub struct LoadedCalendar {
    /// `None` when any problem is an error: a calendar with a bad rule left out would allow what
    /// that rule forbids.
    pub calendar: Option<Calendar>,
    pub problems: Vec<PlanProblem>,
}

impl LoadedCalendar {
    pub fn is_ok(&self) -> bool {
        self.calendar.is_some() && !self.problems.iter().any(PlanProblem::is_error)
    }

    fn refused(problem: PlanProblem) -> LoadedCalendar {
        LoadedCalendar {
            calendar: None,
            problems: vec![problem],
        }
    }
}

/// Parse and check a YAML calendar.
pub fn load(text: &str) -> LoadedCalendar {
    // A file with nothing but comments is an empty calendar, not a syntax error.
    let file: Option<CalendarFile> = match parse_guarded(text, "calendar", MAX_CALENDAR_BYTES) {
        Ok(file) => file,
        Err(problem) => return LoadedCalendar::refused(problem),
    };
    from_file(file.unwrap_or_default())
}

/// Check and convert a calendar file (parsed, or built by the rule editor from form fields).
pub fn from_file(file: CalendarFile) -> LoadedCalendar {
    let mut out = Problems::default();
    let timezone = match &file.timezone {
        None => Some(Tz::UTC),
        Some(name) => zone(name, "timezone", &mut out),
    };
    let capacity = file
        .capacity
        .map(|entry| capacity(entry, &mut out))
        .unwrap_or_default();
    let rules = if file.rules.len() > MAX_RULES {
        // Checking each rule would only bury this one problem.
        out.error(
            "rules",
            "TOO_MANY_RULES",
            format!(
                "the calendar has {} rules; the limit is {MAX_RULES}: merge rules that share a \
                 kind and scope (one RRULE can list several days and hours)",
                file.rules.len()
            ),
        );
        Vec::new()
    } else {
        let mut named: HashMap<&str, usize> = HashMap::new();
        let mut searches = MAX_NEVER_OCCURS;
        let mut rules = Vec::with_capacity(file.rules.len());
        for (i, entry) in file.rules.iter().enumerate() {
            let path = format!("rules[{i}]");
            if let Some(name) = entry.name.as_deref().filter(|n| !n.is_empty()) {
                match named.get(name) {
                    Some(first) => out.error(
                        format!("{path}.name"),
                        "DUPLICATE_RULE",
                        format!(
                            "rules[{first}] is already named '{}': give each rule its own name",
                            shorten(name)
                        ),
                    ),
                    None => {
                        named.insert(name, i);
                    }
                }
            }
            rules.push(rule(entry, &path, timezone, &mut searches, &mut out));
        }
        let rules: Vec<Rule> = rules.into_iter().flatten().collect();
        let starts: usize = rules
            .iter()
            .filter_map(|r| match &r.when {
                When::Recurring(recurrence) => recurrence.parse().ok(),
                When::Once { .. } => None,
            })
            .map(|(rule, _)| Recurrence::starts_per_day(&rule))
            .sum();
        if starts > MAX_CALENDAR_STARTS_PER_DAY {
            out.error(
                "rules",
                "TOO_FREQUENT",
                format!(
                    "the rules open up to {starts} windows a day together; the limit is \
                     {MAX_CALENDAR_STARTS_PER_DAY}: merge rules or make fewer, longer windows"
                ),
            );
        }
        rules
    };
    let problems = out.into_vec();
    let calendar = match timezone {
        Some(timezone) if !problems.iter().any(PlanProblem::is_error) => Some(Calendar {
            timezone,
            rules,
            capacity,
        }),
        _ => None,
    };
    LoadedCalendar { calendar, problems }
}

/// The calendar as a YAML file: `load(&to_yaml(c)).calendar == Some(c)`.
pub fn to_yaml(calendar: &Calendar) -> String {
    serde_yaml_ng::to_string(&CalendarFile::from(calendar))
        .expect("a calendar always serialises to YAML")
}

impl From<&Calendar> for CalendarFile {
    fn from(calendar: &Calendar) -> CalendarFile {
        let c = calendar.capacity;
        let limit = |n: Option<u32>| n.map(|n| Value::from(u64::from(n)));
        CalendarFile {
            timezone: Some(calendar.timezone.name().to_string()),
            rules: calendar
                .rules
                .iter()
                .map(|rule| RuleEntry::of(rule, calendar.timezone))
                .collect(),
            capacity: (c != Capacity::default()).then(|| CapacityEntry {
                per_team_per_day: limit(c.per_team_per_day),
                per_region_per_day: limit(c.per_region_per_day),
                concurrent_services: limit(c.concurrent_services),
            }),
        }
    }
}

impl RuleEntry {
    /// `rule` as written in a calendar whose zone is `calendar_zone` (its own zone only when it
    /// differs).
    fn of(rule: &Rule, calendar_zone: Tz) -> RuleEntry {
        let mut entry = RuleEntry {
            name: Some(rule.name.clone()),
            kind: Some(rule.kind.as_str().to_string()),
            timezone: (rule.timezone != calendar_zone).then(|| rule.timezone.name().to_string()),
            services: rule.scope.services.clone(),
            teams: rule.scope.teams.clone(),
            tiers: rule
                .scope
                .tiers
                .iter()
                .map(|t| t.as_str().to_string())
                .collect(),
            regions: rule.scope.regions.clone(),
            ..RuleEntry::default()
        };
        match &rule.when {
            When::Once { start, end } => {
                entry.start = Some(written(*start));
                entry.end = Some(written(*end));
            }
            When::Recurring(recurrence) => {
                entry.rrule = Some(recurrence.rrule.clone());
                entry.duration = Some(format_duration(u64::from(recurrence.duration_minutes) * 60));
                entry.start = (recurrence.start != Recurrence::default_start())
                    .then(|| written(recurrence.start));
            }
        }
        entry
    }
}

/// A local time as the file writes it: `2026-12-18T17:00`, with seconds only when it has some.
fn written(at: NaiveDateTime) -> String {
    if at.second() == 0 {
        at.format("%Y-%m-%dT%H:%M").to_string()
    } else {
        at.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

/// Problems in the order found, at most [`MAX_PROBLEMS`]; one more says how many were left out.
#[derive(Default)]
struct Problems {
    listed: Vec<PlanProblem>,
    left_out: usize,
}

impl Problems {
    fn error(&mut self, path: impl Into<String>, code: &str, message: impl Into<String>) {
        if self.listed.len() < MAX_PROBLEMS {
            let location = PlanLocation::field(path);
            self.listed
                .push(PlanProblem::error(location, code, message));
        } else {
            self.left_out += 1;
        }
    }

    fn count(&self) -> usize {
        self.listed.len() + self.left_out
    }

    fn into_vec(mut self) -> Vec<PlanProblem> {
        if self.left_out > 0 {
            self.listed.push(PlanProblem::error(
                PlanLocation::Plan,
                TOO_MANY_PROBLEMS,
                format!(
                    "{} more problems are not listed; fix the ones above first",
                    self.left_out
                ),
            ));
        }
        self.listed
    }
}

/// The IANA zone `name`, or an `UNKNOWN_TIMEZONE` problem suggesting the closest names.
fn zone(name: &str, path: &str, out: &mut Problems) -> Option<Tz> {
    if let Ok(zone) = Tz::from_str(name.trim()) {
        return Some(zone);
    }
    let close = closest_zones(name);
    let hint = if close.is_empty() {
        "use an IANA name such as Europe/Berlin, America/New_York or UTC".to_string()
    } else {
        format!("did you mean {}?", close.join(" or "))
    };
    out.error(
        path,
        "UNKNOWN_TIMEZONE",
        format!("'{}' is not an IANA time zone; {hint}", shorten(name)),
    );
    None
}

/// Up to three zone names close to `name`: the same name in other case, names ending in it
/// (`berlin`: Europe/Berlin), else the nearest by edit distance.
fn closest_zones(name: &str) -> Vec<&'static str> {
    // Longer text is not a misspelt zone; the distances would only cost time.
    if name.chars().nth(40).is_some() {
        return Vec::new();
    }
    let wanted = name.trim().to_lowercase().replace(' ', "_");
    let names = || chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name());
    let exact: Vec<&'static str> = names()
        .filter(|zone| {
            let zone = zone.to_lowercase();
            zone == wanted || zone.rsplit('/').next() == Some(wanted.as_str())
        })
        .take(3)
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let mut ranked: Vec<(usize, &'static str)> = names()
        .map(|zone| (edit_distance(&wanted, &zone.to_lowercase()), zone))
        .filter(|&(distance, _)| distance <= 2.max(wanted.len() / 4))
        .collect();
    ranked.sort_unstable();
    ranked.into_iter().take(3).map(|(_, zone)| zone).collect()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

fn capacity(entry: CapacityEntry, out: &mut Problems) -> Capacity {
    let mut limit = |value: Option<Value>, field: &str, what: &str| {
        value.and_then(|value| {
            let limit = value.as_u64().and_then(|n| u32::try_from(n).ok());
            if !matches!(limit, Some(1..)) {
                out.error(
                    format!("capacity.{field}"),
                    "INVALID_CAPACITY",
                    format!(
                        "capacity.{field} is {}; use a whole number of {what} from 1 up, or leave \
                         it out for no limit",
                        shown(&value)
                    ),
                );
                return None;
            }
            limit
        })
    };
    Capacity {
        per_team_per_day: limit(entry.per_team_per_day, "per_team_per_day", "services"),
        per_region_per_day: limit(entry.per_region_per_day, "per_region_per_day", "services"),
        concurrent_services: limit(entry.concurrent_services, "concurrent_services", "services"),
    }
}

/// A YAML value as written, for messages.
fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{}'", shorten(s)),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "empty".to_string(),
        Value::Sequence(_) => "a list".to_string(),
        Value::Mapping(_) => "a mapping".to_string(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

/// One rule entry as a [`Rule`], or `None` after reporting what is wrong with it. A rule whose
/// zone is unknown (its own, already reported, or the calendar's) is checked as if in UTC.
/// `searches`: how many more rules may be found to never occur (see [`MAX_NEVER_OCCURS`]).
fn rule(
    entry: &RuleEntry,
    path: &str,
    calendar_zone: Option<Tz>,
    searches: &mut usize,
    out: &mut Problems,
) -> Option<Rule> {
    let before = out.count();
    let name = entry.name.clone().unwrap_or_default();
    if name.is_empty() {
        out.error(
            format!("{path}.name"),
            "MISSING_FIELD",
            "every rule needs a name (name: weekday-mornings)",
        );
    } else if name.chars().any(char::is_control) {
        out.error(
            format!("{path}.name"),
            "INVALID_NAME",
            "a rule name cannot contain control characters (line breaks, tabs)",
        );
    } else if name.chars().nth(MAX_RULE_NAME_CHARS).is_some() {
        out.error(
            format!("{path}.name"),
            "INVALID_NAME",
            format!(
                "rule name '{}' is longer than {MAX_RULE_NAME_CHARS} characters",
                shorten(&name)
            ),
        );
    }
    let kind = match entry.kind.as_deref() {
        None => {
            out.error(
                format!("{path}.kind"),
                "MISSING_FIELD",
                "every rule needs a kind: activation, monitoring, evaluation or freeze",
            );
            None
        }
        Some(text) => {
            let kind = RuleKind::parse(text.trim());
            if kind.is_none() {
                out.error(
                    format!("{path}.kind"),
                    "UNKNOWN_KIND",
                    format!(
                        "kind '{}' is not activation, monitoring, evaluation or freeze",
                        shorten(text)
                    ),
                );
            }
            kind
        }
    };
    let timezone = match &entry.timezone {
        Some(name) => zone(name, &format!("{path}.timezone"), out),
        None => calendar_zone,
    };
    let when = when(entry, path, timezone.unwrap_or(Tz::UTC), out);
    for (field, list) in [
        ("services", &entry.services),
        ("teams", &entry.teams),
        ("tiers", &entry.tiers),
        ("regions", &entry.regions),
    ] {
        if list.len() > MAX_SCOPE_ENTRIES {
            out.error(
                format!("{path}.{field}"),
                "TOO_MANY_ENTRIES",
                format!(
                    "{field} lists {} entries; the limit is {MAX_SCOPE_ENTRIES}: scope the rule \
                     by team, tier or region instead",
                    list.len()
                ),
            );
        }
    }
    let mut tiers = Vec::with_capacity(entry.tiers.len());
    for (j, text) in entry.tiers.iter().enumerate() {
        match TIERS.into_iter().find(|t| t.as_str() == text.trim()) {
            Some(tier) => tiers.push(tier),
            None => out.error(
                format!("{path}.tiers[{j}]"),
                "UNKNOWN_TIER",
                format!("tier '{}' is not critical, standard or low", shorten(text)),
            ),
        }
    }
    if out.count() > before {
        return None;
    }
    let rule = Rule {
        name,
        kind: kind?,
        when: when?,
        timezone: timezone?,
        scope: Scope {
            services: entry.services.clone(),
            teams: entry.teams.clone(),
            tiers,
            regions: entry.regions.clone(),
        },
    };
    if let When::Recurring(recurrence) = &rule.when {
        if *searches == 0 {
            // The calendar is already refused for rules that never occur: no more searching.
            return None;
        }
        if !occurs(&rule, resolve(rule.timezone, recurrence.start)) {
            *searches -= 1;
            out.error(
                format!("{path}.rrule"),
                "NEVER_OCCURS",
                format!(
                    "rule '{}' never opens: its rrule has no occurrence in the 10 years after {}; \
                     check its BYMONTH, BYMONTHDAY, BYDAY, COUNT and UNTIL",
                    shorten(&rule.name),
                    written(recurrence.start)
                ),
            );
            return None;
        }
    }
    Some(rule)
}

/// Whether `rule` has an interval within [`MUST_OCCUR_WITHIN`] of `from`. A week first: most
/// rules occur in it, and a short span expands few occurrences.
fn occurs(rule: &Rule, from: Millis) -> bool {
    [7 * DAY, MUST_OCCUR_WITHIN]
        .into_iter()
        .any(|span| !rule.intervals(from, from.saturating_add(span)).is_empty())
}

/// The rule's time, from `rrule` + `duration` (+ `start`) or `start` + `end`, in `zone`.
fn when(entry: &RuleEntry, path: &str, zone: Tz, out: &mut Problems) -> Option<When> {
    let at = |field: &str| format!("{path}.{field}");
    let time = |field: &str, text: &Option<String>, out: &mut Problems| {
        text.as_deref()
            .map(|text| local_time(text, zone, &at(field), out))
    };
    let start = time("start", &entry.start, out);
    let end = time("end", &entry.end, out);
    match &entry.rrule {
        Some(rrule) => {
            if entry.end.is_some() {
                out.error(
                    at("end"),
                    "CONFLICTING_FIELDS",
                    "a recurring rule's windows last its duration: remove end, or remove rrule \
                     for a one-off interval from start to end",
                );
            }
            let duration = match &entry.duration {
                Some(text) => duration(text, &at("duration"), out),
                None => {
                    out.error(
                        at("duration"),
                        "MISSING_FIELD",
                        "a recurring rule needs the length of each window (duration: 5h)",
                    );
                    None
                }
            };
            // An unreadable start is reported; the RRULE is still checked from the default one.
            let start = start.flatten().unwrap_or_else(Recurrence::default_start);
            let recurrence = recurrence(rrule, start, &at("rrule"), out)?;
            Some(When::Recurring(Recurrence {
                duration_minutes: duration?,
                ..recurrence
            }))
        }
        None => {
            if entry.start.is_none() && entry.end.is_none() {
                out.error(
                    path,
                    "CONFLICTING_FIELDS",
                    "a rule needs either rrule and duration (a recurring window) or start and \
                     end (a one-off interval)",
                );
                return None;
            }
            if entry.duration.is_some() {
                out.error(
                    at("duration"),
                    "CONFLICTING_FIELDS",
                    "a one-off rule runs from start to end: remove duration, or add an rrule for \
                     a recurring window",
                );
            }
            for (field, value) in [("start", &start), ("end", &end)] {
                if value.is_none() {
                    out.error(
                        at(field),
                        "MISSING_FIELD",
                        format!("a one-off rule needs a start and an end; {field} is missing"),
                    );
                }
            }
            let (start, end) = (start??, end??);
            // Compared on the time line: in a spring-forward gap, 02:30 is later than 03:00.
            if resolve(zone, end) <= resolve(zone, start) {
                out.error(
                    at("end"),
                    "END_BEFORE_START",
                    format!(
                        "the rule ends at {} ({zone}), not after it starts at {}: end must be later",
                        written(end),
                        written(start)
                    ),
                );
                return None;
            }
            Some(When::Once { start, end })
        }
    }
}

/// A written time as local time in `zone`; `None` (reported) when it cannot be read.
fn local_time(text: &str, zone: Tz, path: &str, out: &mut Problems) -> Option<NaiveDateTime> {
    let read = read_time(text.trim(), zone);
    match read {
        Some(at) if YEARS.contains(&at.year()) => Some(at),
        Some(_) => {
            out.error(
                path,
                "INVALID_TIME",
                format!(
                    "'{}' is outside the years {} to {}",
                    shorten(text),
                    YEARS.start(),
                    YEARS.end()
                ),
            );
            None
        }
        None => {
            out.error(
                path,
                "INVALID_TIME",
                format!("'{}' is not a time: {TIME_RULE}", shorten(text)),
            );
            None
        }
    }
}

fn read_time(text: &str, zone: Tz) -> Option<NaiveDateTime> {
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some(at);
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date.and_time(NaiveTime::MIN));
    }
    let with_offset = match text.strip_suffix(['Z', 'z']) {
        Some(utc) => format!("{utc}+00:00"),
        None => text.to_string(),
    };
    ["%Y-%m-%dT%H:%M:%S%:z", "%Y-%m-%dT%H:%M%:z"]
        .into_iter()
        .find_map(|format| DateTime::parse_from_str(&with_offset, format).ok())
        .map(|at| at.with_timezone(&zone).naive_local())
}

/// A window's length in whole minutes, more than zero and at most [`MAX_DURATION_MINUTES`].
fn duration(text: &str, path: &str, out: &mut Problems) -> Option<u32> {
    let problem = match parse_duration(text) {
        None if text.trim_start().starts_with('-') => {
            format!("duration '{}' is negative; {DURATION_RULE}", shorten(text))
        }
        None => format!("'{}' is not a duration; {DURATION_RULE}", shorten(text)),
        Some(0) => "a window of zero length never opens; give a duration like 5h".to_string(),
        Some(secs) if secs % 60 != 0 => format!(
            "duration '{}' is {} and not whole minutes; {DURATION_RULE}",
            shorten(text),
            format_duration(secs)
        ),
        Some(secs) => match u32::try_from(secs / 60) {
            Ok(minutes) if minutes <= MAX_DURATION_MINUTES => return Some(minutes),
            _ => format!(
                "duration '{}' is longer than 31 days; for a longer span use a one-off rule \
                 with start and end",
                shorten(text)
            ),
        },
    };
    out.error(path, "INVALID_DURATION", problem);
    None
}

/// The RRULE (without `RRULE:`) checked by the rrule crate against `start`, at most daily.
fn recurrence(
    text: &str,
    start: NaiveDateTime,
    path: &str,
    out: &mut Problems,
) -> Option<Recurrence> {
    if text.chars().nth(MAX_RRULE_CHARS).is_some() {
        out.error(
            path,
            "INVALID_RRULE",
            format!("the rrule is longer than {MAX_RRULE_CHARS} characters"),
        );
        return None;
    }
    let text = text.trim();
    let recurrence = Recurrence {
        rrule: text.strip_prefix("RRULE:").unwrap_or(text).to_string(),
        start,
        duration_minutes: 0,
    };
    match recurrence.parse() {
        Err(why) => {
            out.error(
                path,
                "INVALID_RRULE",
                format!("'{}' is not a valid RFC 5545 RRULE: {why}", shorten(text)),
            );
            None
        }
        Ok((_, freq @ (Frequency::Hourly | Frequency::Minutely | Frequency::Secondly))) => {
            out.error(
                path,
                "UNSUPPORTED_FREQUENCY",
                format!(
                    "FREQ={freq} is not supported: windows recur at most daily (DAILY, WEEKLY, \
                     MONTHLY or YEARLY); for several windows a day use FREQ=DAILY with BYHOUR, \
                     e.g. BYHOUR=9,14"
                ),
            );
            None
        }
        Ok((rule, _)) if !rule.get_by_second().is_empty() => {
            out.error(
                path,
                "INVALID_RRULE",
                "BYSECOND is not supported: windows start on whole minutes",
            );
            None
        }
        Ok((rule, _)) if Recurrence::starts_per_day(&rule) > MAX_STARTS_PER_DAY => {
            out.error(
                path,
                "TOO_FREQUENT",
                format!(
                    "the rrule opens up to {} windows a day; the limit is {MAX_STARTS_PER_DAY}: \
                     make fewer, longer windows",
                    Recurrence::starts_per_day(&rule)
                ),
            );
            None
        }
        Ok(_) => Some(recurrence),
    }
}
