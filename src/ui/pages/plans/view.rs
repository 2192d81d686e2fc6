//! `/plans/:name`: a plan revision (`?revision=N` for an older one): its state and approval,
//! the stages as a time line, the changes, the problems and the revision history with diffs.
//! Every stage is in the server's HTML.

use super::{plan_name, when, PlanLinks, StateBadge};
use crate::api::plans::{get_plan, set_plan_state};
use crate::api::runs::{create_run, list_runs};
use crate::ui::access::Can;
use crate::ui::components::plan_stages::{
    problem_counts, stage_problems, PlanProblemList, StageCard,
};
use crate::ui::components::review_session::{ReviewControls, ReviewSessions};
use crate::ui::components::share_links::ShareLinks;
use crate::ui::pages::runs::list::RunTable;
use crate::ui::pages::LoadError;
use crate::wire::plans::{PlanDetail, PlanRevisionInfo, PlanState, PlanSummary};
use crate::wire::runs::RunSummary;
use crate::wire::share::ShareKind;
use crate::wire::ApiError;
use breakwater_domain::access::Need;
use breakwater_domain::plan::policy::format_duration;
use breakwater_domain::plan::{Change, Effects, PlanLocation};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

type StateAction = Action<(String, i64, PlanState), Result<PlanSummary, ApiError>>;

#[component]
pub fn PlanPage() -> impl IntoView {
    let name = plan_name();
    let query = use_query_map();
    let revision = Memo::new(move |_| query.with(|q| q.get("revision")?.parse::<i64>().ok()));
    let change_state: StateAction =
        Action::new_local(|(name, revision, state): &(String, i64, PlanState)| {
            set_plan_state(name.clone(), *revision, *state)
        });
    let detail = Resource::new(
        move || (name.get(), revision.get(), change_state.version().get()),
        |(name, revision, _)| get_plan(name, revision),
    );
    let runs = Resource::new(move || name.get(), |name| list_runs(Some(name)));
    view! {
        <Title text=move || format!("Plan {}", name.get())/>
        <section class="page plan-page">
            <Transition fallback=|| view! { <p class="muted">"Loading the plan…"</p> }>
                {move || Suspend::new(async move {
                    let runs = runs.await;
                    match detail.await {
                        Ok(detail) => view! { <PlanBody detail runs change_state/> }.into_any(),
                        Err(error) => view! { <LoadError error what="the plan"/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PlanBody(
    detail: PlanDetail,
    runs: Result<Vec<RunSummary>, ApiError>,
    change_state: StateAction,
) -> impl IntoView {
    let summary = detail.summary.clone();
    let name = summary.name.clone();
    let latest = detail.revision == summary.revision;
    let plan = detail.plan;
    let general: Vec<_> = plan
        .problems
        .iter()
        .filter(|p| !matches!(p.location, PlanLocation::Stage { .. }))
        .cloned()
        .collect();
    let errors = plan.problems.iter().filter(|p| p.is_error()).count();
    let stages = plan
        .stages
        .iter()
        .map(|stage| {
            view! { <StageCard stage=stage.clone() problems=stage_problems(&plan.problems, stage.index)/> }
        })
        .collect_view();
    let rollback = plan
        .rollback
        .iter()
        .map(|k| format!("stage {k}"))
        .collect::<Vec<_>>()
        .join(" → ");
    let approval = match (&detail.approved_by, &detail.approved_at) {
        (Some(by), Some(at)) => Some(format!("Approved by {by} on {}", when(at))),
        (Some(by), None) => Some(format!("Approved by {by}")),
        _ => None,
    };
    let shared = name.clone();
    view! {
        <div class="page-head">
            <div>
                <h1>{summary.title.clone().unwrap_or_else(|| name.clone())}</h1>
                <p class="plan-meta">
                    <code>{name.clone()}</code>" · "
                    <StateBadge state=summary.state/>
                    {format!(
                        " · revision {} of {} · planned against catalog revision {} · {} stages, about {} in all · {}",
                        detail.revision,
                        summary.revision,
                        detail.catalog_revision,
                        plan.stages.len(),
                        format_duration(plan.estimated_secs),
                        problem_counts(errors, plan.problems.len() - errors),
                    )}
                </p>
                {approval.map(|a| view! { <p class="approval">{a}</p> })}
            </div>
            <PlanLinks name=name.clone() current="view"/>
        </div>
        {detail.stale.map(|stale| view! {
            <p class="banner stale" role="status">
                <strong>"The catalog changed since this plan was computed: "</strong>{stale}
            </p>
        })}
        {if latest {
            let approved = summary.state == PlanState::Approved;
            let (summary, name) = (summary.clone(), name.clone());
            view! {
                <Can need=Need::Release>
                    <StateForm summary=summary.clone() change_state/>
                    {approved.then(|| view! { <StartRun name=name.clone()/> })}
                </Can>
            }.into_any()
        } else {
            view! {
                <p class="banner" role="status">
                    {format!("You are looking at revision {}; the latest is {}. ", detail.revision, summary.revision)}
                    <a href=format!("/plans/{name}")>"Show the latest"</a>
                </p>
            }.into_any()
        }}
        {(!general.is_empty()).then(|| view! {
            <section class="plan-problems" aria-label="Problems">
                <h2>"Problems"</h2>
                <PlanProblemList problems=general/>
            </section>
        })}
        <h2>"Stages"</h2>
        {if plan.stages.is_empty() {
            view! { <p class="empty">"No stages: the plan has no service the catalog knows."</p> }.into_any()
        } else {
    view! {
                <div class="stages">{stages}</div>
                <p class="rollback">"Rolling back the whole plan undoes " {rollback} "."</p>
            }.into_any()
        }}
        <PlanRuns runs/>
        <ReviewSessions plan=name.clone() controls=ReviewControls { decide: false, attend: false }/>
        <Can need=Need::Release>
            <ShareLinks kind=ShareKind::Plan subject=shared.clone()/>
        </Can>
        <h2>"Changes"</h2>
        <ChangeTable changes=detail.spec.changes effects=detail.effects/>
        <h2>"Revision history"</h2>
        <RevisionHistory name revisions=detail.revisions shown=detail.revision/>
    }
}

/// Moves the plan through its review, signed by the signed-in person.
#[component]
fn StateForm(summary: PlanSummary, change_state: StateAction) -> impl IntoView {
    let moves: &[(PlanState, &str)] = match summary.state {
        PlanState::Draft => &[(PlanState::InReview, "Submit for review")],
        PlanState::InReview => &[
            (PlanState::Approved, "Approve"),
            (PlanState::Draft, "Back to draft"),
        ],
        PlanState::Approved => &[(PlanState::Draft, "Back to draft")],
    };
    let target = RwSignal::new(moves[0].0);
    let (name, revision) = (summary.name.clone(), summary.revision);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change_state.dispatch_local((name.clone(), revision, target.get_untracked()));
    };
    let buttons = moves
        .iter()
        .map(|(state, label)| {
            let state = *state;
            view! {
                <button type="submit" class:primary=state != PlanState::Draft
                    disabled=move || change_state.pending().get()
                    on:click=move |_| target.set(state)>{*label}</button>
            }
        })
        .collect_view();
    view! {
        <form class="state-form" on:submit=submit>
            {buttons}
            {move || change_state.value().get().and_then(|r| r.err()).map(|e| view! {
                <p class="error" role="alert">{e.to_string()}</p>
            })}
        </form>
    }
}

/// Creates a run of the approved revision and opens its page, where it is started.
#[component]
fn StartRun(name: String) -> impl IntoView {
    let create = Action::new_local(|name: &String| create_run(name.clone()));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(run)) = create.value().get() {
            navigate(&format!("/runs/{}", run.id), NavigateOptions::default());
        }
    });
    view! {
        <div class="start-run">
            <button type="button" class="primary" disabled=move || create.pending().get()
                on:click=move |_| { create.dispatch_local(name.clone()); }>
                "Start a run"
            </button>
            <span class="hint">"Creates a run of this revision; you start it from the run's page."</span>
            {move || create.value().get().and_then(|r| r.err()).map(|e| view! {
                <p class="error" role="alert">{e.to_string()}</p>
            })}
        </div>
    }
}

/// The runs of this plan, newest first, when it has any.
#[component]
fn PlanRuns(runs: Result<Vec<RunSummary>, ApiError>) -> impl IntoView {
    match runs {
        Ok(runs) if runs.is_empty() => None,
        Ok(runs) => Some(view! { <h2>"Runs"</h2><RunTable runs/> }.into_any()),
        Err(error) => Some(view! { <LoadError error what="the plan's runs"/> }.into_any()),
    }
}

#[component]
fn ChangeTable(changes: Vec<Change>, effects: Effects) -> impl IntoView {
    view! {
        <table class="services changes">
            <thead>
                <tr><th>"Service"</th><th>"To version"</th><th>"Phase"</th><th>"Contracts"</th>
                    <th>"Flags"</th><th>"Migrations"</th><th>"Runbook and notes"</th></tr>
            </thead>
            <tbody>
                {changes.into_iter().map(|c| {
                    let effect = effects.get(&c.service);
                    let phase = effect.map_or("expand (default)".to_string(), |e| format!("{} ({})", e.phase.as_str(), e.because));
                    let contracts = c.contracts.iter().map(|k| {
                        let summary = effect
                            .and_then(|e| e.contracts.iter().find(|x| x.contract == k.contract))
                            .map(|x| format!(": {}", x.summary))
                            .unwrap_or_default();
                        view! { <li><code>{format!("{} {}", k.contract, k.version)}</code>{summary}</li> }
                    }).collect_view();
                    let migrations = c.migrations.iter().map(|m| view! {
                        <li>{format!("{} ({}, {})", m.name, m.phase.as_str(), if m.reversible { "reversible" } else { "irreversible" })}</li>
                    }).collect_view();
                    view! {
                        <tr data-service=c.service.clone()>
                            <td><strong>{c.service.clone()}</strong></td>
                            <td>{c.to_version}</td>
                            <td>{phase}</td>
                            <td><ul class="plain">{contracts}</ul></td>
                            <td>{c.flags.join(", ")}</td>
                            <td><ul class="plain">{migrations}</ul></td>
                            <td>
                                {c.runbook.map(|r| view! { <a href=r.clone() rel="noopener noreferrer">{r.clone()}</a><br/> })}
                                {c.notes.map(|n| view! { <span class="notes">{n}</span> })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn RevisionHistory(name: String, revisions: Vec<PlanRevisionInfo>, shown: i64) -> impl IntoView {
    view! {
        <ol class="revisions">
            {revisions.into_iter().map(|r| {
                let is_shown = r.number == shown;
                let diff = if r.diff.entries.is_empty() {
                    let text = if r.number == 1 { "First revision." } else { "No change to the changes or the stages." };
                    view! { <p class="muted">{text}</p> }.into_any()
                } else {
                    view! {
                        <ul class="diff-entries">
                            {r.diff.entries.into_iter().map(|e| view! {
                                <li class=format!("diff-{}", e.kind)>
                                    <span class="diff-kind">{e.kind.clone()}</span>{e.text}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                };
                view! {
                    <li class="revision" class:shown=is_shown data-revision=r.number>
                        <p>
                            <strong>{format!("Revision {}", r.number)}</strong>
                            {format!(" · {} · {} · catalog revision {} ", r.author, when(&r.saved_at), r.catalog_revision)}
                            {if is_shown {
                                view! { <span class="muted">"(shown)"</span> }.into_any()
                            } else {
                                view! { <a href=format!("/plans/{name}?revision={}", r.number)>{format!("View revision {}", r.number)}</a> }.into_any()
                            }}
                        </p>
                        {diff}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}
