use breakwater_domain::catalog::Problem;
use leptos::prelude::*;

/// Validation problems, errors first, each with where it is.
#[component]
pub fn ProblemList(problems: Vec<Problem>) -> impl IntoView {
    let mut problems = problems;
    problems.sort_by_key(|p| std::cmp::Reverse(p.severity));
    view! {
        <ul class="problems">
            {problems
                .into_iter()
                .map(|p| {
                    let severity = if p.is_error() { "error" } else { "warning" };
                    view! {
                        <li class=severity>
                            <span class="severity">{severity}</span>
                            <code>{p.code}</code>
                            <span class="location">{p.location.to_string()}</span>
                            <span class="message">{p.message}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
