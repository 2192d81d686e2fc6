//! Catalog import: validate with the domain, then store atomically, then check the contracts of
//! the new revision. Shared by the CLI, the upload server function, the JSON API and the seed.

use super::access::guard::note;
use super::store::{Store, StoreError};
use super::work::Workers;
use super::AppState;
use crate::wire::catalog::{
    ImportOutcome, UploadedFile, MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, MAX_UPLOAD_PATH,
};
use crate::wire::ApiError;
use breakwater_domain::catalog::{self, Location, Problem, SpecSource};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Validates `text` and, when it has no errors, stores it as the new current catalog and checks
/// its contracts. An invalid catalog changes nothing.
pub async fn validate_and_store(
    store: &Store,
    workers: &Workers,
    text: String,
    mut specs: impl SpecSource + Send + 'static,
    source: &str,
    imported_by: &str,
) -> Result<ImportOutcome, ApiError> {
    let loaded = workers
        .run(move || catalog::load(&text, &mut specs))
        .await?;
    let (Some(catalog), true) = (&loaded.catalog, loaded.is_valid()) else {
        return Ok(ImportOutcome::refused(loaded.problems));
    };
    let warnings = loaded.problems;
    let stored = store
        .insert_revision(catalog, &warnings, source, imported_by, &super::now())
        .await;
    match stored {
        Ok(revision) => {
            note(
                "catalog",
                None,
                Some(format!(
                    "revision {} ({} services)",
                    revision.id, revision.service_count
                )),
            );
            super::compat::check_current_revision(store, workers).await?;
            Ok(ImportOutcome {
                revision: Some(revision.info()),
                problems: warnings,
            })
        }
        Err(StoreError::Conflict(message)) => {
            let mut problems = warnings;
            problems.push(Problem::error(
                &Location::Catalog,
                "CONTRACT_VERSION_CHANGED",
                message,
            ));
            Ok(ImportOutcome::refused(problems))
        }
        Err(e) => Err(e.into()),
    }
}

/// An upload from the browser: one catalog file and the spec files it names. A bad upload is an
/// answer for the person uploading (an `UPLOAD_INVALID` problem), like a bad catalog.
pub async fn import_upload(
    state: &AppState,
    files: Vec<UploadedFile>,
    imported_by: &str,
) -> Result<ImportOutcome, ApiError> {
    let (catalog_file, specs) = match split_upload(files) {
        Ok(split) => split,
        Err(reason) => {
            let problem = Problem::error(&Location::Catalog, "UPLOAD_INVALID", reason);
            return Ok(ImportOutcome::refused(vec![problem]));
        }
    };
    let source = format!("upload: {}", catalog_file.path);
    validate_and_store(
        &state.store,
        &state.workers,
        catalog_file.text,
        specs,
        &source,
        imported_by,
    )
    .await
}

/// Finds the catalog among uploaded files (the one with a top-level `services` key) and keeps
/// the rest as specs by their paths.
fn split_upload(files: Vec<UploadedFile>) -> Result<(UploadedFile, UploadedSpecs), String> {
    if files.is_empty() {
        return Err("choose a catalog file to import".into());
    }
    if files.len() > MAX_UPLOAD_FILES {
        return Err(format!(
            "{} files were uploaded; at most {MAX_UPLOAD_FILES} are accepted",
            files.len()
        ));
    }
    let total: usize = files.iter().map(|f| f.text.len() + f.path.len()).sum();
    if total > MAX_UPLOAD_BYTES {
        return Err(format!(
            "the upload is {:.1} MB; the limit is {} MB",
            total as f64 / 1e6,
            MAX_UPLOAD_BYTES / (1024 * 1024)
        ));
    }
    if let Some(long) = files.iter().find(|f| f.path.len() > MAX_UPLOAD_PATH) {
        return Err(format!(
            "a file path is {} characters long; the limit is {MAX_UPLOAD_PATH}",
            long.path.len()
        ));
    }
    let (mut catalogs, specs): (Vec<_>, Vec<_>) =
        files.into_iter().partition(|f| looks_like_catalog(&f.text));
    let catalog = match catalogs.len() {
        1 => catalogs.remove(0),
        // A single file that is not recognisably a catalog: let the loader say why.
        0 if specs.len() == 1 => {
            return Ok((
                specs.into_iter().next().expect("one file"),
                UploadedSpecs::default(),
            ))
        }
        0 => {
            return Err(
                "none of the files is a catalog (a YAML file with a top-level 'services' list)"
                    .into(),
            )
        }
        n => {
            return Err(format!(
                "{n} of the files look like catalogs; upload one catalog at a time"
            ))
        }
    };
    let specs = UploadedSpecs::new(&catalog.path, specs)?;
    Ok((catalog, specs))
}

/// Whether a file is a catalog rather than a spec: a top-level `services` key, found without
/// parsing YAML (the loader parses the catalog once, later, on a worker).
fn looks_like_catalog(text: &str) -> bool {
    if text.trim_start().starts_with('{') {
        #[derive(serde::Deserialize)]
        struct Probe {
            services: Option<serde::de::IgnoredAny>,
        }
        return serde_json::from_str::<Probe>(text).is_ok_and(|p| p.services.is_some());
    }
    text.lines().any(|line| {
        ["services:", "\"services\":", "'services':"]
            .iter()
            .any(|key| line.starts_with(key))
    })
}

/// Spec files uploaded with a catalog, by their normalised paths. A spec path in the catalog is
/// relative to the catalog's folder; files picked one by one arrive without folders, so a path
/// that matches no file exactly is looked up by its tail and then by file name, and refused when
/// that names more than one file.
#[derive(Default)]
pub struct UploadedSpecs {
    base: Vec<String>,
    files: HashMap<String, String>,
}

impl UploadedSpecs {
    fn new(catalog_path: &str, files: Vec<UploadedFile>) -> Result<UploadedSpecs, String> {
        let mut base = normalise(catalog_path);
        base.pop();
        let mut by_path = HashMap::with_capacity(files.len());
        for file in files {
            let path = normalise(&file.path).join("/");
            if by_path.insert(path.clone(), file.text).is_some() {
                return Err(format!(
                    "two uploaded files have the path '{path}'; upload the folder so their paths tell them apart"
                ));
            }
        }
        Ok(UploadedSpecs {
            base,
            files: by_path,
        })
    }

    fn unique<'a>(
        &'a self,
        what: &str,
        matches: Vec<&'a String>,
    ) -> Result<Option<String>, String> {
        match matches.as_slice() {
            [] => Ok(None),
            [only] => Ok(self.files.get(*only).cloned()),
            many => {
                let mut names: Vec<&str> = many.iter().map(|p| p.as_str()).collect();
                names.sort_unstable();
                Err(format!(
                    "{} uploaded files match {what} ({}); upload the folder so their paths tell them apart",
                    names.len(),
                    names.join(", ")
                ))
            }
        }
    }
}

impl SpecSource for UploadedSpecs {
    fn read(&mut self, path: &str) -> Result<String, String> {
        let relative = normalise(path);
        let mut wanted = self.base.clone();
        wanted.extend(relative.iter().cloned());
        if let Some(text) = self.files.get(&wanted.join("/")) {
            return Ok(text.clone());
        }
        let tail = relative.join("/");
        let by_tail = self
            .files
            .keys()
            .filter(|p| *p == &tail || p.ends_with(&format!("/{tail}")))
            .collect();
        if let Some(text) = self.unique(&format!("'{tail}'"), by_tail)? {
            return Ok(text);
        }
        let name = relative.last().cloned().unwrap_or_default();
        let by_name = self
            .files
            .keys()
            .filter(|p| p.rsplit('/').next() == Some(name.as_str()))
            .collect();
        self.unique(&format!("the file name '{name}'"), by_name)?
            .ok_or_else(|| {
                format!(
                    "'{tail}' was not uploaded; select the spec files together with the catalog"
                )
            })
    }
}

/// Path segments with `.` dropped and `..` applied (never above the root), `\` read as `/`.
fn normalise(path: &str) -> Vec<String> {
    let mut segments: Vec<String> = Vec::new();
    for segment in path.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s.to_string()),
        }
    }
    segments
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

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(catalog: &str, specs: &[&str]) -> UploadedSpecs {
        let files = specs
            .iter()
            .map(|p| UploadedFile {
                path: p.to_string(),
                text: format!("text of {p}"),
            })
            .collect();
        UploadedSpecs::new(catalog, files).unwrap()
    }

    /// (catalog path, uploaded spec paths, path named in the catalog, the file read or the error)
    type Case = (
        &'static str,
        &'static [&'static str],
        &'static str,
        Result<&'static str, &'static str>,
    );

    #[test]
    fn spec_paths_resolve_by_path_then_tail_then_name() {
        let cases: &[Case] = &[
            (
                "demo/catalog.yaml",
                &["demo/alpha/api.yaml", "demo/beta/api.yaml"],
                "alpha/api.yaml",
                Ok("demo/alpha/api.yaml"),
            ),
            (
                "demo/catalog.yaml",
                &["demo/alpha/api.yaml", "demo/beta/api.yaml"],
                "./beta/../beta/api.yaml",
                Ok("demo/beta/api.yaml"),
            ),
            (
                "catalog.yaml",
                &["api.yaml"],
                "specs/api.yaml",
                Ok("api.yaml"),
            ),
            (
                "catalog.yaml",
                &["x/specs/api.yaml", "y/api.yaml"],
                "specs/api.yaml",
                Ok("x/specs/api.yaml"),
            ),
            (
                "catalog.yaml",
                &["alpha/api.yaml", "beta/api.yaml"],
                "api.yaml",
                Err("2 uploaded files match 'api.yaml' (alpha/api.yaml, beta/api.yaml)"),
            ),
            (
                "catalog.yaml",
                &["a/specs/api.yaml", "b/specs/api.yaml"],
                "specs/api.yaml",
                Err("2 uploaded files match 'specs/api.yaml'"),
            ),
            (
                "catalog.yaml",
                &["other.yaml"],
                "api.yaml",
                Err("'api.yaml' was not uploaded"),
            ),
        ];
        for (catalog, specs, path, expected) in cases {
            let got = upload(catalog, specs).read(path);
            match (expected, &got) {
                (Ok(file), Ok(text)) => assert_eq!(text, &format!("text of {file}"), "{path}"),
                (Err(reason), Err(why)) => assert!(why.starts_with(reason), "{path}: {why}"),
                _ => panic!("{path}: expected {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn two_files_with_one_path_are_refused() {
        let files = ["a/api.yaml", "a/./api.yaml"]
            .map(|p| UploadedFile {
                path: p.into(),
                text: String::new(),
            })
            .to_vec();
        let error = UploadedSpecs::new("catalog.yaml", files).err().unwrap();
        assert!(error.starts_with("two uploaded files have the path 'a/api.yaml'"));
    }

    #[test]
    fn catalogs_are_recognised_without_parsing_yaml() {
        assert!(looks_like_catalog("# comment\nservices:\n  - id: a\n"));
        assert!(looks_like_catalog("{\"services\": []}"));
        assert!(!looks_like_catalog("openapi: 3.0.0\npaths: {}\n"));
        assert!(!looks_like_catalog(
            "{\"type\": \"object\", \"properties\": {\"services\": {}}}"
        ));
        assert!(!looks_like_catalog("x:\n  services: []\n"));
    }
}
