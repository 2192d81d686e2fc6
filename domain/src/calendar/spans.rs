//! Sorted, disjoint half-open intervals of time: what is open when.

use serde::{Deserialize, Serialize};

use super::Millis;

/// `start..end`, half-open: a window that closes at 14:00 is closed at 14:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Interval {
    pub start: Millis,
    pub end: Millis,
}

impl Interval {
    pub fn contains(&self, at: Millis) -> bool {
        self.start <= at && at < self.end
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Sorted, disjoint, non-empty intervals with a gap between any two.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spans(Vec<Interval>);

impl From<Vec<Interval>> for Spans {
    fn from(intervals: Vec<Interval>) -> Spans {
        Spans::merged(intervals)
    }
}

impl Spans {
    /// The union of `intervals`, in any order, overlapping or not.
    pub fn merged(mut intervals: Vec<Interval>) -> Spans {
        intervals.retain(|i| i.start < i.end);
        intervals.sort_unstable();
        let mut out: Vec<Interval> = Vec::with_capacity(intervals.len());
        for interval in intervals {
            match out.last_mut() {
                Some(last) if interval.start <= last.end => last.end = last.end.max(interval.end),
                _ => out.push(interval),
            }
        }
        Spans(out)
    }

    pub fn as_slice(&self) -> &[Interval] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<Interval> {
        self.0
    }

    /// The interval holding `at`, if any.
    fn at(&self, at: Millis) -> Option<&Interval> {
        let i = self.0.partition_point(|i| i.end <= at);
        self.0.get(i).filter(|i| i.start <= at)
    }

    pub fn contains(&self, at: Millis) -> bool {
        self.at(at).is_some()
    }

    /// The first time at or after `at` inside a span.
    pub fn next_from(&self, at: Millis) -> Option<Millis> {
        let i = self.0.partition_point(|i| i.end <= at);
        self.0.get(i).map(|i| i.start.max(at))
    }

    /// The first start at or after `at` from which `length` fits inside one span (the start
    /// itself when `length` is zero).
    pub fn next_fit(&self, at: Millis, length: Millis) -> Option<Millis> {
        let first = self.0.partition_point(|i| i.end <= at);
        self.0[first..].iter().find_map(|i| {
            let start = i.start.max(at);
            (start.saturating_add(length) <= i.end).then_some(start)
        })
    }

    /// These spans without `other`'s.
    pub fn minus(&self, other: &Spans) -> Spans {
        let mut out = Vec::with_capacity(self.0.len());
        let mut cuts = other.0.iter().peekable();
        for &interval in &self.0 {
            let mut start = interval.start;
            while let Some(cut) = cuts.peek() {
                if cut.end <= start {
                    cuts.next();
                    continue;
                }
                if cut.start >= interval.end {
                    break;
                }
                if cut.start > start {
                    out.push(Interval {
                        start,
                        end: cut.start,
                    });
                }
                start = start.max(cut.end);
                if cut.end >= interval.end {
                    break;
                }
                cuts.next();
            }
            if start < interval.end {
                out.push(Interval {
                    start,
                    end: interval.end,
                });
            }
        }
        Spans(out)
    }

    /// These spans where `other` also is.
    pub fn intersect(&self, other: &Spans) -> Spans {
        let (mut a, mut b) = (0, 0);
        let mut out = Vec::new();
        while let (Some(x), Some(y)) = (self.0.get(a), other.0.get(b)) {
            let start = x.start.max(y.start);
            let end = x.end.min(y.end);
            if start < end {
                out.push(Interval { start, end });
            }
            if x.end < y.end {
                a += 1;
            } else {
                b += 1;
            }
        }
        Spans(out)
    }
}
