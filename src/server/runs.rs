//! Runs of approved plans: creating them, the actions people take (each with the revision it
//! expects and an idempotency key), and the views the run pages read: the run page, live health
//! for the graph, the exposure services poll and the traffic the simulator serves.

use super::metrics::{self, now_millis};
use super::plans::{check_name, person};
use super::store::{StoredEvaluation, StoredRun};
use super::AppState;
use crate::wire::contracts::shorten;
use crate::wire::plans::PlanState;
use crate::wire::runs::{
    ActionOutcome, ActionRequest, EventView, ExposureView, Health, RegionExposure, RunSummary,
    RunView, ServiceHealth, Sparkline,
};
use crate::wire::ApiError;
use breakwater_domain::catalog::is_valid_id;
use breakwater_domain::health::{Scope, StepVerdict, Verdict};
use breakwater_domain::plan::planner::effective_policy;
use breakwater_domain::plan::Signal;
use breakwater_domain::run::{
    decide, Actor, Command, Millis, Placement, RunPlan, RunService, RunState, RunStatus,
};
use breakwater_domain::simulator::Traffic;
use std::collections::BTreeMap;

/// Longest reason a person may give for an action.
pub const MAX_REASON_CHARS: usize = 1_000;
/// Longest idempotency key.
pub const MAX_KEY_CHARS: usize = 200;

/// Every run, the newest first.
pub async fn list(state: &AppState) -> Result<Vec<RunSummary>, ApiError> {
    let runs = state.store.runs().await?;
    Ok(runs.iter().map(StoredRun::summary).collect())
}

/// Everything the run page shows, as of now.
pub async fn view(state: &AppState, id: i64) -> Result<RunView, ApiError> {
    let stored = load(state, id).await?;
    let events = state.store.event_views(id).await?;
    let evaluation = state.store.latest_evaluation(id).await?;
    let commands = Command::ALL
        .into_iter()
        .filter(|&c| decide(&stored.run, &stored.state, c).is_ok())
        .collect();
    let health = health_of(&stored, evaluation.as_ref())
        .into_values()
        .collect();
    let now = now_millis();
    let sparklines = match &evaluation {
        Some(e) => sparklines(state, &stored.run, &e.verdict, now).await?,
        None => Vec::new(),
    };
    Ok(RunView {
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

/// The last 15 minutes of each signal the verdict's gates watched (once per service, scope and
/// signal): the new version of a changed service, every version of a downstream one.
async fn sparklines(
    state: &AppState,
    run: &RunPlan,
    verdict: &StepVerdict,
    now: Millis,
) -> Result<Vec<Sparkline>, ApiError> {
    let mut out: Vec<Sparkline> = Vec::new();
    for e in &verdict.evaluations {
        let drawn = out
            .iter()
            .any(|s| s.service == e.service && s.scope == e.scope && s.signal == e.signal);
        if drawn || e.signal == Signal::DataCheck {
            continue;
        }
        let version = match e.scope {
            Scope::Own => run.service(&e.service).map(|s| s.to_version.as_str()),
            Scope::Downstream => None,
        };
        out.push(Sparkline {
            service: e.service.clone(),
            scope: e.scope,
            signal: e.signal,
            points: metrics::sparkline(state, &e.service, version, e.signal, now).await?,
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
    let id = store.insert_run(&run, &by, now_millis()).await?;
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
    by: &str,
) -> Result<ActionOutcome, ApiError> {
    let by = person(by)?;
    let reason = check_reason(&action.reason)?;
    let key = check_key(&action.idempotency_key)?;
    let fingerprint = format!(
        "{} at revision {}: {reason}",
        action.command.as_str(),
        action.expected_revision
    );
    let store = &state.store;
    if let Some(first) = store.answered(id, key, &fingerprint).await? {
        return Ok(outcome(first));
    }
    let stored = load(state, id).await?;
    if stored.state.revision != action.expected_revision {
        return Err(ApiError::Conflict(format!(
            "run {id} is at revision {}, not {}: it changed meanwhile; reload it and decide again",
            stored.state.revision, action.expected_revision
        )));
    }
    let kinds = decide(&stored.run, &stored.state, action.command)
        .map_err(|refusal| ApiError::Conflict(refusal.0))?;
    let appended = store
        .append_events(
            id,
            action.expected_revision,
            &Actor::Person(by),
            kinds,
            reason,
            now_millis(),
            Some((key, &fingerprint)),
        )
        .await?;
    state.live.publish(id);
    Ok(outcome(appended))
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
        let evaluation = state.store.latest_evaluation(run.id).await?;
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
            entry.failing.push(e.clone());
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

/// Where every active run exposes its new versions, for the simulator.
pub async fn traffic(state: &AppState) -> Result<Vec<Traffic>, ApiError> {
    let mut out = Vec::new();
    for run in state.store.active_runs().await? {
        for service in &run.run.services {
            let regions: Vec<(Option<String>, u8)> = run
                .state
                .exposure
                .iter()
                .filter(|(p, _)| p.service == service.service)
                .map(|(p, &percent)| (p.region.clone(), percent))
                .collect();
            if !regions.is_empty() {
                out.push(Traffic {
                    service: service.service.clone(),
                    new_version: service.to_version.clone(),
                    regions,
                });
            }
        }
    }
    Ok(out)
}

/// The current split of `service`: from the newest run that changes it, as long as the catalog
/// still has the version that run started from (once the new version is imported, the catalog
/// is the truth again); otherwise the catalog's version everywhere.
pub async fn exposure(state: &AppState, service: &str) -> Result<ExposureView, ApiError> {
    let not_found = || ApiError::NotFound(format!("service '{}'", shorten(service)));
    if !is_valid_id(service) {
        return Err(not_found());
    }
    let (_, catalog) = state.store.current_catalog().await?.ok_or_else(not_found)?;
    let current = catalog
        .services
        .iter()
        .find(|s| s.id == service)
        .ok_or_else(not_found)?;
    let mut regions: Vec<Option<String>> = current.regions.iter().cloned().map(Some).collect();
    if regions.is_empty() {
        regions.push(None);
    }
    let run = state.store.latest_run_of(service).await?.and_then(|run| {
        let changed = run.run.service(service)?.clone();
        (changed.from_version == current.version).then_some((run, changed))
    });
    let Some((run, changed)) = run else {
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
    let exposed = run
        .state
        .exposure
        .keys()
        .filter(|p| p.service == service)
        .map(|p| p.region.clone());
    for region in exposed {
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    let percent = |region: &Option<String>| {
        let placement = Placement {
            service: service.to_string(),
            region: region.clone(),
        };
        run.state.exposure.get(&placement).copied().unwrap_or(0)
    };
    Ok(ExposureView {
        service: service.to_string(),
        stable_version: changed.from_version,
        new_version: Some(changed.to_version),
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
