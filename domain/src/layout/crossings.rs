//! Crossing counting between adjacent rows with the accumulator tree of Barth, Jünger and Mutzel
//! ("Simple and efficient bilayer cross counting", 2004): O(E log V) per pair of rows.

use super::csr::Csr;

/// Reusable buffers, so that counting after every sweep does not allocate.
#[derive(Debug, Default)]
pub(super) struct Counter {
    sequence: Vec<usize>,
    tree: Vec<usize>,
}

impl Counter {
    /// Crossings of the whole drawing: `rows` top to bottom, `position[v]` = index of `v` in its
    /// row, `down` = neighbours in the next row.
    pub(super) fn total(&mut self, rows: &[Vec<usize>], position: &[usize], down: &Csr) -> usize {
        rows.windows(2)
            .map(|pair| self.between(&pair[0], pair[1].len(), position, down))
            .sum()
    }

    fn between(
        &mut self,
        north: &[usize],
        south_len: usize,
        position: &[usize],
        down: &Csr,
    ) -> usize {
        // South ends of the edges, sorted by (north position, south position).
        self.sequence.clear();
        for &node in north {
            let start = self.sequence.len();
            self.sequence
                .extend(down.of(node).iter().map(|&s| position[s]));
            self.sequence[start..].sort_unstable();
        }
        // Each inserted south end crosses every earlier edge that ends further right.
        let leaves = south_len.next_power_of_two();
        self.tree.clear();
        self.tree.resize(2 * leaves - 1, 0);
        let mut crossings = 0;
        for &south in &self.sequence {
            let mut index = south + leaves - 1;
            self.tree[index] += 1;
            while index > 0 {
                if index % 2 == 1 {
                    crossings += self.tree[index + 1];
                }
                index = (index - 1) / 2;
                self.tree[index] += 1;
            }
        }
        crossings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(rows: &[Vec<usize>], edges: &[(usize, usize)]) -> usize {
        let n = rows.iter().map(Vec::len).sum();
        let mut position = vec![0; n];
        for row in rows {
            for (i, &v) in row.iter().enumerate() {
                position[v] = i;
            }
        }
        Counter::default().total(rows, &position, &Csr::outgoing(n, edges))
    }

    #[test]
    fn counts_the_bjm_paper_example_like_brute_force() {
        let rows = vec![vec![0, 1, 2, 3, 4], vec![5, 6, 7, 8, 9]];
        let edges = [
            (0, 6),
            (1, 5),
            (1, 7),
            (2, 5),
            (2, 8),
            (3, 6),
            (3, 8),
            (4, 7),
            (4, 9),
        ];
        let brute = edges
            .iter()
            .enumerate()
            .flat_map(|(i, a)| edges[i + 1..].iter().map(move |b| (a, b)))
            .filter(|((a0, a1), (b0, b1))| (a0 < b0 && a1 > b1) || (a0 > b0 && a1 < b1))
            .count();
        assert_eq!(count(&rows, &edges), brute);
    }

    #[test]
    fn shared_endpoints_do_not_cross() {
        assert_eq!(count(&[vec![0, 1], vec![2]], &[(0, 2), (1, 2)]), 0);
        assert_eq!(count(&[vec![0], vec![1, 2]], &[(0, 1), (0, 2)]), 0);
        assert_eq!(count(&[vec![0, 1], vec![2, 3]], &[(0, 3), (1, 2)]), 1);
    }
}
