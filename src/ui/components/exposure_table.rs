//! A run's exposure: per stage, per service and region, the share of traffic on the new version
//! as a bar.

use breakwater_domain::run::{Placement, RunPlan, RunState};
use leptos::prelude::*;

/// One bar: a service in a region of a stage, at `percent` of its new version.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureRow {
    /// 0-based.
    pub stage: usize,
    pub placement: Placement,
    pub from_version: String,
    pub to_version: String,
    pub percent: u8,
}

/// Every placement the run's plan steps through, in stage, service and canary-region order, with
/// its exposure now (placements the run has not reached are at 0%).
pub fn exposure_rows(run: &RunPlan, state: &RunState) -> Vec<ExposureRow> {
    let mut rows = Vec::new();
    for (stage, plan_stage) in run.plan.stages.iter().enumerate() {
        for service in &plan_stage.services {
            let mut regions: Vec<&Option<String>> = Vec::new();
            for step in plan_stage.steps.iter().filter(|s| &s.service == service) {
                if !regions.contains(&&step.region) {
                    regions.push(&step.region);
                }
            }
            let versions = run.service(service);
            for region in regions {
                let placement = Placement {
                    service: service.clone(),
                    region: region.clone(),
                };
                rows.push(ExposureRow {
                    stage,
                    percent: state.exposure.get(&placement).copied().unwrap_or(0),
                    placement,
                    from_version: versions.map(|v| v.from_version.clone()).unwrap_or_default(),
                    to_version: versions.map(|v| v.to_version.clone()).unwrap_or_default(),
                });
            }
        }
    }
    rows
}

#[component]
pub fn ExposureTable(rows: Vec<ExposureRow>, current_stage: Option<usize>) -> impl IntoView {
    view! {
        <table class="services exposure">
            <thead>
                <tr><th>"Stage"</th><th>"Service"</th><th>"Region"</th><th>"Versions"</th><th class="bar-head">"Traffic on the new version"</th></tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|row| {
                    let region = row.placement.region.clone().unwrap_or_else(|| "all".to_string());
                    let service = row.placement.service;
                    let label = format!("{service} in {region}: {}% on {}", row.percent, row.to_version);
                    view! {
                        <tr
                            class:current=current_stage == Some(row.stage)
                            data-service=service.clone()
                            data-region=region.clone()
                            data-percent=row.percent
                        >
                            <td class="num">{row.stage + 1}</td>
                            <td><strong>{service.clone()}</strong></td>
                            <td>{region.clone()}</td>
                            <td>{format!("{} → {}", row.from_version, row.to_version)}</td>
                            <td>
                                <div class="exposure-bar" role="meter" aria-label=label
                                    aria-valuemin="0" aria-valuemax="100" aria-valuenow=row.percent>
                                    <span style=format!("width: {}%", row.percent)></span>
                                    <em>{format!("{}%", row.percent)}</em>
                                </div>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breakwater_domain::plan::{FailureAction, Plan, Stage, Step, TierCounts};
    use breakwater_domain::run::RunService;

    fn step(service: &str, region: &str, percent: u8) -> Step {
        Step {
            service: service.to_string(),
            region: Some(region.to_string()),
            percent,
            bake_secs: 60,
            gates: Vec::new(),
        }
    }

    /// payment in two regions (canary eu-west-1 first), 50% then 100% in each.
    fn payment_run() -> RunPlan {
        let steps = vec![
            step("payment", "eu-west-1", 50),
            step("payment", "eu-west-1", 100),
            step("payment", "us-east-1", 50),
            step("payment", "us-east-1", 100),
        ];
        RunPlan {
            plan_name: "drill".to_string(),
            plan_revision: 1,
            plan: Plan {
                name: "drill".to_string(),
                stages: vec![Stage {
                    index: 1,
                    services: vec!["payment".to_string()],
                    steps,
                    gates: Vec::new(),
                    on_failure: FailureAction::RollbackStage,
                    rollback_order: vec!["payment".to_string()],
                    blast_radius: vec!["checkout".to_string()],
                    blast_by_tier: TierCounts::default(),
                    estimated_secs: 240,
                    coordinated: false,
                    explanations: Vec::new(),
                }],
                problems: Vec::new(),
                rollback: vec![1],
                estimated_secs: 240,
            },
            services: vec![RunService {
                service: "payment".to_string(),
                from_version: "1.0.0".to_string(),
                to_version: "2.0.0".to_string(),
                webhook: None,
            }],
        }
    }

    #[test]
    fn every_placement_has_a_bar_in_canary_order_at_its_exposure() {
        let run = payment_run();
        let mut state = RunState::new();
        state.exposure.insert(
            Placement {
                service: "payment".to_string(),
                region: Some("eu-west-1".to_string()),
            },
            100,
        );
        let rows = exposure_rows(&run, &state);
        let bars: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.placement.region.as_deref(),
                    r.percent,
                    r.to_version.as_str(),
                )
            })
            .collect();
        assert_eq!(
            bars,
            [
                (Some("eu-west-1"), 100, "2.0.0"),
                (Some("us-east-1"), 0, "2.0.0")
            ]
        );
        assert!(rows
            .iter()
            .all(|r| r.stage == 0 && r.from_version == "1.0.0"));
    }
}
