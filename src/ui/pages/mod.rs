pub mod audit;
pub mod calendar;
pub mod contract_diff;
pub mod contracts;
pub mod graph;
pub mod plans;
pub mod runs;
pub mod services;
pub mod sign_in;
pub mod status;

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <section class="page">
            <h1>"Page not found"</h1>
            <p><a href="/">"Back to the dependency graph"</a></p>
        </section>
    }
}

/// Shown when a page's data (by default the catalog) cannot be loaded.
#[component]
pub fn LoadError(
    error: crate::wire::ApiError,
    #[prop(default = "the catalog")] what: &'static str,
) -> impl IntoView {
    view! { <p class="error" role="alert">{format!("Could not load {what}: {error}")}</p> }
}
