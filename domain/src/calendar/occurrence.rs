//! Rules become intervals on the time line, over a bounded span.
//!
//! A recurrence is expanded by the `rrule` crate in *floating* time: its DTSTART is the local
//! start read as if it were UTC, so the RRULE steps through wall-clock days with no zone
//! arithmetic; each occurrence's local start and end (start + duration, also wall-clock) are
//! then placed in the rule's zone with [`resolve`]. That is what makes a 09:00 window stay at
//! 09:00 across DST, and a window over the repeated hour last its local length.

use chrono::{Datelike, Duration, NaiveDateTime};
use rrule::{Frequency, RRule, RRuleSet, Unvalidated};

use super::{
    resolve, Calendar, Decision, Interval, Millis, Recurrence, Rule, RuleKind, Spans, Target, When,
};

/// Occurrences a recurrence may have in one span before the rest are dropped: more than one
/// every 30 minutes for two years is not a window.
const MAX_OCCURRENCES: usize = 40_000;
/// Occurrences a recurrence may step through in one expansion, skipped ones included.
const MAX_ITERATED: usize = 400_000;

impl Recurrence {
    /// The RRULE parsed and checked against its DTSTART, or the parser's message.
    pub fn parse(&self) -> Result<(RRule<Unvalidated>, Frequency), String> {
        let text = floating_until(self.rrule.trim());
        let text = text.strip_prefix("RRULE:").unwrap_or(&text);
        let rule: RRule<Unvalidated> =
            text.parse().map_err(|e: rrule::RRuleError| e.to_string())?;
        let freq = rule.get_freq();
        rule.clone()
            .validate(floating(self.start))
            .map_err(|e| e.to_string())?;
        Ok((rule, freq))
    }

    /// Local (wall-clock) starts of the occurrences that may overlap `from..to` (local too).
    fn local_starts(&self, from: NaiveDateTime, to: NaiveDateTime) -> Vec<NaiveDateTime> {
        let Ok((rule, freq)) = self.parse() else {
            return Vec::new();
        };
        let duration = Duration::minutes(i64::from(self.duration_minutes));
        let first = from - duration;
        let start = self.shifted_start(&rule, freq, first);
        let Ok(set) = rule.build(floating(start)) else {
            return Vec::new();
        };
        starts_between(set, first, to)
    }

    /// A DTSTART a whole number of periods after `start`, as late as possible before `first`:
    /// the same occurrences from there on, without iterating through the years before. Daily
    /// and weekly rules move by whole periods of days; monthly and yearly ones by whole years
    /// (so the day of the month exists again), except from a 29 February. Not with COUNT: a
    /// count is counted from the real start.
    fn shifted_start(
        &self,
        rule: &RRule<Unvalidated>,
        freq: Frequency,
        first: NaiveDateTime,
    ) -> NaiveDateTime {
        if rule.get_count().is_some() || first <= self.start {
            return self.start;
        }
        let interval = i64::from(rule.get_interval().max(1));
        let period_days = match freq {
            Frequency::Daily => interval,
            Frequency::Weekly => 7 * interval,
            Frequency::Monthly | Frequency::Yearly => {
                // Whole years, so the day of the month exists again (not from a 29 February).
                if self.start.month() == 2 && self.start.day() == 29 {
                    return self.start;
                }
                let period_months = 12 * interval;
                let months = i64::from(first.year() - self.start.year()) * 12
                    + i64::from(first.month())
                    - i64::from(self.start.month());
                let periods = (months / period_months).saturating_sub(1).max(0);
                let shift = u32::try_from(periods * period_months).unwrap_or(0);
                return self
                    .start
                    .checked_add_months(chrono::Months::new(shift))
                    .unwrap_or(self.start);
            }
            _ => return self.start,
        };
        let days = (first - self.start).num_days();
        let periods = (days / period_days).saturating_sub(1).max(0);
        self.start + Duration::days(periods * period_days)
    }

    /// How many windows the rule may open on one day at most: its BYHOUR times its BYMINUTE
    /// values (a rule without them opens once).
    pub fn starts_per_day(rule: &RRule<Unvalidated>) -> usize {
        rule.get_by_hour().len().max(1) * rule.get_by_minute().len().max(1)
    }
}

/// The RRULE with a local `UNTIL` (no `Z`) written as UTC: the recurrence runs in floating
/// time, where the two are the same wall-clock value (the `rrule` crate refuses a local UNTIL
/// against a UTC start).
fn floating_until(rrule: &str) -> String {
    rrule
        .split(';')
        .map(|part| match part.split_once('=') {
            Some((key, value))
                if key.trim().eq_ignore_ascii_case("UNTIL")
                    && value.len() == 15
                    && !value.ends_with(['Z', 'z']) =>
            {
                format!("{part}Z")
            }
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn floating(local: NaiveDateTime) -> chrono::DateTime<rrule::Tz> {
    local.and_utc().with_timezone(&rrule::Tz::UTC)
}

/// The starts from `first` to `to`, at most [`MAX_OCCURRENCES`] of them and at most
/// [`MAX_ITERATED`] looked at: a rule the file loader let through stays within both (it
/// refuses denser rules), and nothing else can make this loop long.
fn starts_between(set: RRuleSet, first: NaiveDateTime, to: NaiveDateTime) -> Vec<NaiveDateTime> {
    set.limit()
        .into_iter()
        .take(MAX_ITERATED)
        .map(|at| at.naive_utc())
        .skip_while(|&at| at < first)
        .take_while(|&at| at < to)
        .take(MAX_OCCURRENCES)
        .collect()
}

impl Rule {
    /// This rule's intervals overlapping `from..to` (UTC), in order, merged where they touch.
    pub fn intervals(&self, from: Millis, to: Millis) -> Vec<Interval> {
        let zone = self.timezone;
        let mut intervals: Vec<Interval> = match &self.when {
            When::Once { start, end } => vec![Interval {
                start: resolve(zone, *start),
                end: resolve(zone, *end),
            }],
            When::Recurring(recurrence) => {
                // A day either side covers any offset between the zone and UTC.
                let local_from = super::local(chrono_tz::Tz::UTC, from) - Duration::days(1);
                let local_to = super::local(chrono_tz::Tz::UTC, to) + Duration::days(1);
                let duration = Duration::minutes(i64::from(recurrence.duration_minutes));
                recurrence
                    .local_starts(local_from, local_to)
                    .into_iter()
                    .map(|start| {
                        let (start, end) = (resolve(zone, start), resolve(zone, start + duration));
                        // A window that starts in the spring-forward gap and ends within its
                        // length of it would vanish: it keeps its length instead.
                        let end = if end > start {
                            end
                        } else {
                            start + duration.num_milliseconds()
                        };
                        Interval { start, end }
                    })
                    .collect()
            }
        };
        intervals.retain(|i| i.end > from && i.start < to && i.end > i.start);
        Spans::merged(intervals).into_vec()
    }
}

/// Every rule's intervals over one span of time, computed once: the calendar's questions about
/// that span are answered from here.
pub struct Occurrences<'c> {
    pub calendar: &'c Calendar,
    pub from: Millis,
    pub to: Millis,
    /// `per_rule[i]`: the intervals of `calendar.rules[i]`.
    pub per_rule: Vec<Vec<Interval>>,
}

impl<'c> Occurrences<'c> {
    pub fn new(calendar: &'c Calendar, from: Millis, to: Millis) -> Occurrences<'c> {
        let per_rule = calendar
            .rules
            .iter()
            .map(|rule| rule.intervals(from, to))
            .collect();
        Occurrences {
            calendar,
            from,
            to,
            per_rule,
        }
    }

    /// The rules of `kind` that count for `target`: those that apply, at the narrowest scope
    /// among them (every freeze that applies counts: deny beats allow).
    pub fn deciding(&self, kind: RuleKind, target: &Target) -> Vec<usize> {
        let applying: Vec<usize> = (0..self.calendar.rules.len())
            .filter(|&i| {
                let rule = &self.calendar.rules[i];
                rule.kind == kind && rule.scope.applies(target)
            })
            .collect();
        if kind == RuleKind::Freeze {
            return applying;
        }
        let narrowest = applying
            .iter()
            .map(|&i| self.calendar.rules[i].scope.specificity())
            .max();
        applying
            .into_iter()
            .filter(|&i| Some(self.calendar.rules[i].scope.specificity()) == narrowest)
            .collect()
    }

    /// When `kind` is open for `target` within the span: the union of its deciding windows, or
    /// the whole span when none applies; for activation, minus every freeze that applies.
    pub fn open(&self, kind: RuleKind, target: &Target) -> Spans {
        let windows = self.deciding(kind, target);
        let open = if windows.is_empty() {
            Spans::from(vec![Interval {
                start: self.from,
                end: self.to,
            }])
        } else {
            self.union(&windows)
        };
        if kind == RuleKind::Activation {
            open.minus(&self.union(&self.deciding(RuleKind::Freeze, target)))
        } else {
            open
        }
    }

    fn union(&self, rules: &[usize]) -> Spans {
        Spans::merged(
            rules
                .iter()
                .flat_map(|&i| self.per_rule[i].iter().copied())
                .collect(),
        )
    }

    /// The names of `rules` with an interval containing `at`.
    fn in_force(&self, rules: &[usize], at: Millis) -> Vec<String> {
        rules
            .iter()
            .filter(|&&i| self.per_rule[i].iter().any(|w| w.contains(at)))
            .map(|&i| self.calendar.rules[i].name.clone())
            .collect()
    }

    /// May `target` activate at `at` (within the span), which rules decided, and when is the
    /// next allowed time.
    pub fn decide(&self, at: Millis, target: &Target) -> Decision {
        self.decide_all(at, std::slice::from_ref(target))
    }

    /// May every one of `targets` activate at `at` (a step touching several services or
    /// regions), and when may they all.
    pub fn decide_all(&self, at: Millis, targets: &[Target]) -> Decision {
        let open = targets
            .iter()
            .map(|t| self.open(RuleKind::Activation, t))
            .reduce(|a, b| a.intersect(&b))
            .unwrap_or_else(|| {
                Spans::from(vec![Interval {
                    start: self.from,
                    end: self.to,
                }])
            });
        let next_allowed = open.next_from(at);
        let allowed = next_allowed == Some(at);
        let mut freezes = Vec::new();
        let mut windows = Vec::new();
        for target in targets {
            freezes.extend(self.deciding(RuleKind::Freeze, target));
            windows.extend(self.deciding(RuleKind::Activation, target));
        }
        for rules in [&mut freezes, &mut windows] {
            rules.sort_unstable();
            rules.dedup();
        }
        let freezes = self.in_force(&freezes, at);
        let zone = self.calendar.timezone;
        let opens = next_allowed.map_or_else(
            || "nothing opens within two years".to_string(),
            |t| format!("opens {}", super::when_words(zone, t, at)),
        );
        let (rules, reason) = if !freezes.is_empty() {
            let reason = format!("frozen by {}; {opens}", freezes.join(", "));
            (freezes, reason)
        } else if allowed && windows.is_empty() {
            (
                Vec::new(),
                "no activation window or freeze applies".to_string(),
            )
        } else if allowed {
            let open_now = self.in_force(&windows, at);
            let reason = format!("inside {}", open_now.join(", "));
            (open_now, reason)
        } else {
            let names: Vec<String> = windows
                .iter()
                .map(|&i| self.calendar.rules[i].name.clone())
                .collect();
            let reason = if names.is_empty() {
                format!("outside the calendar's span; {opens}")
            } else {
                format!("waiting for {}, {opens}", names.join(" or "))
            };
            (names, reason)
        };
        Decision {
            allowed,
            rules,
            next_allowed,
            reason,
        }
    }
}
