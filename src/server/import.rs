//! Catalog import: validate with the domain, then store atomically. Shared by the CLI, the
//! server function behind the upload form, the JSON API and the demo seed.

use super::store::{Store, StoreError};
use crate::api::catalog::ImportOutcome;
use breakwater_domain::catalog::{self, Location, Problem, SpecSource};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Validates `text` and, when it has no errors, stores it as the new current catalog.
/// An invalid catalog changes nothing.
pub async fn import_catalog(
    store: &Store,
    text: &str,
    mut specs: impl SpecSource + Send,
    source: &str,
    imported_by: &str,
) -> Result<ImportOutcome, StoreError> {
    let loaded = catalog::load(text, &mut specs);
    let (Some(catalog), true) = (&loaded.catalog, loaded.is_valid()) else {
        return Ok(ImportOutcome::refused(loaded.problems));
    };
    let warnings = loaded.problems;
    match store
        .import_catalog(catalog, &warnings, source, imported_by, &super::now())
        .await
    {
        Ok(revision) => Ok(ImportOutcome {
            revision: Some(revision.into()),
            problems: warnings,
        }),
        Err(StoreError::Conflict(message)) => {
            let mut problems = warnings;
            problems.push(Problem::error(
                &Location::Catalog,
                "CONTRACT_VERSION_CHANGED",
                message,
            ));
            Ok(ImportOutcome::refused(problems))
        }
        Err(e) => Err(e),
    }
}

/// Spec files next to a catalog file on disk.
pub struct SpecDir(pub PathBuf);

impl SpecSource for SpecDir {
    fn read(&mut self, path: &str) -> Result<String, String> {
        let full = self.0.join(path);
        let meta = std::fs::metadata(&full).map_err(|e| format!("{}: {e}", full.display()))?;
        if meta.len() as usize > catalog::MAX_CATALOG_BYTES {
            return Err(format!("{} is larger than the 10 MB limit", full.display()));
        }
        std::fs::read_to_string(&full).map_err(|e| format!("{}: {e}", full.display()))
    }
}

impl SpecDir {
    /// The folder that spec paths in `catalog_file` are relative to.
    pub fn beside(catalog_file: &Path) -> SpecDir {
        SpecDir(
            catalog_file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        )
    }
}

/// Spec files uploaded together with a catalog from the browser: matched by their path as written
/// in the catalog, or else by file name (browsers send names without folders).
pub struct UploadedSpecs(pub HashMap<String, String>);

impl SpecSource for UploadedSpecs {
    fn read(&mut self, path: &str) -> Result<String, String> {
        let name = Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.0
            .get(path)
            .or_else(|| self.0.get(&name))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "'{name}' was not uploaded; select the spec files together with the catalog"
                )
            })
    }
}

/// For imports over the JSON API, where specs must be inline (`document:`).
pub struct InlineSpecsOnly;

impl SpecSource for InlineSpecsOnly {
    fn read(&mut self, path: &str) -> Result<String, String> {
        Err(format!(
            "'{path}' is a file path; the API takes specs inline as `document:` \
             (as `breakwater catalog export` writes them)"
        ))
    }
}
