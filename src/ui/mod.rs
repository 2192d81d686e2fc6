//! The Leptos app: the HTML shell, the navigation and the routes. Pages fetch through server
//! functions in [`crate::api`] and get [`crate::wire`] types; components under [`components`]
//! only render what they are given.

pub mod access;
pub mod components;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_location;
use leptos_router::{lazy_route, path, Lazy, LazyRoute, SsrMode};

/// Declares `$route`, a route whose page (and everything only that page uses) is compiled into
/// its own wasm chunk by `cargo leptos build --split`: the browser fetches the chunk the first
/// time the page is shown, when hydrating it or on navigation, so the main bundle carries only
/// the shell and the dependency graph. Without `--split` the chunks cannot load.
macro_rules! lazy_page {
    ($($route:ident => $page:path),* $(,)?) => {$(
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_route: Self) -> AnyView {
                use $page as Page;
                view! { <Page/> }.into_any()
            }
        }
    )*};
}

lazy_page! {
    ServicesRoute => pages::services::ServicesPage,
    ContractsRoute => pages::contracts::ContractsPage,
    ContractDiffRoute => pages::contract_diff::ContractDiffPage,
    PlansRoute => pages::plans::list::PlansPage,
    NewPlanRoute => pages::plans::editor::NewPlanPage,
    PlanRoute => pages::plans::view::PlanPage,
    EditPlanRoute => pages::plans::editor::EditPlanPage,
    ReviewRoute => pages::plans::review::ReviewPage,
    PresentRoute => pages::plans::present::PresentPage,
    RunsRoute => pages::runs::list::RunsPage,
    RunRoute => pages::runs::view::RunPage,
    CalendarRoute => pages::calendar::CalendarPage,
    AuditRoute => pages::audit::AuditPage,
    LoginRoute => pages::sign_in::LoginPage,
    SetupRoute => pages::sign_in::SetupPage,
    StatusRoute => pages::status::StatusPage,
}

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

/// Makes the server-rendered page live. Lazy routes hydrate asynchronously, once their chunk has
/// arrived; only then is `<body data-hydrated="true">` set, for people and tests: until then the
/// page's buttons do nothing.
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    // Not `leptos::task::spawn_local`: Leptos's executor starts inside `hydrate_from_async`.
    wasm_bindgen_futures::spawn_local(async {
        let app =
            leptos::mount::hydrate_from_async(document().body().expect("a <body>"), App).await;
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
        // The app lives as long as the page.
        app.forget();
    });
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    access::provide_current_user();
    view! {
        <Title formatter=|page: String| format!("{page} · Breakwater")/>
        <Router>
            // A shared status page shows no way into the app.
            <Show when=move || !use_location().pathname.get().starts_with("/status/")>
            <header class="topbar">
                <a class="brand" href="/">"Breakwater"</a>
                <nav aria-label="Main">
                    <A href="/" exact=true>"Dependency graph"</A>
                    <A href="/services">"Services"</A>
                    <A href="/contracts">"Contracts"</A>
                    <A href="/plans">"Plans"</A>
                    <A href="/runs">"Runs"</A>
                    <A href="/calendar">"Calendar"</A>
                </nav>
                <access::UserMenu/>
            </header>
            </Show>
            <main>
                // Async: each page is sent whole, so it reads the same without JavaScript.
                // Every page but the graph is lazy (see `lazy_page!`).
                <Routes fallback=|| view! { <pages::NotFound/> }>
                    <Route path=path!("/") view=pages::graph::GraphPage ssr=SsrMode::Async/>
                    <Route path=path!("/services") view={Lazy::<ServicesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/contracts") view={Lazy::<ContractsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/contracts/:id") view={Lazy::<ContractDiffRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/plans") view={Lazy::<PlansRoute>::new()} ssr=SsrMode::Async/>
                    // Before `/plans/:name`, which would take "new" for a name.
                    <Route path=path!("/plans/new") view={Lazy::<NewPlanRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/plans/:name") view={Lazy::<PlanRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/plans/:name/edit") view={Lazy::<EditPlanRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/plans/:name/review") view={Lazy::<ReviewRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/plans/:name/present") view={Lazy::<PresentRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/runs") view={Lazy::<RunsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/runs/:id") view={Lazy::<RunRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/calendar") view={Lazy::<CalendarRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/setup/:secret") view={Lazy::<SetupRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/status/:secret") view={Lazy::<StatusRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
