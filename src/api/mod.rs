//! The public surface: Leptos server functions (called by the UI, reachable by anyone at
//! `/api/...`) and their wire types. Each function parses its input, calls the domain and the
//! store, and maps failures to [`ApiError`] so internal error text never reaches a client.

pub mod catalog;
pub mod contracts;
pub mod error;

pub use error::ApiError;

/// Gives a failed server function the HTTP status of its error (the default would be 500).
#[cfg(feature = "ssr")]
pub(crate) fn respond<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(error) = &result {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(error.status());
        }
    }
    result
}
