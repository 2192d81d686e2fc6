//! Server-only code (the `ssr` feature): persistence, import, contract checks over stored
//! versions, the views pages read, the JSON API and where heavy work runs. It uses the domain and
//! the wire types; it never imports `api`, `ui`, `app` or `cli` (see ARCHITECTURE.md).

pub mod compat;
pub mod import;
pub mod json_api;
pub mod plans;
pub mod store;
pub mod views;
pub mod work;

use std::sync::Arc;
use store::Store;
use views::ViewCache;
use work::Workers;

/// What every request handler and server function can reach.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: leptos::config::LeptosOptions,
    pub store: Store,
    pub workers: Workers,
    pub views: Arc<ViewCache>,
}

impl AppState {
    pub fn new(store: Store, leptos_options: leptos::config::LeptosOptions) -> AppState {
        AppState {
            leptos_options,
            store,
            workers: Workers::for_this_machine(),
            views: Arc::default(),
        }
    }
}

/// The current time as stored in the database (RFC 3339, UTC). Only the server reads the clock.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
