//! The calendar model through its file: one named row per case, loaded with `document::load`
//! and asked with `Calendar::check` or its rules' intervals. DST in Europe/Berlin and
//! America/New_York, freezes, scopes, `next_allowed`; every bad input with exactly the problems
//! it must give (code and field); the 10 MB calendar; the issue's example round trip.

use std::time::{Duration, Instant};

use breakwater_domain::calendar::document::{
    self, LoadedCalendar, MAX_CALENDAR_BYTES, MAX_NEVER_OCCURS, MAX_RULES,
};
use breakwater_domain::calendar::{rfc3339, Calendar, Interval, Millis, Target, DAY};
use breakwater_domain::catalog::Tier;
use breakwater_domain::plan::document::{MAX_PROBLEMS, TOO_MANY_PROBLEMS};
use breakwater_domain::plan::PlanLocation;

/// The issue's example.
const EXAMPLE: &str = r#"
timezone: Europe/Berlin            # default zone for the rules below
rules:
  - { name: weekday-mornings, kind: activation, rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH;BYHOUR=9;BYMINUTE=0", duration: 5h }
  - { name: us-hours, kind: activation, rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH;BYHOUR=10", duration: 6h,
      timezone: America/New_York, regions: [us-east-1] }
  - { name: year-end, kind: freeze, start: 2026-12-18T17:00, end: 2027-01-04T08:00 }
capacity: { per_team_per_day: 2, concurrent_services: 5 }
"#;

/// The example plus team- and tier-scoped windows and a tier-scoped freeze.
const SCOPED: &str = r#"
  - { name: payments-fridays, kind: activation, rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=13", duration: 2h, teams: [payments] }
  - { name: critical-tuesdays, kind: activation, rrule: "FREQ=WEEKLY;BYDAY=TU;BYHOUR=10", duration: 2h, tiers: [critical] }
  - { name: critical-summer, kind: freeze, start: 2026-08-01, end: 2026-08-15, tiers: [critical] }
"#;

fn ms(text: &str) -> Millis {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .timestamp_millis()
}

fn valid(text: &str) -> Calendar {
    let loaded = document::load(text);
    assert!(loaded.is_ok(), "{:#?}", loaded.problems);
    loaded.calendar.expect("a valid calendar")
}

/// A service of team `team` and tier `tier` as a step in `region` touches it.
fn target(team: &str, tier: Tier, region: &str) -> Target {
    Target {
        service: "checkout".to_string(),
        team: team.to_string(),
        tier,
        regions: vec![region.to_string()],
    }
}

fn eu() -> Target {
    target("shop", Tier::Standard, "eu-west-1")
}

/// A calendar of one rule in `zone`.
fn one_rule(zone: &str, rule: &str) -> String {
    format!("timezone: {zone}\nrules:\n  - {{ name: r, kind: activation, {rule} }}\n")
}

/// From and to, RFC 3339.
type Span = (&'static str, &'static str);
/// Name, calendar, the span asked about, the rule's intervals in it.
type DstCase = (&'static str, String, Span, &'static [Span]);
/// Name, calendar, at, target, allowed, the rules that decided, the next allowed time.
type DecisionCase<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Target,
    bool,
    &'a [&'a str],
    Option<&'a str>,
);
/// Name, calendar, the problems as (code, location), a phrase one of the messages holds.
type BadCase = (&'static str, String, Vec<Problem>, &'static str);
type Problem = (&'static str, PlanLocation);

#[test]
fn windows_across_dst_keep_their_local_times() {
    let cases: &[DstCase] = &[
        (
            "Berlin spring forward: 02:30 (skipped) reads as 03:30 CEST; ends at 04:30 local",
            one_rule(
                "Europe/Berlin",
                r#"rrule: "FREQ=DAILY;BYHOUR=2;BYMINUTE=30", duration: 2h"#,
            ),
            ("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z"),
            &[
                ("2026-03-28T01:30:00Z", "2026-03-28T03:30:00Z"),
                ("2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z"),
            ],
        ),
        (
            "New York spring forward: 02:30 (skipped) reads as 03:30 EDT",
            one_rule(
                "America/New_York",
                r#"rrule: "FREQ=DAILY;BYHOUR=2;BYMINUTE=30", duration: 2h"#,
            ),
            ("2026-03-08T00:00:00Z", "2026-03-09T00:00:00Z"),
            &[("2026-03-08T07:30:00Z", "2026-03-08T08:30:00Z")],
        ),
        (
            "Berlin fall back: 01:00-04:00 local spans the repeated hour and lasts 4 hours",
            one_rule(
                "Europe/Berlin",
                r#"rrule: "FREQ=DAILY;BYHOUR=1", duration: 3h"#,
            ),
            ("2026-10-24T22:00:00Z", "2026-10-25T12:00:00Z"),
            &[("2026-10-24T23:00:00Z", "2026-10-25T03:00:00Z")],
        ),
        (
            "Berlin fall back: a window starting in the repeated hour starts at the first 02:30",
            one_rule(
                "Europe/Berlin",
                r#"rrule: "FREQ=DAILY;BYHOUR=2;BYMINUTE=30", duration: 1h"#,
            ),
            ("2026-10-24T23:30:00Z", "2026-10-25T12:00:00Z"),
            &[("2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z")],
        ),
        (
            "New York fall back: 00:30-02:30 local spans the repeated hour and lasts 3 hours",
            one_rule(
                "America/New_York",
                r#"rrule: "FREQ=DAILY;BYHOUR=0;BYMINUTE=30", duration: 2h"#,
            ),
            ("2026-11-01T00:00:00Z", "2026-11-01T12:00:00Z"),
            &[("2026-11-01T04:30:00Z", "2026-11-01T07:30:00Z")],
        ),
        (
            "a one-off freeze in Berlin from a skipped time: read with the winter offset",
            one_rule(
                "Europe/Berlin",
                "start: 2026-03-29T02:30, end: 2026-03-29T06:00",
            ),
            ("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z"),
            &[("2026-03-29T01:30:00Z", "2026-03-29T04:00:00Z")],
        ),
        (
            "a one-off time with an offset is converted to the rule's zone",
            one_rule(
                "Europe/Berlin",
                "start: 2026-06-01T10:00Z, end: 2026-06-01T12:00-04:00",
            ),
            ("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z"),
            &[("2026-06-01T10:00:00Z", "2026-06-01T16:00:00Z")],
        ),
    ];
    for (name, text, (from, to), expected) in cases {
        let calendar = valid(text);
        let occurrences = calendar.occurrences(ms(from), ms(to));
        let expected: Vec<Interval> = expected
            .iter()
            .map(|(start, end)| Interval {
                start: ms(start),
                end: ms(end),
            })
            .collect();
        assert_eq!(occurrences.per_rule[0], expected, "{name}");
    }
}

#[test]
fn decisions() {
    let scoped = format!("{}{SCOPED}", EXAMPLE.replace("capacity:", "# capacity:"));
    let long_freeze = "timezone: Europe/Berlin\nrules:\n  \
        - { name: summer, kind: freeze, start: 2026-07-01, end: 2026-09-30T18:00 }\n";
    let freeze_then_window = format!(
        "{long_freeze}  - {{ name: thursdays, kind: activation, rrule: \"FREQ=WEEKLY;BYDAY=TH;BYHOUR=9\", duration: 1h }}\n"
    );
    let payments = target("payments", Tier::Critical, "eu-west-1");
    let critical = target("shop", Tier::Critical, "eu-west-1");
    let cases: Vec<DecisionCase> = vec![
        (
            "a 09:00 Berlin weekly window opens at 08:00Z in winter",
            EXAMPLE,
            "2026-01-05T08:00:00Z",
            eu(),
            true,
            &["weekday-mornings"],
            Some("2026-01-05T08:00:00Z"),
        ),
        (
            "and at 07:00Z in summer",
            EXAMPLE,
            "2026-07-06T07:00:00Z",
            eu(),
            true,
            &["weekday-mornings"],
            Some("2026-07-06T07:00:00Z"),
        ),
        (
            "before the summer window: it opens at 07:00Z",
            EXAMPLE,
            "2026-07-06T06:59:00Z",
            eu(),
            false,
            &["weekday-mornings"],
            Some("2026-07-06T07:00:00Z"),
        ),
        (
            "a window closes at its end (half-open): Thursday 14:00 waits for Monday",
            EXAMPLE,
            "2026-07-09T12:00:00Z",
            eu(),
            false,
            &["weekday-mornings"],
            Some("2026-07-13T07:00:00Z"),
        ),
        (
            "deny beats allow: the year-end freeze inside a weekday morning",
            EXAMPLE,
            "2026-12-21T09:00:00Z",
            eu(),
            false,
            &["year-end"],
            Some("2027-01-04T08:00:00Z"),
        ),
        (
            "a freeze across the new year: New Year's Eve waits for the first morning after it",
            EXAMPLE,
            "2026-12-31T08:00:00Z",
            eu(),
            false,
            &["year-end"],
            Some("2027-01-04T08:00:00Z"),
        ),
        (
            "a freeze starts at its local start: a minute before, nothing applies",
            long_freeze,
            "2026-06-30T21:59:00Z",
            eu(),
            true,
            &[],
            Some("2026-06-30T21:59:00Z"),
        ),
        (
            "and at its start it is in force",
            long_freeze,
            "2026-06-30T22:00:00Z",
            eu(),
            false,
            &["summer"],
            Some("2026-09-30T16:00:00Z"),
        ),
        (
            "a region's window replaces the global one for that region",
            EXAMPLE,
            "2026-06-08T08:00:00Z",
            target("shop", Tier::Standard, "us-east-1"),
            false,
            &["us-hours"],
            Some("2026-06-08T14:00:00Z"),
        ),
        (
            "and not for other regions",
            EXAMPLE,
            "2026-06-08T08:00:00Z",
            eu(),
            true,
            &["weekday-mornings"],
            Some("2026-06-08T08:00:00Z"),
        ),
        (
            "a team's window replaces the tier's and the global ones for that team",
            &scoped,
            "2026-06-09T08:30:00Z",
            payments.clone(),
            false,
            &["payments-fridays"],
            Some("2026-06-12T11:00:00Z"),
        ),
        (
            "inside the team's window",
            &scoped,
            "2026-06-12T11:30:00Z",
            payments.clone(),
            true,
            &["payments-fridays"],
            Some("2026-06-12T11:30:00Z"),
        ),
        (
            "a tier's window replaces the global one for that tier",
            &scoped,
            "2026-06-08T08:30:00Z",
            critical.clone(),
            false,
            &["critical-tuesdays"],
            Some("2026-06-09T08:00:00Z"),
        ),
        (
            "a tier's freeze stops that tier",
            &scoped,
            "2026-08-04T08:30:00Z",
            critical.clone(),
            false,
            &["critical-summer"],
            Some("2026-08-18T08:00:00Z"),
        ),
        (
            "and not another tier",
            &scoped,
            "2026-08-04T08:30:00Z",
            eu(),
            true,
            &["weekday-mornings"],
            Some("2026-08-04T08:30:00Z"),
        ),
        (
            "next_allowed at the end of a long freeze with no window",
            long_freeze,
            "2026-07-15T12:00:00Z",
            eu(),
            false,
            &["summer"],
            Some("2026-09-30T16:00:00Z"),
        ),
        (
            "at the end of a long freeze the next window",
            &freeze_then_window,
            "2026-07-01T00:00:00Z",
            eu(),
            false,
            &["summer"],
            Some("2026-10-01T07:00:00Z"),
        ),
        (
            "no rule applies: allowed",
            long_freeze,
            "2026-10-01T00:00:00Z",
            eu(),
            true,
            &[],
            Some("2026-10-01T00:00:00Z"),
        ),
    ];
    for (name, text, at, target, allowed, rules, next) in cases {
        let calendar = valid(text);
        let decision = calendar.check(ms(at), &target);
        assert_eq!(decision.allowed, allowed, "{name}: {decision:?}");
        assert_eq!(decision.rules, rules, "{name}: {decision:?}");
        assert_eq!(
            decision.next_allowed.map(rfc3339),
            next.map(str::to_string),
            "{name}: {}",
            decision.reason
        );
        assert!(!decision.reason.is_empty(), "{name}");
    }
}

/// `count` rules written by `rule(i)`, as a calendar.
fn rules(count: usize, rule: impl Fn(usize) -> String) -> String {
    let mut text = String::from("rules:\n");
    for i in 0..count {
        text.push_str(&format!("  - {}\n", rule(i)));
    }
    text
}

fn field(path: &str) -> PlanLocation {
    PlanLocation::field(path)
}

#[test]
fn bad_input_gives_every_problem_at_its_field() {
    let weekly = r#"rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9", duration: 1h"#;
    let rule = |body: &str| format!("rules:\n  - {{ name: r, kind: activation, {body} }}\n");
    let mornings = |body: &str| rule(&format!("{weekly}, {body}"));
    let duration = |text: &str| rule(&format!(r#"rrule: "FREQ=DAILY", duration: "{text}""#));
    let capacity = |text: &str| format!("capacity: {{ concurrent_services: {text} }}\n");
    let cases: Vec<BadCase> = vec![
        (
            "unknown calendar zone, with the closest names",
            "timezone: Europe/Berln\n".to_string(),
            vec![("UNKNOWN_TIMEZONE", field("timezone"))],
            "did you mean Europe/Berlin?",
        ),
        (
            "a zone by its city",
            "timezone: new york\n".to_string(),
            vec![("UNKNOWN_TIMEZONE", field("timezone"))],
            "America/New_York",
        ),
        (
            "unknown rule zone",
            mornings("timezone: Mars/Olympus"),
            vec![("UNKNOWN_TIMEZONE", field("rules[0].timezone"))],
            "IANA",
        ),
        (
            "invalid RRULE: the rrule crate's message",
            rule(r#"rrule: "FREQ=WEEKLY;BYHOUR=25", duration: 1h"#),
            vec![("INVALID_RRULE", field("rules[0].rrule"))],
            "BYHOUR",
        ),
        (
            "seconds are not windows",
            rule(r#"rrule: "FREQ=DAILY;BYHOUR=9;BYSECOND=0,30", duration: 1h"#),
            vec![("INVALID_RRULE", field("rules[0].rrule"))],
            "BYSECOND",
        ),
        (
            "a window every minute of every hour is refused before anything expands it",
            rule(&format!(
                r#"rrule: "FREQ=MONTHLY;BYHOUR={};BYMINUTE={}", duration: 1m"#,
                (0..24).map(|h| h.to_string()).collect::<Vec<_>>().join(","),
                (0..60).map(|m| m.to_string()).collect::<Vec<_>>().join(",")
            )),
            vec![("TOO_FREQUENT", field("rules[0].rrule"))],
            "1440 windows a day",
        ),
        (
            "a rule name with a line break (it would break the iCalendar feed)",
            "rules:\n  - { name: \"a\\nb\", kind: freeze, start: 2026-12-18, end: 2026-12-19 }\n"
                .to_string(),
            vec![("INVALID_NAME", field("rules[0].name"))],
            "control characters",
        ),
        (
            "a scope of more than 1,000 services",
            rule(&format!(
                "{weekly}, services: [{}]",
                (0..1001).map(|i| format!("s{i}")).collect::<Vec<_>>().join(", ")
            )),
            vec![("TOO_MANY_ENTRIES", field("rules[0].services"))],
            "limit is 1000",
        ),
        (
            "not an RRULE at all",
            rule(r#"rrule: "every monday", duration: 1h"#),
            vec![("INVALID_RRULE", field("rules[0].rrule"))],
            "not a valid RFC 5545 RRULE",
        ),
        (
            "hourly recurrences are not windows",
            rule(r#"rrule: "RRULE:FREQ=HOURLY;INTERVAL=4", duration: 1h"#),
            vec![("UNSUPPORTED_FREQUENCY", field("rules[0].rrule"))],
            "use FREQ=DAILY with BYHOUR",
        ),
        (
            "a start that is not a time",
            mornings("start: next monday"),
            vec![("INVALID_TIME", field("rules[0].start"))],
            "YYYY-MM-DDTHH:MM",
        ),
        (
            "a day that does not exist",
            rule("start: 2026-02-30T10:00, end: 2026-03-02"),
            vec![("INVALID_TIME", field("rules[0].start"))],
            "is not a time",
        ),
        (
            "end before start",
            rule("start: 2026-05-02T10:00, end: 2026-05-01T10:00"),
            vec![("END_BEFORE_START", field("rules[0].end"))],
            "end must be later",
        ),
        (
            "end equal to start",
            rule("start: 2026-05-02T10:00, end: 2026-05-02T10:00:00"),
            vec![("END_BEFORE_START", field("rules[0].end"))],
            "not after it starts",
        ),
        (
            "end before start on the time line: 03:00 is before the skipped 02:30",
            format!(
                "timezone: Europe/Berlin\n{}",
                rule("start: 2026-03-29T02:30, end: 2026-03-29T03:00")
            ),
            vec![("END_BEFORE_START", field("rules[0].end"))],
            "end must be later",
        ),
        (
            "zero duration",
            duration("0m"),
            vec![("INVALID_DURATION", field("rules[0].duration"))],
            "zero length",
        ),
        (
            "negative duration",
            duration("-5h"),
            vec![("INVALID_DURATION", field("rules[0].duration"))],
            "negative",
        ),
        (
            "not a duration",
            duration("long"),
            vec![("INVALID_DURATION", field("rules[0].duration"))],
            "like 5h, 90m or 1h30m",
        ),
        (
            "a duration in seconds",
            duration("90s"),
            vec![("INVALID_DURATION", field("rules[0].duration"))],
            "whole minutes",
        ),
        (
            "over 31 days",
            duration("32d"),
            vec![("INVALID_DURATION", field("rules[0].duration"))],
            "longer than 31 days",
        ),
        (
            "a huge number of hours does not overflow",
            duration("99999999999999999h"),
            vec![("INVALID_DURATION", field("rules[0].duration"))],
            "not a duration",
        ),
        (
            "missing name, kind and duration",
            "rules:\n  - { rrule: FREQ=DAILY }\n".to_string(),
            vec![
                ("MISSING_FIELD", field("rules[0].name")),
                ("MISSING_FIELD", field("rules[0].kind")),
                ("MISSING_FIELD", field("rules[0].duration")),
            ],
            "duration: 5h",
        ),
        (
            "a one-off rule without its end",
            rule("start: 2026-05-02T10:00"),
            vec![("MISSING_FIELD", field("rules[0].end"))],
            "end is missing",
        ),
        (
            "rrule with an end",
            mornings("end: 2026-05-02T10:00"),
            vec![("CONFLICTING_FIELDS", field("rules[0].end"))],
            "remove end",
        ),
        (
            "neither rrule nor start and end",
            "rules:\n  - { name: r, kind: freeze }\n".to_string(),
            vec![("CONFLICTING_FIELDS", field("rules[0]"))],
            "either rrule and duration",
        ),
        (
            "a one-off rule with a duration",
            rule("start: 2026-05-02T10:00, end: 2026-05-03, duration: 1h"),
            vec![("CONFLICTING_FIELDS", field("rules[0].duration"))],
            "remove duration",
        ),
        (
            "unknown kind",
            format!("rules:\n  - {{ name: r, kind: blackout, {weekly} }}\n"),
            vec![("UNKNOWN_KIND", field("rules[0].kind"))],
            "activation, monitoring, evaluation or freeze",
        ),
        (
            "unknown tier, at its index",
            mornings("tiers: [critical, gold]"),
            vec![("UNKNOWN_TIER", field("rules[0].tiers[1]"))],
            "'gold'",
        ),
        (
            "duplicate rule names",
            rules(3, |i| {
                format!(
                    "{{ name: {}, kind: freeze, start: 2026-05-01, end: 2026-05-02 }}",
                    ["a", "b", "a"][i]
                )
            }),
            vec![("DUPLICATE_RULE", field("rules[2].name"))],
            "rules[0] is already named 'a'",
        ),
        (
            "a name over 80 characters",
            format!(
                "rules:\n  - {{ name: {}, kind: activation, {weekly} }}\n",
                "n".repeat(81)
            ),
            vec![("INVALID_NAME", field("rules[0].name"))],
            "longer than 80",
        ),
        (
            "a recurrence that never occurs: February 30th",
            rule(r#"rrule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", duration: 1h"#),
            vec![("NEVER_OCCURS", field("rules[0].rrule"))],
            "never opens",
        ),
        (
            "a recurrence that ended before its start",
            rule(r#"rrule: "FREQ=DAILY;COUNT=0", duration: 1h, start: 2026-01-01"#),
            vec![("NEVER_OCCURS", field("rules[0].rrule"))],
            "10 years after 2026-01-01T00:00",
        ),
        (
            "too many rules: one problem",
            rules(MAX_RULES + 1, |i| format!("{{ name: r{i}, kind: nope }}")),
            vec![("TOO_MANY_RULES", field("rules"))],
            "the limit is 1000",
        ),
        (
            "capacity zero",
            capacity("0"),
            vec![("INVALID_CAPACITY", field("capacity.concurrent_services"))],
            "from 1 up",
        ),
        (
            "capacity negative",
            capacity("-2"),
            vec![("INVALID_CAPACITY", field("capacity.concurrent_services"))],
            "is -2",
        ),
        (
            "capacity not a number",
            "capacity: { per_team_per_day: lots, per_region_per_day: 1.5 }\n".to_string(),
            vec![
                ("INVALID_CAPACITY", field("capacity.per_team_per_day")),
                ("INVALID_CAPACITY", field("capacity.per_region_per_day")),
            ],
            "'lots'",
        ),
        (
            "every bad value of a rule at once",
            "timezone: Nowhere\nrules:\n  - { name: r, kind: sometimes, rrule: \"FREQ=SECONDLY\", \
             duration: 0m, end: 2026-01-01, tiers: [top] }\n"
                .to_string(),
            vec![
                ("UNKNOWN_TIMEZONE", field("timezone")),
                ("UNKNOWN_KIND", field("rules[0].kind")),
                ("CONFLICTING_FIELDS", field("rules[0].end")),
                ("INVALID_DURATION", field("rules[0].duration")),
                ("UNSUPPORTED_FREQUENCY", field("rules[0].rrule")),
                ("UNKNOWN_TIER", field("rules[0].tiers[0]")),
            ],
            "FREQ=SECONDLY",
        ),
        (
            "an unknown field is a syntax error with its line",
            "rules:\n  - { name: r, kind: freeze, start: 2026-01-01, end: 2026-01-02, colour: red }\n"
                .to_string(),
            vec![("YAML_SYNTAX", PlanLocation::Text { line: 2, column: 66 })],
            "colour",
        ),
        (
            "nesting deeper than the YAML guard allows",
            format!("rules: {}{}\n", "[".repeat(200), "]".repeat(200)),
            vec![("TOO_DEEP", PlanLocation::Text { line: 1, column: 135 })],
            "nested deeper",
        ),
    ];
    for (name, text, expected, phrase) in cases {
        let loaded = document::load(&text);
        check_problems(name, &loaded, &expected);
        assert!(
            loaded.problems.iter().any(|p| p.message.contains(phrase)),
            "{name}: no message says '{phrase}': {:#?}",
            loaded.problems
        );
    }
}

fn check_problems(name: &str, loaded: &LoadedCalendar, expected: &[Problem]) {
    let got: Vec<(&str, PlanLocation)> = loaded
        .problems
        .iter()
        .map(|p| {
            assert!(p.is_error(), "{name}: {p}");
            (p.code.as_str(), p.location.clone())
        })
        .collect();
    assert_eq!(got, expected, "{name}: {:#?}", loaded.problems);
    assert!(!loaded.is_ok(), "{name}");
    assert_eq!(loaded.calendar, None, "{name}: nothing is kept");
}

#[test]
fn a_10_mb_calendar_is_refused_quickly() {
    let rule = "  - { name: r, kind: freeze, start: 2026-01-01, end: 2026-01-02 }\n";
    let text = format!(
        "rules:\n{}",
        rule.repeat(MAX_CALENDAR_BYTES / rule.len() + 1)
    );
    let started = Instant::now();
    let loaded = document::load(&text);
    let took = started.elapsed();
    check_problems("10 MB", &loaded, &[("TOO_LARGE", PlanLocation::Plan)]);
    assert!(loaded.problems[0].message.contains("the limit is 10 MB"));
    assert!(took < Duration::from_millis(50), "took {took:?}");
}

#[test]
fn never_occurring_rules_are_found_without_hanging() {
    let impossible = |i: usize| {
        let rrule = [
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31",
            "FREQ=DAILY;BYMONTH=11;BYMONTHDAY=31",
        ][i % 3];
        format!("{{ name: r{i}, kind: activation, rrule: \"{rrule}\", duration: 1h }}")
    };
    let started = Instant::now();
    let loaded = document::load(&rules(MAX_RULES, impossible));
    let took = started.elapsed();
    let expected: Vec<Problem> = (0..MAX_NEVER_OCCURS)
        .map(|i| ("NEVER_OCCURS", field(&format!("rules[{i}].rrule"))))
        .collect();
    check_problems("a thousand impossible rules", &loaded, &expected);
    // Debug builds: about 0.5 s per impossible rule searched.
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn problems_past_the_cap_are_counted_in_one() {
    let text = rules(600, |i| {
        format!("{{ name: r{i}, kind: nope, start: soon }}")
    });
    let loaded = document::load(&text);
    assert_eq!(loaded.problems.len(), MAX_PROBLEMS + 1);
    let last = loaded.problems.last().expect("problems");
    assert_eq!(last.code, TOO_MANY_PROBLEMS);
    assert!(last.message.starts_with("800 more problems"), "{last}");
}

#[test]
fn the_issue_example_round_trips() {
    let calendar = valid(EXAMPLE);
    assert_eq!(calendar.rules.len(), 3);
    assert_eq!(calendar.capacity.per_team_per_day, Some(2));
    assert_eq!(calendar.capacity.concurrent_services, Some(5));
    let text = document::to_yaml(&calendar);
    assert!(text.contains("start: 2026-12-18T17:00\n"), "{text}");
    assert!(text.contains("duration: 5h\n"), "{text}");
    assert!(text.contains("timezone: America/New_York\n"), "{text}");
    assert_eq!(document::load(&text).calendar, Some(calendar.clone()));
    let file = document::CalendarFile::from(&calendar);
    assert_eq!(document::from_file(file).calendar, Some(calendar));
}

#[test]
fn empty_and_default_calendars() {
    for text in ["", "# no rules yet\n", "rules: []\n"] {
        assert_eq!(valid(text), Calendar::default(), "{text:?}");
    }
    let everything = Calendar::default().check(ms("2026-01-01T00:00:00Z"), &eu());
    assert!(everything.allowed);
    // A day-long window whose rules come from the editor's form fields.
    let file = document::CalendarFile {
        rules: vec![document::RuleEntry {
            name: Some("all-day".to_string()),
            kind: Some("evaluation".to_string()),
            rrule: Some("FREQ=DAILY".to_string()),
            duration: Some("24h".to_string()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let calendar = document::from_file(file).calendar.expect("valid");
    let day = calendar.occurrences(ms("2026-01-01T00:00:00Z"), ms("2026-01-02T00:00:00Z"));
    assert_eq!(day.per_rule[0][0].end - day.per_rule[0][0].start, DAY);
    assert_eq!(day.per_rule[0].len(), 1);
}

/// Monthly and yearly rules are expanded from a start moved forward by whole years: a rule
/// counted from 1970 has exactly the windows of the same rule counted from 2025.
#[test]
fn a_rule_counted_from_long_ago_has_the_windows_of_the_same_rule_counted_from_last_year() {
    let from = 1_798_761_600_000; // 2027-01-01T00:00:00Z
    for rrule in [
        "FREQ=MONTHLY;BYMONTHDAY=-2",
        "FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9,15",
        "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24",
        "FREQ=DAILY;BYHOUR=9",
    ] {
        let windows = |start: &str| {
            let text = format!(
                "timezone: Europe/Berlin\nrules:\n  - {{ name: r, kind: freeze, rrule: \"{rrule}\", duration: 3h, start: {start} }}\n"
            );
            let loaded = breakwater_domain::calendar::document::load(&text);
            let calendar = loaded
                .calendar
                .unwrap_or_else(|| panic!("{:?}", loaded.problems));
            calendar.rules[0].intervals(from, from + 400 * 86_400_000)
        };
        let old = windows("1970-01-01T00:00");
        assert!(!old.is_empty(), "{rrule}");
        assert_eq!(old, windows("2025-01-01T00:00"), "{rrule}");
    }
}
