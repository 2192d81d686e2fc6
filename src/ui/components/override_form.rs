//! Break-glass: let one run act outside its calendar for a few hours, with a required reason.
//! The override is recorded in the run's timeline with who and why, and expires on its own.

use super::calendar_banner::LocalTime;
use super::run_controls::idempotency_key;
use crate::api::calendar::override_run;
use crate::wire::calendar::OverrideRequest;
use breakwater_domain::calendar::{rfc3339, HOUR};
use breakwater_domain::run::Millis;
use leptos::prelude::*;

/// The longest override the server accepts, in hours.
const MAX_HOURS: i64 = 24;

/// The hours asked for, when they are a whole number from 1 to [`MAX_HOURS`].
fn hours(text: &str) -> Option<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|h| (1..=MAX_HOURS).contains(h))
}

#[component]
pub fn OverrideForm(id: i64, on_changed: Callback<()>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let for_hours = RwSignal::new("4".to_string());
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let granted = RwSignal::new(None::<Millis>);
    // One key per form shown: a submit retried after a lost answer overrides once.
    let key = StoredValue::new(String::new());
    let interactive = RwSignal::new(false);
    Effect::new(move |_| {
        key.set_value(idempotency_key());
        interactive.set(true);
    });
    let invalid =
        move || reason.with(|r| r.trim().is_empty()) || for_hours.with(|h| hours(h).is_none());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(hours) = hours(&for_hours.get_untracked()) else {
            failure.set(Some(format!(
                "An override lasts 1 to {MAX_HOURS} whole hours."
            )));
            return;
        };
        let until = js_sys::Date::now() as Millis + hours * HOUR;
        let request = OverrideRequest {
            reason: reason.get_untracked().trim().to_string(),
            until: rfc3339(until),
            idempotency_key: key.get_value(),
        };
        busy.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move {
            let result = override_run(id, request).await;
            busy.try_set(false);
            match result {
                Ok(_) => {
                    granted.try_set(Some(until));
                    reason.try_set(String::new());
                    key.try_set_value(idempotency_key());
                    on_changed.run(());
                }
                Err(error) => {
                    failure.try_set(Some(error.to_string()));
                }
            }
        });
    };

    view! {
        <form class="override-form" data-testid="override-form" on:submit=submit>
            <h3>"Break-glass: override the calendar"</h3>
            <p class="hint">"This run may then start stages and grow exposure outside its windows and in freezes, until the override expires. Who and why are recorded in the timeline."</p>
            <label>"Reason (required)"
                <textarea name="reason" required rows="2" maxlength="500" data-testid="override-reason"
                    prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
            </label>
            <label>"For how long (hours, 1 to 24) "
                <input type="number" name="hours" min="1" max=MAX_HOURS step="1" data-testid="override-hours"
                    prop:value=move || for_hours.get() on:input=move |ev| for_hours.set(event_target_value(&ev))/>
            </label>
            <div class="confirm-buttons">
                <button type="submit" class="primary danger" data-testid="override-submit"
                    disabled=move || !interactive.get() || busy.get() || invalid()>"Override the calendar"</button>
            </div>
            {move || (!interactive.get()).then(|| view! { <p class="hint">"The override needs JavaScript."</p> })}
            {move || failure.get().map(|text| view! { <p class="error" role="alert">{text}</p> })}
            {move || granted.get().map(|at| view! {
                <p class="notice" role="status">"Override in force until "<LocalTime at/>"."</p>
            })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::hours;

    #[test]
    fn an_override_lasts_one_to_twenty_four_whole_hours() {
        assert_eq!(hours(" 4 "), Some(4));
        assert_eq!(hours("24"), Some(24));
        assert_eq!(hours("0"), None);
        assert_eq!(hours("25"), None);
        assert_eq!(hours("1.5"), None);
        assert_eq!(hours(""), None);
    }
}
