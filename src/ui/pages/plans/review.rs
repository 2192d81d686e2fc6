//! `/plans/:name/review`: the readiness checklist a review walks through before approval, and
//! the acknowledgements recorded so far (who, when, comment). Reads whole without JavaScript;
//! acknowledging needs it (the server function takes JSON).

use super::{plan_name, when, PlanLinks, StateBadge};
use crate::api::plans::{acknowledge, get_plan};
use crate::ui::access::{acknowledges, WithUser};
use crate::ui::pages::LoadError;
use crate::wire::access::Me;
use crate::wire::plans::PlanDetail;
use crate::wire::ApiError;
use breakwater_domain::plan::readiness::ChecklistItem;
use leptos::prelude::*;
use leptos_meta::Title;

/// (plan, the revision shown, item key, comment)
type AckAction = Action<(String, i64, String, String), Result<PlanDetail, ApiError>>;

#[component]
pub fn ReviewPage() -> impl IntoView {
    let name = plan_name();
    let ack: AckAction = Action::new_local(
        |(name, revision, key, comment): &(String, i64, String, String)| {
            acknowledge(name.clone(), *revision, key.clone(), comment.clone())
        },
    );
    let detail = Resource::new(
        move || (name.get(), ack.version().get()),
        |(name, _)| get_plan(name, None),
    );
    view! {
        <Title text=move || format!("Readiness review · {}", name.get())/>
        <section class="page review-page">
            <Transition fallback=|| view! { <p class="muted">"Loading the plan…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(detail) => view! { <ReviewBody detail ack/> }.into_any(),
                        Err(error) => view! { <LoadError error what="the plan"/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ReviewBody(detail: PlanDetail, ack: AckAction) -> impl IntoView {
    let name = detail.summary.name.clone();
    let open = detail.checklist.items.iter().filter(|i| !i.done).count();
    let headline = if open == 0 {
        "Ready: every item is done.".to_string()
    } else {
        format!(
            "Not ready: {open} of {} items to do.",
            detail.checklist.items.len()
        )
    };
    let titles: Vec<(String, String)> = detail
        .checklist
        .items
        .iter()
        .map(|i| (i.key.clone(), i.title.clone()))
        .collect();
    let title_of = move |key: &str| {
        titles
            .iter()
            .find(|(k, _)| k == key)
            .map_or_else(|| key.to_string(), |(_, title)| title.clone())
    };
    let items = detail
        .checklist
        .items
        .into_iter()
        .map(|item| {
            view! { <ChecklistRow plan=name.clone() revision=detail.revision item ack/> }
        })
        .collect_view();
    let recorded = if detail.acknowledgements.is_empty() {
        view! { <p class="muted">"Nobody has acknowledged anything yet."</p> }.into_any()
    } else {
        view! {
            <table class="services acks">
                <thead><tr><th>"Item"</th><th>"Who"</th><th>"When"</th><th>"Comment"</th></tr></thead>
                <tbody>
                    {detail.acknowledgements.into_iter().map(|a| view! {
                        <tr data-key=a.key.clone()><td>{title_of(&a.key)}</td><td>{a.by}</td><td>{when(&a.at)}</td><td>{a.comment}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any()
    };
    view! {
        <div class="page-head">
            <div>
                <h1>{format!("Readiness review: {}", detail.summary.title.clone().unwrap_or_else(|| name.clone()))}</h1>
                <p class="plan-meta"><code>{name.clone()}</code>" · "<StateBadge state=detail.summary.state/>
                    {format!(" · revision {}", detail.revision)}</p>
            </div>
            <PlanLinks name=name.clone() current="review"/>
        </div>
        <p class=if open == 0 { "readiness ready" } else { "readiness open" } role="status">{headline}</p>
        <ul class="checklist">{items}</ul>
        {move || ack.value().get().and_then(|r| r.err()).map(|e| view! {
            <p class="error" role="alert">{format!("Not recorded: {e}")}</p>
        })}
        <h2>"Acknowledgements"</h2>
        {recorded}
    }
}

#[component]
fn ChecklistRow(plan: String, revision: i64, item: ChecklistItem, ack: AckAction) -> impl IntoView {
    let comment = RwSignal::new(String::new());
    let key = item.key.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        ack.dispatch_local((
            plan.clone(),
            revision,
            key.clone(),
            comment.get_untracked().trim().to_string(),
        ));
    };
    // Only for those who may sign this item off: a service owner signs for their own team.
    let form = (item.needs_ack && !item.done).then(|| {
        let label = format!("Acknowledge: {}", item.title);
        let key = item.key.clone();
        view! {
            <WithUser children={move |me: Option<Me>| acknowledges(me.as_ref(), &key).then(|| view! {
                <form class="ack-form" on:submit=submit.clone() aria-label=label.clone()>
                    <label>"Comment"
                        <input name="comment" maxlength="1000" placeholder="optional"
                            prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))/>
                    </label>
                    <button type="submit" class="primary" disabled=move || ack.pending().get()>"Acknowledge"</button>
                </form>
            })}/>
        }
    });
    let status = if item.done { "done" } else { "not done" };
    view! {
        <li class=if item.done { "checklist-item done" } else { "checklist-item open" } data-key=item.key.clone()>
            <span class="check-mark" aria-hidden="true">{if item.done { "✓" } else { "✕" }}</span>
            <div>
                <p class="check-title"><strong>{item.title}</strong>" "<span class="check-status">{status}</span>
                </p>
                <p class="check-detail">{item.detail}</p>
                {form}
            </div>
        </li>
    }
}
