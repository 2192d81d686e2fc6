//! A small, static drawing of the catalog graph for one stage: the stage's services, their blast
//! radius shaded, everything else faded. Same layout as the graph page (computed once per
//! revision on the server), so people recognise the shape.

use super::graph_view::{curve, truncate};
use crate::wire::catalog::{graph_layout_options, CatalogView};
use leptos::prelude::*;

const PAD: f64 = 16.0;

#[component]
pub fn StageGraph(
    catalog: StoredValue<CatalogView>,
    stage: usize,
    services: Vec<String>,
    blast_radius: Vec<String>,
) -> impl IntoView {
    let options = graph_layout_options();
    let role = move |id: &str| {
        if services.iter().any(|s| s == id) {
            "in-stage"
        } else if blast_radius.iter().any(|s| s == id) {
            "blast"
        } else {
            "other"
        }
    };
    catalog.with_value(|c| {
        let layout = &c.layout;
        let view_box = format!(
            "{:.1} {:.1} {:.1} {:.1}",
            -PAD,
            -PAD,
            layout.width.max(1.0) + 2.0 * PAD,
            layout.height.max(1.0) + 2.0 * PAD
        );
        let edges = layout
            .edges
            .iter()
            .zip(&c.edges)
            .map(|(route, edge)| {
                let (consumer, provider) = (&c.services[edge.consumer].id, &c.services[edge.provider].id);
                // An edge is part of the picture when it carries the stage's change outwards.
                let lit = role(provider) != "other" && role(consumer) != "other";
                view! {
                    <path class=format!("edge {}", edge.kind.as_str()) class:lit=lit d=curve(&route.points)></path>
                }
            })
            .collect_view();
        let nodes = layout
            .nodes
            .iter()
            .zip(&c.services)
            .map(|(at, s)| {
                view! {
                    <g class=format!("mini-node {}", role(&s.id)) transform=format!("translate({:.1},{:.1})", at.x, at.y) data-id=s.id.clone()>
                        <rect width=options.node_width height=options.node_height rx="8"></rect>
                        <text x="12" y="30">{truncate(&s.name, 20)}</text>
                    </g>
                }
            })
            .collect_view();
        view! {
            <figure class="stage-graph">
                <svg viewBox=view_box preserveAspectRatio="xMidYMin meet" role="img"
                    aria-label=format!("Dependency graph: stage {stage}'s services and its blast radius")>
                    <g class="edges">{edges}</g>
                    <g class="nodes">{nodes}</g>
                </svg>
                <figcaption>
                    <ul class="legend">
                        <li><span class="swatch in-stage"></span>"in this stage"</li>
                        <li><span class="swatch blast"></span>"blast radius"</li>
                        <li><span class="swatch other"></span>"not affected"</li>
                    </ul>
                </figcaption>
            </figure>
        }
    })
}
