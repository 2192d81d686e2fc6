//! The order of the changed services.
//!
//! 1. Constraints: changed consumer `a` depends on changed provider `b` directly or through
//!    unchanged services (a search from each changed service along its dependencies that
//!    stops at changed ones). The provider's phase orders the pair: expand → `b` first,
//!    contract → `a` first. A constraint is hard when some path between them is all hard.
//! 2. Cycles: soft constraints inside a strongly connected component are dropped; what is
//!    still cyclic becomes one coordinated group.
//! 3. Stages: longest-path layers over the groups; a layer with more services than the policy
//!    allows is split, lower tiers first, then by id. Pinned stages replace this step and are
//!    checked against the constraints instead.
//!
//! Changed services are numbered in id order, so comparing numbers compares ids.

use super::{list, note, pair, Changed, Index};
use crate::catalog::DependencyKind;
use crate::plan::{Explanation, Phase, PlanLocation, PlanProblem, PlanSpec};
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::VecDeque;

/// A stage before its steps are known: changed services by number.
pub(super) struct Draft {
    pub services: Vec<usize>,
    pub coordinated: bool,
    pub explanations: Vec<Explanation>,
}

pub(super) struct Ordering {
    pub stages: Vec<Draft>,
    pub problems: Vec<PlanProblem>,
}

/// A changed consumer depends on changed `provider` along `path` (link indexes from the
/// consumer to the provider), so `before` must roll out ahead of `after`.
struct Constraint {
    provider: usize,
    path: Vec<usize>,
    hard: bool,
    before: usize,
    after: usize,
}

/// Most ordering reasons written per stage, and most contradictions reported per plan.
const MAX_REASONS: usize = 100;

pub(super) fn order(index: &Index, spec: &PlanSpec, changed: &[Changed]) -> Ordering {
    let mut constraints = constraints(index, changed);
    constraints.sort_by_key(|c| (c.after, c.before));
    let edges: Vec<(usize, usize)> = constraints.iter().map(|c| (c.before, c.after)).collect();
    let cyclic = components(changed.len(), &edges);
    let dropped: Vec<bool> = constraints
        .iter()
        .map(|c| !c.hard && cyclic[c.before] == cyclic[c.after])
        .collect();
    let kept: Vec<(usize, usize)> = edges
        .iter()
        .zip(&dropped)
        .filter(|(_, &d)| !d)
        .map(|(&e, _)| e)
        .collect();
    let group = components(changed.len(), &kept);
    let groups = members(&group);
    let max = spec.policy.max_services_per_stage.max(1);
    let computed = layered(changed, &groups, &group, &kept, max);

    let mut ordering = Ordering {
        stages: Vec::new(),
        problems: Vec::new(),
    };
    // Where each pinned stage came from (`stages[i]`), for problem locations.
    let mut pinned_at: Vec<Option<usize>> = Vec::new();
    match &spec.pinned {
        None => {
            for stage in &computed {
                ordering.stages.push(draft(stage.services.clone()));
            }
            explain_splits(&computed, max, &mut ordering.stages);
        }
        Some(pinned) => {
            let mut placed = vec![false; changed.len()];
            for (i, ids) in pinned.iter().enumerate() {
                let services: Vec<usize> = ids
                    .iter()
                    .filter_map(|id| changed.binary_search_by(|c| c.id().cmp(id)).ok())
                    .filter(|&c| !std::mem::replace(&mut placed[c], true))
                    .collect();
                if services.is_empty() {
                    continue;
                }
                if services.len() > max {
                    ordering.problems.push(PlanProblem::warning(
                        PlanLocation::field(format!("stages[{i}]")),
                        "STAGE_TOO_LARGE",
                        format!(
                            "pinned stage {} has {} services; the policy allows at most {max} \
                             per stage",
                            i + 1,
                            services.len()
                        ),
                    ));
                }
                let mut stage = draft(services);
                stage.explanations.push(note(
                    "PINNED",
                    format!("stage {} is pinned in the plan file", i + 1),
                ));
                ordering.stages.push(stage);
                pinned_at.push(Some(i));
            }
            // Services the pinned stages leave out (PINNED_MISSING) go last, in computed order.
            for stage in &computed {
                let missing: Vec<usize> = stage
                    .services
                    .iter()
                    .copied()
                    .filter(|&c| !placed[c])
                    .collect();
                if !missing.is_empty() {
                    let names: Vec<&str> = missing.iter().map(|&c| changed[c].id()).collect();
                    let mut stage = draft(missing);
                    stage.explanations.push(note(
                        "PINNED",
                        format!(
                            "{} not in the pinned stages: placed after them in dependency order",
                            list(&names)
                        ),
                    ));
                    ordering.stages.push(stage);
                    pinned_at.push(None);
                }
            }
        }
    }

    let mut stage_of = vec![0; changed.len()];
    for (s, stage) in ordering.stages.iter().enumerate() {
        for &c in &stage.services {
            stage_of[c] = s;
        }
    }
    let location = |stage: usize| match pinned_at.get(stage).copied().flatten() {
        Some(i) => PlanLocation::field(format!("stages[{i}]")),
        None if spec.pinned.is_some() => PlanLocation::field("stages"),
        None => PlanLocation::Stage { index: stage + 1 },
    };

    for g in groups.iter().filter(|g| g.len() > 1) {
        let stage = stage_of[g[0]];
        let names: Vec<&str> = g.iter().map(|&c| changed[c].id()).collect();
        let calls: Vec<String> = constraints
            .iter()
            .zip(&dropped)
            .filter(|(c, &d)| {
                !d && group[c.before] == group[c.after] && group[c.before] == group[g[0]]
            })
            .map(|(c, _)| describe_path(index, &c.path))
            .collect();
        let calls: Vec<&str> = calls.iter().map(String::as_str).collect();
        let text = format!(
            "{} form a hard cycle ({}): they are rolled out in one stage and must be switched \
             together behind a flag",
            list(&names),
            list(&calls)
        );
        for &c in g {
            if stage_of[c] != stage {
                ordering.problems.push(PlanProblem::error(
                    location(stage_of[c]),
                    "ORDER_CONTRADICTED",
                    format!(
                        "{} must share a stage with {}: {text}",
                        changed[c].id(),
                        changed[g[0]].id()
                    ),
                ));
            }
        }
        ordering.problems.push(PlanProblem::warning(
            location(stage),
            "HARD_CYCLE_COORDINATED",
            format!("stage {}: {text}", stage + 1),
        ));
        let draft = &mut ordering.stages[stage];
        draft.coordinated = true;
        draft.explanations.push(note("COORDINATED", text));
    }

    // Pairwise reasons grow with changes² (500 consumers of 500 providers: 250,000 reasons);
    // past a cap per stage they are counted, not written.
    let mut unexplained = vec![0usize; ordering.stages.len()];
    let mut contradictions = 0usize;
    for (c, &is_dropped) in constraints.iter().zip(&dropped) {
        let (before, after) = (changed[c.before].id(), changed[c.after].id());
        let inside_group = !is_dropped && group[c.before] == group[c.after];
        let contradicted = !is_dropped && !inside_group && stage_of[c.before] >= stage_of[c.after];
        let stage = stage_of[c.before].max(stage_of[c.after]);
        if contradicted {
            contradictions += 1;
            if contradictions > MAX_REASONS {
                continue;
            }
        } else if !inside_group && ordering.stages[stage].explanations.len() >= MAX_REASONS {
            unexplained[stage] += 1;
            continue;
        }
        let text = explain(index, changed, c);
        if is_dropped {
            let later = stage;
            ordering.stages[later].explanations.push(pair(
                "SOFT_CYCLE_CUT",
                format!(
                    "soft dependency set aside to break a cycle: {} (it would put {before} before \
                     {after}); the hard dependencies order them",
                    describe_path(index, &c.path)
                ),
                before,
                after,
            ));
        } else if inside_group {
            // Inside a coordinated group: explained above.
        } else if !contradicted {
            ordering.stages[stage_of[c.after]].explanations.push(pair(
                code(c, changed),
                text,
                before,
                after,
            ));
        } else {
            ordering.problems.push(PlanProblem::error(
                location(stage_of[c.after]),
                "ORDER_CONTRADICTED",
                format!(
                    "{text}; but the stages put {after} in stage {} and {before} in stage {}",
                    stage_of[c.after] + 1,
                    stage_of[c.before] + 1
                ),
            ));
        }
    }

    if contradictions > MAX_REASONS {
        ordering.problems.push(PlanProblem::error(
            PlanLocation::field("stages"),
            "ORDER_CONTRADICTED",
            format!(
                "and {} more dependencies the stages contradict",
                contradictions - MAX_REASONS
            ),
        ));
    }
    for (stage, count) in ordering.stages.iter_mut().zip(unexplained) {
        if count > 0 {
            stage.explanations.push(note(
                "MORE_REASONS",
                format!("and {count} more dependencies on earlier stages, not listed"),
            ));
        }
    }
    for (s, stage) in ordering.stages.iter_mut().enumerate() {
        if stage.services.len() > 1 && !stage.coordinated {
            let names: Vec<&str> = stage.services.iter().map(|&c| changed[c].id()).collect();
            let neither = if names.len() == 2 {
                "neither has to wait for the other"
            } else {
                "none has to wait for another"
            };
            stage.explanations.push(note(
                "INDEPENDENT",
                format!("{} share stage {}: {neither}", list(&names), s + 1),
            ));
        }
    }
    ordering
}

fn draft(services: Vec<usize>) -> Draft {
    Draft {
        services,
        coordinated: false,
        explanations: Vec::new(),
    }
}

/// Every constraint between changed services, found by a search from each changed service
/// along its dependencies that does not go past changed services: first along hard links
/// only (so a constraint with an all-hard path is hard), then along every link.
fn constraints(index: &Index, changed: &[Changed]) -> Vec<Constraint> {
    const NONE: usize = usize::MAX;
    let n = index.len();
    let mut number = vec![NONE; n];
    for (i, c) in changed.iter().enumerate() {
        number[c.node] = i;
    }
    // Per node: the search that last reached it, and the (node, link) it was reached from.
    let mut visited = vec![0u32; n];
    let mut parent = vec![(0usize, 0usize); n];
    // Per changed service: the consumer whose searches found it last.
    let mut found = vec![NONE; changed.len()];
    let mut search = 0u32;
    let mut queue = VecDeque::new();
    let mut out = Vec::new();
    for (consumer, c) in changed.iter().enumerate() {
        for hard_only in [true, false] {
            search += 1;
            visited[c.node] = search;
            queue.push_back(c.node);
            while let Some(node) = queue.pop_front() {
                for &(provider, link) in &index.providers[node] {
                    if visited[provider] == search
                        || (hard_only && index.link(link).kind != DependencyKind::Hard)
                    {
                        continue;
                    }
                    visited[provider] = search;
                    parent[provider] = (node, link);
                    let p = number[provider];
                    if p == NONE {
                        queue.push_back(provider);
                    } else if found[p] != consumer {
                        found[p] = consumer;
                        let mut path = Vec::new();
                        let mut at = provider;
                        while at != c.node {
                            let (from, link) = parent[at];
                            path.push(link);
                            at = from;
                        }
                        path.reverse();
                        let (before, after) = match changed[p].phase {
                            Phase::Expand => (p, consumer),
                            Phase::Contract => (consumer, p),
                        };
                        out.push(Constraint {
                            provider: p,
                            path,
                            hard: hard_only,
                            before,
                            after,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The strongly connected component of each of `n` nodes under `edges`, numbered by their
/// smallest member (so the numbering does not depend on the algorithm's visiting order).
fn components(n: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(n, edges.len());
    for _ in 0..n {
        graph.add_node(());
    }
    for &(a, b) in edges {
        graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
    }
    let mut component = vec![0; n];
    // Kosaraju's is iterative: a long chain of changes cannot overflow the (wasm) stack.
    for members in kosaraju_scc(&graph) {
        let id = members.iter().map(|m| m.index()).min().unwrap_or(0);
        for m in members {
            component[m.index()] = id;
        }
    }
    component
}

/// The members of each component, by component number (empty for numbers that are not one).
fn members(component: &[usize]) -> Vec<Vec<usize>> {
    let mut groups = vec![Vec::new(); component.len()];
    for (c, &g) in component.iter().enumerate() {
        groups[g].push(c);
    }
    groups
}

/// One layer's stage of the computed order.
struct Computed {
    services: Vec<usize>,
    /// The longest-path layer it comes from.
    layer: usize,
}

/// Longest-path layers over the groups (a DAG under `kept`), each split into stages of at
/// most `max` services: lower tiers first, then by id. A coordinated group is never split.
fn layered(
    changed: &[Changed],
    groups: &[Vec<usize>],
    group: &[usize],
    kept: &[(usize, usize)],
    max: usize,
) -> Vec<Computed> {
    let n = groups.len();
    let mut successors = vec![Vec::new(); n];
    let mut waiting = vec![0usize; n];
    for &(a, b) in kept {
        let (ga, gb) = (group[a], group[b]);
        if ga != gb {
            successors[ga].push(gb);
            waiting[gb] += 1;
        }
    }
    let mut layer = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n)
        .filter(|&g| !groups[g].is_empty() && waiting[g] == 0)
        .collect();
    while let Some(g) = ready.pop() {
        for &s in &successors[g] {
            layer[s] = layer[s].max(layer[g] + 1);
            waiting[s] -= 1;
            if waiting[s] == 0 {
                ready.push(s);
            }
        }
    }
    let depth = (0..n)
        .filter(|&g| !groups[g].is_empty())
        .map(|g| layer[g] + 1)
        .max()
        .unwrap_or(0);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for g in (0..n).filter(|&g| !groups[g].is_empty()) {
        layers[layer[g]].push(g);
    }
    let mut stages = Vec::new();
    for (l, mut units) in layers.into_iter().enumerate() {
        let rank = |g: usize| {
            let highest = groups[g].iter().map(|&c| changed[c].tier_rank()).max();
            (highest.unwrap_or(0), g)
        };
        units.sort_by_key(|&g| rank(g));
        let mut current: Vec<usize> = Vec::new();
        for g in units {
            if !current.is_empty() && current.len() + groups[g].len() > max {
                stages.push(Computed {
                    services: std::mem::take(&mut current),
                    layer: l,
                });
            }
            current.extend(&groups[g]);
        }
        if !current.is_empty() {
            stages.push(Computed {
                services: current,
                layer: l,
            });
        }
    }
    stages
}

/// SPLIT_BY_SIZE and TIER_ORDER on the stages of a layer that was split.
fn explain_splits(computed: &[Computed], max: usize, drafts: &mut [Draft]) {
    let mut start = 0;
    while start < computed.len() {
        let layer = computed[start].layer;
        let end = start
            + computed[start..]
                .iter()
                .take_while(|s| s.layer == layer)
                .count();
        if end - start > 1 {
            let count: usize = computed[start..end].iter().map(|s| s.services.len()).sum();
            let split = format!(
                "{count} services that need no order between them are split into stages {} to \
                 {end}, at most {max} per stage",
                start + 1
            );
            for (s, draft) in drafts.iter_mut().enumerate().take(end).skip(start) {
                draft
                    .explanations
                    .push(note("SPLIT_BY_SIZE", split.clone()));
                if s > start {
                    draft.explanations.push(note(
                        "TIER_ORDER",
                        format!(
                            "stage {} comes after stage {s} only because of the split: lower \
                             tiers go first (low, standard, critical), then by id",
                            s + 1
                        ),
                    ));
                }
            }
        }
        start = end;
    }
}

fn code(c: &Constraint, changed: &[Changed]) -> &'static str {
    match (c.path.len() > 1, changed[c.provider].phase) {
        (true, _) => "THROUGH",
        (false, Phase::Expand) => "PROVIDER_FIRST",
        (false, Phase::Contract) => "CONSUMER_FIRST",
    }
}

/// "payment before checkout: checkout calls payment-api POST /charges, and payment 2.0.0 adds
/// POST /refunds (expand)".
fn explain(index: &Index, changed: &[Changed], c: &Constraint) -> String {
    let provider = &changed[c.provider];
    let through = c
        .path
        .last()
        .and_then(|&l| index.link(l).contract.as_deref());
    let reason = match provider.phase {
        Phase::Expand => "expand",
        Phase::Contract => "contract: consumers move first",
    };
    format!(
        "{} before {}: {}, and {} ({reason})",
        changed[c.before].id(),
        changed[c.after].id(),
        describe_path(index, &c.path),
        provider.what_it_does(through)
    )
}

/// "checkout calls payment-api POST /charges"; through unchanged services: "frontend calls
/// cart, which calls checkout-api POST /orders".
fn describe_path(index: &Index, path: &[usize]) -> String {
    let Some((&last, hops)) = path.split_last() else {
        return String::new();
    };
    let mut text = format!("{} calls ", index.link(path[0]).consumer);
    for &l in hops {
        let link = index.link(l);
        text.push_str(&link.provider);
        if link.kind == DependencyKind::Soft {
            text.push_str(" (soft)");
        }
        text.push_str(", which calls ");
    }
    text.push_str(&index.call_target(last));
    text
}
