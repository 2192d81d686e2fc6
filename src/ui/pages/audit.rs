//! `/audit?actor=&kind=&subject=&since=&after=`: the audit trail, who did what, when, from where,
//! and what it changed. The filters are a GET form and the next page a link, so the page reads
//! and filters the same without JavaScript.

use super::LoadError;
use crate::api::access::{audit_events, AuditQuery, AUDIT_SHOWN};
use crate::ui::components::run_status::utc;
use crate::wire::access::AuditEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Kinds offered as suggestions in the filter; any kind, or a family such as `plan.`, may be typed.
const KINDS: &[&str] = &[
    "catalog.",
    "plan.",
    "plan.save",
    "plan.review",
    "plan.acknowledge",
    "run.",
    "run.create",
    "run.act",
    "run.override",
    "run.stop_all",
    "calendar.save",
    "simulator.",
    "session.",
    "user.",
    "token.",
    "share.",
];

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| {
            let text = |key: &str| q.get(key).unwrap_or_default();
            AuditQuery {
                actor: text("actor"),
                kind: text("kind"),
                subject: text("subject"),
                since: text("since"),
                // A hand-edited `after` that is not a number starts from the beginning.
                after: text("after").parse().unwrap_or(0),
            }
        })
    });
    let events = Resource::new(move || filter.get(), audit_events);
    view! {
        <Title text="Audit trail"/>
        <section class="page audit-page">
            <h1>"Audit trail"</h1>
            <p class="hint">"Every change and every refused attempt: who, when, from where, and what it was before and after. Oldest first; "
                <code>"breakwater audit export"</code>" and "<code>"GET /api/v1/audit"</code>" give the same events to scripts."</p>
            <FilterForm filter/>
            <Transition fallback=|| view! { <p class="muted">"Loading the audit trail…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Ok(events) if events.is_empty() => view! {
                            <p class="empty">"No event matches these filters."</p>
                        }.into_any(),
                        Ok(events) => view! { <AuditTable events filter=filter.get_untracked()/> }.into_any(),
                        Err(error) => view! { <LoadError error what="the audit trail"/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The filters as a plain GET form: submitting reloads the page with them in the URL.
#[component]
fn FilterForm(filter: Memo<AuditQuery>) -> impl IntoView {
    let field = move |get: fn(&AuditQuery) -> &String| move || filter.with(|f| get(f).clone());
    view! {
        <form class="audit-filters" method="get" action="/audit" aria-label="Filter the audit trail">
            <label class="field">"Actor"
                <input name="actor" placeholder="user or token name" maxlength="200"
                    value=field(|f| &f.actor)/>
            </label>
            <label class="field">"Kind"
                <input name="kind" list="audit-kinds" placeholder="plan.save or plan." maxlength="200"
                    value=field(|f| &f.kind)/>
                <datalist id="audit-kinds">
                    {KINDS.iter().map(|k| view! { <option value=*k></option> }).collect_view()}
                </datalist>
            </label>
            <label class="field">"Plan or service"
                <input name="subject" placeholder="checkout-v2" maxlength="200"
                    value=field(|f| &f.subject)/>
            </label>
            <label class="field">"Since"
                <input name="since" type="date" value=field(|f| &f.since)/>
            </label>
            <button type="submit" class="primary">"Filter"</button>
            <a class="button" href="/audit">"Clear"</a>
        </form>
    }
}

#[component]
fn AuditTable(events: Vec<AuditEvent>, filter: AuditQuery) -> impl IntoView {
    // A full page may have more after it: the link continues after its last event.
    let more = (events.len() as i64 >= AUDIT_SHOWN)
        .then(|| events.last().map(|e| later_href(&filter, e.id)))
        .flatten();
    let rows = events
        .into_iter()
        .map(|e| {
            let refused = !(200..400).contains(&e.outcome) && e.outcome != 0;
            let kind = e.kind.clone();
            view! {
                <tr data-kind=kind class:refused=refused>
                    <td class="at">{utc(e.at)}</td>
                    <td><strong>{e.actor}</strong></td>
                    <td>{e.via}</td>
                    <td><code>{e.address}</code></td>
                    <td><code>{e.kind}</code></td>
                    <td class="subject">{e.subject}</td>
                    <td class="num">{outcome_words(e.outcome)}</td>
                    <td class="audit-change"><Change before=e.before after=e.after/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="services audit">
            <thead>
                <tr>
                    <th>"Time"</th><th>"Actor"</th><th>"Via"</th><th>"Address"</th><th>"Kind"</th>
                    <th>"Subject"</th><th>"Outcome"</th><th>"Before → after"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {more.map(|href| view! { <p class="audit-more"><a class="button" href=href>"Later events →"</a></p> })}
    }
}

/// What an event changed, when it recorded it.
#[component]
fn Change(before: Option<String>, after: Option<String>) -> impl IntoView {
    match (before, after) {
        (None, None) => None,
        (before, after) => Some(view! {
            <span class="before">{before.unwrap_or_else(|| "–".into())}</span>
            " → "
            <span class="after">{after.unwrap_or_else(|| "–".into())}</span>
        }),
    }
}

/// The outcome as people read it: the HTTP status with its meaning.
fn outcome_words(status: i64) -> String {
    match status {
        // Recorded by the code that made the change (the command line, the first-admin link).
        0 => "done".to_string(),
        200..=399 => format!("{status} done"),
        401 => "401 not signed in".to_string(),
        403 => "403 refused".to_string(),
        409 => "409 conflict".to_string(),
        400..=499 => format!("{status} rejected"),
        _ => format!("{status} failed"),
    }
}

/// The same filters, continuing after event `id`.
fn later_href(filter: &AuditQuery, id: i64) -> String {
    let pairs = [
        ("actor", filter.actor.as_str()),
        ("kind", &filter.kind),
        ("subject", &filter.subject),
        ("since", &filter.since),
    ];
    let mut query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encoded(v)))
        .collect();
    query.push(format!("after={id}"));
    format!("/audit?{}", query.join("&"))
}

/// A query value with everything but unreserved characters percent-encoded.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_keeps_the_filters() {
        let filter = AuditQuery {
            actor: "rita".into(),
            kind: "plan.".into(),
            subject: "checkout v2&x".into(),
            since: String::new(),
            after: 0,
        };
        assert_eq!(
            later_href(&filter, 42),
            "/audit?actor=rita&kind=plan.&subject=checkout%20v2%26x&after=42"
        );
    }

    #[test]
    fn outcomes_read_as_words() {
        assert_eq!(outcome_words(0), "done");
        assert_eq!(outcome_words(200), "200 done");
        assert_eq!(outcome_words(403), "403 refused");
        assert_eq!(outcome_words(422), "422 rejected");
        assert_eq!(outcome_words(500), "500 failed");
    }
}
