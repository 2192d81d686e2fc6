//! Step 2: layering. Longest path from the sinks gives the fewest rows; a second pass then pulls
//! every node with more consumers than providers up, to just below its lowest consumer, which
//! shortens the long edges into shared providers (datastores would otherwise all sink to the
//! bottom row, far from the consumers that use them).

use super::csr::Csr;

/// Row of each node, 0 = top; every DAG edge goes from a smaller to a larger row and no row is empty.
pub(super) fn assign_layers(node_count: usize, dag: &[(usize, usize)]) -> Vec<usize> {
    let providers = Csr::outgoing(node_count, dag);
    let consumers = Csr::incoming(node_count, dag);
    let topo = topological_order(node_count, &providers, &consumers);

    let mut height = vec![0usize; node_count];
    for &node in topo.iter().rev() {
        height[node] = providers
            .of(node)
            .iter()
            .map(|&p| height[p] + 1)
            .max()
            .unwrap_or(0);
    }
    let max_height = height.iter().copied().max().unwrap_or(0);
    let mut layer: Vec<usize> = height.iter().map(|h| max_height - h).collect();

    // Top-down, so consumers are final when their providers move. Moving a node up never passes a
    // provider: the provider's row is at least its deepest consumer's row + 1. (Moving nodes down is
    // pointless here: longest path already puts each node right above its highest provider.)
    for &node in &topo {
        let ups = consumers.of(node);
        if ups.len() > providers.of(node).len() {
            layer[node] = ups.iter().map(|&c| layer[c] + 1).max().unwrap_or(0);
        }
    }
    compact(&mut layer);
    layer
}

/// Kahn's algorithm with a FIFO seeded in index order: deterministic and iterative.
fn topological_order(node_count: usize, providers: &Csr, consumers: &Csr) -> Vec<usize> {
    let mut pending: Vec<usize> = (0..node_count).map(|v| consumers.of(v).len()).collect();
    let mut order: Vec<usize> = (0..node_count).filter(|&v| pending[v] == 0).collect();
    let mut head = 0;
    while head < order.len() {
        let node = order[head];
        head += 1;
        for &p in providers.of(node) {
            pending[p] -= 1;
            if pending[p] == 0 {
                order.push(p);
            }
        }
    }
    debug_assert_eq!(order.len(), node_count, "layering needs a DAG");
    order
}

/// Renumbers rows so that none is empty, keeping their relative order.
fn compact(layer: &mut [usize]) {
    let rows = layer.iter().copied().max().map_or(0, |m| m + 1);
    let mut used = vec![false; rows];
    for &l in layer.iter() {
        used[l] = true;
    }
    let mut renumber = vec![0; rows];
    let mut next = 0;
    for (row, &is_used) in used.iter().enumerate() {
        renumber[row] = next;
        next += usize::from(is_used);
    }
    for l in layer.iter_mut() {
        *l = renumber[*l];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_gets_one_row_per_node() {
        assert_eq!(assign_layers(3, &[(0, 1), (1, 2)]), vec![0, 1, 2]);
    }

    #[test]
    fn shared_sink_moves_up_below_its_lowest_consumer() {
        // 0 → 1 → 2 → 3, and 0 → 4: the sink 4 sits right under 0, not on the bottom row.
        let layers = assign_layers(5, &[(0, 1), (1, 2), (2, 3), (0, 4)]);
        assert_eq!(layers, vec![0, 1, 2, 3, 1]);
    }

    #[test]
    fn isolated_nodes_share_the_bottom_row() {
        assert_eq!(assign_layers(3, &[(0, 1)]), vec![0, 1, 1]);
    }
}
