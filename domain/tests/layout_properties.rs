//! Invariants of `layered_layout` on random graphs (cyclic and acyclic).

use breakwater_domain::layout::{
    barycenter_baseline_crossings, count_crossings, layered_layout, Layout, LayoutOptions, Point,
};
use proptest::prelude::*;
use rand::{rngs::SmallRng, Rng, SeedableRng};

const EPS: f64 = 1e-6;

/// Kahn's algorithm on the input, ignoring self-loops.
fn has_cycle(n: usize, edges: &[(usize, usize)]) -> bool {
    let mut indegree = vec![0; n];
    for &(_, b) in edges.iter().filter(|(a, b)| a != b) {
        indegree[b] += 1;
    }
    let mut ready: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut seen = 0;
    while let Some(v) = ready.pop() {
        seen += 1;
        for &(_, b) in edges.iter().filter(|&&(a, b)| a == v && a != b) {
            indegree[b] -= 1;
            if indegree[b] == 0 {
                ready.push(b);
            }
        }
    }
    seen < n
}

fn close(a: Point, b: Point) -> bool {
    (a.x - b.x).abs() < EPS && (a.y - b.y).abs() < EPS
}

fn check_routes(n: usize, edges: &[(usize, usize)], layout: &Layout, o: &LayoutOptions) {
    let top_centre = |v: usize| Point {
        x: layout.nodes[v].x + o.node_width / 2.0,
        y: layout.nodes[v].y,
    };
    let bottom_centre = |v: usize| Point {
        y: layout.nodes[v].y + o.node_height,
        ..top_centre(v)
    };
    assert_eq!(layout.edges.len(), edges.len());
    for (route, &(from, to)) in layout.edges.iter().zip(edges) {
        assert_eq!((route.from, route.to), (from, to));
        assert!(from < n && to < n);
        let (first, last) = (route.points[0], *route.points.last().unwrap());
        if from == to {
            assert!(!route.reversed, "self-loops are never reversed");
            continue;
        }
        let (lf, lt) = (layout.layers[from], layout.layers[to]);
        if route.reversed {
            assert!(lf > lt, "reversed edge {from}->{to} must point up");
            assert!(close(first, top_centre(from)) && close(last, bottom_centre(to)));
        } else {
            assert!(
                lf < lt,
                "edge {from}->{to}: consumer row {lf} not above provider row {lt}"
            );
            assert!(close(first, bottom_centre(from)) && close(last, top_centre(to)));
        }
        assert_eq!(
            route.points.len(),
            lf.abs_diff(lt) + 1,
            "one point per crossed row"
        );
    }
}

fn check_no_overlap(layout: &Layout, o: &LayoutOptions) {
    let rows = layout.layers.iter().copied().max().map_or(0, |m| m + 1);
    for row in 0..rows {
        let mut xs: Vec<f64> = (0..layout.nodes.len())
            .filter(|&v| layout.layers[v] == row)
            .map(|v| layout.nodes[v].x)
            .collect();
        assert!(!xs.is_empty(), "row {row} is empty");
        xs.sort_by(f64::total_cmp);
        for pair in xs.windows(2) {
            assert!(
                pair[1] - pair[0] >= o.node_width + o.h_gap - EPS,
                "overlap in row {row}"
            );
        }
    }
    for (v, p) in layout.nodes.iter().enumerate() {
        assert!(
            p.x >= -EPS && p.x + o.node_width <= layout.width + EPS,
            "node {v} out of bounds"
        );
        assert!(p.y >= -EPS && p.y + o.node_height <= layout.height + EPS);
        assert!((p.y - layout.layers[v] as f64 * (o.node_height + o.v_gap)).abs() < EPS);
    }
}

/// Crossings of the drawing itself: rows ordered by x, dummies read back from the route points,
/// each distinct line counted once. Must agree with `layout.crossings`.
fn geometric_crossings(n: usize, layout: &Layout, o: &LayoutOptions) -> usize {
    let pitch = o.node_height + o.v_gap;
    let rows = layout.layers.iter().copied().max().map_or(0, |m| m + 1);
    let mut members: Vec<Vec<(f64, usize)>> = vec![Vec::new(); rows];
    for v in 0..n {
        members[layout.layers[v]].push((layout.nodes[v].x + o.node_width / 2.0, v));
    }
    let mut lines: Vec<(usize, usize, Vec<Point>)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for route in layout.edges.iter().filter(|r| r.from != r.to) {
        let (top, bottom) = if route.reversed {
            (route.to, route.from)
        } else {
            (route.from, route.to)
        };
        if seen.insert((top, bottom)) {
            let mut points = route.points.clone();
            if route.reversed {
                points.reverse();
            }
            lines.push((top, bottom, points));
        }
    }
    let mut segments = Vec::new();
    let mut next_id = n;
    for (top, bottom, points) in lines {
        let mut previous = top;
        for p in &points[1..points.len() - 1] {
            let row = ((p.y - o.node_height / 2.0) / pitch).round() as usize;
            members[row].push((p.x, next_id));
            segments.push((previous, next_id));
            previous = next_id;
            next_id += 1;
        }
        segments.push((previous, bottom));
    }
    let ordered: Vec<Vec<usize>> = members
        .into_iter()
        .map(|mut row| {
            row.sort_by(|a, b| a.0.total_cmp(&b.0));
            for pair in row.windows(2) {
                assert!(
                    pair[1].0 - pair[0].0 >= o.h_gap / 2.0 - EPS,
                    "points too close"
                );
            }
            row.into_iter().map(|(_, v)| v).collect()
        })
        .collect();
    count_crossings(&ordered, &segments)
}

fn check_all(n: usize, edges: &[(usize, usize)]) {
    let options = LayoutOptions::default();
    let layout = layered_layout(n, edges, &options);
    assert_eq!(layout.nodes.len(), n);
    assert_eq!(layout.layers.len(), n);
    check_routes(n, edges, &layout, &options);
    check_no_overlap(&layout, &options);
    let any_reversed = layout.edges.iter().any(|e| e.reversed);
    assert_eq!(
        any_reversed,
        has_cycle(n, edges),
        "reversed edges iff the input has a cycle"
    );
    assert_eq!(layout.crossings, geometric_crossings(n, &layout, &options));
    assert!(layout.crossings <= barycenter_baseline_crossings(n, edges));
    assert_eq!(layout, layered_layout(n, edges, &options), "deterministic");
}

fn any_graph() -> impl Strategy<Value = (usize, Vec<(usize, usize)>)> {
    (1..40usize).prop_flat_map(|n| (Just(n), prop::collection::vec((0..n, 0..n), 0..3 * n)))
}

/// Edges always from the lower to the higher index: acyclic, possibly with duplicates.
fn any_dag() -> impl Strategy<Value = (usize, Vec<(usize, usize)>)> {
    any_graph().prop_map(|(n, edges)| {
        let dag = edges
            .into_iter()
            .filter(|(a, b)| a != b)
            .map(|(a, b)| (a.min(b), a.max(b)))
            .collect();
        (n, dag)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn invariants_hold_on_any_graph((n, edges) in any_graph()) {
        check_all(n, &edges);
    }

    #[test]
    fn dags_are_never_reversed((n, edges) in any_dag()) {
        check_all(n, &edges);
    }
}

/// Larger random DAGs on fixed seeds, closer to real catalogs than the proptest cases.
#[test]
fn beats_or_matches_the_barycenter_baseline_on_fixed_seeds() {
    let (mut ours, mut baseline) = (0, 0);
    for seed in 0..12 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let n = 150;
        let edges: Vec<(usize, usize)> = (0..n * 3)
            .map(|_| {
                let a = rng.random_range(0..n - 1);
                (a, rng.random_range(a + 1..n))
            })
            .collect();
        check_all(n, &edges);
        ours += layered_layout(n, &edges, &LayoutOptions::default()).crossings;
        baseline += barycenter_baseline_crossings(n, &edges);
    }
    assert!(ours <= baseline, "{ours} > {baseline}");
}
