//! Step 4: crossing minimisation. Alternating down/up layer sweeps sort each row by the barycenter
//! of its neighbours in the row just fixed; after the first [`BASELINE_SWEEPS`] sweeps every sweep
//! is followed by adjacent-swap refinement ("transpose", Gansner et al. 1993). The best ordering
//! seen is kept, and the first sweeps are exactly [`baseline`]'s, so we never do worse than it.

use super::crossings::Counter;
use super::csr::Csr;
use super::proper::ProperGraph;

/// Plain barycenter sweeps in the baseline (and at the start of [`minimise`]).
pub(super) const BASELINE_SWEEPS: usize = 4;
/// Bound on transpose rounds over all rows; each round only ever removes crossings.
const TRANSPOSE_ROUNDS: usize = 4;

/// Left-to-right order of every row and, for each node, its index in its row.
#[derive(Debug, Clone)]
pub(super) struct Ordering {
    pub(super) rows: Vec<Vec<usize>>,
    pub(super) position: Vec<usize>,
}

impl Ordering {
    fn new(graph: &ProperGraph, rows: Vec<Vec<usize>>) -> Self {
        let mut position = vec![0; graph.node_count()];
        for row in &rows {
            for (i, &node) in row.iter().enumerate() {
                position[node] = i;
            }
        }
        Self { rows, position }
    }

    fn crossings(&self, graph: &ProperGraph, counter: &mut Counter) -> usize {
        counter.total(&self.rows, &self.position, &graph.down)
    }

    /// Sweep number `sweep`: even sweeps go down (rows sorted by their upper neighbours), odd ones up.
    fn sweep(&mut self, graph: &ProperGraph, sweep: usize, keys: &mut Vec<(f64, usize)>) {
        let count = self.rows.len();
        if sweep.is_multiple_of(2) {
            for row in 1..count {
                self.sort_row(row, &graph.up, keys);
            }
        } else {
            for row in (0..count.saturating_sub(1)).rev() {
                self.sort_row(row, &graph.down, keys);
            }
        }
    }

    /// Stable sort by barycenter; a node without neighbours keeps its index as its key.
    fn sort_row(&mut self, row: usize, neighbours: &Csr, keys: &mut Vec<(f64, usize)>) {
        keys.clear();
        keys.extend(self.rows[row].iter().map(|&node| {
            let adjacent = neighbours.of(node);
            let key = if adjacent.is_empty() {
                self.position[node] as f64
            } else {
                let sum: usize = adjacent.iter().map(|&a| self.position[a]).sum();
                sum as f64 / adjacent.len() as f64
            };
            (key, node)
        }));
        keys.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (i, &(_, node)) in keys.iter().enumerate() {
            self.rows[row][i] = node;
            self.position[node] = i;
        }
    }
}

/// Crossings left by the simple heuristic we compare against: index order, then
/// [`BASELINE_SWEEPS`] plain barycenter sweeps.
pub(super) fn baseline(graph: &ProperGraph) -> usize {
    let mut ordering = Ordering::new(graph, graph.index_order());
    let mut keys = Vec::new();
    for sweep in 0..BASELINE_SWEEPS {
        ordering.sweep(graph, sweep, &mut keys);
    }
    ordering.crossings(graph, &mut Counter::default())
}

/// Best ordering found in `sweeps` sweeps (at least the baseline's), with its crossing count.
pub(super) fn minimise(graph: &ProperGraph, sweeps: usize) -> (Ordering, usize) {
    let mut counter = Counter::default();
    let mut keys = Vec::new();
    let mut scratch = Transpose::default();
    let mut current = Ordering::new(graph, graph.index_order());
    let mut best = current.clone();
    let mut best_crossings = best.crossings(graph, &mut counter);
    for sweep in 0..sweeps {
        if best_crossings == 0 {
            break;
        }
        current.sweep(graph, sweep, &mut keys);
        if sweep >= BASELINE_SWEEPS {
            scratch.run(graph, &mut current);
        }
        let crossings = current.crossings(graph, &mut counter);
        if crossings < best_crossings {
            best_crossings = crossings;
            best.clone_from(&current);
        }
    }
    // Polish the winner too: when it came from a plain sweep it has never been transposed.
    scratch.run(graph, &mut best);
    let crossings = best.crossings(graph, &mut counter);
    (best, crossings)
}

/// Adjacent-swap refinement, with buffers reused across rows.
#[derive(Debug, Default)]
struct Transpose {
    /// Sorted positions of each node's upper then lower neighbours, for the row being refined.
    flat: Vec<usize>,
    /// Per slot of the row: (start, split between upper and lower, end) in `flat`.
    spans: Vec<(usize, usize, usize)>,
}

impl Transpose {
    fn run(&mut self, graph: &ProperGraph, ordering: &mut Ordering) {
        for _ in 0..TRANSPOSE_ROUNDS {
            let mut improved = false;
            for row in 0..ordering.rows.len() {
                improved |= self.refine_row(graph, ordering, row);
            }
            if !improved {
                break;
            }
        }
    }

    /// One left-to-right pass of swaps that strictly reduce crossings. Swapping two neighbours only
    /// changes the crossings between their own edges, so the local count is the global change.
    fn refine_row(&mut self, graph: &ProperGraph, ordering: &mut Ordering, row: usize) -> bool {
        self.collect_neighbours(graph, ordering, row);
        let mut improved = false;
        for i in 1..ordering.rows[row].len() {
            let (left, right) = (self.spans[i - 1], self.spans[i]);
            let (keep_up, swap_up) =
                pair_crossings(&self.flat[left.0..left.1], &self.flat[right.0..right.1]);
            let (keep_down, swap_down) =
                pair_crossings(&self.flat[left.1..left.2], &self.flat[right.1..right.2]);
            if swap_up + swap_down < keep_up + keep_down {
                let nodes = &mut ordering.rows[row];
                nodes.swap(i - 1, i);
                ordering.position[nodes[i - 1]] = i - 1;
                ordering.position[nodes[i]] = i;
                self.spans.swap(i - 1, i);
                improved = true;
            }
        }
        improved
    }

    fn collect_neighbours(&mut self, graph: &ProperGraph, ordering: &Ordering, row: usize) {
        self.flat.clear();
        self.spans.clear();
        for &node in &ordering.rows[row] {
            let start = self.flat.len();
            self.flat
                .extend(graph.up.of(node).iter().map(|&n| ordering.position[n]));
            self.flat[start..].sort_unstable();
            let split = self.flat.len();
            self.flat
                .extend(graph.down.of(node).iter().map(|&n| ordering.position[n]));
            self.flat[split..].sort_unstable();
            self.spans.push((start, split, self.flat.len()));
        }
    }
}

/// Crossings between the edges of two neighbouring nodes towards the same row, given the sorted
/// positions of their far ends: (with `a` left of `b`, with `b` left of `a`).
fn pair_crossings(a: &[usize], b: &[usize]) -> (usize, usize) {
    let (mut below, mut at_most) = (0, 0);
    let (mut a_left, mut b_left) = (0, 0);
    for &x in a {
        while below < b.len() && b[below] < x {
            below += 1;
        }
        while at_most < b.len() && b[at_most] <= x {
            at_most += 1;
        }
        a_left += below;
        b_left += b.len() - at_most;
    }
    (a_left, b_left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_crossings_counts_both_orders() {
        assert_eq!(pair_crossings(&[2], &[0]), (1, 0));
        assert_eq!(pair_crossings(&[0, 3], &[1, 2]), (2, 2));
        assert_eq!(pair_crossings(&[1], &[1]), (0, 0));
    }

    #[test]
    fn untangles_a_crossed_pair() {
        // Top row 0 1, bottom row 2 3 with 0→3 and 1→2: one sweep removes the crossing.
        let graph = ProperGraph::new(&[0, 0, 1, 1], &[(0, 3), (1, 2)]);
        let (ordering, crossings) = minimise(&graph, 8);
        assert_eq!(crossings, 0);
        assert_eq!(baseline(&graph), 0);
        assert_eq!(ordering.rows.len(), 2);
    }
}
