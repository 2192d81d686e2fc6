//! A computed plan as a release manager reads it: each stage with its services, the timeline of
//! its exposure steps, gates, rollback order, blast radius, the reasons for its place and its
//! problems. Used by the plan view, the editor's live preview and the presentation view.

use breakwater_domain::plan::policy::format_duration;
use breakwater_domain::plan::{
    Explanation, FailureAction, Gate, PlanLocation, PlanProblem, Signal, Stage, Step,
};
use leptos::prelude::*;

pub fn failure_label(action: FailureAction) -> &'static str {
    match action {
        FailureAction::Pause => "pause the rollout",
        FailureAction::RollbackStage => "roll back the stage",
        FailureAction::RollbackPlan => "roll back the whole plan",
    }
}

pub fn signal_label(signal: Signal) -> &'static str {
    match signal {
        Signal::ErrorRate => "error rate",
        Signal::LatencyP99 => "p99 latency",
        Signal::BurnRate => "SLO burn rate",
        Signal::DataCheck => "data check",
    }
}

/// "error rate ≤ 1% (and downstream)", "data check orders-balance passes".
pub fn gate_text(gate: &Gate) -> String {
    let condition = if gate.signal == Signal::DataCheck {
        format!(
            "data check {} passes",
            gate.check.as_deref().unwrap_or("(unnamed)")
        )
    } else {
        format!(
            "{} ≤ {}{}",
            signal_label(gate.signal),
            gate.max,
            gate.signal.unit()
        )
    };
    let window = gate
        .window_secs
        .map_or(String::new(), |w| format!(" over {}", format_duration(w)));
    let downstream = if gate.downstream {
        ", watched downstream too"
    } else {
        ""
    };
    format!("{condition}{window}{downstream}")
}

/// The problems a stage card shows: those located at the stage, and those of its pinned entry
/// (`stages[i]`, 0-based) when the order is manual.
pub fn stage_problems(problems: &[PlanProblem], index: usize) -> Vec<PlanProblem> {
    let pinned = format!("stages[{}]", index.saturating_sub(1));
    problems
        .iter()
        .filter(|p| match &p.location {
            PlanLocation::Stage { index: at } => *at == index,
            PlanLocation::Field { path } => *path == pinned,
            _ => false,
        })
        .cloned()
        .collect()
}

/// "2 errors, 1 warning" (or "no problems").
pub fn problem_counts(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => "no problems".to_string(),
        (e, 0) => plural(e, "error"),
        (0, w) => plural(w, "warning"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// Plan problems, errors first, each with where it is.
#[component]
pub fn PlanProblemList(problems: Vec<PlanProblem>) -> impl IntoView {
    let mut problems = problems;
    problems.sort_by_key(|p| std::cmp::Reverse(p.level));
    view! {
        <ul class="problems">
            {problems.into_iter().map(|p| {
                let level = if p.is_error() { "error" } else { "warning" };
                let code = p.code.clone();
                view! {
                    <li class=level data-code=code>
                        <span class="severity">{level}</span>
                        <code>{p.code}</code>
                        <span class="location">{p.location.to_string()}</span>
                        <span class="message">{p.message}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
pub fn ExplanationList(explanations: Vec<Explanation>) -> impl IntoView {
    view! {
        <ul class="explanations">
            {explanations.into_iter().map(|e| view! {
                <li data-code=e.code.clone()><span class="why-code">{e.code.clone()}</span>{e.text}</li>
            }).collect_view()}
        </ul>
    }
}

/// One service's steps on a time line: a row per region, each step a bar as long as its bake,
/// regions one after another (a service's steps run in sequence).
fn step_rows(stage: &Stage) -> impl IntoView {
    let total = stage.estimated_secs.max(1) as f64;
    let mut rows: Vec<(String, Option<String>, Vec<&Step>)> = Vec::new();
    for step in &stage.steps {
        match rows.last_mut() {
            Some((service, region, steps))
                if *service == step.service && *region == step.region =>
            {
                steps.push(step)
            }
            _ => rows.push((step.service.clone(), step.region.clone(), vec![step])),
        }
    }
    // A service's rows are consecutive (region order); each starts where the previous ended.
    let mut previous: Option<(String, u64)> = None;
    let mut views = Vec::with_capacity(rows.len());
    for (service, region, steps) in rows {
        let offset = match &previous {
            Some((s, end)) if *s == service => *end,
            _ => 0,
        };
        let region_label = region.unwrap_or_else(|| "all regions".into());
        let summary = steps
            .iter()
            .map(|s| format!("{}% for {}", s.percent, format_duration(s.bake_secs)))
            .collect::<Vec<_>>()
            .join(", ");
        let mut at = offset;
        let bars = steps
            .iter()
            .map(|s| {
                let left = at as f64 / total * 100.0;
                let width = s.bake_secs as f64 / total * 100.0;
                at += s.bake_secs;
                let title = format!(
                    "{service} in {region_label}: {}% of traffic, bakes {}",
                    s.percent,
                    format_duration(s.bake_secs)
                );
                view! {
                    <span class="step" style=format!("left:{left:.2}%;width:{width:.2}%") title=title>
                        {format!("{}%", s.percent)}
                    </span>
                }
            })
            .collect_view();
        let label = format!("{service} in {region_label}: {summary}");
        views.push(view! {
            <div class="step-row" role="listitem" aria-label=label>
                <span class="step-label"><strong>{service.clone()}</strong>" " {region_label}</span>
                <span class="step-track">{bars}</span>
                <span class="step-time">{format_duration(at - offset)}</span>
            </div>
        });
        previous = Some((service, at));
    }
    views
}

/// Everything about one stage. With `on_move`, each service gets buttons (and Alt+Arrow keys)
/// to move it a stage earlier (-1) or later (+1).
#[component]
pub fn StageCard(
    stage: Stage,
    problems: Vec<PlanProblem>,
    #[prop(optional)] on_move: Option<Callback<(String, isize)>>,
) -> impl IntoView {
    let heading = format!("Stage {}", stage.index);
    let services = stage
        .services
        .iter()
        .map(|id| {
            let controls = on_move.map(|moved| {
                let (up, down) = (id.clone(), id.clone());
                view! {
                    <button type="button" class="move" aria-label=format!("Move {id} up a stage")
                        title="Move up a stage (Alt+↑)" on:click=move |_| moved.run((up.clone(), -1))>"↑"</button>
                    <button type="button" class="move" aria-label=format!("Move {id} down a stage")
                        title="Move down a stage (Alt+↓)" on:click=move |_| moved.run((down.clone(), 1))>"↓"</button>
                }
            });
            let key_id = id.clone();
            view! {
                <li class="stage-service" data-service=id.clone()
                    on:keydown=move |ev| {
                        let Some(moved) = on_move else { return };
                        let by = match ev.key().as_str() {
                            "ArrowUp" if ev.alt_key() => -1,
                            "ArrowDown" if ev.alt_key() => 1,
                            _ => return,
                        };
                        ev.prevent_default();
                        moved.run((key_id.clone(), by));
                    }
                >
                    <span class="service-id">{id.clone()}</span>
                    {controls}
                </li>
            }
        })
        .collect_view();
    let tiers = stage.blast_by_tier;
    let blast = if stage.blast_radius.is_empty() {
        "none: nothing else depends on these services".to_string()
    } else {
        format!(
            "{} downstream ({} critical, {} standard, {} low): {}",
            stage.blast_radius.len(),
            tiers.critical,
            tiers.standard,
            tiers.low,
            stage.blast_radius.join(", ")
        )
    };
    let gates = if stage.gates.is_empty() {
        view! { <p class="muted">"No gates: steps advance when their bake time is over."</p> }
            .into_any()
    } else {
        view! { <ul class="gates">{stage.gates.iter().map(|g| view! { <li>{gate_text(g)}</li> }).collect_view()}</ul> }
            .into_any()
    };
    view! {
        <article class="stage" class:coordinated=stage.coordinated data-stage=stage.index aria-label=heading.clone()>
            <header class="stage-head">
                <h3>{heading.clone()}</h3>
                {stage.coordinated.then(|| view! {
                    <span class="badge coordinated" title="The services form a hard cycle: switch them together behind a flag">"coordinated"</span>
                })}
                <span class="estimate">{format!("≈ {}", format_duration(stage.estimated_secs))}</span>
            </header>
            <ul class="stage-services" aria-label="Services">{services}</ul>
            <div class="timeline" role="list" aria-label="Exposure steps">{step_rows(&stage)}</div>
            <dl class="stage-facts">
                <dt>"Gates"</dt><dd>{gates}</dd>
                <dt>"On a failed gate"</dt><dd>{failure_label(stage.on_failure)}</dd>
                <dt>"Rollback order"</dt><dd>{stage.rollback_order.join(" → ")}</dd>
                <dt>"Blast radius"</dt><dd class="blast">{blast}</dd>
            </dl>
            {(!stage.explanations.is_empty()).then(|| view! {
                <h4>"Why here"</h4>
                <ExplanationList explanations=stage.explanations.clone()/>
            })}
            {(!problems.is_empty()).then(|| view! { <PlanProblemList problems/> })}
        </article>
    }
}
