//! Latency histograms with fixed logarithmic buckets.
//!
//! Bucket `i` holds latencies in `(bound(i - 1), bound(i)]` with `bound(i) = 1.1^i` ms, from
//! 1 ms (bucket 0 also holds everything faster) to `bound(140)` ≈ 623,000 ms ≈ 10.4 minutes;
//! one more bucket holds the overflow. Every histogram uses the same buckets, so merging windows
//! is adding counts, and a merged window's percentile is as exact as a single one's.
//!
//! **Error bound.** [`Histogram::quantile`] interpolates linearly inside the bucket holding the
//! requested rank, so the answer lies in the same bucket as the true value: for latencies from
//! 1 ms to the top bound it is within 10% of the truth (a bucket's bounds differ by ×1.1).
//! Faster than 1 ms it answers at most 1 ms; slower than the top bound it answers the top bound
//! ("more than 10 minutes"). The growth ×1.1 (not a coarser ×1.25) keeps a p99 of 450 ms from
//! reading as 525 ms against a 500 ms gate.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Each bucket's upper bound is this many times the previous one.
const GROWTH: f64 = 1.1;
/// Bounds `1.1^0 ..= 1.1^TOP`: the smallest power of 1.1 past 10 minutes.
const TOP: usize = 140;
/// Buckets with an upper bound, then the overflow.
pub const BOUNDED_BUCKETS: usize = TOP + 1;
/// Every bucket, the overflow last.
pub const BUCKETS: usize = BOUNDED_BUCKETS + 1;

/// The upper bounds of the bounded buckets, in milliseconds.
fn bounds() -> &'static [f64; BOUNDED_BUCKETS] {
    static BOUNDS: OnceLock<[f64; BOUNDED_BUCKETS]> = OnceLock::new();
    BOUNDS.get_or_init(|| std::array::from_fn(|i| GROWTH.powi(i as i32)))
}

/// The upper bound of bucket `index` in ms (the overflow bucket answers the top bound).
pub fn upper_bound(index: usize) -> f64 {
    bounds()[index.min(TOP)]
}

/// The lower bound of bucket `index` in ms (0 for the first).
fn lower_bound(index: usize) -> f64 {
    match index {
        0 => 0.0,
        i => upper_bound(i - 1),
    }
}

/// The bucket a latency falls in; NaN and negative values count as the fastest.
pub fn bucket_of(latency_ms: f64) -> usize {
    if latency_ms.is_nan() || latency_ms <= 1.0 {
        return 0;
    }
    if latency_ms > bounds()[TOP] {
        return BOUNDED_BUCKETS;
    }
    // The logarithm is a guess that rounding can put one bucket off; the bounds decide.
    let mut i = ((latency_ms.ln() / GROWTH.ln()).ceil() as usize).min(TOP);
    while i > 0 && bounds()[i - 1] >= latency_ms {
        i -= 1;
    }
    while bounds()[i] < latency_ms {
        i += 1;
    }
    i
}

/// Latencies in fixed logarithmic buckets, so windows merge exactly and a percentile of a merged
/// window is within one bucket's width of the truth.
///
/// `counts[i]` is the number of requests in bucket `i`; the vector ends at the last non-empty
/// bucket (an empty histogram has no counts), so equal histograms compare equal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub counts: Vec<u64>,
}

impl Histogram {
    pub fn record(&mut self, latency_ms: f64, count: u64) {
        if count == 0 {
            return;
        }
        let i = bucket_of(latency_ms);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] = self.counts[i].saturating_add(count);
    }

    pub fn merge(&mut self, other: &Histogram) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine = mine.saturating_add(*theirs);
        }
    }

    /// Requests recorded.
    pub fn total(&self) -> u64 {
        self.counts.iter().fold(0, |sum, c| sum.saturating_add(*c))
    }

    /// The latency under which fraction `q` (0..=1, clamped) of the requests fell, interpolated
    /// inside its bucket (within 10% of the truth, see the module notes); `None` when empty or
    /// `q` is NaN.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 || q.is_nan() {
            return None;
        }
        // The rank of the request asked for, 1-based: the first for q = 0, the last for q = 1.
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).clamp(1, total);
        let mut before = 0u64;
        for (i, &count) in self.counts.iter().enumerate() {
            if count > 0 && before.saturating_add(count) >= rank {
                if i >= BOUNDED_BUCKETS {
                    return Some(upper_bound(i));
                }
                let (low, high) = (lower_bound(i), upper_bound(i));
                let share = (rank - before) as f64 / count as f64;
                return Some(low + (high - low) * share);
            }
            before = before.saturating_add(count);
        }
        None
    }

    /// A compact text form for storage: the non-empty buckets as `index:count`, in increasing
    /// index order, separated by commas (`"12:40,30:2"`; an empty histogram is `""`).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, &count) in self.counts.iter().enumerate() {
            if count > 0 {
                if !out.is_empty() {
                    out.push(',');
                }
                out.push_str(&i.to_string());
                out.push(':');
                out.push_str(&count.to_string());
            }
        }
        out
    }

    /// The histogram [`encode`](Histogram::encode) wrote; `None` on anything else (unknown
    /// bucket, zero or unparsable count, indices out of order, stray characters).
    pub fn decode(text: &str) -> Option<Histogram> {
        let mut counts = Vec::new();
        if text.is_empty() {
            return Some(Histogram { counts });
        }
        for entry in text.split(',') {
            let (index, count) = entry.split_once(':')?;
            let (index, count) = (number(index)?, number(count)?);
            let index = usize::try_from(index).ok()?;
            if index >= BUCKETS || index < counts.len() || count == 0 {
                return None;
            }
            counts.resize(index + 1, 0);
            counts[index] = count;
        }
        Some(Histogram { counts })
    }
}

/// Plain decimal digits in canonical form only: no sign (`str::parse` would take one) and no
/// leading zero, so a decoded text is exactly what `encode` writes.
fn number(text: &str) -> Option<u64> {
    let canonical = text == "0" || !text.starts_with('0');
    if text.is_empty() || !canonical || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
