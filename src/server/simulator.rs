//! The built-in traffic simulator as a background task, and the faults injected into it.
//!
//! Every second the task asks the domain simulator for the samples of the second just ended,
//! given the current catalog, the exposure of the active runs and the active faults, and adds
//! them to the same in-memory aggregation as pushed batches.

use super::metrics::{self, CatalogServices};
use super::AppState;
use crate::wire::contracts::shorten;
use crate::wire::runs::FaultRequest;
use crate::wire::ApiError;
use breakwater_domain::run::Millis;
use breakwater_domain::simulator::{Fault, Simulator};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Most faults active at once.
pub const MAX_FAULTS: usize = 100;
pub const MAX_ADDED_LATENCY_MS: f64 = 60_000.0;
pub const MAX_FAULT_SECS: u64 = 3600;
pub const MAX_VERSION_CHARS: usize = 100;

const PERIOD: Duration = Duration::from_secs(1);

/// The faults currently injected (shared by the API and the simulator task).
#[derive(Clone, Default)]
pub struct Faults {
    active: Arc<Mutex<Vec<Fault>>>,
}

impl Faults {
    fn list(&self) -> MutexGuard<'_, Vec<Fault>> {
        self.active.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The faults still active at `now`, in the order they were injected; expired ones are
    /// dropped.
    pub fn active(&self, now: Millis) -> Vec<Fault> {
        let mut list = self.list();
        list.retain(|f| f.until > now);
        list.clone()
    }

    /// Ends every fault: how many were active.
    pub fn clear(&self, now: Millis) -> usize {
        let mut list = self.list();
        let active = list.iter().filter(|f| f.until > now).count();
        list.clear();
        active
    }

    fn add(&self, fault: Fault) -> Result<(), ApiError> {
        let mut list = self.list();
        list.retain(|f| f.until > fault.from);
        if list.len() >= MAX_FAULTS {
            return Err(ApiError::Conflict(format!(
                "{MAX_FAULTS} faults are active already; clear them first"
            )));
        }
        list.push(fault);
        Ok(())
    }
}

/// Checks `request` (every value in range, the service in the current catalog: 404 otherwise)
/// and injects it from now: the fault as injected.
pub async fn add_fault(state: &AppState, request: FaultRequest) -> Result<Fault, ApiError> {
    let problems = out_of_range(&request);
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems.join("; ")));
    }
    let services = metrics::catalog_services(state).await?;
    if !services.services.contains_key(&request.service) {
        return Err(ApiError::NotFound(format!(
            "service '{}'",
            shorten(&request.service)
        )));
    }
    let from = state.settings.clock.now();
    let fault = Fault {
        service: request.service,
        version: request.version,
        added_latency_ms: request.added_latency_ms,
        error_rate: request.error_rate,
        from,
        until: from + 1000 * request.duration_secs as Millis,
    };
    state.faults.add(fault.clone())?;
    Ok(fault)
}

/// What the UI's fault form calls: [`add_fault`] without the answer.
pub async fn inject(state: &AppState, fault: FaultRequest) -> Result<(), ApiError> {
    add_fault(state, fault).await.map(drop)
}

/// Every value of `request` outside its range, as sentences.
fn out_of_range(request: &FaultRequest) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(version) = &request.version {
        if version.trim().is_empty() || version.chars().count() > MAX_VERSION_CHARS {
            problems.push(format!(
                "version must be 1 to {MAX_VERSION_CHARS} characters (or left out for every version)"
            ));
        }
    }
    if !(0.0..=MAX_ADDED_LATENCY_MS).contains(&request.added_latency_ms) {
        problems.push(format!(
            "added_latency_ms must be between 0 and {MAX_ADDED_LATENCY_MS}"
        ));
    }
    if !(0.0..=1.0).contains(&request.error_rate) {
        problems.push("error_rate must be between 0 and 1".into());
    }
    if !(1..=MAX_FAULT_SECS).contains(&request.duration_secs) {
        problems.push(format!(
            "duration_secs must be between 1 and {MAX_FAULT_SECS}"
        ));
    }
    if request.added_latency_ms == 0.0 && request.error_rate == 0.0 {
        problems.push("a fault needs added_latency_ms or error_rate above 0".into());
    }
    problems
}

/// Starts producing samples every second.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PERIOD);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut current: Option<(Arc<CatalogServices>, Simulator)> = None;
        loop {
            every.tick().await;
            if let Err(error) = simulate(&state, &mut current, state.settings.clock.now()).await {
                tracing::warn!(%error, "the simulator skipped a second");
            }
        }
    });
}

/// Adds the samples of the second ending at `now`. `current` keeps the simulator of the catalog
/// revision it was built for.
async fn simulate(
    state: &AppState,
    current: &mut Option<(Arc<CatalogServices>, Simulator)>,
    now: Millis,
) -> Result<(), ApiError> {
    let services = metrics::catalog_services(state).await?;
    let simulator = match current {
        Some((built_for, simulator)) if Arc::ptr_eq(built_for, &services) => simulator,
        _ => {
            let simulator = Simulator::new(services.topology.clone());
            &mut current.insert((services, simulator)).1
        }
    };
    let traffic = super::runs::traffic(state).await?;
    let period = PERIOD.as_millis() as Millis;
    let samples = simulator.samples(&traffic, &state.faults.active(now), now, period);
    state.metrics.merge(metrics::aggregate(&samples))
}
