//! Health signals and gates: metric samples, their time buckets, and the verdict of a step's
//! gates (its own services against thresholds or their stable version; downstream services
//! against their own baseline from before the stage started).
//!
//! # Layout
//! - this module: [`Sample`] and [`Latency`], as pushed and as simulated, and the limits.
//! - [`batch`]: [`validate_batch`], every problem of a pushed batch with its path.
//! - [`histogram`]: [`Histogram`], fixed logarithmic latency buckets (error bound there).
//! - [`series`]: [`Bucket`]s keyed by [`SeriesKey`] and start, [`Series::aggregate`] over a window.
//! - [`gates`]: [`series_needed`], [`evaluate_step`], [`describe_failure`], [`amount`]; the
//!   rules are documented there.

pub mod batch;
pub mod gates;
pub mod histogram;
pub mod series;

pub use batch::{validate_batch, BatchProblem};
pub use gates::{
    amount, describe_failure, evaluate_step, series_needed, Evaluation, Scope, SeriesNeeded,
    StepVerdict, Verdict,
};
pub use histogram::Histogram;
pub use series::{bucket_start, Aggregate, Bucket, Series, SeriesKey};

use crate::run::Millis;
use serde::{Deserialize, Serialize};

/// Samples are kept in buckets of this width (the bucket starts at a multiple of it).
pub const BUCKET_MILLIS: Millis = 10_000;
/// A batch holds at most this many samples.
pub const MAX_BATCH_SAMPLES: usize = 10_000;
/// Samples further in the future than this are refused (clock skew allowance).
pub const MAX_FUTURE_MILLIS: Millis = 5 * 60 * 1000;

/// What a service, version and region saw over a short period ending at `at`, as pushed to
/// `POST /api/v1/metrics` or produced by the simulator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub service: String,
    pub version: String,
    #[serde(default)]
    pub region: Option<String>,
    pub at: Millis,
    pub requests: u64,
    pub errors: u64,
    pub latency: Latency,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Latency {
    /// Percentiles in milliseconds.
    Percentiles { p50: f64, p90: f64, p99: f64 },
    /// A histogram: `counts[i]` requests took at most `bounds_ms[i]` (and more than the bound
    /// before); one more count than bounds is the overflow. At least one bound.
    Histogram {
        bounds_ms: Vec<f64>,
        counts: Vec<u64>,
    },
}
