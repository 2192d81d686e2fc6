//! `/runs`: every run, newest first, with where it is, its last failure and what the calendar
//! does to it, and the emergency stop. Server-rendered whole; refresh to update.

use crate::api::runs::list_runs;
use crate::ui::access::Can;
use crate::ui::components::calendar_banner::CalendarBadges;
use crate::ui::components::run_status::{utc_text, RunStatusBadge};
use crate::ui::components::stop_all::StopAll;
use crate::ui::pages::LoadError;
use crate::wire::runs::RunSummary;
use breakwater_domain::access::Need;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RunsPage() -> impl IntoView {
    let runs = Resource::new(|| (), |_| list_runs(None));
    view! {
        <Title text="Runs"/>
        <section class="page runs-page">
            <div class="page-head">
                <h1>"Runs"</h1>
                <a class="button" href="/plans">"Plans"</a>
            </div>
            <Can need=Need::Release>
                <StopAll on_stopped=Callback::new(move |()| runs.refetch())/>
            </Can>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match runs.await {
                        Ok(runs) if runs.is_empty() => view! {
                            <p class="empty">"No runs yet. An approved plan has a “Start a run” button: see "
                                <a href="/plans">"the plans"</a>"."</p>
                        }.into_any(),
                        Ok(runs) => view! { <RunTable runs/> }.into_any(),
                        Err(error) => view! { <LoadError error what="the runs"/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The runs as a table; also shown on a plan's page for its own runs.
#[component]
pub fn RunTable(runs: Vec<RunSummary>) -> impl IntoView {
    view! {
        <table class="services runs">
            <thead>
                <tr>
                    <th>"Run"</th><th>"Plan"</th><th>"Status"</th><th>"Stage"</th><th>"Step"</th>
                    <th>"Started by"</th><th>"Updated"</th><th>"Last failure"</th>
                </tr>
            </thead>
            <tbody>
                {runs.into_iter().map(|r| view! {
                    <tr data-run=r.id data-status=r.status.as_str()>
                        <td><a href=format!("/runs/{}", r.id)><strong>{format!("#{}", r.id)}</strong></a></td>
                        <td>
                            <a href=format!("/plans/{}?revision={}", r.plan, r.plan_revision)>{r.plan.clone()}</a>
                            <span class="muted">{format!(" revision {}", r.plan_revision)}</span>
                        </td>
                        <td><RunStatusBadge status=r.status/><CalendarBadges run=r.clone()/></td>
                        <td class="num">{format!("{}/{}", (r.stage + 1).min(r.stage_count), r.stage_count)}</td>
                        <td class="num">{r.step.map_or("–".to_string(), |j| (j + 1).to_string())}</td>
                        <td>{r.created_by}</td>
                        <td>{utc_text(&r.updated_at)}</td>
                        <td class="failure">{r.failure}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
