//! Two versions of one contract: the findings, located in the newer document.

use super::LoadError;
use crate::api::contracts::get_contract_diff;
use crate::ui::components::findings::LocatedFindingList;
use crate::wire::contracts::DiffView;
use breakwater_domain::contract::Level;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ContractDiffPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || {
        let q = |k: &str| query.with(|q| q.get(k)).filter(|v| !v.is_empty());
        (
            params.with(|p| p.get("id").unwrap_or_default()),
            q("from"),
            q("to"),
        )
    };
    let diff = Resource::new(key, |(id, from, to)| get_contract_diff(id, from, to));
    view! {
        <Title text="Contract diff"/>
        <section class="page diff-page">
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match diff.await {
                        Ok(d) => view! { <DiffBody diff=d/> }.into_any(),
                        Err(error) => view! { <LoadError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DiffBody(diff: DiffView) -> impl IntoView {
    let from = diff.from.clone().unwrap_or_default();
    let options = |selected: &str| {
        diff.versions
            .iter()
            .map(|v| view! { <option value=v.clone() selected=v == selected>{v.clone()}</option> })
            .collect_view()
    };
    // The most serious finding on each line colours it.
    let mut line_level: Vec<Option<Level>> = vec![None; diff.lines.len()];
    for located in &diff.findings {
        if let Some(slot) = line_level.get_mut(located.line) {
            *slot = (*slot).max(Some(located.finding.level));
        }
    }
    let verdict = if diff.compatible {
        "compatible"
    } else {
        "breaking"
    };
    view! {
        <h1>{format!("{} ", diff.contract)}<span class="muted">{format!("{} · {}", diff.kind, diff.provider)}</span></h1>
        <form method="get" class="version-pick">
            <label>"From " <select name="from"><option value="">"(none)"</option>{options(&from)}</select></label>
            <label>"To " <select name="to">{options(&diff.to)}</select></label>
            <button type="submit">"Compare"</button>
        </form>
        <p class=format!("summary {verdict}")>
            {format!(
                "{} → {} in mode {}: {verdict}, {} findings",
                if from.is_empty() { "(none)" } else { from.as_str() },
                diff.to,
                diff.mode,
                diff.findings.len()
            )}
        </p>
        <div class="diff-columns">
            <div class="diff-findings">
                <h2>"Findings"</h2>
                <LocatedFindingList findings=diff.findings.clone()/>
            </div>
            <div class="diff-document">
                <h2>{format!("Version {}", diff.to)}</h2>
                <pre class="document">
                    {diff.lines.iter().zip(line_level).enumerate().map(|(i, (text, level))| {
                        let class = level.map_or("line".to_string(), |l| format!("line {}", l.as_str()));
                        view! { <span id=format!("L{}", i + 1) class=class><span class="ln">{i + 1}</span>{text.clone()}</span> }
                    }).collect_view()}
                </pre>
            </div>
        </div>
    }
}
