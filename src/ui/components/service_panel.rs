//! The side panel with everything the catalog knows about one service.

use crate::wire::catalog::CatalogView;
use leptos::prelude::*;

#[component]
pub fn ServicePanel(
    catalog: StoredValue<CatalogView>,
    index: usize,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let (service, dependents, downstream) = catalog.with_value(|c| {
        let service = c.services[index].clone();
        let dependents: Vec<String> = c
            .edges
            .iter()
            .filter(|e| e.provider == index)
            .map(|e| c.services[e.consumer].id.clone())
            .collect();
        let downstream = service.blast_radius;
        (service, dependents, downstream)
    });
    let close = on_close.clone();
    // Opening the panel moves focus to its heading, so keyboard and screen-reader users land in
    // it; Escape (anywhere in the panel) closes it and the graph returns focus to the node.
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let heading_id = format!("panel-title-{}", service.id);
    let provides = service
        .provides
        .iter()
        .map(|c| {
            view! { <li><code>{c.id.clone()}</code>" " {c.kind.as_str()} " v" {c.version.clone()}</li> }
        })
        .collect_view();
    let consumes = service
        .depends_on
        .iter()
        .map(|d| {
            let contract = d.contract.clone().unwrap_or_else(|| "(no contract)".into());
            let uses = if d.uses.is_empty() {
                "all operations".to_string()
            } else {
                d.uses.join(", ")
            };
            view! {
                <li>
                    <strong>{d.service.clone()}</strong>
                    <span class=format!("kind {}", d.kind.as_str())>{d.kind.as_str()}</span>
                    <br/><code>{contract}</code>": " {uses}
                </li>
            }
        })
        .collect_view();
    let dependents_view = if dependents.is_empty() {
        view! { <p class="muted">"Nothing depends on this service."</p> }.into_any()
    } else {
        view! { <ul>{dependents.into_iter().map(|d| view! { <li>{d}</li> }).collect_view()}</ul> }
            .into_any()
    };
    let label_id = heading_id.clone();
    view! {
        <aside
            class="service-panel"
            role="dialog"
            aria-modal="false"
            aria-labelledby=label_id
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    ev.prevent_default();
                    ev.stop_propagation();
                    close()
                }
            }
        >
            <header>
                <h2 id=heading_id node_ref=heading tabindex="-1">{service.name.clone()}</h2>
                <button type="button" class="close" aria-label="Close panel" on:click=move |_| on_close()>"×"</button>
            </header>
            <dl>
                <dt>"Id"</dt><dd><code>{service.id.clone()}</code></dd>
                <dt>"Owner"</dt><dd>{service.owner.clone()}</dd>
                <dt>"Tier"</dt><dd><span class=format!("tier-badge tier-{}", service.tier.as_str())>{service.tier.as_str()}</span></dd>
                <dt>"Regions"</dt><dd>{service.regions.join(", ")}</dd>
                <dt>"Version"</dt><dd>{service.version.clone()}</dd>
                <dt>"Blast radius"</dt><dd>{format!("{downstream} downstream services")}</dd>
            </dl>
            <h3>"Contracts provided"</h3>
            <ul>{provides}</ul>
            <h3>"Depends on"</h3>
            {if service.depends_on.is_empty() {
                view! { <p class="muted">"Nothing: this service calls no other."</p> }.into_any()
            } else {
                view! { <ul class="deps">{consumes}</ul> }.into_any()
            }}
            <h3>"Dependents"</h3>
            {dependents_view}
        </aside>
    }
}
