//! Wire types: what crosses between the server and the browser (and the JSON API). A leaf of the
//! crate: it imports the domain and serde, never `api`, `server` or `ui`, so both targets compile
//! it and every layer may use it.

pub mod access;
pub mod calendar;
pub mod catalog;
pub mod contracts;
pub mod error;
pub mod plans;
pub mod runs;
pub mod share;

pub use error::ApiError;
