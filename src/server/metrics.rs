//! Health signals: pushed metric batches, aggregated in memory and flushed to time buckets in the
//! database, retention, and the series evaluations and sparklines read.
//!
//! A batch is parsed, validated and aggregated on a job thread; only the merge of its buckets
//! into the shared [`Ingest`] takes a lock. Every second a flush writes what has accumulated to
//! the database in one transaction. `load` reads the database and the memory under the same gate
//! as the flush, so it sees every bucket exactly once, whichever side of a flush it is on.

use super::store::Wanted;
use super::AppState;
use crate::wire::ApiError;
use breakwater_domain::catalog::Catalog;
use breakwater_domain::health::gates::measure;
use breakwater_domain::health::{
    bucket_start, validate_batch, BatchProblem, Sample, Series, BUCKET_MILLIS,
};
use breakwater_domain::plan::policy::DEFAULT_OBJECTIVE;
use breakwater_domain::plan::{Signal, Topology};
use breakwater_domain::run::Millis;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Largest `POST /api/v1/metrics` body: a full batch with histograms and room to spare.
pub const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;
/// Most buckets (series × bucket start) waiting for the next flush. A flood of distinct series
/// is refused (503) past it instead of growing the memory without bound.
pub const MAX_PENDING_BUCKETS: usize = 50_000;
/// A sparkline's span: one point per bucket.
pub const SPARKLINE_POINTS: i64 = 15 * 60 * 1000 / BUCKET_MILLIS;

const FLUSH_EVERY: Duration = Duration::from_secs(1);
const SWEEP_EVERY: Duration = Duration::from_secs(5 * 60);
/// Buckets one retention transaction deletes: small, so the writer is never held for long.
const SWEEP_BATCH: u32 = 2_000;

/// Samples aggregated since the last flush, and the catalog's services they are checked against.
#[derive(Clone, Default)]
pub struct Ingest {
    pending: Arc<Mutex<Series>>,
    /// Held by a flush from taking the pending buckets until they are committed, and by `load`
    /// while it reads the database and the memory.
    flush_gate: Arc<tokio::sync::Mutex<()>>,
    services: Arc<tokio::sync::Mutex<Option<Arc<CatalogServices>>>>,
}

/// The current catalog's services, kept per catalog revision so a batch (or an exposure poll)
/// costs one indexed lookup of the revision, not a catalog read.
pub struct CatalogServices {
    pub revision: Option<i64>,
    /// Every service by id: its version and regions.
    pub services: HashMap<String, CatalogService>,
    pub topology: Topology,
}

/// A service as the catalog has it now.
pub struct CatalogService {
    pub version: String,
    pub regions: Vec<String>,
}

/// Why a batch was not ingested.
#[derive(Debug)]
pub enum IngestError {
    /// The batch breaks the rules: every problem, nothing of it kept.
    Refused(Vec<BatchProblem>),
    Failed(ApiError),
}

impl From<ApiError> for IngestError {
    fn from(e: ApiError) -> Self {
        IngestError::Failed(e)
    }
}

impl Ingest {
    fn pending(&self) -> MutexGuard<'_, Series> {
        // Nothing panics while holding it; a poisoned lock still holds whole buckets.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `batch` to the buckets waiting for the flush, or refuses it whole (503) when its new
    /// series would take the memory past [`MAX_PENDING_BUCKETS`].
    pub fn merge(&self, batch: Series) -> Result<(), ApiError> {
        let mut pending = self.pending();
        let new = batch
            .buckets
            .keys()
            .filter(|k| !pending.buckets.contains_key(*k))
            .count();
        if new > 0 && pending.buckets.len() + new > MAX_PENDING_BUCKETS {
            return Err(ApiError::Busy);
        }
        for (key, bucket) in batch.buckets {
            match pending.buckets.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(bucket);
                }
                Entry::Occupied(mut slot) => slot.get_mut().merge(&bucket),
            }
        }
        Ok(())
    }
}

/// The buckets of `samples`.
pub fn aggregate(samples: &[Sample]) -> Series {
    let mut series = Series::default();
    for sample in samples {
        series.add(sample);
    }
    series
}

/// The current catalog's services, from the cache while the catalog has not changed.
pub async fn catalog_services(state: &AppState) -> Result<Arc<CatalogServices>, ApiError> {
    let latest = state.store.latest_revision_id().await?;
    let mut cached = state.metrics.services.lock().await;
    if let Some(services) = cached.as_ref().filter(|s| s.revision == latest) {
        return Ok(services.clone());
    }
    let catalog = match latest {
        Some(revision) => state.store.catalog_at(revision).await?,
        None => Catalog {
            services: Vec::new(),
        },
    };
    let services = Arc::new(CatalogServices {
        revision: latest,
        services: catalog
            .services
            .iter()
            .map(|s| {
                let service = CatalogService {
                    version: s.version.clone(),
                    regions: s.regions.clone(),
                };
                (s.id.clone(), service)
            })
            .collect(),
        topology: Topology::from(&catalog),
    });
    *cached = Some(services.clone());
    Ok(services)
}

/// Ingests the batch `read` produces (parsing a request body): its samples as counted, or every
/// problem and nothing kept. Reading, validating and aggregating run on a job thread, so a large
/// batch never holds up the async runtime.
pub async fn ingest(
    state: &AppState,
    read: impl FnOnce() -> Result<Vec<Sample>, ApiError> + Send + 'static,
) -> Result<usize, IngestError> {
    let services = catalog_services(state).await?;
    let now = state.settings.clock.now();
    let retention = retention_millis(state);
    let (count, batch) = state
        .workers
        .run(move || {
            let samples = read()?;
            validate_batch(&samples, now, retention, &|id| {
                services.services.contains_key(id)
            })
            .map_err(IngestError::Refused)?;
            Ok::<_, IngestError>((samples.len(), aggregate(&samples)))
        })
        .await??;
    state.metrics.merge(batch)?;
    Ok(count)
}

fn retention_millis(state: &AppState) -> Millis {
    Millis::try_from(state.settings.metrics_retention.as_millis()).unwrap_or(Millis::MAX)
}

/// Writes the buckets aggregated since the last flush to the database and clears them: how many
/// were written. Samples arriving meanwhile wait for the next flush; on a failed write the
/// buckets go back to memory for the next try.
pub async fn flush(state: &AppState) -> Result<usize, ApiError> {
    let _gate = state.metrics.flush_gate.lock().await;
    let series = std::mem::take(&mut *state.metrics.pending());
    if series.buckets.is_empty() {
        return Ok(0);
    }
    match state.store.merge_buckets(&series).await {
        Ok(()) => Ok(series.buckets.len()),
        Err(e) => {
            let mut pending = state.metrics.pending();
            for ((key, start), bucket) in series.buckets {
                pending.merge_bucket(key, start, &bucket);
            }
            Err(e.into())
        }
    }
}

/// Deletes the buckets older than the retention period at `now`, a small batch at a time:
/// how many were deleted.
pub async fn sweep(state: &AppState, now: Millis) -> Result<u64, ApiError> {
    let before = now.saturating_sub(retention_millis(state));
    let mut deleted = 0;
    loop {
        let n = state
            .store
            .delete_buckets_before(before, SWEEP_BATCH)
            .await?;
        deleted += n;
        if n < u64::from(SWEEP_BATCH) {
            return Ok(deleted);
        }
        // Let queued writers (run events, the flush) in between batches.
        tokio::task::yield_now().await;
    }
}

/// Starts the periodic flush and the retention sweep.
pub fn spawn(state: AppState) {
    let flushing = state.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(FLUSH_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(error) = flush(&flushing).await {
                tracing::warn!(%error, "metric flush failed; the buckets wait for the next one");
            }
        }
    });
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            match sweep(&state, state.settings.clock.now()).await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "metric buckets past retention deleted"),
                Err(error) => tracing::warn!(%error, "metric retention sweep failed"),
            }
        }
    });
}

/// The buckets `wanted` asks for: what is stored plus what still waits in memory for the flush.
pub async fn load(state: &AppState, wanted: &[Wanted]) -> Result<Series, ApiError> {
    let mut ranges: BTreeMap<&str, Vec<(Millis, Millis)>> = BTreeMap::new();
    for w in wanted {
        for service in &w.services {
            ranges.entry(service).or_default().push((w.from, w.to));
        }
    }
    let _gate = state.metrics.flush_gate.lock().await;
    let mut series = state.store.buckets(wanted).await?;
    let pending = state.metrics.pending();
    let wanted = pending.buckets.iter().filter(|((key, start), _)| {
        ranges
            .get(key.service.as_str())
            .is_some_and(|r| r.iter().any(|(from, to)| (from..=to).contains(&start)))
    });
    for ((key, start), bucket) in wanted {
        series.merge_bucket(key.clone(), *start, bucket);
    }
    Ok(series)
}

/// The last 15 minutes of `signal` for `service` (one version, or all with `None`) up to `to`,
/// as the gates measure it (a burn rate against the default objective: the evaluation does not
/// carry its gate's): one point per bucket, oldest first, `None` where there was no traffic. A
/// data check has no series: empty.
pub async fn sparkline(
    state: &AppState,
    service: &str,
    version: Option<&str>,
    signal: Signal,
    to: Millis,
) -> Result<Vec<Option<f64>>, ApiError> {
    if signal == Signal::DataCheck {
        return Ok(Vec::new());
    }
    let first = bucket_start(to) - (SPARKLINE_POINTS - 1) * BUCKET_MILLIS;
    let wanted = Wanted {
        services: vec![service.to_string()],
        from: first,
        to,
    };
    let series = load(state, &[wanted]).await?;
    Ok((0..SPARKLINE_POINTS)
        .map(|i| {
            let start = first + i * BUCKET_MILLIS;
            let bucket = series.aggregate(service, version, start, start + BUCKET_MILLIS);
            measure(signal, &bucket, DEFAULT_OBJECTIVE)
        })
        .collect())
}
