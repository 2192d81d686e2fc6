use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Errors a client may see. Internal failures are logged on the server and reported only as
/// [`ApiError::Internal`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ApiError {
    #[error("{0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("internal error; the details are in the server log")]
    Internal,
    #[error("request failed: {0}")]
    Request(String),
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ApiError::Request(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl ApiError {
    /// Logs an internal failure and hides its text from the client.
    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "request failed");
        ApiError::Internal
    }

    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            ApiError::Invalid(_) | ApiError::Request(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::server::store::StoreError> for ApiError {
    fn from(e: crate::server::store::StoreError) -> Self {
        ApiError::internal(e)
    }
}
