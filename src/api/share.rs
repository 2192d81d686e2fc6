//! Share links: creating, listing and revoking them (release managers), and the status page a
//! link opens (anyone holding it).

use crate::wire::share::{CreatedShareLink, NewShareLink, ShareKind, ShareLinkInfo, SharedStatus};
use crate::wire::ApiError;
use leptos::prelude::*;
use leptos::server_fn;

#[server(prefix = "/api", endpoint = "share/create", input = server_fn::codec::Json)]
pub async fn create_share_link(new: NewShareLink) -> Result<CreatedShareLink, ApiError> {
    let state = super::state();
    let who = super::principal()?;
    super::respond(crate::server::share::create(&state, &who, new).await)
}

#[server(prefix = "/api", endpoint = "share/list", input = server_fn::codec::Json)]
pub async fn list_share_links(
    kind: ShareKind,
    subject: String,
) -> Result<Vec<ShareLinkInfo>, ApiError> {
    let state = super::state();
    super::respond(crate::server::share::list(&state, kind, &subject).await)
}

#[server(prefix = "/api", endpoint = "share/revoke", input = server_fn::codec::Json)]
pub async fn revoke_share_link(id: i64) -> Result<ShareLinkInfo, ApiError> {
    let state = super::state();
    let who = super::principal()?;
    super::respond(crate::server::share::revoke(&state, &who, id).await)
}

/// The status page behind a share link: 404 for an unknown link, 410 for an expired or revoked one.
#[server(prefix = "/api", endpoint = "status")]
pub async fn status_page(secret: String) -> Result<SharedStatus, ApiError> {
    let state = super::state();
    super::respond(crate::server::share::open(&state, &secret).await)
}
