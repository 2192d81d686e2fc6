//! Step 1: cycle breaking. A depth-first search from every node in index order reverses its back
//! edges; a graph has a back edge exactly when it has a cycle, so acyclic input is never touched.

use super::csr::Csr;

/// The input as a DAG: unique, non-self-loop edges pointing consumer → provider.
#[derive(Debug, Clone)]
pub(super) struct Dag {
    /// Sorted and unique, after reversal (so a 2-cycle collapses into one edge).
    pub(super) edges: Vec<(usize, usize)>,
    /// Input pairs, as given, that were flipped to break a cycle. Sorted and unique.
    reversed: Vec<(usize, usize)>,
}

impl Dag {
    pub(super) fn is_reversed(&self, edge: (usize, usize)) -> bool {
        self.reversed.binary_search(&edge).is_ok()
    }

    /// Index of a DAG edge in [`Dag::edges`].
    pub(super) fn index_of(&self, edge: (usize, usize)) -> usize {
        self.edges
            .binary_search(&edge)
            .expect("every non-loop input edge is in the DAG")
    }
}

pub(super) fn break_cycles(node_count: usize, edges: &[(usize, usize)]) -> Dag {
    let mut unique: Vec<(usize, usize)> = edges.iter().copied().filter(|(u, v)| u != v).collect();
    unique.sort_unstable();
    unique.dedup();
    let reversed = back_edges(node_count, &unique);
    let mut dag: Vec<(usize, usize)> = unique
        .iter()
        .map(|&(u, v)| {
            if reversed.binary_search(&(u, v)).is_ok() {
                (v, u)
            } else {
                (u, v)
            }
        })
        .collect();
    dag.sort_unstable();
    dag.dedup();
    Dag {
        edges: dag,
        reversed,
    }
}

/// Back edges of an iterative DFS (the browser's stack is too small for recursion on long chains).
fn back_edges(node_count: usize, edges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnStack,
        Done,
    }
    let adjacency = Csr::outgoing(node_count, edges);
    let mut state = vec![State::New; node_count];
    let mut back = Vec::new();
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..node_count {
        if state[root] != State::New {
            continue;
        }
        state[root] = State::OnStack;
        stack.push((root, 0));
        while let Some(top) = stack.last_mut() {
            let node = top.0;
            let Some(&target) = adjacency.of(node).get(top.1) else {
                state[node] = State::Done;
                stack.pop();
                continue;
            };
            top.1 += 1;
            match state[target] {
                State::New => {
                    state[target] = State::OnStack;
                    stack.push((target, 0));
                }
                State::OnStack => back.push((node, target)),
                State::Done => {}
            }
        }
    }
    back.sort_unstable();
    back
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acyclic_input_is_untouched() {
        let dag = break_cycles(3, &[(0, 1), (1, 2), (0, 2), (0, 1)]);
        assert_eq!(dag.edges, vec![(0, 1), (0, 2), (1, 2)]);
        assert!(dag.reversed.is_empty());
    }

    #[test]
    fn two_cycle_collapses_into_one_edge() {
        let dag = break_cycles(2, &[(0, 1), (1, 0)]);
        assert_eq!(dag.edges, vec![(0, 1)]);
        assert!(dag.is_reversed((1, 0)));
        assert!(!dag.is_reversed((0, 1)));
    }

    #[test]
    fn self_loops_are_dropped() {
        let dag = break_cycles(2, &[(1, 1), (0, 1)]);
        assert_eq!(dag.edges, vec![(0, 1)]);
    }
}
