//! How exposure grows and what must hold: steps, bake times, gates, the failure action.
//! Plan-wide defaults ([`Policy`]) are overridden per stage and per service ([`PolicyOverride`]).

use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Default exposure steps, in percent of traffic on the new version.
pub const DEFAULT_STEPS: [u8; 5] = [1, 5, 25, 50, 100];
/// Default bake time per step.
pub const DEFAULT_BAKE_SECS: u64 = 10 * 60;
/// Default most services in one stage.
pub const DEFAULT_MAX_SERVICES_PER_STAGE: usize = 5;
/// Longest bake time a step may have: longer is a typo, not a plan.
pub const MAX_BAKE_SECS: u64 = 7 * 24 * 3600;
pub const DEFAULT_MIN_SAMPLES: u64 = 50;
pub const DEFAULT_OBJECTIVE: f64 = 99.9;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Strictly increasing percentages in 1..=100, ending at 100.
    pub steps: Vec<u8>,
    pub bake_secs: u64,
    pub gates: Vec<Gate>,
    pub max_services_per_stage: usize,
    /// Region order: the first is the canary region. Regions a service has that are not listed
    /// go after the listed ones, in the catalog's order.
    pub regions: Vec<String>,
    pub on_failure: FailureAction,
    /// Where each step is announced; per service through a change's policy.
    pub webhook: Option<Webhook>,
}

impl Default for Policy {
    /// The defaults a plan without `policy:` gets: 1, 5, 25, 50, 100 percent, 10 minutes per
    /// step, error rate ≤ 1%, p99 latency ≤ 500 ms, burn rate ≤ 2 over the bake time, pause on
    /// failure, at most 5 services per stage.
    fn default() -> Self {
        Policy {
            steps: DEFAULT_STEPS.to_vec(),
            bake_secs: DEFAULT_BAKE_SECS,
            gates: vec![
                Gate::new(Signal::ErrorRate, 1.0),
                Gate::new(Signal::LatencyP99, 500.0),
                Gate::new(Signal::BurnRate, 2.0),
            ],
            max_services_per_stage: DEFAULT_MAX_SERVICES_PER_STAGE,
            regions: Vec::new(),
            on_failure: FailureAction::Pause,
            webhook: None,
        }
    }
}

/// Some of a [`Policy`]'s values, applied over another policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyOverride {
    pub steps: Option<Vec<u8>>,
    pub bake_secs: Option<u64>,
    pub gates: Option<Vec<Gate>>,
    pub max_services_per_stage: Option<usize>,
    pub regions: Option<Vec<String>>,
    pub on_failure: Option<FailureAction>,
    pub webhook: Option<Webhook>,
}

impl Policy {
    /// This policy with `over`'s values where it has them.
    pub fn with(&self, over: &PolicyOverride) -> Policy {
        Policy {
            steps: over.steps.clone().unwrap_or_else(|| self.steps.clone()),
            bake_secs: over.bake_secs.unwrap_or(self.bake_secs),
            gates: over.gates.clone().unwrap_or_else(|| self.gates.clone()),
            max_services_per_stage: over
                .max_services_per_stage
                .unwrap_or(self.max_services_per_stage),
            regions: over.regions.clone().unwrap_or_else(|| self.regions.clone()),
            on_failure: over.on_failure.unwrap_or(self.on_failure),
            webhook: over.webhook.clone().or_else(|| self.webhook.clone()),
        }
    }
}

/// What a failed gate does to a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureAction {
    Pause,
    RollbackStage,
    RollbackPlan,
}

impl FailureAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureAction::Pause => "pause",
            FailureAction::RollbackStage => "rollback_stage",
            FailureAction::RollbackPlan => "rollback_plan",
        }
    }
}

/// The health signal a gate watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// Percent of requests failing (5xx); threshold is a maximum percentage.
    ErrorRate,
    /// 99th-percentile latency; threshold is a maximum in milliseconds.
    LatencyP99,
    /// SLO error-budget burn rate; threshold is a maximum multiple of the sustainable rate.
    BurnRate,
    /// A named data check (a reconciliation query) that must pass; no threshold.
    DataCheck,
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::ErrorRate => "error_rate",
            Signal::LatencyP99 => "latency_p99",
            Signal::BurnRate => "burn_rate",
            Signal::DataCheck => "data_check",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Signal::ErrorRate => "%",
            Signal::LatencyP99 => "ms",
            Signal::BurnRate => "×",
            Signal::DataCheck => "",
        }
    }
}

/// A condition a step must hold while it bakes. Evaluated by the executor; here it is data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gate {
    pub signal: Signal,
    /// The maximum allowed value (unused for data checks).
    pub max: f64,
    /// Measurement window in seconds; `None` = the step's bake time.
    pub window_secs: Option<u64>,
    /// The data check's HTTP(S) endpoint, answering pass or fail (data checks only).
    pub check: Option<String>,
    /// Also watch every service downstream of the changed one (cascade detection).
    pub downstream: bool,
    /// `max` is a ratio to the stable version of the same service at the same time (1.5: at
    /// most 50% worse) instead of an absolute value. Error rate and latency only.
    pub relative: bool,
    /// Requests a window needs before the gate can pass; fewer is inconclusive and holds.
    pub min_samples: u64,
    /// The SLO the burn rate is measured against, in percent (burn rate gates only).
    pub objective: f64,
}

impl Gate {
    pub fn new(signal: Signal, max: f64) -> Gate {
        Gate {
            signal,
            max,
            window_secs: None,
            check: None,
            downstream: signal != Signal::DataCheck,
            relative: false,
            min_samples: DEFAULT_MIN_SAMPLES,
            objective: DEFAULT_OBJECTIVE,
        }
    }
}

/// An outbound webhook told about every exposure change of a service. The body is signed with
/// HMAC-SHA256 under the secret read from the server's environment variable `secret_env`, so
/// plan files (which are exported and shown) never hold the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub url: String,
    pub secret_env: String,
}

/// A duration in the shortest hours-minutes-seconds form: `10m`, `1h30m`, `0s`. The plan file
/// writes bake times and gate windows this way and reads them back exactly; messages and run
/// events use the same form.
pub fn format_duration(secs: u64) -> String {
    let mut out = String::new();
    for (count, unit) in [(secs / 3600, "h"), (secs / 60 % 60, "m"), (secs % 60, "s")] {
        if count > 0 {
            write!(out, "{count}{unit}").expect("writing to a String cannot fail");
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

/// Reads durations: `90s`, `10m`, `1h30m`, `2h 15m`, `1d`, or a whole number of seconds. Whole
/// seconds only, with checked arithmetic: no input overflows or panics. Reads back what
/// [`format_duration`] writes exactly.
pub(crate) fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let mut rest = text;
    let mut total: u64 = 0;
    let mut terms = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let count: u64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let letters = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = match &rest[..letters] {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 7 * 86_400,
            _ => return None,
        };
        total = total.checked_add(count.checked_mul(unit)?)?;
        rest = rest[letters..].trim_start();
        terms += 1;
    }
    (terms > 0).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_back_what_they_write() {
        for (text, secs) in [
            ("90s", 90),
            ("10m", 600),
            ("1h30m", 5400),
            ("1h 30m", 5400),
            ("2 hours", 7200),
            ("1d", 86_400),
            ("600", 600),
            ("0s", 0),
        ] {
            assert_eq!(parse_duration(text), Some(secs), "{text}");
        }
        for text in [
            "",
            "m",
            "10x",
            "1.5h",
            "-5m",
            "10m30",
            "99999999999999999999h",
        ] {
            assert_eq!(parse_duration(text), None, "{text}");
        }
        for secs in [0, 1, 59, 60, 90, 3600, 5400, 86_399, u64::MAX] {
            assert_eq!(parse_duration(&format_duration(secs)), Some(secs), "{secs}");
        }
        assert_eq!(format_duration(5400), "1h30m");
        assert_eq!(format_duration(90), "1m30s");
    }
}
