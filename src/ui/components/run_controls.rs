//! The controls of a run: one button per command, enabled only when the command applies now;
//! each asks for a confirmation and a reason before it acts. Opening the confirmation fixes the
//! run revision the page shows and one idempotency key, and every submit of that confirmation
//! sends both: a submit retried after a lost answer acts once, and acting on a run that changed
//! meanwhile is refused (409) and the page catches up instead.

use crate::api::runs::act_on_run;
use crate::wire::runs::ActionRequest;
use crate::wire::ApiError;
use breakwater_domain::run::Command;
use leptos::prelude::*;

pub fn command_label(command: Command) -> &'static str {
    match command {
        Command::Start => "Start",
        Command::Advance => "Advance now",
        Command::Pause => "Pause",
        Command::Resume => "Resume",
        Command::RollbackStage => "Roll back stage",
        Command::RollbackPlan => "Roll back plan",
        Command::Abort => "Abort",
        Command::Retry => "Retry step",
    }
}

/// What confirming the command will do, for the confirmation.
fn command_effect(command: Command) -> &'static str {
    match command {
        Command::Start => "Exposure moves to the first step of stage 1; the executor then advances on its own while the gates hold.",
        Command::Advance => "The next step is requested now, without waiting for the bake time.",
        Command::Pause => "The run stops moving; exposure stays where it is and the bake time left is kept.",
        Command::Resume => "The run moves on and serves the bake time it has left.",
        Command::RollbackStage => "The current stage's services go back to 0% of their new version; the run then waits, paused.",
        Command::RollbackPlan => "Every stage the run touched goes back to 0% of its new version, the last stage first.",
        Command::Abort => "The run ends here and takes no further action on its own.",
        Command::Retry => "The current step is requested again from its start.",
    }
}

fn is_drastic(command: Command) -> bool {
    matches!(
        command,
        Command::RollbackStage | Command::RollbackPlan | Command::Abort
    )
}

/// Unique per confirmation: the browser's clock and a random number. The server acts once per key.
pub fn idempotency_key() -> String {
    format!(
        "web-{:x}-{:012x}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * (1u64 << 48) as f64) as u64
    )
}

/// An open confirmation: the command and what each of its submits sends with it.
#[derive(Clone, PartialEq)]
struct Confirming {
    command: Command,
    /// The revision the page showed when the confirmation opened.
    expected_revision: u64,
    idempotency_key: String,
}

#[derive(Clone, PartialEq)]
enum Notice {
    Done(String),
    Failed(String),
}

/// `offered`: the commands the person may give (a button each); `commands`: what applies now;
/// `revision`: the revision the page shows; `on_changed`: called after an action applied or was
/// refused because the run changed, to show its current state.
#[component]
pub fn RunControls(
    id: i64,
    offered: &'static [Command],
    commands: Signal<Vec<Command>>,
    revision: Signal<u64>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let confirming = RwSignal::new(None::<Confirming>);
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<Notice>);
    let reason_ref = NodeRef::<leptos::html::Textarea>::new();
    // Effects run only in the browser, once the page is live: until then (and without
    // JavaScript) the page says the buttons do nothing.
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));

    let open = move |command: Command| {
        notice.set(None);
        confirming.set(Some(Confirming {
            command,
            expected_revision: revision.get_untracked(),
            idempotency_key: idempotency_key(),
        }));
        request_animation_frame(move || {
            if let Some(input) = reason_ref.get_untracked() {
                let _ = input.focus();
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(Confirming {
            command,
            expected_revision,
            idempotency_key,
        }) = confirming.get_untracked()
        else {
            return;
        };
        let request = ActionRequest {
            command,
            expected_revision,
            idempotency_key,
            reason: reason.get_untracked().trim().to_string(),
        };
        if request.reason.is_empty() {
            notice.set(Some(Notice::Failed(
                "Say why: the reason is recorded in the timeline.".to_string(),
            )));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = act_on_run(id, request).await;
            busy.set(false);
            match result {
                Ok(outcome) => {
                    confirming.set(None);
                    reason.set(String::new());
                    notice.set(Some(Notice::Done(format!(
                        "{}: done (run revision {}).",
                        command_label(command),
                        outcome.run.revision
                    ))));
                    on_changed.run(());
                }
                Err(ApiError::Conflict(why)) => {
                    confirming.set(None);
                    notice.set(Some(Notice::Failed(format!(
                        "The run changed: {why}. The page now shows its current state; check it and try again."
                    ))));
                    on_changed.run(());
                }
                Err(error) => notice.set(Some(Notice::Failed(error.to_string()))),
            }
        });
    };

    let buttons = offered
        .iter()
        .map(|&command| {
            view! {
                <button type="button" class:danger=is_drastic(command) data-command=command.as_str()
                    disabled=move || busy.get() || !commands.with(|c| c.contains(&command))
                    on:click=move |_| open(command)>
                    {command_label(command)}
                </button>
            }
        })
        .collect_view();

    let dialog = move || {
        confirming.get().map(|Confirming { command, .. }| {
            let label = command_label(command);
            view! {
                <form class="confirm" role="dialog" aria-modal="true" aria-labelledby="confirm-title"
                    on:submit=submit
                    on:keydown=move |ev| if ev.key() == "Escape" { confirming.set(None) }>
                    <h3 id="confirm-title">{format!("{label}?")}</h3>
                    <p>{command_effect(command)}</p>
                    <label>"Reason (recorded in the timeline)"
                        <textarea node_ref=reason_ref name="reason" required rows="2" maxlength="500"
                            prop:value=move || reason.get()
                            on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    </label>
                    <div class="confirm-buttons">
                        <button type="submit" class="primary" class:danger=is_drastic(command)
                            disabled=move || busy.get() || reason.with(|r| r.trim().is_empty())>
                            {format!("Confirm: {label}")}
                        </button>
                        <button type="button" on:click=move |_| confirming.set(None)>"Cancel"</button>
                    </div>
                    {move || match notice.get() {
                        Some(Notice::Failed(text)) => Some(view! { <p class="error" role="alert">{text}</p> }),
                        _ => None,
                    }}
                </form>
            }
        })
    };
    let outcome = move || {
        if confirming.with(Option::is_some) {
            return None;
        }
        notice.get().map(|n| match n {
            Notice::Done(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
            Notice::Failed(text) => view! { <p class="error" role="alert">{text}</p> }.into_any(),
        })
    };

    view! {
        <div class="run-controls">
            <div class="control-buttons" role="group" aria-label="Run controls">{buttons}</div>
            {move || (!interactive.get()).then(|| view! {
                <p class="hint">"The controls need JavaScript. This page shows the run as it was when loaded: refresh to update."</p>
            })}
            {dialog}
            {outcome}
        </div>
    }
}
