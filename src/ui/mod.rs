//! The Leptos app: the HTML shell, the navigation and the routes. Pages fetch through server
//! functions in [`crate::api`] and get [`crate::wire`] types; components under [`components`]
//! only render what they are given.

pub mod components;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

/// The HTML document around the app; rendered on the server only. With `hash-files` (Cargo.toml)
/// the stylesheet, JS and wasm have content hashes in their names, read from the `hash.txt`
/// cargo-leptos writes next to the server binary.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HashedStylesheet id="leptos" options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: this marks the page as hydrated for people and tests.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title formatter=|page: String| format!("{page} · Breakwater")/>
        <Router>
            <header class="topbar">
                <a class="brand" href="/">"Breakwater"</a>
                <nav aria-label="Main">
                    <A href="/" exact=true>"Dependency graph"</A>
                    <A href="/services">"Services"</A>
                    <A href="/contracts">"Contracts"</A>
                    <A href="/plans">"Plans"</A>
                </nav>
            </header>
            <main>
                // Async: each page is sent whole, so it reads the same without JavaScript.
                <Routes fallback=|| view! { <pages::NotFound/> }>
                    <Route path=path!("/") view=pages::graph::GraphPage ssr=SsrMode::Async/>
                    <Route path=path!("/services") view=pages::services::ServicesPage ssr=SsrMode::Async/>
                    <Route path=path!("/contracts") view=pages::contracts::ContractsPage ssr=SsrMode::Async/>
                    <Route path=path!("/contracts/:id") view=pages::contract_diff::ContractDiffPage ssr=SsrMode::Async/>
                    <Route path=path!("/plans") view=pages::plans::list::PlansPage ssr=SsrMode::Async/>
                    // Before `/plans/:name`, which would take "new" for a name.
                    <Route path=path!("/plans/new") view=pages::plans::editor::NewPlanPage ssr=SsrMode::Async/>
                    <Route path=path!("/plans/:name") view=pages::plans::view::PlanPage ssr=SsrMode::Async/>
                    <Route path=path!("/plans/:name/edit") view=pages::plans::editor::EditPlanPage ssr=SsrMode::Async/>
                    <Route path=path!("/plans/:name/review") view=pages::plans::review::ReviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/plans/:name/present") view=pages::plans::present::PresentPage ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
