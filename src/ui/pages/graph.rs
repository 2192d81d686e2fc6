//! The home page: the dependency graph of the current catalog, optionally with a plan drawn over
//! it (`?plan=NAME`, and `&stage=K` to shade a stage's blast radius).

use super::LoadError;
use crate::api::catalog::get_catalog;
use crate::api::plans::get_plan;
use crate::ui::components::graph_view::{GraphView, PlanOverlay};
use crate::ui::components::import_panel::{import_action, ImportPanel};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn GraphPage() -> impl IntoView {
    let import = import_action();
    let query = use_query_map();
    let plan_name = Memo::new(move |_| query.with(|q| q.get("plan")).filter(|n| !n.is_empty()));
    let stage = Signal::derive(move || query.with(|q| q.get("stage")?.parse::<usize>().ok()));
    // Refetched after every import, successful or not: a refused import shows the same graph.
    let catalog = Resource::new(move || import.version().get(), |_| get_catalog());
    let plan = Resource::new(
        move || plan_name.get(),
        |name| async move {
            match name {
                Some(name) => get_plan(name, None).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Dependency graph"/>
        <section class="graph-page">
            <div class="page-head">
                <h1>"Dependency graph"</h1>
                <ImportPanel action=import/>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the catalog…"</p> }>
                {move || Suspend::new(async move {
                    let plan = plan.await;
                    match catalog.await {
                        Ok(view) if view.services.is_empty() => view! {
                            <p class="empty">"No catalog yet: import one to see the graph."</p>
                        }.into_any(),
                        Ok(view) => {
                            let (overlay, plan_error) = match plan {
                                Ok(Some(detail)) => (
                                    Some(PlanOverlay::new(detail.summary.name, &view, &detail.plan, stage)),
                                    None,
                                ),
                                Ok(None) => (None, None),
                                Err(error) => (None, Some(error)),
                            };
                            view! {
                                {plan_error.map(|error| view! { <LoadError error what="the plan"/> })}
                                {(!view.contracts_checked).then(|| view! {
                                    <p class="muted" role="status">
                                        "Contract checks of this revision are still running: edges show no compatibility yet."
                                    </p>
                                })}
                                <GraphView catalog=view overlay=overlay/>
                            }.into_any()
                        }
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
