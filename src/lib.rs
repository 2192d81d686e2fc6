//! Breakwater: a dependency-aware rollout orchestrator.
//!
//! # Layers (each uses only the ones below it; ARCHITECTURE.md, checked by `tests/layers.rs`)
//! - `cli`, `app` (ssr only): the command line and the HTTP app, composing everything below.
//! - [`ui`]: the Leptos app: shell, pages, components.
//! - [`api`]: server functions (compiled for both server and browser).
//! - `server` (ssr only): store, import, checks, views, JSON API, job threads.
//! - [`wire`]: wire types and `ApiError`, a leaf every layer may use.
//! - `breakwater-domain` (the `domain/` crate): the pure core, no I/O.

// Leptos views are deeply nested types; the page types outgrow the default limit of 128.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod app;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod server;
pub mod ui;
pub mod wire;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    ui::hydrate();
}
