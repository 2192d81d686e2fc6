//! The dependency graph as SVG: layered layout from the domain crate, blast-radius highlighting,
//! search, pan and zoom, keyboard access. Server-rendered complete; interactive after hydration.

use super::service_panel::ServicePanel;
use crate::wire::catalog::{graph_layout_options, CatalogView, EdgeView, Neighbours};
use crate::wire::runs::{Health, ServiceHealth};
use breakwater_domain::catalog::DependencyKind;
use breakwater_domain::layout::{Layout, Point};
use breakwater_domain::plan::Stage;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Margin around the drawing, in graph units.
const PAD: f64 = 24.0;
const ZOOM_STEP: f64 = 1.2;
/// Pointer movement (px) below which a press on a node counts as a click, not a pan.
const CLICK_SLOP: f64 = 4.0;
const NAME_CHARS: usize = 22;

#[derive(Clone, Copy, PartialEq, Debug)]
struct ViewBox {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl ViewBox {
    fn fit(layout: &Layout) -> ViewBox {
        ViewBox {
            x: -PAD,
            y: -PAD,
            w: layout.width.max(1.0) + 2.0 * PAD,
            h: layout.height.max(1.0) + 2.0 * PAD,
        }
    }

    /// Zooms by `factor` (> 1 zooms out) keeping the point at fractions (fx, fy) of the view fixed.
    fn zoom(self, factor: f64, fx: f64, fy: f64) -> ViewBox {
        let (w, h) = (self.w * factor, self.h * factor);
        ViewBox {
            x: self.x + (self.w - w) * fx,
            y: self.y + (self.h - h) * fy,
            w,
            h,
        }
    }

    fn attr(self) -> String {
        format!("{:.1} {:.1} {:.1} {:.1}", self.x, self.y, self.w, self.h)
    }
}

/// The highlighted service and its closures, as positions in the catalog.
#[derive(Clone, PartialEq, Debug)]
struct Highlight {
    focus: usize,
    downstream: BTreeSet<usize>,
    upstream: BTreeSet<usize>,
}

/// Stage colours cycle through this many classes (`stage-c0` ...), see style/main.css.
const STAGE_COLOURS: usize = 8;

/// A plan drawn over the graph: changed services numbered and coloured by stage; the selected
/// stage's services stand out and its blast radius is shaded.
#[derive(Clone, Debug)]
pub struct PlanOverlay {
    name: String,
    /// The stage number of each service, by position in the catalog (`None`: not changed).
    stage_of: Vec<Option<usize>>,
    stages: Vec<OverlayStage>,
    selected: Signal<Option<usize>>,
}

#[derive(Clone, Debug)]
struct OverlayStage {
    index: usize,
    services: Vec<String>,
    blast_radius: BTreeSet<usize>,
}

/// What the overlay draws of a plan's stage: a projection of [`Stage`], small enough that the
/// graph page (in the main wasm bundle) decodes only this, not a whole plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StageOnGraph {
    pub index: usize,
    pub services: Vec<String>,
    pub blast_radius: Vec<String>,
}

impl From<&Stage> for StageOnGraph {
    fn from(stage: &Stage) -> StageOnGraph {
        StageOnGraph {
            index: stage.index,
            services: stage.services.clone(),
            blast_radius: stage.blast_radius.clone(),
        }
    }
}

impl PlanOverlay {
    /// `selected`: the stage whose blast radius is shaded (1-based), if any.
    pub fn new(
        name: String,
        catalog: &CatalogView,
        stages: &[StageOnGraph],
        selected: Signal<Option<usize>>,
    ) -> PlanOverlay {
        let mut stage_of = vec![None; catalog.services.len()];
        let stages = stages
            .iter()
            .map(|stage| {
                for id in &stage.services {
                    if let Some(i) = catalog.position(id) {
                        stage_of[i] = Some(stage.index);
                    }
                }
                OverlayStage {
                    index: stage.index,
                    services: stage.services.clone(),
                    blast_radius: stage
                        .blast_radius
                        .iter()
                        .filter_map(|id| catalog.position(id))
                        .collect(),
                }
            })
            .collect();
        PlanOverlay {
            name,
            stage_of,
            stages,
            selected,
        }
    }

    /// The overlay's classes for the node at catalog position `i`.
    fn node_class(&self, i: usize) -> String {
        let mut class = String::new();
        let stage = self.stage_of.get(i).copied().flatten();
        if let Some(k) = stage {
            class.push_str(&format!(" planned stage-c{}", (k - 1) % STAGE_COLOURS));
        }
        if let Some(selected) = self.selected.get() {
            let in_blast = self
                .stages
                .iter()
                .find(|s| s.index == selected)
                .is_some_and(|s| s.blast_radius.contains(&i));
            class.push_str(if stage == Some(selected) {
                " stage-current"
            } else if in_blast {
                " stage-blast"
            } else {
                " stage-faded"
            });
        }
        class
    }
}

/// The plan's stages as links (`?plan=NAME&stage=K`), so selecting a stage works without
/// JavaScript too.
#[component]
fn PlanLegend(overlay: PlanOverlay) -> impl IntoView {
    let selected = overlay.selected;
    let name = overlay.name.clone();
    let stages = overlay
        .stages
        .iter()
        .map(|stage| {
            let k = stage.index;
            let href = format!("/?plan={name}&stage={k}");
            view! {
                <li>
                    <a href=href class="stage-link" aria-current=move || (selected.get() == Some(k)).then_some("true")>
                        <span class=format!("stage-dot stage-c{}", (k - 1) % STAGE_COLOURS)>{k}</span>
                        {format!("Stage {k}: {}", stage.services.join(", "))}
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="plan-legend" aria-label="Plan stages">
            <span>"Plan " <a href=format!("/plans/{name}")>{name.clone()}</a>":"</span>
            <ul>
                <li>
                    <a href=format!("/?plan={name}") class="stage-link" aria-current=move || selected.get().is_none().then_some("true")>
                        "All stages"
                    </a>
                </li>
                {stages}
            </ul>
            <span class="blast-key"><span class="swatch stage-blast"></span>"blast radius of the selected stage"</span>
        </nav>
    }
}

/// A service's live health as the graph draws it.
#[derive(Clone, PartialEq, Debug)]
struct NodeHealth {
    health: Health,
    /// Where a failure started.
    origin: bool,
    title: String,
}

impl NodeHealth {
    fn of(live: &ServiceHealth) -> NodeHealth {
        let state = match live.health {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Failing => "failing",
            Health::Unknown => "not evaluated",
        };
        let mut title = format!("Health: {state}");
        if live.origin {
            title.push_str(" (the failure started here)");
        }
        for failing in &live.failing {
            title.push_str(&format!("\n{failing}"));
        }
        NodeHealth {
            health: live.health,
            origin: live.origin,
            title,
        }
    }

    fn class(&self) -> &'static str {
        match self.health {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Failing => "failing",
            Health::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Copy)]
struct Drag {
    start_x: f64,
    start_y: f64,
    from: ViewBox,
    moved: bool,
}

/// The graph of `catalog`, with `overlay`'s plan drawn over it when given, and each service's
/// live `health` during a run (where a failure started is ringed).
#[component]
pub fn GraphView(
    catalog: CatalogView,
    #[prop(default = None)] overlay: Option<PlanOverlay>,
    #[prop(into, default = Signal::stored(Vec::new()))] health: Signal<Vec<ServiceHealth>>,
) -> impl IntoView {
    // Laid out once per catalog revision on the server, with these box sizes.
    let options = graph_layout_options();
    let layout = catalog.layout.clone();
    let fit = ViewBox::fit(&layout);
    let neighbours = StoredValue::new(Neighbours::of(&catalog));
    let catalog = StoredValue::new(catalog);
    let legend = overlay
        .clone()
        .map(|overlay| view! { <PlanLegend overlay/> });
    let overlay = StoredValue::new(overlay);

    // By position in the catalog.
    let live = Memo::new(move |_| {
        health.with(|health| {
            catalog.with_value(|c| {
                c.services
                    .iter()
                    .map(|s| {
                        health
                            .iter()
                            .find(|h| h.service == s.id)
                            .map(NodeHealth::of)
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    let live_at = move |i: usize| live.with(|l| l.get(i).cloned().flatten());

    let focus = RwSignal::new(None::<usize>);
    let selected = RwSignal::new(None::<usize>);
    let query = RwSignal::new(String::new());
    let view_box = RwSignal::new(fit);
    let drag = RwSignal::new(None::<Drag>);

    let highlight = Memo::new(move |_| {
        let focus = focus.get()?;
        neighbours.with_value(|n| {
            Some(Highlight {
                focus,
                downstream: n.downstream(focus),
                upstream: n.upstream(focus),
            })
        })
    });
    let matches = Memo::new(move |_| {
        let q = query.get().trim().to_lowercase();
        catalog.with_value(|c| {
            c.services
                .iter()
                .map(|s| {
                    !q.is_empty()
                        && (s.id.contains(&q)
                            || s.name.to_lowercase().contains(&q)
                            || s.owner.to_lowercase().contains(&q)
                            || s.provides.iter().any(|k| k.id.contains(&q)))
                })
                .collect::<Vec<bool>>()
        })
    });

    let status = move || {
        let services = catalog.with_value(|c| c.services.len());
        let edges = catalog.with_value(|c| c.edges.len());
        let base = format!("{services} services · {edges} dependencies");
        let found = matches.with(|m| m.iter().filter(|b| **b).count());
        let search = (!query.with(String::is_empty))
            .then(|| format!(" · {found} matching “{}”", query.get().trim()));
        let focus = highlight.get().map(|h| {
            let name = catalog.with_value(|c| c.services[h.focus].name.clone());
            format!(
                " · {name}: blast radius {} downstream, depends on {} upstream",
                h.downstream.len(),
                h.upstream.len()
            )
        });
        format!(
            "{base}{}{}",
            search.unwrap_or_default(),
            focus.unwrap_or_default()
        )
    };

    let node_class = move |i: usize| {
        let tier = catalog.with_value(|c| c.services[i].tier.as_str());
        let mut class = format!("node tier-{tier}");
        if let Some(h) = highlight.get() {
            class.push_str(if h.focus == i {
                " focus"
            } else if h.downstream.contains(&i) {
                " downstream"
            } else if h.upstream.contains(&i) {
                " upstream"
            } else {
                " dim"
            });
        }
        if matches.with(|m| m.get(i).copied().unwrap_or(false)) {
            class.push_str(" match");
        }
        if selected.get() == Some(i) {
            class.push_str(" selected");
        }
        if let Some(plan) = overlay.with_value(|o| o.as_ref().map(|o| o.node_class(i))) {
            class.push_str(&plan);
        }
        if let Some(live) = live_at(i) {
            class.push_str(&format!(" health-{}", live.class()));
            if live.origin {
                class.push_str(" origin");
            }
        }
        class
    };
    let edge_class = move |consumer: usize, provider: usize, kind: DependencyKind| {
        let mut class = format!("edge {}", kind.as_str());
        if let Some(h) = highlight.get() {
            let down = |n: usize| n == h.focus || h.downstream.contains(&n);
            let up = |n: usize| n == h.focus || h.upstream.contains(&n);
            class.push_str(if down(consumer) && down(provider) {
                " downstream"
            } else if up(consumer) && up(provider) {
                " upstream"
            } else {
                " dim"
            });
        }
        class
    };

    let nodes = layout
        .nodes
        .iter()
        .enumerate()
        .map(|(i, at)| {
            let stage = overlay.with_value(|o| {
                o.as_ref()
                    .and_then(|o| o.stage_of.get(i).copied().flatten())
            });
            let (id, name, meta, label) = catalog.with_value(|c| {
                let s = &c.services[i];
                let in_plan = stage.map_or(String::new(), |k| format!(", stage {k} of the plan"));
                (
                    s.id.clone(),
                    truncate(&s.name, NAME_CHARS),
                    truncate(
                        &format!("{} · {}", s.owner, s.tier.as_str()),
                        NAME_CHARS + 6,
                    ),
                    format!(
                        "{}, owned by {}, {} tier{in_plan}",
                        s.name,
                        s.owner,
                        s.tier.as_str()
                    ),
                )
            });
            let open = move || {
                if !drag.get_untracked().is_some_and(|d| d.moved) {
                    selected.set(Some(i));
                }
            };
            view! {
                <g
                    class=move || node_class(i)
                    transform=format!("translate({:.1},{:.1})", at.x, at.y)
                    tabindex="0"
                    role="button"
                    data-id=id
                    aria-label=label
                    on:mouseenter=move |_| focus.set(Some(i))
                    on:mouseleave=move |_| focus.set(None)
                    on:focus=move |_| focus.set(Some(i))
                    on:blur=move |_| focus.set(None)
                    on:click=move |_| open()
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" || ev.key() == " " {
                            ev.prevent_default();
                            selected.set(Some(i));
                        } else if ev.key() == "Escape" && selected.get_untracked().is_some() {
                            selected.set(None);
                        }
                    }
                >
                    {move || live_at(i).filter(|l| l.origin).map(|_| view! {
                        <rect class="origin-ring" x="-7" y="-7" width=options.node_width + 14.0
                            height=options.node_height + 14.0 rx="13"></rect>
                    })}
                    <rect width=options.node_width height=options.node_height rx="8"></rect>
                    <text class="name" x="12" y="23">{name}</text>
                    <text class="meta" x="12" y="43">{meta}</text>
                    <circle class=move || format!("health {}", live_at(i).map_or("unknown", |l| l.class()))
                        cx=options.node_width - 14.0 cy="14" r="5">
                        <title>{move || live_at(i).map_or("Health: no signal yet".to_string(), |l| l.title)}</title>
                    </circle>
                    {stage.map(|k| view! {
                        <g class="stage-badge" aria-hidden="true">
                            <circle r="13"></circle>
                            <text y="5" text-anchor="middle">{k}</text>
                        </g>
                    })}
                </g>
            }
        })
        .collect_view();

    let edges = layout
        .edges
        .iter()
        .zip(catalog.with_value(|c| c.edges.clone()))
        .map(|(route, edge)| {
            let EdgeView {
                consumer,
                provider,
                kind,
                status,
            } = edge;
            let title = catalog.with_value(|c| {
                let name = |i: usize| c.services[i].name.clone();
                let contract = status.map_or("no contract checked".to_string(), |s| {
                    format!("contract {}", s.as_str())
                });
                format!(
                    "{} → {} ({}, {contract})",
                    name(consumer),
                    name(provider),
                    kind.as_str()
                )
            });
            let compat = status.map_or(String::new(), |s| format!(" compat-{}", s.as_str()));
            view! {
                <path
                    class=move || format!("{}{compat}", edge_class(consumer, provider, kind))
                    d=curve(&route.points)
                    marker-end="url(#arrow)"
                >
                    <title>{title}</title>
                </path>
            }
        })
        .collect_view();

    // Closing the side panel gives focus back to the node that opened it.
    let close_panel = move |i: usize| {
        selected.set(None);
        let id = catalog.with_value(|c| c.services[i].id.clone());
        focus_node(&id);
    };

    let zoom = move |factor: f64| view_box.update(|v| *v = v.zoom(factor, 0.5, 0.5));
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    let fraction = move |client_x: i32, client_y: i32| {
        svg_ref.get_untracked().map_or((0.5, 0.5), |svg| {
            let rect = svg.get_bounding_client_rect();
            (
                ((client_x as f64 - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0),
                ((client_y as f64 - rect.top()) / rect.height().max(1.0)).clamp(0.0, 1.0),
            )
        })
    };
    let pixels_to_units = move || {
        svg_ref.get_untracked().map_or(1.0, |svg| {
            let rect = svg.get_bounding_client_rect();
            let v = view_box.get_untracked();
            (v.w / rect.width().max(1.0)).max(v.h / rect.height().max(1.0))
        })
    };

    view! {
        <div class="graph-toolbar">
            <input
                type="search"
                class="graph-search"
                placeholder="Search service, owner or contract"
                aria-label="Search services"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
            />
            <div class="zoom" role="group" aria-label="Zoom">
                <button type="button" title="Zoom in" on:click=move |_| zoom(1.0 / ZOOM_STEP)>"+"</button>
                <button type="button" title="Zoom out" on:click=move |_| zoom(ZOOM_STEP)>"−"</button>
                <button type="button" title="Fit the whole graph" on:click=move |_| view_box.set(fit)>"Fit"</button>
            </div>
            <ul class="legend" aria-label="Legend">
                <li><span class="swatch tier-critical"></span>"critical"</li>
                <li><span class="swatch tier-standard"></span>"standard"</li>
                <li><span class="swatch tier-low"></span>"low"</li>
                <li><span class="line hard"></span>"hard"</li>
                <li><span class="line soft"></span>"soft"</li>
                <li><span class="swatch downstream"></span>"blast radius"</li>
                <li><span class="swatch upstream"></span>"depends on"</li>
                <li><span class="line compat-breaking"></span>"breaking contract"</li>
                {move || live.with(|l| l.iter().any(Option::is_some)).then(|| view! {
                    <li><span class="swatch health-healthy"></span>"healthy"</li>
                    <li><span class="swatch health-degraded"></span>"degraded"</li>
                    <li><span class="swatch health-failing"></span>"failing"</li>
                    <li><span class="swatch origin"></span>"where the failure started"</li>
                })}
            </ul>
        </div>
        {legend}
        <p class="graph-status" aria-live="polite">{status}</p>
        <div class="graph-area">
            <svg
                node_ref=svg_ref
                class="graph"
                class:dragging=move || drag.with(|d| d.is_some_and(|d| d.moved))
                viewBox=move || view_box.get().attr()
                preserveAspectRatio="xMidYMin meet"
                role="img"
                aria-label="Service dependency graph: consumers above the providers they call"
                on:wheel=move |ev| {
                    ev.prevent_default();
                    let (fx, fy) = fraction(ev.client_x(), ev.client_y());
                    let factor = if ev.delta_y() > 0.0 { ZOOM_STEP } else { 1.0 / ZOOM_STEP };
                    view_box.update(|v| *v = v.zoom(factor, fx, fy));
                }
                on:pointerdown=move |ev| {
                    drag.set(Some(Drag {
                        start_x: ev.client_x() as f64,
                        start_y: ev.client_y() as f64,
                        from: view_box.get_untracked(),
                        moved: false,
                    }))
                }
                on:pointermove=move |ev| {
                    let Some(d) = drag.get_untracked() else { return };
                    let (dx, dy) = (ev.client_x() as f64 - d.start_x, ev.client_y() as f64 - d.start_y);
                    if d.moved || dx.hypot(dy) > CLICK_SLOP {
                        let k = pixels_to_units();
                        view_box.set(ViewBox { x: d.from.x - dx * k, y: d.from.y - dy * k, ..d.from });
                        drag.set(Some(Drag { moved: true, ..d }));
                    }
                }
                on:pointerup=move |_| {
                    // Cleared after the click that follows pointerup has seen `moved`.
                    request_animation_frame(move || drag.set(None));
                }
                on:pointerleave=move |_| drag.set(None)
            >
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="11" markerHeight="11" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z"></path>
                    </marker>
                </defs>
                <g class="edges">{edges}</g>
                <g class="nodes">{nodes}</g>
            </svg>
            {move || selected.get().map(|i| view! {
                <ServicePanel catalog=catalog index=i on_close=move || close_panel(i)/>
            })}
        </div>
    }
}

/// Moves keyboard focus to the graph node of service `id` (browser only).
fn focus_node(id: &str) {
    use leptos::wasm_bindgen::JsCast;
    let node = document()
        .query_selector(&format!("svg.graph g.node[data-id=\"{id}\"]"))
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<leptos::web_sys::SvgElement>().ok());
    if let Some(node) = node {
        let _ = node.focus();
    }
}

pub(super) fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// A smooth path through the route's points: vertical tangents at each point, so long edges
/// bend gently around the nodes in between.
pub(super) fn curve(points: &[Point]) -> String {
    let Some(first) = points.first() else {
        return String::new();
    };
    let mut d = format!("M{:.1},{:.1}", first.x, first.y);
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let dy = (b.y - a.y) / 2.0;
        d.push_str(&format!(
            " C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
            a.x,
            a.y + dy,
            b.x,
            b.y - dy,
            b.x,
            b.y
        ));
    }
    d
}
