//! Shared by the run tests: hand-built run plans and a driver that turns commands, ticks and
//! webhook answers into logged events, the way the server does.
#![allow(dead_code)] // each test binary uses a different subset of the helpers

use breakwater_domain::health::{StepVerdict, Verdict};
use breakwater_domain::plan::policy::Webhook;
use breakwater_domain::plan::{FailureAction, Plan, Stage, Step, TierCounts};
use breakwater_domain::run::{
    decide, evolve, tick, Actor, Command, EventKind, Millis, RunEvent, RunPlan, RunService,
    RunState,
};

/// One changed service of a hand-built stage: its steps go region by region, each through
/// `percents`.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub name: String,
    pub regions: Vec<String>,
    pub percents: Vec<u8>,
    pub bake_secs: u64,
    pub webhook: bool,
}

pub fn service(name: &str, regions: &[&str], percents: &[u8], bake_secs: u64) -> ServiceSpec {
    ServiceSpec {
        name: name.to_string(),
        regions: regions.iter().map(|r| r.to_string()).collect(),
        percents: percents.to_vec(),
        bake_secs,
        webhook: false,
    }
}

impl ServiceSpec {
    pub fn with_webhook(mut self) -> ServiceSpec {
        self.webhook = true;
        self
    }
}

/// A run of a plan with these stages, in order, each with its failure action.
pub fn run_plan(stages: Vec<(Vec<ServiceSpec>, FailureAction)>) -> RunPlan {
    let mut services = Vec::new();
    let plan_stages = stages
        .into_iter()
        .enumerate()
        .map(|(i, (specs, on_failure))| {
            let mut steps = Vec::new();
            for spec in &specs {
                let regions: Vec<Option<String>> = if spec.regions.is_empty() {
                    vec![None]
                } else {
                    spec.regions.iter().cloned().map(Some).collect()
                };
                for region in regions {
                    for &percent in &spec.percents {
                        steps.push(Step {
                            service: spec.name.clone(),
                            region: region.clone(),
                            percent,
                            bake_secs: spec.bake_secs,
                            gates: Vec::new(),
                        });
                    }
                }
                services.push(RunService {
                    service: spec.name.clone(),
                    from_version: "1.0.0".to_string(),
                    to_version: "2.0.0".to_string(),
                    webhook: spec.webhook.then(|| Webhook {
                        url: format!("http://127.0.0.1:9/{}", spec.name),
                        secret_env: "BREAKWATER_TEST_SECRET".to_string(),
                    }),
                });
            }
            let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
            Stage {
                index: i + 1,
                rollback_order: names.iter().rev().cloned().collect(),
                services: names,
                steps,
                gates: Vec::new(),
                on_failure,
                blast_radius: Vec::new(),
                blast_by_tier: TierCounts::default(),
                estimated_secs: 0,
                coordinated: false,
                explanations: Vec::new(),
            }
        })
        .collect::<Vec<_>>();
    RunPlan {
        plan_name: "spring-release".to_string(),
        plan_revision: 1,
        plan: Plan {
            name: "spring-release".to_string(),
            rollback: plan_stages.iter().rev().map(|s| s.index).collect(),
            stages: plan_stages,
            problems: Vec::new(),
            estimated_secs: 0,
        },
        services,
    }
}

/// What happens to a run next.
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    /// A person's command.
    Do(Command),
    /// The executor's tick with this verdict of the current step's gates.
    Tick(StepVerdict),
    /// Every webhook acknowledged the pending actuation.
    Ack,
    /// A webhook gave up: the executor pauses the run.
    WebhookFails,
}

/// What an act did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Applied(Vec<EventKind>),
    Refused(String),
    /// A tick with nothing to do.
    Held,
}

/// A run and its log, driven like the server drives it: every event gets the next sequence
/// number and is applied as it is appended.
pub struct Driver {
    pub run: RunPlan,
    pub state: RunState,
    pub log: Vec<RunEvent>,
}

impl Driver {
    pub fn new(run: RunPlan) -> Driver {
        Driver {
            run,
            state: RunState::new(),
            log: Vec::new(),
        }
    }

    pub fn act(&mut self, at: Millis, act: &Act) -> Outcome {
        let (actor, kinds, reason) = match act {
            &Act::Do(command) => match decide(&self.run, &self.state, command) {
                Ok(kinds) => (
                    Actor::Person("ana".to_string()),
                    kinds,
                    format!("ana asked to {}", command.as_str()),
                ),
                Err(refusal) => return Outcome::Refused(refusal.0),
            },
            Act::Tick(verdict) => match tick(&self.run, &self.state, verdict, at) {
                Some((kinds, reason)) => (Actor::Executor, kinds, reason),
                None => return Outcome::Held,
            },
            Act::Ack => (
                Actor::Executor,
                vec![EventKind::Acknowledged],
                "every webhook acknowledged".to_string(),
            ),
            Act::WebhookFails => (
                Actor::Executor,
                vec![EventKind::Paused { failed: Vec::new() }],
                "the payment webhook answered 503 five times".to_string(),
            ),
        };
        self.append(at, actor, &kinds, &reason);
        Outcome::Applied(kinds)
    }

    pub fn append(&mut self, at: Millis, actor: Actor, kinds: &[EventKind], reason: &str) {
        for kind in kinds {
            let event = RunEvent {
                seq: self.state.revision + 1,
                at,
                actor: actor.clone(),
                kind: kind.clone(),
                reason: reason.to_string(),
            };
            evolve(&self.run, &mut self.state, &event);
            self.log.push(event);
        }
    }
}

/// A verdict without evaluations.
pub fn bare(verdict: Verdict) -> StepVerdict {
    StepVerdict {
        verdict,
        evaluations: Vec::new(),
    }
}
