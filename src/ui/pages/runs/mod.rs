//! Runs of approved plans: the list, and a run's page with its live stage health, exposure,
//! gates, timeline, controls and a fault drill.

pub mod list;
pub mod view;
