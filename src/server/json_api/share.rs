//! Share links over the JSON API, and the status badge (outside `/api/v1`: it lives under the
//! link's own path, `/status/{secret}/badge.svg`).

use super::{json_body, query};
use crate::server::access::Principal;
use crate::server::routes::Routes;
use crate::server::{share, AppState};
use crate::wire::share::{ShareKind, ShareLinkInfo};
use crate::wire::ApiError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::default()
        .post("/share-links", post_link)
        .get("/share-links", get_links)
        .delete("/share-links/{id}", delete_link)
}

/// 201 with the link and its path (the only time the secret is shown).
async fn post_link(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let created = share::create(&state, &who, json_body(&body)?).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinksQuery {
    kind: ShareKind,
    subject: String,
}

async fn get_links(
    State(state): State<AppState>,
    links: Result<Query<LinksQuery>, QueryRejection>,
) -> Result<Json<Vec<ShareLinkInfo>>, ApiError> {
    let links = query(links)?;
    Ok(Json(share::list(&state, links.kind, &links.subject).await?))
}

async fn delete_link(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(who): Extension<Principal>,
) -> Result<Json<ShareLinkInfo>, ApiError> {
    let id = id
        .parse::<i64>()
        .map_err(|_| ApiError::Invalid("a share link's id is a number".into()))?;
    Ok(Json(share::revoke(&state, &who, id).await?))
}

/// `GET /status/{secret}/badge.svg`: the badge, 410 (with an "expired" badge) once the link
/// expired or was revoked. Never cached: it changes as the rollout moves.
pub async fn get_badge(State(state): State<AppState>, Path(secret): Path<String>) -> Response {
    let shared = share::open(&state, &secret).await;
    let status = match &shared {
        Ok(_) => StatusCode::OK,
        Err(e) => e.status(),
    };
    let svg = share::badge(shared.as_ref());
    (
        status,
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response()
}
