//! The calendar as the executor obeys it: a run's next events that grow exposure wait for every
//! placement they touch to be allowed; rolling back, pausing and aborting never wait.

use super::{Calendar, Decision, Millis, Target};
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
