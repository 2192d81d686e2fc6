//! The signed-in person, for every page: asked once when the app starts (the server's answer is
//! serialised into the page, so the browser hydrates the same controls the server rendered),
//! shown in the navigation, and used to hide the controls a role may not use. Hiding is a
//! courtesy: the server refuses those requests anyway.

use crate::api::access::whoami;
use crate::wire::access::Me;
use crate::wire::ApiError;
use breakwater_domain::access::{Need, Role};
use breakwater_domain::run::Command;
use leptos::prelude::*;

/// The answer to "who am I?", shared by every page.
#[derive(Clone, Copy)]
pub struct CurrentUser(Resource<Result<Option<Me>, ApiError>>);

/// Asks the server who is signed in; the App calls it once, above the router.
pub fn provide_current_user() {
    provide_context(CurrentUser(Resource::new(|| (), |_| whoami())));
}

/// The signed-in person; `None` when nobody is (or the question failed: then nothing is offered).
async fn signed_in() -> Option<Me> {
    let CurrentUser(user) = expect_context::<CurrentUser>();
    user.await.ok().flatten()
}

/// Whether `me` may use a control that needs `need`.
pub fn allows(me: Option<&Me>, need: Need) -> bool {
    match need {
        Need::Public => true,
        _ => me.is_some_and(|me| me.role.meets(need)),
    }
}

/// Whether `me` may acknowledge the readiness item `key`: a service owner only their own
/// team's sign-off (`ack:<team>`), release managers and admins every item.
pub fn acknowledges(me: Option<&Me>, key: &str) -> bool {
    match (me, key.strip_prefix("ack:")) {
        (Some(me), Some(team)) => me.role.owns(&me.teams, team),
        (Some(me), None) => me.role.meets(Need::Release),
        (None, _) => false,
    }
}

/// The run commands `me` is offered: everything for a release manager or an admin, pausing for
/// a service owner (the server checks the run touches their service), nothing for a viewer.
pub fn run_commands(me: Option<&Me>) -> &'static [Command] {
    match me.map(|me| me.role) {
        Some(Role::Admin | Role::ReleaseManager) => &Command::ALL,
        Some(Role::ServiceOwner) => &[Command::Pause],
        Some(Role::Viewer) | None => &[],
    }
}

/// Renders `children` with the signed-in person once known. Its own suspense, so the server
/// waits for the answer and the browser hydrates from the same one.
#[component]
pub fn WithUser<F, V>(children: F) -> impl IntoView
where
    F: Fn(Option<Me>) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move { children(signed_in().await) })
            }}
        </Suspense>
    }
}

/// Shows `children` only to people whose role meets `need`.
#[component]
pub fn Can(need: Need, children: ChildrenFn) -> impl IntoView {
    view! {
        <WithUser children={move |me: Option<Me>| allows(me.as_ref(), need).then(|| children())}/>
    }
}

/// The signed-in person in the navigation: name, role and "Sign out" (a plain form post, so it
/// works without JavaScript), or a "Sign in" link; and the audit trail for those who may read it.
#[component]
pub fn UserMenu() -> impl IntoView {
    view! {
        <WithUser children={|me: Option<Me>| match me {
            Some(me) => view! {
                <div class="user-menu">
                    {allows(Some(&me), Need::Release).then(|| view! {
                        <a class="nav-link" href="/audit">"Audit"</a>
                    })}
                    <span class="signed-in" data-testid="signed-in">
                        <strong>{me.name.clone()}</strong>
                        <span class="role-badge">{role_label(me.role)}</span>
                    </span>
                    // A token is not a session: there is nothing to sign out of.
                    {me.session.then(|| view! {
                        <form method="post" action="/logout" class="sign-out">
                            <button type="submit">"Sign out"</button>
                        </form>
                    })}
                </div>
            }.into_any(),
            None => view! {
                <div class="user-menu"><a class="button" href="/login">"Sign in"</a></div>
            }.into_any(),
        }}/>
    }
}

/// A role as people say it.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::ReleaseManager => "release manager",
        Role::ServiceOwner => "service owner",
        Role::Viewer => "viewer",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(role: Role, teams: &[&str]) -> Me {
        Me {
            name: "pat".into(),
            role,
            teams: teams.iter().map(|t| t.to_string()).collect(),
            session: true,
        }
    }

    #[test]
    fn nobody_and_viewers_are_offered_nothing_that_changes_anything() {
        let viewer = person(Role::Viewer, &[]);
        for me in [None, Some(&viewer)] {
            for need in [Need::Own, Need::Release, Need::Admin] {
                assert!(!allows(me, need), "{me:?} {need:?}");
            }
            assert!(!acknowledges(me, "ack:payments"));
            assert!(run_commands(me).is_empty());
        }
        assert!(allows(None, Need::Public));
        assert!(!allows(None, Need::Read));
        assert!(allows(Some(&viewer), Need::Read));
    }

    #[test]
    fn a_service_owner_signs_off_for_their_teams_and_may_only_pause() {
        let owner = person(Role::ServiceOwner, &["payments"]);
        assert!(acknowledges(Some(&owner), "ack:payments"));
        assert!(!acknowledges(Some(&owner), "ack:checkout"));
        assert!(!acknowledges(Some(&owner), "rollback"));
        assert!(!allows(Some(&owner), Need::Release));
        assert_eq!(run_commands(Some(&owner)), &[Command::Pause]);
    }

    #[test]
    fn a_release_manager_may_do_everything_but_administer() {
        let manager = person(Role::ReleaseManager, &[]);
        assert!(acknowledges(Some(&manager), "ack:checkout"));
        assert!(allows(Some(&manager), Need::Release));
        assert!(!allows(Some(&manager), Need::Admin));
        assert_eq!(run_commands(Some(&manager)), &Command::ALL);
    }
}
