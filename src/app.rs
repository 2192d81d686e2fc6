//! The HTTP application, composed from the layers below it: server-rendered pages ([`crate::ui`]),
//! server functions ([`crate::api`]), the JSON API and static files, under the cross-cutting
//! layers every request passes: request ids and tracing, per-route body limits, JSON error
//! bodies, compression and cache headers.

use crate::server::access::{guard, sign_in};
use crate::server::json_api;
use crate::server::routes::Routes;
use crate::server::AppState;
use crate::ui::{shell, App};
use crate::wire::ApiError;
use axum::body::{Body, HttpBody};
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use breakwater_domain::calendar::document::MAX_CALENDAR_BYTES;
use breakwater_domain::catalog::MAX_CATALOG_BYTES;
use breakwater_domain::plan::MAX_PLAN_BYTES;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Request bodies a route accepts, in bytes: each limit is the documented input limit plus the
/// envelope it arrives in (JSON escaping of YAML text adds a few percent; a quarter is ample).
/// Anything larger is answered 413 with a JSON error before a handler runs.
pub fn body_limit(method: &Method, path: &str) -> usize {
    const UPLOAD: usize = crate::wire::catalog::MAX_UPLOAD_BYTES;
    const SPEC: usize = crate::wire::contracts::MAX_SPEC_BYTES;
    match (method, path) {
        (&Method::POST, "/api/v1/catalog") => MAX_CATALOG_BYTES,
        (&Method::POST, "/api/catalog/import") => UPLOAD + UPLOAD / 4,
        (&Method::POST, "/api/v1/can-i-deploy" | "/api/contracts/can-i-deploy") => SPEC + SPEC / 4,
        (&Method::POST, "/api/v1/plans" | "/api/v1/plans/check") => MAX_PLAN_BYTES,
        (&Method::POST, "/api/v1/metrics") => crate::server::metrics::MAX_BATCH_BYTES,
        (&Method::PUT, plan) if plan.starts_with("/api/v1/plans/") => MAX_PLAN_BYTES,
        // A little over the calendar's own limit, so a calendar just over it hears why.
        (&Method::PUT, "/api/v1/calendar") => MAX_CALENDAR_BYTES + MAX_CALENDAR_BYTES / 10,
        (&Method::POST, "/api/calendar/save") => MAX_CALENDAR_BYTES + MAX_CALENDAR_BYTES / 4,
        // The editor sends the spec as JSON, contract documents inline.
        (&Method::POST, "/api/plans/save" | "/api/plans/check") => {
            MAX_PLAN_BYTES + MAX_PLAN_BYTES / 4
        }
        _ => SMALL_BODY_BYTES,
    }
}

/// Every other request: server-function arguments and form posts are small.
pub const SMALL_BODY_BYTES: usize = 64 * 1024;
/// Error responses are small; a larger one is passed on untouched.
const MAX_ERROR_BYTES: usize = 64 * 1024;
const REQUEST_ID: &str = "x-request-id";

/// Leptos settings from the `[package.metadata.leptos]` table of Cargo.toml, compiled in, so the
/// binary runs without cargo-leptos' environment. `LEPTOS_SITE_ROOT` may point elsewhere.
pub fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let mut options = leptos::config::get_config_from_str(include_str!("../Cargo.toml"))
        .expect("Cargo.toml has a valid [package.metadata.leptos] table");
    options.site_addr = addr;
    if let Ok(root) = std::env::var("LEPTOS_SITE_ROOT") {
        options.site_root = root.into();
    }
    // Leptos reads the asset hashes from a file next to the running binary and panics on every
    // page when it is missing; a binary cargo-leptos did not build (a test binary) has none.
    let hash_file = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(options.hash_file.as_ref())));
    if options.hash_files && !hash_file.as_ref().is_some_and(|f| f.is_file()) {
        tracing::warn!(
            ?hash_file,
            "no asset hash file beside the binary: pages name unhashed assets"
        );
        options.hash_files = false;
    }
    options
}

/// The routes besides the pages and server functions: the JSON API and signing in and out.
fn routes() -> Routes {
    Routes::default()
        .nest("/api/v1", json_api::routes().fallback(json_api::not_found))
        .post("/login", sign_in::post_login)
        .post("/logout", sign_in::post_logout)
        .post("/setup", sign_in::post_setup)
        .get("/status/{secret}/badge.svg", json_api::share::get_badge)
}

/// Every route the app answers, as (method, path pattern): the pages, the server functions,
/// the JSON API and signing in. The authorization test walks this list.
pub fn route_list() -> Vec<(Method, String)> {
    let pages = generate_route_list(App).into_iter().flat_map(|page| {
        let path = page.path().to_string();
        page.methods()
            .map(|method| (page_method(method), path.clone()))
            .collect::<Vec<_>>()
    });
    let server_functions =
        leptos::server_fn::axum::server_fn_paths().map(|(path, method)| (method, path.to_string()));
    routes()
        .listed()
        .iter()
        .cloned()
        .chain(pages)
        .chain(server_functions)
        .collect()
}

fn page_method(method: leptos_router::Method) -> Method {
    use leptos_router::Method as Page;
    match method {
        Page::Get => Method::GET,
        Page::Post => Method::POST,
        Page::Put => Method::PUT,
        Page::Delete => Method::DELETE,
        Page::Patch => Method::PATCH,
    }
}

pub fn router(state: AppState) -> Router {
    let pages = generate_route_list(App);
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request| {
        let id = request
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", method = %request.method(), uri = %request.uri(), id)
    });
    routes()
        .into_router()
        .leptos_routes(&state, pages, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        // Every route above passes the authorization table; static files and the not-found
        // page (the fallback) are not routes.
        .route_layer(middleware::from_fn_with_state(state.clone(), guard::guard))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::map_response(cache_headers))
        .layer(middleware::from_fn(limit_body))
        .layer(middleware::from_fn(error_bodies))
        .layer(CompressionLayer::new())
        // The limit above is the only one: axum's default 2 MiB would refuse documented sizes.
        .layer(DefaultBodyLimit::disable())
        .layer(PropagateRequestIdLayer::new(
            REQUEST_ID.parse().expect("header name"),
        ))
        .layer(trace)
        .layer(SetRequestIdLayer::new(
            REQUEST_ID.parse().expect("header name"),
            MakeRequestUuid,
        ))
        .with_state(state)
}

/// Refuses a body over the route's [`body_limit`] with 413 and a JSON error, whether it
/// announces its length or not; nothing downstream sees a partial body.
async fn limit_body(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let limit = body_limit(request.method(), path);
    let path = path.to_string();
    let too_large = move || {
        guard::refusal_response(
            &path,
            ApiError::TooLarge(format!(
                "the request body is larger than the {limit} bytes this endpoint accepts"
            )),
        )
    };
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|len| len > limit as u64) {
        return too_large().into_response();
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => too_large().into_response(),
    }
}

/// Error bodies a client can rely on: a server function whose arguments do not deserialise is
/// the client's mistake (Leptos says 500; we say 400), and JSON API errors carry the request id
/// that the server log shows beside the failure.
async fn error_bodies(request: Request, next: Next) -> Response {
    let id = request.headers().get(REQUEST_ID).cloned();
    let response = next.run(request).await;
    let small = response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|len| len <= MAX_ERROR_BYTES as u64);
    if response.status().is_success() || !small {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BYTES).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if parts.status == StatusCode::INTERNAL_SERVER_ERROR
        && matches!(
            serde_json::from_slice::<ApiError>(&bytes),
            Ok(ApiError::Request(_))
        )
    {
        parts.status = StatusCode::BAD_REQUEST;
    }
    let with_id = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .filter(|v| v.get("error").is_some())
        .and_then(|mut v| {
            let id = id.as_ref()?.to_str().ok()?;
            v["request_id"] = id.into();
            serde_json::to_vec(&v).ok()
        });
    match with_id {
        Some(body) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(body))
        }
        None => Response::from_parts(parts, Body::from(bytes)),
    }
}

/// Built assets whose name carries a hash of their content never change: cache them for a year.
/// Other static files and pages are revalidated.
async fn cache_headers(uri: axum::http::Uri, mut response: Response) -> Response {
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    let value = if is_hashed_asset(uri.path()) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

/// `/pkg/<name>.<hash>.{js,wasm,css}`, as cargo-leptos names them with `hash-files`: the hash is
/// 22 characters of unpadded base64url. That covers the lazy pages' chunks (`chunk_7.<hash>.wasm`,
/// `split_<page>.<hash>.wasm`) and their loader (`__wasm_split.<hash>.js`), but not the entry
/// `breakwater.<hash>.{js,wasm}`: with `--split`, cargo-leptos hashes those two before writing
/// the loader's final name into them (cargo-leptos issue 658), so a change to a lazy page alone
/// keeps their names while their content changes. A browser caching them for good would ask
/// for a loader and chunks the next release no longer has.
fn is_hashed_asset(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/").filter(|n| !n.contains('/')) else {
        return false;
    };
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        ["breakwater", _, "js" | "wasm"] => false,
        [_, hash, "js" | "wasm" | "css"] => {
            hash.len() == 22
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        _ => false,
    }
}

/// Serves until `shutdown` resolves; requests in flight finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // With the client's address: the sign-in rate limit and the audit trail need it.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Resolves on Ctrl-C or SIGTERM (what service managers and `kill` send).
pub async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(%e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_names_hashed_after_their_last_rewrite_are_cached_for_good() {
        for path in [
            "/pkg/breakwater.gGBMb9DF3KDu6EEKOTAN4g.css",
            "/pkg/__wasm_split.SiWge90LaGfHMHpjXVZ2nQ.js",
            "/pkg/chunk_10.woLrj7N41HUG_ivcPd9q5g.wasm",
            "/pkg/split___plans_route_view_970773247146637995.AB1Hd0dxYPO0ttuqN1b-bw.wasm",
        ] {
            assert!(is_hashed_asset(path), "{path}");
        }
        for path in [
            // The entry files: rewritten after hashing.
            "/pkg/breakwater.q9OIiwKeUShuYks76o_uvA.js",
            "/pkg/breakwater.HVO5aiEWZ9yIY5kgNJNaew.wasm",
            "/pkg/chunk_10.wasm",
            "/pkg/chunk_10.short.wasm",
            "/pkg/nested/chunk_10.woLrj7N41HUG_ivcPd9q5g.wasm",
            "/favicon.svg",
            "/plans",
        ] {
            assert!(!is_hashed_asset(path), "{path}");
        }
    }
}
