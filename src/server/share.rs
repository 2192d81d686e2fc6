//! Share links and the status pages they open: a release manager creates a link for a plan or a
//! run; anyone holding it sees the rollout's stakeholder status (`breakwater_domain::status`)
//! until it expires or is revoked, then 410.

use super::access::guard::note;
use super::access::{digest, new_secret, well_formed, Principal};
use super::calendar;
use super::store::ShareLookup;
use super::AppState;
use crate::wire::plans::PlanState;
use crate::wire::share::{CreatedShareLink, NewShareLink, ShareKind, ShareLinkInfo, SharedStatus};
use crate::wire::ApiError;
use breakwater_domain::calendar::rfc3339;
use breakwater_domain::calendar::schedule::{self, Progress, Rollout};
use breakwater_domain::status::{rollout_status, Review, RolloutStatus};

/// The prefix of a status link's secret.
pub const SECRET_PREFIX: &str = "st_";
/// Longest a link may live: a quarter.
pub const MAX_HOURS: u32 = 90 * 24;
const HOUR_MS: i64 = 3600 * 1000;

pub async fn create(
    state: &AppState,
    who: &Principal,
    new: NewShareLink,
) -> Result<CreatedShareLink, ApiError> {
    if !(1..=MAX_HOURS).contains(&new.expires_in_hours) {
        return Err(ApiError::Invalid(format!(
            "a share link lives 1 to {MAX_HOURS} hours, not {}",
            new.expires_in_hours
        )));
    }
    let subject = subject_exists(state, new.kind, &new.subject).await?;
    let now = state.settings.clock.now();
    let secret = new_secret(SECRET_PREFIX);
    let link = state
        .store
        .insert_share_link(
            &digest(&secret),
            new.kind,
            &subject,
            &who.name,
            now,
            now + i64::from(new.expires_in_hours) * HOUR_MS,
        )
        .await?;
    note(
        format!("{} {subject}", new.kind.as_str()),
        None,
        Some(format!(
            "share link {} until {}",
            link.id,
            rfc3339(link.expires_at)
        )),
    );
    Ok(CreatedShareLink {
        path: format!("/status/{secret}"),
        link,
    })
}

/// The plan's name, or the run's id as stored, once it is known to exist.
async fn subject_exists(
    state: &AppState,
    kind: ShareKind,
    subject: &str,
) -> Result<String, ApiError> {
    match kind {
        ShareKind::Plan => {
            super::plans::check_name(subject)?;
            state
                .store
                .plan_summary(subject)
                .await?
                .map(|p| p.name)
                .ok_or_else(|| ApiError::NotFound(format!("plan '{subject}'")))
        }
        ShareKind::Run => {
            let id = run_id(subject)?;
            state
                .store
                .run(id)
                .await?
                .map(|r| r.id.to_string())
                .ok_or_else(|| ApiError::NotFound(format!("run {id}")))
        }
    }
}

fn run_id(subject: &str) -> Result<i64, ApiError> {
    subject
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            ApiError::Invalid(format!(
                "'{}' is not a run id",
                crate::wire::contracts::shorten(subject)
            ))
        })
}

pub async fn list(
    state: &AppState,
    kind: ShareKind,
    subject: &str,
) -> Result<Vec<ShareLinkInfo>, ApiError> {
    Ok(state.store.share_links(Some((kind, subject))).await?)
}

pub async fn revoke(state: &AppState, who: &Principal, id: i64) -> Result<ShareLinkInfo, ApiError> {
    let now = state.settings.clock.now();
    let link = state.store.revoke_share_link(id, &who.name, now).await?;
    note(
        format!("{} {}", link.kind.as_str(), link.subject),
        Some(format!("share link {id} open")),
        Some(format!("share link {id} revoked")),
    );
    Ok(link)
}

/// What the link `secret` shows now: 404 for a link that never existed (or a mistyped one), 410
/// for one that expired or was revoked.
pub async fn open(state: &AppState, secret: &str) -> Result<SharedStatus, ApiError> {
    let unknown = || ApiError::NotFound("no status page has this address; check the link".into());
    if !well_formed(SECRET_PREFIX, secret) {
        return Err(unknown());
    }
    let now = state.settings.clock.now();
    let link =
        match state.store.open_share_link(&digest(secret), now).await? {
            ShareLookup::Open(link) => link,
            ShareLookup::Expired(link) => {
                return Err(ApiError::Gone(format!(
            "this status link expired at {}; ask the release manager who shared it for a new one",
            rfc3339(link.expires_at)
        )))
            }
            ShareLookup::Revoked(_) => return Err(ApiError::Gone(
                "this status link was revoked; ask the release manager who shared it for a new one"
                    .into(),
            )),
            ShareLookup::Unknown => return Err(unknown()),
        };
    let status = status_of(state, link.kind, &link.subject, now).await?;
    Ok(SharedStatus {
        kind: link.kind,
        status,
        expires_at: link.expires_at,
    })
}

/// The rollout's status: the run's (for a plan, its latest run's), or the plan's before it
/// has one, with its stages placed on the calendar from now.
async fn status_of(
    state: &AppState,
    kind: ShareKind,
    subject: &str,
    now: i64,
) -> Result<RolloutStatus, ApiError> {
    let store = &state.store;
    let run =
        match kind {
            ShareKind::Run => Some(store.run(run_id(subject)?).await?.ok_or_else(|| {
                ApiError::Gone("the run this link showed no longer exists".into())
            })?),
            ShareKind::Plan => store
                .runs()
                .await?
                .into_iter()
                .filter(|r| r.run.plan_name == subject)
                .max_by_key(|r| r.id),
        };
    let plan = match &run {
        Some(run) => run.run.plan_name.clone(),
        None => subject.to_string(),
    };
    let summary = store
        .plan_summary(&plan)
        .await?
        .ok_or_else(|| ApiError::Gone("the plan this link showed no longer exists".into()))?;
    let (revision, stages) = match &run {
        Some(run) => (run.plan_revision, run.run.plan.stages.clone()),
        None => {
            let stored = store.plan_revision(&plan, None).await?.ok_or_else(|| {
                ApiError::Gone("the plan this link showed has no revision".into())
            })?;
            (stored.number, stored.plan.stages)
        }
    };
    let events = match &run {
        Some(run) => store.events(run.id).await?,
        None => Vec::new(),
    };
    let current = calendar::current(state).await?;
    let review = match summary.state {
        PlanState::Draft => Review::Draft,
        PlanState::InReview => Review::InReview,
        PlanState::Approved => Review::Approved,
    };
    state
        .workers
        .run(move || {
            let progress = run.as_ref().and_then(|r| {
                r.state.stage_started_at.map(|at| Progress {
                    stage: r.state.stage,
                    stage_started_at: at,
                })
            });
            let rollout = Rollout {
                plan: &plan,
                revision,
                stages: &stages,
                from: now,
                progress,
            };
            let placed = schedule::schedule(&current.calendar, &current.services, &[rollout], now);
            let listed: Vec<(usize, Vec<String>)> = stages
                .iter()
                .map(|s| (s.index, s.services.clone()))
                .collect();
            rollout_status(
                &plan,
                &listed,
                run.as_ref().map(|r| (&r.run, &r.state, events.as_slice())),
                review,
                placed.plans.first(),
                now,
            )
        })
        .await
}

/// A badge for wikis and chat: "rollout | 45% · green", in the status colour.
pub fn badge(status: Result<&SharedStatus, &ApiError>) -> String {
    let (value, colour) = match status {
        Ok(shared) => {
            let status = &shared.status;
            let colour = match status.health {
                breakwater_domain::status::Health::Green => "#2e7d32",
                breakwater_domain::status::Health::Amber => "#b26a00",
                breakwater_domain::status::Health::Red => "#c62828",
            };
            (
                format!("{}% · {}", status.progress, status.health.as_str()),
                colour,
            )
        }
        Err(ApiError::Gone(_)) => ("link expired".to_string(), "#757575"),
        Err(_) => ("unknown".to_string(), "#757575"),
    };
    let label = "rollout";
    // Verdana 11px averages about 6.5 px a character; badges are read, not measured.
    let width = |text: &str| 10 + text.chars().count() * 7;
    let (left, right) = (width(label), width(&value));
    let total = left + right;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{label}: {value}"><title>{label}: {value}</title><rect width="{left}" height="20" fill="#555"/><rect x="{left}" width="{right}" height="20" fill="{colour}"/><g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle"><text x="{lx}" y="14">{label}</text><text x="{rx}" y="14">{value}</text></g></svg>"##,
        lx = left / 2,
        rx = left + right / 2,
    )
}
