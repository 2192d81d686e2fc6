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
    /// The request was based on a revision that is no longer the latest.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request is larger than the route accepts.
    #[error("{0}")]
    TooLarge(String),
    /// The request carries no valid credentials: sign in, or send a valid API token.
    #[error("{0}")]
    Unauthenticated(String),
    /// The credentials are valid, but their role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// What the request names existed once and is gone for good (an expired or revoked link).
    #[error("{0}")]
    Gone(String),
    /// Too many failed attempts; the message says when to try again.
    #[error("{0}")]
    TooManyAttempts(String),
    /// Every worker for heavy requests stayed busy; the client may retry.
    #[error("the server is busy; try again in a moment")]
    Busy,
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
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
