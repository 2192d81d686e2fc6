//! Breakwater: a dependency-aware rollout orchestrator.
//!
//! # Layout
//! - `breakwater-domain` (the `domain/` crate): the pure core, no I/O.
//! - [`api`]: server functions and their wire types (compiled for both server and browser).
//! - [`ui`]: the Leptos app: shell, pages, components.
//! - `server` (ssr only): store, import, JSON API, HTTP app, CLI.

// Leptos views are deeply nested types; the page types outgrow the default limit of 128.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;
pub mod ui;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(ui::App);
}
