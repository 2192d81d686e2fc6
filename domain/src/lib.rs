//! Breakwater's pure domain core.
//!
//! # Layout
//! - [`access`]: roles, what a route needs of them, and the rules for names and passwords.
//! - [`calendar`]: the cadence calendar: windows, freezes, capacity, and plans' schedules.
//! - [`catalog`]: Service, Contract, Dependency; parsing the YAML catalog and validating it.
//! - [`graph`]: the dependency graph over petgraph: closures (blast radius), layering, cycles.
//! - [`layout`]: the layered drawing of the graph, shared by the server (SVG) and the browser.
//! - [`compatibility`]: the contract matrix and "can I deploy" over the whole catalog.
//! - [`contract`]: contract-compatibility checks (JSON Schema and OpenAPI) and "can I deploy".
//! - [`plan`]: rollout plans: the plan file, the planner, plan diffs and the readiness checklist.
//! - [`run`]: running a plan: the run's state machine, its events and the executor's decisions.
//! - [`health`]: metric samples and buckets, and the verdict of a step's gates.
//! - [`status`]: what a stakeholder sees of a rollout on a shared status page.
//! - [`simulator`]: the built-in traffic simulator with fault injection and cascades.
//! - [`yaml`]: the nesting and alias guards every YAML text passes before it is parsed.
//!
//! Invariant: nothing here does I/O, reads the clock or depends on a web framework or database.

pub mod access;
pub mod calendar;
pub mod catalog;
pub mod compatibility;
pub mod contract;
pub mod graph;
pub mod health;
pub mod layout;
pub mod plan;
pub mod run;
pub mod simulator;
pub mod status;
pub mod yaml;
