//! The HTTP application: server-rendered pages, server functions, the JSON API and static files.

use super::{store::Store, AppState};
use crate::ui::{shell, App};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use tower_http::limit::RequestBodyLimitLayer;

/// Request bodies above this are refused before any handler runs (uploads carry spec files).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Leptos settings from the `[package.metadata.leptos]` table of Cargo.toml, compiled in, so the
/// binary runs without cargo-leptos' environment. `LEPTOS_SITE_ROOT` may point elsewhere.
pub fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let mut options = leptos::config::get_config_from_str(include_str!("../../Cargo.toml"))
        .expect("Cargo.toml has a valid [package.metadata.leptos] table");
    options.site_addr = addr;
    if let Ok(root) = std::env::var("LEPTOS_SITE_ROOT") {
        options.site_root = root.into();
    }
    options
}

pub fn router(store: Store, leptos_options: LeptosOptions) -> Router {
    let state = AppState {
        leptos_options,
        store,
    };
    let routes = generate_route_list(App);
    Router::new()
        .nest("/api/v1", super::json_api::routes())
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
}
