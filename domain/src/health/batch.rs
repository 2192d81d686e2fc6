//! Checking a pushed metric batch before anything of it is stored.

use super::{Latency, Sample, MAX_BATCH_SAMPLES, MAX_FUTURE_MILLIS};
use crate::plan::document::{shorten, MAX_NAME_CHARS};
use crate::run::Millis;
use serde::{Deserialize, Serialize};

/// Most problems reported for one batch: validation stops there, so a huge bad batch costs
/// little to refuse and its answer stays short.
pub const MAX_BATCH_PROBLEMS: usize = 100;
/// Most requests (and errors) one sample may count.
pub const MAX_SAMPLE_REQUESTS: u64 = 1_000_000_000;
/// Longest latency a sample may report: anything slower is a unit mistake.
pub const MAX_LATENCY_MS: f64 = 3_600_000.0;
/// Most bounds a histogram sample may have.
pub const MAX_HISTOGRAM_BOUNDS: usize = 200;

/// One thing wrong with a metric batch; the batch is refused whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchProblem {
    /// `samples[3].latency.p99`
    pub path: String,
    pub message: String,
}

/// Checks a batch at `now` against the limits and `is_known` (the catalog's services): every
/// problem (at most [`MAX_BATCH_PROBLEMS`]), or nothing when the whole batch may be stored.
/// `retention` is how far back a sample may be.
///
/// A histogram's counts must add up to the sample's requests exactly: every request has a
/// latency, and a histogram that counts other requests would skew the percentiles.
pub fn validate_batch(
    samples: &[Sample],
    now: Millis,
    retention: Millis,
    is_known: &dyn Fn(&str) -> bool,
) -> Result<(), Vec<BatchProblem>> {
    let mut problems = Problems::default();
    if samples.is_empty() {
        problems.push("samples", "the batch has no samples".to_string());
    } else if samples.len() > MAX_BATCH_SAMPLES {
        problems.push(
            "samples",
            format!(
                "the batch has {} samples; send at most {MAX_BATCH_SAMPLES} per batch",
                samples.len()
            ),
        );
    } else {
        for (i, sample) in samples.iter().enumerate() {
            if problems.full() {
                break;
            }
            check_sample(
                &format!("samples[{i}]"),
                sample,
                now,
                retention,
                is_known,
                &mut problems,
            );
        }
    }
    problems.into_result()
}

#[derive(Default)]
struct Problems(Vec<BatchProblem>);

impl Problems {
    fn push(&mut self, path: impl Into<String>, message: String) {
        if !self.full() {
            self.0.push(BatchProblem {
                path: path.into(),
                message,
            });
        }
    }

    fn full(&self) -> bool {
        self.0.len() >= MAX_BATCH_PROBLEMS
    }

    fn into_result(self) -> Result<(), Vec<BatchProblem>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

fn check_sample(
    at: &str,
    sample: &Sample,
    now: Millis,
    retention: Millis,
    is_known: &dyn Fn(&str) -> bool,
    out: &mut Problems,
) {
    if sample.service.is_empty() {
        out.push(format!("{at}.service"), "a sample names its service".into());
    } else if !is_known(&sample.service) {
        out.push(
            format!("{at}.service"),
            format!(
                "'{}' is not a service of the catalog",
                shorten(&sample.service)
            ),
        );
    }
    check_name(&format!("{at}.version"), "version", &sample.version, out);
    if let Some(region) = &sample.region {
        check_name(&format!("{at}.region"), "region", region, out);
    }
    if sample.at > now.saturating_add(MAX_FUTURE_MILLIS) {
        out.push(
            format!("{at}.at"),
            format!(
                "{} is {} s in the future; clocks may differ by at most {} s",
                sample.at,
                (sample.at - now) / 1000,
                MAX_FUTURE_MILLIS / 1000
            ),
        );
    } else if sample.at < now.saturating_sub(retention) {
        out.push(
            format!("{at}.at"),
            format!(
                "{} is older than the {} h kept",
                sample.at,
                retention / 3_600_000
            ),
        );
    }
    for (field, count) in [("requests", sample.requests), ("errors", sample.errors)] {
        if count > MAX_SAMPLE_REQUESTS {
            out.push(
                format!("{at}.{field}"),
                format!("{count} {field} in one sample; at most {MAX_SAMPLE_REQUESTS}"),
            );
        }
    }
    if sample.errors > sample.requests {
        out.push(
            format!("{at}.errors"),
            format!(
                "{} errors out of {} requests",
                sample.errors, sample.requests
            ),
        );
    }
    match &sample.latency {
        Latency::Percentiles { p50, p90, p99 } => {
            let named = [("p50", *p50), ("p90", *p90), ("p99", *p99)];
            let mut usable = true;
            for (name, ms) in named {
                usable &= check_latency(&format!("{at}.latency.{name}"), ms, out);
            }
            if usable {
                for pair in named.windows(2) {
                    let ((low, low_ms), (high, high_ms)) = (pair[0], pair[1]);
                    if high_ms < low_ms {
                        out.push(
                            format!("{at}.latency.{high}"),
                            format!("{high} ({high_ms} ms) is below {low} ({low_ms} ms)"),
                        );
                    }
                }
            }
        }
        Latency::Histogram { bounds_ms, counts } => check_histogram(
            &format!("{at}.latency"),
            sample.requests,
            bounds_ms,
            counts,
            out,
        ),
    }
}

fn check_name(path: &str, what: &str, name: &str, out: &mut Problems) {
    if name.trim().is_empty() {
        out.push(path, format!("the {what} needs a name"));
    } else if name.chars().nth(MAX_NAME_CHARS).is_some() {
        out.push(
            path,
            format!(
                "{what} '{}' is longer than {MAX_NAME_CHARS} characters",
                shorten(name)
            ),
        );
    }
}

/// Whether a latency is usable; reports it when not.
fn check_latency(path: &str, ms: f64, out: &mut Problems) -> bool {
    let usable = ms.is_finite() && (0.0..=MAX_LATENCY_MS).contains(&ms);
    if !usable {
        out.push(
            path,
            format!("a latency is 0 to {MAX_LATENCY_MS} ms (one hour), not {ms}"),
        );
    }
    usable
}

fn check_histogram(
    path: &str,
    requests: u64,
    bounds_ms: &[f64],
    counts: &[u64],
    out: &mut Problems,
) {
    // With only the overflow count there is no bound to place a request under: every latency
    // would read as 0 ms.
    if bounds_ms.is_empty() {
        out.push(
            format!("{path}.bounds_ms"),
            "a histogram needs at least one bound; an overflow count alone has no latency"
                .to_string(),
        );
        return;
    }
    if bounds_ms.len() > MAX_HISTOGRAM_BOUNDS {
        out.push(
            format!("{path}.bounds_ms"),
            format!(
                "{} bounds; a histogram has at most {MAX_HISTOGRAM_BOUNDS}",
                bounds_ms.len()
            ),
        );
        return;
    }
    for (k, &bound) in bounds_ms.iter().enumerate() {
        check_latency(&format!("{path}.bounds_ms[{k}]"), bound, out);
    }
    for (k, pair) in bounds_ms.windows(2).enumerate() {
        if pair[1] <= pair[0] {
            out.push(
                format!("{path}.bounds_ms[{}]", k + 1),
                format!(
                    "bounds must increase: {} ms comes after {} ms",
                    pair[1], pair[0]
                ),
            );
        }
    }
    if counts.len() != bounds_ms.len() + 1 {
        out.push(
            format!("{path}.counts"),
            format!(
                "{} counts for {} bounds; give one count per bound and one for the overflow",
                counts.len(),
                bounds_ms.len()
            ),
        );
    }
    let total = counts.iter().map(|&c| u128::from(c)).sum::<u128>();
    if total != u128::from(requests) {
        out.push(
            format!("{path}.counts"),
            format!("the counts add up to {total}, not to the sample's {requests} requests"),
        );
    }
}
