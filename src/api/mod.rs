//! The server functions: Leptos endpoints under `/api/...`, called by the UI and reachable by
//! anyone. Compiled for both targets; on the server each body only reads its input, calls
//! [`crate::server`] and maps the outcome to the wire types of [`crate::wire`].

pub mod access;
pub mod calendar;
pub mod catalog;
pub mod contracts;
pub mod plans;
pub mod reviews;
pub mod runs;
pub mod share;

pub use crate::wire::ApiError;

/// Gives a failed server function the HTTP status of its error (the default would be 500).
#[cfg(feature = "ssr")]
fn respond<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(error) = &result {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(error.status());
        }
    }
    result
}

/// What every server function can reach.
#[cfg(feature = "ssr")]
fn state() -> crate::server::AppState {
    leptos::prelude::expect_context::<crate::server::AppState>()
}

/// Who the call speaks for: the guard put them in the request before any server function (or
/// page rendering one) runs; a call without one is refused.
#[cfg(feature = "ssr")]
fn principal() -> Result<crate::server::access::Principal, ApiError> {
    respond(
        leptos::prelude::use_context::<axum::http::request::Parts>()
            .and_then(|parts| {
                parts
                    .extensions
                    .get::<crate::server::access::Principal>()
                    .cloned()
            })
            .ok_or_else(|| ApiError::Unauthenticated("sign in first".into())),
    )
}
