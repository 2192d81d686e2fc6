//! The executor: a background task that, at every interval, evaluates the gates of every
//! running step and advances, pauses or rolls back runs, and delivers the webhooks of the
//! actuations that wait for them.
//!
//! Everything it needs is in the database (the runs' states with their deadlines and pending
//! actuations), so after a crash it picks up exactly where the log says: a pending actuation is
//! delivered again under the same idempotency key (the event's), a bake already served is not
//! served again (`bake_until` is stored). Each round:
//! 1. reads the active runs;
//! 2. for the running ones without a pending actuation, loads the series all of them need at
//!    once (per run only its gates' recent windows and their baseline before the stage) and
//!    asks their data checks in parallel, then per run: `evaluate_step`, records the
//!    evaluation, `tick`, and appends the tick's events expecting the revision it read (a
//!    conflict means a person acted in between: the run is left to the next round);
//! 3. ticks the runs rolling back (the verdict does not matter there);
//! 4. hands every pending actuation to a delivery task of its own, at most one per run, so a
//!    slow webhook never holds up the round or another run.
//!
//! Nothing here may stop the loop: errors are logged, and each run is handled in a task of its
//! own so even a bug in one run's evaluation leaves the others (and later rounds) running.

use super::actuation::{Actuator, Announcement, RegionPercent, ServiceExposure};
use super::calendar;
use super::metrics;
use super::store::{StoreError, StoredRun, Wanted};
use super::AppState;
use breakwater_domain::calendar::Decision;
use breakwater_domain::health::{self, bucket_start, StepVerdict, Verdict, BUCKET_MILLIS};
use breakwater_domain::plan::Signal;
use breakwater_domain::run::{
    tick, Actor, EventKind, Millis, Pending, RunEvent, RunState, RunStatus, Waiting,
};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

pub fn spawn(state: AppState) {
    let executor = Executor {
        state,
        actuator: Actuator::new(),
        delivering: Arc::default(),
    };
    tokio::spawn(async move {
        let mut every = tokio::time::interval(executor.state.settings.evaluate_every);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(error) = tokio::spawn(executor.clone().round()).await {
                tracing::error!(%error, "executor round failed; the next round runs");
            }
        }
    });
}

#[derive(Clone)]
struct Executor {
    state: AppState,
    actuator: Actuator,
    /// Runs with a delivery under way: never two for the same run.
    delivering: Arc<Mutex<HashSet<i64>>>,
}

impl Executor {
    async fn round(self) {
        let runs = match self.state.store.active_runs().await {
            Ok(runs) => runs,
            Err(error) => {
                tracing::warn!(%error, "executor could not read the active runs");
                return;
            }
        };
        let now = self.state.settings.clock.now();
        let mut running = Vec::new();
        let mut tasks = Vec::new();
        for run in runs {
            match (run.state.status, &run.state.pending) {
                (RunStatus::Running | RunStatus::RollingBack, Some(_)) => self.deliver(run.id),
                (RunStatus::Running, None) => running.push(run),
                (RunStatus::RollingBack, None) => {
                    let this = self.clone();
                    // A rollback's next stage does not depend on gates.
                    let verdict = StepVerdict {
                        verdict: Verdict::Inconclusive,
                        evaluations: Vec::new(),
                    };
                    tasks.push(tokio::spawn(async move { this.act(&run, &verdict).await }));
                }
                _ => {}
            }
        }
        if !running.is_empty() {
            tasks.extend(self.evaluate(running, now).await);
        }
        for task in tasks {
            if let Err(error) = task.await {
                tracing::error!(%error, "a run's round failed; the other runs went on");
            }
        }
    }

    /// Evaluates the current step of every run in `running` with one series load and one round
    /// of data checks, each run then in a task of its own.
    async fn evaluate(
        &self,
        running: Vec<StoredRun>,
        now: Millis,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        let wanted: Vec<Wanted> = running.iter().flat_map(|r| wanted(r, now)).collect();
        let series = match metrics::load(&self.state, &wanted).await {
            Ok(series) => Arc::new(series),
            Err(error) => {
                tracing::warn!(%error, "executor could not load the series; no run evaluated");
                return Vec::new();
            }
        };
        let urls = running.iter().flat_map(data_check_urls).collect();
        let checks = Arc::new(self.actuator.data_checks(urls).await);
        running
            .into_iter()
            .map(|run| {
                let (this, series, checks) = (self.clone(), series.clone(), checks.clone());
                tokio::spawn(async move {
                    let verdict =
                        health::evaluate_step(&run.run, &run.state, &series, &checks, now);
                    this.record(&run, &verdict, now).await;
                    this.act(&run, &verdict).await;
                })
            })
            .collect()
    }

    async fn record(&self, run: &StoredRun, verdict: &StepVerdict, now: Millis) {
        let Some(step) = run.state.step else { return };
        let store = &self.state.store;
        match store
            .record_evaluation(run.id, run.state.stage, step, verdict, now)
            .await
        {
            Ok(()) => self.state.live.publish(run.id),
            Err(error) => tracing::warn!(run = run.id, %error, "evaluation not recorded"),
        }
    }

    /// Appends what `tick` decides for `run`, as the executor, and starts the delivery of an
    /// actuation it asked for.
    async fn act(&self, run: &StoredRun, verdict: &StepVerdict) {
        let now = self.state.settings.clock.now();
        let Some((kinds, reason)) = tick(&run.run, &run.state, verdict, now) else {
            return;
        };
        if let Some(decision) = calendar::hold(&self.state, run, &kinds, now).await {
            self.wait(run, decision, now).await;
            return;
        }
        match self.append(run, kinds, &reason, now).await {
            Ok(Some(state)) if state.pending.is_some() => self.deliver(run.id),
            Ok(_) => {}
            Err(error) => tracing::warn!(run = run.id, %error, "executor's events not recorded"),
        }
    }

    /// Records that the calendar holds `run`, once per reason: the run page shows it waiting
    /// ("waiting for weekday-mornings, opens Mon 09:00 CET") and the next rounds ask again.
    async fn wait(&self, run: &StoredRun, decision: Decision, now: Millis) {
        let waiting = Waiting {
            reason: decision.reason,
            opens_at: decision.next_allowed,
        };
        if run.state.waiting.as_ref() == Some(&waiting) {
            return;
        }
        let kinds = vec![EventKind::WindowClosed {
            opens_at: waiting.opens_at,
        }];
        if let Err(error) = self.append(run, kinds, &waiting.reason, now).await {
            tracing::warn!(run = run.id, %error, "the calendar's hold not recorded");
        }
    }

    /// Appends the executor's events expecting the revision `run` was read at, and publishes
    /// the new state. `None`: a person acted in between; the next round sees what is there now.
    async fn append(
        &self,
        run: &StoredRun,
        kinds: Vec<EventKind>,
        reason: &str,
        at: Millis,
    ) -> Result<Option<RunState>, StoreError> {
        let appended = self
            .state
            .store
            .append_events(
                run.id,
                run.state.revision,
                &Actor::Executor,
                kinds,
                reason,
                at,
                None,
            )
            .await;
        match appended {
            Ok(appended) => {
                self.state.live.publish(run.id);
                Ok(Some(appended.state))
            }
            Err(StoreError::Conflict(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Delivers run `id`'s pending actuation in a task of its own, unless one is under way.
    fn deliver(&self, id: i64) {
        let claimed = self
            .delivering
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id);
        if !claimed {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let _claim = Claim {
                delivering: this.delivering.clone(),
                run: id,
            };
            if let Err(error) = this.deliver_pending(id).await {
                tracing::warn!(run = id, %error, "actuation not delivered");
            }
        });
    }

    /// Sends the pending actuation to every webhook it concerns, then records the
    /// acknowledgement, or pauses the run with the reason when it could not be delivered after
    /// every attempt: a step waits for a person to retry, resume or roll back; an interrupted
    /// rollback for a person to roll back again or abort (retrying a webhook that keeps failing,
    /// round after round, would hide the failure from people).
    async fn deliver_pending(&self, id: i64) -> Result<(), StoreError> {
        // Read now, not when the round started: a delivery that just finished must not be
        // repeated from a stale state.
        let Some(run) = self.state.store.run(id).await? else {
            return Ok(());
        };
        let (RunStatus::Running | RunStatus::RollingBack, Some(pending)) =
            (run.state.status, &run.state.pending)
        else {
            return Ok(());
        };
        let events = self.state.store.events(run.id).await?;
        let Some(requested) = events.iter().rev().find(|e| event_name(&e.kind).is_some()) else {
            return Err(StoreError::Corrupt(format!(
                "run {} waits for an acknowledgement no event asked for",
                run.id
            )));
        };
        let webhooks = announcements(&run, pending, requested);
        let sent = webhooks
            .iter()
            .map(|((url, secret_env), (services, body))| async move {
                let outcome = self.actuator.deliver(url, secret_env, body).await;
                outcome.map_err(|error| format!("webhook for {} {error}", services.join(", ")))
            });
        let failures: Vec<String> = futures_util::future::join_all(sent)
            .await
            .into_iter()
            .filter_map(Result::err)
            .collect();
        let (kind, reason) = if failures.is_empty() {
            let services: BTreeSet<&str> = webhooks
                .values()
                .flat_map(|(s, _)| s.iter().map(String::as_str))
                .collect();
            let services = services.into_iter().collect::<Vec<_>>().join(", ");
            (
                EventKind::Acknowledged,
                format!("the webhooks of {services} acknowledged"),
            )
        } else {
            // During a rollback this is the domain's "rollback interrupted".
            (
                EventKind::Paused { failed: Vec::new() },
                failures.join("; "),
            )
        };
        self.append(&run, vec![kind], &reason, self.state.settings.clock.now())
            .await?;
        Ok(())
    }
}

/// Releases a run's delivery slot when its task ends, however it ends.
struct Claim {
    delivering: Arc<Mutex<HashSet<i64>>>,
    run: i64,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.delivering
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.run);
    }
}

/// What evaluating `run` at `now` reads: its services over the gates' recent windows (ending
/// with the bucket `now` is in) and over their baseline (the same length, ending when the stage
/// started), not everything in between.
///
/// `series_needed` gives only where the earliest read starts. Every window has a baseline of
/// its own length ending at the stage's start, so the widest window's length is the distance
/// from that start back to `from`.
fn wanted(run: &StoredRun, now: Millis) -> Vec<Wanted> {
    let needed = health::series_needed(&run.run, &run.state, now);
    let whole = |from| Wanted {
        services: needed.services.clone(),
        from,
        to: now,
    };
    let Some(started) = run.state.stage_started_at else {
        return vec![whole(needed.from)];
    };
    let baseline_to = bucket_start(started);
    let widest = baseline_to - needed.from;
    let recent_from = bucket_start(now) + BUCKET_MILLIS - widest;
    if widest <= 0 || recent_from <= baseline_to {
        return vec![whole(needed.from)];
    }
    vec![
        Wanted {
            services: needed.services.clone(),
            from: needed.from,
            to: baseline_to,
        },
        whole(recent_from),
    ]
}

/// The URLs of the data-check gates of `run`'s current stage (every step's: a service with fewer
/// steps than the stage stays watched with its last step's gates).
fn data_check_urls(run: &StoredRun) -> Vec<String> {
    run.run
        .plan
        .stages
        .get(run.state.stage)
        .into_iter()
        .flat_map(|stage| &stage.steps)
        .flat_map(|step| &step.gates)
        .filter(|g| g.signal == Signal::DataCheck)
        .filter_map(|g| g.check.clone())
        .collect()
}

/// The webhook event name of an actuation event; `None` for the others.
fn event_name(kind: &EventKind) -> Option<&'static str> {
    match kind {
        EventKind::StepRequested { .. } => Some("step_requested"),
        EventKind::StageRolledBack { .. } => Some("stage_rolled_back"),
        EventKind::Retried { .. } => Some("retried"),
        _ => None,
    }
}

/// Per webhook (url, secret variable): the services it is told about and the body it gets.
type Webhooks = BTreeMap<(String, String), (Vec<String>, Announcement)>;

/// What each webhook is told about `pending`: the services it moves (a step's services, or
/// every service of a stage rolled back) with their split as the state now has it.
fn announcements(run: &StoredRun, pending: &Pending, requested: &RunEvent) -> Webhooks {
    let (stage, step, moved): (usize, Option<usize>, Vec<&str>) = match *pending {
        Pending::Step { stage, step } => {
            let services = run.run.step(stage, step).into_iter();
            (
                stage,
                Some(step),
                services.map(|s| s.service.as_str()).collect(),
            )
        }
        Pending::Rollback { stage } => {
            let services = run.run.plan.stages.get(stage).into_iter();
            (
                stage,
                None,
                services
                    .flat_map(|s| &s.services)
                    .map(String::as_str)
                    .collect(),
            )
        }
    };
    let mut webhooks = Webhooks::new();
    for service in run
        .run
        .services
        .iter()
        .filter(|s| moved.contains(&s.service.as_str()))
    {
        let Some(webhook) = &service.webhook else {
            continue;
        };
        let exposure = run
            .state
            .exposure
            .iter()
            .filter(|(p, _)| p.service == service.service)
            .map(|(p, percent)| RegionPercent {
                region: p.region.clone(),
                percent: *percent,
            })
            .collect();
        let (services, announcement) = webhooks
            .entry((webhook.url.clone(), webhook.secret_env.clone()))
            .or_insert_with(|| {
                let body = Announcement {
                    run: run.id,
                    plan: run.run.plan_name.clone(),
                    plan_revision: run.run.plan_revision,
                    event: event_name(&requested.kind).unwrap_or_default(),
                    seq: requested.seq,
                    stage,
                    step,
                    services: Vec::new(),
                    at: requested.at,
                };
                (Vec::new(), body)
            });
        services.push(service.service.clone());
        announcement.services.push(ServiceExposure {
            service: service.service.clone(),
            from_version: service.from_version.clone(),
            to_version: service.to_version.clone(),
            exposure,
        });
    }
    webhooks
}
