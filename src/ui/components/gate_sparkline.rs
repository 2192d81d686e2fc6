//! The gates of a run's current step: each evaluation's live value against its threshold, its
//! verdict colour and a small SVG sparkline of the signal over the last 15 minutes.

use super::plan_stages::signal_label;
use crate::wire::runs::Sparkline;
use breakwater_domain::health::{amount, Evaluation, Scope, Verdict};
use breakwater_domain::plan::Signal;
use leptos::prelude::*;

const WIDTH: f64 = 160.0;
const HEIGHT: f64 = 36.0;
/// Room above the highest point or the threshold, whichever is higher.
const HEADROOM: f64 = 1.15;

pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Inconclusive => "inconclusive",
    }
}

/// The runs of consecutive points of `points` (broken where there was no traffic or no finite
/// value) as (x, y) in a
/// `WIDTH` × `HEIGHT` box, and the threshold's height, all on one scale from 0.
pub fn sparkline_segments(points: &[Option<f64>], threshold: f64) -> (Vec<Vec<(f64, f64)>>, f64) {
    let top = points
        .iter()
        .flatten()
        .copied()
        .chain([threshold])
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max)
        * HEADROOM;
    let scale = if top > 0.0 { HEIGHT / top } else { 0.0 };
    let y = |v: f64| HEIGHT - v.max(0.0) * scale;
    let dx = WIDTH / points.len().saturating_sub(1).max(1) as f64;
    let mut segments: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut gap = true;
    for (i, point) in points.iter().enumerate() {
        // A value that is not a number is no more drawable than no traffic: both break the line.
        let value = point.filter(|v| v.is_finite());
        match value {
            Some(v) if gap => segments.push(vec![(i as f64 * dx, y(v))]),
            Some(v) => segments
                .last_mut()
                .into_iter()
                .for_each(|s| s.push((i as f64 * dx, y(v)))),
            None => {}
        }
        gap = value.is_none();
    }
    (segments, y(threshold))
}

#[component]
fn SparklineSvg(line: Sparkline) -> impl IntoView {
    let (segments, threshold_y) = sparkline_segments(&line.points, line.threshold);
    let label = format!(
        "{} of {} over the last 15 minutes, threshold {}",
        signal_label(line.signal),
        line.service,
        amount(line.signal, Some(line.threshold))
    );
    let marks = segments
        .into_iter()
        .map(|segment| match segment.as_slice() {
            // A lone point would be an invisible path.
            [(x, y)] => {
                view! { <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="1.8"></circle> }
                    .into_any()
            }
            _ => {
                let d = segment
                    .iter()
                    .enumerate()
                    .map(|(i, (x, y))| format!("{}{x:.1},{y:.1}", if i == 0 { 'M' } else { 'L' }))
                    .collect::<Vec<_>>()
                    .join(" ");
                view! { <path d=d></path> }.into_any()
            }
        })
        .collect_view();
    view! {
        <svg class="sparkline" viewBox=format!("0 0 {WIDTH} {HEIGHT}") width=WIDTH height=HEIGHT role="img" aria-label=label>
            <line class="threshold" x1="0" x2=WIDTH y1=format!("{threshold_y:.1}") y2=format!("{threshold_y:.1}")></line>
            {marks}
        </svg>
    }
}

/// The evaluations of the current step, failing first, each with its sparkline when the server
/// sent one.
#[component]
pub fn GateTable(evaluations: Vec<Evaluation>, sparklines: Vec<Sparkline>) -> impl IntoView {
    let mut evaluations = evaluations;
    evaluations.sort_by_key(|e| match e.verdict {
        Verdict::Fail => 0,
        Verdict::Inconclusive => 1,
        Verdict::Pass => 2,
    });
    let rows = evaluations
        .into_iter()
        .map(|e| {
            let line = sparklines.iter().find(|s| s.draws(&e)).cloned();
            let scope = match e.scope {
                Scope::Own => "own",
                Scope::Downstream => "downstream",
            };
            let value = amount(e.signal, e.value);
            let against = match (e.signal, e.baseline) {
                (Signal::DataCheck, _) => "must pass".to_string(),
                (_, Some(baseline)) => format!(
                    "≤ {} (baseline {})",
                    amount(e.signal, Some(e.threshold)),
                    amount(e.signal, Some(baseline))
                ),
                (_, None) => format!("≤ {}", amount(e.signal, Some(e.threshold))),
            };
            let verdict = verdict_label(e.verdict);
            view! {
                <tr class=format!("gate verdict-{verdict}") data-service=e.service.clone()
                    data-signal=e.signal.as_str() data-verdict=verdict>
                    <td><strong>{e.service.clone()}</strong><br/><span class="muted">{scope}</span></td>
                    <td>{signal_label(e.signal)}</td>
                    <td class="num value">{value}</td>
                    <td class="num">{against}</td>
                    <td class="num">{format!("{} requests / {}s", e.samples, e.window_secs)}</td>
                    <td><span class=format!("verdict-badge {verdict}")>{verdict}</span></td>
                    <td>{line.map(|line| view! { <SparklineSvg line/> })}</td>
                    <td class="summary">{e.summary}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="services gates-table">
            <thead>
                <tr><th>"Service"</th><th>"Signal"</th><th>"Now"</th><th>"Threshold"</th><th>"Window"</th>
                    <th>"Verdict"</th><th>"Last 15 minutes"</th><th>"What it saw"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_break_where_there_was_no_traffic() {
        let (segments, threshold) = sparkline_segments(
            &[Some(10.0), Some(20.0), None, Some(40.0), None, Some(0.0)],
            30.0,
        );
        // The top is 40 × 1.15 = 46, drawn 36 high; six points 32 apart.
        let y = |v: f64| 36.0 - v * 36.0 / 46.0;
        let expected = [
            vec![(0.0, y(10.0)), (32.0, y(20.0))],
            vec![(96.0, y(40.0))],
            vec![(160.0, 36.0)],
        ];
        assert_eq!(segments.len(), expected.len());
        for (got, want) in segments.iter().flatten().zip(expected.iter().flatten()) {
            assert!(
                (got.0 - want.0).abs() < 1e-9 && (got.1 - want.1).abs() < 1e-9,
                "{got:?} {want:?}"
            );
        }
        assert_eq!(segments.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1, 1]);
        assert!((threshold - y(30.0)).abs() < 1e-9);
    }

    #[test]
    fn values_that_are_not_numbers_break_the_line_too() {
        let (segments, _) = sparkline_segments(
            &[
                Some(1.0),
                Some(f64::NAN),
                Some(2.0),
                Some(f64::INFINITY),
                Some(3.0),
            ],
            4.0,
        );
        assert_eq!(segments.iter().map(Vec::len).collect::<Vec<_>>(), [1, 1, 1]);
        assert_eq!(
            segments.iter().map(|s| s[0].0).collect::<Vec<_>>(),
            [0.0, 80.0, 160.0]
        );
    }

    #[test]
    fn an_empty_sparkline_draws_only_its_threshold() {
        let (segments, threshold) = sparkline_segments(&[None, None], 2.0);
        assert!(segments.is_empty());
        assert!(threshold > 0.0 && threshold < HEIGHT);
        let (segments, threshold) = sparkline_segments(&[], 0.0);
        assert!(segments.is_empty());
        assert_eq!(threshold, HEIGHT);
    }
}
