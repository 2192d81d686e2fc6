//! The authorization table: every route of the app (pages, server functions, the JSON API, the
//! sign-in routes) with what it needs of the person asking and, when it changes something, the
//! kind its audit event gets. [`super::guard`] looks every request up here by its method and
//! matched path; a route that is not listed is refused for everyone (and the authorization
//! test, which walks the router's routes, fails).

use axum::http::Method;
use breakwater_domain::access::Need;

/// One route's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub method: &'static str,
    /// The route as the router matched it (axum syntax: `/plans/{name}`).
    pub path: &'static str,
    pub need: Need,
    /// The audit event's kind when the route changes something; `None` for reads and checks.
    pub audit: Option<&'static str>,
}

const fn rule(method: &'static str, path: &'static str, need: Need) -> Rule {
    Rule {
        method,
        path,
        need,
        audit: None,
    }
}

const fn change(method: &'static str, path: &'static str, need: Need, kind: &'static str) -> Rule {
    Rule {
        method,
        path,
        need,
        audit: Some(kind),
    }
}

use Need::{Admin, Own, Public, Read, Release};

/// Every route. Grouped as the app is: pages, sign-in, server functions, the JSON API.
pub const RULES: &[Rule] = &[
    // Pages: reading needs an account; the sign-in pages and shared status pages do not.
    rule("GET", "/", Read),
    rule("GET", "/services", Read),
    rule("GET", "/contracts", Read),
    rule("GET", "/contracts/{id}", Read),
    rule("GET", "/plans", Read),
    rule("GET", "/plans/new", Read),
    rule("GET", "/plans/{name}", Read),
    rule("GET", "/plans/{name}/edit", Read),
    rule("GET", "/plans/{name}/review", Read),
    rule("GET", "/plans/{name}/present", Read),
    rule("GET", "/runs", Read),
    rule("GET", "/runs/{id}", Read),
    rule("GET", "/calendar", Read),
    rule("GET", "/audit", Release),
    rule("GET", "/login", Public),
    rule("GET", "/setup/{secret}", Public),
    // Shared status pages: the unguessable link is the credential.
    rule("GET", "/status/{secret}", Public),
    rule("GET", "/status/{secret}/badge.svg", Public),
    // Signing in and out (plain form posts: they work without JavaScript).
    change("POST", "/login", Public, "session.login"),
    change("POST", "/logout", Read, "session.logout"),
    change("POST", "/setup", Public, "user.add_first"),
    // Server functions (the browser's calls).
    rule("POST", "/api/me", Public),
    rule("POST", "/api/catalog", Read),
    change("POST", "/api/catalog/import", Release, "catalog.import"),
    rule("POST", "/api/contracts/matrix", Read),
    rule("POST", "/api/contracts/can-i-deploy", Read),
    rule("POST", "/api/contracts/diff", Read),
    rule("POST", "/api/plans", Read),
    rule("POST", "/api/plans/get", Read),
    rule("POST", "/api/plans/check", Read),
    rule("POST", "/api/plans/diff", Read),
    change("POST", "/api/plans/save", Release, "plan.save"),
    change("POST", "/api/plans/state", Release, "plan.review"),
    change("POST", "/api/plans/acknowledge", Own, "plan.acknowledge"),
    rule("POST", "/api/reviews", Read),
    change("POST", "/api/reviews/open", Release, "review.open"),
    change("POST", "/api/reviews/attend", Own, "review.attend"),
    change("POST", "/api/reviews/decide", Release, "review.decide"),
    rule("POST", "/api/runs", Read),
    rule("POST", "/api/runs/get", Read),
    rule("POST", "/api/runs/health", Read),
    change("POST", "/api/runs/create", Release, "run.create"),
    change("POST", "/api/runs/act", Own, "run.act"),
    change("POST", "/api/runs/override", Release, "run.override"),
    change("POST", "/api/runs/stop-all", Release, "run.stop_all"),
    change("POST", "/api/simulator/faults", Release, "simulator.fault"),
    rule("POST", "/api/calendar/view", Read),
    change("POST", "/api/calendar/rule", Release, "calendar.save"),
    change(
        "POST",
        "/api/calendar/rule/delete",
        Release,
        "calendar.save",
    ),
    change("POST", "/api/calendar/save", Release, "calendar.save"),
    rule("POST", "/api/audit", Release),
    rule("POST", "/api/status", Public),
    rule("POST", "/api/share/list", Release),
    change("POST", "/api/share/create", Release, "share.create"),
    change("POST", "/api/share/revoke", Release, "share.revoke"),
    // The JSON API.
    rule("GET", "/api/v1/me", Read),
    rule("GET", "/api/v1/audit", Release),
    rule("GET", "/api/v1/users", Admin),
    rule("GET", "/api/v1/tokens", Admin),
    rule("GET", "/api/v1/catalog", Read),
    change("POST", "/api/v1/catalog", Release, "catalog.import"),
    rule("GET", "/api/v1/catalog/export", Read),
    rule("GET", "/api/v1/services/{id}", Read),
    rule("GET", "/api/v1/revisions", Read),
    rule("GET", "/api/v1/contracts/matrix", Read),
    rule("GET", "/api/v1/contracts/{id}/diff", Read),
    // A check: it stores nothing, so anyone signed in may ask.
    rule("POST", "/api/v1/can-i-deploy", Read),
    rule("GET", "/api/v1/plans", Read),
    change("POST", "/api/v1/plans", Release, "plan.save"),
    rule("POST", "/api/v1/plans/check", Read),
    rule("GET", "/api/v1/plans/{name}", Read),
    change("PUT", "/api/v1/plans/{name}", Release, "plan.save"),
    rule("GET", "/api/v1/plans/{name}/revisions", Read),
    rule("GET", "/api/v1/plans/{name}/revisions/{number}", Read),
    rule("GET", "/api/v1/plans/{name}/stages", Read),
    rule("GET", "/api/v1/plans/{name}/diff", Read),
    rule("GET", "/api/v1/plans/{name}/export", Read),
    rule("GET", "/api/v1/plans/{name}/calendar.ics", Read),
    change("POST", "/api/v1/plans/{name}/state", Release, "plan.review"),
    change(
        "POST",
        "/api/v1/plans/{name}/acknowledgements",
        Own,
        "plan.acknowledge",
    ),
    rule("GET", "/api/v1/plans/{name}/reviews", Read),
    change(
        "POST",
        "/api/v1/plans/{name}/reviews",
        Release,
        "review.open",
    ),
    change(
        "POST",
        "/api/v1/plans/{name}/reviews/attendance",
        Own,
        "review.attend",
    ),
    change(
        "POST",
        "/api/v1/plans/{name}/reviews/decision",
        Release,
        "review.decide",
    ),
    rule("GET", "/api/v1/calendar", Read),
    change("PUT", "/api/v1/calendar", Release, "calendar.save"),
    rule("GET", "/api/v1/calendar/check", Read),
    rule("GET", "/api/v1/calendar/schedule", Read),
    rule("GET", "/api/v1/calendar.ics", Read),
    rule("GET", "/api/v1/runs", Read),
    change("POST", "/api/v1/runs", Release, "run.create"),
    rule("GET", "/api/v1/runs/{id}", Read),
    rule("GET", "/api/v1/runs/{id}/events", Read),
    rule("GET", "/api/v1/runs/{id}/live", Read),
    change("POST", "/api/v1/runs/{id}/actions", Own, "run.act"),
    change(
        "POST",
        "/api/v1/runs/{id}/override",
        Release,
        "run.override",
    ),
    change("POST", "/api/v1/runs/stop-all", Release, "run.stop_all"),
    rule("GET", "/api/v1/share-links", Release),
    change("POST", "/api/v1/share-links", Release, "share.create"),
    change(
        "DELETE",
        "/api/v1/share-links/{id}",
        Release,
        "share.revoke",
    ),
    // Services poll their exposure with a viewer token.
    rule("GET", "/api/v1/exposure/{service}", Read),
    // Health signals from services: data, not a person's change, so not in the audit trail
    // (the run's gate evaluations record what they decided).
    rule("POST", "/api/v1/metrics", Own),
    rule("GET", "/api/v1/simulator/faults", Read),
    change(
        "POST",
        "/api/v1/simulator/faults",
        Release,
        "simulator.fault",
    ),
    change(
        "DELETE",
        "/api/v1/simulator/faults",
        Release,
        "simulator.clear",
    ),
];

/// The rule for a request, by its method (HEAD as GET) and the path pattern the router matched.
pub fn lookup(method: &Method, path: &str) -> Option<&'static Rule> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    RULES
        .iter()
        .find(|rule| rule.method == method && rule.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_has_one_rule() {
        let mut seen = std::collections::HashSet::new();
        for rule in RULES {
            assert!(seen.insert((rule.method, rule.path)), "{rule:?} twice");
        }
    }

    #[test]
    fn nothing_that_changes_anything_is_readable_by_everyone() {
        for rule in RULES.iter().filter(|r| r.audit.is_some()) {
            let sign_in = ["/login", "/setup"].contains(&rule.path);
            assert!(
                sign_in
                    || !matches!(rule.need, Need::Public | Need::Read)
                    || rule.path == "/logout",
                "{rule:?}"
            );
        }
    }
}
