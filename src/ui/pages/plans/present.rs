//! `/plans/:name/present`: the plan on a shared screen in a readiness review: one stage at a
//! time in large type with its graph beside it. ArrowRight / ArrowLeft move between stages;
//! the buttons are `?stage=N` links, so it works without JavaScript too.

use super::plan_name;
use crate::api::catalog::get_catalog;
use crate::api::plans::get_plan;
use crate::ui::access::{allows, WithUser};
use crate::ui::components::plan_stages::{stage_problems, StageCard};
use crate::ui::components::review_session::{ReviewControls, ReviewSessions};
use crate::ui::components::stage_graph::StageGraph;
use crate::ui::pages::LoadError;
use crate::wire::access::Me;
use crate::wire::catalog::CatalogView;
use crate::wire::plans::PlanDetail;
use breakwater_domain::access::Need;
use breakwater_domain::plan::policy::format_duration;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

#[component]
pub fn PresentPage() -> impl IntoView {
    let name = plan_name();
    let query = use_query_map();
    let asked = Memo::new(move |_| {
        query
            .with(|q| q.get("stage")?.parse::<usize>().ok())
            .unwrap_or(1)
    });
    let detail = Resource::new(move || name.get(), |name| get_plan(name, None));
    let catalog = Resource::new(|| (), |_| get_catalog());
    view! {
        <Title text=move || format!("Presenting {}", name.get())/>
        <section class="present-page">
            <Transition fallback=|| view! { <p class="muted">"Loading the plan…"</p> }>
                {move || Suspend::new(async move {
                    match (detail.await, catalog.await) {
                        (Ok(detail), Ok(catalog)) => view! { <Presentation detail catalog asked/> }.into_any(),
                        (Err(error), _) => view! { <LoadError error what="the plan"/> }.into_any(),
                        (_, Err(error)) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Presentation(detail: PlanDetail, catalog: CatalogView, asked: Memo<usize>) -> impl IntoView {
    let name = detail.summary.name.clone();
    let title = detail.summary.title.clone().unwrap_or_else(|| name.clone());
    let count = detail.plan.stages.len();
    if count == 0 {
        return view! { <p class="empty">"This plan has no stages to present."</p> }.into_any();
    }
    let current = Memo::new(move |_| asked.get().clamp(1, count));
    let plan = StoredValue::new(detail.plan);
    let catalog = StoredValue::new(catalog);
    let href = {
        let name = name.clone();
        move |k: usize| format!("/plans/{name}/present?stage={k}")
    };

    let navigate = use_navigate();
    let go = {
        let href = href.clone();
        move |k: usize| navigate(&href(k), NavigateOptions::default())
    };
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.alt_key() || ev.ctrl_key() || ev.meta_key() || ev.shift_key() {
            return;
        }
        let at = current.get_untracked();
        let to = match ev.key().as_str() {
            "ArrowRight" | "PageDown" if at < count => at + 1,
            "ArrowLeft" | "PageUp" if at > 1 => at - 1,
            _ => return,
        };
        ev.prevent_default();
        go(to);
    });
    on_cleanup(move || handle.remove());

    let (prev_href, next_href) = (href.clone(), href);
    view! {
        <header class="present-head">
            <p class="present-plan">{title}" · "<a href=format!("/plans/{name}")>"back to the plan"</a></p>
            <h1 aria-live="polite">{move || format!("Stage {} of {count}", current.get())}</h1>
            <nav class="present-nav" aria-label="Stages">
                <a class="button" href=move || prev_href(current.get().saturating_sub(1).max(1))
                    aria-disabled=move || (current.get() == 1).then_some("true")>"← Previous stage"</a>
                <a class="button primary" href=move || next_href((current.get() + 1).min(count))
                    aria-disabled=move || (current.get() == count).then_some("true")>"Next stage →"</a>
                <span class="muted">{format!("Arrow keys move · about {} in all", format_duration(plan.with_value(|p| p.estimated_secs)))}</span>
            </nav>
        </header>
        {move || {
            let k = current.get();
            let (stage, problems) = plan.with_value(|p| (p.stages[k - 1].clone(), stage_problems(&p.problems, k)));
            let (services, blast_radius) = (stage.services.clone(), stage.blast_radius.clone());
            view! {
                <div class="present-body">
                    <div class="present-stage"><StageCard stage problems/></div>
                    <StageGraph catalog stage=k services blast_radius/>
                </div>
            }
        }}
        <WithUser children={move |me: Option<Me>| {
            let controls = ReviewControls {
                decide: allows(me.as_ref(), Need::Release),
                attend: allows(me.as_ref(), Need::Own),
            };
            view! { <ReviewSessions plan=name.clone() controls/> }
        }}/>
    }
    .into_any()
}
