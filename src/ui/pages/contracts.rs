//! The contract matrix (providers × consumers) and the candidate check ("can I deploy?").

use super::LoadError;
use crate::api::catalog::get_catalog;
use crate::api::contracts::{check_candidate, get_matrix};
use crate::ui::components::findings::FindingList;
use crate::wire::catalog::CatalogView;
use crate::wire::contracts::{CandidateRequest, CheckOutcome, MatrixView};
use crate::wire::ApiError;
use breakwater_domain::compatibility::MatrixCell;
use breakwater_domain::contract::deploy::CellStatus;
use breakwater_domain::contract::Mode;
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::BTreeSet;
use wasm_bindgen_futures::JsFuture;

fn symbol(status: CellStatus) -> &'static str {
    match status {
        CellStatus::Compatible => "✓",
        CellStatus::Warning => "!",
        CellStatus::Breaking => "✕",
        CellStatus::Unknown => "?",
    }
}

#[component]
pub fn ContractsPage() -> impl IntoView {
    let matrix = Resource::new(|| (), |_| get_matrix());
    let catalog = Resource::new(|| (), |_| get_catalog());
    view! {
        <Title text="Contracts"/>
        <section class="page contracts-page">
            <h1>"Contract compatibility"</h1>
            <p class="muted">
                "Each provider contract against each consumer: is the consumer's version compatible with the provider's current one, for the operations it uses? Click a cell for the reasons."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match matrix.await {
                        Ok(m) => view! { <MatrixTable matrix=m/> }.into_any(),
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
            <h2>"Can I deploy?"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    catalog.await.ok().map(|c| view! { <CandidateCheck catalog=c/> })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn MatrixTable(matrix: MatrixView) -> impl IntoView {
    if !matrix.checked {
        return view! {
            <p class="empty" role="status">
                "The contracts of this catalog revision are still being checked; reload in a moment."
            </p>
        }
        .into_any();
    }
    if matrix.cells.is_empty() {
        return view! { <p class="empty">"No consumer depends on a contract yet."</p> }.into_any();
    }
    let consumers: Vec<String> = matrix
        .cells
        .iter()
        .map(|c| c.consumer.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let rows: Vec<(String, String, String)> = matrix
        .cells
        .iter()
        .map(|c| (c.provider.clone(), c.contract.clone(), c.to_version.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let cells = StoredValue::new(matrix.cells);
    let selected = RwSignal::new(None::<usize>);
    let header = consumers
        .iter()
        .map(|c| view! { <th scope="col" class="consumer"><span>{c.clone()}</span></th> })
        .collect_view();
    let body = rows
        .into_iter()
        .map(|(provider, contract, version)| {
            let row_cells = consumers
                .iter()
                .map(|consumer| {
                    let found = cells.with_value(|all| {
                        all.iter().position(|c| c.contract == contract && &c.consumer == consumer)
                    });
                    match found {
                        None => view! { <td class="none"></td> }.into_any(),
                        Some(i) => {
                            let status = cells.with_value(|all| all[i].status);
                            let label = format!("{consumer} on {contract}: {}", status.as_str());
                            view! {
                                <td>
                                    <button
                                        type="button"
                                        class=move || format!("cell {}{}", status.as_str(), if selected.get() == Some(i) { " selected" } else { "" })
                                        aria-label=label.clone()
                                        title=label
                                        on:click=move |_| selected.set(Some(i))
                                    >{symbol(status)}</button>
                                </td>
                            }
                            .into_any()
                        }
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">
                        <a href=format!("/contracts/{contract}")>{contract.clone()}</a>
                        <span class="muted">{format!(" v{version} · {provider}")}</span>
                    </th>
                    {row_cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="matrix-wrap">
            <table class="matrix">
                <thead><tr><th>"Provider contract \\ consumer"</th>{header}</tr></thead>
                <tbody>{body}</tbody>
            </table>
            <ul class="legend">
                <li><span class="cell compatible">"✓"</span>"compatible"</li>
                <li><span class="cell warning">"!"</span>"possibly breaking"</li>
                <li><span class="cell breaking">"✕"</span>"breaking"</li>
                <li><span class="cell unknown">"?"</span>"unknown"</li>
            </ul>
        </div>
        {move || selected.get().map(|i| view! { <CellDetail cell=cells.with_value(|c| c[i].clone())/> })}
    }
    .into_any()
}

#[component]
fn CellDetail(cell: MatrixCell) -> impl IntoView {
    let from = cell
        .from_version
        .clone()
        .unwrap_or_else(|| "(first)".into());
    let diff_link = match &cell.from_version {
        Some(from) => format!(
            "/contracts/{}?from={from}&to={}",
            cell.contract, cell.to_version
        ),
        None => format!("/contracts/{}", cell.contract),
    };
    view! {
        <div class="cell-detail" role="region" aria-label="Compatibility details">
            <h3>
                {format!("{} on {} {from} → {}: ", cell.consumer, cell.contract, cell.to_version)}
                <span class=format!("status {}", cell.status.as_str())>{cell.status.as_str()}</span>
            </h3>
            {cell.note.map(|n| view! { <p class="muted">{n}</p> })}
            <FindingList findings=cell.findings/>
            <p><a href=diff_link>"Open the diff of these versions"</a></p>
        </div>
    }
}

/// Upload or paste a candidate spec for a provider and see the verdict before any plan exists.
#[component]
fn CandidateCheck(catalog: CatalogView) -> impl IntoView {
    let providers: Vec<(String, Vec<(String, String)>)> = catalog
        .services
        .iter()
        .filter(|s| !s.provides.is_empty())
        .map(|s| {
            let contracts = s
                .provides
                .iter()
                .map(|c| (c.id.clone(), c.version.clone()))
                .collect();
            (s.id.clone(), contracts)
        })
        .collect();
    let providers = StoredValue::new(providers);
    let service = RwSignal::new(
        providers.with_value(|p| p.first().map(|(id, _)| id.clone()).unwrap_or_default()),
    );
    // The contract picker shows the first contract of the chosen service, so the signal must
    // start there (and move with the service): an empty value is refused for a service that
    // provides several contracts.
    let first_contract = move |service: &str| {
        providers.with_value(|p| {
            p.iter()
                .find(|(id, _)| id == service)
                .and_then(|(_, c)| c.first())
                .map(|(id, _)| id.clone())
                .unwrap_or_default()
        })
    };
    let contract = RwSignal::new(first_contract(&service.get_untracked()));
    let version = RwSignal::new(String::new());
    let mode = RwSignal::new(String::new());
    let document = RwSignal::new(String::new());
    let contracts_of = move |service: &str| {
        providers.with_value(|p| {
            p.iter()
                .find(|(id, _)| id == service)
                .map(|(_, c)| c.clone())
                .unwrap_or_default()
        })
    };
    let check = Action::new_local(|request: &CandidateRequest| check_candidate(request.clone()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = contract.get_untracked();
        check.dispatch_local(CandidateRequest {
            service: service.get_untracked(),
            version: version.get_untracked(),
            contract: (!chosen.is_empty()).then_some(chosen),
            document: Some(document.get_untracked()),
            mode: mode.get_untracked().parse::<Mode>().ok(),
        });
    };
    let file_input = NodeRef::<leptos::html::Input>::new();
    let load_file = move |_| {
        let Some(file) = file_input
            .get()
            .and_then(|i| i.files())
            .and_then(|f| f.item(0))
        else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Some(text) = JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|v| v.as_string())
            {
                document.set(text);
            }
        });
    };
    view! {
        <form class="candidate-check" on:submit=submit>
            <div class="fields">
                <label>"Service"
                    <select name="service" on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        contract.set(first_contract(&chosen));
                        service.set(chosen);
                    }>
                        {providers.with_value(|p| p.iter().map(|(id, _)| {
                            let id = id.clone();
                            view! { <option value=id.clone() selected=move || service.get() == id>{id.clone()}</option> }
                        }).collect_view())}
                    </select>
                </label>
                <label>"Contract"
                    <select name="contract" prop:value=move || contract.get() on:change=move |ev| contract.set(event_target_value(&ev))>
                        {move || contracts_of(&service.get()).into_iter().map(|(id, current)| {
                            let label = format!("{id} (now v{current})");
                            view! { <option value=id.clone() selected=move || contract.get() == id>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"New version"
                    <input name="version" required placeholder="e.g. 2.0.0" prop:value=move || version.get() on:input=move |ev| version.set(event_target_value(&ev))/>
                </label>
                <label>"Mode"
                    <select name="mode" on:change=move |ev| mode.set(event_target_value(&ev))>
                        <option value="">"the contract's own"</option>
                        {Mode::ALL.iter().map(|m| view! { <option value=m.as_str()>{m.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Spec file"
                    <input node_ref=file_input type="file" accept=".yaml,.yml,.json" on:change=load_file/>
                </label>
            </div>
            <label class="spec">"Candidate spec (YAML or JSON)"
                <textarea name="document" rows="10" required prop:value=move || document.get() on:input=move |ev| document.set(event_target_value(&ev))></textarea>
            </label>
            <button type="submit" disabled=move || check.pending().get()>
                {move || if check.pending().get() { "Checking…" } else { "Check" }}
            </button>
        </form>
        {move || check.value().get().map(|result| view! { <VerdictView result/> })}
    }
}

#[component]
fn VerdictView(result: Result<CheckOutcome, ApiError>) -> impl IntoView {
    let verdict = match result {
        Ok(CheckOutcome::Verdict(v)) => v,
        Ok(CheckOutcome::Refused(reason)) => {
            return view! { <p class="verdict refused" role="alert">{reason}</p> }.into_any()
        }
        Err(e) => {
            return view! { <p class="verdict refused" role="alert">{e.to_string()}</p> }.into_any()
        }
    };
    let headline = if verdict.deployable {
        format!(
            "Yes: {} {} breaks no consumer.",
            verdict.service, verdict.version
        )
    } else {
        format!(
            "No: {} {} would break a consumer.",
            verdict.service, verdict.version
        )
    };
    let class = if verdict.deployable {
        "verdict ok"
    } else {
        "verdict refused"
    };
    view! {
        <div class=class role="status">
            <p class="headline">{headline}</p>
            {verdict.verdicts.into_iter().map(|v| {
                let from = v.from_version.clone().unwrap_or_else(|| "(none)".into());
                view! {
                    <h3>{format!("{} {from} → {} ({})", v.contract, v.to_version, v.mode)}</h3>
                    <table class="consumers">
                        <thead><tr><th>"Consumer"</th><th>"Status"</th><th>"Why"</th></tr></thead>
                        <tbody>
                            {v.consumers.into_iter().map(|c| view! {
                                <tr>
                                    <td>{c.consumer}</td>
                                    <td><span class=format!("status {}", c.status.as_str())>{c.status.as_str()}</span></td>
                                    <td><FindingList findings=c.findings/></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(!v.unused_breaking.is_empty()).then(|| view! {
                        <h4>"Breaking changes no consumer uses (not blocking)"</h4>
                        <FindingList findings=v.unused_breaking/>
                    })}
                }
            }).collect_view()}
        </div>
    }
    .into_any()
}
