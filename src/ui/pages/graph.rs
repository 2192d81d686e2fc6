//! The home page: the dependency graph of the current catalog, optionally with a plan drawn over
//! it (`?plan=NAME`, and `&stage=K` to shade a stage's blast radius), and during a run each
//! service's live health (asked for again every few seconds in the browser while a run is
//! active, every half minute otherwise).

use super::LoadError;
use crate::api::catalog::get_catalog;
use crate::api::plans::get_plan;
use crate::api::runs::live_health;
use crate::ui::access::Can;
use crate::ui::components::graph_view::{GraphView, PlanOverlay, StageOnGraph};
use crate::ui::components::import_panel::{import_action, ImportPanel};
use crate::wire::runs::ServiceHealth;
use crate::wire::ApiError;
use breakwater_domain::access::Need;
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
                Some(name) => planned_stages(name).await.map(Some),
                None => Ok(None),
            }
        },
    );
    // The server's answer at render time; then, in the browser, the latest poll's.
    let health = Resource::new(|| (), |_| live_health());
    let polled = RwSignal::new(None::<Vec<ServiceHealth>>);
    #[cfg(feature = "hydrate")]
    {
        // While no run is active (the last answer was empty) only every `IDLE_TICKS`th tick asks,
        // so an idle graph costs the server little and still shows a new run soon.
        let quiet_ticks = StoredValue::new(0u32);
        let poll = move || {
            let active = polled.with_untracked(|p| p.as_ref().is_none_or(|h| !h.is_empty()));
            if !active && quiet_ticks.get_value() + 1 < IDLE_TICKS {
                quiet_ticks.update_value(|n| *n += 1);
                return;
            }
            quiet_ticks.set_value(0);
            leptos::task::spawn_local(async move {
                if let Ok(health) = live_health().await {
                    polled.try_set(Some(health));
                }
            })
        };
        if let Ok(handle) = set_interval_with_handle(poll, HEALTH_POLL) {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <Title text="Dependency graph"/>
        <section class="graph-page">
            <div class="page-head">
                <h1>"Dependency graph"</h1>
                <Can need=Need::Release><ImportPanel action=import/></Can>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the catalog…"</p> }>
                {move || Suspend::new(async move {
                    let plan = plan.await;
                    // The graph stands without live health: an error only says so.
                    let (rendered, health_error) = match health.await {
                        Ok(health) => (health, None),
                        Err(error) => (Vec::new(), Some(error)),
                    };
                    let health = Signal::derive(move || polled.get().unwrap_or_else(|| rendered.clone()));
                    match catalog.await {
                        Ok(view) if view.services.is_empty() => view! {
                            <p class="empty">"No catalog yet: import one to see the graph."</p>
                        }.into_any(),
                        Ok(view) => {
                            let (overlay, plan_error) = match plan {
                                Ok(Some((name, stages))) => (
                                    Some(PlanOverlay::new(name, &view, &stages, stage)),
                                    None,
                                ),
                                Ok(None) => (None, None),
                                Err(error) => (None, Some(error)),
                            };
                            view! {
                                {plan_error.map(|error| view! { <LoadError error what="the plan"/> })}
                                {health_error.map(|error| view! { <LoadError error what="the live health"/> })}
                                {(!view.contracts_checked).then(|| view! {
                                    <p class="muted" role="status">
                                        "Contract checks of this revision are still running: edges show no compatibility yet."
                                    </p>
                                })}
                                <GraphView catalog=view overlay=overlay health/>
                            }.into_any()
                        }
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// How often the browser asks for the services' live health during a run.
#[cfg(feature = "hydrate")]
const HEALTH_POLL: std::time::Duration = std::time::Duration::from_secs(3);
/// Without an active run, it asks every 10 × 3 s = 30 s.
#[cfg(feature = "hydrate")]
const IDLE_TICKS: u32 = 10;

/// A plan's name and stages, for the overlay. Lazy (a wasm chunk of its own): decoding a whole
/// plan takes code the graph needs only when it shows one, and the page's resource carries only
/// the small projection from the server's render.
#[lazy]
async fn planned_stages(name: String) -> Result<(String, Vec<StageOnGraph>), ApiError> {
    let detail = get_plan(name, None).await?;
    let stages = detail.plan.stages.iter().map(StageOnGraph::from).collect();
    Ok((detail.summary.name, stages))
}
