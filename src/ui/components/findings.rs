use breakwater_domain::contract::Finding;
use leptos::prelude::*;

/// Findings, most serious first. With `lines`, each links to its line in the document view.
#[component]
pub fn FindingList(
    findings: Vec<Finding>,
    #[prop(optional)] lines: Option<Vec<usize>>,
) -> impl IntoView {
    if findings.is_empty() {
        return view! { <p class="muted">"No changes that matter here."</p> }.into_any();
    }
    let mut rows: Vec<(Finding, Option<usize>)> = findings
        .into_iter()
        .enumerate()
        .map(|(i, f)| (f, lines.as_ref().and_then(|l| l.get(i).copied())))
        .collect();
    rows.sort_by_key(|row| std::cmp::Reverse(row.0.level));
    view! {
        <ul class="findings">
            {rows.into_iter().map(|(f, line)| {
                let path = match line {
                    Some(line) => view! { <a href=format!("#L{}", line + 1)><code>{f.path.clone()}</code></a> }.into_any(),
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
