use crate::wire::contracts::LocatedFinding;
use breakwater_domain::contract::Finding;
use leptos::prelude::*;

/// Findings, most serious first.
#[component]
pub fn FindingList(findings: Vec<Finding>) -> impl IntoView {
    finding_rows(findings.into_iter().map(|f| (f, None)).collect())
}

/// Findings, most serious first, each linking to its line in the document view.
#[component]
pub fn LocatedFindingList(findings: Vec<LocatedFinding>) -> impl IntoView {
    finding_rows(
        findings
            .into_iter()
            .map(|f| (f.finding, Some(f.line)))
            .collect(),
    )
}

fn finding_rows(mut rows: Vec<(Finding, Option<usize>)>) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="muted">"No changes that matter here."</p> }.into_any();
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row.0.level));
    view! {
        <ul class="findings">
            {rows.into_iter().map(|(f, line)| {
                let path = match line {
                    Some(line) => view! { <a href=format!("#L{}", line + 1) target="_self"><code>{f.path.clone()}</code></a> }.into_any(),
                    None => view! { <code>{f.path.clone()}</code> }.into_any(),
                };
                view! {
                    <li class=f.level.as_str()>
                        <span class="level">{f.level.as_str()}</span>
                        <span class="code">{f.code.clone()}</span>
                        {f.operation.clone().map(|op| view! { <span class="operation">{op}</span> })}
                        <span class="message">{f.message.clone()}</span>
                        <span class="path">{path}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
