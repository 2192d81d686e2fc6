//! Properties of the calendar on random calendars (up to five weekly, daily or one-off rules,
//! activation windows and freezes, in zones with and without DST, some scoped to a region, a
//! team or a tier) and random times in 2026:
//! 1. `check(t).next_allowed` is allowed, and no instant between `t` and it is: checked at 50
//!    evenly spread instants and at every rule boundary in between (and just before each),
//!    against an oracle written from the rules' intervals and the documented semantics;
//! 2. the same question gives the same answer;
//! 3. `load(&to_yaml(c))` gives `c` back.

use breakwater_domain::calendar::document;
use breakwater_domain::calendar::{
    Calendar, Millis, Occurrences, Recurrence, Rule, RuleKind, Scope, Target, When, HORIZON, MINUTE,
};
use breakwater_domain::catalog::Tier;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use proptest::prelude::*;

const ZONES: [Tz; 4] = [
    Tz::UTC,
    Tz::Europe__Berlin,
    Tz::America__New_York,
    // Half-hour DST: clocks move by 30 minutes.
    Tz::Australia__Lord_Howe,
];
const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const TIERS: [Tier; 3] = [Tier::Critical, Tier::Standard, Tier::Low];
/// 2026-01-01T00:00Z.
const YEAR_START: Millis = 1_767_225_600_000;

fn day(offset: i64) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 1)
        .expect("a date")
        .and_hms_opt(0, 0, 0)
        .expect("a time")
        + Duration::days(offset)
}

fn when() -> impl Strategy<Value = When> {
    prop_oneof![
        // Weekly on some days at hour:minute, maybe every other week, maybe from a start.
        (
            prop::collection::btree_set(0..7usize, 1..4),
            0..24u32,
            prop_oneof![Just(0u32), Just(30)],
            1..3u32,
            30..720u32,
            prop::option::of(0..60i64),
        )
            .prop_map(|(days, hour, minute, interval, minutes, start)| {
                let days: Vec<&str> = days.into_iter().map(|d| DAYS[d]).collect();
                When::Recurring(Recurrence {
                    rrule: format!(
                        "FREQ=WEEKLY;INTERVAL={interval};BYDAY={};BYHOUR={hour};BYMINUTE={minute}",
                        days.join(",")
                    ),
                    start: start.map_or_else(Recurrence::default_start, |d| day(d - 60)),
                    duration_minutes: minutes,
                })
            }),
        // Daily at some hours.
        (prop::collection::btree_set(0..24u32, 1..3), 15..300u32).prop_map(|(hours, minutes)| {
            let hours: Vec<String> = hours.into_iter().map(|h| h.to_string()).collect();
            When::Recurring(Recurrence {
                rrule: format!("FREQ=DAILY;BYHOUR={}", hours.join(",")),
                start: Recurrence::default_start(),
                duration_minutes: minutes,
            })
        }),
        // One-off, starting in daytime (never in a DST gap) and lasting at least 3 hours.
        (0..400i64, 8..18i64, 3..24 * 40i64).prop_map(|(offset, hour, hours)| {
            let start = day(offset) + Duration::hours(hour);
            When::Once {
                start,
                end: start + Duration::hours(hours),
            }
        }),
    ]
}

fn scope() -> impl Strategy<Value = Scope> {
    let pick = |items: &'static [&'static str]| {
        prop::sample::subsequence(items, 0..=1)
            .prop_map(|items| items.into_iter().map(str::to_string).collect::<Vec<_>>())
    };
    (
        pick(&["checkout", "ledger"]),
        pick(&["payments", "shop"]),
        prop::sample::subsequence(TIERS.to_vec(), 0..=1),
        pick(&["eu-west-1", "us-east-1"]),
    )
        .prop_map(|(services, teams, tiers, regions)| Scope {
            services,
            teams,
            tiers,
            regions,
        })
}

fn rule() -> impl Strategy<Value = (RuleKind, When, Tz, Scope, bool)> {
    (
        prop_oneof![
            3 => Just(RuleKind::Activation),
            2 => Just(RuleKind::Freeze),
            1 => Just(RuleKind::Monitoring),
        ],
        when(),
        prop::sample::select(ZONES.to_vec()),
        scope(),
        // Most rules apply to everything: scopes narrow the few that do not.
        prop::bool::weighted(0.6),
    )
}

fn calendar() -> impl Strategy<Value = Calendar> {
    (
        prop::sample::select(ZONES.to_vec()),
        prop::collection::vec(rule(), 0..6),
        prop::option::of(1..10u32),
    )
        .prop_map(|(timezone, rules, per_team)| Calendar {
            timezone,
            rules: rules
                .into_iter()
                .enumerate()
                .map(|(i, (kind, when, zone, scope, everywhere))| Rule {
                    name: format!("{}-{i}", kind.as_str()),
                    kind,
                    when,
                    timezone: zone,
                    scope: if everywhere { Scope::default() } else { scope },
                })
                .collect(),
            capacity: breakwater_domain::calendar::Capacity {
                per_team_per_day: per_team,
                ..Default::default()
            },
        })
}

fn target() -> impl Strategy<Value = Target> {
    (
        prop::sample::select(vec!["checkout", "ledger", "search"]),
        prop::sample::select(vec!["payments", "shop"]),
        prop::sample::select(TIERS.to_vec()),
        prop::sample::select(vec!["eu-west-1", "us-east-1", "ap-south-1"]),
    )
        .prop_map(|(service, team, tier, region)| Target {
            service: service.to_string(),
            team: team.to_string(),
            tier,
            regions: vec![region.to_string()],
        })
}

/// Whether `target` may activate at `at`, from the rules' intervals and the documented
/// semantics: no freeze that applies is in force, and of the activation rules that apply, the
/// narrowest-scoped ones are none or one of them is open.
fn allowed(occurrences: &Occurrences, target: &Target, at: Millis) -> bool {
    let rules = &occurrences.calendar.rules;
    let open = |i: usize| occurrences.per_rule[i].iter().any(|w| w.contains(at));
    let applying = |kind: RuleKind| {
        (0..rules.len()).filter(move |&i| rules[i].kind == kind && rules[i].scope.applies(target))
    };
    if applying(RuleKind::Freeze).any(open) {
        return false;
    }
    let narrowest = applying(RuleKind::Activation)
        .map(|i| rules[i].scope.specificity())
        .max();
    match narrowest {
        None => true,
        Some(narrowest) => applying(RuleKind::Activation)
            .filter(|&i| rules[i].scope.specificity() == narrowest)
            .any(open),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn next_allowed_is_the_first_allowed_time(
        calendar in calendar(),
        target in target(),
        minutes in 0..400 * 24 * 60i64,
    ) {
        let at = YEAR_START + minutes * MINUTE;
        let decision = calendar.check(at, &target);
        // The end of what must be closed: the next allowed time, or the horizon.
        let until = decision.next_allowed.unwrap_or(at + HORIZON);
        prop_assert!(until >= at);
        prop_assert_eq!(decision.allowed, decision.next_allowed == Some(at));
        if let Some(next) = decision.next_allowed {
            let there = calendar.check(next, &target);
            prop_assert!(there.allowed, "{:?} then {:?}", decision, there);
            prop_assert_eq!(there.next_allowed, Some(next));
        }
        let occurrences = calendar.occurrences(at, at + HORIZON);
        if let Some(next) = decision.next_allowed {
            prop_assert!(allowed(&occurrences, &target, next), "oracle disagrees at {}", next);
        }
        let boundaries = occurrences
            .per_rule
            .iter()
            .flatten()
            .flat_map(|w| [w.start - 1, w.start, w.end - 1, w.end]);
        let spread = (0..50).map(|k| at + (until - at) * k / 50);
        for instant in spread.chain(boundaries).filter(|&t| at <= t && t < until) {
            prop_assert!(
                !allowed(&occurrences, &target, instant),
                "{} is allowed, before next_allowed {:?}",
                instant,
                decision
            );
        }
    }

    #[test]
    fn decisions_are_deterministic(
        calendar in calendar(),
        target in target(),
        minutes in 0..400 * 24 * 60i64,
    ) {
        let at = YEAR_START + minutes * MINUTE;
        let first = calendar.check(at, &target);
        prop_assert_eq!(&first, &calendar.clone().check(at, &target));
        prop_assert_eq!(&first, &calendar.occurrences(at, at + HORIZON).decide(at, &target));
    }

    #[test]
    fn the_file_round_trips(calendar in calendar()) {
        let text = document::to_yaml(&calendar);
        let loaded = document::load(&text);
        prop_assert!(loaded.is_ok(), "{}\n{:#?}", text, loaded.problems);
        prop_assert_eq!(loaded.calendar, Some(calendar), "{}", text);
    }
}
