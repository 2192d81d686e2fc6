//! Step 5: x coordinates. Each row, in its final order, is placed as close as possible (least
//! squares) to the medians of its nodes' neighbours without overlapping, by isotonic regression
//! (pool adjacent violators, O(row length)). Rows are re-placed in alternating down/up passes;
//! dummies weigh more so long edges come out straight.

use super::csr::Csr;
use super::proper::ProperGraph;
use super::LayoutOptions;

/// Down+up passes; the drawing hardly changes after a handful.
const PASSES: usize = 4;
/// Pull of a dummy relative to a real node: straight long edges matter more than centred nodes.
const DUMMY_WEIGHT: f64 = 4.0;
/// Pull of a node with no neighbour on the reference side towards where it already is.
const ANCHOR_WEIGHT: f64 = 0.25;

/// Centre x of every node of `graph` (dummies included), leftmost extent at 0.
pub(super) fn assign_x(
    graph: &ProperGraph,
    rows: &[Vec<usize>],
    options: &LayoutOptions,
) -> Vec<f64> {
    let mut placer = Placer {
        graph,
        options,
        x: vec![0.0; graph.node_count()],
        scratch: Vec::new(),
        row: Row::default(),
    };
    for row in rows {
        placer.pack_centred(row);
    }
    for _ in 0..PASSES {
        for row in rows.iter().skip(1) {
            placer.place(row, &graph.up);
        }
        for row in rows.iter().rev().skip(1) {
            placer.place(row, &graph.down);
        }
    }
    placer.shift_to_origin();
    placer.x
}

struct Placer<'a> {
    graph: &'a ProperGraph,
    options: &'a LayoutOptions,
    x: Vec<f64>,
    scratch: Vec<f64>,
    row: Row,
}

impl Placer<'_> {
    fn half_width(&self, node: usize) -> f64 {
        if self.graph.is_dummy(node) {
            0.0
        } else {
            self.options.node_width / 2.0
        }
    }

    /// Minimum distance between the centres of two nodes side by side; edges need less room than boxes.
    fn separation(&self, left: usize, right: usize) -> f64 {
        let gap = if self.graph.is_dummy(left) || self.graph.is_dummy(right) {
            self.options.h_gap / 2.0
        } else {
            self.options.h_gap
        };
        self.half_width(left) + gap + self.half_width(right)
    }

    fn pack_centred(&mut self, row: &[usize]) {
        let offsets = self.offsets(row);
        let middle = offsets.last().copied().unwrap_or(0.0) / 2.0;
        for (&node, offset) in row.iter().zip(offsets) {
            self.x[node] = offset - middle;
        }
    }

    /// x of each node when the row is packed tightly from 0.
    fn offsets(&self, row: &[usize]) -> Vec<f64> {
        let mut offsets = Vec::with_capacity(row.len());
        let mut at = 0.0;
        for (i, &node) in row.iter().enumerate() {
            if i > 0 {
                at += self.separation(row[i - 1], node);
            }
            offsets.push(at);
        }
        offsets
    }

    fn place(&mut self, row: &[usize], reference: &Csr) {
        let offsets = self.offsets(row);
        self.row.clear();
        for (&node, &offset) in row.iter().zip(&offsets) {
            let (target, weight) = self.target(node, reference);
            // With x = y + offset, "no overlap" becomes "y non-decreasing".
            self.row.push(target - offset, weight);
        }
        for ((&node, offset), y) in row.iter().zip(offsets).zip(self.row.solution()) {
            self.x[node] = y + offset;
        }
    }

    /// Where `node` would like to be: the median x of its neighbours in the reference row.
    fn target(&mut self, node: usize, reference: &Csr) -> (f64, f64) {
        let neighbours = reference.of(node);
        if neighbours.is_empty() {
            return (self.x[node], ANCHOR_WEIGHT);
        }
        self.scratch.clear();
        self.scratch.extend(neighbours.iter().map(|&n| self.x[n]));
        self.scratch.sort_by(f64::total_cmp);
        let mid = self.scratch.len() / 2;
        let median = if self.scratch.len() % 2 == 1 {
            self.scratch[mid]
        } else {
            (self.scratch[mid - 1] + self.scratch[mid]) / 2.0
        };
        let weight = if self.graph.is_dummy(node) {
            DUMMY_WEIGHT
        } else {
            1.0
        };
        (median, weight)
    }

    fn shift_to_origin(&mut self) {
        let left = (0..self.x.len())
            .map(|node| self.x[node] - self.half_width(node))
            .fold(f64::INFINITY, f64::min);
        if left.is_finite() {
            for x in &mut self.x {
                *x -= left;
            }
        }
    }
}

/// Weighted least-squares fit of a non-decreasing sequence (pool adjacent violators).
#[derive(Debug, Default)]
struct Row {
    /// Pooled blocks: (weighted sum, total weight, length).
    blocks: Vec<(f64, f64, usize)>,
}

impl Row {
    fn clear(&mut self) {
        self.blocks.clear();
    }

    fn push(&mut self, target: f64, weight: f64) {
        let mut block = (target * weight, weight, 1);
        while let Some(&(sum, total, len)) = self.blocks.last() {
            if sum / total <= block.0 / block.1 {
                break;
            }
            block = (block.0 + sum, block.1 + total, block.2 + len);
            self.blocks.pop();
        }
        self.blocks.push(block);
    }

    fn solution(&self) -> impl Iterator<Item = f64> + '_ {
        self.blocks
            .iter()
            .flat_map(|&(sum, total, len)| std::iter::repeat_n(sum / total, len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_keeps_order_and_fits_means() {
        let mut row = Row::default();
        for (target, weight) in [(0.0, 1.0), (5.0, 1.0), (3.0, 1.0), (10.0, 2.0)] {
            row.push(target, weight);
        }
        let fit: Vec<f64> = row.solution().collect();
        assert_eq!(fit, vec![0.0, 4.0, 4.0, 10.0]);
    }

    #[test]
    fn a_child_sits_under_its_parent() {
        let graph = ProperGraph::new(&[0, 1, 1], &[(0, 1)]);
        let options = LayoutOptions::default();
        let x = assign_x(&graph, &graph.index_order(), &options);
        assert!((x[0] - x[1]).abs() < 1e-9, "{x:?}");
        assert!(x[2] - x[1] >= options.node_width + options.h_gap - 1e-9);
    }
}
