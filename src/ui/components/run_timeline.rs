//! A run's event log as a timeline, newest first: who, when, what, why, and the status before
//! and after. The executor's own decisions stand out with their one-sentence reason and the gate
//! evaluations behind them.

use super::run_status::utc;
use crate::wire::runs::EventView;
use breakwater_domain::health::Evaluation;
use breakwater_domain::run::{Actor, EventKind, RollbackScope, RunPlan};
use leptos::prelude::*;

/// What an event did, in words: "stage 1, step 2 requested: payment 100% in eu-west-1".
pub fn event_text(run: &RunPlan, kind: &EventKind) -> String {
    match kind {
        EventKind::Started => "run started".to_string(),
        EventKind::StepRequested {
            stage,
            step,
            awaits_ack,
        } => {
            let targets = run.step_words(*stage, *step);
            let ack = if *awaits_ack {
                " (waiting for the webhooks)"
            } else {
                ""
            };
            format!(
                "stage {}, step {} requested: {targets}{ack}",
                stage + 1,
                step + 1
            )
        }
        EventKind::StageRolledBack { stage, .. } => {
            format!("stage {} rolled back to 0% of its new versions", stage + 1)
        }
        EventKind::Acknowledged => "the webhooks acknowledged the change".to_string(),
        EventKind::StageCompleted { stage } => format!("stage {} completed", stage + 1),
        EventKind::Completed => "run completed: every stage at 100%".to_string(),
        EventKind::Paused { .. } => "run paused".to_string(),
        EventKind::Resumed => "run resumed".to_string(),
        EventKind::RollbackStarted { scope, .. } => match scope {
            RollbackScope::Stage => "rollback of the stage started".to_string(),
            RollbackScope::Plan => "rollback of the whole plan started".to_string(),
        },
        EventKind::RollbackFinished => "rollback finished".to_string(),
        EventKind::Retried { .. } => "step retried from its start".to_string(),
        EventKind::Aborted => "run aborted".to_string(),
        EventKind::WindowClosed { opens_at } => match opens_at {
            Some(at) => format!("held by the calendar until {}", utc(*at)),
            None => "held by the calendar: no window opens within two years".to_string(),
        },
        EventKind::CalendarOverridden { until } => {
            format!("break-glass: the calendar overridden until {}", utc(*until))
        }
    }
}

fn failed_gates(kind: &EventKind) -> &[Evaluation] {
    match kind {
        EventKind::Paused { failed } | EventKind::RollbackStarted { failed, .. } => failed,
        _ => &[],
    }
}

#[component]
pub fn RunTimeline(run: RunPlan, events: Vec<EventView>) -> impl IntoView {
    let items = events
        .into_iter()
        .rev()
        .map(|e| {
            let automatic = e.event.actor == Actor::Executor;
            let who = match &e.event.actor {
                Actor::Person(name) => name.clone(),
                Actor::Executor => "Breakwater (automatic)".to_string(),
            };
            let change = (e.status_before != e.status_after).then(|| {
                format!(
                    "{} → {}",
                    e.status_before.words(),
                    e.status_after.words()
                )
            });
            let failed = failed_gates(&e.event.kind)
                .iter()
                .map(|f| view! { <li>{f.summary.clone()}</li> })
                .collect_view();
            let alarm = !failed_gates(&e.event.kind).is_empty();
            view! {
                <li class="event" class:automatic=automatic class:alarm=alarm
                    data-seq=e.event.seq data-kind=e.event.kind.name()>
                    <p class="event-head">
                        <time>{utc(e.event.at)}</time>
                        <strong class="what">{event_text(&run, &e.event.kind)}</strong>
                        <span class="who">{format!("by {who}")}</span>
                        {change.map(|c| view! { <span class="status-change">{c}</span> })}
                    </p>
                    {(!e.event.reason.is_empty()).then(|| view! { <p class="why">{e.event.reason.clone()}</p> })}
                    {alarm.then(|| view! { <ul class="failed-gates">{failed}</ul> })}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline-events" reversed>{items}</ol> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::components::run_status::tests::drill_run;

    #[test]
    fn events_say_what_moved_counting_from_one() {
        let run = drill_run();
        let step = EventKind::StepRequested {
            stage: 0,
            step: 1,
            awaits_ack: true,
        };
        assert_eq!(
            event_text(&run, &step),
            "stage 1, step 2 requested: payment 100% in eu-west-1 (waiting for the webhooks)"
        );
        let rollback = EventKind::RollbackStarted {
            scope: RollbackScope::Plan,
            failed: Vec::new(),
        };
        assert_eq!(
            event_text(&run, &rollback),
            "rollback of the whole plan started"
        );
        assert_eq!(
            event_text(
                &run,
                &EventKind::WindowClosed {
                    opens_at: Some(1_764_324_000_000)
                }
            ),
            "held by the calendar until 2025-11-28 10:00:00 UTC"
        );
        assert_eq!(
            event_text(&run, &EventKind::CalendarOverridden { until: 0 }),
            "break-glass: the calendar overridden until 1970-01-01 00:00:00 UTC"
        );
        assert_eq!(
            event_text(
                &run,
                &EventKind::StageRolledBack {
                    stage: 0,
                    awaits_ack: false
                }
            ),
            "stage 1 rolled back to 0% of its new versions"
        );
    }
}
