//! The calendar's grids. The week: seven day columns, each as tall as its day is long in the
//! zone shown (a DST day has 23 or 25 hours, so positions come from the day's own start and
//! end), with the rules as tinted bands (freezes hatched), the scheduled stages as blocks in their
//! plan's colour, the go / no-go points and the line of now. The month: a day grid with the same
//! in compact form.

use super::in_zone;
use crate::wire::calendar::{CalendarDay, CalendarView, RuleBand, StageBlock};
use breakwater_domain::calendar::{RuleKind, HOUR};
use breakwater_domain::run::Millis;
use leptos::prelude::*;

/// How many plan colours the stylesheet has (`plan-colour-0` …); more plans reuse them.
const PLAN_COLOURS: usize = 8;

/// Where `at` falls in `day`, as a percentage of its length, clamped to the day.
fn percent(day: &CalendarDay, at: Millis) -> f64 {
    let length = (day.end - day.start).max(1) as f64;
    ((at - day.start) as f64 / length * 100.0).clamp(0.0, 100.0)
}

fn overlaps(day: &CalendarDay, start: Millis, end: Millis) -> bool {
    start < day.end && end > day.start
}

/// "checkout-v2 · stage 2 · frontend, checkout".
fn block_label(block: &StageBlock) -> String {
    format!(
        "{} · stage {} · {}",
        block.plan,
        block.stage,
        block.services.join(", ")
    )
}

/// The block's hover text: what, when, and its conflicts.
fn block_title(block: &StageBlock, zone: &str) -> String {
    let when = |at| in_zone(zone, at, "%a %-d %b %H:%M");
    let mut title = format!(
        "{} (revision {})\nactivation {} · monitoring until {} · go / no-go {}",
        block_label(block),
        block.revision,
        when(block.start),
        when(block.end),
        when(block.evaluation)
    );
    for conflict in &block.conflicts {
        title.push_str(&format!("\nconflict: {conflict}"));
    }
    title
}

fn band_title(band: &RuleBand, zone: &str) -> String {
    format!(
        "{}: {}\n{} to {}",
        band.rule,
        band.summary,
        in_zone(zone, band.start, "%a %-d %b %H:%M"),
        in_zone(zone, band.end, "%a %-d %b %H:%M")
    )
}

/// The part of `start..end` within `day`: "all day", "09:00–14:00", "20:00–24:00".
fn day_hours(day: &CalendarDay, start: Millis, end: Millis, zone: &str) -> String {
    if start <= day.start && end >= day.end {
        return "all day".to_string();
    }
    let until = if end >= day.end {
        "24:00".to_string()
    } else {
        in_zone(zone, end, "%H:%M")
    };
    format!("{}–{until}", in_zone(zone, start.max(day.start), "%H:%M"))
}

/// Side-by-side lanes for blocks that overlap in time: each block's lane and how many there are.
fn lanes(blocks: &[StageBlock]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..blocks.len()).collect();
    order.sort_by_key(|&i| (blocks[i].start, i));
    let mut lane_ends: Vec<Millis> = Vec::new();
    let mut lane_of = vec![0; blocks.len()];
    for i in order {
        let block = &blocks[i];
        let lane = match lane_ends.iter().position(|&end| end <= block.start) {
            Some(lane) => lane,
            None => {
                lane_ends.push(block.start);
                lane_ends.len() - 1
            }
        };
        lane_ends[lane] = block.end.max(block.evaluation);
        lane_of[i] = lane;
    }
    (lane_of, lane_ends.len().max(1))
}

#[component]
pub fn WeekGrid(view: CalendarView) -> impl IntoView {
    let zone = view.zone.clone();
    let hour_labels = (0..24)
        .map(|h| {
            view! {
                <span class="hour-label" style=format!("top:{:.3}%", f64::from(h) / 24.0 * 100.0)>
                    {format!("{h:02}:00")}
                </span>
            }
        })
        .collect_view();
    let columns = view
        .days
        .iter()
        .map(|day| {
            let hours = ((day.end - day.start) as f64 / HOUR as f64).round() as i64;
            let hour_lines = (1..hours)
                .map(|k| {
                    view! { <span class="hour-line" style=format!("top:{:.3}%", percent(day, day.start + k * HOUR))></span> }
                })
                .collect_view();
            let bands = view
                .bands
                .iter()
                .filter(|b| overlaps(day, b.start, b.end))
                .map(|band| {
                    let top = percent(day, band.start);
                    let height = percent(day, band.end) - top;
                    view! {
                        <div class=format!("band {}", band.kind.as_str()) data-testid="rule-band"
                            data-rule=band.rule.clone() data-kind=band.kind.as_str()
                            style=format!("top:{top:.3}%;height:{height:.3}%")
                            title=band_title(band, &zone)></div>
                    }
                })
                .collect_view();
            // Lanes per day: a block is narrow only on the days it shares.
            let day_blocks: Vec<StageBlock> = view
                .blocks
                .iter()
                .filter(|b| overlaps(day, b.start, b.end.max(b.evaluation)))
                .cloned()
                .collect();
            let (lane_of, lane_count) = lanes(&day_blocks);
            let blocks = day_blocks
                .iter()
                .zip(lane_of)
                .map(|(block, lane)| {
                    let top = percent(day, block.start);
                    let height = (percent(day, block.end) - top).max(0.8);
                    let width = 100.0 / lane_count as f64;
                    let style = format!(
                        "top:{top:.3}%;height:{height:.3}%;left:{:.3}%;width:{width:.3}%",
                        lane as f64 * width
                    );
                    let evaluation = (day.start..day.end).contains(&block.evaluation).then(|| {
                        let at = percent(day, block.evaluation);
                        let style = format!(
                            "top:{at:.3}%;left:{:.3}%;width:{width:.3}%",
                            lane as f64 * width
                        );
                        let title = format!(
                            "go / no-go: {} stage {} at {}",
                            block.plan,
                            block.stage,
                            in_zone(&zone, block.evaluation, "%a %-d %b %H:%M")
                        );
                        view! { <span class="eval-mark" data-testid="evaluation-mark" style=style title=title></span> }
                    });
                    view! {
                        <StageBlockLink block=block.clone() zone=zone.clone() style/>
                        {evaluation}
                    }
                })
                .collect_view();
            let now = (day.start..day.end).contains(&view.now).then(|| {
                view! {
                    <div class="now-line" data-testid="now-line" style=format!("top:{:.3}%", percent(day, view.now))
                        title=format!("now: {}", in_zone(&zone, view.now, "%H:%M"))></div>
                }
            });
            view! {
                <div class="cal-day" data-date=day.date.clone() data-start=day.start data-end=day.end>
                    <div class="cal-day-head">{day.label.clone()}</div>
                    <div class="cal-day-body" data-hours=hours>
                        {hour_lines}
                        {bands}
                        <div class="cal-blocks">{blocks}</div>
                        {now}
                    </div>
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="cal-week" data-testid="calendar-week" data-zone=view.zone.clone()>
            <div class="cal-hours">
                <div class="cal-day-head"></div>
                <div class="cal-hours-body">{hour_labels}</div>
            </div>
            {columns}
        </div>
    }
}

/// A scheduled stage as a link to its stage on the plan's page, marked when it is in conflict.
#[component]
fn StageBlockLink(block: StageBlock, zone: String, style: String) -> impl IntoView {
    let conflicted = !block.conflicts.is_empty();
    view! {
        <a class=format!("stage-block plan-colour-{}", block.colour % PLAN_COLOURS)
            class:conflict=conflicted
            data-testid="stage-block" data-plan=block.plan.clone() data-stage=block.stage
            data-start=block.start data-end=block.end data-evaluation=block.evaluation
            href=block.href.clone() style=style title=block_title(&block, &zone)>
            {conflicted.then(|| view! {
                <span class="conflict-mark" data-testid="conflict-mark" aria-label="conflict"
                    title=block.conflicts.join("\n")>"!"</span>
            })}
            <span class="block-label">{block_label(&block)}</span>
        </a>
    }
}

#[component]
pub fn MonthGrid(view: CalendarView) -> impl IntoView {
    let zone = view.zone.clone();
    let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .map(|d| view! { <div class="cal-weekday">{d}</div> });
    let cells = view
        .days
        .iter()
        .map(|day| {
            let bands: Vec<&RuleBand> = view
                .bands
                .iter()
                .filter(|b| overlaps(day, b.start, b.end))
                .collect();
            let frozen = bands.iter().any(|b| b.kind == RuleKind::Freeze);
            let strip = bands
                .iter()
                .map(|band| {
                    let left = percent(day, band.start);
                    let width = percent(day, band.end) - left;
                    view! {
                        <span class=format!("band {}", band.kind.as_str()) data-testid="rule-band"
                            data-rule=band.rule.clone() data-kind=band.kind.as_str()
                            style=format!("left:{left:.3}%;width:{width:.3}%")
                            title=band_title(band, &zone)></span>
                    }
                })
                .collect_view();
            // One line per rule that day, with its first occurrence's hours.
            let mut named: Vec<&RuleBand> = Vec::new();
            for band in &bands {
                if !named.iter().any(|b| b.rule == band.rule) {
                    named.push(band);
                }
            }
            let rules = named
                .into_iter()
                .map(|band| {
                    let hours = day_hours(day, band.start, band.end, &zone);
                    view! {
                        <li class=format!("rule-chip {}", band.kind.as_str()) title=band_title(band, &zone)>
                            {format!("{} {hours}", band.rule)}
                        </li>
                    }
                })
                .collect_view();
            let blocks = view
                .blocks
                .iter()
                .filter(|b| overlaps(day, b.start, b.end.max(b.evaluation)))
                .map(|block| {
                    view! {
                        <li><StageBlockLink block=block.clone() zone=zone.clone() style=String::new()/></li>
                    }
                })
                .collect_view();
            let today = (day.start..day.end).contains(&view.now);
            view! {
                <div class="cal-cell" class:outside=day.outside class:frozen=frozen class:today=today
                    data-date=day.date.clone()>
                    <div class="cal-cell-head">{day.label.clone()}{today.then_some(" · today")}</div>
                    <div class="day-strip">{strip}</div>
                    <ul class="rule-chips">{rules}</ul>
                    <ul class="month-blocks">{blocks}</ul>
                </div>
            }
        })
        .collect_view();
    view! {
        <div class="cal-month" data-testid="calendar-month" data-zone=view.zone.clone()>
            {weekdays}
            {cells}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_MS: Millis = 24 * HOUR;

    fn block(start: Millis, end: Millis) -> StageBlock {
        StageBlock {
            plan: "checkout-v2".to_string(),
            revision: 1,
            stage: 1,
            services: vec!["payment".to_string()],
            start,
            end,
            evaluation: end,
            colour: 0,
            conflicts: Vec::new(),
            href: "/plans/checkout-v2#stage-1".to_string(),
        }
    }

    #[test]
    fn positions_follow_the_length_of_the_day() {
        // A 25-hour day (the clocks went back): its 12th hour is before the middle.
        let day = CalendarDay {
            date: "2026-10-25".to_string(),
            label: "Sun 25".to_string(),
            start: 0,
            end: 25 * HOUR,
            outside: false,
        };
        assert_eq!(percent(&day, 12 * HOUR), 48.0);
        assert_eq!(percent(&day, -HOUR), 0.0);
        assert_eq!(percent(&day, 30 * HOUR), 100.0);
    }

    #[test]
    fn month_cells_say_which_hours_of_the_day() {
        let day = CalendarDay {
            date: "1970-01-02".to_string(),
            label: "Fri 2".to_string(),
            start: DAY_MS,
            end: 2 * DAY_MS,
            outside: false,
        };
        assert_eq!(day_hours(&day, 0, 3 * DAY_MS, "UTC"), "all day");
        assert_eq!(
            day_hours(&day, DAY_MS + 9 * HOUR, DAY_MS + 14 * HOUR, "UTC"),
            "09:00–14:00"
        );
        assert_eq!(
            day_hours(&day, DAY_MS + 20 * HOUR, 3 * DAY_MS, "UTC"),
            "20:00–24:00"
        );
        assert_eq!(day_hours(&day, 0, DAY_MS + HOUR, "UTC"), "00:00–01:00");
    }

    #[test]
    fn overlapping_blocks_get_their_own_lanes() {
        let blocks = [block(0, 10), block(5, 20), block(10, 15), block(20, 30)];
        assert_eq!(lanes(&blocks), (vec![0, 1, 0, 0], 2));
        assert_eq!(lanes(&[]), (vec![], 1));
    }
}
