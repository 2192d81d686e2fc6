//! Compressed adjacency lists: one allocation per direction instead of a `Vec` per node, and
//! neighbour order that follows edge order (which keeps every later pass deterministic).

/// Neighbours of each node, in the order the edges were given.
#[derive(Debug, Clone)]
pub(super) struct Csr {
    offsets: Vec<usize>,
    targets: Vec<usize>,
}

impl Csr {
    /// `v`'s successors: for every `(u, v)` in `edges`, `v` is listed under `u`.
    pub(super) fn outgoing(node_count: usize, edges: &[(usize, usize)]) -> Self {
        Self::build(node_count, edges, |&(u, v)| (u, v))
    }

    /// `v`'s predecessors: for every `(u, v)` in `edges`, `u` is listed under `v`.
    pub(super) fn incoming(node_count: usize, edges: &[(usize, usize)]) -> Self {
        Self::build(node_count, edges, |&(u, v)| (v, u))
    }

    fn build(
        node_count: usize,
        edges: &[(usize, usize)],
        key: impl Fn(&(usize, usize)) -> (usize, usize),
    ) -> Self {
        let mut offsets = vec![0; node_count + 1];
        for edge in edges {
            offsets[key(edge).0 + 1] += 1;
        }
        for i in 0..node_count {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor = offsets.clone();
        let mut targets = vec![0; edges.len()];
        for edge in edges {
            let (from, to) = key(edge);
            targets[cursor[from]] = to;
            cursor[from] += 1;
        }
        Self { offsets, targets }
    }

    pub(super) fn of(&self, node: usize) -> &[usize] {
        &self.targets[self.offsets[node]..self.offsets[node + 1]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_edge_order_per_node() {
        let edges = [(0, 2), (1, 2), (0, 1), (2, 0)];
        let out = Csr::outgoing(3, &edges);
        assert_eq!(out.of(0), &[2, 1]);
        assert_eq!(out.of(1), &[2]);
        assert_eq!(out.of(2), &[0]);
        let inc = Csr::incoming(3, &edges);
        assert_eq!(inc.of(2), &[0, 1]);
        assert_eq!(inc.of(0), &[2]);
    }
}
