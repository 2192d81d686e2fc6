//! Who may do what: roles, what a route needs, and the rules for the names and passwords people
//! choose. The server's authorization table maps every route to a [`Need`]; this module decides
//! whether a [`Role`] meets it. A service owner's reach is narrowed further to their teams'
//! services by the handlers that know which services a request touches ([`Role::owns`]).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The roles, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Users, tokens, settings, and everything a release manager may do.
    Admin,
    /// Catalogs, plans, runs, the calendar, overrides and share links.
    ReleaseManager,
    /// Their teams' services: acknowledge readiness items, check candidate contracts, pause a
    /// run that touches one of their services.
    ServiceOwner,
    /// Reads everything, changes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::ReleaseManager,
        Role::ServiceOwner,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ReleaseManager => "release_manager",
            Role::ServiceOwner => "service_owner",
            Role::Viewer => "viewer",
        }
    }

    /// Whether this role meets what a route needs.
    pub fn meets(self, need: Need) -> bool {
        match need {
            Need::Public | Need::Read => true,
            Need::Own => self != Role::Viewer,
            Need::Release => matches!(self, Role::Admin | Role::ReleaseManager),
            Need::Admin => self == Role::Admin,
        }
    }

    /// Whether a person with this role and these teams may act on a service owned by `team`
    /// where the route needs [`Need::Own`]: release managers and admins on every service.
    pub fn owns(self, teams: &[String], team: &str) -> bool {
        match self {
            Role::Admin | Role::ReleaseManager => true,
            Role::ServiceOwner => teams.iter().any(|t| t == team),
            Role::Viewer => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    /// Accepts `release_manager`, `release-manager` and `Release Manager` alike.
    fn from_str(s: &str) -> Result<Role, String> {
        let key: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '-' | ' ' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == key)
            .ok_or_else(|| {
                format!(
                    "unknown role '{}': use admin, release_manager, service_owner or viewer",
                    shorten(s)
                )
            })
    }
}

/// What a route needs of the person asking. Every route has exactly one, in the server's
/// authorization table; a route without one is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// Anyone, signed in or not: the sign-in and first-admin pages, shared status pages.
    Public,
    /// Anyone signed in, viewers included. Nothing with this need changes anything.
    Read,
    /// A service owner (on their teams' services), a release manager or an admin.
    Own,
    /// A release manager or an admin.
    Release,
    /// An admin.
    Admin,
}

/// Longest user, token and team name.
pub const MAX_NAME_CHARS: usize = 64;
/// Shortest password (NIST SP 800-63B asks for at least 8; people choose longer given room).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password: long enough for any passphrase or manager, short enough that hashing it
/// costs nothing unusual.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A user, token or team name: 1 to 64 of lowercase letters, digits, `.`, `_`, `-` and `@`,
/// starting with a letter or digit, so names read the same in URLs, logs and the CLI.
pub fn check_name(what: &str, name: &str) -> Result<(), String> {
    let shown = shorten(name);
    if name.is_empty() {
        return Err(format!("the {what} name is empty"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "the {what} name '{shown}' is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    let allowed = |c: char| {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '@')
    };
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !first_ok || !name.chars().all(allowed) {
        return Err(format!(
            "the {what} name '{shown}' may hold only lowercase letters, digits, '.', '_', '-' \
             and '@', and starts with a letter or digit"
        ));
    }
    Ok(())
}

/// A password a person chose: long enough, not absurdly long, not blank.
pub fn check_password(password: &str) -> Result<(), String> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "the password is longer than {MAX_PASSWORD_BYTES} bytes"
        ));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password is shorter than {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if password.trim().is_empty() {
        return Err("the password is blank".into());
    }
    Ok(())
}

/// At most 40 characters of what someone sent, for an error message.
fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_meets_the_needs_below_it_and_no_other() {
        let table = [
            (Role::Admin, [true, true, true, true, true]),
            (Role::ReleaseManager, [true, true, true, true, false]),
            (Role::ServiceOwner, [true, true, true, false, false]),
            (Role::Viewer, [true, true, false, false, false]),
        ];
        let needs = [
            Need::Public,
            Need::Read,
            Need::Own,
            Need::Release,
            Need::Admin,
        ];
        for (role, expected) in table {
            for (need, meets) in needs.into_iter().zip(expected) {
                assert_eq!(role.meets(need), meets, "{role} {need:?}");
            }
        }
    }

    #[test]
    fn a_service_owner_owns_only_their_teams_services() {
        let teams = vec!["payments".to_string()];
        assert!(Role::ServiceOwner.owns(&teams, "payments"));
        assert!(!Role::ServiceOwner.owns(&teams, "storefront"));
        assert!(Role::ReleaseManager.owns(&[], "storefront"));
        assert!(!Role::Viewer.owns(&teams, "payments"));
    }

    #[test]
    fn roles_parse_in_the_spellings_people_type() {
        for s in ["release_manager", "release-manager", "Release Manager"] {
            assert_eq!(s.parse::<Role>(), Ok(Role::ReleaseManager));
        }
        assert!("root"
            .parse::<Role>()
            .unwrap_err()
            .contains("unknown role 'root'"));
        let long = "x".repeat(10_000);
        assert!(long.parse::<Role>().unwrap_err().len() < 200);
    }

    #[test]
    fn names_and_passwords_are_bounded() {
        assert!(check_name("user", "rita.release@example").is_ok());
        for bad in ["", "Rita", "-rita", "ri ta", "rita/..", &"r".repeat(65)] {
            assert!(check_name("user", bad).is_err(), "{bad:?}");
        }
        assert!(check_password("correct horse battery").is_ok());
        assert!(check_password("short").is_err());
        assert!(check_password("          ").is_err());
        assert!(check_password(&"p".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
    }
}
