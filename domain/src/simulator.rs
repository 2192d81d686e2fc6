//! The built-in traffic simulator: every catalog service serves traffic on its stable version
//! and, where a run exposes it, its new version; latency and errors follow injected faults and
//! propagate along dependencies to consumers (a slow provider makes its hard consumers slow and,
//! past their timeout, erroring; a soft dependency degrades its consumer's latency only).
//! Deterministic: the same inputs at the same time give the same samples.
//!
//! # Model
//! - Each service has a base load, p50 latency and error rate from its tier and a hash of its
//!   id; p90 and p99 are fixed multiples of p50. Per-sample noise (requests ±10%, latency ±5%)
//!   is a hash of (service, version, region, time), so there is no random state.
//! - A region's requests split between the stable and the new version by the run's exposure
//!   there; a version without traffic produces no sample.
//! - An active fault (`from <= at < until`) adds latency and errors to one version or all.
//! - Services are evaluated providers first (a dependency cycle is cut at its back edge, found
//!   by a depth-first walk in catalog order). A consumer sees each provider in its own region
//!   (or the provider's regions averaged when it is not there) as the traffic-weighted mix of
//!   the provider's versions:
//!   - hard dependency: the provider's added latency, up to the consumer's timeout
//!     ([`TIMEOUT_MS`]), adds to the consumer's (the slowest provider counts, calls being
//!     parallel); the provider's errors, and the share of its requests slower than the timeout,
//!     become consumer errors damped by [`HARD_DAMPING`] (retries and fallbacks absorb some);
//!   - soft dependency: at most [`SOFT_LATENCY_MS`] more latency (the consumer gives up and
//!     serves its fallback), never errors.

use crate::catalog::{DependencyKind, Tier};
use crate::health::batch::MAX_LATENCY_MS;
use crate::health::{Latency, Sample};
use crate::plan::Topology;
use crate::run::Millis;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A consumer's timeout on a hard dependency.
pub const TIMEOUT_MS: f64 = 1000.0;
/// The share of a hard provider's failures its consumer passes on.
pub const HARD_DAMPING: f64 = 0.8;
/// The most a slow soft dependency adds to its consumer's latency.
pub const SOFT_LATENCY_MS: f64 = 200.0;
/// p90 and p99 as multiples of p50.
const P90_FACTOR: f64 = 2.2;
const P99_FACTOR: f64 = 4.5;

/// A fault injected into one service (one version of it, or every version with `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    pub service: String,
    pub version: Option<String>,
    pub added_latency_ms: f64,
    /// Fraction of requests failing, 0..=1.
    pub error_rate: f64,
    pub from: Millis,
    pub until: Millis,
}

/// Where a run exposes a service's new version: percent per region (`None`: the service lists
/// no regions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Traffic {
    pub service: String,
    pub new_version: String,
    pub regions: Vec<(Option<String>, u8)>,
}

/// A service as the simulator runs it.
struct Node {
    id: String,
    version: String,
    /// `[None]` when the service lists no regions.
    regions: Vec<Option<String>>,
    /// Requests per second in each region.
    rate: f64,
    p50_ms: f64,
    error_rate: f64,
    /// Providers evaluated before this service (back edges of cycles left out).
    providers: Vec<(usize, DependencyKind)>,
}

/// What a service's consumers see of it in one region: the traffic-weighted mix of its
/// versions.
#[derive(Debug, Clone, Copy, Default)]
struct Health {
    /// Latency over the service's base, in ms.
    added_ms: f64,
    error_rate: f64,
    /// Share of requests slower than a consumer's timeout.
    timed_out: f64,
}

pub struct Simulator {
    nodes: Vec<Node>,
    index: HashMap<String, usize>,
    /// Providers before their consumers.
    order: Vec<usize>,
}

impl Simulator {
    pub fn new(topology: Topology) -> Simulator {
        let index: HashMap<String, usize> = topology
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let mut declared: Vec<Vec<(usize, DependencyKind)>> = vec![Vec::new(); index.len()];
        for link in &topology.links {
            if let (Some(&c), Some(&p)) = (index.get(&link.consumer), index.get(&link.provider)) {
                declared[c].push((p, link.kind));
            }
        }
        let (order, providers) = providers_first(&declared);
        let nodes = topology
            .services
            .into_iter()
            .zip(providers)
            .map(|(facts, providers)| {
                let spread = unit(hash(&[facts.id.as_bytes()]));
                let (rate, p50) = match facts.tier {
                    Tier::Critical => (300.0, 15.0),
                    Tier::Standard => (100.0, 30.0),
                    Tier::Low => (20.0, 50.0),
                };
                let regions: Vec<Option<String>> = if facts.regions.is_empty() {
                    vec![None]
                } else {
                    facts.regions.into_iter().map(Some).collect()
                };
                Node {
                    rate: rate * (0.5 + spread) / regions.len() as f64,
                    p50_ms: p50 * (0.6 + 0.8 * spread),
                    error_rate: 0.0005 + 0.0015 * spread,
                    id: facts.id,
                    version: facts.version,
                    regions,
                    providers,
                }
            })
            .collect();
        Simulator {
            nodes,
            index,
            order,
        }
    }

    /// One sample per service, version and region for the `period` ending at `at`. Services
    /// absent from `traffic` run their catalog version only.
    pub fn samples(
        &self,
        traffic: &[Traffic],
        faults: &[Fault],
        at: Millis,
        period: Millis,
    ) -> Vec<Sample> {
        if period <= 0 {
            return Vec::new();
        }
        let mut exposed: Vec<Option<&Traffic>> = vec![None; self.nodes.len()];
        for t in traffic {
            if let Some(&i) = self.index.get(&t.service) {
                exposed[i] = Some(t);
            }
        }
        let mut faulted: Vec<Vec<&Fault>> = vec![Vec::new(); self.nodes.len()];
        for fault in faults.iter().filter(|f| f.from <= at && at < f.until) {
            if let Some(&i) = self.index.get(&fault.service) {
                faulted[i].push(fault);
            }
        }
        let seconds = period as f64 / 1000.0;
        let mut seen: Vec<Vec<Health>> = vec![Vec::new(); self.nodes.len()];
        let mut out = Vec::with_capacity(self.nodes.len() * 2);
        for &i in &self.order {
            let node = &self.nodes[i];
            let mut health = Vec::with_capacity(node.regions.len());
            for region in &node.regions {
                let (dependency_ms, dependency_errors) = self.dependencies(node, region, &seen);
                let new_percent = exposed[i].map_or(0, |t| percent_in(t, region));
                let versions = [
                    (node.version.as_str(), 100 - new_percent),
                    (
                        exposed[i].map_or("", |t| t.new_version.as_str()),
                        new_percent,
                    ),
                ];
                let mut mix = Health::default();
                for (version, percent) in versions {
                    if percent == 0 {
                        continue;
                    }
                    let (fault_ms, fault_errors) = fault_effect(&faulted[i], version);
                    let added_ms = (dependency_ms + fault_ms).min(MAX_LATENCY_MS);
                    let error_rate = 1.0
                        - (1.0 - node.error_rate)
                            * (1.0 - fault_errors)
                            * (1.0 - dependency_errors);
                    let key = [
                        node.id.as_bytes(),
                        version.as_bytes(),
                        region.as_deref().unwrap_or_default().as_bytes(),
                        &at.to_le_bytes(),
                    ];
                    let noise = hash(&key);
                    let base = node.p50_ms * (0.95 + 0.1 * unit(noise));
                    let p50 = (base + added_ms).min(MAX_LATENCY_MS);
                    let p90 = (base * P90_FACTOR + added_ms).min(MAX_LATENCY_MS);
                    let p99 = (base * P99_FACTOR + added_ms).min(MAX_LATENCY_MS);
                    let share = f64::from(percent) / 100.0;
                    mix.added_ms += share * added_ms;
                    mix.error_rate += share * error_rate;
                    mix.timed_out += share * slower_than(TIMEOUT_MS, p50, p90, p99);
                    let expected = node.rate * seconds * share * (0.9 + 0.2 * unit(noise >> 21));
                    let requests = expected.round() as u64;
                    // Unbiased rounding by a hashed threshold keeps low error rates visible.
                    let errors = ((requests as f64 * error_rate + unit(noise >> 42)).floor()
                        as u64)
                        .min(requests);
                    out.push(Sample {
                        service: node.id.clone(),
                        version: version.to_string(),
                        region: region.clone(),
                        at,
                        requests,
                        errors,
                        latency: Latency::Percentiles { p50, p90, p99 },
                    });
                }
                health.push(mix);
            }
            seen[i] = health;
        }
        out
    }

    /// The latency and error rate a service's providers add to it in `region`.
    fn dependencies(
        &self,
        node: &Node,
        region: &Option<String>,
        seen: &[Vec<Health>],
    ) -> (f64, f64) {
        let (mut hard_ms, mut soft_ms, mut passing) = (0.0f64, 0.0f64, 1.0);
        for &(p, kind) in &node.providers {
            let provider = self.health_in(p, region, &seen[p]);
            match kind {
                DependencyKind::Hard => {
                    hard_ms = hard_ms.max(provider.added_ms.min(TIMEOUT_MS));
                    let failing = (provider.error_rate + provider.timed_out).min(1.0);
                    passing *= 1.0 - HARD_DAMPING * failing;
                }
                DependencyKind::Soft => {
                    soft_ms = soft_ms.max(provider.added_ms.min(SOFT_LATENCY_MS))
                }
            }
        }
        (hard_ms + soft_ms, 1.0 - passing)
    }

    /// Provider `p` as seen from `region`: there, or averaged over its regions.
    fn health_in(&self, p: usize, region: &Option<String>, health: &[Health]) -> Health {
        let regions = &self.nodes[p].regions;
        if let Some(k) = regions.iter().position(|r| r == region) {
            return health.get(k).copied().unwrap_or_default();
        }
        let n = health.len().max(1) as f64;
        health.iter().fold(Health::default(), |sum, h| Health {
            added_ms: sum.added_ms + h.added_ms / n,
            error_rate: sum.error_rate + h.error_rate / n,
            timed_out: sum.timed_out + h.timed_out / n,
        })
    }
}

/// The percent of the new version in `region` (0 where the run does not list it).
fn percent_in(traffic: &Traffic, region: &Option<String>) -> u8 {
    traffic
        .regions
        .iter()
        .find(|(r, _)| r == region)
        .map_or(0, |(_, percent)| (*percent).min(100))
}

/// The latency and error rate the active faults add to `version`; absurd values (NaN, negative,
/// past the limits) are clamped so no sample is ever NaN or infinite.
fn fault_effect(faults: &[&Fault], version: &str) -> (f64, f64) {
    let (mut added_ms, mut passing) = (0.0f64, 1.0f64);
    for fault in faults {
        if fault.version.as_deref().is_some_and(|v| v != version) {
            continue;
        }
        added_ms += sane(fault.added_latency_ms, MAX_LATENCY_MS);
        passing *= 1.0 - sane(fault.error_rate, 1.0);
    }
    (added_ms.min(MAX_LATENCY_MS), 1.0 - passing)
}

fn sane(value: f64, max: f64) -> f64 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, max)
    }
}

/// The share of requests slower than `limit`, read off three percentiles (linear between them,
/// none past twice the p99).
fn slower_than(limit: f64, p50: f64, p90: f64, p99: f64) -> f64 {
    let between = |low: f64, high: f64, from: f64, to: f64| {
        if high > low {
            from + (to - from) * (limit - low) / (high - low)
        } else {
            to
        }
    };
    if limit <= p50 {
        between(0.0, p50, 1.0, 0.5)
    } else if limit <= p90 {
        between(p50, p90, 0.5, 0.1)
    } else if limit <= p99 {
        between(p90, p99, 0.1, 0.01)
    } else {
        between(p99, 2.0 * p99, 0.01, 0.0).max(0.0)
    }
}

/// The evaluation order (providers first) and, per service, the providers it may read: a
/// depth-first walk in catalog order; a provider still on the walk's path (a cycle's back
/// edge) is left out.
fn providers_first(
    declared: &[Vec<(usize, DependencyKind)>],
) -> (Vec<usize>, Vec<Vec<(usize, DependencyKind)>>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark = vec![Mark::New; declared.len()];
    let mut usable = vec![Vec::new(); declared.len()];
    let mut order = Vec::with_capacity(declared.len());
    for root in 0..declared.len() {
        if mark[root] != Mark::New {
            continue;
        }
        mark[root] = Mark::OnPath;
        let mut path = vec![(root, 0usize)];
        while let Some((v, next)) = path.last_mut() {
            let v = *v;
            if let Some(&(p, _)) = declared[v].get(*next) {
                *next += 1;
                if mark[p] == Mark::New {
                    mark[p] = Mark::OnPath;
                    path.push((p, 0));
                }
            } else {
                usable[v] = declared[v]
                    .iter()
                    .filter(|(p, _)| mark[*p] == Mark::Done)
                    .copied()
                    .collect();
                mark[v] = Mark::Done;
                order.push(v);
                path.pop();
            }
        }
    }
    (order, usable)
}

/// FNV-1a over the parts (each ended by a separator), then a final mix.
fn hash(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.iter().chain(&[0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    // splitmix64's finaliser spreads FNV's weak low bits.
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// A hash's low 21 bits as a number in `[0, 1)`.
fn unit(h: u64) -> f64 {
    (h & 0x1f_ffff) as f64 / f64::from(1u32 << 21)
}
