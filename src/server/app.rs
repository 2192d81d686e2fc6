//! The HTTP application: server-rendered pages, server functions, the JSON API and static files.

use super::{store::Store, AppState};
use crate::api::ApiError;
use crate::ui::{shell, App};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use tower_http::limit::RequestBodyLimitLayer;

/// Request bodies above this are refused before any handler runs (uploads carry spec files).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// Error responses are small; a 500 whose body is larger or of unknown size is passed on as it is.
const MAX_ERROR_BYTES: usize = 64 * 1024;

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
        .layer(axum::middleware::map_response(request_errors_are_400))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .with_state(state)
}

/// Leptos answers a server function call whose arguments do not deserialise with 500 and the
/// encoded `ApiError::Request`; that is the client's mistake, so say 400.
async fn request_errors_are_400(response: Response) -> Response {
    use axum::body::HttpBody;
    let small = response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|len| len <= MAX_ERROR_BYTES as u64);
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !small {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BYTES).await else {
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    if matches!(
        serde_json::from_slice::<ApiError>(&bytes),
        Ok(ApiError::Request(_))
    ) {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
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
