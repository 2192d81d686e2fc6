//! How runs read: status badges, positions, moments in UTC and countdowns, shared by the run
//! pages and the run components.

use breakwater_domain::run::{Millis, RunPlan, RunStatus};
use leptos::prelude::*;

pub fn status_label(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Pending => "pending",
        RunStatus::Running => "running",
        RunStatus::Paused => "paused",
        RunStatus::RollingBack => "rolling back",
        RunStatus::RolledBack => "rolled back",
        RunStatus::Completed => "completed",
        RunStatus::Aborted => "aborted",
    }
}

#[component]
pub fn RunStatusBadge(status: RunStatus) -> impl IntoView {
    view! { <span class=format!("run-status {}", status.as_str())>{status_label(status)}</span> }
}

/// Where a run is, 1-based as people count: "stage 2 of 3 · step 1 of 2".
pub fn position(
    stage: usize,
    stage_count: usize,
    step: Option<usize>,
    run: Option<&RunPlan>,
) -> String {
    let stage_text = format!("stage {} of {stage_count}", stage + 1);
    match (step, run) {
        (Some(j), Some(run)) => {
            format!("{stage_text} · step {} of {}", j + 1, run.step_count(stage))
        }
        (Some(j), None) => format!("{stage_text} · step {}", j + 1),
        (None, _) => format!("{stage_text} · not started"),
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
    let secs = (millis.max(0) + 999) / 1000;
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn positions_count_from_one() {
        assert_eq!(position(1, 3, Some(0), None), "stage 2 of 3 · step 1");
        assert_eq!(position(0, 2, None, None), "stage 1 of 2 · not started");
    }
}
