//! The emergency stop on the run list: one reason pauses every running run at once; each is
//! then resumed on its own from its page.

use crate::api::calendar::stop_all_runs;
use crate::wire::calendar::StopAllRequest;
use leptos::prelude::*;

#[component]
pub fn StopAll(on_stopped: Callback<()>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let paused = RwSignal::new(None::<Vec<i64>>);
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let request = StopAllRequest {
            reason: reason.get_untracked().trim().to_string(),
        };
        if request.reason.is_empty() {
            return;
        }
        busy.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let result = stop_all_runs(request).await;
            busy.try_set(false);
            match result {
                Ok(outcome) => {
                    paused.try_set(Some(outcome.paused));
                    reason.try_set(String::new());
                    on_stopped.run(());
                }
                Err(error) => {
                    failure.try_set(Some(error.to_string()));
                }
            }
        });
    };
    let outcome = move || {
        paused.get().map(|ids| {
            if ids.is_empty() {
                return view! { <p class="notice" role="status" data-testid="stop-all-outcome">"No run was running: nothing paused."</p> }
                    .into_any();
            }
            let links = ids
                .into_iter()
                .map(|id| view! { " " <a href=format!("/runs/{id}") data-run=id>{format!("#{id}")}</a> })
                .collect_view();
            view! {
                <p class="notice" role="status" data-testid="stop-all-outcome">
                    "Paused:"{links}". Resume each from its page."
                </p>
            }
            .into_any()
        })
    };

    view! {
        <form class="stop-all" data-testid="stop-all" on:submit=submit>
            <label>"Reason for the emergency stop "
                <input type="text" name="reason" required maxlength="500" data-testid="stop-all-reason"
                    placeholder="payments are failing in every region"
                    prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
            </label>
            <button type="submit" class="danger" data-testid="stop-all-submit"
                disabled=move || !interactive.get() || busy.get() || reason.with(|r| r.trim().is_empty())>
                "Emergency stop: pause every running run"
            </button>
            {move || failure.get().map(|text| view! { <p class="error" role="alert">{text}</p> })}
            {outcome}
        </form>
    }
}
