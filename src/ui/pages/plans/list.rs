//! `/plans`: every plan with its state, author, size, problems and last change.

use super::{when, StateBadge};
use crate::api::plans::list_plans;
use crate::ui::access::Can;
use crate::ui::components::plan_stages::problem_counts;
use crate::ui::pages::LoadError;
use crate::wire::plans::PlanSummary;
use breakwater_domain::access::Need;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PlansPage() -> impl IntoView {
    let plans = Resource::new(|| (), |_| list_plans());
    view! {
        <Title text="Plans"/>
        <section class="page plans-page">
            <div class="page-head">
                <h1>"Rollout plans"</h1>
                <Can need=Need::Release><a class="button primary" href="/plans/new">"New plan"</a></Can>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match plans.await {
                        Ok(plans) if plans.is_empty() => view! {
                            <p class="empty">"No plans yet. A plan turns “these services change” into safe stages"
                                <Can need=Need::Release>": start with "<a href="/plans/new">"a new plan"</a></Can>"."</p>
                        }.into_any(),
                        Ok(plans) => view! { <PlanTable plans/> }.into_any(),
                        Err(error) => view! { <LoadError error what="the plans"/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PlanTable(plans: Vec<PlanSummary>) -> impl IntoView {
    view! {
        <table class="services plans">
            <thead>
                <tr>
                    <th>"Plan"</th><th>"State"</th><th>"Author"</th><th>"Stages"</th>
                    <th>"Services"</th><th>"Problems"</th><th>"Last change"</th>
                </tr>
            </thead>
            <tbody>
                {plans.into_iter().map(|p| {
                    let problems = problem_counts(p.error_count, p.warning_count);
                    let class = if p.error_count > 0 { "error" } else if p.warning_count > 0 { "warning" } else { "muted" };
                    view! {
                        <tr data-plan=p.name.clone()>
                            <td>
                                <a href=format!("/plans/{}", p.name)><strong>{p.name.clone()}</strong></a>
                                {p.title.map(|t| view! { <br/><span class="muted">{t}</span> })}
                            </td>
                            <td><StateBadge state=p.state/></td>
                            <td>{p.author}</td>
                            <td class="num">{p.stage_count}</td>
                            <td class="num">{p.service_count}</td>
                            <td class=class>{problems}</td>
                            <td>{format!("{} (revision {})", when(&p.updated_at), p.revision)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
