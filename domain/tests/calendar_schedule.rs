//! The plan scheduler: table tests of each rule of placement (windows, freezes, regions,
//! monitoring, evaluation, capacity, conflicts, the horizon) and properties over generated
//! calendars and plans (no step starts where activation is closed or frozen, stages follow the
//! stages they depend on, the same input gives the same schedule).

use std::time::{Duration, Instant};

use breakwater_domain::calendar::schedule::{
    schedule, Progress, Rollout, Schedule, CAPACITY_EXCEEDED, SERVICE_OVERLAP, UNSCHEDULABLE,
};
use breakwater_domain::calendar::{
    Calendar, Capacity, Interval, Millis, Recurrence, Rule, RuleKind, Scope, Target, When, HORIZON,
};
use breakwater_domain::catalog::{Catalog, Service, Tier};
use breakwater_domain::plan::{FailureAction, Stage, Step, TierCounts};
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use proptest::prelude::*;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const REGIONS: [&str; 3] = ["eu-west-1", "us-east-1", "ap-south-1"];

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("a test time")
}

/// `2026-03-02T09:00` read as UTC.
fn at(text: &str) -> Millis {
    local(text).and_utc().timestamp_millis()
}

fn recurring(name: &str, kind: RuleKind, rrule: &str, minutes: u32, scope: Scope) -> Rule {
    Rule {
        name: name.to_string(),
        kind,
        when: When::Recurring(Recurrence {
            rrule: rrule.to_string(),
            start: Recurrence::default_start(),
            duration_minutes: minutes,
        }),
        timezone: Tz::UTC,
        scope,
    }
}

fn once(name: &str, kind: RuleKind, start: &str, end: &str) -> Rule {
    Rule {
        name: name.to_string(),
        kind,
        when: When::Once {
            start: local(start),
            end: local(end),
        },
        timezone: Tz::UTC,
        scope: Scope::default(),
    }
}

fn in_regions(regions: &[&str]) -> Scope {
    Scope {
        regions: regions.iter().map(|r| r.to_string()).collect(),
        ..Scope::default()
    }
}

/// Weekdays 09:00-17:00 UTC.
fn weekdays() -> Rule {
    recurring(
        "weekdays",
        RuleKind::Activation,
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        8 * 60,
        Scope::default(),
    )
}

fn calendar(rules: Vec<Rule>) -> Calendar {
    Calendar {
        rules,
        ..Calendar::default()
    }
}

fn service(id: &str, owner: &str, regions: &[&str]) -> Service {
    Service {
        id: id.to_string(),
        name: id.to_string(),
        owner: owner.to_string(),
        tier: Tier::Standard,
        regions: regions.iter().map(|r| r.to_string()).collect(),
        version: "1.0.0".to_string(),
        provides: Vec::new(),
        depends_on: Vec::new(),
    }
}

fn catalog(services: Vec<Service>) -> Catalog {
    Catalog { services }
}

/// A stage of `(service, region, percent, bake seconds)` plan steps, services in order of
/// their first step.
fn stage(index: usize, steps: &[(&str, Option<&str>, u8, u64)]) -> Stage {
    let mut services: Vec<String> = Vec::new();
    for (id, ..) in steps {
        if !services.iter().any(|s| s == id) {
            services.push(id.to_string());
        }
    }
    Stage {
        index,
        rollback_order: services.iter().rev().cloned().collect(),
        services,
        steps: steps
            .iter()
            .map(|&(id, region, percent, bake_secs)| Step {
                service: id.to_string(),
                region: region.map(str::to_string),
                percent,
                bake_secs,
                gates: Vec::new(),
            })
            .collect(),
        gates: Vec::new(),
        on_failure: FailureAction::Pause,
        blast_radius: Vec::new(),
        blast_by_tier: TierCounts::default(),
        estimated_secs: 0,
        coordinated: false,
        explanations: Vec::new(),
    }
}

fn rollout<'a>(plan: &'a str, stages: &'a [Stage], from: Millis) -> Rollout<'a> {
    Rollout {
        plan,
        revision: 1,
        stages,
        from,
        progress: None,
    }
}

/// Each plan's stage activations.
fn activations(schedule: &Schedule) -> Vec<Vec<Millis>> {
    schedule
        .plans
        .iter()
        .map(|p| p.stages.iter().map(|s| s.activation).collect())
        .collect()
}

#[test]
fn a_stage_waits_for_the_weekday_window() {
    let cal = calendar(vec![weekdays()]);
    let cat = catalog(vec![service("payment", "payments", &[])]);
    let stages = [stage(1, &[("payment", None, 100, HOUR)])];
    // Saturday noon: the window next opens on Monday at 09:00.
    let from = at("2026-02-28T12:00");
    let out = schedule(&cal, &cat, &[rollout("p", &stages, from)], from);
    let slot = &out.plans[0].stages[0];
    assert_eq!(slot.activation, at("2026-03-02T09:00"));
    assert_eq!(slot.steps[0].bake_until, at("2026-03-02T10:00"));
    assert_eq!(
        slot.monitoring,
        Interval {
            start: at("2026-03-02T09:00"),
            end: at("2026-03-02T10:00")
        }
    );
    assert!(out.conflicts.is_empty(), "{:?}", out.conflicts);
}

#[test]
fn steps_wait_for_the_window_between_them() {
    let cal = calendar(vec![weekdays()]);
    let cat = catalog(vec![service("payment", "payments", &[])]);
    // 5% bakes 6h from 15:00 (past the window's end at 17:00); the 100% step waits for Tuesday.
    let stages = [stage(
        1,
        &[("payment", None, 5, 6 * HOUR), ("payment", None, 100, 0)],
    )];
    let from = at("2026-03-02T15:00");
    let out = schedule(&cal, &cat, &[rollout("p", &stages, from)], from);
    let steps = &out.plans[0].stages[0].steps;
    assert_eq!(steps[0].start, at("2026-03-02T15:00"));
    assert_eq!(steps[0].bake_until, at("2026-03-02T21:00"));
    assert_eq!(steps[1].start, at("2026-03-03T09:00"));
}

#[test]
fn a_freeze_pushes_a_stage_past_it() {
    let freeze = once(
        "release-freeze",
        RuleKind::Freeze,
        "2026-03-02T00:00",
        "2026-03-04T12:00",
    );
    let cal = calendar(vec![weekdays(), freeze]);
    let cat = catalog(vec![service("payment", "payments", &[])]);
    let stages = [stage(1, &[("payment", None, 100, HOUR)])];
    let from = at("2026-03-02T08:00");
    let out = schedule(&cal, &cat, &[rollout("p", &stages, from)], from);
    // The freeze ends on Wednesday at 12:00, inside that day's window.
    assert_eq!(activations(&out), vec![vec![at("2026-03-04T12:00")]]);
}

#[test]
fn a_region_window_replaces_the_general_one_for_that_region() {
    let us_hours = recurring(
        "us-hours",
        RuleKind::Activation,
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=14;BYMINUTE=0;BYSECOND=0",
        8 * 60,
        in_regions(&["us-east-1"]),
    );
    let cal = calendar(vec![weekdays(), us_hours]);
    let cat = catalog(vec![service(
        "payment",
        "payments",
        &["eu-west-1", "us-east-1"],
    )]);
    let stages = [stage(
        1,
        &[
            ("payment", Some("eu-west-1"), 100, 2 * HOUR),
            ("payment", Some("us-east-1"), 100, HOUR),
        ],
    )];
    let from = at("2026-03-02T08:00");
    let out = schedule(&cal, &cat, &[rollout("p", &stages, from)], from);
    let slot = &out.plans[0].stages[0];
    let regions: Vec<(Option<&str>, Millis, Interval)> = slot
        .regions
        .iter()
        .map(|r| (r.region.as_deref(), r.activation, r.monitoring))
        .collect();
    let span = |start: &str, end: &str| Interval {
        start: at(start),
        end: at(end),
    };
    assert_eq!(
        regions,
        vec![
            (
                Some("eu-west-1"),
                at("2026-03-02T09:00"),
                span("2026-03-02T09:00", "2026-03-02T11:00")
            ),
            // eu is done at 11:00; the US window opens at 14:00.
            (
                Some("us-east-1"),
                at("2026-03-02T14:00"),
                span("2026-03-02T14:00", "2026-03-02T15:00")
            ),
        ]
    );
    assert_eq!(
        slot.monitoring,
        span("2026-03-02T09:00", "2026-03-02T15:00")
    );
}

#[test]
fn a_long_bake_waits_for_a_monitoring_window_it_fits_in() {
    let watch = recurring(
        "on-call-day",
        RuleKind::Monitoring,
        "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        8 * 60,
        Scope::default(),
    );
    let cal = calendar(vec![watch]);
    let cat = catalog(vec![service("payment", "payments", &[])]);
    let stages = [stage(
        1,
        &[("payment", None, 5, HOUR), ("payment", None, 100, 4 * HOUR)],
    )];
    // The 1h bake fits today (14:00-15:00); the 4h one would end at 19:00, after 17:00.
    let from = at("2026-03-02T14:00");
    let out = schedule(&cal, &cat, &[rollout("p", &stages, from)], from);
    let steps = &out.plans[0].stages[0].steps;
    assert_eq!(steps[0].start, at("2026-03-02T14:00"));
    assert_eq!(steps[1].start, at("2026-03-03T09:00"));
    assert_eq!(steps[1].bake_until, at("2026-03-03T13:00"));
}

#[test]
fn the_next_stage_starts_at_the_evaluation_point() {
    let review = recurring(
        "daily-review",
        RuleKind::Evaluation,
        "FREQ=DAILY;BYHOUR=16;BYMINUTE=0;BYSECOND=0",
        30,
        Scope::default(),
    );
    let cal = calendar(vec![weekdays(), review]);
    let cat = catalog(vec![
        service("payment", "payments", &[]),
        service("checkout", "shop", &[]),
    ]);
    let stages = [
        stage(1, &[("payment", None, 100, HOUR)]),
        stage(2, &[("checkout", None, 100, HOUR)]),
    ];
    let from = at("2026-03-02T09:00");
    let out = schedule(&cal, &cat, &[rollout("p", &stages, from)], from);
    let slots = &out.plans[0].stages;
    assert_eq!(slots[0].monitoring.end, at("2026-03-02T10:00"));
    assert_eq!(slots[0].evaluation, at("2026-03-02T16:00"));
    assert_eq!(slots[1].activation, at("2026-03-02T16:00"));
    // Stage 2's bake ends at 17:00, after today's review: its go / no-go is tomorrow's.
    assert_eq!(slots[1].evaluation, at("2026-03-03T16:00"));
}

#[test]
fn a_team_at_its_daily_limit_moves_the_third_service_to_the_next_day() {
    let mut cal = calendar(vec![weekdays()]);
    cal.capacity = Capacity {
        per_team_per_day: Some(2),
        ..Capacity::default()
    };
    let cat = catalog(vec![
        service("ledger", "payments", &[]),
        service("payment", "payments", &[]),
        service("refunds", "payments", &[]),
        service("search", "discovery", &[]),
    ]);
    let plans: Vec<(&str, [Stage; 1])> = ["ledger", "payment", "refunds", "search"]
        .into_iter()
        .map(|id| (id, [stage(1, &[(id, None, 100, HOUR)])]))
        .collect();
    let from = at("2026-03-02T09:00");
    let rollouts: Vec<Rollout> = plans
        .iter()
        .map(|(id, stages)| rollout(id, stages, from))
        .collect();
    let out = schedule(&cal, &cat, &rollouts, from);
    let monday = at("2026-03-02T09:00");
    assert_eq!(
        activations(&out),
        vec![
            vec![monday],
            vec![monday],
            vec![at("2026-03-03T09:00")],
            // Another team: unaffected.
            vec![monday],
        ]
    );
}

#[test]
fn a_region_at_its_daily_limit_moves_the_stage() {
    let mut cal = calendar(Vec::new());
    cal.capacity = Capacity {
        per_region_per_day: Some(1),
        ..Capacity::default()
    };
    let cat = catalog(vec![
        service("payment", "payments", &["eu-west-1"]),
        service("search", "discovery", &["eu-west-1", "us-east-1"]),
    ]);
    let first = [stage(1, &[("payment", Some("eu-west-1"), 100, HOUR)])];
    let second = [stage(
        1,
        &[
            ("search", Some("us-east-1"), 100, HOUR),
            ("search", Some("eu-west-1"), 100, HOUR),
        ],
    )];
    let from = at("2026-03-02T09:00");
    let out = schedule(
        &cal,
        &cat,
        &[rollout("a", &first, from), rollout("b", &second, from)],
        from,
    );
    // search's eu-west-1 step would start on Monday, when eu-west-1 already had its one.
    assert_eq!(
        activations(&out),
        vec![vec![from], vec![at("2026-03-03T00:00")]]
    );
}

#[test]
fn concurrency_makes_a_stage_wait_for_another_to_end() {
    let mut cal = calendar(Vec::new());
    cal.capacity = Capacity {
        concurrent_services: Some(2),
        ..Capacity::default()
    };
    let cat = catalog(vec![
        service("payment", "payments", &[]),
        service("ledger", "payments", &[]),
        service("search", "discovery", &[]),
    ]);
    let wide = [stage(
        1,
        &[
            ("payment", None, 100, 2 * HOUR),
            ("ledger", None, 100, HOUR),
        ],
    )];
    let narrow = [stage(1, &[("search", None, 100, HOUR)])];
    let from = at("2026-03-02T09:00");
    let out = schedule(
        &cal,
        &cat,
        &[rollout("a", &wide, from), rollout("b", &narrow, from)],
        from,
    );
    // The wide stage's two services change together until 11:00 (the longest bake).
    assert_eq!(
        activations(&out),
        vec![vec![from], vec![at("2026-03-02T11:00")]]
    );
    assert!(out.conflicts.is_empty(), "{:?}", out.conflicts);
}

#[test]
fn a_stage_over_the_concurrency_limit_on_its_own_is_scheduled_and_reported() {
    let mut cal = calendar(Vec::new());
    cal.capacity = Capacity {
        concurrent_services: Some(1),
        ..Capacity::default()
    };
    let cat = catalog(vec![
        service("payment", "payments", &[]),
        service("ledger", "payments", &[]),
    ]);
    let stages = [stage(
        1,
        &[("payment", None, 100, HOUR), ("ledger", None, 100, HOUR)],
    )];
    let from = at("2026-03-02T09:00");
    let out = schedule(&cal, &cat, &[rollout("a", &stages, from)], from);
    let slot = &out.plans[0].stages[0];
    assert_eq!(slot.activation, from);
    assert_eq!(slot.conflicts, vec![0]);
    assert_eq!(out.conflicts[0].code, CAPACITY_EXCEEDED);
    assert_eq!(out.conflicts[0].services, vec!["payment", "ledger"]);
    assert!(
        out.conflicts[0].message.contains("concurrent_services (1)"),
        "{}",
        out.conflicts[0].message
    );
}

#[test]
fn two_plans_changing_one_service_at_once_conflict_without_moving() {
    let cal = calendar(Vec::new());
    let cat = catalog(vec![
        service("payment", "payments", &[]),
        service("search", "discovery", &[]),
    ]);
    let a = [stage(1, &[("payment", None, 100, 2 * HOUR)])];
    let b = [
        stage(1, &[("search", None, 100, HOUR)]),
        stage(2, &[("payment", None, 100, HOUR)]),
    ];
    let from = at("2026-03-02T09:00");
    let out = schedule(
        &cal,
        &cat,
        &[rollout("a", &a, from), rollout("b", &b, from)],
        from,
    );
    assert_eq!(
        activations(&out),
        vec![vec![from], vec![from, at("2026-03-02T10:00")]]
    );
    assert_eq!(out.conflicts.len(), 1, "{:?}", out.conflicts);
    let conflict = &out.conflicts[0];
    assert_eq!(conflict.code, SERVICE_OVERLAP);
    assert_eq!(conflict.plans, vec!["a", "b"]);
    assert_eq!(conflict.services, vec!["payment"]);
    assert_eq!(out.plans[0].stages[0].conflicts, vec![0]);
    assert_eq!(out.plans[1].stages[0].conflicts, Vec::<usize>::new());
    assert_eq!(out.plans[1].stages[1].conflicts, vec![0]);
}

#[test]
fn stages_that_only_touch_end_to_start_do_not_conflict() {
    let cal = calendar(Vec::new());
    let cat = catalog(vec![service("payment", "payments", &[])]);
    let stages = [stage(1, &[("payment", None, 100, HOUR)])];
    let from = at("2026-03-02T09:00");
    let later = at("2026-03-02T10:00");
    let out = schedule(
        &cal,
        &cat,
        &[rollout("a", &stages, from), rollout("b", &stages, later)],
        from,
    );
    assert!(out.conflicts.is_empty(), "{:?}", out.conflicts);
}

#[test]
fn a_calendar_that_never_opens_leaves_the_plan_unscheduled_quickly() {
    let long_ago = once(
        "long-ago",
        RuleKind::Activation,
        "2020-01-06T09:00",
        "2020-01-06T17:00",
    );
    let forever = once(
        "forever",
        RuleKind::Freeze,
        "2020-01-01T00:00",
        "2099-01-01T00:00",
    );
    let cat = catalog(vec![service("payment", "payments", &["eu-west-1"])]);
    let stages = [
        stage(1, &[("payment", Some("eu-west-1"), 100, HOUR)]),
        stage(2, &[("payment", Some("eu-west-1"), 100, HOUR)]),
    ];
    let from = at("2026-03-02T09:00");
    for cal in [
        calendar(vec![long_ago]),
        calendar(vec![weekdays(), forever]),
    ] {
        let started = Instant::now();
        let out = schedule(&cal, &cat, &[rollout("a", &stages, from)], from);
        assert!(started.elapsed() < Duration::from_secs(2));
        let plan = &out.plans[0];
        assert!(plan.stages.is_empty());
        let reason = plan.unscheduled.as_deref().expect("a reason");
        assert!(
            reason.starts_with("stage 1 cannot be placed before")
                && reason.contains("activation is open for payment in eu-west-1"),
            "{reason}"
        );
        assert_eq!(out.conflicts.len(), 1);
        assert_eq!(out.conflicts[0].code, UNSCHEDULABLE);
        assert_eq!(out.conflicts[0].plans, vec!["a"]);
    }
}

#[test]
fn capacity_pushing_a_stage_out_of_its_only_window_is_named_as_the_reason() {
    let only = once(
        "only-monday",
        RuleKind::Activation,
        "2026-03-02T09:00",
        "2026-03-02T17:00",
    );
    let mut cal = calendar(vec![only]);
    cal.capacity.per_team_per_day = Some(1);
    let cat = catalog(vec![
        service("ledger", "payments", &[]),
        service("payment", "payments", &[]),
    ]);
    let a = [stage(1, &[("ledger", None, 100, HOUR)])];
    let b = [stage(1, &[("payment", None, 100, HOUR)])];
    let from = at("2026-03-02T09:00");
    let out = schedule(
        &cal,
        &cat,
        &[rollout("a", &a, from), rollout("b", &b, from)],
        from,
    );
    assert_eq!(out.plans[0].stages.len(), 1);
    let reason = out.plans[1].unscheduled.as_deref().expect("a reason");
    assert!(reason.contains("hold the capacity"), "{reason}");
}

#[test]
fn a_bake_longer_than_any_monitoring_window_is_unschedulable() {
    let watch = recurring(
        "on-call-day",
        RuleKind::Monitoring,
        "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0",
        8 * 60,
        Scope::default(),
    );
    let cat = catalog(vec![service("payment", "payments", &[])]);
    let stages = [
        stage(1, &[("payment", None, 100, HOUR)]),
        stage(2, &[("payment", None, 100, 9 * HOUR)]),
    ];
    let from = at("2026-03-02T09:00");
    let out = schedule(
        &calendar(vec![watch]),
        &cat,
        &[rollout("a", &stages, from)],
        from,
    );
    let plan = &out.plans[0];
    assert_eq!(plan.stages.len(), 1, "stage 1 is placed, stage 2 is not");
    let reason = plan.unscheduled.as_deref().expect("a reason");
    assert!(
        reason.starts_with("stage 2 ") && reason.contains("9h bake"),
        "{reason}"
    );
}

#[test]
fn a_service_missing_from_the_catalog_stops_the_plan_with_the_reason() {
    let cat = catalog(Vec::new());
    let stages = [stage(1, &[("payment", None, 100, HOUR)])];
    let from = at("2026-03-02T09:00");
    let out = schedule(
        &calendar(Vec::new()),
        &cat,
        &[rollout("a", &stages, from)],
        from,
    );
    assert_eq!(
        out.plans[0].unscheduled.as_deref(),
        Some("stage 1 changes payment, which is not in the catalog")
    );
    assert_eq!(out.conflicts[0].code, UNSCHEDULABLE);
}

#[test]
fn a_run_under_way_keeps_its_current_stage_start() {
    let cal = calendar(vec![weekdays()]);
    let cat = catalog(vec![
        service("payment", "payments", &[]),
        service("checkout", "shop", &[]),
        service("search", "discovery", &[]),
    ]);
    let stages = [
        stage(1, &[("search", None, 100, HOUR)]),
        stage(
            2,
            &[("payment", None, 5, HOUR), ("payment", None, 100, HOUR)],
        ),
        stage(3, &[("checkout", None, 100, HOUR)]),
    ];
    // Stage 2 started on Monday at 16:30; the schedule is asked at 17:00 (the window closed).
    let started = at("2026-03-02T16:30");
    let now = at("2026-03-02T17:00");
    let run = Rollout {
        progress: Some(Progress {
            stage: 1,
            stage_started_at: started,
        }),
        ..rollout("a", &stages, now)
    };
    let out = schedule(&cal, &cat, &[run], now);
    let slots = &out.plans[0].stages;
    assert_eq!(
        slots.iter().map(|s| s.stage).collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert_eq!(slots[0].activation, started);
    // Its 100% step waits for Tuesday's window; stage 3 follows.
    assert_eq!(slots[0].steps[1].start, at("2026-03-03T09:00"));
    assert_eq!(slots[1].activation, at("2026-03-03T10:00"));
}

#[test]
fn windows_follow_local_time_across_the_spring_forward() {
    // Berlin mornings at 09:00 local: 08:00 UTC in winter, 07:00 UTC from 29 March 2026.
    let mut mornings = weekdays();
    mornings.timezone = chrono_tz::Europe::Berlin;
    let cal = Calendar {
        timezone: chrono_tz::Europe::Berlin,
        ..calendar(vec![mornings])
    };
    let cat = catalog(vec![service("payment", "payments", &[])]);
    let stages = [stage(1, &[("payment", None, 100, HOUR)])];
    let winter = at("2026-03-27T12:00");
    let summer = at("2026-03-31T12:00");
    let out = schedule(
        &cal,
        &cat,
        &[rollout("a", &stages, winter), rollout("b", &stages, summer)],
        winter,
    );
    assert_eq!(
        activations(&out),
        vec![vec![at("2026-03-27T12:00")], vec![at("2026-03-31T12:00")]]
    );
    let out = schedule(
        &cal,
        &cat,
        &[
            rollout("a", &stages, at("2026-03-27T17:00")),
            rollout("b", &stages, at("2026-03-31T17:00")),
        ],
        winter,
    );
    assert_eq!(
        activations(&out),
        vec![vec![at("2026-03-30T07:00")], vec![at("2026-04-01T07:00")]]
    );
}

#[test]
fn the_calendar_file_of_the_issue_schedules_around_the_year_end_freeze() {
    let loaded = breakwater_domain::calendar::document::load(
        r#"
timezone: Europe/Berlin
rules:
  - { name: weekday-mornings, kind: activation, rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH;BYHOUR=9;BYMINUTE=0", duration: 5h }
  - { name: us-hours, kind: activation, rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH;BYHOUR=10", duration: 6h,
      timezone: America/New_York, regions: [us-east-1] }
  - { name: year-end, kind: freeze, start: 2026-12-18T17:00, end: 2027-01-04T08:00 }
capacity: { per_team_per_day: 2, concurrent_services: 5 }
"#,
    );
    let cal = loaded.calendar.expect("the issue's example loads");
    let cat = catalog(vec![
        service("payment", "payments", &["eu-west-1", "us-east-1"]),
        service("checkout", "shop", &["eu-west-1"]),
    ]);
    let stages = [
        stage(
            1,
            &[
                ("payment", Some("eu-west-1"), 100, HOUR),
                ("payment", Some("us-east-1"), 100, HOUR),
            ],
        ),
        stage(2, &[("checkout", Some("eu-west-1"), 100, HOUR)]),
    ];
    // Thursday 17 December, 13:00 in Berlin: inside the mornings window.
    let from = at("2026-12-17T12:00");
    let out = schedule(&cal, &cat, &[rollout("a", &stages, from)], from);
    let slots = &out.plans[0].stages;
    let starts: Vec<Millis> = slots
        .iter()
        .flat_map(|s| &s.steps)
        .map(|s| s.start)
        .collect();
    assert_eq!(
        starts,
        vec![
            from,
            // 10:00 in New York.
            at("2026-12-17T15:00"),
            // Friday is no window day and the freeze runs to 4 January: Monday 09:00 in Berlin.
            at("2027-01-04T08:00"),
        ]
    );
}

// ---- Properties ----

/// The steps of step `j` of a stage: each service's `j`-th plan step.
fn step_group(stage: &Stage, j: usize) -> Vec<&Step> {
    stage
        .services
        .iter()
        .filter_map(|id| stage.steps.iter().filter(|s| &s.service == id).nth(j))
        .collect()
}

const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

prop_compose! {
    fn window(kind: RuleKind, name: &'static str)(
        days in proptest::sample::subsequence(DAYS.to_vec(), 1..=7),
        hour in 0u32..24,
        hours in 1u32..12,
        region in proptest::option::of(0usize..3),
    ) -> Rule {
        let scope = region.map_or_else(Scope::default, |r| in_regions(&[REGIONS[r]]));
        recurring(
            name,
            kind,
            &format!("FREQ=WEEKLY;BYDAY={};BYHOUR={hour};BYMINUTE=0;BYSECOND=0", days.join(",")),
            hours * 60,
            scope,
        )
    }
}

prop_compose! {
    fn freeze()(
        day in 0i64..60,
        hour in 0i64..24,
        hours in 1i64..96,
        region in proptest::option::of(0usize..3),
    ) -> Rule {
        let start = local("2026-03-02T00:00") + chrono::Duration::hours(day * 24 + hour);
        let mut rule = Rule {
            name: format!("freeze-{day}"),
            kind: RuleKind::Freeze,
            when: When::Once { start, end: start + chrono::Duration::hours(hours) },
            timezone: Tz::UTC,
            scope: Scope::default(),
        };
        if let Some(r) = region {
            rule.scope = in_regions(&[REGIONS[r]]);
        }
        rule
    }
}

prop_compose! {
    fn a_calendar()(
        activation in proptest::collection::vec(window(RuleKind::Activation, "open"), 0..3),
        monitoring in proptest::collection::vec(window(RuleKind::Monitoring, "watch"), 0..2),
        evaluation in proptest::collection::vec(window(RuleKind::Evaluation, "review"), 0..2),
        freezes in proptest::collection::vec(freeze(), 0..3),
        team in proptest::option::of(1u32..4),
        region in proptest::option::of(1u32..4),
        concurrent in proptest::option::of(1u32..6),
    ) -> Calendar {
        Calendar {
            timezone: Tz::UTC,
            rules: [activation, monitoring, evaluation, freezes].concat(),
            capacity: Capacity {
                per_team_per_day: team,
                per_region_per_day: region,
                concurrent_services: concurrent,
            },
        }
    }
}

/// Six services over two teams, each in one to three regions.
fn the_catalog() -> Catalog {
    catalog(
        (0..6)
            .map(|i| {
                let regions = &REGIONS[..1 + i % 3];
                service(&format!("svc-{i}"), ["red", "blue"][i % 2], regions)
            })
            .collect(),
    )
}

prop_compose! {
    /// A stage of one to three catalog services, each going region by region through its
    /// percents, with bakes from minutes to hours.
    fn a_stage(index: usize)(
        picked in proptest::sample::subsequence((0..6usize).collect::<Vec<_>>(), 1..=3),
        percents in proptest::sample::select(vec![vec![100u8], vec![5, 100], vec![1, 25, 100]]),
        bakes in proptest::collection::vec(0u64..5 * 3600, 3),
    ) -> Stage {
        let mut steps = Vec::new();
        for &i in &picked {
            let id = format!("svc-{i}");
            for region in &REGIONS[..1 + i % 3] {
                for (k, &percent) in percents.iter().enumerate() {
                    steps.push((id.clone(), *region, percent, bakes[k] / 60 * 60));
                }
            }
        }
        let steps: Vec<(&str, Option<&str>, u8, u64)> =
            steps.iter().map(|(id, r, p, b)| (id.as_str(), Some(*r), *p, *b)).collect();
        stage(index, &steps)
    }
}

fn a_plan() -> impl Strategy<Value = Vec<Stage>> {
    (1usize..4).prop_flat_map(|n| (1..=n).map(a_stage).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn placements_obey_the_calendar_and_the_order_of_stages(
        cal in a_calendar(),
        plans in proptest::collection::vec((a_plan(), 0i64..7 * 24), 1..4),
    ) {
        let cat = the_catalog();
        let from = at("2026-03-02T00:00");
        let names: Vec<String> = (0..plans.len()).map(|i| format!("plan-{i}")).collect();
        let rollouts: Vec<Rollout> = plans
            .iter()
            .zip(&names)
            .map(|((stages, hours), name)| rollout(name, stages, from + hours * 3_600_000))
            .collect();
        let out = schedule(&cal, &cat, &rollouts, from);
        let occurrences = cal.occurrences(from, from + HORIZON);
        let freezes: Vec<(&Rule, Vec<Interval>)> = cal
            .rules
            .iter()
            .filter(|r| r.kind == RuleKind::Freeze)
            .map(|r| (r, r.intervals(from, from + HORIZON)))
            .collect();
        for (plan, rollout) in out.plans.iter().zip(&rollouts) {
            prop_assert!(plan.stages.len() == rollout.stages.len() || plan.unscheduled.is_some());
            let mut ready = rollout.from;
            for slot in &plan.stages {
                prop_assert!(slot.activation >= ready, "stage {} starts before {}", slot.stage, ready);
                prop_assert!(slot.evaluation >= slot.monitoring.end);
                ready = slot.evaluation;
                let stage = &rollout.stages[slot.stage - 1];
                let mut after = slot.activation;
                for (j, step) in slot.steps.iter().enumerate() {
                    prop_assert!(step.start >= after);
                    after = step.bake_until;
                    for planned in step_group(stage, j) {
                        let service = cat.service(&planned.service).expect("a catalog service");
                        let target = Target::of(service, planned.region.as_deref());
                        let decision = occurrences.decide(step.start, &target);
                        prop_assert!(decision.allowed, "{} at {}: {}", target.service, step.start, decision.reason);
                        for (rule, intervals) in &freezes {
                            prop_assert!(
                                !rule.scope.applies(&target) || !intervals.iter().any(|i| i.contains(step.start)),
                                "{} starts inside {}", target.service, rule.name
                            );
                        }
                        if step.bake_until > step.start {
                            let watched = occurrences.open(RuleKind::Monitoring, &target);
                            prop_assert_eq!(watched.next_fit(step.start, step.bake_until - step.start), Some(step.start));
                        }
                    }
                }
            }
        }
        let again = schedule(&cal, &cat, &rollouts, from);
        prop_assert_eq!(
            serde_json::to_string(&out).expect("a schedule serializes"),
            serde_json::to_string(&again).expect("a schedule serializes")
        );
    }
}
