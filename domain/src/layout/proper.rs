//! Step 3: the "proper" layered graph, where every edge joins adjacent rows because each edge that
//! spans several rows is split by one dummy node per row it crosses.

use std::ops::Range;

use super::csr::Csr;

#[derive(Debug, Clone)]
pub(super) struct ProperGraph {
    /// Row of every node: the real nodes first (same indices as the input), then the dummies.
    pub(super) layer: Vec<usize>,
    pub(super) layer_count: usize,
    pub(super) real_count: usize,
    /// Neighbours in the row below / above.
    pub(super) down: Csr,
    pub(super) up: Csr,
    /// Dummy nodes of each DAG edge, top to bottom (they are numbered consecutively).
    chains: Vec<Range<usize>>,
}

impl ProperGraph {
    pub(super) fn new(layers: &[usize], dag: &[(usize, usize)]) -> Self {
        let real_count = layers.len();
        let mut layer = layers.to_vec();
        let mut segments = Vec::with_capacity(dag.len());
        let mut chains = Vec::with_capacity(dag.len());
        for &(top, bottom) in dag {
            let first = layer.len();
            let mut previous = top;
            for row in layers[top] + 1..layers[bottom] {
                let dummy = layer.len();
                layer.push(row);
                segments.push((previous, dummy));
                previous = dummy;
            }
            segments.push((previous, bottom));
            chains.push(first..layer.len());
        }
        let node_count = layer.len();
        Self {
            layer_count: layers.iter().copied().max().map_or(0, |m| m + 1),
            real_count,
            down: Csr::outgoing(node_count, &segments),
            up: Csr::incoming(node_count, &segments),
            layer,
            chains,
        }
    }

    pub(super) fn node_count(&self) -> usize {
        self.layer.len()
    }

    pub(super) fn is_dummy(&self, node: usize) -> bool {
        node >= self.real_count
    }

    /// Dummy nodes of the DAG edge with this index, top to bottom.
    pub(super) fn chain(&self, dag_edge: usize) -> Range<usize> {
        self.chains[dag_edge].clone()
    }

    /// Every row's nodes in index order: the starting point of crossing minimisation.
    pub(super) fn index_order(&self) -> Vec<Vec<usize>> {
        let mut rows = vec![Vec::new(); self.layer_count];
        for (node, &row) in self.layer.iter().enumerate() {
            rows[row].push(node);
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_edges_get_one_dummy_per_crossed_row() {
        let g = ProperGraph::new(&[0, 1, 3], &[(0, 1), (0, 2), (1, 2)]);
        assert_eq!(g.layer, vec![0, 1, 3, 1, 2, 2]);
        assert_eq!(g.chain(0), 3..3);
        assert_eq!(g.chain(1), 3..5);
        assert_eq!(g.chain(2), 5..6);
        assert_eq!(g.down.of(0), &[1, 3]);
        assert_eq!(g.down.of(4), &[2]);
        assert_eq!(g.up.of(2), &[4, 5]);
        assert_eq!(
            g.index_order(),
            vec![vec![0], vec![1, 3], vec![4, 5], vec![2]]
        );
    }
}
