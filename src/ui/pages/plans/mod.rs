//! Rollout plans: the list, a plan with its stages and history, the editor, the readiness
//! review and the presentation view for a shared screen.

pub mod editor;
pub mod list;
pub mod present;
pub mod review;
pub mod view;

use crate::ui::access::Can;
use crate::wire::plans::PlanState;
use breakwater_domain::access::Need;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The `:name` of the route.
fn plan_name() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("name").unwrap_or_default()))
}

/// An RFC 3339 time as people read it: `2025-11-28 10:00 UTC`.
fn when(rfc3339: &str) -> String {
    match rfc3339.get(..16) {
        Some(minutes) if rfc3339.ends_with('Z') || rfc3339.ends_with("+00:00") => {
            format!("{} UTC", minutes.replacen('T', " ", 1))
        }
        _ => rfc3339.to_string(),
    }
}

#[component]
fn StateBadge(state: PlanState) -> impl IntoView {
    view! { <span class=format!("plan-state {}", state.as_str())>{state.label()}</span> }
}

/// The links from one plan to its other pages; `current` is the page showing them. "Edit" only
/// for those who may save a plan.
#[component]
fn PlanLinks(name: String, current: &'static str) -> impl IntoView {
    let pages = [
        ("view", format!("/plans/{name}"), "Plan"),
        ("edit", format!("/plans/{name}/edit"), "Edit"),
        (
            "review",
            format!("/plans/{name}/review"),
            "Readiness review",
        ),
        ("present", format!("/plans/{name}/present"), "Present"),
        ("graph", format!("/?plan={name}"), "On the graph"),
    ];
    view! {
        <nav class="plan-links" aria-label="Plan pages">
            {pages.into_iter().map(|(key, href, label)| {
                let shown = (key == current).then_some("page");
                let link = move || view! { <a href=href.clone() aria-current=shown>{label}</a> };
                if key == "edit" {
                    view! { <Can need=Need::Release>{link()}</Can> }.into_any()
                } else {
                    link().into_any()
                }
            }).collect_view()}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::when;

    #[test]
    fn times_read_as_minutes_in_utc() {
        assert_eq!(when("2025-11-28T10:00:59Z"), "2025-11-28 10:00 UTC");
        assert_eq!(
            when("2025-11-28T10:00:59.123+00:00"),
            "2025-11-28 10:00 UTC"
        );
        // Anything else is shown as it came.
        assert_eq!(when("yesterday"), "yesterday");
        assert_eq!(
            when("2025-11-28T10:00:59+02:00"),
            "2025-11-28T10:00:59+02:00"
        );
    }
}
