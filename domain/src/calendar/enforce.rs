//! The calendar as the executor obeys it: a run's next events that grow exposure wait for every
//! placement they touch to be allowed, and a stage waits to start while it would break the
//! calendar's capacity; rolling back, pausing and aborting never wait.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveTime;

use super::{local, resolve, when_words, Calendar, Decision, Interval, Millis, Target};
use crate::catalog::{Catalog, Service, Tier};
use crate::run::{steps_requested, EventKind, RunPlan, RunState};

/// Whether `kinds` (what a command or the executor would append to the run in `state`) need
/// the calendar at `now` at all: they grow exposure and no break-glass override is in force.
/// Pausing, aborting and rolling back never do, so nothing about the calendar (not even failing
/// to read it) can hold them.
pub fn asks(run: &RunPlan, state: &RunState, kinds: &[EventKind], now: Millis) -> bool {
    let overridden = state
        .calendar_override
        .as_ref()
        .is_some_and(|o| o.in_force(now));
    !overridden && !steps_requested(run, state, kinds).is_empty()
}

/// Whether `kinds` must wait at `now`: `None` when they do not [`asks`] the calendar or it
/// allows every placement they grow; otherwise the decision that holds them, with when they
/// can go.
pub fn hold(
    calendar: &Calendar,
    catalog: &Catalog,
    run: &RunPlan,
    state: &RunState,
    kinds: &[EventKind],
    now: Millis,
) -> Option<Decision> {
    if !asks(run, state, kinds, now) {
        return None;
    }
    let mut targets: Vec<Target> = steps_requested(run, state, kinds)
        .into_iter()
        .flat_map(|step| {
            let region = step.region.as_deref();
            match catalog.services.iter().find(|s| s.id == step.service) {
                Some(service) => Target::touched(service, region),
                // A service gone from the catalog: its team and tier are unknown, so rules
                // scoped to a team or another tier do not reach it.
                None => Target::touched(&unknown(&step.service), region),
            }
        })
        .collect();
    targets.sort();
    targets.dedup();
    let decision = calendar.check_all(now, &targets);
    (!decision.allowed).then_some(decision)
}

fn unknown(id: &str) -> Service {
    Service {
        id: id.to_string(),
        name: id.to_string(),
        owner: String::new(),
        tier: Tier::Standard,
        regions: Vec::new(),
        version: String::new(),
        provides: Vec::new(),
        depends_on: Vec::new(),
    }
}

/// What runs use of the calendar's capacity at a moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InUse {
    /// Services whose stage is under way in another active run.
    pub changing: BTreeSet<String>,
    /// Services that started a stage today (the calendar's local day), in any run.
    pub started_today: BTreeSet<String>,
}

/// The calendar's local day `now` is in: from its midnight to the next.
pub fn today(calendar: &Calendar, now: Millis) -> Interval {
    let date = local(calendar.timezone, now).date();
    let midnight = |d: chrono::NaiveDate| resolve(calendar.timezone, d.and_time(NaiveTime::MIN));
    Interval {
        start: midnight(date),
        end: midnight(date + chrono::Duration::days(1)),
    }
}

/// The services whose stage `kinds` start (a stage's first step requested).
pub fn stage_starts<'r>(run: &'r RunPlan, kinds: &[EventKind]) -> Vec<&'r str> {
    kinds
        .iter()
        .filter_map(|kind| match *kind {
            EventKind::StepRequested { stage, step: 0, .. } => run.plan.stages.get(stage),
            _ => None,
        })
        .flat_map(|stage| stage.services.iter().map(String::as_str))
        .collect()
}

/// Whether the stages `kinds` start would break the calendar's capacity, given what is in use:
/// services of one team (or in one region) starting today, and services changing at once. The
/// decision says which limit; a daily limit opens at the next local midnight, the concurrency
/// limit when another stage finishes (`next_allowed` unknown). A stage larger than a limit on
/// its own is not held by it (it could never start): the schedule reports it.
pub fn capacity_hold(
    calendar: &Calendar,
    catalog: &Catalog,
    run: &RunPlan,
    kinds: &[EventKind],
    now: Millis,
    in_use: &InUse,
) -> Option<Decision> {
    let starting: BTreeSet<&str> = stage_starts(run, kinds).into_iter().collect();
    if starting.is_empty() {
        return None;
    }
    let capacity = calendar.capacity;
    let service = |id: &str| catalog.services.iter().find(|s| s.id == id);
    let held = |reason: String, next_allowed: Option<Millis>| Decision {
        allowed: false,
        rules: vec!["capacity".to_string()],
        next_allowed,
        reason,
    };
    let tomorrow = Some(today(calendar, now).end);
    let opens = || {
        format!(
            "opens {}",
            when_words(calendar.timezone, today(calendar, now).end, now)
        )
    };
    let daily = |limit: Option<u32>, label: &str, of: &dyn Fn(&str) -> Vec<String>| {
        let limit = usize::try_from(limit?).unwrap_or(usize::MAX);
        let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for id in &in_use.started_today {
            for key in of(id) {
                counts.entry(key).or_default().0 += 1;
            }
        }
        for id in &starting {
            for key in of(id) {
                counts.entry(key).or_default().1 += 1;
            }
        }
        counts.into_iter().find_map(|(key, (today, now_starting))| {
            (today > 0 && today + now_starting > limit && now_starting <= limit).then(|| {
                held(
                    format!(
                        "{label} {key} has started {today} service(s) today and the calendar \
                         allows {limit} a day; {}",
                        opens()
                    ),
                    tomorrow,
                )
            })
        })
    };
    let team = |id: &str| service(id).map(|s| s.owner.clone()).into_iter().collect();
    let regions = |id: &str| service(id).map_or_else(Vec::new, |s| s.regions.clone());
    if let Some(decision) = daily(capacity.per_team_per_day, "team", &team) {
        return Some(decision);
    }
    if let Some(decision) = daily(capacity.per_region_per_day, "region", &regions) {
        return Some(decision);
    }
    let limit = usize::try_from(capacity.concurrent_services?).unwrap_or(usize::MAX);
    let others = in_use
        .changing
        .iter()
        .filter(|s| !starting.contains(s.as_str()))
        .count();
    (others > 0 && others + starting.len() > limit && starting.len() <= limit).then(|| {
        held(
            format!(
                "{others} service(s) are changing in other runs and the calendar allows {limit} \
                 at once; this stage waits for one to finish"
            ),
            None,
        )
    })
}
