//! Small hand-checked cases of `layered_layout` and `count_crossings`.

use breakwater_domain::layout::{
    barycenter_baseline_crossings, count_crossings, layered_layout, LayoutOptions, Point,
};

fn layout(n: usize, edges: &[(usize, usize)]) -> breakwater_domain::layout::Layout {
    layered_layout(n, edges, &LayoutOptions::default())
}

#[test]
fn empty_graph() {
    let l = layout(0, &[]);
    assert!(l.nodes.is_empty() && l.layers.is_empty() && l.edges.is_empty());
    assert_eq!((l.width, l.height, l.crossings), (0.0, 0.0, 0));
    assert_eq!(barycenter_baseline_crossings(0, &[]), 0);
}

#[test]
fn single_node_sits_at_the_origin() {
    let o = LayoutOptions::default();
    let l = layout(1, &[]);
    assert_eq!(l.nodes, vec![Point { x: 0.0, y: 0.0 }]);
    assert_eq!(l.layers, vec![0]);
    assert_eq!((l.width, l.height), (o.node_width, o.node_height));
}

#[test]
fn self_loop_is_kept_with_a_trivial_route() {
    let o = LayoutOptions::default();
    let l = layout(1, &[(0, 0)]);
    assert_eq!(l.layers, vec![0]);
    let route = &l.edges[0];
    assert_eq!((route.from, route.to, route.reversed), (0, 0, false));
    let centre = o.node_width / 2.0;
    assert_eq!(
        route.points,
        vec![
            Point {
                x: centre,
                y: o.node_height
            },
            Point { x: centre, y: 0.0 }
        ]
    );
}

#[test]
fn consumer_is_drawn_above_its_provider() {
    let o = LayoutOptions::default();
    let l = layout(2, &[(0, 1)]);
    assert_eq!(l.layers, vec![0, 1]);
    assert!(
        (l.nodes[0].x - l.nodes[1].x).abs() < 1e-9,
        "a single edge is vertical"
    );
    assert_eq!(l.edges[0].points.len(), 2);
    assert_eq!(l.height, 2.0 * o.node_height + o.v_gap);
}

#[test]
fn two_cycle_reverses_exactly_one_edge() {
    let l = layout(2, &[(0, 1), (1, 0)]);
    assert_eq!(l.layers, vec![0, 1]);
    assert!(!l.edges[0].reversed);
    assert!(l.edges[1].reversed);
    // The reversed edge is the same line, walked upwards from `from` (node 1) to `to` (node 0).
    let mut back = l.edges[1].points.clone();
    back.reverse();
    assert_eq!(back, l.edges[0].points);
    assert_eq!(l.crossings, 0);
}

#[test]
fn duplicate_edges_share_a_route() {
    let l = layout(3, &[(0, 2), (0, 1), (0, 2), (1, 2)]);
    assert_eq!(l.layers, vec![0, 1, 2]);
    assert_eq!(l.edges[0], l.edges[2]);
    assert_eq!(
        l.edges[0].points.len(),
        3,
        "one dummy point in the middle row"
    );
    assert_eq!(l.crossings, 0);
}

#[test]
fn disconnected_components_do_not_overlap() {
    let o = LayoutOptions::default();
    let l = layout(5, &[(0, 1), (2, 3)]);
    assert_eq!(l.layers, vec![0, 1, 0, 1, 1]);
    for row in 0..2 {
        let mut xs: Vec<f64> = (0..5)
            .filter(|&v| l.layers[v] == row)
            .map(|v| l.nodes[v].x)
            .collect();
        xs.sort_by(f64::total_cmp);
        assert!(xs
            .windows(2)
            .all(|p| p[1] - p[0] >= o.node_width + o.h_gap - 1e-9));
    }
    assert_eq!(l.crossings, 0);
}

#[test]
fn long_edge_into_a_chain_routes_through_dummies_without_crossings() {
    // 0 → 1 → 2 → 3 and 0 → 3: the long edge bends around the chain.
    let l = layout(4, &[(0, 1), (1, 2), (2, 3), (0, 3)]);
    assert_eq!(l.layers, vec![0, 1, 2, 3]);
    assert_eq!(l.edges[3].points.len(), 4);
    assert_eq!(l.crossings, 0);
}

#[test]
fn planar_bipartite_graph_is_untangled() {
    // Consumers 0..3 use providers 4..7 in reverse order: index order crosses every pair.
    let edges: Vec<(usize, usize)> = (0..4).map(|i| (i, 7 - i)).collect();
    assert_eq!(layout(8, &edges).crossings, 0);
}

#[test]
fn count_crossings_of_given_orderings() {
    assert_eq!(
        count_crossings(&[vec![0, 1], vec![2, 3]], &[(0, 3), (1, 2)]),
        1
    );
    assert_eq!(
        count_crossings(&[vec![0, 1], vec![2, 3]], &[(0, 2), (1, 3)]),
        0
    );
    // Edge direction does not matter, ids need not be contiguous.
    assert_eq!(
        count_crossings(&[vec![10, 11], vec![21, 20]], &[(20, 10), (11, 21)]),
        1
    );
    // K(3,3): every pair a < c on top with d < b below crosses: 3 * 3 = 9.
    let edges: Vec<(usize, usize)> = (0..3).flat_map(|a| (3..6).map(move |b| (a, b))).collect();
    assert_eq!(count_crossings(&[vec![0, 1, 2], vec![3, 4, 5]], &edges), 9);
}

#[test]
#[should_panic(expected = "adjacent rows")]
fn count_crossings_rejects_edges_skipping_rows() {
    count_crossings(&[vec![0], vec![1], vec![2]], &[(0, 2)]);
}

#[test]
#[should_panic(expected = "node_count")]
fn out_of_range_edges_panic() {
    layout(2, &[(0, 2)]);
}
