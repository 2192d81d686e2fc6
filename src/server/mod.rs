//! Server-only code (the `ssr` feature): configuration, persistence, the HTTP app and the CLI.

pub mod app;
pub mod cli;
pub mod compat;
pub mod import;
pub mod json_api;
pub mod store;

use store::Store;

/// What every request handler and server function can reach.
#[derive(Clone, axum::extract::FromRef)]
pub struct AppState {
    pub leptos_options: leptos::config::LeptosOptions,
    pub store: Store,
}

/// The current time as stored in the database (RFC 3339, UTC). Only the server reads the clock.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
