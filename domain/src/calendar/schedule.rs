//! Scheduling plans against the calendar: for each stage and region the activation slot, the
//! monitoring span covering its bakes and the go / no-go point, respecting capacity across
//! every plan, with the conflicts between plans named.
//!
//! # What a slot is
//! The schedule mirrors the executor ([`crate::run`]): step `j` of a stage is every service's
//! `j`-th plan step applied together, baking the longest of their bake times, and the next step
//! follows once the bake is served. A step starts only where activation is open for every
//! target it touches (freezes subtracted) and its whole bake fits inside the monitoring windows
//! of those targets; when it cannot start right after the previous bake it waits for the next
//! instant where both hold, as the executor waits. A stage's evaluation (go / no-go) point is
//! the first instant at or after its last bake ends where the evaluation windows of all its
//! services are open; the next stage depends on it and starts no earlier. (The executor holds
//! only what activation windows and freezes forbid; monitoring and evaluation windows are the
//! plan the schedule proposes to people.)
//!
//! # Capacity
//! Plans are placed greedily in the order given. A stage that would break a limit of
//! [`Capacity`](super::Capacity) together with the stages placed before it starts later: at the
//! next local midnight (in the calendar's zone) for the per-day limits, at the next end of an
//! overlapping stage for `concurrent_services`. A stage that breaks a limit on its own (more
//! services than the limit) can never fit: it is placed as if that limit were not there and
//! reported as `CAPACITY_EXCEEDED`.
//!
//! # Bounds
//! The calendar's occurrences are expanded once, up to [`HORIZON`] after `from`; open spans are
//! computed once per set of rules deciding them and shared by every target those rules decide
//! for, across plans. A step's start is found from its
//! targets' spans directly (the latest of their next openings, until all agree) rather than
//! from their intersection: steps rarely share a set of targets, and intersecting two years of
//! windows for each one costs more than the search.
//! A stage that cannot be placed within the horizon stops its plan with the reason
//! (`UNSCHEDULABLE`). Every wait moves forward to a window edge, a local midnight or the end of
//! a placed stage, all finitely many within the horizon, so nothing loops unboundedly.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    local, resolve, when_words, Calendar, Capacity, Interval, Millis, Occurrences, RuleKind, Spans,
    Target, HORIZON,
};
use crate::catalog::{Catalog, Service};
use crate::plan::policy::format_duration;
use crate::plan::{and_list, Stage};
use crate::run::steps_by_service;

/// Two plans change one service at overlapping times (reported; neither is moved).
pub const SERVICE_OVERLAP: &str = "SERVICE_OVERLAP";
/// A stage breaks a capacity limit on its own, so it is scheduled anyway.
pub const CAPACITY_EXCEEDED: &str = "CAPACITY_EXCEEDED";
/// A stage cannot be placed within the horizon: its plan stops there.
pub const UNSCHEDULABLE: &str = "UNSCHEDULABLE";

/// One plan to place on the calendar.
#[derive(Debug, Clone, Copy)]
pub struct Rollout<'a> {
    /// The plan's slug.
    pub plan: &'a str,
    pub revision: i64,
    pub stages: &'a [Stage],
    /// Not before this time (the plan's run start, or "now").
    pub from: Millis,
    /// A run already under way: where it is. Stages before it are done and not scheduled; the
    /// current stage keeps its start and is placed from there.
    pub progress: Option<Progress>,
}

/// Where a run under way is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The current stage, 0-based.
    pub stage: usize,
    pub stage_started_at: Millis,
}

/// Every plan's slots, and the conflicts between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// In the order of the rollouts given.
    pub plans: Vec<PlanSchedule>,
    pub conflicts: Vec<Conflict>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSchedule {
    pub plan: String,
    pub revision: i64,
    /// The stages still to run, in order, as far as they could be placed.
    pub stages: Vec<StageSlot>,
    /// Why the rest could not be placed within the horizon, if so.
    pub unscheduled: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageSlot {
    /// 1-based, as [`Stage::index`].
    pub stage: usize,
    pub services: Vec<String>,
    /// When its first step starts.
    pub activation: Millis,
    /// From its first step's start to its last bake's end.
    pub monitoring: Interval,
    /// The go / no-go point: the first evaluation-window instant at or after the monitoring end.
    pub evaluation: Millis,
    /// Per region the stage touches, in the order its steps reach them.
    pub regions: Vec<RegionSlot>,
    pub steps: Vec<StepSlot>,
    /// Indexes into [`Schedule::conflicts`].
    pub conflicts: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionSlot {
    /// `None`: services that list no regions.
    pub region: Option<String>,
    /// When the stage's first step in the region starts.
    pub activation: Millis,
    /// From that start to the end of the last bake in the region.
    pub monitoring: Interval,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSlot {
    pub start: Millis,
    pub bake_until: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// [`SERVICE_OVERLAP`], [`CAPACITY_EXCEEDED`] or [`UNSCHEDULABLE`].
    pub code: String,
    pub plans: Vec<String>,
    pub services: Vec<String>,
    pub message: String,
}

/// Places `rollouts` on `calendar` from `from` on, in the order given (earlier plans get the
/// capacity first), and names the conflicts.
pub fn schedule(
    calendar: &Calendar,
    catalog: &Catalog,
    rollouts: &[Rollout],
    from: Millis,
) -> Schedule {
    let horizon_end = from.saturating_add(HORIZON);
    // A run under way keeps its current stage's start, which may lie before `from`; its later
    // steps are placed from there, so the occurrences reach back to it (at most a horizon).
    let earliest = rollouts
        .iter()
        .filter_map(|r| r.progress.map(|p| p.stage_started_at))
        .fold(from, Millis::min)
        .max(from.saturating_sub(HORIZON));
    let services = catalog
        .services
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    let mut scheduler = Scheduler {
        occurrences: calendar.occurrences(earliest, horizon_end),
        services: &services,
        zone: calendar.timezone,
        capacity: calendar.capacity,
        from,
        horizon_end,
        targets: HashMap::new(),
        windows: Vec::new(),
        by_rules: HashMap::new(),
        spans: Vec::new(),
        booked: Booked::default(),
        conflicts: Vec::new(),
    };
    let mut plans: Vec<PlanSchedule> = rollouts.iter().map(|&r| scheduler.plan(r)).collect();
    let mut conflicts = scheduler.conflicts;
    mark_service_overlaps(&mut plans, &mut conflicts, calendar.timezone, from);
    Schedule { plans, conflicts }
}

struct Scheduler<'c> {
    occurrences: Occurrences<'c>,
    services: &'c HashMap<&'c str, &'c Service>,
    zone: Tz,
    capacity: Capacity,
    from: Millis,
    horizon_end: Millis,
    /// Every (service, region) met so far, and its id: its index in `windows`.
    targets: HashMap<(&'c str, Option<&'c str>), usize>,
    windows: Vec<Windows>,
    /// Open spans by what they are made of: the kind, its deciding rules and (for activation)
    /// the freezes that apply. Many targets share the same rules, so they share spans.
    by_rules: HashMap<(RuleKind, Vec<usize>, Vec<usize>), usize>,
    spans: Vec<Spans>,
    booked: Booked,
    conflicts: Vec<Conflict>,
}

/// A stage as the schedule sees it, worked out once before it is placed.
struct StageShape {
    /// How many services the stage changes.
    services: usize,
    steps: Vec<StepShape>,
    /// The stage's services (in all their regions): their evaluation windows decide.
    targets: Vec<usize>,
    /// How many of the stage's services each team owns, by team.
    teams: BTreeMap<String, u32>,
}

struct StepShape {
    /// What the step touches: each service in the step's region.
    targets: Vec<usize>,
    bake: Millis,
    /// The regions the step touches, in step order, without repeats.
    regions: Vec<Option<String>>,
    /// One entry per service that starts changing in a region at this step.
    region_starts: Vec<String>,
}

/// When one target may activate (freezes subtracted), is watched and may be evaluated: indexes
/// into `Scheduler::spans`.
#[derive(Clone, Copy)]
struct Windows {
    activation: usize,
    monitoring: usize,
    evaluation: usize,
}

/// The capacity a stage breaks on its own: those limits are not applied to it.
#[derive(Default)]
struct Alone {
    concurrency: bool,
    teams: Vec<String>,
    regions: Vec<String>,
}

/// What the stages placed so far hold.
#[derive(Default)]
struct Booked {
    /// Each placed stage's span (activation .. evaluation) and its number of services.
    stages: Vec<(Interval, u32)>,
    team_days: HashMap<(String, NaiveDate), u32>,
    region_days: HashMap<(String, NaiveDate), u32>,
}

/// A stage's steps and its go / no-go point, before they become a [`StageSlot`].
struct Placed {
    steps: Vec<StepSlot>,
    evaluation: Millis,
}

impl Placed {
    fn activation(&self) -> Millis {
        self.steps.first().map_or(self.evaluation, |s| s.start)
    }

    /// The stage's span for capacity and overlaps: activation .. evaluation.
    fn span(&self) -> Interval {
        Interval {
            start: self.activation(),
            end: self.evaluation,
        }
    }
}

/// Why a stage could not be placed.
enum Blocked {
    /// This step (0-based) finds no start within the horizon.
    Step(usize),
    /// No evaluation point after the last bake within the horizon.
    Evaluation(Millis),
    /// It would fit the calendar, but the capacity the stages before it hold pushed it out.
    Capacity,
}

impl<'c> Scheduler<'c> {
    fn plan(&mut self, rollout: Rollout<'c>) -> PlanSchedule {
        let mut out = PlanSchedule {
            plan: rollout.plan.to_string(),
            revision: rollout.revision,
            stages: Vec::new(),
            unscheduled: None,
        };
        let not_before = rollout.from.max(self.from);
        let first = rollout.progress.map_or(0, |p| p.stage);
        let mut at = not_before;
        for (i, stage) in rollout.stages.iter().enumerate().skip(first) {
            let started = rollout
                .progress
                .filter(|p| p.stage == i)
                .map(|p| p.stage_started_at);
            match self.stage(rollout.plan, stage, at, started) {
                Ok(slot) => {
                    at = slot.evaluation.max(not_before);
                    out.stages.push(slot);
                }
                Err(reason) => {
                    self.conflicts.push(Conflict {
                        code: UNSCHEDULABLE.to_string(),
                        plans: vec![out.plan.clone()],
                        services: stage.services.clone(),
                        message: format!("plan {}: {reason}", out.plan),
                    });
                    out.unscheduled = Some(reason);
                    break;
                }
            }
        }
        out
    }

    /// Places `stage` at `at` or later (or at `started`, for the stage a run is in), books its
    /// capacity and reports the limits it breaks on its own.
    fn stage(
        &mut self,
        plan: &str,
        stage: &'c Stage,
        at: Millis,
        started: Option<Millis>,
    ) -> Result<StageSlot, String> {
        let shape = self.shape(stage)?;
        let alone = self.alone(&shape);
        let placed = match started {
            // Already running: it holds its place, whatever the capacity.
            Some(start) => self.place(&shape, start, true),
            None => self.fit(&shape, at, &alone),
        }
        .map_err(|blocked| self.blocked_reason(stage, blocked))?;
        self.book(&shape, &placed);
        let conflicts = self.report_alone(plan, stage, &shape, &alone);
        Ok(slot(stage, &shape, placed, conflicts))
    }

    /// The stage's steps, their windows and bakes, and its teams.
    fn shape(&mut self, stage: &'c Stage) -> Result<StageShape, String> {
        let by_service = steps_by_service(stage);
        let step_count = by_service.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
        if step_count == 0 {
            return Err(format!(
                "stage {} has no steps, so it could never complete",
                stage.index
            ));
        }
        let services = self.services;
        let service = |id: &str| {
            services.get(id).copied().ok_or_else(|| {
                format!(
                    "stage {} changes {id}, which is not in the catalog",
                    stage.index
                )
            })
        };
        let mut teams = BTreeMap::new();
        let mut whole = Vec::new();
        for id in &stage.services {
            let service = service(id)?;
            *teams.entry(service.owner.clone()).or_insert(0) += 1;
            whole.push(self.target(service, None));
        }
        let mut started_in: Vec<(&str, &str)> = Vec::new();
        let mut steps = Vec::with_capacity(step_count);
        for j in 0..step_count {
            let mut targets = Vec::new();
            let mut regions = Vec::new();
            let mut region_starts = Vec::new();
            let mut bake: Millis = 0;
            for step in by_service.iter().filter_map(|(_, s)| s.get(j)) {
                let region = step.region.as_deref();
                let touched = service(&step.service)?;
                for one in Target::regions_touched(touched, region) {
                    targets.push(self.target(touched, one));
                }
                let secs = Millis::try_from(step.bake_secs).unwrap_or(Millis::MAX);
                bake = bake.max(secs.saturating_mul(1000));
                if !regions.contains(&step.region) {
                    regions.push(step.region.clone());
                }
                if let Some(region) = region {
                    if !started_in.contains(&(step.service.as_str(), region)) {
                        started_in.push((step.service.as_str(), region));
                        region_starts.push(region.to_string());
                    }
                }
            }
            steps.push(StepShape {
                targets,
                bake,
                regions,
                region_starts,
            });
        }
        Ok(StageShape {
            services: stage.services.len(),
            steps,
            targets: whole,
            teams,
        })
    }

    /// The id of `service` as a step in `region` touches it, its windows worked out once.
    fn target(&mut self, service: &'c Service, region: Option<&'c str>) -> usize {
        let next = self.windows.len();
        let id = *self.targets.entry((&service.id, region)).or_insert(next);
        if id == next {
            let target = Target::of(service, region);
            let windows = Windows {
                activation: self.open(RuleKind::Activation, &target),
                monitoring: self.open(RuleKind::Monitoring, &target),
                evaluation: self.open(RuleKind::Evaluation, &target),
            };
            self.windows.push(windows);
        }
        id
    }

    /// When `kind` is open for `target`, from the spans of the same rules if already known.
    fn open(&mut self, kind: RuleKind, target: &Target) -> usize {
        let freezes = match kind {
            RuleKind::Activation => self.occurrences.deciding(RuleKind::Freeze, target),
            _ => Vec::new(),
        };
        let key = (kind, self.occurrences.deciding(kind, target), freezes);
        if let Some(&known) = self.by_rules.get(&key) {
            return known;
        }
        self.spans.push(self.occurrences.open(kind, target));
        self.by_rules.insert(key, self.spans.len() - 1);
        self.spans.len() - 1
    }

    /// The stage's steps from `at` on (its first step exactly at `at` when it has `started`),
    /// each waiting for its windows, and its evaluation point.
    fn place(&self, shape: &StageShape, at: Millis, started: bool) -> Result<Placed, Blocked> {
        let mut steps = Vec::with_capacity(shape.steps.len());
        let mut next = at;
        for (j, step) in shape.steps.iter().enumerate() {
            let start = if started && j == 0 {
                at
            } else {
                self.step_start(step, next).ok_or(Blocked::Step(j))?
            };
            next = start.saturating_add(step.bake);
            steps.push(StepSlot {
                start,
                bake_until: next,
            });
        }
        let evaluation = self
            .common(&shape.targets, next, |w| w.evaluation)
            .ok_or(Blocked::Evaluation(next))?;
        Ok(Placed { steps, evaluation })
    }

    /// The first instant at or after `at` where the step may start and its bake fits inside
    /// the monitoring windows (an empty bake needs no one watching).
    fn step_start(&self, step: &StepShape, mut at: Millis) -> Option<Millis> {
        loop {
            let open = self.common(&step.targets, at, |w| w.activation)?;
            if step.bake == 0 {
                return Some(open);
            }
            let watched = step.targets.iter().try_fold(open, |t, &id| {
                self.spans[self.windows[id].monitoring].next_fit(t, step.bake)
            })?;
            if watched == open {
                return Some(open);
            }
            at = watched;
        }
    }

    /// The first instant at or after `at` inside the `spans` of every target. Each target's
    /// next opening is a lower bound, so moving to the latest of them skips nothing; it stops
    /// when none moves it (every move goes to a window's start, so it does stop).
    fn common(
        &self,
        targets: &[usize],
        mut at: Millis,
        spans: fn(Windows) -> usize,
    ) -> Option<Millis> {
        loop {
            let next = targets.iter().try_fold(at, |t, &id| {
                self.spans[spans(self.windows[id])].next_from(t)
            })?;
            if next == at {
                return Some(at);
            }
            at = next;
        }
    }

    /// The stage placed at `at` or later where the capacity left by the stages before it
    /// allows. Every retry moves to a later local midnight or a later end of a placed stage.
    fn fit(&self, shape: &StageShape, mut at: Millis, alone: &Alone) -> Result<Placed, Blocked> {
        let mut moved = false;
        loop {
            // Once capacity has moved the stage, running out of windows is capacity's doing.
            let placed = self.place(shape, at, false).map_err(|blocked| {
                if moved {
                    Blocked::Capacity
                } else {
                    blocked
                }
            })?;
            match self.capacity_wait(shape, &placed, alone) {
                None => return Ok(placed),
                Some(later) => at = later.max(at + 1),
            }
            moved = true;
        }
    }

    /// `None` when the placed stage fits the capacity; else the earliest time worth trying.
    fn capacity_wait(&self, shape: &StageShape, placed: &Placed, alone: &Alone) -> Option<Millis> {
        let activation = placed.activation();
        let mut wait: Option<Millis> = None;
        let mut later = |t: Millis| wait = Some(wait.map_or(t, |w| w.max(t)));
        if let Some(limit) = self.capacity.per_team_per_day {
            let day = local(self.zone, activation).date();
            let full = shape.teams.iter().any(|(team, &n)| {
                !alone.teams.contains(team)
                    && self
                        .booked
                        .team_days
                        .get(&(team.clone(), day))
                        .unwrap_or(&0)
                        + n
                        > limit
            });
            if full {
                later(next_midnight(self.zone, activation));
            }
        }
        if let Some(limit) = self.capacity.per_region_per_day {
            let full = self.region_days(shape, placed).iter().any(|(key, &n)| {
                !alone.regions.contains(&key.0)
                    && self.booked.region_days.get(key).unwrap_or(&0) + n > limit
            });
            if full {
                later(next_midnight(self.zone, activation));
            }
        }
        if let (Some(limit), false) = (self.capacity.concurrent_services, alone.concurrency) {
            let span = placed.span();
            let overlapping: Vec<&(Interval, u32)> = self
                .booked
                .stages
                .iter()
                .filter(|(s, _)| s.overlaps(&span))
                .collect();
            if peak(&overlapping, span) + count(shape.services) > limit {
                let first_end = overlapping.iter().map(|(s, _)| s.end).min();
                later(first_end.unwrap_or(activation));
            }
        }
        wait
    }

    /// How many services start changing in each region on each local day.
    fn region_days(
        &self,
        shape: &StageShape,
        placed: &Placed,
    ) -> BTreeMap<(String, NaiveDate), u32> {
        let mut days = BTreeMap::new();
        for (step, slot) in shape.steps.iter().zip(&placed.steps) {
            let day = local(self.zone, slot.start).date();
            for region in &step.region_starts {
                *days.entry((region.clone(), day)).or_insert(0) += 1;
            }
        }
        days
    }

    fn book(&mut self, shape: &StageShape, placed: &Placed) {
        let day = local(self.zone, placed.activation()).date();
        for (team, &n) in &shape.teams {
            *self
                .booked
                .team_days
                .entry((team.clone(), day))
                .or_insert(0) += n;
        }
        for (key, n) in self.region_days(shape, placed) {
            *self.booked.region_days.entry(key).or_insert(0) += n;
        }
        let services = count(shape.services);
        self.booked.stages.push((placed.span(), services));
    }

    /// The limits the stage breaks with nothing else scheduled.
    fn alone(&self, shape: &StageShape) -> Alone {
        let over = |limit: Option<u32>, n: u32| limit.is_some_and(|limit| n > limit);
        let mut regions: BTreeMap<&str, u32> = BTreeMap::new();
        for region in shape.steps.iter().flat_map(|s| &s.region_starts) {
            *regions.entry(region).or_insert(0) += 1;
        }
        Alone {
            concurrency: over(self.capacity.concurrent_services, count(shape.services)),
            teams: (shape.teams.iter())
                .filter(|(_, &n)| over(self.capacity.per_team_per_day, n))
                .map(|(team, _)| team.clone())
                .collect(),
            regions: (regions.into_iter())
                .filter(|&(_, n)| over(self.capacity.per_region_per_day, n))
                .map(|(region, _)| region.to_string())
                .collect(),
        }
    }

    /// One `CAPACITY_EXCEEDED` conflict per limit the stage breaks on its own; their indexes.
    fn report_alone(
        &mut self,
        plan: &str,
        stage: &Stage,
        shape: &StageShape,
        alone: &Alone,
    ) -> Vec<usize> {
        let capacity = self.capacity;
        let which = format!("stage {} of {plan}", stage.index);
        let mut found: Vec<(Vec<String>, String)> = Vec::new();
        if let (true, Some(limit)) = (alone.concurrency, capacity.concurrent_services) {
            found.push((
                stage.services.clone(),
                format!(
                    "{which} changes {} services at once, more than concurrent_services ({limit}) allows; it is scheduled anyway",
                    stage.services.len()
                ),
            ));
        }
        for team in &alone.teams {
            let services: Vec<String> = (stage.services.iter())
                .filter(|id| {
                    self.services
                        .get(id.as_str())
                        .is_some_and(|s| &s.owner == team)
                })
                .cloned()
                .collect();
            let message = format!(
                "{which} starts {} services of team {team} on one day, more than per_team_per_day ({}) allows; it is scheduled anyway",
                services.len(),
                capacity.per_team_per_day.unwrap_or(0)
            );
            found.push((services, message));
        }
        for region in &alone.regions {
            let starts = shape.steps.iter().flat_map(|s| &s.region_starts);
            let n = starts.filter(|r| *r == region).count();
            let services: Vec<String> = (stage.steps.iter())
                .filter(|s| s.region.as_deref() == Some(region.as_str()))
                .map(|s| s.service.clone())
                .fold(Vec::new(), |mut all, s| {
                    if !all.contains(&s) {
                        all.push(s);
                    }
                    all
                });
            found.push((
                services,
                format!(
                    "{which} starts {n} services in {region}, more than per_region_per_day ({}) allows; it is scheduled anyway",
                    capacity.per_region_per_day.unwrap_or(0)
                ),
            ));
        }
        found
            .into_iter()
            .map(|(services, message)| {
                self.conflicts.push(Conflict {
                    code: CAPACITY_EXCEEDED.to_string(),
                    plans: vec![plan.to_string()],
                    services,
                    message,
                });
                self.conflicts.len() - 1
            })
            .collect()
    }

    fn blocked_reason(&self, stage: &Stage, blocked: Blocked) -> String {
        let before = when_words(self.zone, self.horizon_end, self.from);
        let why = match blocked {
            Blocked::Step(j) => {
                let steps: Vec<_> = steps_by_service(stage)
                    .into_iter()
                    .filter_map(|(_, s)| s.get(j).copied())
                    .collect();
                let targets: Vec<String> = (steps.iter())
                    .map(|s| match &s.region {
                        Some(region) => format!("{} in {region}", s.service),
                        None => s.service.clone(),
                    })
                    .collect();
                let bake = steps.iter().map(|s| s.bake_secs).max().unwrap_or(0);
                format!(
                    "step {} finds no time when activation is open for {} and a {} bake fits inside their monitoring windows",
                    j + 1,
                    and_list(&targets),
                    format_duration(bake)
                )
            }
            Blocked::Evaluation(after) => format!(
                "no evaluation window for {} opens after its last bake ends ({})",
                and_list(&stage.services),
                when_words(self.zone, after, self.from)
            ),
            Blocked::Capacity => {
                "the stages placed before it hold the capacity (per day or at once) until then"
                    .to_string()
            }
        };
        format!(
            "stage {} cannot be placed before {before}: {why}",
            stage.index
        )
    }
}

/// The slot of a placed stage: its steps, regions and evaluation point.
fn slot(stage: &Stage, shape: &StageShape, placed: Placed, conflicts: Vec<usize>) -> StageSlot {
    let mut regions: Vec<RegionSlot> = Vec::new();
    for (step, at) in shape.steps.iter().zip(&placed.steps) {
        for region in &step.regions {
            match regions.iter_mut().find(|r| &r.region == region) {
                Some(slot) => slot.monitoring.end = slot.monitoring.end.max(at.bake_until),
                None => regions.push(RegionSlot {
                    region: region.clone(),
                    activation: at.start,
                    monitoring: Interval {
                        start: at.start,
                        end: at.bake_until,
                    },
                }),
            }
        }
    }
    let activation = placed.activation();
    StageSlot {
        stage: stage.index,
        services: stage.services.clone(),
        activation,
        monitoring: Interval {
            start: activation,
            end: placed.steps.last().map_or(activation, |s| s.bake_until),
        },
        evaluation: placed.evaluation,
        regions,
        steps: placed.steps,
        conflicts,
    }
}

/// The most services changing at one instant of `span` among `stages` (each overlapping it).
fn peak(stages: &[&(Interval, u32)], span: Interval) -> u32 {
    let mut edges: Vec<(Millis, i64)> = Vec::with_capacity(stages.len() * 2);
    for (stage, n) in stages {
        edges.push((stage.start.max(span.start), i64::from(*n)));
        edges.push((stage.end, -i64::from(*n)));
    }
    // Half-open spans: at the same instant an end comes before a start (the negative first).
    edges.sort_unstable();
    let mut load = 0;
    let mut most = 0;
    for (_, change) in edges {
        load += change;
        most = most.max(load);
    }
    u32::try_from(most).unwrap_or(u32::MAX)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The first local midnight after `at`'s day, in `zone`.
fn next_midnight(zone: Tz, at: Millis) -> Millis {
    local(zone, at)
        .date()
        .succ_opt()
        .map_or(Millis::MAX, |day| {
            resolve(zone, day.and_time(NaiveTime::MIN))
        })
}

/// A stage slot by its plan's index in the schedule and its index among the plan's slots.
type SlotAt = (usize, usize);

/// Names every pair of stages of two rollouts that change a service at overlapping times, and
/// marks it on both stages.
fn mark_service_overlaps(
    plans: &mut [PlanSchedule],
    conflicts: &mut Vec<Conflict>,
    zone: Tz,
    from: Millis,
) {
    // (rollout, stage slot) pairs by service, then the services each overlapping pair shares.
    let mut by_service: BTreeMap<&str, Vec<SlotAt>> = BTreeMap::new();
    for (p, plan) in plans.iter().enumerate() {
        for (s, stage) in plan.stages.iter().enumerate() {
            for service in &stage.services {
                by_service.entry(service).or_default().push((p, s));
            }
        }
    }
    let span = |(p, s): (usize, usize)| {
        let stage = &plans[p].stages[s];
        Interval {
            start: stage.activation,
            end: stage.evaluation,
        }
    };
    let mut pairs: BTreeMap<(SlotAt, SlotAt), Vec<String>> = BTreeMap::new();
    for (service, stages) in &by_service {
        for (i, &a) in stages.iter().enumerate() {
            for &b in &stages[i + 1..] {
                if a.0 != b.0 && span(a).overlaps(&span(b)) {
                    pairs.entry((a, b)).or_default().push(service.to_string());
                }
            }
        }
    }
    for ((a, b), services) in pairs {
        let words = |(p, s): (usize, usize)| {
            let stage = &plans[p].stages[s];
            format!(
                "{} (stage {}, {} to {})",
                plans[p].plan,
                stage.stage,
                when_words(zone, stage.activation, from),
                when_words(zone, stage.evaluation, from)
            )
        };
        let verb = if services.len() == 1 { "is" } else { "are" };
        conflicts.push(Conflict {
            code: SERVICE_OVERLAP.to_string(),
            plans: vec![plans[a.0].plan.clone(), plans[b.0].plan.clone()],
            message: format!(
                "{} {verb} changed by {} and {} at the same time",
                and_list(&services),
                words(a),
                words(b)
            ),
            services,
        });
        let index = conflicts.len() - 1;
        for (p, s) in [a, b] {
            plans[p].stages[s].conflicts.push(index);
        }
    }
}
