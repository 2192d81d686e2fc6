//! The home page: the dependency graph of the current catalog.

use super::LoadError;
use crate::api::catalog::get_catalog;
use crate::ui::components::graph_view::GraphView;
use crate::ui::components::import_panel::{import_action, ImportPanel};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn GraphPage() -> impl IntoView {
    let import = import_action();
    // Refetched after every import, successful or not: a refused import shows the same graph.
    let catalog = Resource::new(move || import.version().get(), |_| get_catalog());
    view! {
        <Title text="Dependency graph"/>
        <section class="graph-page">
            <div class="page-head">
                <h1>"Dependency graph"</h1>
                <ImportPanel action=import/>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the catalog…"</p> }>
                {move || Suspend::new(async move {
                    match catalog.await {
                        Ok(view) if view.services.is_empty() => view! {
                            <p class="empty">"No catalog yet: import one to see the graph."</p>
                        }.into_any(),
                        Ok(view) => view! {
                            {(!view.contracts_checked).then(|| view! {
                                <p class="muted" role="status">
                                    "Contract checks of this revision are still running: edges show no compatibility yet."
                                </p>
                            })}
                            <GraphView catalog=view/>
                        }.into_any(),
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
