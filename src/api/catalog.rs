//! Reading the current catalog and uploading a new one.

use crate::wire::catalog::{CatalogView, ImportOutcome, UploadedFile};
use crate::wire::ApiError;
use leptos::prelude::*;
use leptos::server_fn;

#[server(prefix = "/api", endpoint = "catalog")]
pub async fn get_catalog() -> Result<CatalogView, ApiError> {
    let state = super::state();
    super::respond(
        crate::server::views::catalog_view(&state.store, &state.workers, &state.views)
            .await
            .map(|view| (*view).clone()),
    )
}

/// Imports a catalog uploaded from the browser: one YAML file with `services:` plus the spec
/// files it names. Nothing changes unless the whole catalog is valid.
#[server(prefix = "/api", endpoint = "catalog/import", input = server_fn::codec::Json)]
pub async fn upload_catalog(files: Vec<UploadedFile>) -> Result<ImportOutcome, ApiError> {
    let state = super::state();
    let who = super::principal()?;
    super::respond(crate::server::import::import_upload(&state, files, &who.name).await)
}
