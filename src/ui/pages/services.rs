//! Every service in a table, sortable by name, owner, tier or number of dependents. Sorting is a
//! link (`?sort=owner`), so it works without JavaScript too.

use super::LoadError;
use crate::api::catalog::get_catalog;
use crate::wire::catalog::{CatalogView, ServiceCard};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[derive(Clone, Copy, PartialEq)]
enum SortBy {
    Name,
    Owner,
    Tier,
    Dependents,
}

impl SortBy {
    const ALL: [(SortBy, &'static str, &'static str); 4] = [
        (SortBy::Name, "name", "Service"),
        (SortBy::Owner, "owner", "Owner"),
        (SortBy::Tier, "tier", "Tier"),
        (SortBy::Dependents, "dependents", "Dependents"),
    ];

    fn parse(s: &str) -> SortBy {
        SortBy::ALL
            .iter()
            .find(|(_, key, _)| *key == s)
            .map_or(SortBy::Name, |(sort, _, _)| *sort)
    }
}

struct Row {
    service: ServiceCard,
    dependents: usize,
    blast_radius: usize,
}

fn rows(catalog: CatalogView, sort: SortBy) -> Vec<Row> {
    let mut dependents = vec![0; catalog.services.len()];
    for edge in &catalog.edges {
        dependents[edge.provider] += 1;
    }
    let mut rows: Vec<Row> = catalog
        .services
        .into_iter()
        .zip(dependents)
        .map(|(service, dependents)| Row {
            blast_radius: service.blast_radius,
            service,
            dependents,
        })
        .collect();
    rows.sort_by(|a, b| match sort {
        SortBy::Name => a.service.name.cmp(&b.service.name),
        SortBy::Owner => {
            (&a.service.owner, &a.service.name).cmp(&(&b.service.owner, &b.service.name))
        }
        SortBy::Tier => (a.service.tier, &a.service.name).cmp(&(b.service.tier, &b.service.name)),
        SortBy::Dependents => b
            .dependents
            .cmp(&a.dependents)
            .then_with(|| a.service.name.cmp(&b.service.name)),
    });
    rows
}

#[component]
pub fn ServicesPage() -> impl IntoView {
    let query = use_query_map();
    let sort =
        Memo::new(move |_| SortBy::parse(&query.with(|q| q.get("sort").unwrap_or_default())));
    let catalog = Resource::new(|| (), |_| get_catalog());
    let header = move || {
        SortBy::ALL
            .iter()
            .map(|(by, key, label)| {
                let by = *by;
                let current = move || sort.get() == by;
                view! {
                    <th aria-sort=move || if current() { "ascending" } else { "none" }>
                        <a href=format!("?sort={key}") class:active=current>{*label}</a>
                    </th>
                }
            })
            .collect_view()
    };
    view! {
        <Title text="Services"/>
        <section class="page">
            <h1>"Services"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match catalog.await {
                        Ok(catalog) => view! {
                            <table class="services">
                                <thead><tr>{header()}<th>"Blast radius"</th><th>"Version"</th><th>"Regions"</th><th>"Contracts"</th></tr></thead>
                                <tbody>
                                    {rows(catalog, sort.get()).into_iter().map(|row| {
                                        let s = row.service;
                                        let id = s.id.clone();
                                        view! {
                                            <tr data-id=id>
                                                <td><strong>{s.name}</strong><br/><code>{s.id}</code></td>
                                                <td>{s.owner}</td>
                                                <td><span class=format!("tier-badge tier-{}", s.tier.as_str())>{s.tier.as_str()}</span></td>
                                                <td class="num">{row.dependents}</td>
                                                <td class="num">{row.blast_radius}</td>
                                                <td>{s.version}</td>
                                                <td>{s.regions.join(", ")}</td>
                                                <td>{s.provides.iter().map(|c| c.id.clone()).collect::<Vec<_>>().join(", ")}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
