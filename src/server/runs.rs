//! Runs of approved plans: creating them, the actions people take (each with the revision it
//! expects and an idempotency key), and the views the run pages read: the run page, live health
//! for the graph, the exposure services poll and the traffic the simulator serves.

use super::access::guard::note;
use super::access::Principal;
use super::calendar;
use super::metrics;
use super::plans::{check_name, person};
use super::store::{StoredEvaluation, StoredRun};
use super::AppState;
use crate::wire::calendar::{OverrideRequest, StopAllOutcome, StopAllRequest};
use crate::wire::contracts::shorten;
use crate::wire::plans::PlanState;
use crate::wire::runs::{
    ActionOutcome, ActionRequest, EventView, ExposureView, Health, RegionExposure, RunSummary,
    RunView, ServiceHealth, Sparkline,
};
use crate::wire::ApiError;
use breakwater_domain::access::Need;
use breakwater_domain::catalog::is_valid_id;
use breakwater_domain::health::{Scope, StepVerdict, Verdict};
use breakwater_domain::plan::planner::effective_policy;
use breakwater_domain::plan::Signal;
use breakwater_domain::run::{
    decide, Actor, Command, EventKind, Millis, RunPlan, RunService, RunState, RunStatus,
};
use breakwater_domain::simulator::Traffic;
use std::collections::BTreeMap;

/// Longest reason a person may give for an action.
pub const MAX_REASON_CHARS: usize = 1_000;
/// Longest idempotency key.
pub const MAX_KEY_CHARS: usize = 200;
/// How far ahead a break-glass override may reach: it is for an emergency, not a new window.
pub const MAX_OVERRIDE_HOURS: i64 = 24;

/// Every run, or only the runs of `plan`, the newest first.
pub async fn list(state: &AppState, plan: Option<&str>) -> Result<Vec<RunSummary>, ApiError> {
    if let Some(plan) = plan {
        check_name(plan)?;
    }
    let runs = state.store.runs().await?;
    Ok(runs
        .iter()
        .filter(|r| plan.is_none_or(|plan| r.run.plan_name == plan))
        .map(StoredRun::summary)
        .collect())
}

/// Everything the run page shows, as of now.
pub async fn view(state: &AppState, id: i64) -> Result<RunView, ApiError> {
    let stored = load(state, id).await?;
    let events = state.store.event_views(id).await?;
    let evaluation = current_evaluation(state, &stored).await?;
    let now = state.settings.clock.now();
    // What applies now: a command the calendar would refuse is not offered, and says why.
    let mut commands = Vec::new();
    let mut calendar_hold = None;
    for command in Command::ALL {
        if let Ok(kinds) = decide(&stored.run, &stored.state, command) {
            match calendar::hold(state, &stored, &kinds, now).await {
                None => commands.push(command),
                Some(decision) => calendar_hold = Some(decision.reason),
            }
        }
    }
    let health = health_of(&stored, evaluation.as_ref())
        .into_values()
        .collect();
    let sparklines = match &evaluation {
        Some(e) => sparklines(state, &stored.run, &e.verdict, now).await?,
        None => Vec::new(),
    };
    Ok(RunView {
        calendar_hold,
        summary: stored.summary(),
        next_advance_at: next_advance_at(&stored.state, evaluation.as_ref()),
        evaluated_at: evaluation.as_ref().map(|e| e.at),
        verdict: evaluation.map(|e| e.verdict),
        sparklines,
        now,
        events,
        commands,
        health,
        run: stored.run,
        state: stored.state,
    })
}

/// The run's latest evaluation while it is of the step the run is at: once the run moved on,
/// the previous step's verdict says nothing about the current one (not evaluated yet).
async fn current_evaluation(
    state: &AppState,
    run: &StoredRun,
) -> Result<Option<StoredEvaluation>, ApiError> {
    let latest = state.store.latest_evaluation(run.id).await?;
    // After a stage rollback the stage has no current step: its last evaluation is the one
    // that failed, which is what the page should show.
    Ok(latest.filter(|e| e.stage == run.state.stage && run.state.step.is_none_or(|s| s == e.step)))
}

/// The last 15 minutes of each signal the verdict's gates watched, one line per gate (a service
/// may have two gates on one signal, absolute and relative, each with its threshold): the new
/// version of a changed service, every version of a downstream one.
async fn sparklines(
    state: &AppState,
    run: &RunPlan,
    verdict: &StepVerdict,
    now: Millis,
) -> Result<Vec<Sparkline>, ApiError> {
    let mut out: Vec<Sparkline> = Vec::new();
    for e in &verdict.evaluations {
        if e.signal == Signal::DataCheck || out.iter().any(|s| s.draws(e)) {
            continue;
        }
        // The series is read once however many gates watch it.
        let read = out
            .iter()
            .find(|s| s.service == e.service && s.scope == e.scope && s.signal == e.signal);
        let points = match read {
            Some(line) => line.points.clone(),
            None => {
                let version = match e.scope {
                    Scope::Own => run.service(&e.service).map(|s| s.to_version.as_str()),
                    Scope::Downstream => None,
                };
                metrics::sparkline(state, &e.service, version, e.signal, now).await?
            }
        };
        out.push(Sparkline {
            service: e.service.clone(),
            scope: e.scope,
            signal: e.signal,
            points,
            threshold: e.threshold,
        });
    }
    Ok(out)
}

/// A run's log with the status before and after each event.
pub async fn events(state: &AppState, id: i64) -> Result<Vec<EventView>, ApiError> {
    load(state, id).await?;
    Ok(state.store.event_views(id).await?)
}

/// Creates a pending run of the approved revision of `plan`: the versions it leaves are the
/// current catalog's, the versions it rolls out and the webhooks are the plan's.
pub async fn create(state: &AppState, plan: &str, by: &str) -> Result<RunSummary, ApiError> {
    check_name(plan)?;
    let by = person(by)?;
    let store = &state.store;
    let summary = store
        .plan_summary(plan)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("plan '{plan}'")))?;
    if summary.state != PlanState::Approved {
        return Err(ApiError::Conflict(format!(
            "plan '{plan}' is {}: only an approved plan can run",
            summary.state.label()
        )));
    }
    // A new revision puts a plan back to draft, so an approved plan's latest is the approved one.
    let stored = store
        .plan_revision(plan, Some(summary.revision))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("plan '{plan}'")))?;
    if stored.plan.has_errors() {
        return Err(ApiError::Invalid(format!(
            "revision {} of plan '{plan}' has errors; fix them, save and approve it again",
            summary.revision
        )));
    }
    let (_, catalog) = store
        .current_catalog()
        .await?
        .ok_or_else(|| ApiError::Conflict("no catalog has been imported yet".into()))?;
    let mut services = Vec::with_capacity(stored.spec.changes.len());
    for change in &stored.spec.changes {
        let id = &change.service;
        let current = catalog
            .services
            .iter()
            .find(|s| s.id == *id)
            .ok_or_else(|| {
                ApiError::Conflict(format!(
                    "service '{id}' of plan '{plan}' is no longer in the catalog"
                ))
            })?;
        if current.version == change.to_version {
            return Err(ApiError::Conflict(format!(
                "service '{id}' is at {} in the catalog already: there is nothing to roll out",
                current.version
            )));
        }
        let stage = stored.plan.stage_of(id).ok_or_else(|| {
            ApiError::Invalid(format!("service '{id}' is in no stage of plan '{plan}'"))
        })?;
        let webhook = effective_policy(&stored.spec, stage.index, change).webhook;
        if let Some(hook) = &webhook {
            if std::env::var(&hook.secret_env).map_or(true, |v| v.is_empty()) {
                return Err(ApiError::Invalid(format!(
                    "the webhook of service '{id}' signs with the secret in the environment \
                     variable {}, which is not set on the server",
                    hook.secret_env
                )));
            }
        }
        services.push(RunService {
            service: id.clone(),
            from_version: current.version.clone(),
            to_version: change.to_version.clone(),
            webhook,
        });
    }
    let run = RunPlan {
        plan_name: plan.to_string(),
        plan_revision: summary.revision,
        plan: stored.plan,
        services,
    };
    let id = store
        .insert_run(&run, &by, state.settings.clock.now())
        .await?;
    note(
        format!("run {id}"),
        None,
        Some(format!(
            "pending run of plan {plan} revision {}",
            summary.revision
        )),
    );
    state.live.publish(id);
    Ok(load(state, id).await?.summary())
}

/// Applies a person's action to run `id`: the first answer again for a retried idempotency key;
/// otherwise a conflict when the run is no longer at the revision the person saw or the
/// command does not apply now, else its events are appended and followers told.
pub async fn act(
    state: &AppState,
    id: i64,
    action: ActionRequest,
    who: &Principal,
) -> Result<ActionOutcome, ApiError> {
    let by = person(&who.name)?;
    let reason = check_reason(&action.reason)?;
    let key = check_key(&action.idempotency_key)?;
    let fingerprint = format!(
        "{} at revision {} by {by}: {reason}",
        action.command.as_str(),
        action.expected_revision
    );
    let store = &state.store;
    if let Some(first) = store.answered(id, key, &fingerprint).await? {
        return Ok(outcome(first));
    }
    let stored = load(state, id).await?;
    may_act(state, who, &stored.run, action.command).await?;
    let checked = if stored.state.revision != action.expected_revision {
        Err(ApiError::Conflict(format!(
            "run {id} is at revision {}, not {}: it changed meanwhile; reload it and decide again",
            stored.state.revision, action.expected_revision
        )))
    } else {
        match decide(&stored.run, &stored.state, action.command) {
            Ok(kinds) => held(state, &stored, action.command, kinds).await,
            Err(refusal) => Err(ApiError::Conflict(refusal.0)),
        }
    };
    let kinds = match checked {
        Ok(kinds) => kinds,
        // The first copy of a retried request may have been answered since the key was
        // checked (it is what moved the run): that answer, not a conflict.
        Err(conflict) => {
            return match store.answered(id, key, &fingerprint).await? {
                Some(first) => Ok(outcome(first)),
                None => Err(conflict),
            }
        }
    };
    let appended = store
        .append_events(
            id,
            action.expected_revision,
            &Actor::Person(by),
            kinds,
            reason,
            state.settings.clock.now(),
            Some((key, &fingerprint)),
        )
        .await?;
    note(
        format!("run {id}"),
        Some(stored.state.status.words().to_string()),
        Some(format!(
            "{} after {}: {reason}",
            appended.state.status.words(),
            action.command.as_str()
        )),
    );
    state.live.publish(id);
    Ok(outcome(appended))
}

/// `kinds`, unless the calendar holds them: a person may not grow exposure outside an
/// activation window or in a freeze either (a break-glass override lets the run through).
async fn held(
    state: &AppState,
    stored: &StoredRun,
    command: Command,
    kinds: Vec<EventKind>,
) -> Result<Vec<EventKind>, ApiError> {
    let now = state.settings.clock.now();
    match calendar::hold(state, stored, &kinds, now).await {
        None => Ok(kinds),
        Some(decision) => Err(ApiError::Conflict(format!(
            "cannot {}: the calendar holds run {}: {}; a break-glass override of the calendar \
             lets this run through",
            command.as_str().replace('_', " "),
            stored.id,
            decision.reason
        ))),
    }
}

/// Break-glass: lets run `id` act outside its calendar until `request.until` (at most
/// [`MAX_OVERRIDE_HOURS`] ahead), recorded with who and why on the run's log and shown on
/// every view of it.
pub async fn override_calendar(
    state: &AppState,
    id: i64,
    request: OverrideRequest,
    by: &str,
) -> Result<ActionOutcome, ApiError> {
    let by = person(by)?;
    let reason = check_reason(&request.reason)?;
    let key = check_key(&request.idempotency_key)?;
    let until = calendar::parse_instant(&request.until)?;
    let fingerprint = format!("override until {until} by {by}: {reason}");
    let store = &state.store;
    if let Some(first) = store.answered(id, key, &fingerprint).await? {
        return Ok(outcome(first));
    }
    let now = state.settings.clock.now();
    if until <= now || until > now + MAX_OVERRIDE_HOURS * 3_600_000 {
        return Err(ApiError::Invalid(format!(
            "an override must expire in the future and within {MAX_OVERRIDE_HOURS} hours"
        )));
    }
    let stored = load(state, id).await?;
    if stored.state.status.is_finished() {
        return Err(ApiError::Conflict(format!(
            "run {id} is {}: there is nothing left to override",
            stored.state.status.words()
        )));
    }
    let appended = store
        .append_events(
            id,
            stored.state.revision,
            &Actor::Person(by),
            vec![EventKind::CalendarOverridden { until }],
            reason,
            now,
            Some((key, &fingerprint)),
        )
        .await?;
    note(
        format!("run {id}"),
        None,
        Some(format!(
            "calendar overridden until {}: {reason}",
            breakwater_domain::calendar::rfc3339(until)
        )),
    );
    state.live.publish(id);
    Ok(outcome(appended))
}

/// The emergency stop: pauses every running run (and every one waiting for a webhook) with
/// one reason; each is then resumed on its own. A run a person or the executor moved at the
/// same instant is tried again from its new state; one that cannot be paused is left out of
/// the answer (and logged) while the others still stop.
pub async fn stop_all(
    state: &AppState,
    request: StopAllRequest,
    by: &str,
) -> Result<StopAllOutcome, ApiError> {
    let by = person(by)?;
    let reason = check_reason(&request.reason)?;
    let reason = format!("emergency stop: {reason}");
    let mut paused = Vec::new();
    for run in state.store.active_runs().await? {
        for _attempt in 0..3 {
            let Some(current) = state.store.run(run.id).await? else {
                break;
            };
            let Ok(kinds) = decide(&current.run, &current.state, Command::Pause) else {
                break;
            };
            let appended = state
                .store
                .append_events(
                    run.id,
                    current.state.revision,
                    &Actor::Person(by.clone()),
                    kinds,
                    &reason,
                    state.settings.clock.now(),
                    None,
                )
                .await;
            match appended {
                Ok(_) => {
                    state.live.publish(run.id);
                    paused.push(run.id);
                    break;
                }
                Err(super::store::StoreError::Conflict(_)) => continue,
                // The others must still stop: this run is left out of the answer.
                Err(error) => {
                    tracing::error!(run = run.id, %error, "the emergency stop did not pause it");
                    break;
                }
            }
        }
    }
    note(
        "runs",
        None,
        Some(format!("emergency stop paused {paused:?}")),
    );
    Ok(StopAllOutcome { paused })
}

fn outcome(appended: super::store::Appended) -> ActionOutcome {
    ActionOutcome {
        events: appended.events,
        run: appended.summary,
    }
}

/// The reason, trimmed: required, at most [`MAX_REASON_CHARS`].
fn check_reason(reason: &str) -> Result<&str, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ApiError::Invalid(
            "give a reason: every action on a run is recorded with why".into(),
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::Invalid(format!(
            "the reason is longer than {MAX_REASON_CHARS} characters"
        )));
    }
    Ok(reason)
}

/// An idempotency key: 1 to [`MAX_KEY_CHARS`] printable ASCII characters.
fn check_key(key: &str) -> Result<&str, ApiError> {
    if key.is_empty() || key.len() > MAX_KEY_CHARS {
        return Err(ApiError::Invalid(format!(
            "the idempotency key must have 1 to {MAX_KEY_CHARS} characters"
        )));
    }
    if !key.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(ApiError::Invalid(
            "the idempotency key must be printable ASCII".into(),
        ));
    }
    Ok(key)
}

async fn load(state: &AppState, id: i64) -> Result<StoredRun, ApiError> {
    state
        .store
        .run(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("run {id}")))
}

/// When the executor advances on its own if the gates keep passing: the end of the bake of a
/// running step that nothing holds (no pending actuation) and whose last verdict passed.
fn next_advance_at(state: &RunState, evaluation: Option<&StoredEvaluation>) -> Option<Millis> {
    let passing = evaluation.is_some_and(|e| {
        e.verdict.verdict == Verdict::Pass && e.stage == state.stage && Some(e.step) == state.step
    });
    (state.status == RunStatus::Running && state.pending.is_none() && passing)
        .then_some(state.bake_until)
        .flatten()
}

/// Live health of every service touched by an active run (for the graph page).
pub async fn live_health(state: &AppState) -> Result<Vec<ServiceHealth>, ApiError> {
    let mut merged: BTreeMap<String, ServiceHealth> = BTreeMap::new();
    for run in state.store.active_runs().await? {
        let evaluation = current_evaluation(state, &run).await?;
        for (service, health) in health_of(&run, evaluation.as_ref()) {
            match merged.get_mut(&service) {
                None => {
                    merged.insert(service, health);
                }
                Some(seen) => {
                    seen.health = worst(seen.health, health.health);
                    seen.origin |= health.origin;
                    seen.failing.extend(health.failing);
                }
            }
        }
    }
    Ok(merged.into_values().collect())
}

/// The health of the run's changed services and of everything its last evaluation looked at:
/// failing when a gate on it fails, degraded when one is inconclusive, healthy when all pass,
/// unknown when not evaluated. Where a failure started: the failing changed service, or, when
/// a downstream gate failed, the changed services of the stage that caused it.
fn health_of(
    run: &StoredRun,
    evaluation: Option<&StoredEvaluation>,
) -> BTreeMap<String, ServiceHealth> {
    let mut out: BTreeMap<String, ServiceHealth> = run
        .run
        .services
        .iter()
        .map(|s| (s.service.clone(), unknown(&s.service)))
        .collect();
    let Some(evaluation) = evaluation else {
        return out;
    };
    let mut evaluated: BTreeMap<&str, Health> = BTreeMap::new();
    let mut cascade = false;
    for e in &evaluation.verdict.evaluations {
        let health = match e.verdict {
            Verdict::Pass => Health::Healthy,
            Verdict::Inconclusive => Health::Degraded,
            Verdict::Fail => Health::Failing,
        };
        let seen = evaluated.entry(&e.service).or_insert(Health::Healthy);
        *seen = worst(*seen, health);
        let entry = out
            .entry(e.service.clone())
            .or_insert_with(|| unknown(&e.service));
        if e.verdict == Verdict::Fail {
            entry.failing.push(e.summary.clone());
            match e.scope {
                Scope::Own => entry.origin = true,
                Scope::Downstream => cascade = true,
            }
        }
    }
    for (service, health) in evaluated {
        if let Some(entry) = out.get_mut(service) {
            entry.health = health;
        }
    }
    if cascade {
        let stage = run.run.plan.stages.get(evaluation.stage);
        for service in stage.map_or(&[][..], |s| &s.services[..]) {
            if let Some(entry) = out.get_mut(service) {
                entry.origin = true;
            }
        }
    }
    out
}

fn unknown(service: &str) -> ServiceHealth {
    ServiceHealth {
        service: service.to_string(),
        health: Health::Unknown,
        origin: false,
        failing: Vec::new(),
    }
}

/// The worse of two healths (failing, then degraded, then healthy, then unknown).
fn worst(a: Health, b: Health) -> Health {
    let rank = |h: Health| match h {
        Health::Unknown => 0,
        Health::Healthy => 1,
        Health::Degraded => 2,
        Health::Failing => 3,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// Where runs expose new versions now ([`current_split`] of every service), for the simulator.
pub async fn traffic(state: &AppState) -> Result<Vec<Traffic>, ApiError> {
    let catalog = metrics::catalog_services(state).await?;
    let mut out = Vec::new();
    for (service, run) in state.store.latest_started_runs(None).await? {
        let Some(current) = catalog.services.get(&service) else {
            continue;
        };
        if let Some(split) = current_split(&run, &service, &current.version) {
            out.push(Traffic {
                service,
                new_version: split.changed.to_version.clone(),
                regions: split.regions,
            });
        }
    }
    Ok(out)
}

/// Where a run has put a service: its new version's percent per placement.
struct Split<'r> {
    changed: &'r RunService,
    regions: Vec<(Option<String>, u8)>,
}

/// The current split of `service` by the newest run that started changing it
/// (`latest_started_runs`), whatever its status since (running, paused, rolling back or rolled
/// back, completed, aborted: exposure stays where the run left it), as long as the catalog
/// still has the version that run started from (`catalog_version`; once the new version is
/// imported, the catalog is the truth again). `None`, the catalog's version everywhere, also
/// when the run has not reached the service yet.
fn current_split<'r>(
    run: &'r StoredRun,
    service: &str,
    catalog_version: &str,
) -> Option<Split<'r>> {
    let changed = run.run.service(service)?;
    let regions: Vec<(Option<String>, u8)> = run
        .state
        .exposure
        .iter()
        .filter(|(p, _)| p.service == service)
        .map(|(p, &percent)| (p.region.clone(), percent))
        .collect();
    (changed.from_version == catalog_version && !regions.is_empty())
        .then_some(Split { changed, regions })
}

/// The current split of `service` ([`current_split`]), every region of the catalog's listed.
pub async fn exposure(state: &AppState, service: &str) -> Result<ExposureView, ApiError> {
    let not_found = || ApiError::NotFound(format!("service '{}'", shorten(service)));
    if !is_valid_id(service) {
        return Err(not_found());
    }
    let catalog = metrics::catalog_services(state).await?;
    let current = catalog.services.get(service).ok_or_else(not_found)?;
    let mut regions: Vec<Option<String>> = current.regions.iter().cloned().map(Some).collect();
    if regions.is_empty() {
        regions.push(None);
    }
    let started = state.store.latest_started_runs(Some(service)).await?;
    let split = started
        .iter()
        .find_map(|(_, run)| Some((run, current_split(run, service, &current.version)?)));
    let Some((run, split)) = split else {
        return Ok(ExposureView {
            service: service.to_string(),
            stable_version: current.version.clone(),
            new_version: None,
            regions: regions
                .into_iter()
                .map(|region| RegionExposure { region, percent: 0 })
                .collect(),
            run: None,
            stage: None,
            step: None,
        });
    };
    // The catalog's regions in order, then any other the run exposed.
    for (region, _) in &split.regions {
        if !regions.contains(region) {
            regions.push(region.clone());
        }
    }
    let percent = |region: &Option<String>| {
        let exposed = split.regions.iter().find(|(r, _)| r == region);
        exposed.map_or(0, |&(_, percent)| percent)
    };
    Ok(ExposureView {
        service: service.to_string(),
        stable_version: split.changed.from_version.clone(),
        new_version: Some(split.changed.to_version.clone()),
        regions: regions
            .into_iter()
            .map(|region| RegionExposure {
                percent: percent(&region),
                region,
            })
            .collect(),
        run: Some(run.id),
        stage: Some(run.state.stage),
        step: run.state.step,
    })
}

/// The summary of run `id` as it is now (for a conflict's answer).
pub async fn summary(state: &AppState, id: i64) -> Result<RunSummary, ApiError> {
    Ok(load(state, id).await?.summary())
}

/// A service owner may pause a run that changes one of their teams' services, and nothing
/// else; release managers and admins may do anything the run allows (the guard has already
/// refused viewers).
async fn may_act(
    state: &AppState,
    who: &Principal,
    run: &RunPlan,
    command: Command,
) -> Result<(), ApiError> {
    if who.role.meets(Need::Release) {
        return Ok(());
    }
    if command != Command::Pause {
        return Err(ApiError::Forbidden(format!(
            "{} ({}) may pause a run that changes their team's services, not {} it",
            who.name,
            who.role,
            command.as_str()
        )));
    }
    let view = super::views::catalog_view(&state.store, &state.workers, &state.views).await?;
    let theirs = run.services.iter().any(|s| {
        view.services
            .iter()
            .any(|card| card.id == s.service && who.owns(&card.owner))
    });
    if theirs {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "{} owns none of the services this run changes (teams: {})",
            who.name,
            if who.teams.is_empty() {
                "none".to_string()
            } else {
                who.teams.join(", ")
            }
        )))
    }
}
