//! Layout benchmark on layered random catalogs (plain `Instant` timing, median of several runs).
//!
//! For 100, 1,000 and 5,000 services it prints: our layout time, our crossings against the simple
//! barycenter baseline, Graphviz `dot -Tplain` time and crossings (when `dot` is on PATH), and the
//! time of `Catalog::validate` on the same services.
//!
//! Crossings of dot's drawing: ranks are the distinct node y coordinates, order within a rank is by
//! x. An edge spanning several ranks gets one virtual point per crossed rank, at the x where the
//! polyline of its spline control points meets that rank's y (dot routes long edges through its own
//! virtual nodes, which this approximates); then the same counter as ours is applied.
//!
//! Run: `cargo bench -p breakwater-domain --bench layout`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use std::{env, fs, thread};

use breakwater_domain::catalog::{Catalog, Dependency, DependencyKind, Service, Tier};
use breakwater_domain::layout::{
    barycenter_baseline_crossings, count_crossings, layered_layout, LayoutOptions,
};
use rand::{rngs::SmallRng, Rng, SeedableRng};

const SIZES: [usize; 3] = [100, 1_000, 5_000];
/// Share of services per tier, top to bottom: frontends, gateways, domain services, shared
/// platform services, datastores.
const TIER_SHARES: [f64; 5] = [0.10, 0.15, 0.35, 0.25, 0.15];
const DOT_TIMEOUT: Duration = Duration::from_secs(120);

/// (x, y) in dot's coordinates (inches, y up).
type Point = (f64, f64);
/// Control points of one of dot's edge splines.
type Polyline = Vec<Point>;

struct Generated {
    tier: Vec<usize>,
    /// (consumer, provider)
    edges: Vec<(usize, usize)>,
}

/// Services sorted by tier; each service outside the bottom tier depends on 3–5 distinct services
/// of lower tiers, half of the time in the tier right below.
fn generate(services: usize, seed: u64) -> Generated {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut bounds = vec![0];
    let mut share = 0.0;
    for s in TIER_SHARES {
        share += s;
        bounds.push(((share * services as f64).round() as usize).min(services));
    }
    let tier: Vec<usize> = (0..services)
        .map(|v| {
            bounds[1..]
                .iter()
                .position(|&end| v < end)
                .unwrap_or(TIER_SHARES.len() - 1)
        })
        .collect();
    let mut edges = Vec::new();
    for (consumer, &t) in tier.iter().enumerate() {
        if t + 1 == TIER_SHARES.len() {
            continue;
        }
        // Lower tiers are [below, services); the tier right below is [below, next_end).
        let (below, next_end) = (bounds[t + 1], bounds[t + 2]);
        let wanted = rng.random_range(3..=5).min(services - below);
        let mut chosen: Vec<usize> = Vec::with_capacity(wanted);
        while chosen.len() < wanted {
            let end = if next_end > below && rng.random_bool(0.5) {
                next_end
            } else {
                services
            };
            let provider = rng.random_range(below..end);
            if !chosen.contains(&provider) {
                chosen.push(provider);
            }
        }
        edges.extend(chosen.into_iter().map(|p| (consumer, p)));
    }
    Generated { tier, edges }
}

fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn catalog(g: &Generated) -> Catalog {
    let id = |v: usize| format!("svc-{v:05}");
    let mut services: Vec<Service> = (0..g.tier.len())
        .map(|v| Service {
            id: id(v),
            name: format!("Service {v}"),
            owner: format!("team-{}", g.tier[v]),
            tier: [Tier::Critical, Tier::Standard, Tier::Low][v % 3],
            regions: vec!["eu-west-1".into()],
            version: "1.0.0".into(),
            provides: Vec::new(),
            depends_on: Vec::new(),
        })
        .collect();
    for &(consumer, provider) in &g.edges {
        services[consumer].depends_on.push(Dependency {
            service: id(provider),
            contract: None,
            uses: Vec::new(),
            contract_version: None,
            kind: DependencyKind::Hard,
        });
    }
    Catalog { services }
}

fn dot_available() -> bool {
    Command::new("which")
        .arg("dot")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn write_dot(g: &Generated, path: &Path) {
    let mut text = String::from("digraph catalog {\n  node [shape=box, width=2.5, height=0.78];\n");
    for v in 0..g.tier.len() {
        text.push_str(&format!("  n{v};\n"));
    }
    for (a, b) in &g.edges {
        text.push_str(&format!("  n{a} -> n{b};\n"));
    }
    text.push_str("}\n");
    fs::write(path, text).expect("write DOT file");
}

/// Runs `dot -Tplain`; `None` on timeout.
fn run_dot(input: &Path, output: &Path) -> Option<f64> {
    let start = Instant::now();
    let mut child = Command::new("dot")
        .arg("-Tplain")
        .arg("-o")
        .arg(output)
        .arg(input)
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn dot");
    loop {
        if let Some(status) = child.try_wait().expect("wait for dot") {
            assert!(status.success(), "dot failed: {status}");
            return Some(start.elapsed().as_secs_f64() * 1e3);
        }
        if start.elapsed() > DOT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Crossings of dot's drawing, read from its `-Tplain` output (see the module doc).
fn dot_crossings(plain: &str, node_count: usize) -> usize {
    let mut centre = vec![(0.0, 0.0); node_count];
    let mut splines: Vec<(usize, usize, Polyline)> = Vec::new();
    let index = |name: &str| name[1..].parse::<usize>().expect("node name n<index>");
    for line in plain.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let number = |i: usize| fields[i].parse::<f64>().expect("number");
        match fields.first() {
            Some(&"node") => centre[index(fields[1])] = (number(2), number(3)),
            Some(&"edge") => {
                let points = fields[3].parse::<usize>().expect("point count");
                let polyline = (0..points)
                    .map(|p| (number(4 + 2 * p), number(5 + 2 * p)))
                    .collect();
                splines.push((index(fields[1]), index(fields[2]), polyline));
            }
            _ => {}
        }
    }
    // dot's y grows upwards: rank 0 has the largest y.
    let mut rank_ys: Vec<f64> = centre.iter().map(|c| c.1).collect();
    rank_ys.sort_by(|a, b| b.total_cmp(a));
    rank_ys.dedup_by(|a, b| (*a - *b).abs() < 1e-3);
    let rank_of = |y: f64| {
        rank_ys
            .iter()
            .position(|r| (r - y).abs() < 1e-3)
            .expect("known rank")
    };
    let mut rows: Vec<Vec<(f64, usize)>> = vec![Vec::new(); rank_ys.len()];
    for (v, &(x, y)) in centre.iter().enumerate() {
        rows[rank_of(y)].push((x, v));
    }
    let mut segments = Vec::new();
    let mut next = node_count;
    for (tail, head, polyline) in splines {
        let (mut upper, mut lower) = (tail, head);
        if rank_of(centre[upper].1) > rank_of(centre[lower].1) {
            (upper, lower) = (lower, upper);
        }
        let (top, bottom) = (rank_of(centre[upper].1), rank_of(centre[lower].1));
        let mut previous = upper;
        for (rank, &y) in rank_ys.iter().enumerate().take(bottom).skip(top + 1) {
            let x = x_at(&polyline, y).unwrap_or_else(|| {
                let (a, b) = (centre[upper], centre[lower]);
                a.0 + (b.0 - a.0) * (y - a.1) / (b.1 - a.1)
            });
            rows[rank].push((x, next));
            segments.push((previous, next));
            previous = next;
            next += 1;
        }
        segments.push((previous, lower));
    }
    let ordered: Vec<Vec<usize>> = rows
        .into_iter()
        .map(|mut row| {
            row.sort_by(|a, b| a.0.total_cmp(&b.0));
            row.into_iter().map(|(_, v)| v).collect()
        })
        .collect();
    count_crossings(&ordered, &segments)
}

/// Where the polyline first meets height `y`.
fn x_at(polyline: &[Point], y: f64) -> Option<f64> {
    polyline.windows(2).find_map(|w| {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let within = (y0 - y) * (y1 - y) <= 0.0 && y0 != y1;
        within.then(|| x0 + (x1 - x0) * (y - y0) / (y1 - y0))
    })
}

fn temp_path(name: &str) -> PathBuf {
    env::temp_dir().join(format!(
        "breakwater-layout-bench-{}-{name}",
        std::process::id()
    ))
}

/// dot's time in ms (median of `runs`) and crossings, or why there are none.
fn measure_dot(g: &Generated, runs: usize) -> (String, String) {
    let (input, output) = (temp_path("graph.dot"), temp_path("graph.plain"));
    write_dot(g, &input);
    let times: Option<Vec<f64>> = (0..runs).map(|_| run_dot(&input, &output)).collect();
    let result = match times {
        Some(mut times) => {
            times.sort_by(f64::total_cmp);
            let plain = fs::read_to_string(&output).expect("read dot output");
            let crossings = dot_crossings(&plain, g.tier.len());
            (
                format!("{:.1}", times[times.len() / 2]),
                crossings.to_string(),
            )
        }
        None => ("timeout".into(), "-".into()),
    };
    let _ = fs::remove_file(&input);
    let _ = fs::remove_file(&output);
    result
}

fn main() {
    let options = LayoutOptions::default();
    let has_dot = dot_available();
    println!(
        "{:>8} {:>6} {:>5} {:>10} {:>10} {:>10} {:>10} {:>10} {:>11}",
        "services",
        "edges",
        "rows",
        "ours ms",
        "ours X",
        "baseline X",
        "dot ms",
        "dot X",
        "validate ms"
    );
    for (seed, &services) in SIZES.iter().enumerate() {
        let g = generate(services, seed as u64);
        let n = g.tier.len();
        let runs = if services >= 5_000 { 3 } else { 7 };
        let mut layout = None;
        let ours = median_ms(runs, || {
            layout = Some(layered_layout(n, &g.edges, &options))
        });
        let layout = layout.expect("at least one run");
        let baseline = barycenter_baseline_crossings(n, &g.edges);
        let rows = layout.layers.iter().max().map_or(0, |m| m + 1);
        let (dot_ms, dot_x) = if has_dot {
            measure_dot(&g, if services >= 1_000 { 1 } else { 3 })
        } else {
            ("no dot".into(), "-".into())
        };
        let catalog = catalog(&g);
        let mut problems = 0;
        let validate = median_ms(runs, || problems = catalog.validate().len());
        println!(
            "{services:>8} {:>6} {rows:>5} {ours:>10.1} {:>10} {baseline:>10} {dot_ms:>10} {dot_x:>10} {validate:>11.1}",
            g.edges.len(),
            layout.crossings,
        );
        if problems > 0 {
            println!("         (validate reported {problems} problems)");
        }
    }
}
