//! Layered (Sugiyama-style) drawing of the dependency graph, shared by the server (SVG) and the
//! browser (WebAssembly).
//!
//! Pipeline, one module per step:
//! 1. [`acyclic`]: break cycles by reversing the back edges of a depth-first search;
//! 2. [`layering`]: longest path from the sinks, then shared providers pulled up under their consumers;
//! 3. [`proper`]: one dummy node per row crossed by a long edge;
//! 4. [`ordering`]: barycenter sweeps plus adjacent-swap refinement, keeping the best ordering;
//!    crossings are counted with the O(E log V) accumulator tree of [`crossings`];
//! 5. [`position`]: x by per-row isotonic regression towards neighbour medians, y from the row.
//!
//! Why our own rather than `rust-sugiyama`: that crate needs about a second for 1,000 nodes, which is
//! too slow to re-run in the browser on every catalog edit, and its output is not guaranteed to be
//! identical between runs and targets. This one is single-threaded, never reads the clock, uses no
//! randomness, and every loop runs in node/edge index order (no hash-map iteration), so the same
//! input gives the same drawing natively and in wasm.

mod acyclic;
mod crossings;
mod csr;
mod layering;
mod ordering;
mod position;
mod proper;

use serde::{Deserialize, Serialize};

use acyclic::Dag;
use csr::Csr;
use proper::ProperGraph;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayoutOptions {
    pub node_width: f64,
    pub node_height: f64,
    /// Horizontal gap between two boxes of the same row (half of it next to an edge).
    pub h_gap: f64,
    /// Vertical gap between rows.
    pub v_gap: f64,
    /// Crossing-minimisation sweeps, alternately down and up. The first four are the plain
    /// barycenter sweeps of [`barycenter_baseline_crossings`], so with four or more the result
    /// never has more crossings than that baseline; later sweeps add adjacent-swap refinement.
    pub sweeps: usize,
}

impl Default for LayoutOptions {
    fn default() -> Self {
        Self {
            node_width: 180.0,
            node_height: 56.0,
            h_gap: 40.0,
            v_gap: 90.0,
            sweeps: 16,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeRoute {
    pub from: usize,
    pub to: usize,
    /// Polyline from the bottom-centre of `from` to the top-centre of `to`, through the dummy-node
    /// positions (one point per crossed row, at the row's mid-height). A reversed edge runs the same
    /// path backwards: from the top-centre of `from` up to the bottom-centre of `to`. A self-loop is
    /// the two points bottom-centre and top-centre of its node.
    pub points: Vec<Point>,
    /// True when this edge had to be reversed to break a cycle (it points upward).
    pub reversed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Top-left corner of each node, indexed like the input.
    pub nodes: Vec<Point>,
    /// Row of each node, 0 = top row.
    pub layers: Vec<usize>,
    /// Same order as the input edges.
    pub edges: Vec<EdgeRoute>,
    pub width: f64,
    pub height: f64,
    /// Crossings between the segments of distinct edges (self-loops excluded, duplicate edges and
    /// the two halves of a 2-cycle counted once, since they are drawn as one line).
    pub crossings: usize,
}

/// Lays out `node_count` nodes. `edges` are (consumer, provider) pairs: consumers are drawn ABOVE the
/// providers they depend on, so every edge points down, except the ones reversed to break cycles.
/// Self-loops and duplicate edges are tolerated (self-loops are ignored for layering).
///
/// # Panics
/// If an edge refers to a node `>= node_count`.
pub fn layered_layout(
    node_count: usize,
    edges: &[(usize, usize)],
    options: &LayoutOptions,
) -> Layout {
    let (dag, layers, graph) = prepare(node_count, edges);
    let (ordering, crossings) = ordering::minimise(&graph, options.sweeps);
    let centres = position::assign_x(&graph, &ordering.rows, options);
    let geometry = Geometry {
        options,
        graph: &graph,
        centres: &centres,
    };
    let routes = edges
        .iter()
        .map(|&edge| geometry.route(edge, &dag))
        .collect();
    Layout {
        nodes: (0..node_count)
            .map(|node| geometry.top_left(node))
            .collect(),
        edges: routes,
        width: geometry.width(),
        height: geometry.height(),
        layers,
        crossings,
    }
}

/// Crossings left by a *simple* barycenter heuristic on the same layering and dummy nodes (rows in
/// index order, four plain barycenter sweeps, no refinement): the yardstick for [`layered_layout`].
///
/// # Panics
/// If an edge refers to a node `>= node_count`.
pub fn barycenter_baseline_crossings(node_count: usize, edges: &[(usize, usize)]) -> usize {
    let (_, _, graph) = prepare(node_count, edges);
    ordering::baseline(&graph)
}

/// Number of edge crossings of a given ordering: `rows` lists node ids top to bottom, left to
/// right; every edge (in either direction) must join two adjacent rows. Uses the O(E log V)
/// accumulator tree of Barth, Jünger and Mutzel. Exposed for the bench and tests.
///
/// # Panics
/// If an edge endpoint is in no row, or an edge does not join adjacent rows.
pub fn count_crossings(rows: &[Vec<usize>], edges: &[(usize, usize)]) -> usize {
    let ids = rows
        .iter()
        .flatten()
        .chain(edges.iter().flat_map(|(a, b)| [a, b]));
    let node_count = ids.max().map_or(0, |&max| max + 1);
    let mut row_of = vec![usize::MAX; node_count];
    let mut position = vec![0; node_count];
    for (r, row) in rows.iter().enumerate() {
        for (i, &node) in row.iter().enumerate() {
            row_of[node] = r;
            position[node] = i;
        }
    }
    let downward: Vec<(usize, usize)> = edges
        .iter()
        .map(|&(a, b)| {
            assert!(
                row_of[a] != usize::MAX && row_of[b] != usize::MAX,
                "edge ({a}, {b}) has an endpoint in no row"
            );
            match row_of[b].checked_sub(row_of[a]) {
                Some(1) => (a, b),
                _ if row_of[a].checked_sub(row_of[b]) == Some(1) => (b, a),
                _ => panic!("edge ({a}, {b}) does not join adjacent rows"),
            }
        })
        .collect();
    let down = Csr::outgoing(node_count, &downward);
    crossings::Counter::default().total(rows, &position, &down)
}

fn prepare(node_count: usize, edges: &[(usize, usize)]) -> (Dag, Vec<usize>, ProperGraph) {
    if let Some(&(a, b)) = edges.iter().find(|(a, b)| *a.max(b) >= node_count) {
        panic!("edge ({a}, {b}) refers to a node >= node_count ({node_count})");
    }
    let dag = acyclic::break_cycles(node_count, edges);
    let layers = layering::assign_layers(node_count, &dag.edges);
    let graph = ProperGraph::new(&layers, &dag.edges);
    (dag, layers, graph)
}

/// Turns rows and centre x coordinates into points.
struct Geometry<'a> {
    options: &'a LayoutOptions,
    graph: &'a ProperGraph,
    /// Centre x of every node of the proper graph, dummies included.
    centres: &'a [f64],
}

impl Geometry<'_> {
    fn top(&self, node: usize) -> f64 {
        self.graph.layer[node] as f64 * (self.options.node_height + self.options.v_gap)
    }

    fn top_left(&self, node: usize) -> Point {
        Point {
            x: self.centres[node] - self.options.node_width / 2.0,
            y: self.top(node),
        }
    }

    fn top_centre(&self, node: usize) -> Point {
        Point {
            x: self.centres[node],
            y: self.top(node),
        }
    }

    fn bottom_centre(&self, node: usize) -> Point {
        Point {
            x: self.centres[node],
            y: self.top(node) + self.options.node_height,
        }
    }

    fn dummy(&self, node: usize) -> Point {
        Point {
            x: self.centres[node],
            y: self.top(node) + self.options.node_height / 2.0,
        }
    }

    fn route(&self, (from, to): (usize, usize), dag: &Dag) -> EdgeRoute {
        if from == to {
            return EdgeRoute {
                from,
                to,
                points: vec![self.bottom_centre(from), self.top_centre(from)],
                reversed: false,
            };
        }
        let reversed = dag.is_reversed((from, to));
        let (top, bottom) = if reversed { (to, from) } else { (from, to) };
        let chain = self.graph.chain(dag.index_of((top, bottom)));
        let mut points = Vec::with_capacity(chain.len() + 2);
        points.push(self.bottom_centre(top));
        points.extend(chain.map(|dummy| self.dummy(dummy)));
        points.push(self.top_centre(bottom));
        if reversed {
            points.reverse();
        }
        EdgeRoute {
            from,
            to,
            points,
            reversed,
        }
    }

    fn width(&self) -> f64 {
        let (real, dummies) = self.centres.split_at(self.graph.real_count);
        let right_sides = real.iter().map(|x| x + self.options.node_width / 2.0);
        right_sides
            .chain(dummies.iter().copied())
            .fold(0.0, f64::max)
    }

    fn height(&self) -> f64 {
        let rows = self.graph.layer_count as f64;
        (rows * (self.options.node_height + self.options.v_gap) - self.options.v_gap).max(0.0)
    }
}
