//! The verdict of a run's current step: each gate on each service it watches.
//!
//! # What is watched
//! - **Own**: every service of the current stage, on its new version, against the gates of its
//!   current plan [`Step`](crate::plan::Step) (a service with fewer steps than the stage is at
//!   100% and keeps being watched with its last step's gates).
//! - **Downstream**: every service of the stage's blast radius that the stage does not change,
//!   all its versions together, against the stage's gates marked `downstream`, compared with
//!   its own baseline: the window of the same length ending when the stage started.
//!
//! # Windows
//! A gate's window is its `window_secs`, or the step's bake time, in whole buckets ending with
//! the bucket `now` is in (that one partly filled), at least [`MIN_WINDOW_BUCKETS`].
//!
//! # Rules
//! - Error rate (percent) and p99 latency (ms): absolute gates fail above `max`. Relative gates
//!   fail above the stable version's value over the same window × `max`, but never below the
//!   signal's floor ([`floor`]: 0.1 percentage points, 10 ms): a stable version without errors
//!   must not make a single error fail the step. When the stable version has too little
//!   traffic in the window (at 100% it has none), its value over the same-length window before
//!   the stage started is the baseline.
//! - Burn rate: the SRE workbook's multi-window, multi-burn-rate rules with the gate's window
//!   `L` playing the workbook's 6 hours: the fast rule fails when the burn rate is over
//!   2.4 × `max` over both `L/6` and `L/72`, the slow rule when it is over `max` over both `L`
//!   and `L/12` (so `max: 6` is the workbook's 14.4× over 1 h and 5 min, and 6× over 6 h and
//!   30 min). Short windows are at least [`MIN_SHORT_BUCKETS`] buckets. Burn rate = error rate
//!   / (100 − objective).
//! - Data check: the endpoint's last answer; no answer (or an error asking) is inconclusive.
//! - Too little traffic (fewer requests than `min_samples`) is inconclusive: it holds the step
//!   and never passes it.
//! - Downstream: fails when the value is over the gate's limit (`max`, or baseline × `max` for
//!   relative gates) **and** worse than the baseline by [`DOWNSTREAM_TOLERANCE`] (and by at
//!   least the signal's floor), so a consumer that was already slow before the stage does not
//!   fail it. The burn rate is compared over the whole window. A service with no traffic in
//!   the window nor the baseline is not watched; one with some, but less than `min_samples` in
//!   either, is inconclusive.

use super::{Aggregate, Series, BUCKET_MILLIS};
use crate::plan::policy::format_duration;
use crate::plan::{and_list, Gate, Signal};
use crate::run::{steps_by_service, Millis, RunPlan, RunState};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The shortest gate window, in buckets.
pub const MIN_WINDOW_BUCKETS: i64 = 3;
/// The shortest short window of a burn-rate rule, in buckets.
pub const MIN_SHORT_BUCKETS: i64 = 2;
/// How much worse than its baseline a downstream service must be to fail a stage.
pub const DOWNSTREAM_TOLERANCE: f64 = 1.5;
/// The fast burn-rate rule's threshold, as a multiple of the gate's `max` (14.4 / 6).
const FAST_FACTOR: f64 = 2.4;

/// The smallest difference that counts for a signal, in its unit: the lowest threshold of a
/// relative gate, and the least a downstream service must worsen by.
pub fn floor(signal: Signal) -> f64 {
    match signal {
        Signal::ErrorRate => 0.1,
        Signal::LatencyP99 => 10.0,
        Signal::BurnRate => 1.0,
        Signal::DataCheck => 0.0,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    /// Too little traffic (or no data-check answer yet): holds the step, never passes it.
    Inconclusive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// A service the stage changes, its new version.
    Own,
    /// A dependent of the stage's services (its blast radius), against its own baseline.
    Downstream,
}

/// One gate on one service: what was seen, against what, and the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub service: String,
    pub scope: Scope,
    pub signal: Signal,
    /// The value seen (percent, ms, ×; for a data check 1 = pass, 0 = fail); `None` without data.
    pub value: Option<f64>,
    /// What it is compared with: the stable version at the same time (relative gates), the
    /// service's own value before the stage (downstream), or `None` (absolute).
    pub baseline: Option<f64>,
    /// The limit the value had to stay under.
    pub threshold: f64,
    /// Requests in the window.
    pub samples: u64,
    pub window_secs: u64,
    pub verdict: Verdict,
    /// One sentence ("checkout p99 rose from 180 ms to 920 ms").
    pub summary: String,
}

/// The gates of the run's current step together: failing if any fails, inconclusive if any is
/// (and none fails), passing otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepVerdict {
    pub verdict: Verdict,
    pub evaluations: Vec<Evaluation>,
}

/// What an evaluation needs loaded: these services' buckets from `from` to now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesNeeded {
    pub services: Vec<String>,
    pub from: Millis,
}

/// Whole buckets `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Window {
    from: Millis,
    to: Millis,
}

impl Window {
    /// At least `min` buckets covering `len` ms, ending with the bucket `now` is in.
    fn ending_at(now: Millis, len: Millis, min: i64) -> Window {
        let count = (len.max(0) / BUCKET_MILLIS + i64::from(len % BUCKET_MILLIS > 0)).max(min);
        let to = super::bucket_start(now) + BUCKET_MILLIS;
        Window {
            from: to - count * BUCKET_MILLIS,
            to,
        }
    }

    /// The window of the same length just before the bucket `at` is in.
    fn before(self, at: Millis) -> Window {
        let to = super::bucket_start(at);
        Window {
            from: to - (self.to - self.from),
            to,
        }
    }

    fn len(self) -> Millis {
        self.to - self.from
    }

    fn secs(self) -> u64 {
        (self.len() / 1000) as u64
    }
}

/// One gate on one service over one window.
struct Watch<'a> {
    service: &'a str,
    scope: Scope,
    gate: &'a Gate,
    window: Window,
}

/// What the current step watches at `now`, own services first (stage order, gate order), then
/// the blast radius (its order, gate order).
fn watches<'a>(run: &'a RunPlan, state: &RunState, now: Millis) -> Vec<Watch<'a>> {
    let (Some(stage), Some(step)) = (run.plan.stages.get(state.stage), state.step) else {
        return Vec::new();
    };
    let window = |gate: &Gate, bake_millis: Millis| {
        let len = gate
            .window_secs
            .map_or(bake_millis, |secs| secs.saturating_mul(1000) as Millis);
        Window::ending_at(now, len, MIN_WINDOW_BUCKETS)
    };
    let mut out = Vec::new();
    for (service, steps) in steps_by_service(stage) {
        // A service with fewer steps than the stage is at 100%: its last step's gates hold.
        let Some(current) = steps.get(step).or(steps.last()).copied() else {
            continue;
        };
        let bake = current.bake_secs.saturating_mul(1000) as Millis;
        out.extend(current.gates.iter().map(|gate| Watch {
            service,
            scope: Scope::Own,
            gate,
            window: window(gate, bake),
        }));
    }
    let bake = run.bake_millis(state.stage, step);
    let downstream: Vec<&Gate> = stage
        .gates
        .iter()
        .filter(|g| g.downstream && g.signal != Signal::DataCheck)
        .collect();
    for service in &stage.blast_radius {
        if stage.services.contains(service) {
            continue;
        }
        out.extend(downstream.iter().map(|gate| Watch {
            service,
            scope: Scope::Downstream,
            gate,
            window: window(gate, bake),
        }));
    }
    out
}

/// The services and time range `evaluate_step` will read at `now` (the current stage's
/// services and its blast radius, back to the start of the downstream baseline window).
pub fn series_needed(run: &RunPlan, state: &RunState, now: Millis) -> SeriesNeeded {
    let watches = watches(run, state, now);
    let mut seen = HashSet::new();
    let mut services = Vec::new();
    let mut from = super::bucket_start(now);
    for watch in &watches {
        if seen.insert(watch.service) {
            services.push(watch.service.to_string());
        }
        from = from.min(watch.window.from);
        if let Some(started) = state.stage_started_at {
            from = from.min(watch.window.before(started).from);
        }
    }
    SeriesNeeded { services, from }
}

/// The verdict of the current step's gates at `now`. `data_checks`: each data-check URL's last
/// answer (`Err` with the reason when it could not be asked); a missing URL is inconclusive.
pub fn evaluate_step(
    run: &RunPlan,
    state: &RunState,
    series: &Series,
    data_checks: &BTreeMap<String, Result<bool, String>>,
    now: Millis,
) -> StepVerdict {
    let context = Context {
        run,
        started: state.stage_started_at,
        series,
        now,
        read: RefCell::default(),
    };
    let evaluations: Vec<Evaluation> = watches(run, state, now)
        .iter()
        .filter_map(|watch| match watch.scope {
            Scope::Own => Some(context.own(watch, data_checks)),
            Scope::Downstream => context.downstream(watch),
        })
        .collect();
    let verdict = if evaluations.iter().any(|e| e.verdict == Verdict::Fail) {
        Verdict::Fail
    } else if evaluations
        .iter()
        .any(|e| e.verdict == Verdict::Inconclusive)
    {
        Verdict::Inconclusive
    } else {
        Verdict::Pass
    };
    StepVerdict {
        verdict,
        evaluations,
    }
}

/// Aggregates read so far, by service, version (`None`: all) and window.
type Reads<'a> = HashMap<(&'a str, Option<String>, Window), Aggregate>;

struct Context<'a> {
    run: &'a RunPlan,
    started: Option<Millis>,
    series: &'a Series,
    now: Millis,
    /// Gates of a service usually share their window: each window is read once.
    read: RefCell<Reads<'a>>,
}

impl<'a> Context<'a> {
    fn read(&self, service: &'a str, version: Option<&str>, window: Window) -> Aggregate {
        let key = (service, version.map(str::to_string), window);
        if let Some(aggregate) = self.read.borrow().get(&key) {
            return aggregate.clone();
        }
        let aggregate = self
            .series
            .aggregate(service, version, window.from, window.to);
        self.read.borrow_mut().insert(key, aggregate.clone());
        aggregate
    }

    fn own(
        &self,
        watch: &Watch<'a>,
        data_checks: &BTreeMap<String, Result<bool, String>>,
    ) -> Evaluation {
        let gate = watch.gate;
        let mut e = Evaluation {
            service: watch.service.to_string(),
            scope: Scope::Own,
            signal: gate.signal,
            value: None,
            baseline: None,
            threshold: gate.max,
            samples: 0,
            window_secs: watch.window.secs(),
            verdict: Verdict::Inconclusive,
            summary: String::new(),
        };
        if gate.signal == Signal::DataCheck {
            data_check(&mut e, gate, data_checks);
            return e;
        }
        let Some(changed) = self.run.service(watch.service) else {
            e.summary = format!("{} is not one of the run's services", watch.service);
            return e;
        };
        let who = format!("{} {}", changed.service, changed.to_version);
        let new = self.read(watch.service, Some(&changed.to_version), watch.window);
        e.samples = new.requests;
        if gate.signal == Signal::BurnRate {
            self.burn_rate(&mut e, watch, &who, &new);
            return e;
        }
        e.value = measure(gate.signal, &new, gate.objective);
        let window = format_duration(watch.window.secs());
        let seen = format!(
            "{who} {} {} over {window}",
            label(e.signal),
            amount(e.signal, e.value)
        );
        if gate.relative {
            let enough = |a: &Aggregate| a.requests >= gate.min_samples.max(1);
            let mut stable = self.read(watch.service, Some(&changed.from_version), watch.window);
            if let (false, Some(started)) = (enough(&stable), self.started) {
                stable = self.read(
                    watch.service,
                    Some(&changed.from_version),
                    watch.window.before(started),
                );
            }
            e.baseline = enough(&stable)
                .then(|| measure(gate.signal, &stable, gate.objective))
                .flatten();
            e.threshold = relative_limit(gate, e.baseline);
        }
        if let Some(reason) = too_little(gate, new.requests) {
            e.summary = format!("{seen}: {reason}");
            return e;
        }
        match (gate.relative, e.baseline) {
            (true, None) => {
                e.summary = format!(
                    "{seen}: the stable version {} has too little traffic to compare with",
                    changed.from_version
                );
            }
            (relative, baseline) => {
                e.verdict = judge(e.value, e.threshold);
                let against = match (relative, baseline) {
                    (true, Some(b)) => format!(
                        " against {} on {}",
                        amount(e.signal, Some(b)),
                        changed.from_version
                    ),
                    _ => String::new(),
                };
                e.summary = format!(
                    "{seen}{against} (limit {})",
                    amount(e.signal, Some(e.threshold))
                );
            }
        }
        e
    }

    /// The multi-window, multi-burn-rate rules over the new version's windows.
    fn burn_rate(&self, e: &mut Evaluation, watch: &Watch<'a>, who: &str, whole: &Aggregate) {
        let gate = watch.gate;
        let budget = 100.0 - gate.objective;
        if !(budget > 0.0 && budget < 100.0) {
            e.summary = format!(
                "{who} burn rate: objective {} is not a percentage between 0 and 100",
                gate.objective
            );
            return;
        }
        let version = self
            .run
            .service(watch.service)
            .map(|s| s.to_version.as_str());
        let len = watch.window.len();
        let burn = |window: Window| {
            let aggregate = self.read(watch.service, version, window);
            aggregate.error_rate().map_or(0.0, |rate| rate / budget)
        };
        let sub = |divisor: Millis| Window::ending_at(self.now, len / divisor, MIN_SHORT_BUCKETS);
        let rule = |name, limit, long, short| Rule {
            name,
            limit,
            long,
            long_burn: burn(long),
            short,
            short_burn: burn(short),
        };
        let rules = [
            rule("fast", FAST_FACTOR * gate.max, sub(6), sub(72)),
            rule("slow", gate.max, watch.window, sub(12)),
        ];
        // The rule that fails, or else the one closest to failing over its long window.
        let closest = |a: &&Rule, b: &&Rule| a.closeness().total_cmp(&b.closeness());
        let shown = rules
            .iter()
            .find(|r| r.fires())
            .or_else(|| rules.iter().max_by(closest));
        let Some(&Rule {
            name: rule,
            limit,
            long,
            long_burn,
            short,
            short_burn,
        }) = shown
        else {
            return;
        };
        e.value = Some(long_burn);
        e.threshold = limit;
        let seen = format!(
            "{who} burns its {}% error budget at {} over {} and {} over {}: {rule} rule",
            number(gate.objective),
            amount(Signal::BurnRate, Some(long_burn)),
            format_duration(long.secs()),
            amount(Signal::BurnRate, Some(short_burn)),
            format_duration(short.secs()),
        );
        if let Some(reason) = too_little(gate, whole.requests) {
            e.summary = format!("{seen}; {reason}");
            return;
        }
        e.verdict = if rules.iter().any(Rule::fires) {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        e.summary = format!("{seen} (limit {})", amount(Signal::BurnRate, Some(limit)));
    }
}

/// One multi-window burn-rate rule, measured.
struct Rule {
    name: &'static str,
    limit: f64,
    long: Window,
    long_burn: f64,
    short: Window,
    short_burn: f64,
}

impl Rule {
    /// Over its limit in both windows.
    fn fires(&self) -> bool {
        self.long_burn > self.limit && self.short_burn > self.limit
    }

    /// How far the long window is towards the limit (1 = at it).
    fn closeness(&self) -> f64 {
        self.long_burn / self.limit.max(f64::MIN_POSITIVE)
    }
}

impl<'a> Context<'a> {
    /// A blast-radius service against its own baseline from before the stage; `None` when it
    /// had no traffic at all (nothing to watch).
    fn downstream(&self, watch: &Watch<'a>) -> Option<Evaluation> {
        let gate = watch.gate;
        let now = self.read(watch.service, None, watch.window);
        let before = self
            .started
            .map(|started| self.read(watch.service, None, watch.window.before(started)))
            .unwrap_or_default();
        if now.requests == 0 && before.requests == 0 {
            return None;
        }
        let value = measure(gate.signal, &now, gate.objective);
        let baseline = measure(gate.signal, &before, gate.objective);
        let limit = if gate.relative {
            relative_limit(gate, baseline)
        } else {
            gate.max
        };
        let tolerated = baseline.map_or(0.0, |b| {
            (b * DOWNSTREAM_TOLERANCE).max(b + floor(gate.signal))
        });
        let threshold = limit.max(tolerated);
        let name = label(gate.signal);
        let moved = match (baseline, value) {
            (Some(b), Some(v)) if v > b => format!(
                "{} {name} rose from {} to {}",
                watch.service,
                amount(gate.signal, baseline),
                amount(gate.signal, value)
            ),
            _ => format!(
                "{} {name} {} (before the stage: {})",
                watch.service,
                amount(gate.signal, value),
                amount(gate.signal, baseline)
            ),
        };
        let (verdict, summary) = match too_little(gate, now.requests.min(before.requests)) {
            Some(reason) => (
                Verdict::Inconclusive,
                format!(
                    "{moved}: {} requests now and {} before the stage, {reason}",
                    now.requests, before.requests
                ),
            ),
            None => (
                judge(value, threshold),
                format!("{moved} (limit {})", amount(gate.signal, Some(threshold))),
            ),
        };
        Some(Evaluation {
            service: watch.service.to_string(),
            scope: Scope::Downstream,
            signal: gate.signal,
            value,
            baseline,
            threshold,
            samples: now.requests,
            window_secs: watch.window.secs(),
            verdict,
            summary,
        })
    }
}

fn data_check(
    e: &mut Evaluation,
    gate: &Gate,
    data_checks: &BTreeMap<String, Result<bool, String>>,
) {
    let check = gate.check.as_deref().unwrap_or_default();
    e.threshold = 1.0;
    e.window_secs = 0;
    let (verdict, value, outcome) = match data_checks.get(check) {
        Some(Ok(true)) => (Verdict::Pass, Some(1.0), "passed".to_string()),
        Some(Ok(false)) => (Verdict::Fail, Some(0.0), "failed".to_string()),
        Some(Err(reason)) => (
            Verdict::Inconclusive,
            None,
            format!("could not be asked: {reason}"),
        ),
        None => (
            Verdict::Inconclusive,
            None,
            "has not answered yet".to_string(),
        ),
    };
    e.verdict = verdict;
    e.value = value;
    e.summary = format!("data check {check} for {} {outcome}", e.service);
}

/// A relative gate's limit: the baseline × `max`, at least the signal's floor.
fn relative_limit(gate: &Gate, baseline: Option<f64>) -> f64 {
    baseline
        .map_or(0.0, |b| b * gate.max)
        .max(floor(gate.signal))
}

/// The signal's value over a window; `None` without requests (or latencies).
pub fn measure(signal: Signal, aggregate: &Aggregate, objective: f64) -> Option<f64> {
    match signal {
        Signal::ErrorRate => aggregate.error_rate(),
        Signal::LatencyP99 => aggregate.p99(),
        Signal::BurnRate => aggregate
            .error_rate()
            .map(|rate| rate / (100.0 - objective).max(f64::MIN_POSITIVE)),
        Signal::DataCheck => None,
    }
}

/// Why `requests` are too few to judge, if they are.
fn too_little(gate: &Gate, requests: u64) -> Option<String> {
    (requests == 0 || requests < gate.min_samples).then(|| {
        format!(
            "{requests} requests, fewer than the {} needed",
            gate.min_samples.max(1)
        )
    })
}

fn judge(value: Option<f64>, threshold: f64) -> Verdict {
    match value {
        None => Verdict::Inconclusive,
        Some(v) if v > threshold => Verdict::Fail,
        Some(_) => Verdict::Pass,
    }
}

fn label(signal: Signal) -> &'static str {
    match signal {
        Signal::ErrorRate => "error rate",
        Signal::LatencyP99 => "p99",
        Signal::BurnRate => "burn rate",
        Signal::DataCheck => "data check",
    }
}

/// A value with its unit, for sentences: `3.2%`, `920 ms`, `14.4×`; `no data` without one.
pub fn amount(signal: Signal, value: Option<f64>) -> String {
    let Some(v) = value else {
        return "no data".to_string();
    };
    match signal {
        Signal::ErrorRate => format!("{}%", number(v)),
        Signal::LatencyP99 if v >= 10.0 => format!("{v:.0} ms"),
        Signal::LatencyP99 => format!("{} ms", number(v)),
        Signal::BurnRate => format!("{}×", number(v)),
        Signal::DataCheck if v >= 1.0 => "passed".to_string(),
        Signal::DataCheck => "failed".to_string(),
    }
}

/// Three significant digits at most, no trailing zeros: `3.2`, `0.05`, `14.4`, `920`.
fn number(v: f64) -> String {
    let text = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The sentence the run page and the log show for an automatic action: "checkout p99 rose from
/// 180 ms to 920 ms after payment 2.0.0 reached 25%: stage 2 rolled back". `outcome` is the
/// action's words ("stage 2 rolled back", "run paused").
///
/// It tells the first failing downstream evaluation if there is one, else the first failing
/// own one (else the first evaluation given): a failure in a consumer is the harm other teams'
/// users already see, and the sentence names the change that caused it; the changed service's
/// own failures are listed with the event.
pub fn describe_failure(
    run: &RunPlan,
    state: &RunState,
    failed: &[Evaluation],
    outcome: &str,
) -> String {
    let failing = |scope| {
        failed
            .iter()
            .find(|e| e.scope == scope && e.verdict == Verdict::Fail)
    };
    let Some(first) = failing(Scope::Downstream)
        .or_else(|| failing(Scope::Own))
        .or_else(|| failed.first())
    else {
        return outcome.to_string();
    };
    let headline = first
        .summary
        .split_once(" (limit ")
        .map_or(first.summary.as_str(), |(head, _)| head);
    let percent = state
        .step
        .map(|step| run.step(state.stage, step))
        .and_then(|steps| steps.iter().map(|s| s.percent).max());
    let Some(percent) = percent else {
        return format!("{headline}: {outcome}");
    };
    match first.scope {
        Scope::Own => format!("{headline} at {percent}%: {outcome}"),
        Scope::Downstream => {
            let changed = changed_services(run, state.stage);
            format!("{headline} after {changed} reached {percent}%: {outcome}")
        }
    }
}

/// The stage's changed services with their new versions: "payment 2.0.0 and cart 1.3.0",
/// past three "payment 2.0.0, cart 1.3.0, ledger 4.1.0 and 5 more services".
fn changed_services(run: &RunPlan, stage: usize) -> String {
    const NAMED: usize = 3;
    let services = run
        .plan
        .stages
        .get(stage)
        .map_or(&[][..], |s| s.services.as_slice());
    let named: Vec<String> = services
        .iter()
        .take(NAMED)
        .map(|id| match run.service(id) {
            Some(s) => format!("{} {}", s.service, s.to_version),
            None => id.clone(),
        })
        .collect();
    let more = services.len().saturating_sub(NAMED);
    match (named.split_last(), more) {
        (None, _) => format!("stage {}", stage + 1),
        (Some(_), 0) => and_list(&named),
        (Some(_), more) => format!(
            "{} and {more} more service{}",
            named.join(", "),
            if more == 1 { "" } else { "s" }
        ),
    }
}
