//! How runs read: status badges, positions, moments in UTC and countdowns, shared by the run
//! pages and the run components.

use breakwater_domain::run::{Millis, RunPlan, RunStatus};
use leptos::prelude::*;

#[component]
pub fn RunStatusBadge(status: RunStatus) -> impl IntoView {
    view! { <span class=format!("run-status {}", status.as_str())>{status.words()}</span> }
}

/// Where a run is, 1-based as people count: "stage 2 of 3 · step 1 of 2".
pub fn position(run: &RunPlan, stage: usize, step: Option<usize>) -> String {
    let stage_text = format!("stage {} of {}", stage + 1, run.plan.stages.len());
    match step {
        Some(j) => format!("{stage_text} · step {} of {}", j + 1, run.step_count(stage)),
        None => format!("{stage_text} · not started"),
    }
}

/// A moment as people read it in UTC: `2025-11-28 10:00:59 UTC`.
pub fn utc(at: Millis) -> String {
    let secs = at.div_euclid(1000);
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_date(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// An RFC 3339 time from the server (UTC) to the second, like [`utc`].
pub fn utc_text(rfc3339: &str) -> String {
    match rfc3339.get(..19) {
        Some(seconds) if rfc3339.ends_with('Z') || rfc3339.ends_with("+00:00") => {
            format!("{} UTC", seconds.replacen('T', " ", 1))
        }
        _ => rfc3339.to_string(),
    }
}

/// Year, month and day of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`):
/// the browser build has no date library, and this is all the pages need.
fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A countdown: `0:07`, `12:30`, `1:02:03`.
pub fn countdown(millis: Millis) -> String {
    // Rounded up: "0:00" only once the moment has come.
    let secs = millis.max(0).saturating_add(999) / 1000;
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use breakwater_domain::plan::{FailureAction, Plan, Stage, Step, TierCounts};

    /// A run of one stage: payment in eu-west-1 at 50%, then 100%, a minute each.
    pub(crate) fn drill_run() -> RunPlan {
        let step = |percent| Step {
            service: "payment".to_string(),
            region: Some("eu-west-1".to_string()),
            percent,
            bake_secs: 60,
            gates: Vec::new(),
        };
        RunPlan {
            plan_name: "drill".to_string(),
            plan_revision: 1,
            plan: Plan {
                name: "drill".to_string(),
                stages: vec![Stage {
                    index: 1,
                    services: vec!["payment".to_string()],
                    steps: vec![step(50), step(100)],
                    gates: Vec::new(),
                    on_failure: FailureAction::Pause,
                    rollback_order: vec!["payment".to_string()],
                    blast_radius: Vec::new(),
                    blast_by_tier: TierCounts::default(),
                    estimated_secs: 120,
                    coordinated: false,
                    explanations: Vec::new(),
                }],
                problems: Vec::new(),
                rollback: vec![1],
                estimated_secs: 120,
            },
            services: Vec::new(),
        }
    }

    #[test]
    fn moments_read_in_utc_to_the_second() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        // 2024-02-29 23:59:59.999 (a leap day) and the next day.
        assert_eq!(utc(1_709_251_199_999), "2024-02-29 23:59:59 UTC");
        assert_eq!(utc(1_709_251_200_000), "2024-03-01 00:00:00 UTC");
        assert_eq!(utc(1_764_324_059_000), "2025-11-28 10:00:59 UTC");
        assert_eq!(
            utc_text("2025-11-28T10:00:59.123Z"),
            "2025-11-28 10:00:59 UTC"
        );
        assert_eq!(utc_text("soon"), "soon");
    }

    #[test]
    fn countdowns_round_up_to_the_second() {
        assert_eq!(countdown(7_000), "0:07");
        assert_eq!(countdown(6_001), "0:07");
        assert_eq!(countdown(-5), "0:00");
        assert_eq!(countdown(750_000), "12:30");
        assert_eq!(countdown(3_723_000), "1:02:03");
        // A moment far away (a bad clock) reads as one, it does not overflow.
        assert_eq!(countdown(Millis::MAX), "2562047788015:12:55");
    }

    #[test]
    fn positions_count_from_one() {
        let run = drill_run();
        assert_eq!(position(&run, 0, Some(1)), "stage 1 of 1 · step 2 of 2");
        assert_eq!(position(&run, 0, None), "stage 1 of 1 · not started");
    }
}
