//! The rule editor: the calendar's rules in a table with Edit and Delete, and a form that adds
//! or replaces one rule. The server validates (the same loader as the YAML file) and either
//! saves a new calendar revision or answers every problem with nothing saved; a problem about
//! the edited rule (`rule.rrule`) shows beside its field, any other above the form. Those who
//! may not change the calendar see the table alone.

use crate::api::calendar::{delete_calendar_rule, save_calendar_rule};
use crate::wire::calendar::{CalendarSaveOutcome, RuleEdit};
use crate::wire::ApiError;
use breakwater_domain::calendar::document::RuleEntry;
use breakwater_domain::calendar::RuleKind;
use breakwater_domain::plan::{PlanLocation, PlanProblem};
use leptos::prelude::*;

/// The form's fields, in the order shown: the key (the field of [`RuleEntry`], as problems name
/// it after `rule.`), the label and a hint.
const FIELDS: [(&str, &str, &str); 10] = [
    ("name", "Name", "weekday-mornings"),
    (
        "rrule",
        "Recurrence (RRULE)",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH;BYHOUR=9",
    ),
    ("duration", "Duration (with a recurrence)", "5h, 90m"),
    ("start", "Start (local time)", "2026-12-18T17:00"),
    ("end", "End (a one-off rule)", "2027-01-04T08:00"),
    ("timezone", "Time zone", "the calendar's, or Europe/Berlin"),
    (
        "services",
        "Services",
        "comma-separated; empty: every service",
    ),
    ("teams", "Teams", "team-payments"),
    ("tiers", "Tiers", "critical, standard, low"),
    ("regions", "Regions", "us-east-1"),
];

/// The form's text, one signal per field of [`FIELDS`] plus the kind.
#[derive(Clone, Copy)]
struct RuleForm {
    kind: RwSignal<String>,
    fields: [RwSignal<String>; FIELDS.len()],
    /// The rule being replaced (`None`: a new rule).
    original: RwSignal<Option<String>>,
}

impl RuleForm {
    fn new() -> RuleForm {
        RuleForm {
            kind: RwSignal::new(RuleKind::Activation.as_str().to_string()),
            fields: std::array::from_fn(|_| RwSignal::new(String::new())),
            original: RwSignal::new(None),
        }
    }

    fn field(&self, key: &str) -> String {
        FIELDS
            .iter()
            .position(|(k, ..)| *k == key)
            .map(|i| self.fields[i].get_untracked())
            .unwrap_or_default()
    }

    /// Shows `rule` for editing (or an empty form for `None`).
    fn load(&self, rule: Option<&RuleEntry>) {
        let empty = RuleEntry::default();
        let rule = rule.unwrap_or(&empty);
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let values = [
            text(&rule.name),
            text(&rule.rrule),
            text(&rule.duration),
            text(&rule.start),
            text(&rule.end),
            text(&rule.timezone),
            rule.services.join(", "),
            rule.teams.join(", "),
            rule.tiers.join(", "),
            rule.regions.join(", "),
        ];
        for (signal, value) in self.fields.iter().zip(values) {
            signal.set(value);
        }
        self.kind.set(
            rule.kind
                .clone()
                .unwrap_or_else(|| RuleKind::Activation.as_str().to_string()),
        );
        self.original
            .set(rule.name.clone().filter(|_| rule != &empty));
    }

    /// The rule as the form says, untouched but trimmed: the server judges every value.
    fn entry(&self) -> RuleEntry {
        let text = |key| Some(self.field(key).trim().to_string()).filter(|t| !t.is_empty());
        let list = |key| {
            self.field(key)
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        };
        RuleEntry {
            name: text("name"),
            kind: Some(self.kind.get_untracked()),
            rrule: text("rrule"),
            duration: text("duration"),
            start: text("start"),
            end: text("end"),
            timezone: text("timezone"),
            services: list("services"),
            teams: list("teams"),
            tiers: list("tiers"),
            regions: list("regions"),
        }
    }
}

/// The form field a problem belongs beside (`rule.rrule` or `rule.services[1]`: "rrule",
/// "services"), if it is one of the form's.
fn field_of(problem: &PlanProblem) -> Option<&'static str> {
    let PlanLocation::Field { path } = &problem.location else {
        return None;
    };
    let field = path.strip_prefix("rule.")?;
    let field = field.split(['[', '.']).next().unwrap_or(field);
    ["kind"]
        .into_iter()
        .chain(FIELDS.iter().map(|(key, ..)| *key))
        .find(|key| *key == field)
}

/// "FREQ=WEEKLY;BYHOUR=9 for 5h" or "2026-12-18T17:00 to 2027-01-04T08:00".
fn time_words(rule: &RuleEntry) -> String {
    let or_blank = |value: &Option<String>| value.clone().unwrap_or_default();
    match &rule.rrule {
        Some(rrule) => {
            let from = rule
                .start
                .as_ref()
                .map(|s| format!(" from {s}"))
                .unwrap_or_default();
            format!("{rrule} for {}{from}", or_blank(&rule.duration))
        }
        None => format!("{} to {}", or_blank(&rule.start), or_blank(&rule.end)),
    }
}

/// "teams: team-payments · regions: us-east-1", or "every service".
fn scope_words(rule: &RuleEntry) -> String {
    let parts: Vec<String> = [
        ("services", &rule.services),
        ("teams", &rule.teams),
        ("tiers", &rule.tiers),
        ("regions", &rule.regions),
    ]
    .into_iter()
    .filter(|(_, values)| !values.is_empty())
    .map(|(what, values)| format!("{what}: {}", values.join(", ")))
    .collect();
    if parts.is_empty() {
        "every service".to_string()
    } else {
        parts.join(" · ")
    }
}

#[component]
pub fn RuleEditor(
    rules: Vec<RuleEntry>,
    based_on: Option<i64>,
    on_saved: Callback<()>,
    /// Whether the person may change the calendar: the buttons and the form.
    editable: bool,
) -> impl IntoView {
    let form = RuleForm::new();
    let problems = RwSignal::new(Vec::<PlanProblem>::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Effects run only in the browser, once the page is live.
    let interactive = RwSignal::new(false);
    Effect::new(move |_| interactive.set(true));

    // One answer of the server, for saving and deleting alike.
    let answered = move |result: Result<CalendarSaveOutcome, ApiError>| {
        busy.set(false);
        match result {
            Ok(outcome) if outcome.revision.is_some() => {
                problems.set(Vec::new());
                failure.set(None);
                form.load(None);
                on_saved.run(());
            }
            Ok(outcome) => problems.set(outcome.problems),
            Err(error) => failure.set(Some(error.to_string())),
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let edit = RuleEdit {
            original: form.original.get_untracked(),
            rule: form.entry(),
            based_on,
        };
        busy.set(true);
        failure.set(None);
        leptos::task::spawn_local(async move { answered(save_calendar_rule(edit).await) });
    };
    let delete = move |name: String| {
        busy.set(true);
        failure.set(None);
        leptos::task::spawn_local(
            async move { answered(delete_calendar_rule(name, based_on).await) },
        );
    };

    let rows = rules
        .iter()
        .map(|rule| {
            let name = rule.name.clone().unwrap_or_default();
            let edited = rule.clone();
            let deleted = name.clone();
            view! {
                <tr data-testid="rule-row" data-rule=name.clone()>
                    <td><strong>{name.clone()}</strong></td>
                    <td><span class=format!("kind-badge {}", rule.kind.clone().unwrap_or_default())>
                        {rule.kind.clone().unwrap_or_default()}
                    </span></td>
                    <td><code>{time_words(rule)}</code></td>
                    <td>{rule.timezone.clone().unwrap_or_else(|| "the calendar's".to_string())}</td>
                    <td>{scope_words(rule)}</td>
                    {editable.then(|| view! {
                        <td class="row-actions">
                            <button type="button" data-testid="rule-edit" disabled=move || !interactive.get() || busy.get()
                                on:click=move |_| { problems.set(Vec::new()); form.load(Some(&edited)) }>"Edit"</button>
                            <button type="button" class="danger" data-testid="rule-delete"
                                disabled=move || !interactive.get() || busy.get()
                                on:click=move |_| delete(deleted.clone())>"Delete"</button>
                        </td>
                    })}
                </tr>
            }
        })
        .collect_view();
    let table = if rules.is_empty() {
        view! {
            <p class="empty" data-testid="no-rules">"No rules: every time is open."
                {editable.then_some(" Add a window or a freeze below.")}</p>
        }
        .into_any()
    } else {
        view! {
            <table class="services rules" data-testid="rules">
                <thead><tr><th>"Name"</th><th>"Kind"</th><th>"Time"</th><th>"Zone"</th><th>"Scope"</th>{editable.then(|| view! { <th></th> })}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };

    // The problems of one field, beside it.
    let beside = move |key: &'static str| {
        move || {
            problems.with(|all| {
                all.iter()
                    .filter(|p| field_of(p) == Some(key))
                    .map(|p| {
                        view! {
                            <p class="field-problem" class:error=p.is_error() role="alert"
                                data-testid=format!("problem-{key}")>{p.message.clone()}</p>
                        }
                    })
                    .collect_view()
            })
        }
    };
    let others = move || {
        problems.with(|all| {
            let others: Vec<_> = all.iter().filter(|p| field_of(p).is_none()).cloned().collect();
            (!others.is_empty()).then(|| {
                view! {
                    <ul class="problems" data-testid="rule-problems">
                        {others.into_iter().map(|p| view! {
                            <li class:error=p.is_error()><code>{p.code.clone()}</code>" "{p.message.clone()}</li>
                        }).collect_view()}
                    </ul>
                }
            })
        })
    };
    let kinds =
        RuleKind::ALL.map(|kind| view! { <option value=kind.as_str()>{kind.as_str()}</option> });
    let field = move |(&(key, label, hint), value): (
        &(&'static str, &'static str, &'static str),
        RwSignal<String>,
    )| {
        view! {
            <label class="field">
                <span>{label}</span>
                <input type="text" name=key data-testid=format!("rule-{key}") placeholder=hint
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                {beside(key)}
            </label>
        }
    };
    // The name first, then the kind, then the time and the scope.
    let mut fields = FIELDS.iter().zip(form.fields).map(field);
    let name = fields.next();
    let fields = fields.collect_view();
    let heading = move || match form.original.get() {
        Some(name) => format!("Edit rule “{name}”"),
        None => "Add a rule".to_string(),
    };

    let form_view = editable.then(|| view! {
        <form class="rule-form" data-testid="rule-form" on:submit=submit>
            <h3>{heading}</h3>
            {move || (!interactive.get()).then(|| view! {
                <p class="hint">"Editing rules needs JavaScript; the calendar above reads without it."</p>
            })}
            {others}
            {move || failure.get().map(|text| view! { <p class="error" role="alert">{text}</p> })}
            <div class="rule-fields">
                {name}
                <label class="field">
                    <span>"Kind"</span>
                    <select name="kind" data-testid="rule-kind" prop:value=move || form.kind.get()
                        on:change=move |ev| form.kind.set(event_target_value(&ev))>{kinds}</select>
                    {beside("kind")}
                </label>
                {fields}
            </div>
            <div class="confirm-buttons">
                <button type="submit" class="primary" data-testid="rule-save"
                    disabled=move || !interactive.get() || busy.get()>
                    {move || if form.original.with(Option::is_some) { "Save the rule" } else { "Add the rule" }}
                </button>
                {move || form.original.with(Option::is_some).then(|| view! {
                    <button type="button" on:click=move |_| { problems.set(Vec::new()); form.load(None) }>"Cancel"</button>
                })}
            </div>
        </form>
    });
    view! { {table} {form_view} }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &str) -> PlanProblem {
        PlanProblem::error(
            PlanLocation::Field {
                path: path.to_string(),
            },
            "INVALID_RRULE",
            "bad",
        )
    }

    #[test]
    fn problems_go_beside_their_field() {
        assert_eq!(field_of(&at("rule.rrule")), Some("rrule"));
        assert_eq!(field_of(&at("rule.services[1]")), Some("services"));
        assert_eq!(field_of(&at("rule.kind")), Some("kind"));
        // Another rule's problem, or the calendar's, goes above the form.
        assert_eq!(field_of(&at("rules[0].rrule")), None);
        assert_eq!(field_of(&at("capacity.per_team_per_day")), None);
        assert_eq!(
            field_of(&PlanProblem::error(PlanLocation::Plan, "CONFLICT", "moved")),
            None
        );
    }

    #[test]
    fn rules_read_in_words() {
        let rule = RuleEntry {
            rrule: Some("FREQ=WEEKLY;BYHOUR=9".to_string()),
            duration: Some("5h".to_string()),
            teams: vec!["team-payments".to_string()],
            regions: vec!["us-east-1".to_string()],
            ..RuleEntry::default()
        };
        assert_eq!(time_words(&rule), "FREQ=WEEKLY;BYHOUR=9 for 5h");
        assert_eq!(
            scope_words(&rule),
            "teams: team-payments · regions: us-east-1"
        );
        let freeze = RuleEntry {
            start: Some("2026-12-18T17:00".to_string()),
            end: Some("2027-01-04T08:00".to_string()),
            ..RuleEntry::default()
        };
        assert_eq!(time_words(&freeze), "2026-12-18T17:00 to 2027-01-04T08:00");
        assert_eq!(scope_words(&freeze), "every service");
    }
}
