//! `/status/:secret`: the read-only status page a share link opens, for stakeholders without an
//! account. Whole in the server's HTML (readable without JavaScript); in the browser it asks
//! again every [`POLL`]. It shows only the stakeholder status: no controls, no links into the
//! app, no metrics. An expired or revoked link answers 410 with a page that says so.

use crate::api::share::status_page;
use crate::ui::components::run_status::utc;
use crate::wire::share::{ShareKind, SharedStatus};
use crate::wire::ApiError;
use breakwater_domain::status::{Health, StageProgress, StageStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// How often the page asks for the status again.
pub const POLL: std::time::Duration = std::time::Duration::from_secs(15);

#[component]
pub fn StatusPage() -> impl IntoView {
    let params = use_params_map();
    let secret = move || params.with(|p| p.get("secret").unwrap_or_default());
    let status = Resource::new(secret, status_page);
    let polled = RwSignal::new(None::<Result<SharedStatus, ApiError>>);
    #[cfg(feature = "hydrate")]
    {
        let poll = move || {
            let secret = secret();
            leptos::task::spawn_local(async move {
                polled.try_set(Some(status_page(secret).await));
            })
        };
        if let Ok(handle) = set_interval_with_handle(poll, POLL) {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <section class="page status-page">
            <Transition fallback=|| view! { <p class="muted">"Loading the status…"</p> }>
                {move || Suspend::new(async move {
                    let rendered = status.await;
                    let shown = Signal::derive(move || polled.get().unwrap_or_else(|| rendered.clone()));
                    move || match shown.get() {
                        Ok(shared) => view! { <StatusBody shared/> }.into_any(),
                        Err(error) => view! { <StatusError error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn StatusBody(shared: SharedStatus) -> impl IntoView {
    let status = shared.status;
    let what = match shared.kind {
        ShareKind::Plan => "Rollout",
        ShareKind::Run => "Run",
    };
    let light = status.health.as_str();
    let stages = status
        .stages
        .into_iter()
        .map(|stage| view! { <StageRow stage/> })
        .collect_view();
    let events = if status.events.is_empty() {
        view! { <p class="muted">"Nothing has happened yet."</p> }.into_any()
    } else {
        let items = status
            .events
            .into_iter()
            .map(|e| view! { <li><time>{utc(e.at)}</time>" "{e.text}</li> })
            .collect_view();
        view! { <ul class="status-events">{items}</ul> }.into_any()
    };
    let timing = [
        status
            .next_window
            .map(|at| ("Next release window", utc(at))),
        status.eta.map(|at| ("Expected to finish", utc(at))),
    ]
    .into_iter()
    .flatten()
    .map(|(label, at)| view! { <div><dt>{label}</dt><dd>{at}</dd></div> })
    .collect_view();
    view! {
        <Title text=format!("{what} status · {}", status.plan)/>
        <h1>{format!("{what} status: {}", status.plan)}</h1>
        <div class=format!("status-light status-{light}") role="status">
            <span class="status-dot" aria-hidden="true"></span>
            <strong>{light_words(status.health)}</strong>
            " "{status.reason}
        </div>
        <div class="status-progress" aria-label="Progress">
            <progress max="100" value=status.progress></progress>
            <span>{format!("{}% of the steps done", status.progress)}</span>
        </div>
        <dl class="status-timing">{timing}</dl>
        <h2>"Stages"</h2>
        <ol class="status-stages">{stages}</ol>
        <h2>"Recent events"</h2>
        {events}
        <p class="muted status-footer">
            {format!("Updated {} · this page refreshes by itself · the link works until {}",
                utc(status.now), utc(shared.expires_at))}
        </p>
    }
}

#[component]
fn StageRow(stage: StageStatus) -> impl IntoView {
    let (class, words) = match stage.progress {
        StageProgress::NotStarted => ("not-started", "not started".to_string()),
        StageProgress::InProgress => (
            "in-progress",
            format!("in progress, {}% of traffic", stage.percent),
        ),
        StageProgress::Done => ("done", "done".to_string()),
        StageProgress::RolledBack => ("rolled-back", "rolled back".to_string()),
    };
    view! {
        <li class=format!("status-stage {class}")>
            <strong>{format!("Stage {}", stage.index)}</strong>
            " "{stage.services.join(", ")}
            <span class="status-stage-state">{words}</span>
        </li>
    }
}

fn light_words(health: Health) -> &'static str {
    match health {
        Health::Green => "On track.",
        Health::Amber => "Needs attention.",
        Health::Red => "Problem.",
    }
}

#[component]
fn StatusError(error: ApiError) -> impl IntoView {
    let title = match error {
        ApiError::Gone(_) => "This status link no longer works",
        ApiError::NotFound(_) => "No such status page",
        _ => "The status cannot be shown right now",
    };
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <p role="alert">{error.to_string()}</p>
    }
}
