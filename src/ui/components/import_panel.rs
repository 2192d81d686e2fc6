//! Catalog upload: the catalog YAML and its spec files, read in the browser and sent as text.

use super::problem_list::ProblemList;
use crate::api::catalog::upload_catalog;
use crate::wire::catalog::{ImportOutcome, UploadedFile};
use crate::wire::ApiError;
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

pub type ImportAction = Action<Vec<web_sys::File>, Result<ImportOutcome, ApiError>>;

/// The action behind the upload form: read every chosen file, then import them together.
pub fn import_action() -> ImportAction {
    Action::new_local(|files: &Vec<web_sys::File>| {
        let files = files.clone();
        async move {
            let mut uploaded = Vec::with_capacity(files.len());
            for file in files {
                let text = JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|v| v.as_string())
                    .ok_or_else(|| ApiError::Request(format!("cannot read {}", file.name())))?;
                // Set when a folder was picked: specs are then matched by their paths.
                // (web-sys has no binding for this standard property.)
                let relative =
                    js_sys::Reflect::get(&file, &js_sys::JsString::from("webkitRelativePath"))
                        .ok()
                        .and_then(|v| v.as_string())
                        .unwrap_or_default();
                uploaded.push(UploadedFile {
                    path: if relative.is_empty() {
                        file.name()
                    } else {
                        relative
                    },
                    text,
                });
            }
            upload_catalog(uploaded).await
        }
    })
}

#[component]
pub fn ImportPanel(action: ImportAction) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    let folder = NodeRef::<leptos::html::Input>::new();
    // The folder picker's attribute is not in the view macro's vocabulary; the picker only works
    // with JavaScript anyway, like the upload.
    Effect::new(move |_| {
        if let Some(input) = folder.get() {
            let _ = input.set_attribute("webkitdirectory", "");
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // Files picked one by one, and the YAML and JSON files of a picked folder.
        let mut files = Vec::new();
        for picker in [input, folder] {
            if let Some(list) = picker.get().and_then(|i| i.files()) {
                files.extend((0..list.length()).filter_map(|i| list.item(i)).filter(|f| {
                    let name = f.name().to_lowercase();
                    [".yaml", ".yml", ".json"]
                        .iter()
                        .any(|ext| name.ends_with(ext))
                }));
            }
        }
        action.dispatch_local(files);
    };
    let result = move || {
        action.value().get().map(|outcome| match outcome {
            Ok(ImportOutcome {
                revision: Some(revision),
                problems,
            }) => view! {
                <div class="import-result ok" role="status">
                    <p>{format!("Imported as revision {} ({}).", revision.id, revision.source)}</p>
                    {(!problems.is_empty()).then(|| view! { <ProblemList problems/> })}
                </div>
            }
            .into_any(),
            Ok(ImportOutcome { revision: None, problems }) => view! {
                <div class="import-result refused" role="alert">
                    <p>"Not imported: the catalog has problems. The current catalog is unchanged."</p>
                    <ProblemList problems/>
                </div>
            }
            .into_any(),
            Err(e) => view! {
                <div class="import-result refused" role="alert"><p>{e.to_string()}</p></div>
            }
            .into_any(),
        })
    };
    view! {
        <details class="import-panel">
            <summary>"Import catalog"</summary>
            <form on:submit=submit>
                <label>
                    "Catalog YAML and the spec files it names"
                    <input node_ref=input type="file" name="files" multiple accept=".yaml,.yml,.json"/>
                </label>
                <label>
                    "or the folder that holds them (specs are then matched by their paths)"
                    <input node_ref=folder type="file" name="folder"/>
                </label>
                <button type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Importing…" } else { "Import" }}
                </button>
            </form>
            {result}
        </details>
    }
}
