//! `/plans/new` and `/plans/:name/edit`: the plan editor. Services are picked from the catalog;
//! the stages recompute on every edit with the domain planner running in the browser, and the
//! server is asked for fresh contract effects only when a contract document changes (the
//! contract engine stays on the server). Each problem is shown beside the field its path names.

use super::plan_name;
use crate::api::catalog::get_catalog;
use crate::api::plans::{check_plan, get_plan, save_plan};
use crate::ui::components::plan_stages::{
    failure_label, problem_counts, signal_label, stage_problems, PlanProblemList, StageCard,
};
use crate::ui::pages::LoadError;
use crate::wire::catalog::{CatalogView, ServiceCard};
use crate::wire::plans::{CheckedPlan, PlanSaveOutcome};
use breakwater_domain::plan::policy::format_duration;
use breakwater_domain::plan::{
    plan, Change, ContractChange, Effects, FailureAction, Gate, Migration, Phase, Plan,
    PlanLocation, PlanProblem, PlanSpec, Policy, Signal as Health,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use std::collections::BTreeMap;
use wasm_bindgen_futures::JsFuture;

const SIGNALS: [Health; 4] = [
    Health::ErrorRate,
    Health::LatencyP99,
    Health::BurnRate,
    Health::DataCheck,
];
const FAILURE_ACTIONS: [FailureAction; 3] = [
    FailureAction::Pause,
    FailureAction::RollbackStage,
    FailureAction::RollbackPlan,
];
const PHASES: [Phase; 2] = [Phase::Expand, Phase::Contract];
/// Most search results listed at once.
const MAX_RESULTS: usize = 8;
/// The planner's code for a manual order that puts a service before one it must follow.
const ORDER_CONTRADICTED: &str = "ORDER_CONTRADICTED";

#[component]
pub fn NewPlanPage() -> impl IntoView {
    let catalog = Resource::new(|| (), |_| get_catalog());
    view! {
        <Title text="New plan"/>
        <section class="page editor-page">
            <h1>"New plan"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading the catalog…"</p> }>
                {move || Suspend::new(async move {
                    match catalog.await {
                        Ok(catalog) => {
                            let initial = PlanSpec {
                                name: String::new(),
                                title: None,
                                changes: Vec::new(),
                                policy: Policy::default(),
                                stage_policies: Vec::new(),
                                pinned: None,
                            };
                            view! { <PlanEditor catalog initial based_on=None effects=Effects::new()/> }.into_any()
                        }
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn EditPlanPage() -> impl IntoView {
    let name = plan_name();
    let detail = Resource::new(move || name.get(), |name| get_plan(name, None));
    let catalog = Resource::new(|| (), |_| get_catalog());
    view! {
        <Title text=move || format!("Edit {}", name.get())/>
        <section class="page editor-page">
            <h1>{move || format!("Edit plan {}", name.get())}</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading the plan…"</p> }>
                {move || Suspend::new(async move {
                    match (detail.await, catalog.await) {
                        (Ok(detail), Ok(catalog)) => view! {
                            <p class="muted">{format!("Editing revision {}: saving makes revision {}.", detail.revision, detail.revision + 1)}</p>
                            <PlanEditor catalog initial=detail.spec based_on=Some(detail.revision) effects=detail.effects/>
                        }.into_any(),
                        (Err(error), _) => view! { <LoadError error what="the plan"/> }.into_any(),
                        (_, Err(error)) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Problems sorted to where the editor shows them: beside a field (by anchor path) or in the
/// list of the others.
#[derive(Clone, Default, PartialEq)]
struct Placed {
    at: BTreeMap<String, Vec<PlanProblem>>,
    others: Vec<PlanProblem>,
}

impl Placed {
    fn new(problems: &[PlanProblem], anchors: &[String]) -> Placed {
        let mut placed = Placed::default();
        for p in problems {
            let anchor = match &p.location {
                PlanLocation::Field { path } => anchor_of(path, anchors),
                PlanLocation::Stage { index } => {
                    let pinned = format!("stages[{}]", index.saturating_sub(1));
                    anchors.iter().find(|a| **a == pinned).map(String::as_str)
                }
                _ => None,
            };
            match anchor {
                Some(anchor) => placed
                    .at
                    .entry(anchor.to_string())
                    .or_default()
                    .push(p.clone()),
                None => placed.others.push(p.clone()),
            }
        }
        placed
    }
}

/// The most specific anchor `path` is at or under (`changes[0].contracts[1].spec` is under
/// `changes[0].contracts[1]`), if any.
fn anchor_of<'a>(path: &str, anchors: &'a [String]) -> Option<&'a str> {
    anchors
        .iter()
        .filter(|a| {
            path.strip_prefix(a.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
        .max_by_key(|a| a.len())
        .map(String::as_str)
}

/// The field paths the editor shows problems beside, for this spec and number of stages.
fn anchors(spec: &PlanSpec, stages: usize) -> Vec<String> {
    let mut anchors: Vec<String> = [
        "plan",
        "title",
        "changes",
        "policy",
        "policy.steps",
        "policy.bake",
        "policy.gates",
        "policy.max_services_per_stage",
        "policy.regions",
        "policy.on_failure",
    ]
    .map(String::from)
    .to_vec();
    for (i, change) in spec.changes.iter().enumerate() {
        let at = format!("changes[{i}]");
        for field in ["to_version", "flags", "runbook", "notes"] {
            anchors.push(format!("{at}.{field}"));
        }
        anchors.extend((0..change.contracts.len()).map(|j| format!("{at}.contracts[{j}]")));
        anchors.extend((0..change.migrations.len()).map(|j| format!("{at}.migrations[{j}]")));
        anchors.push(at);
    }
    anchors.extend((0..spec.policy.gates.len()).map(|k| format!("policy.gates[{k}]")));
    anchors.extend((0..stages).map(|k| format!("stages[{k}]")));
    anchors
}

/// The stages after moving `service` one stage earlier (`by` < 0) or later; a move past either
/// end opens a new stage there. `None` when the move changes nothing.
fn moved(stages: &[Vec<String>], service: &str, by: isize) -> Option<Vec<Vec<String>>> {
    let from = stages
        .iter()
        .position(|s| s.iter().any(|id| id == service))?;
    let alone = stages[from].len() == 1;
    let mut order = stages.to_vec();
    order[from].retain(|id| id != service);
    let to = from as isize + by.signum();
    if to < 0 || to as usize >= stages.len() {
        if alone {
            return None;
        }
        let at = if to < 0 { 0 } else { order.len() };
        order.insert(at, vec![service.to_string()]);
    } else {
        order[to as usize].push(service.to_string());
    }
    order.retain(|s| !s.is_empty());
    Some(order)
}

/// The planner's ORDER_CONTRADICTED messages.
fn contradictions(plan: &Plan) -> Vec<String> {
    plan.problems
        .iter()
        .filter(|p| p.code == ORDER_CONTRADICTED)
        .map(|p| p.message.clone())
        .collect()
}

/// "1, 5, 25, 50, 100" → percentages. The planner judges the values; this only reads them.
fn parse_steps(text: &str) -> Result<Vec<u8>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches('%')
                .parse::<u8>()
                .map_err(|_| format!("“{s}” is not a percentage"))
        })
        .collect()
}

/// "10m", "90s", "2h", "1d" (a bare number is minutes) → seconds.
fn parse_bake(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "m"),
    };
    let scale = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    number
        .parse::<u64>()
        .ok()
        .filter(|_| scale > 0)
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("“{text}” is not a duration: write e.g. 10m, 90s or 2h"))
}

/// Seconds as the bake field shows them: the largest whole unit.
fn bake_text(secs: u64) -> String {
    match secs {
        0 => "0m".to_string(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// "a, b,, c" → ["a", "b", "c"].
fn parse_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn optional(text: String) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Everything the editor's parts share (all cheap handles).
#[derive(Clone, Copy)]
struct Editor {
    spec: RwSignal<PlanSpec>,
    placed: Memo<Placed>,
    /// Values that could not be read (a bake of "ten"), by field path: the spec keeps its last
    /// readable value meanwhile, and saving waits until they are fixed.
    unreadable: RwSignal<BTreeMap<String, String>>,
    catalog: StoredValue<Vec<ServiceCard>>,
}

impl Editor {
    /// `changes[i]` for `service`'s change (tracked: it moves when an earlier change is removed).
    fn change_path(&self, service: &str) -> String {
        let i = self
            .spec
            .with(|s| s.changes.iter().position(|c| c.service == service));
        i.map_or_else(String::new, |i| format!("changes[{i}]"))
    }

    fn change<T>(&self, service: &str, read: impl FnOnce(&Change) -> T) -> Option<T> {
        self.spec
            .with_untracked(|s| s.changes.iter().find(|c| c.service == service).map(read))
    }

    fn edit(&self, service: &str, f: impl FnOnce(&mut Change)) {
        self.spec.update(|s| {
            if let Some(change) = s.changes.iter_mut().find(|c| c.service == service) {
                f(change)
            }
        });
    }

    fn card(&self, service: &str) -> Option<ServiceCard> {
        self.catalog
            .with_value(|all| all.iter().find(|s| s.id == service).cloned())
    }

    /// Records whether the value at `path` could be read.
    fn readable<T>(&self, path: &str, result: &Result<T, String>) {
        self.unreadable.update(|u| match result {
            Ok(_) => {
                u.remove(path);
            }
            Err(message) => {
                u.insert(path.to_string(), message.clone());
            }
        });
    }
}

/// The problems at the anchor `at`, beside its field.
#[component]
fn FieldProblems(editor: Editor, at: Signal<String>) -> impl IntoView {
    move || {
        let problems = editor
            .placed
            .with(|p| p.at.get(&at.get()).cloned())
            .unwrap_or_default();
        (!problems.is_empty())
            .then(|| view! { <div class="field-problems"><PlanProblemList problems/></div> })
    }
}

#[component]
fn PlanEditor(
    catalog: CatalogView,
    initial: PlanSpec,
    based_on: Option<i64>,
    effects: Effects,
) -> impl IntoView {
    let topology = StoredValue::new(catalog.topology());
    let spec = RwSignal::new(initial);
    let effects = RwSignal::new(effects);
    // Problems only the server can find (a spec that cannot be read, a consumer a new contract
    // version breaks), from the last contract check.
    let server_problems = RwSignal::new(Vec::<PlanProblem>::new());
    let unreadable = RwSignal::new(BTreeMap::<String, String>::new());
    // How long the last recompute took (the `plan` call alone), written by the memo and shown
    // from an effect: effects run only once hydrated, and the server's render timed nothing.
    let last_recompute = StoredValue::new(None::<f64>);
    let recompute_ms = RwSignal::new(None::<f64>);
    let planned = Memo::new(move |_| {
        spec.with(|s| {
            effects.with(|e| {
                topology.with_value(|t| {
                    let started = now_ms();
                    let planned = plan(t, s, e);
                    last_recompute.set_value(started.zip(now_ms()).map(|(from, to)| to - from));
                    planned
                })
            })
        })
    });
    Effect::new(move |_| {
        // An edit can leave the plan as it was (a note): it is still a recompute.
        spec.track();
        effects.track();
        recompute_ms.set(planned.with(|_| last_recompute.get_value()));
    });
    let problems = Memo::new(move |_| {
        let mut all = planned.with(|p| p.problems.clone());
        for p in server_problems.get() {
            if !all.contains(&p) {
                all.push(p);
            }
        }
        unreadable.with(|u| {
            all.extend(u.iter().map(|(path, message)| {
                PlanProblem::error(PlanLocation::field(path), "UNREADABLE_VALUE", message)
            }))
        });
        all
    });
    let placed = Memo::new(move |_| {
        let stages = planned.with(|p| p.stages.len());
        problems.with(|all| spec.with(|s| Placed::new(all, &anchors(s, stages))))
    });
    let editor = Editor {
        spec,
        placed,
        unreadable,
        catalog: StoredValue::new(catalog.services),
    };

    // Contract documents changed: ask the server for their effects, then re-plan with them.
    let documents = Memo::new(move |_| {
        spec.with(|s| {
            s.changes
                .iter()
                .flat_map(|c| {
                    c.contracts
                        .iter()
                        .filter(|k| !k.document.trim().is_empty())
                        .map(|k| {
                            (
                                c.service.clone(),
                                k.contract.clone(),
                                k.version.clone(),
                                k.document.clone(),
                            )
                        })
                })
                .collect::<Vec<_>>()
        })
    });
    let check = Action::new_local(move |spec: &PlanSpec| {
        let (spec, asked) = (spec.clone(), documents.get_untracked());
        async move {
            let result = check_plan(spec.clone()).await;
            (asked, spec, result)
        }
    });
    Effect::new(move |first: Option<()>| {
        let documents = documents.get();
        // The effects the page arrived with belong to the documents it arrived with.
        if first.is_none() {
            return;
        }
        if documents.is_empty() {
            effects.set(Effects::new());
            server_problems.set(Vec::new());
        } else {
            check.dispatch_local(spec.get_untracked());
        }
    });
    Effect::new(move |_| {
        let Some((asked, sent, result)) = check.value().get() else {
            return;
        };
        // An answer for documents that changed since is stale; a newer check is on its way.
        if asked != documents.get_untracked() {
            return;
        }
        match result {
            Ok(CheckedPlan {
                effects: fresh,
                problems,
                ..
            }) => {
                // The server's problems less those the browser finds itself from the same
                // spec and effects: what is left needs the documents (an unreadable spec...).
                let here = topology.with_value(|t| plan(t, &sent, &fresh)).problems;
                server_problems.set(problems.into_iter().filter(|p| !here.contains(p)).collect());
                effects.set(fresh);
            }
            Err(error) => server_problems.set(vec![PlanProblem::error(
                PlanLocation::Plan,
                "CHECK_FAILED",
                format!("The contract documents could not be checked: {error}"),
            )]),
        }
    });

    // A manual move is kept only if the planner finds no new contradiction in the order.
    // Why the last move was refused: the move, and the planner's reasons.
    let refusal = RwSignal::new(None::<(String, Vec<String>)>);
    let move_service = Callback::new(move |(service, by): (String, isize)| {
        let stages: Vec<Vec<String>> =
            planned.with_untracked(|p| p.stages.iter().map(|s| s.services.clone()).collect());
        let Some(order) = moved(&stages, &service, by) else {
            return;
        };
        let mut candidate = spec.get_untracked();
        candidate.pinned = Some(order);
        let result = effects.with_untracked(|e| topology.with_value(|t| plan(t, &candidate, e)));
        let before = planned.with_untracked(contradictions);
        let new: Vec<String> = contradictions(&result)
            .into_iter()
            .filter(|m| !before.contains(m))
            .collect();
        if new.is_empty() {
            spec.set(candidate);
            refusal.set(None);
        } else {
            let direction = if by < 0 { "up" } else { "down" };
            refusal.set(Some((
                format!("{service} cannot move {direction} a stage:"),
                new,
            )));
        }
        // The stages are drawn anew: keep the keyboard on the service that moved.
        request_animation_frame(move || focus_move_button(&service, by));
    });

    let save = Action::new_local(|(spec, based_on): &(PlanSpec, Option<i64>)| {
        save_plan(spec.clone(), *based_on)
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(PlanSaveOutcome {
            saved: Some(summary),
            ..
        })) = save.value().get()
        {
            navigate(
                &format!("/plans/{}", summary.name),
                NavigateOptions::default(),
            );
        }
    });
    let unreadable_before_save = RwSignal::new(false);
    let on_save = move |_| {
        let blocked = !unreadable.with_untracked(BTreeMap::is_empty);
        unreadable_before_save.set(blocked);
        if !blocked {
            save.dispatch_local((spec.get_untracked(), based_on));
        }
    };
    let save_result = move || {
        if unreadable_before_save.get() && !unreadable.with(BTreeMap::is_empty) {
            return Some(view! {
                <div class="save-result refused" role="alert">
                    <p>"Not saved: some values cannot be read. They are marked beside their fields."</p>
                </div>
            }.into_any());
        }
        match save.value().get()? {
            Ok(PlanSaveOutcome { saved: Some(_), .. }) => None,
            Ok(PlanSaveOutcome { saved: None, problems }) => Some(view! {
                <div class="save-result refused" role="alert">
                    <p>{format!("Not saved: {}. Your edits are kept; nothing was stored.", problem_counts(
                        problems.iter().filter(|p| p.is_error()).count(),
                        problems.iter().filter(|p| !p.is_error()).count(),
                    ))}</p>
                    <PlanProblemList problems/>
                </div>
            }.into_any()),
            Err(error) => Some(view! {
                <div class="save-result refused" role="alert"><p>{format!("Not saved: {error}")}</p></div>
            }.into_any()),
        }
    };

    let stages = move || {
        planned.with(|p| {
            p.stages
                .iter()
                .map(|stage| view! {
                    <StageCard stage=stage.clone() problems=stage_problems(&p.problems, stage.index) on_move=move_service/>
                })
                .collect_view()
        })
    };
    let summary = move || {
        let (count, secs) = planned.with(|p| (p.stages.len(), p.estimated_secs));
        let (errors, warnings) = problems.with(|all| {
            let errors = all.iter().filter(|p| p.is_error()).count();
            (errors, all.len() - errors)
        });
        format!(
            "{count} stages · about {} · {}",
            format_duration(secs),
            problem_counts(errors, warnings)
        )
    };
    let cancel = based_on.map_or("/plans".to_string(), |_| {
        format!("/plans/{}", spec.with_untracked(|s| s.name.clone()))
    });

    view! {
        <div class="editor">
            <div class="editor-form">
                <PlanFields editor editing=based_on.is_some()/>
                <ServicePicker editor/>
                <For
                    each=move || spec.with(|s| s.changes.iter().map(|c| c.service.clone()).collect::<Vec<_>>())
                    key=|id| id.clone()
                    children=move |service| view! { <ChangeEditor editor service/> }
                />
                <PolicyFields editor/>
                <div class="save-bar">
                    <button type="button" class="primary" on:click=on_save disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save plan" }}
                    </button>
                    <a href=cancel>"Cancel"</a>
                    {save_result}
                </div>
            </div>
            <aside class="editor-preview" aria-label="Stages as planned"
                data-recompute-ms=move || recompute_ms.get().map(|ms| format!("{ms:.2}"))>
                <h2>"Stages"</h2>
                <p class="preview-summary">
                    <span aria-live="polite">{summary}</span>
                    {move || recompute_ms.get().map(|ms| view! { <span class="planned-in">{format!("planned in {ms:.1} ms")}</span> })}
                </p>
                {move || spec.with(|s| s.pinned.is_some()).then(|| view! {
                    <p class="manual-order">"Manual order: the planner checks it instead of computing one. "
                        <button type="button" on:click=move |_| {
                            spec.update(|s| s.pinned = None);
                            refusal.set(None);
                        }>"Let the planner order the stages"</button>
                    </p>
                })}
                {move || refusal.get().map(|(what, reasons)| view! {
                    <div class="refusal" role="alert">
                        <p><strong>"Move refused. "</strong>{what}</p>
                        <ul>{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                    </div>
                })}
                <p class="muted hint">"Move a service with its ↑ ↓ buttons, or Alt+↑ / Alt+↓ on them."</p>
                <div class="stages">{stages}</div>
                {move || {
                    let others = placed.with(|p| p.others.clone());
                    (!others.is_empty()).then(|| view! {
                        <h3>"Other problems"</h3>
                        <PlanProblemList problems=others/>
                    })
                }}
            </aside>
        </div>
    }
}

/// The browser's clock in milliseconds (`performance.now()`); `None` on the server.
fn now_ms() -> Option<f64> {
    if cfg!(feature = "hydrate") {
        leptos::web_sys::window()
            .and_then(|w| w.performance())
            .map(|p| p.now())
    } else {
        None
    }
}

/// Keyboard focus to `service`'s move button for direction `by` (browser only).
fn focus_move_button(service: &str, by: isize) {
    use leptos::wasm_bindgen::JsCast;
    let direction = if by < 0 { "up" } else { "down" };
    let button = document()
        .query_selector(&format!(
            ".editor-preview button.move[aria-label=\"Move {service} {direction} a stage\"]"
        ))
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlElement>().ok());
    if let Some(button) = button {
        let _ = button.focus();
    }
}

#[component]
fn PlanFields(editor: Editor, editing: bool) -> impl IntoView {
    let spec = editor.spec;
    let (name, title) =
        spec.with_untracked(|s| (s.name.clone(), s.title.clone().unwrap_or_default()));
    view! {
        <fieldset class="plan-fields">
            <legend>"Plan"</legend>
            <label>"Plan name"
                <input name="plan" value=name readonly=editing required pattern="[a-z0-9][a-z0-9-]*"
                    placeholder="e.g. checkout-v2" aria-describedby="plan-name-hint"
                    on:input=move |ev| spec.update(|s| s.name = event_target_value(&ev).trim().to_string())/>
            </label>
            <span id="plan-name-hint" class="hint">"lowercase letters, digits and dashes; it names the plan for good"</span>
            <FieldProblems editor at=Signal::derive(|| "plan".to_string())/>
            <label>"Title"
                <input name="title" value=title placeholder="what this rollout does, in a few words"
                    on:input=move |ev| spec.update(|s| s.title = optional(event_target_value(&ev)))/>
            </label>
            <FieldProblems editor at=Signal::derive(|| "title".to_string())/>
        </fieldset>
    }
}

/// Search the catalog by id, name or owner and add services to the plan.
#[component]
fn ServicePicker(editor: Editor) -> impl IntoView {
    let spec = editor.spec;
    let query = RwSignal::new(String::new());
    let search = NodeRef::<leptos::html::Input>::new();
    let results = move || {
        let q = query.get().trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        let taken: Vec<String> =
            spec.with(|s| s.changes.iter().map(|c| c.service.clone()).collect());
        editor.catalog.with_value(|all| {
            all.iter()
                .filter(|s| !taken.contains(&s.id))
                .filter(|s| {
                    s.id.contains(&q)
                        || s.name.to_lowercase().contains(&q)
                        || s.owner.to_lowercase().contains(&q)
                })
                .take(MAX_RESULTS)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let add = move |card: ServiceCard| {
        spec.update(|s| {
            // Prefilled with the current version: the person edits it to the target.
            s.changes.push(Change {
                service: card.id.clone(),
                to_version: card.version.clone(),
                contracts: Vec::new(),
                flags: Vec::new(),
                migrations: Vec::new(),
                runbook: None,
                notes: None,
                policy: None,
            });
            if let Some(pinned) = &mut s.pinned {
                pinned.push(vec![card.id.clone()]);
            }
        });
        query.set(String::new());
        if let Some(input) = search.get_untracked() {
            let _ = input.focus();
        }
    };
    view! {
        <fieldset class="service-picker">
            <legend>"Services that change"</legend>
            <label>"Add a service"
                <input type="search" node_ref=search placeholder="search by service, name or owner" autocomplete="off"
                    aria-controls="service-results"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            if let Some(first) = results().into_iter().next() {
                                add(first);
                            }
                        } else if ev.key() == "Escape" {
                            query.set(String::new());
                        }
                    }/>
            </label>
            <ul id="service-results" class="search-results" aria-live="polite">
                {move || results().into_iter().map(|card| {
                    let label = format!("Add {}", card.id);
                    let detail = format!("{} · {} · {} · now {}", card.name, card.owner, card.tier.as_str(), card.version);
                    view! {
                        <li><button type="button" on:click=move |_| add(card.clone())>
                            <strong>{label}</strong>" "<span class="muted">{detail}</span>
                        </button></li>
                    }
                }).collect_view()}
            </ul>
            <FieldProblems editor at=Signal::derive(|| "changes".to_string())/>
        </fieldset>
    }
}

#[component]
fn ChangeEditor(editor: Editor, service: String) -> impl IntoView {
    let Some(initial) = editor.change(&service, Change::clone) else {
        return ().into_any();
    };
    let card = editor.card(&service);
    let id = StoredValue::new(service.clone());
    let path = Memo::new(move |_| editor.change_path(&id.get_value()));
    let at = move |field: &'static str| Signal::derive(move || format!("{}.{field}", path.get()));
    let about = card.as_ref().map_or("not in the catalog".to_string(), |c| {
        format!(
            "{} · {} · {} tier · now {}",
            c.name,
            c.owner,
            c.tier.as_str(),
            c.version
        )
    });
    let provides: Vec<(String, String)> = card
        .map(|c| c.provides.into_iter().map(|k| (k.id, k.version)).collect())
        .unwrap_or_default();
    let provides = StoredValue::new(provides);
    let contract_rows = move || {
        let n = editor.spec.with(|s| {
            s.changes
                .iter()
                .find(|c| c.service == id.get_value())
                .map_or(0, |c| c.contracts.len())
        });
        // Keyed by (row, count): rows are drawn anew when one is added or removed, so their
        // fields show the right values without binding them to every keystroke.
        (0..n).map(|j| (j, n)).collect::<Vec<_>>()
    };
    let migration_rows = move || {
        let n = editor.spec.with(|s| {
            s.changes
                .iter()
                .find(|c| c.service == id.get_value())
                .map_or(0, |c| c.migrations.len())
        });
        (0..n).map(|j| (j, n)).collect::<Vec<_>>()
    };
    let add_contract = move |_| {
        let Some((contract, _)) = provides.with_value(|p| p.first().cloned()) else {
            return;
        };
        editor.edit(&id.get_value(), |c| {
            c.contracts.push(ContractChange {
                contract,
                version: String::new(),
                document: String::new(),
            })
        });
    };
    let add_migration = move |_| {
        editor.edit(&id.get_value(), |c| {
            c.migrations.push(Migration {
                name: String::new(),
                phase: Phase::Expand,
                reversible: true,
            })
        });
    };
    let remove = move |_| {
        let service = id.get_value();
        editor.spec.update(|s| {
            s.changes.retain(|c| c.service != service);
            if let Some(pinned) = &mut s.pinned {
                pinned
                    .iter_mut()
                    .for_each(|stage| stage.retain(|x| *x != service));
                pinned.retain(|stage| !stage.is_empty());
            }
            if s.pinned.as_ref().is_some_and(Vec::is_empty) {
                s.pinned = None;
            }
        });
    };
    let no_contracts = provides.with_value(Vec::is_empty);
    view! {
        <fieldset class="change" data-service=service.clone()>
            <legend><strong>{service.clone()}</strong>" "<span class="muted">{about}</span></legend>
            <FieldProblems editor at=Signal::derive(move || path.get())/>
            <div class="row">
                <label>"Target version"
                    <input name="to_version" value=initial.to_version required
                        on:input=move |ev| editor.edit(&id.get_value(), |c| c.to_version = event_target_value(&ev).trim().to_string())/>
                </label>
                <label>"Feature flags"
                    <input name="flags" value=initial.flags.join(", ") placeholder="comma-separated, e.g. new-checkout"
                        on:input=move |ev| editor.edit(&id.get_value(), |c| c.flags = parse_list(&event_target_value(&ev)))/>
                </label>
            </div>
            <FieldProblems editor at=at("to_version")/>
            <FieldProblems editor at=at("flags")/>
            <h4>"Candidate contract specs"</h4>
            <For each=contract_rows key=|k| *k children=move |(j, _)| view! { <ContractRow editor service=id.get_value() index=j path provides/> }/>
            <button type="button" on:click=add_contract disabled=no_contracts
                title=if no_contracts { "This service provides no contract" } else { "" }>"Attach a candidate spec"</button>
            <h4>"Data migrations"</h4>
            <For each=migration_rows key=|k| *k children=move |(j, _)| view! { <MigrationRow editor service=id.get_value() index=j path/> }/>
            <button type="button" on:click=add_migration>"Add a migration"</button>
            <div class="row">
                <label>"Runbook"
                    <input name="runbook" value=initial.runbook.unwrap_or_default() placeholder="https://…"
                        on:input=move |ev| editor.edit(&id.get_value(), |c| c.runbook = optional(event_target_value(&ev)))/>
                </label>
                <label class="grow">"Notes"
                    <textarea name="notes" rows="2"
                        on:input=move |ev| editor.edit(&id.get_value(), |c| c.notes = optional(event_target_value(&ev)))>
                        {initial.notes.unwrap_or_default()}
                    </textarea>
                </label>
            </div>
            <FieldProblems editor at=at("runbook")/>
            <FieldProblems editor at=at("notes")/>
            <button type="button" class="remove" on:click=remove>{format!("Remove {service} from the plan")}</button>
        </fieldset>
    }
    .into_any()
}

#[component]
fn ContractRow(
    editor: Editor,
    service: String,
    index: usize,
    path: Memo<String>,
    provides: StoredValue<Vec<(String, String)>>,
) -> impl IntoView {
    let Some(initial) = editor
        .change(&service, |c| c.contracts.get(index).cloned())
        .flatten()
    else {
        return ().into_any();
    };
    let id = StoredValue::new(service);
    let edit = move |f: Box<dyn FnOnce(&mut ContractChange)>| {
        editor.edit(&id.get_value(), |c| {
            if let Some(k) = c.contracts.get_mut(index) {
                f(k)
            }
        })
    };
    let document = move || {
        editor.spec.with(|s| {
            s.changes
                .iter()
                .find(|c| c.service == id.get_value())
                .and_then(|c| c.contracts.get(index))
                .map(|k| k.document.clone())
                .unwrap_or_default()
        })
    };
    let load_file = move |ev: leptos::ev::Event| {
        let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.item(0)) else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Some(text) = JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|v| v.as_string())
            {
                edit(Box::new(move |k| k.document = text));
            }
        });
    };
    let mut options = provides.get_value();
    if !options.iter().any(|(c, _)| *c == initial.contract) {
        options.push((initial.contract.clone(), "?".to_string()));
    }
    let chosen = initial.contract.clone();
    view! {
        <div class="contract-row">
            <label>"Contract"
                <select on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |k| k.contract = v)) }>
                    {options.into_iter().map(|(contract, current)| view! {
                        <option value=contract.clone() selected=contract == chosen>{format!("{contract} (now {current})")}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"New version"
                <input value=initial.version placeholder="e.g. 2.0.0"
                    on:input=move |ev| { let v = event_target_value(&ev).trim().to_string(); edit(Box::new(move |k| k.version = v)) }/>
            </label>
            <label>"Spec file"
                <input type="file" accept=".yaml,.yml,.json" on:change=load_file/>
            </label>
            <button type="button" class="remove" on:click=move |_| editor.edit(&id.get_value(), |c| {
                if index < c.contracts.len() {
                    c.contracts.remove(index);
                }
            })>"Remove"</button>
            <label class="spec">"Spec document (YAML or JSON; a picked file fills it)"
                <textarea rows="3" prop:value=document
                    on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |k| k.document = v)) }></textarea>
            </label>
            <FieldProblems editor at=Signal::derive(move || format!("{}.contracts[{index}]", path.get()))/>
        </div>
    }
    .into_any()
}

#[component]
fn MigrationRow(
    editor: Editor,
    service: String,
    index: usize,
    path: Memo<String>,
) -> impl IntoView {
    let Some(initial) = editor
        .change(&service, |c| c.migrations.get(index).cloned())
        .flatten()
    else {
        return ().into_any();
    };
    let id = StoredValue::new(service);
    let edit = move |f: Box<dyn FnOnce(&mut Migration)>| {
        editor.edit(&id.get_value(), |c| {
            if let Some(m) = c.migrations.get_mut(index) {
                f(m)
            }
        })
    };
    view! {
        <div class="migration-row">
            <label>"Migration name"
                <input value=initial.name placeholder="e.g. add-col"
                    on:input=move |ev| { let v = event_target_value(&ev).trim().to_string(); edit(Box::new(move |m| m.name = v)) }/>
            </label>
            <label>"Phase"
                <select on:change=move |ev| {
                    let phase = if event_target_value(&ev) == Phase::Contract.as_str() { Phase::Contract } else { Phase::Expand };
                    edit(Box::new(move |m| m.phase = phase))
                }>
                    {PHASES.iter().map(|p| view! {
                        <option value=p.as_str() selected=*p == initial.phase>{p.as_str()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" checked=initial.reversible
                    on:change=move |ev| { let v = event_target_checked(&ev); edit(Box::new(move |m| m.reversible = v)) }/>
                "reversible"
            </label>
            <button type="button" class="remove" on:click=move |_| editor.edit(&id.get_value(), |c| {
                if index < c.migrations.len() {
                    c.migrations.remove(index);
                }
            })>"Remove"</button>
            <FieldProblems editor at=Signal::derive(move || format!("{}.migrations[{index}]", path.get()))/>
        </div>
    }
    .into_any()
}

#[component]
fn PolicyFields(editor: Editor) -> impl IntoView {
    let spec = editor.spec;
    let policy = spec.with_untracked(|s| s.policy.clone());
    let steps_text = policy
        .steps
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let gate_rows = move || {
        let n = spec.with(|s| s.policy.gates.len());
        (0..n).map(|k| (k, n)).collect::<Vec<_>>()
    };
    let fixed = |path: &'static str| Signal::derive(move || path.to_string());
    view! {
        <fieldset class="policy">
            <legend>"Policy for every stage"</legend>
            <div class="row">
                <label>"Exposure steps (% of traffic)"
                    <input name="steps" value=steps_text placeholder="1, 5, 25, 50, 100"
                        on:input=move |ev| {
                            let parsed = parse_steps(&event_target_value(&ev));
                            editor.readable("policy.steps", &parsed);
                            if let Ok(steps) = parsed {
                                spec.update(|s| s.policy.steps = steps);
                            }
                        }/>
                </label>
                <label>"Bake per step"
                    <input name="bake" value=bake_text(policy.bake_secs) placeholder="10m"
                        on:input=move |ev| {
                            let parsed = parse_bake(&event_target_value(&ev));
                            editor.readable("policy.bake", &parsed);
                            if let Ok(secs) = parsed {
                                spec.update(|s| s.policy.bake_secs = secs);
                            }
                        }/>
                </label>
                <label>"Most services per stage"
                    <input name="max_services_per_stage" type="number" min="1" value=policy.max_services_per_stage
                        on:input=move |ev| {
                            let parsed = event_target_value(&ev).trim().parse::<usize>()
                                .map_err(|_| "enter a whole number".to_string());
                            editor.readable("policy.max_services_per_stage", &parsed);
                            if let Ok(n) = parsed {
                                spec.update(|s| s.policy.max_services_per_stage = n);
                            }
                        }/>
                </label>
            </div>
            <FieldProblems editor at=fixed("policy.steps")/>
            <FieldProblems editor at=fixed("policy.bake")/>
            <FieldProblems editor at=fixed("policy.max_services_per_stage")/>
            <div class="row">
                <label class="grow">"Region order (the first is the canary region)"
                    <input name="regions" value=policy.regions.join(", ") placeholder="e.g. eu-west-1, us-east-1 (others follow in catalog order)"
                        on:input=move |ev| spec.update(|s| s.policy.regions = parse_list(&event_target_value(&ev)))/>
                </label>
                <label>"When a gate fails"
                    <select name="on_failure" on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        if let Some(action) = FAILURE_ACTIONS.into_iter().find(|a| a.as_str() == chosen) {
                            spec.update(|s| s.policy.on_failure = action);
                        }
                    }>
                        {FAILURE_ACTIONS.iter().map(|a| view! {
                            <option value=a.as_str() selected=*a == policy.on_failure>{failure_label(*a)}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <FieldProblems editor at=fixed("policy.regions")/>
            <FieldProblems editor at=fixed("policy.on_failure")/>
            <h4>"Gates (every step must hold them while it bakes)"</h4>
            <For each=gate_rows key=|k| *k children=move |(k, _)| view! { <GateRow editor index=k/> }/>
            <button type="button" on:click=move |_| spec.update(|s| s.policy.gates.push(Gate::new(Health::ErrorRate, 1.0)))>"Add a gate"</button>
            <FieldProblems editor at=fixed("policy.gates")/>
            <FieldProblems editor at=fixed("policy")/>
        </fieldset>
    }
}

#[component]
fn GateRow(editor: Editor, index: usize) -> impl IntoView {
    let spec = editor.spec;
    let Some(gate) = spec.with_untracked(|s| s.policy.gates.get(index).cloned()) else {
        return ().into_any();
    };
    let path = format!("policy.gates[{index}]");
    let edit = move |f: Box<dyn FnOnce(&mut Gate)>| {
        spec.update(|s| {
            if let Some(g) = s.policy.gates.get_mut(index) {
                f(g)
            }
        })
    };
    let signal = RwSignal::new(gate.signal);
    let is_check = move || signal.get() == Health::DataCheck;
    let max_path = path.clone();
    view! {
        <div class="gate-row">
            <label>"Signal"
                <select on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    if let Some(s) = SIGNALS.into_iter().find(|s| s.as_str() == chosen) {
                        signal.set(s);
                        edit(Box::new(move |g| g.signal = s));
                    }
                }>
                    {SIGNALS.iter().map(|s| view! {
                        <option value=s.as_str() selected=*s == gate.signal>{signal_label(*s)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label class:hidden=is_check>{move || format!("At most ({})", signal.get().unit())}
                <input type="number" step="any" min="0" value=gate.max
                    on:input=move |ev| {
                        let parsed = event_target_value(&ev).trim().parse::<f64>()
                            .map_err(|_| "enter a number".to_string());
                        editor.readable(&max_path, &parsed);
                        if let Ok(max) = parsed {
                            edit(Box::new(move |g| g.max = max));
                        }
                    }/>
            </label>
            <label class:hidden=move || !is_check()>"Data check name"
                <input value=gate.check.unwrap_or_default() placeholder="e.g. orders-balance"
                    on:input=move |ev| { let v = optional(event_target_value(&ev)); edit(Box::new(move |g| g.check = v)) }/>
            </label>
            <label class="check">
                <input type="checkbox" checked=gate.downstream
                    on:change=move |ev| { let v = event_target_checked(&ev); edit(Box::new(move |g| g.downstream = v)) }/>
                "watch downstream services too"
            </label>
            <button type="button" class="remove" on:click=move |_| {
                spec.update(|s| {
                    if index < s.policy.gates.len() {
                        s.policy.gates.remove(index);
                    }
                });
                // Rows are renumbered: unreadable marks of gates no longer apply.
                editor.unreadable.update(|u| u.retain(|p, _| !p.starts_with("policy.gates[")));
            }>"Remove"</button>
        </div>
        <FieldProblems editor at=Signal::derive(move || path.clone())/>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages(s: &[&[&str]]) -> Vec<Vec<String>> {
        s.iter()
            .map(|st| st.iter().map(|x| x.to_string()).collect())
            .collect()
    }

    #[test]
    fn moving_a_service_joins_the_next_stage_or_opens_one_at_the_ends() {
        let order = stages(&[&["payment", "currency"], &["checkout"]]);
        assert_eq!(
            moved(&order, "currency", 1),
            Some(stages(&[&["payment"], &["checkout", "currency"]]))
        );
        assert_eq!(
            moved(&order, "checkout", -1),
            Some(stages(&[&["payment", "currency", "checkout"]]))
        );
        assert_eq!(
            moved(&order, "currency", -1),
            Some(stages(&[&["currency"], &["payment"], &["checkout"]]))
        );
        // Alone in the last stage: moving it later changes nothing.
        assert_eq!(moved(&order, "checkout", 1), None);
        assert_eq!(moved(&order, "unknown", 1), None);
    }

    #[test]
    fn problems_sit_beside_the_most_specific_field() {
        let anchors: Vec<String> = [
            "changes[0]",
            "changes[0].contracts[1]",
            "policy",
            "policy.gates[1]",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            anchor_of("changes[0].contracts[1].spec", &anchors),
            Some("changes[0].contracts[1]")
        );
        assert_eq!(
            anchor_of("changes[0].policy.steps", &anchors),
            Some("changes[0]")
        );
        assert_eq!(
            anchor_of("policy.gates[1].max", &anchors),
            Some("policy.gates[1]")
        );
        assert_eq!(anchor_of("policy.gates[10].max", &anchors), Some("policy"));
        assert_eq!(anchor_of("changes[01]", &anchors), None);
        assert_eq!(anchor_of("stages[0]", &anchors), None);
    }

    #[test]
    fn steps_and_bake_times_are_read_or_refused() {
        assert_eq!(parse_steps("1, 5,25%, 100"), Ok(vec![1, 5, 25, 100]));
        assert!(parse_steps("1, x").is_err());
        assert!(parse_steps("300").is_err());
        assert_eq!(parse_bake("10m"), Ok(600));
        assert_eq!(parse_bake(" 90s "), Ok(90));
        assert_eq!(parse_bake("2h"), Ok(7200));
        assert_eq!(parse_bake("15"), Ok(900));
        assert!(parse_bake("-5m").is_err());
        assert!(parse_bake("ten").is_err());
        assert!(parse_bake("10 weeks").is_err());
        assert!(parse_bake("99999999999999999999d").is_err());
        for secs in [0, 45, 600, 7200, 86_400] {
            assert_eq!(parse_bake(&bake_text(secs)), Ok(secs));
        }
    }
}
