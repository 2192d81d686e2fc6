//! Share links of a plan or a run: create one (its address is shown once), see who created
//! each, when it expires and when it was last opened, and revoke it.

use crate::api::share::{create_share_link, list_share_links, revoke_share_link};
use crate::ui::components::run_status::utc;
use crate::wire::share::{NewShareLink, ShareKind, ShareLinkInfo};
use leptos::prelude::*;

/// The lifetimes offered, in hours.
const LIFETIMES: [(u32, &str); 4] = [
    (24, "1 day"),
    (7 * 24, "7 days"),
    (30 * 24, "30 days"),
    (90 * 24, "90 days"),
];

#[component]
pub fn ShareLinks(kind: ShareKind, subject: String) -> impl IntoView {
    let create = Action::new_local(|new: &NewShareLink| create_share_link(new.clone()));
    let revoke = Action::new_local(|id: &i64| revoke_share_link(*id));
    // Listed in the browser only: the list is a release manager's tool inside parts of pages
    // that render once the person is known, and it reloads after every change.
    let listed_subject = subject.clone();
    let links = LocalResource::new(move || {
        create.version().get();
        revoke.version().get();
        list_share_links(kind, listed_subject.clone())
    });
    let hours = RwSignal::new(LIFETIMES[1].0);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch_local(NewShareLink {
            kind,
            subject: subject.clone(),
            expires_in_hours: hours.get_untracked(),
        });
    };
    let options = LIFETIMES
        .iter()
        .map(|(h, words)| view! { <option value=h.to_string() selected=*h == LIFETIMES[1].0>{*words}</option> })
        .collect_view();
    let created = move || {
        create.value().get().map(|answer| match answer {
            Ok(created) => {
                let origin = window().location().origin().unwrap_or_default();
                let address = format!("{origin}{}", created.path);
                view! {
                    <p class="share-created" role="status">"New status link (shown once; copy it now): "
                        <input class="share-address" readonly value=address.clone() aria-label="New status link"/>
                        " · badge: "<code>{format!("{address}/badge.svg")}</code>
                    </p>
                }
                .into_any()
            }
            Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <section class="share-links" aria-label="Share links">
            <h2>"Share a read-only status page"</h2>
            <form class="share-form" on:submit=submit>
                <label>"Valid for "
                    <select on:change=move |ev| {
                        if let Ok(h) = event_target_value(&ev).parse() { hours.set(h) }
                    }>{options}</select>
                </label>
                <button type="submit" disabled=move || create.pending().get()>"Create a status link"</button>
            </form>
            {created}
            {move || revoke.value().get().and_then(|r| r.err()).map(|e| view! {
                <p class="error" role="alert">{e.to_string()}</p>
            })}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match links.await {
                        Ok(links) if links.is_empty() => view! { <p class="muted">"No status links yet."</p> }.into_any(),
                        Ok(links) => view! { <LinkTable links revoke/> }.into_any(),
                        Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn LinkTable(
    links: Vec<ShareLinkInfo>,
    revoke: Action<i64, Result<ShareLinkInfo, crate::wire::ApiError>>,
) -> impl IntoView {
    let rows = links
        .into_iter()
        .map(|link| {
            let id = link.id;
            let state = match (&link.revoked_at, &link.revoked_by) {
                (Some(at), by) => {
                    format!("revoked {} by {}", utc(*at), by.as_deref().unwrap_or("?"))
                }
                (None, _) => format!("until {}", utc(link.expires_at)),
            };
            let opened = match link.last_opened_at {
                Some(at) => format!("{} times, last {}", link.opened, utc(at)),
                None => "never".to_string(),
            };
            let button = link.revoked_at.is_none().then(|| {
                view! {
                    <button type="button" class="danger" disabled=move || revoke.pending().get()
                        on:click=move |_| { revoke.dispatch_local(id); }>"Revoke"</button>
                }
            });
            view! {
                <tr data-link=id>
                    <td>{format!("#{id}")}</td>
                    <td>{link.created_by}" · "{utc(link.created_at)}</td>
                    <td>{state}</td>
                    <td>{opened}</td>
                    <td>{button}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="share-table">
            <thead><tr><th>"Link"</th><th>"Created"</th><th>"Valid"</th><th>"Opened"</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
