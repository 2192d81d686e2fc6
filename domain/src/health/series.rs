//! Time-bucketed series: what ingestion aggregates and stores, and what evaluations read.

use super::{Histogram, Latency, Sample, BUCKET_MILLIS};
use crate::run::Millis;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Bound;

/// Which series a bucket belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey {
    pub service: String,
    pub version: String,
    pub region: Option<String>,
}

/// One series over one bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub requests: u64,
    pub errors: u64,
    pub latency: Histogram,
}

impl Bucket {
    /// The bucket of one sample (percentiles are spread over the histogram: half the requests
    /// at p50, 40% at p90, the rest at p99, which keeps p99 right when windows merge; a
    /// histogram sample's counts are recorded at their bounds, the overflow at twice the last
    /// bound).
    pub fn of(sample: &Sample) -> Bucket {
        let mut latency = Histogram::default();
        match &sample.latency {
            Latency::Percentiles { p50, p90, p99 } => {
                let half = sample.requests / 2;
                let forty = sample.requests / 5 * 2 + sample.requests % 5 * 2 / 5;
                latency.record(*p50, half);
                latency.record(*p90, forty);
                latency.record(*p99, sample.requests - half - forty);
            }
            Latency::Histogram { bounds_ms, counts } => {
                let overflow = bounds_ms.last().map_or(0.0, |last| last * 2.0);
                let at = bounds_ms.iter().copied().chain(std::iter::once(overflow));
                for (bound, &count) in at.zip(counts) {
                    latency.record(bound, count);
                }
            }
        }
        Bucket {
            requests: sample.requests,
            errors: sample.errors,
            latency,
        }
    }

    pub fn merge(&mut self, other: &Bucket) {
        self.requests = self.requests.saturating_add(other.requests);
        self.errors = self.errors.saturating_add(other.errors);
        self.latency.merge(&other.latency);
    }
}

/// The start of the bucket `at` falls in.
pub fn bucket_start(at: Millis) -> Millis {
    at.div_euclid(BUCKET_MILLIS) * BUCKET_MILLIS
}

/// Buckets in memory: what the server loads for an evaluation, what ingestion aggregates before
/// it writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub buckets: BTreeMap<(SeriesKey, Millis), Bucket>,
}

impl Series {
    pub fn add(&mut self, sample: &Sample) {
        self.merge_bucket(
            SeriesKey {
                service: sample.service.clone(),
                version: sample.version.clone(),
                region: sample.region.clone(),
            },
            bucket_start(sample.at),
            &Bucket::of(sample),
        );
    }

    pub fn merge_bucket(&mut self, key: SeriesKey, start: Millis, bucket: &Bucket) {
        self.buckets.entry((key, start)).or_default().merge(bucket);
    }

    /// Every region of `service` (one version, or all with `None`) over the buckets starting in
    /// `[from, to)`.
    ///
    /// Walks the map by ranges: one seek per series to `from`, then the window's buckets, then
    /// one seek past the series; the cost does not grow with the rest of the map.
    pub fn aggregate(
        &self,
        service: &str,
        version: Option<&str>,
        from: Millis,
        to: Millis,
    ) -> Aggregate {
        let mut total = Aggregate::default();
        let first = SeriesKey {
            service: service.to_string(),
            version: version.unwrap_or_default().to_string(),
            region: None,
        };
        let mut cursor = Bound::Included((first, Millis::MIN));
        while let Some(((key, start), _)) = self.buckets.range((cursor, Bound::Unbounded)).next() {
            if key.service != service || version.is_some_and(|v| key.version != v) {
                break;
            }
            let past_series = Bound::Excluded((key.clone(), Millis::MAX));
            cursor = if *start < from {
                Bound::Included((key.clone(), from))
            } else if *start >= to {
                past_series
            } else {
                // Inside the window: read this series' buckets up to `to`, then skip past it.
                let window = (
                    Bound::Included((key.clone(), *start)),
                    Bound::Excluded((key.clone(), to)),
                );
                for (_, bucket) in self.buckets.range(window) {
                    total.add(bucket);
                }
                past_series
            };
        }
        total
    }
}

/// A window's totals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregate {
    pub requests: u64,
    pub errors: u64,
    pub latency: Histogram,
}

impl Aggregate {
    /// Errors per request in percent; `None` without requests.
    pub fn error_rate(&self) -> Option<f64> {
        (self.requests > 0).then(|| self.errors as f64 * 100.0 / self.requests as f64)
    }

    pub fn p99(&self) -> Option<f64> {
        self.latency.quantile(0.99)
    }

    fn add(&mut self, bucket: &Bucket) {
        self.requests = self.requests.saturating_add(bucket.requests);
        self.errors = self.errors.saturating_add(bucket.errors);
        self.latency.merge(&bucket.latency);
    }
}
