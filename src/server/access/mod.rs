//! Access: who a request speaks for and whether they may make it. A request proves who it is
//! with a session cookie (the browser, after signing in) or an API token (`Authorization: Bearer`,
//! for scripts, CI and services polling their exposure); [`guard`] resolves either to a
//! [`Principal`], looks the route up in the authorization table ([`policy`]) and refuses what the
//! principal's role does not meet, or what arrives cross-site on a cookie. Accounts and tokens
//! are managed here for the CLI and the server alike ([`accounts`]); signing in, its rate
//! limit and the first-admin link are in [`sign_in`].

pub mod accounts;
pub mod guard;
pub mod policy;
pub mod sign_in;

use crate::wire::access::Me;
use base64::Engine;
use breakwater_domain::access::Role;
use sha2::{Digest, Sha256};

/// The prefix of every API token, so secret scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "bw_";

/// Who a request speaks for, once [`guard`] has checked its credentials. In the request's
/// extensions (handlers take it as an extractor; server functions read it from the request
/// parts Leptos provides).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
    pub teams: Vec<String>,
    pub via: Via,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session; the digest of its cookie (to end it at logout).
    Session(String),
    /// An API token, by name.
    Token(String),
}

impl Principal {
    /// How the audit trail says the request arrived.
    pub fn via_label(&self) -> String {
        match &self.via {
            Via::Session(_) => "session".into(),
            Via::Token(name) => format!("token {name}"),
        }
    }

    pub fn me(&self) -> Me {
        Me {
            name: self.name.clone(),
            role: self.role,
            teams: self.teams.clone(),
            session: matches!(self.via, Via::Session(_)),
        }
    }

    /// Whether this principal may act on a service owned by `team` (see [`Role::owns`]).
    pub fn owns(&self, team: &str) -> bool {
        self.role.owns(&self.teams, team)
    }
}

/// A new 256-bit random secret, base64url without padding, after `prefix`.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// How a secret is stored and looked up: hex SHA-256. The secrets are 256-bit random values,
/// so a fast digest is as good as a slow password hash and costs nothing per request.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether `text` has the shape of one of our secrets: the prefix and 43 base64url characters.
/// Anything else is refused before the database is asked.
pub fn well_formed(prefix: &str, text: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_well_formed() {
        let a = new_secret(TOKEN_PREFIX);
        let b = new_secret(TOKEN_PREFIX);
        assert_ne!(a, b);
        assert!(well_formed(TOKEN_PREFIX, &a));
        assert!(!well_formed(TOKEN_PREFIX, &a[..a.len() - 1]));
        assert!(!well_formed(TOKEN_PREFIX, &a.replace("bw_", "xx_")));
        assert!(!well_formed(
            TOKEN_PREFIX,
            &format!("{}!", &a[..a.len() - 1])
        ));
        assert_eq!(digest(&a).len(), 64);
    }
}

/// Who did something, for the audit trail: a principal from an address, or the command line.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub via: String,
    pub address: String,
}

impl Actor {
    pub fn of(principal: &Principal, address: &str) -> Actor {
        Actor {
            name: principal.name.clone(),
            via: principal.via_label(),
            address: address.to_string(),
        }
    }

    /// The command line, run by the operating system's user (it has the database file, so it
    /// has every right; the trail records who ran it).
    pub fn cli() -> Actor {
        let user = ["USER", "LOGNAME"]
            .into_iter()
            .find_map(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| "operator".into());
        Actor {
            name: format!("cli:{user}"),
            via: "cli".into(),
            address: "local".into(),
        }
    }

    /// An audit event by this actor at `at`.
    pub fn event(
        &self,
        at: breakwater_domain::run::Millis,
        kind: &str,
        subject: &str,
        outcome: i64,
    ) -> crate::server::store::NewAuditEvent {
        crate::server::store::NewAuditEvent {
            at,
            actor: self.name.clone(),
            via: self.via.clone(),
            address: self.address.clone(),
            kind: kind.into(),
            subject: subject.into(),
            outcome,
            before: None,
            after: None,
        }
    }
}
