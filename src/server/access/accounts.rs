//! Users and API tokens: adding, listing, changing roles, disabling, creating and revoking.
//! One path for the CLI and the server; every input is checked before anything is written, and
//! every change is stored with its audit event in one transaction.

use super::{digest, new_secret, Actor, TOKEN_PREFIX};
use crate::server::store::Store;
use crate::server::work::Workers;
use crate::wire::access::{TokenInfo, UserInfo};
use crate::wire::ApiError;
use breakwater_domain::access::{check_name, check_password, Role};
use breakwater_domain::run::Millis;

/// Most teams one user or token may own services of.
pub const MAX_TEAMS: usize = 64;
/// Longest token lifetime `--expires` accepts, in days (ten years).
pub const MAX_TOKEN_DAYS: u32 = 3650;
const DAY_MS: Millis = 24 * 3600 * 1000;

/// Hashes a password with argon2id (RFC 9106's recommended defaults, through `password-auth`)
/// on a job thread: it takes tens of milliseconds of CPU by design.
pub async fn hash_password(workers: &Workers, password: String) -> Result<String, ApiError> {
    workers
        .run(move || password_auth::generate_hash(password))
        .await
}

/// Whether `password` matches `hash`, on a job thread. `None` (no such user) still spends the
/// time of a real check, so a wrong name and a wrong password take as long.
pub async fn verify_password(
    workers: &Workers,
    password: String,
    hash: Option<String>,
) -> Result<bool, ApiError> {
    workers
        .run(move || match hash {
            Some(hash) => password_auth::verify_password(password, &hash).is_ok(),
            None => {
                let _ = password_auth::verify_password(password, dummy_hash());
                false
            }
        })
        .await
}

/// A hash of a random secret, made once with the same parameters as real hashes.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password_auth::generate_hash(super::new_secret("")))
}

fn check_teams(teams: &[String]) -> Result<(), ApiError> {
    if teams.len() > MAX_TEAMS {
        return Err(ApiError::Invalid(format!("more than {MAX_TEAMS} teams")));
    }
    teams
        .iter()
        .try_for_each(|t| check_name("team", t))
        .map_err(ApiError::Invalid)
}

/// What a new user is given.
pub struct NewUser {
    pub name: String,
    pub role: Role,
    pub teams: Vec<String>,
    pub password: String,
    /// The first-admin link: refused once anyone exists.
    pub only_if_first: bool,
}

/// Adds a user.
pub async fn add_user(
    store: &Store,
    workers: &Workers,
    actor: &Actor,
    at: Millis,
    new: NewUser,
) -> Result<UserInfo, ApiError> {
    let NewUser {
        name,
        role,
        teams,
        password,
        only_if_first,
    } = new;
    check_name("user", &name).map_err(ApiError::Invalid)?;
    check_password(&password).map_err(ApiError::Invalid)?;
    check_teams(&teams)?;
    let user = UserInfo {
        name: name.clone(),
        role,
        teams,
        disabled: false,
        created_at: breakwater_domain::calendar::rfc3339(at),
        created_by: actor.name.clone(),
    };
    let hash = hash_password(workers, password).await?;
    let mut event = actor.event(at, "user.add", &name, 0);
    event.after = Some(format!("role {role}, teams {:?}", user.teams));
    store
        .insert_user(&user, &hash, only_if_first, &event)
        .await?;
    Ok(user)
}

/// Gives a user another role; their sessions end.
pub async fn set_role(
    store: &Store,
    actor: &Actor,
    at: Millis,
    name: &str,
    role: Role,
) -> Result<(), ApiError> {
    check_name("user", name).map_err(ApiError::Invalid)?;
    let mut event = actor.event(at, "user.set_role", name, 0);
    event.after = Some(format!("role {role}"));
    let before = store.update_user(name, Some(role), false, &event).await?;
    tracing::info!(user = name, from = %before.role, to = %role, "role changed");
    Ok(())
}

/// Disables a user: they cannot sign in, and their sessions end. Kept for the audit trail.
pub async fn disable_user(
    store: &Store,
    actor: &Actor,
    at: Millis,
    name: &str,
) -> Result<(), ApiError> {
    check_name("user", name).map_err(ApiError::Invalid)?;
    let mut event = actor.event(at, "user.disable", name, 0);
    event.after = Some("disabled".into());
    store.update_user(name, None, true, &event).await?;
    Ok(())
}

/// What a new token asks for.
pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub teams: Vec<String>,
    /// Days until it expires; `None`: never.
    pub expires_in_days: Option<u32>,
    /// The secret to store, when the caller brings one (read from stdin, for a CI secret that
    /// must be known before the server starts); otherwise a new random one.
    pub secret: Option<String>,
}

/// Creates a token and returns its secret: shown once, stored only as a digest.
pub async fn create_token(
    store: &Store,
    actor: &Actor,
    at: Millis,
    new: NewToken,
) -> Result<(TokenInfo, String), ApiError> {
    check_name("token", &new.name).map_err(ApiError::Invalid)?;
    check_teams(&new.teams)?;
    if let Some(days) = new.expires_in_days {
        if days == 0 || days > MAX_TOKEN_DAYS {
            return Err(ApiError::Invalid(format!(
                "a token expires after 1 to {MAX_TOKEN_DAYS} days, not {days}"
            )));
        }
    }
    let secret = match new.secret {
        Some(secret) if super::well_formed(TOKEN_PREFIX, &secret) => secret,
        Some(_) => {
            return Err(ApiError::Invalid(format!(
                "a token is '{TOKEN_PREFIX}' and 43 characters of base64url (32 random bytes)"
            )))
        }
        None => new_secret(TOKEN_PREFIX),
    };
    let token = TokenInfo {
        name: new.name,
        role: new.role,
        teams: new.teams,
        created_at: breakwater_domain::calendar::rfc3339(at),
        created_by: actor.name.clone(),
        expires_at: new.expires_in_days.map(|d| at + Millis::from(d) * DAY_MS),
        revoked_at: None,
        last_used_at: None,
    };
    let mut event = actor.event(at, "token.create", &token.name, 0);
    event.after = Some(format!(
        "role {}, expires {}",
        token.role,
        token
            .expires_at
            .map_or("never".into(), breakwater_domain::calendar::rfc3339)
    ));
    store.insert_token(&token, &digest(&secret), &event).await?;
    Ok((token, secret))
}

pub async fn revoke_token(
    store: &Store,
    actor: &Actor,
    at: Millis,
    name: &str,
) -> Result<(), ApiError> {
    check_name("token", name).map_err(ApiError::Invalid)?;
    let mut event = actor.event(at, "token.revoke", name, 0);
    event.after = Some("revoked".into());
    store
        .revoke_token(name, &breakwater_domain::calendar::rfc3339(at), &event)
        .await?;
    Ok(())
}
