//! Calendar scheduling benchmark (plain `Instant` timing, median of several runs).
//!
//! 50 plans of 20 stages each (two to four services per stage, every service in two or three
//! regions, going through 1/5/25/100% per region with bakes of minutes to hours), starting
//! throughout one year, on a generated 240-service catalog, against a 30-rule calendar:
//! weekly activation windows in three zones (company-wide, per region, per team, per tier),
//! monitoring and evaluation windows, weekly and one-off freezes, and capacity limits. One
//! `schedule` call, occurrence expansion included. Target: < 100 ms.
//!
//! Run: `cargo bench -p breakwater-domain --bench calendar`.

use std::time::Instant;

use breakwater_domain::calendar::schedule::{schedule, Rollout, Schedule};
use breakwater_domain::calendar::{
    Calendar, Capacity, Millis, Recurrence, Rule, RuleKind, Scope, When, DAY,
};
use breakwater_domain::catalog::{Catalog, Service, Tier};
use breakwater_domain::plan::{FailureAction, Stage, Step, TierCounts};
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use rand::{rngs::SmallRng, Rng, SeedableRng};

const PLANS: usize = 50;
const STAGES: usize = 20;
const SERVICES: usize = 240;
const TEAMS: usize = 16;
const REGIONS: [&str; 3] = ["eu-west-1", "us-east-1", "ap-south-1"];
const PERCENTS: [u8; 4] = [1, 5, 25, 100];
/// Bakes to pick from, in minutes: minutes to hours.
const BAKES: [u64; 7] = [5, 10, 15, 30, 60, 120, 180];
const TARGET_MS: f64 = 100.0;
const RUNS: usize = 11;

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").expect("a bench time")
}

fn recurring(name: &str, kind: RuleKind, zone: Tz, rrule: &str, hours: u32, scope: Scope) -> Rule {
    Rule {
        name: name.to_string(),
        kind,
        when: When::Recurring(Recurrence {
            rrule: format!("{rrule};BYMINUTE=0;BYSECOND=0"),
            start: Recurrence::default_start(),
            duration_minutes: hours * 60,
        }),
        timezone: zone,
        scope,
    }
}

fn freeze(name: &str, start: &str, end: &str, scope: Scope) -> Rule {
    Rule {
        name: name.to_string(),
        kind: RuleKind::Freeze,
        when: When::Once {
            start: local(start),
            end: local(end),
        },
        timezone: chrono_tz::Europe::Berlin,
        scope,
    }
}

fn region(name: &str) -> Scope {
    Scope {
        regions: vec![name.to_string()],
        ..Scope::default()
    }
}

fn team(name: String) -> Scope {
    Scope {
        teams: vec![name],
        ..Scope::default()
    }
}

/// A team's own hours are for its home region: elsewhere the region's hours count.
fn team_at_home(name: String) -> Scope {
    Scope {
        teams: vec![name],
        ..region("eu-west-1")
    }
}

/// 30 rules: 12 activation windows, 6 monitoring, 4 evaluation, 8 freezes.
fn the_calendar() -> Calendar {
    use chrono_tz::{America::New_York, Asia::Kolkata, Europe::Berlin};
    use RuleKind::{Activation, Evaluation, Monitoring};
    const WEEKDAYS: &str = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR";
    const MON_THU: &str = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH";
    let every = Scope::default;
    let mut rules = vec![
        recurring(
            "eu-mornings",
            Activation,
            Berlin,
            &format!("{WEEKDAYS};BYHOUR=9"),
            5,
            every(),
        ),
        recurring(
            "eu-afternoons",
            Activation,
            Berlin,
            &format!("{MON_THU};BYHOUR=15"),
            2,
            every(),
        ),
        recurring(
            "eu-region",
            Activation,
            Berlin,
            &format!("{WEEKDAYS};BYHOUR=8"),
            8,
            region("eu-west-1"),
        ),
        recurring(
            "us-hours",
            Activation,
            New_York,
            &format!("{MON_THU};BYHOUR=10"),
            6,
            region("us-east-1"),
        ),
        recurring(
            "ap-hours",
            Activation,
            Kolkata,
            &format!("{MON_THU};BYHOUR=10"),
            6,
            region("ap-south-1"),
        ),
        recurring(
            "critical-midweek",
            Activation,
            Berlin,
            "FREQ=WEEKLY;BYDAY=TU,WE,TH;BYHOUR=10",
            4,
            Scope {
                tiers: vec![Tier::Critical],
                ..region("eu-west-1")
            },
        ),
        recurring(
            "eu-on-call",
            Monitoring,
            Berlin,
            &format!("{WEEKDAYS};BYHOUR=7"),
            13,
            every(),
        ),
        recurring(
            "us-on-call",
            Monitoring,
            New_York,
            &format!("{WEEKDAYS};BYHOUR=7"),
            13,
            region("us-east-1"),
        ),
        recurring(
            "ap-on-call",
            Monitoring,
            Kolkata,
            &format!("{WEEKDAYS};BYHOUR=7"),
            13,
            region("ap-south-1"),
        ),
        recurring(
            "weekend-watch",
            Monitoring,
            Berlin,
            "FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10",
            6,
            every(),
        ),
        recurring(
            "morning-review",
            Evaluation,
            Berlin,
            &format!("{WEEKDAYS};BYHOUR=11"),
            1,
            every(),
        ),
        recurring(
            "afternoon-review",
            Evaluation,
            Berlin,
            &format!("{WEEKDAYS};BYHOUR=16"),
            1,
            every(),
        ),
        recurring(
            "us-review",
            Evaluation,
            New_York,
            &format!("{WEEKDAYS};BYHOUR=15"),
            1,
            region("us-east-1"),
        ),
        recurring(
            "ap-review",
            Evaluation,
            Kolkata,
            &format!("{WEEKDAYS};BYHOUR=14"),
            1,
            region("ap-south-1"),
        ),
        recurring(
            "friday-afternoons",
            RuleKind::Freeze,
            Berlin,
            "FREQ=WEEKLY;BYDAY=FR;BYHOUR=13",
            11,
            every(),
        ),
        recurring(
            "month-end-close",
            RuleKind::Freeze,
            Berlin,
            "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=0",
            24,
            team("team-0".into()),
        ),
        freeze("easter", "2026-04-02T17:00", "2026-04-07T08:00", every()),
        freeze(
            "summer-event",
            "2026-06-15T00:00",
            "2026-06-19T00:00",
            every(),
        ),
        freeze(
            "black-friday",
            "2026-11-23T00:00",
            "2026-12-01T08:00",
            region("us-east-1"),
        ),
        freeze(
            "diwali",
            "2026-11-06T00:00",
            "2026-11-10T00:00",
            region("ap-south-1"),
        ),
        freeze("year-end", "2026-12-18T17:00", "2027-01-04T08:00", every()),
        freeze(
            "audit",
            "2026-09-14T00:00",
            "2026-09-16T00:00",
            team("team-3".into()),
        ),
    ];
    // Teams with their own hours (narrower than the company's, overlapping one another's, so
    // a stage mixing teams still finds a common time).
    for i in 4..12 {
        rules.push(recurring(
            &format!("team-{i}-hours"),
            Activation,
            Berlin,
            &format!("{MON_THU};BYHOUR={}", 8 + i % 3),
            6,
            team_at_home(format!("team-{i}")),
        ));
    }
    assert_eq!(rules.len(), 30);
    Calendar {
        timezone: Berlin,
        rules,
        capacity: Capacity {
            per_team_per_day: Some(8),
            per_region_per_day: Some(30),
            concurrent_services: Some(40),
        },
    }
}

fn the_catalog() -> Catalog {
    let services = (0..SERVICES)
        .map(|i| {
            let regions = if i % 3 == 0 {
                &REGIONS[..]
            } else {
                &REGIONS[..2]
            };
            Service {
                id: format!("svc-{i:03}"),
                name: format!("Service {i}"),
                owner: format!("team-{}", i % TEAMS),
                tier: [Tier::Critical, Tier::Standard, Tier::Low][i % 3],
                regions: regions.iter().map(|r| r.to_string()).collect(),
                version: "1.0.0".into(),
                provides: Vec::new(),
                depends_on: Vec::new(),
            }
        })
        .collect();
    Catalog { services }
}

/// A stage of two to four services (no service twice in one plan), each region by region
/// through 1/5/25/100%.
fn stage(rng: &mut SmallRng, catalog: &Catalog, index: usize, used: &mut Vec<usize>) -> Stage {
    let mut services = Vec::new();
    let mut steps = Vec::new();
    for _ in 0..rng.random_range(2..=4) {
        let mut pick = rng.random_range(0..SERVICES);
        while used.contains(&pick) {
            pick = (pick + 1) % SERVICES;
        }
        used.push(pick);
        let service = &catalog.services[pick];
        services.push(service.id.clone());
        for region in &service.regions {
            for percent in PERCENTS {
                steps.push(Step {
                    service: service.id.clone(),
                    region: Some(region.clone()),
                    percent,
                    bake_secs: BAKES[rng.random_range(0..BAKES.len())] * 60,
                    gates: Vec::new(),
                });
            }
        }
    }
    Stage {
        index,
        rollback_order: services.iter().rev().cloned().collect(),
        services,
        steps,
        gates: Vec::new(),
        on_failure: FailureAction::Pause,
        blast_radius: Vec::new(),
        blast_by_tier: TierCounts::default(),
        estimated_secs: 0,
        coordinated: false,
        explanations: Vec::new(),
    }
}

fn main() {
    let calendar = the_calendar();
    let catalog = the_catalog();
    let mut rng = SmallRng::seed_from_u64(9);
    let from: Millis = local("2026-01-05T00:00").and_utc().timestamp_millis();
    let plans: Vec<(String, Vec<Stage>, Millis)> = (0..PLANS)
        .map(|p| {
            let mut used = Vec::new();
            let stages = (1..=STAGES)
                .map(|i| stage(&mut rng, &catalog, i, &mut used))
                .collect();
            // Plans start throughout the year.
            let start = from + rng.random_range(0..330) * DAY;
            (format!("plan-{p:02}"), stages, start)
        })
        .collect();
    let rollouts: Vec<Rollout> = plans
        .iter()
        .map(|(name, stages, start)| Rollout {
            plan: name,
            revision: 1,
            stages,
            from: *start,
            progress: None,
        })
        .collect();

    let mut times = Vec::with_capacity(RUNS);
    let mut last: Option<Schedule> = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let out = schedule(&calendar, &catalog, &rollouts, from);
        times.push(started.elapsed().as_secs_f64() * 1e3);
        last = Some(out);
    }
    times.sort_by(f64::total_cmp);
    let median = times[RUNS / 2];
    let out = last.expect("at least one run");
    let placed: usize = out.plans.iter().map(|p| p.stages.len()).sum();
    let steps: usize = out
        .plans
        .iter()
        .flat_map(|p| &p.stages)
        .map(|s| s.steps.len())
        .sum();
    let unscheduled = out.plans.iter().filter(|p| p.unscheduled.is_some()).count();
    let codes = ["SERVICE_OVERLAP", "CAPACITY_EXCEEDED", "UNSCHEDULABLE"].map(|code| {
        format!(
            "{} {code}",
            out.conflicts.iter().filter(|c| c.code == code).count()
        )
    });
    println!(
        "schedule {PLANS} plans x {STAGES} stages against {} rules over a year: median {median:.1} ms \
         ({:.2}x the {TARGET_MS:.0} ms target{}); {placed} stages / {steps} steps placed, \
         {unscheduled} plans cut short; conflicts: {}",
        calendar.rules.len(),
        median / TARGET_MS,
        if median < TARGET_MS { ", met" } else { ", MISSED" },
        codes.join(", ")
    );
}
