//! The cadence calendar on the server: its revisions (saved whole, or one rule at a time from
//! the editor), the calendar in force (parsed once per revision and cached with the catalog's
//! services, because the executor asks at every round), checks, the schedule of every plan, the
//! calendar page's view and the iCalendar feeds.

use super::access::guard::note;
use super::plans::{check_name, person};
use super::store::StoredRun;
use super::AppState;
use crate::wire::calendar::{
    CalendarDay, CalendarQuery, CalendarRevision, CalendarSaveOutcome, CalendarSpan, CalendarView,
    CheckAnswer, RuleBand, RuleEdit, StageBlock,
};
use crate::wire::contracts::shorten;
use crate::wire::plans::PlanState;
use crate::wire::ApiError;
use breakwater_domain::calendar::document::{self, CalendarFile, LoadedCalendar};
use breakwater_domain::calendar::schedule::{self, Progress, Rollout, Schedule};
use breakwater_domain::calendar::{
    self as cal, enforce, local, resolve, rfc3339, Calendar, Decision, Millis, Rule, Target, When,
    DAY,
};
use breakwater_domain::catalog::Catalog;
use breakwater_domain::plan::policy::format_duration;
use breakwater_domain::plan::{PlanLocation, Stage};
use breakwater_domain::run::{EventKind, RunStatus};
use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use icalendar::{Component, EventLike};
use std::collections::BTreeSet;
use std::sync::Arc;

/// How far ahead the iCalendar feeds list freezes.
const FEED_DAYS: i64 = 90;

/// The calendar in force with the catalog's services (without their contracts), for one
/// calendar revision and one catalog revision.
pub struct Current {
    pub revision: CalendarRevision,
    pub calendar: Calendar,
    pub catalog_revision: Option<i64>,
    pub services: Catalog,
}

/// The last [`Current`], rebuilt when either revision moves.
#[derive(Default, Clone)]
pub struct CalendarCache(Arc<tokio::sync::Mutex<Option<Arc<Current>>>>);

/// The calendar in force now (the built-in empty one, which allows everything, until one is
/// saved).
pub async fn current(state: &AppState) -> Result<Arc<Current>, ApiError> {
    let store = &state.store;
    let calendar_revision = store.calendar_revision().await?;
    let catalog_revision = store.latest_revision_id().await?;
    let mut cached = state.calendar.0.lock().await;
    if let Some(current) = cached.as_ref().filter(|c| {
        c.revision.revision == calendar_revision && c.catalog_revision == catalog_revision
    }) {
        return Ok(current.clone());
    }
    let revision = store.current_calendar().await?.unwrap_or(CalendarRevision {
        revision: None,
        text: String::new(),
        saved_by: String::new(),
        saved_at: String::new(),
    });
    let text = revision.text.clone();
    let calendar = if revision.revision.is_none() {
        Calendar::default()
    } else {
        let loaded = state.workers.run(move || document::load(&text)).await?;
        loaded
            .calendar
            .filter(|_| loaded.problems.iter().all(|p| !p.is_error()))
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "calendar revision {:?} no longer loads: {}",
                    revision.revision,
                    loaded
                        .problems
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join("; ")
                ))
            })?
    };
    let mut services = match catalog_revision {
        Some(id) => store.catalog_at(id).await?,
        None => Catalog {
            services: Vec::new(),
        },
    };
    for service in &mut services.services {
        service.provides.clear();
        service.depends_on.clear();
    }
    let current = Arc::new(Current {
        revision,
        calendar,
        catalog_revision,
        services,
    });
    *cached = Some(current.clone());
    Ok(current)
}

/// Saves `text` as the calendar's next revision after `based_on`, or answers every problem and
/// saves nothing.
pub async fn save_text(
    state: &AppState,
    text: String,
    based_on: Option<i64>,
    by: &str,
) -> Result<CalendarSaveOutcome, ApiError> {
    let by = person(by)?;
    let checked = text.clone();
    let loaded = state.workers.run(move || document::load(&checked)).await?;
    store_loaded(state, loaded, text, based_on, &by).await
}

/// Adds a rule, or replaces the rule named `edit.original`, in the calendar at `edit.based_on`.
/// Problems point at the edited rule's fields (`rule.rrule`), and nothing is saved.
pub async fn save_rule(
    state: &AppState,
    edit: RuleEdit,
    by: &str,
) -> Result<CalendarSaveOutcome, ApiError> {
    let by = person(by)?;
    let current = current(state).await?;
    let mut file = CalendarFile::from(&current.calendar);
    let index = match &edit.original {
        Some(original) => {
            let index = file
                .rules
                .iter()
                .position(|r| r.name.as_deref() == Some(original.as_str()))
                .ok_or_else(|| {
                    ApiError::NotFound(format!("rule '{}' in the calendar", shorten(original)))
                })?;
            file.rules[index] = edit.rule;
            index
        }
        None => {
            file.rules.push(edit.rule);
            file.rules.len() - 1
        }
    };
    edit_file(state, file, index, edit.based_on, &by).await
}

/// Removes the rule `name` from the calendar at `based_on`.
pub async fn delete_rule(
    state: &AppState,
    name: &str,
    based_on: Option<i64>,
    by: &str,
) -> Result<CalendarSaveOutcome, ApiError> {
    let by = person(by)?;
    let current = current(state).await?;
    let mut file = CalendarFile::from(&current.calendar);
    let before = file.rules.len();
    file.rules.retain(|r| r.name.as_deref() != Some(name));
    if file.rules.len() == before {
        return Err(ApiError::NotFound(format!(
            "rule '{}' in the calendar",
            shorten(name)
        )));
    }
    edit_file(state, file, usize::MAX, based_on, &by).await
}

async fn edit_file(
    state: &AppState,
    file: CalendarFile,
    edited: usize,
    based_on: Option<i64>,
    by: &str,
) -> Result<CalendarSaveOutcome, ApiError> {
    let mut loaded = state.workers.run(move || document::from_file(file)).await?;
    let prefix = format!("rules[{edited}].");
    for problem in &mut loaded.problems {
        if let PlanLocation::Field { path } = &mut problem.location {
            if let Some(field) = path.strip_prefix(&prefix) {
                *path = format!("rule.{field}");
            }
        }
    }
    let text = loaded
        .calendar
        .as_ref()
        .map(document::to_yaml)
        .unwrap_or_default();
    store_loaded(state, loaded, text, based_on, by).await
}

async fn store_loaded(
    state: &AppState,
    loaded: LoadedCalendar,
    text: String,
    based_on: Option<i64>,
    by: &str,
) -> Result<CalendarSaveOutcome, ApiError> {
    if !loaded.is_ok() {
        return Ok(CalendarSaveOutcome {
            revision: None,
            problems: loaded.problems,
        });
    }
    let revision = state
        .store
        .insert_calendar_revision(&text, based_on, by, &state.settings.clock.stamp())
        .await?;
    note(
        "calendar",
        based_on.map(|n| format!("revision {n}")),
        Some(format!("revision {revision}")),
    );
    Ok(CalendarSaveOutcome {
        revision: Some(revision),
        problems: loaded.problems,
    })
}

/// `GET /api/v1/calendar/check`: may `service` (in `region`, or all its regions) activate at
/// `at` (RFC 3339)?
pub async fn check(
    state: &AppState,
    at: &str,
    service: Option<&str>,
    region: Option<&str>,
) -> Result<CheckAnswer, ApiError> {
    let at = parse_instant(at)?;
    let current = current(state).await?;
    let target = match service {
        Some(id) => {
            let service = current
                .services
                .services
                .iter()
                .find(|s| s.id == id)
                .ok_or_else(|| ApiError::NotFound(format!("service '{}'", shorten(id))))?;
            Target::of(service, region)
        }
        None => Target {
            service: String::new(),
            team: String::new(),
            tier: breakwater_domain::catalog::Tier::Standard,
            regions: region.map(|r| vec![r.to_string()]).unwrap_or_default(),
        },
    };
    let calendar = current.clone();
    let decision = state
        .workers
        .run(move || calendar.calendar.check(at, &target))
        .await?;
    Ok(answer(decision))
}

/// A decision as the CLI and the JSON API print it.
pub fn answer(decision: Decision) -> CheckAnswer {
    CheckAnswer {
        allowed: decision.allowed,
        rules: decision.rules,
        next_allowed: decision.next_allowed.map(rfc3339),
        reason: decision.reason,
    }
}

/// An RFC 3339 instant (`2026-12-18T16:00:00Z`, any offset) in ms.
pub fn parse_instant(text: &str) -> Result<Millis, ApiError> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.timestamp_millis())
        .map_err(|_| {
            ApiError::Invalid(format!(
                "'{}' is not an RFC 3339 time such as 2026-12-18T16:00:00Z",
                shorten(text)
            ))
        })
}

/// Whether the calendar holds `kinds` for `run` now: its windows and freezes
/// ([`enforce::hold`]), then, for a stage start, its capacity given every run
/// ([`enforce::capacity_hold`]). Events that do not grow exposure never reach the calendar; for
/// those that do, a calendar that cannot be read holds: growing exposure blind is worse than
/// waiting.
pub async fn hold(
    state: &AppState,
    run: &StoredRun,
    kinds: &[EventKind],
    now: Millis,
) -> Option<Decision> {
    if !enforce::asks(&run.run, &run.state, kinds, now) {
        return None;
    }
    let current = match current(state).await {
        Ok(current) => current,
        Err(error) => {
            return Some(Decision {
                allowed: false,
                rules: Vec::new(),
                next_allowed: None,
                reason: format!("the calendar cannot be read ({error})"),
            })
        }
    };
    let capacity_current = current.clone();
    let (plan, run_state, kinds_owned) = (run.run.clone(), run.state.clone(), kinds.to_vec());
    let held = state
        .workers
        .run(move || {
            enforce::hold(
                &current.calendar,
                &current.services,
                &plan,
                &run_state,
                &kinds_owned,
                now,
            )
        })
        .await;
    let held = held.unwrap_or_else(|error| {
        Some(Decision {
            allowed: false,
            rules: Vec::new(),
            next_allowed: None,
            reason: format!("the calendar check failed ({error})"),
        })
    });
    if held.is_some() || enforce::stage_starts(&run.run, kinds).is_empty() {
        return held;
    }
    let capacity = capacity_current.calendar.capacity;
    if capacity == Default::default() {
        return None;
    }
    match in_use(state, run.id, &capacity_current.calendar, now).await {
        Ok(in_use) => enforce::capacity_hold(
            &capacity_current.calendar,
            &capacity_current.services,
            &run.run,
            kinds,
            now,
            &in_use,
        ),
        Err(error) => Some(Decision {
            allowed: false,
            rules: Vec::new(),
            next_allowed: None,
            reason: format!("the calendar's capacity cannot be read ({error})"),
        }),
    }
}

/// What every run but `run` uses of the capacity now: services whose stage is under way, and
/// services that started a stage today (any run, this one included).
async fn in_use(
    state: &AppState,
    run: i64,
    calendar: &Calendar,
    now: Millis,
) -> Result<enforce::InUse, ApiError> {
    let today = enforce::today(calendar, now);
    let mut in_use = enforce::InUse::default();
    for other in state.store.runs().await? {
        let stage = other.run.plan.stages.get(other.state.stage);
        let under_way = !other.state.status.is_finished()
            && other.state.stage_started_at.is_some()
            && !other.state.completed_stages.contains(&other.state.stage);
        if other.id != run && under_way {
            in_use
                .changing
                .extend(stage.into_iter().flat_map(|s| s.services.iter().cloned()));
        }
        if other.updated_at < today.start {
            continue;
        }
        for event in state.store.events(other.id).await? {
            if let EventKind::StepRequested { stage, step: 0, .. } = event.kind {
                if today.contains(event.at) {
                    let services = other.run.plan.stages.get(stage).into_iter();
                    in_use
                        .started_today
                        .extend(services.flat_map(|s| s.services.iter().cloned()));
                }
            }
        }
    }
    Ok(in_use)
}

/// Every plan on the calendar from `now`: active runs first (where they are), then approved
/// plans, plans in review and drafts, each by name. A plan whose last run completed is done.
pub async fn schedule_all(
    state: &AppState,
    now: Millis,
) -> Result<(Schedule, Arc<Current>), ApiError> {
    let current = current(state).await?;
    let store = &state.store;
    let runs = store.runs().await?;
    let mut active: Vec<(i64, String, Vec<Stage>, Option<Progress>)> = Vec::new();
    let mut waiting: Vec<(u8, String, i64, Vec<Stage>)> = Vec::new();
    for summary in store.plan_summaries().await? {
        let last = runs
            .iter()
            .filter(|r| r.run.plan_name == summary.name)
            .max_by_key(|r| r.id);
        match last.map(|r| (r, r.state.status)) {
            Some((_, RunStatus::Completed)) => continue,
            Some((run, status)) if !status.is_finished() => {
                let progress = run.state.stage_started_at.map(|at| Progress {
                    stage: run.state.stage,
                    stage_started_at: at,
                });
                let stages = run.run.plan.stages.clone();
                active.push((run.id, summary.name.clone(), stages, progress));
                continue;
            }
            _ => {}
        }
        let Some(stored) = store.plan_revision(&summary.name, None).await? else {
            continue;
        };
        let rank = match summary.state {
            PlanState::Approved => 0,
            PlanState::InReview => 1,
            PlanState::Draft => 2,
        };
        waiting.push((rank, summary.name, stored.number, stored.plan.stages));
    }
    active.sort_by_key(|(id, ..)| *id);
    waiting.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let revisions: Vec<i64> = active
        .iter()
        .map(|(id, ..)| {
            runs.iter()
                .find(|r| r.id == *id)
                .map_or(0, |r| r.plan_revision)
        })
        .collect();
    let from_current = current.clone();
    let schedule = state
        .workers
        .run(move || {
            let mut rollouts: Vec<Rollout> = active
                .iter()
                .zip(&revisions)
                .map(|((_, plan, stages, progress), revision)| Rollout {
                    plan,
                    revision: *revision,
                    stages,
                    from: now,
                    progress: *progress,
                })
                .collect();
            rollouts.extend(waiting.iter().map(|(_, plan, revision, stages)| Rollout {
                plan,
                revision: *revision,
                stages,
                from: now,
                progress: None,
            }));
            schedule::schedule(
                &from_current.calendar,
                &from_current.services,
                &rollouts,
                now,
            )
        })
        .await?;
    Ok((schedule, current))
}

/// The calendar page: the week or month asked for, in the zone asked for.
pub async fn view(state: &AppState, query: CalendarQuery) -> Result<CalendarView, ApiError> {
    let now = state.settings.clock.now();
    let (schedule, current) = schedule_all(state, now).await?;
    let calendar = &current.calendar;
    let zone = match query.zone.as_deref().filter(|z| !z.is_empty()) {
        Some(name) => name.parse::<Tz>().map_err(|_| {
            ApiError::Invalid(format!(
                "'{}' is not an IANA time zone such as Europe/Berlin",
                shorten(name)
            ))
        })?,
        None => calendar.timezone,
    };
    let today = local(zone, now).date();
    let at = match query.at.as_deref().filter(|a| !a.is_empty()) {
        // Years as the calendar file allows them: far-off dates would overflow the grid.
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|d| (1970..=9999).contains(&d.year()))
            .ok_or_else(|| {
                ApiError::Invalid(format!(
                    "'{}' is not a date between 1970 and 9999 such as 2026-12-14",
                    shorten(text)
                ))
            })?,
        None => today,
    };
    let grid = Grid::new(query.span, at);
    let days: Vec<CalendarDay> = grid
        .dates()
        .map(|date| CalendarDay {
            date: date.format("%Y-%m-%d").to_string(),
            label: date.format("%a %-d").to_string(),
            start: midnight(zone, date),
            end: midnight(zone, date + Duration::days(1)),
            outside: query.span == CalendarSpan::Month && date.month() != at.month(),
        })
        .collect();
    let from = days.first().map_or(now, |d| d.start);
    let to = days.last().map_or(now, |d| d.end);
    let banded = current.clone();
    let bands = state
        .workers
        .run(move || bands(&banded.calendar, from, to))
        .await?;
    let blocks = blocks(&schedule, from, to);
    let mut zones: BTreeSet<String> = calendar
        .rules
        .iter()
        .map(|r| r.timezone.name().to_string())
        .collect();
    zones.insert(calendar.timezone.name().to_string());
    zones.insert("UTC".to_string());
    zones.insert(zone.name().to_string());
    let unscheduled = schedule
        .plans
        .iter()
        .filter_map(|p| {
            p.unscheduled
                .as_ref()
                .map(|why| format!("{}: {why}", p.plan))
        })
        .collect();
    Ok(CalendarView {
        revision: current.revision.clone(),
        span: query.span,
        zone: zone.name().to_string(),
        zones: zones.into_iter().collect(),
        at: grid.first.format("%Y-%m-%d").to_string(),
        previous: grid.previous().format("%Y-%m-%d").to_string(),
        next: grid.next().format("%Y-%m-%d").to_string(),
        title: grid.title(),
        now,
        days,
        bands,
        blocks,
        conflicts: schedule.conflicts.clone(),
        unscheduled,
        rules: CalendarFile::from(calendar).rules,
    })
}

/// The days a week or month view shows.
struct Grid {
    span: CalendarSpan,
    /// The day the span is about (a day of the week, or of the month).
    at: NaiveDate,
    first: NaiveDate,
    last: NaiveDate,
}

impl Grid {
    fn new(span: CalendarSpan, at: NaiveDate) -> Grid {
        let monday =
            |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
        match span {
            CalendarSpan::Week => {
                let first = monday(at);
                Grid {
                    span,
                    at,
                    first,
                    last: first + Duration::days(6),
                }
            }
            CalendarSpan::Month => {
                let start = at.with_day(1).unwrap_or(at);
                let end = start
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(start)
                    - Duration::days(1);
                let first = monday(start);
                let last = monday(end) + Duration::days(6);
                Grid {
                    span,
                    at: start,
                    first,
                    last,
                }
            }
        }
    }

    fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.first.iter_days().take_while(|d| *d <= self.last)
    }

    fn previous(&self) -> NaiveDate {
        match self.span {
            CalendarSpan::Week => self.first - Duration::days(7),
            CalendarSpan::Month => self
                .at
                .checked_sub_months(chrono::Months::new(1))
                .unwrap_or(self.at),
        }
    }

    fn next(&self) -> NaiveDate {
        match self.span {
            CalendarSpan::Week => self.first + Duration::days(7),
            CalendarSpan::Month => self
                .at
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(self.at),
        }
    }

    fn title(&self) -> String {
        match self.span {
            CalendarSpan::Week => format!("Week of {}", self.first.format("%a %-d %b %Y")),
            CalendarSpan::Month => self.at.format("%B %Y").to_string(),
        }
    }
}

fn midnight(zone: Tz, date: NaiveDate) -> Millis {
    resolve(zone, date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// Every rule's occurrences between `from` and `to`, clipped to them.
fn bands(calendar: &Calendar, from: Millis, to: Millis) -> Vec<RuleBand> {
    let occurrences = calendar.occurrences(from, to);
    calendar
        .rules
        .iter()
        .zip(&occurrences.per_rule)
        .flat_map(|(rule, intervals)| {
            let summary = rule_summary(rule);
            intervals.iter().map(move |i| RuleBand {
                rule: rule.name.clone(),
                kind: rule.kind,
                start: i.start.max(from),
                end: i.end.min(to),
                summary: summary.clone(),
            })
        })
        .collect()
}

/// "freeze · every service · 2026-12-18 17:00 to 2027-01-04 08:00 (Europe/Berlin)".
pub fn rule_summary(rule: &Rule) -> String {
    let time = match &rule.when {
        When::Once { start, end } => format!(
            "{} to {}",
            start.format("%Y-%m-%d %H:%M"),
            end.format("%Y-%m-%d %H:%M")
        ),
        When::Recurring(recurrence) => format!(
            "{} for {}",
            recurrence.rrule,
            format_duration(u64::from(recurrence.duration_minutes) * 60)
        ),
    };
    format!(
        "{} · {} · {time} ({})",
        rule.kind.as_str(),
        rule.scope.words(),
        rule.timezone.name()
    )
}

/// The scheduled stages overlapping `from..to`.
fn blocks(schedule: &Schedule, from: Millis, to: Millis) -> Vec<StageBlock> {
    schedule
        .plans
        .iter()
        .enumerate()
        .flat_map(|(colour, plan)| {
            plan.stages
                .iter()
                .filter(move |s| s.activation < to && s.monitoring.end.max(s.evaluation) > from)
                .map(move |slot| StageBlock {
                    plan: plan.plan.clone(),
                    revision: plan.revision,
                    stage: slot.stage,
                    services: slot.services.clone(),
                    start: slot.activation,
                    end: slot.monitoring.end,
                    evaluation: slot.evaluation,
                    colour,
                    conflicts: slot
                        .conflicts
                        .iter()
                        .filter_map(|&i| schedule.conflicts.get(i))
                        .map(|c| c.message.clone())
                        .collect(),
                    href: format!("/plans/{}#stage-{}", plan.plan, slot.stage),
                })
        })
        .collect()
}

/// The iCalendar feed: one event per scheduled stage (activation to its go / no-go point) and
/// per freeze occurrence in the next 90 days, all plans' or one plan's. UIDs are stable (the
/// plan and stage; the freeze and its start), so calendar clients update events instead of
/// adding copies.
pub async fn ics(state: &AppState, plan: Option<&str>) -> Result<String, ApiError> {
    if let Some(plan) = plan {
        check_name(plan)?;
        if state.store.plan_summary(plan).await?.is_none() {
            return Err(ApiError::NotFound(format!("plan '{plan}'")));
        }
    }
    let now = state.settings.clock.now();
    let (schedule, current) = schedule_all(state, now).await?;
    let plan = plan.map(str::to_string);
    state
        .workers
        .run(move || write_feed(&schedule, &current.calendar, plan.as_deref(), now))
        .await
}

/// The feed's text (expanding the freezes is calendar work: on a job thread).
fn write_feed(schedule: &Schedule, calendar: &Calendar, plan: Option<&str>, now: Millis) -> String {
    let mut feed = icalendar::Calendar::new();
    feed.name(&match plan {
        Some(plan) => format!("Breakwater: {plan}"),
        None => "Breakwater rollouts".to_string(),
    });
    let stamp = cal::utc(now);
    for scheduled in schedule
        .plans
        .iter()
        .filter(|p| plan.is_none_or(|name| p.plan == name))
    {
        for slot in &scheduled.stages {
            let mut description = format!(
                "Stage {} of plan {} (revision {}): {}.\nActivation {}; monitoring until {}; go / no-go {}.",
                slot.stage,
                scheduled.plan,
                scheduled.revision,
                slot.services.join(", "),
                rfc3339(slot.activation),
                rfc3339(slot.monitoring.end),
                rfc3339(slot.evaluation),
            );
            for &i in &slot.conflicts {
                if let Some(conflict) = schedule.conflicts.get(i) {
                    description.push_str(&format!("\nConflict: {}", conflict.message));
                }
            }
            // RFC 5545 wants DTEND after DTSTART: a stage with no bake still lasts a minute.
            let end = slot
                .evaluation
                .max(slot.monitoring.end)
                .max(slot.activation + cal::MINUTE);
            feed.push(
                icalendar::Event::new()
                    .uid(&format!(
                        "stage-{}-{}@breakwater",
                        scheduled.plan, slot.stage
                    ))
                    .timestamp(stamp)
                    .summary(&format!(
                        "{} stage {}: {}",
                        scheduled.plan,
                        slot.stage,
                        slot.services.join(", ")
                    ))
                    .description(&description)
                    .starts(cal::utc(slot.activation))
                    .ends(cal::utc(end))
                    .done(),
            );
        }
    }
    let occurrences = calendar.occurrences(now, now + FEED_DAYS * DAY);
    for (rule, intervals) in calendar.rules.iter().zip(&occurrences.per_rule) {
        if rule.kind != cal::RuleKind::Freeze {
            continue;
        }
        for interval in intervals {
            feed.push(
                icalendar::Event::new()
                    .uid(&format!(
                        "freeze-{}-{}@breakwater",
                        uid_part(&rule.name),
                        cal::utc(interval.start).format("%Y%m%dT%H%M%SZ")
                    ))
                    .timestamp(stamp)
                    .summary(&format!("Freeze: {}", rule.name))
                    .description(&rule_summary(rule))
                    .starts(cal::utc(interval.start))
                    .ends(cal::utc(interval.end))
                    .done(),
            );
        }
    }
    feed.done().to_string()
}

/// A rule name as part of a UID: letters, digits and dashes kept, anything else as `_` and its
/// code point in hex, so two names never give one UID.
fn uid_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_string()
            } else {
                format!("_{:x}", u32::from(c))
            }
        })
        .collect()
}
