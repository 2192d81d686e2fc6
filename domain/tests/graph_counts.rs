//! `ServiceGraph::downstream_counts` agrees with one closure per service, on random graphs with
//! cycles, duplicate edges and isolated services.

use breakwater_domain::catalog::DependencyKind;
use breakwater_domain::graph::ServiceGraph;
use proptest::prelude::*;

fn graphs() -> impl Strategy<Value = (usize, Vec<(usize, usize, DependencyKind)>)> {
    (1usize..70).prop_flat_map(|n| {
        let edge = (
            0..n,
            0..n,
            prop_oneof![Just(DependencyKind::Hard), Just(DependencyKind::Soft)],
        );
        (Just(n), proptest::collection::vec(edge, 0..n * 3))
    })
}

proptest! {
    #[test]
    fn counts_equal_closure_sizes((n, edges) in graphs()) {
        let graph = ServiceGraph::from_edges((0..n).map(|i| format!("s{i}")), &edges);
        let expected: Vec<usize> = (0..n).map(|i| graph.downstream(&format!("s{i}")).len()).collect();
        prop_assert_eq!(graph.downstream_counts(), expected);
    }
}

#[test]
fn a_chain_and_a_cycle() {
    use DependencyKind::Hard;
    // a -> b -> c, and d <-> e -> c
    let ids = ["a", "b", "c", "d", "e"].map(String::from);
    let edges = [
        (0, 1, Hard),
        (1, 2, Hard),
        (3, 4, Hard),
        (4, 3, Hard),
        (4, 2, Hard),
    ];
    let graph = ServiceGraph::from_edges(ids, &edges);
    assert_eq!(graph.downstream_counts(), vec![0, 1, 4, 1, 1]);
}
