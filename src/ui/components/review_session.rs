//! The readiness review held on a shared screen: open it, record who attends (each person from
//! their own account), then go or no-go with the reason. With `controls` false (a viewer, or the
//! plan page's history) it only shows what was recorded.

use crate::api::reviews::{attend_review, decide_review, list_reviews, open_review};
use crate::ui::components::run_status::utc;
use crate::wire::plans::ReviewSession;
use crate::wire::ApiError;
use leptos::prelude::*;

/// What the person may do here: open and decide (release managers), attend (service owners too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewControls {
    pub decide: bool,
    pub attend: bool,
}

#[component]
pub fn ReviewSessions(plan: String, controls: ReviewControls) -> impl IntoView {
    let open = Action::new_local(|plan: &String| open_review(plan.clone()));
    let attend = Action::new_local(|plan: &String| attend_review(plan.clone()));
    let decide = Action::new_local(|(plan, go, reason): &(String, bool, String)| {
        decide_review(plan.clone(), *go, reason.clone())
    });
    let listed = plan.clone();
    let sessions = Resource::new(
        move || {
            (
                open.version().get(),
                attend.version().get(),
                decide.version().get(),
            )
        },
        move |_| list_reviews(listed.clone()),
    );
    let error = move || {
        [
            open.value().get(),
            attend.value().get(),
            decide.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(Result::err)
        .map(|e: ApiError| view! { <p class="error" role="alert">{e.to_string()}</p> })
    };
    let plan = StoredValue::new(plan);
    view! {
        <section class="review-sessions" aria-label="Readiness review">
            <h2>"Readiness review"</h2>
            {error}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(sessions) => {
                            let current = sessions.first().filter(|s| s.decision.is_none()).cloned();
                            let actions = if controls.decide || controls.attend {
                                view! { <SessionActions plan=plan.get_value() current=current.clone() controls open attend decide/> }.into_any()
                            } else {
                                ().into_any()
                            };
                            let shown = sessions.into_iter().map(|s| view! { <SessionCard session=s/> }).collect_view();
                            view! { {actions} <div class="review-history">{shown}</div> }.into_any()
                        }
                        Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

type SessionsAction<I> = Action<I, Result<Vec<ReviewSession>, ApiError>>;

#[component]
fn SessionActions(
    plan: String,
    current: Option<ReviewSession>,
    controls: ReviewControls,
    open: SessionsAction<String>,
    attend: SessionsAction<String>,
    decide: SessionsAction<(String, bool, String)>,
) -> impl IntoView {
    let Some(_) = current else {
        return controls
            .decide
            .then(|| view! {
                <button type="button" class="primary" on:click=move |_| { open.dispatch_local(plan.clone()); }>
                    "Start the review"
                </button>
            })
            .into_any();
    };
    let reason = RwSignal::new(String::new());
    let attend_plan = plan.clone();
    let decided = move |go: bool| {
        let plan = plan.clone();
        move |_| {
            decide.dispatch_local((plan.clone(), go, reason.get_untracked()));
        }
    };
    view! {
        <div class="review-actions">
            {controls.attend.then(|| view! {
                <button type="button" on:click=move |_| { attend.dispatch_local(attend_plan.clone()); }>
                    "I am attending"
                </button>
            })}
            {controls.decide.then(|| view! {
                <label>"Reason for the decision"
                    <input name="reason" maxlength="1000" required
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                </label>
                <button type="button" class="primary" on:click=decided(true)>"Go"</button>
                <button type="button" class="danger" on:click=decided(false)>"No-go"</button>
            })}
        </div>
    }
    .into_any()
}

#[component]
fn SessionCard(session: ReviewSession) -> impl IntoView {
    let attendees = session
        .attendees
        .iter()
        .map(|a| format!("{} ({})", a.name, a.role))
        .collect::<Vec<_>>()
        .join(", ");
    let outcome = match &session.decision {
        Some(d) => format!(
            "{} by {} at {}: {}",
            if d.go { "Go" } else { "No-go" },
            d.by,
            utc(d.at),
            d.reason
        ),
        None => "Under way: no decision yet".to_string(),
    };
    let class = match &session.decision {
        Some(d) if d.go => "review-card go",
        Some(_) => "review-card no-go",
        None => "review-card open",
    };
    view! {
        <article class=class data-review=session.id>
            <h3>{format!("Review {} of revision {}", session.id, session.revision)}</h3>
            <p class="muted">{format!("Started by {} at {}", session.started_by, utc(session.started_at))}</p>
            <p><strong>"Attended: "</strong>{if attendees.is_empty() { "nobody recorded".to_string() } else { attendees }}</p>
            <p class="review-outcome"><strong>{outcome}</strong></p>
        </article>
    }
}
