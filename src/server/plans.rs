//! Rollout plans on the server: saving revisions (load and validate, plan against the current
//! catalog, store atomically), reading them with their checklist, history and staleness, the
//! review state and acknowledgements. Shared by the server functions, the JSON API and the CLI.
//! Loading, contract effects, planning, diffs and checklists run on the [`Workers`].

use super::access::guard::note;
use super::access::Principal;
use super::store::{NewPlanRevision, Store, StoreError, StoredPlanRevision};
use super::work::Workers;
use super::AppState;
use crate::wire::contracts::shorten;
use crate::wire::plans::{
    CheckedPlan, PlanDetail, PlanRevisionInfo, PlanSaveOutcome, PlanState, PlanSummary,
};
use crate::wire::ApiError;
use breakwater_domain::access::Need;
use breakwater_domain::catalog::{is_valid_id, Catalog, SpecSource};
use breakwater_domain::compatibility::Histories;
use breakwater_domain::plan::diff::{self, PlanDiff};
use breakwater_domain::plan::readiness::{self, Acknowledgement, Checklist};
use breakwater_domain::plan::{
    self as domain, document, Effects, Plan, PlanLocation, PlanProblem, PlanSpec, Stage, Topology,
    MAX_PLAN_BYTES,
};
use serde::Serialize;
use std::collections::HashSet;

/// Longest name a person may sign a save, a review step or an acknowledgement with.
pub const MAX_PERSON_CHARS: usize = 100;
/// Longest comment on an acknowledgement.
pub const MAX_COMMENT_CHARS: usize = 2_000;
/// Errors a saved draft may carry: they are findings about the rollout against the catalog
/// (a consumer it breaks, a version to bump, a manual order to fix) and block approval, not the
/// save. Every other error (the document's own, a service the catalog does not have) refuses
/// the save.
const DRAFT_ERRORS: &[&str] = &["BREAKS_CONSUMER", "VERSION_NOT_NEWER", "ORDER_CONTRADICTED"];
/// Path segments that are not plans: `POST /api/v1/plans/check`, and the editor's `/plans/new`.
const RESERVED_NAMES: &[(&str, &str)] = &[
    ("check", "POST /api/v1/plans/check"),
    ("new", "the page /plans/new"),
];
/// A save that does not name the revision it follows retries this often when another save of
/// the same plan lands between reading the latest revision and storing the next.
const SAVE_ATTEMPTS: usize = 3;

/// The revision a save builds on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Base {
    /// A new plan: an existing one of the same name is a conflict.
    New,
    /// Whatever is stored: the next revision, or the first.
    Any,
    /// This revision, which must still be the latest (the editor's `based_on`).
    Revision(i64),
}

/// What `plan check --format json`, `GET /api/v1/plans/{name}/stages` and
/// `POST /api/v1/plans/check` answer.
#[derive(Debug, Serialize)]
pub struct StagesReport<'a> {
    pub stages: &'a [Stage],
    pub problems: &'a [PlanProblem],
}

impl<'a> StagesReport<'a> {
    pub fn of(plan: Option<&'a Plan>, problems: &'a [PlanProblem]) -> StagesReport<'a> {
        StagesReport {
            stages: plan.map_or(&[], |p| &p.stages),
            problems,
        }
    }
}

/// Plans `spec` on `catalog`: the effects of its changes, and the plan with every problem:
/// `document` (the document's, from loading it) first, then the planner's and the effects'.
pub fn compute(
    catalog: &Catalog,
    histories: &Histories,
    spec: &PlanSpec,
    document: Vec<PlanProblem>,
) -> (Effects, Plan) {
    let (effects, effect_problems) = domain::contract_effects(catalog, histories, spec);
    let mut plan = domain::plan(&Topology::from(catalog), spec, &effects);
    // The planner validates the spec again; where loading reported a field already, its
    // message is the precise one (as `document::load` itself keeps it).
    let reported: HashSet<(String, PlanLocation)> = document
        .iter()
        .map(|p| (p.code.clone(), p.location.clone()))
        .collect();
    let planned = std::mem::take(&mut plan.problems)
        .into_iter()
        .filter(|p| !reported.contains(&(p.code.clone(), p.location.clone())));
    plan.problems = document
        .into_iter()
        .chain(planned)
        .chain(effect_problems)
        .collect();
    (effects, plan)
}

/// Every plan at its latest revision, the most recently changed first.
pub async fn list(state: &AppState) -> Result<Vec<PlanSummary>, ApiError> {
    Ok(state.store.plan_summaries().await?)
}

/// Checks a plan from the editor against the current catalog, saving nothing.
pub async fn check_spec(state: &AppState, spec: PlanSpec) -> Result<CheckedPlan, ApiError> {
    let Some((catalog, histories)) = current(&state.store).await? else {
        return Ok(no_catalog_check());
    };
    state
        .workers
        .run(move || {
            let (effects, plan) = compute(&catalog, &histories, &spec, Vec::new());
            checked(plan, effects)
        })
        .await
}

/// Checks a plan file against the current catalog, saving nothing.
pub async fn check_text(
    store: &Store,
    workers: &Workers,
    text: String,
    mut specs: impl SpecSource + Send + 'static,
) -> Result<CheckedPlan, ApiError> {
    let Some((catalog, histories)) = current(store).await? else {
        return Ok(no_catalog_check());
    };
    workers
        .run(move || {
            let loaded = domain::load(&text, &mut specs);
            match loaded.spec {
                Some(spec) => {
                    let (effects, plan) = compute(&catalog, &histories, &spec, loaded.problems);
                    checked(plan, effects)
                }
                None => CheckedPlan {
                    plan: None,
                    effects: Effects::new(),
                    problems: loaded.problems,
                },
            }
        })
        .await
}

fn checked(plan: Plan, effects: Effects) -> CheckedPlan {
    CheckedPlan {
        problems: plan.problems.clone(),
        plan: Some(plan),
        effects,
    }
}

fn no_catalog_check() -> CheckedPlan {
    CheckedPlan {
        plan: None,
        effects: Effects::new(),
        problems: vec![no_catalog()],
    }
}

fn no_catalog() -> PlanProblem {
    PlanProblem::error(
        PlanLocation::Plan,
        "NO_CATALOG",
        "no catalog has been imported yet: a plan is checked against the current catalog, \
         so import one first",
    )
}

/// Saves the editor's spec: as a plan file (documents inline) through the same load and
/// validation as `plan import`. Without `based_on` it is a new plan: a taken name is a conflict.
pub async fn save_spec(
    state: &AppState,
    spec: PlanSpec,
    based_on: Option<i64>,
    author: &str,
) -> Result<PlanSaveOutcome, ApiError> {
    let base = based_on.map_or(Base::New, Base::Revision);
    let text = state.workers.run(move || document::to_yaml(&spec)).await?;
    save_text(
        &state.store,
        &state.workers,
        text,
        InlineDocumentsOnly,
        Save {
            base,
            name: None,
            author,
        },
    )
    .await
}

/// How a save is made: on which revision, under which name (the URL's, when it has one), by
/// whom.
pub struct Save<'a> {
    pub base: Base,
    pub name: Option<&'a str>,
    pub author: &'a str,
}

/// Loads and validates a plan file against the current catalog and stores it as the next
/// revision of its plan. Refused whole, with every problem, when anything is wrong: nothing is
/// stored then.
pub async fn save_text(
    store: &Store,
    workers: &Workers,
    text: String,
    mut specs: impl SpecSource + Send + 'static,
    save: Save<'_>,
) -> Result<PlanSaveOutcome, ApiError> {
    let author = person(save.author)?;
    if let Some(name) = save.name {
        check_name(name)?;
    }
    if let Base::Revision(revision) = save.base {
        check_revision(revision)?;
    }
    let Some(catalog_revision) = store.latest_revision_id().await? else {
        return Ok(refused(vec![no_catalog()]));
    };
    let catalog = store.catalog_at(catalog_revision).await?;
    let histories = store.contract_histories().await?;
    let expected = save.name.map(str::to_string);
    let prepared = workers
        .run(move || prepare(&text, &mut specs, expected.as_deref(), &catalog, &histories))
        .await?;
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(problems) => return Ok(refused(problems)),
    };
    let saved_at = super::now();
    let name = prepared.spec.name.clone();
    let mut attempt = 1;
    loop {
        let previous = store.plan_revision(&name, None).await?;
        let latest = previous.as_ref().map(|p| p.number);
        let follows = match save.base {
            Base::New => None,
            Base::Revision(based_on) => Some(based_on),
            Base::Any => latest,
        };
        // A save that does not follow the latest revision is refused by the store (with the
        // reason); only one that does needs the diff from it.
        let changes = match previous.filter(|_| follows == latest) {
            Some(previous) => {
                let (spec, plan) = (prepared.spec.clone(), prepared.plan.clone());
                workers
                    .run(move || diff::diff((&previous.spec, &previous.plan), (&spec, &plan)))
                    .await?
            }
            None => PlanDiff {
                entries: Vec::new(),
            },
        };
        let new = NewPlanRevision {
            spec: &prepared.spec,
            plan: &prepared.plan,
            effects: &prepared.effects,
            yaml: &prepared.yaml,
            diff: &changes,
            author: &author,
            saved_at: &saved_at,
            catalog_revision,
        };
        match store.insert_plan_revision(&new, follows).await {
            Ok(summary) => {
                note(
                    format!("plan {}", summary.name),
                    follows.map(|n| format!("revision {n}")),
                    Some(format!("revision {} (draft)", summary.revision)),
                );
                return Ok(PlanSaveOutcome {
                    saved: Some(summary),
                    problems: prepared.plan.problems,
                });
            }
            // Another save of this plan landed after we read the latest revision: diff against
            // the new latest and try again, unless the caller named the revision it follows.
            Err(StoreError::Conflict(_)) if save.base == Base::Any && attempt < SAVE_ATTEMPTS => {
                attempt += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// A plan ready to store: validated, planned, and written out as a self-contained file.
struct Prepared {
    spec: PlanSpec,
    plan: Plan,
    effects: Effects,
    yaml: String,
}

/// Everything a save checks before touching the store; `Err` holds every problem found.
fn prepare(
    text: &str,
    specs: &mut dyn SpecSource,
    expected_name: Option<&str>,
    catalog: &Catalog,
    histories: &Histories,
) -> Result<Prepared, Vec<PlanProblem>> {
    let loaded = domain::load(text, specs);
    let Some(spec) = loaded.spec else {
        return Err(loaded.problems);
    };
    let mut problems = loaded.problems;
    if let Some(expected) = expected_name.filter(|e| *e != spec.name) {
        problems.push(PlanProblem::error(
            PlanLocation::field("plan"),
            "NAME_MISMATCH",
            format!(
                "the file is plan '{}' but was sent to plan '{expected}'; \
                 the name in the file and in the URL must be the same",
                shorten(&spec.name)
            ),
        ));
    }
    if let Some((name, taken_by)) = RESERVED_NAMES.iter().find(|(n, _)| *n == spec.name) {
        problems.push(PlanProblem::error(
            PlanLocation::field("plan"),
            "RESERVED_NAME",
            format!("'{name}' is taken by {taken_by}; choose another name"),
        ));
    }
    // Planned even when the document has errors (the planner takes any spec), so a refusal
    // lists every problem at once, the catalog's included.
    let (effects, plan) = compute(catalog, histories, &spec, problems);
    let blocking = |p: &PlanProblem| p.is_error() && !DRAFT_ERRORS.contains(&p.code.as_str());
    if plan.problems.iter().any(blocking) {
        return Err(plan.problems);
    }
    let yaml = document::to_yaml(&spec);
    if yaml.len() >= MAX_PLAN_BYTES {
        return Err(vec![PlanProblem::error(
            PlanLocation::Plan,
            "TOO_LARGE",
            format!(
                "with its spec files inline the plan is {:.1} MB; plans are limited to {} MB",
                yaml.len() as f64 / 1e6,
                MAX_PLAN_BYTES / (1024 * 1024)
            ),
        )]);
    }
    Ok(Prepared {
        spec,
        plan,
        effects,
        yaml,
    })
}

fn refused(problems: Vec<PlanProblem>) -> PlanSaveOutcome {
    PlanSaveOutcome {
        saved: None,
        problems,
    }
}

/// A plan at its latest revision or at `revision`, with its checklist, approval, history and
/// whether the current catalog would stage it differently.
pub async fn detail(
    state: &AppState,
    name: &str,
    revision: Option<i64>,
) -> Result<PlanDetail, ApiError> {
    check_name(name)?;
    revision.map(check_revision).transpose()?;
    let store = &state.store;
    let summary = store
        .plan_summary(name)
        .await?
        .ok_or_else(|| not_found(name))?;
    let stored = revision_of(store, name, revision).await?;
    let acknowledgements = store.plan_acknowledgements(name, stored.number).await?;
    let revisions = store.plan_history(name).await?;
    let (approved_by, approved_at) = store.plan_approval(name).await?.unzip();
    let planned_on = store.catalog_at(stored.catalog_revision).await?;
    let newer = match store.latest_revision_id().await? {
        Some(latest) if latest > stored.catalog_revision => Some((
            latest,
            store.catalog_at(latest).await?,
            store.contract_histories().await?,
        )),
        _ => None,
    };
    let acks = acknowledgements.clone();
    let (stored, checklist, stale) = state
        .workers
        .run(move || {
            let checklist = checklist_of(&planned_on, &stored, &acks);
            let stale = newer.and_then(|(id, catalog, histories)| {
                stale_note(id, &catalog, &histories, &stored.spec, &stored.plan)
            });
            (stored, checklist, stale)
        })
        .await?;
    Ok(PlanDetail {
        summary,
        revision: stored.number,
        catalog_revision: stored.catalog_revision,
        spec: stored.spec,
        yaml: stored.yaml,
        plan: stored.plan,
        effects: stored.effects,
        stale,
        checklist,
        acknowledgements,
        approved_by,
        approved_at,
        revisions,
    })
}

fn checklist_of(
    catalog: &Catalog,
    stored: &StoredPlanRevision,
    acks: &[Acknowledgement],
) -> Checklist {
    readiness::checklist(
        &Topology::from(catalog),
        &stored.spec,
        &stored.effects,
        &stored.plan,
        acks,
    )
}

/// How planning `spec` against catalog revision `revision` stages it differently from `plan`,
/// in words; `None` when the stages are the same.
fn stale_note(
    revision: i64,
    catalog: &Catalog,
    histories: &Histories,
    spec: &PlanSpec,
    plan: &Plan,
) -> Option<String> {
    let (_, replanned) = compute(catalog, histories, spec, Vec::new());
    let stages = |p: &Plan| {
        p.stages
            .iter()
            .map(|s| s.services.clone())
            .collect::<Vec<_>>()
    };
    if stages(&replanned) == stages(plan) {
        return None;
    }
    let how: Vec<String> = diff::diff((spec, plan), (spec, &replanned))
        .entries
        .into_iter()
        .map(|e| e.text)
        .collect();
    Some(if how.is_empty() {
        format!("catalog revision {revision} changes the stages")
    } else {
        format!(
            "catalog revision {revision} changes the stages: {}",
            how.join("; ")
        )
    })
}

/// Every revision of a plan with its diff from the previous one, newest first.
pub async fn history(store: &Store, name: &str) -> Result<Vec<PlanRevisionInfo>, ApiError> {
    check_name(name)?;
    let revisions = store.plan_history(name).await?;
    if revisions.is_empty() {
        return Err(not_found(name));
    }
    Ok(revisions)
}

/// A stored revision (the latest when `revision` is `None`) as saved.
pub async fn stored(
    store: &Store,
    name: &str,
    revision: Option<i64>,
) -> Result<StoredPlanRevision, ApiError> {
    check_name(name)?;
    revision.map(check_revision).transpose()?;
    revision_of(store, name, revision).await
}

async fn revision_of(
    store: &Store,
    name: &str,
    revision: Option<i64>,
) -> Result<StoredPlanRevision, ApiError> {
    store
        .plan_revision(name, revision)
        .await?
        .ok_or_else(|| match revision {
            Some(n) => ApiError::NotFound(format!("revision {n} of plan '{name}'")),
            None => not_found(name),
        })
}

/// What changed from revision `from` to revision `to` of a plan.
pub async fn diff(state: &AppState, name: &str, from: i64, to: i64) -> Result<PlanDiff, ApiError> {
    let old = stored(&state.store, name, Some(from)).await?;
    let new = stored(&state.store, name, Some(to)).await?;
    state
        .workers
        .run(move || diff::diff((&old.spec, &old.plan), (&new.spec, &new.plan)))
        .await
}

/// Moves a plan through its review, for the revision the person looked at.
pub async fn set_state(
    state: &AppState,
    name: &str,
    revision: i64,
    to: PlanState,
    by: &str,
) -> Result<PlanSummary, ApiError> {
    check_name(name)?;
    check_revision(revision)?;
    let by = person(by)?;
    let summary = state
        .store
        .plan_summary(name)
        .await?
        .ok_or_else(|| not_found(name))?;
    if to == PlanState::Approved && summary.revision == revision && summary.error_count > 0 {
        return Err(ApiError::Invalid(format!(
            "revision {revision} of plan '{name}' has {} error(s); fix them and save before \
             approving",
            summary.error_count
        )));
    }
    // The store checks again, in its transaction, that `revision` is still the latest: the
    // error count above is that revision's, and revisions never change.
    state
        .store
        .set_plan_state(name, revision, to, &by, &super::now(), |from| {
            transition(from, to)
        })
        .await?;
    note(
        format!("plan {name}"),
        Some(format!("revision {revision} {}", summary.state.as_str())),
        Some(format!("revision {revision} {}", to.as_str())),
    );
    state
        .store
        .plan_summary(name)
        .await?
        .ok_or_else(|| not_found(name))
}

/// The review's moves: draft -> in review -> approved, and back to draft from either.
fn transition(from: PlanState, to: PlanState) -> Result<(), String> {
    use PlanState::*;
    match (from, to) {
        (Draft, InReview) | (InReview, Approved) | (InReview | Approved, Draft) => Ok(()),
        _ if from == to => Err(format!("the plan is {} already", from.label())),
        (Draft, Approved) => {
            Err("a draft cannot be approved directly: put it in review first".into())
        }
        _ => Err(format!(
            "a plan that is {} cannot go to {}; move it back to draft first",
            from.label(),
            to.label()
        )),
    }
}

/// Records an acknowledgement of one of the checklist items of `revision` (the revision the
/// person looked at, which must still be the latest) and answers the plan as it is now.
pub async fn acknowledge(
    state: &AppState,
    name: &str,
    revision: i64,
    key: &str,
    who: &Principal,
    comment: &str,
) -> Result<PlanDetail, ApiError> {
    check_name(name)?;
    let revision = check_revision(revision)?;
    let by = person(&who.name)?;
    // A service owner acknowledges for their own teams (`ack:<team>`), nothing else.
    let team = key.strip_prefix("ack:");
    if !who.role.meets(Need::Release) && !team.is_some_and(|team| who.owns(team)) {
        return Err(ApiError::Forbidden(format!(
            "{} ({}) acknowledges only their own teams' items, not '{}'",
            who.name,
            who.role,
            shorten(key)
        )));
    }
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(ApiError::Invalid(format!(
            "the comment is longer than {MAX_COMMENT_CHARS} characters"
        )));
    }
    let stored = revision_of(&state.store, name, Some(revision)).await?;
    let catalog = state.store.catalog_at(stored.catalog_revision).await?;
    let acks = state
        .store
        .plan_acknowledgements(name, stored.number)
        .await?;
    let checklist = state
        .workers
        .run(move || checklist_of(&catalog, &stored, &acks))
        .await?;
    let keys: Vec<&str> = checklist
        .items
        .iter()
        .filter(|i| i.needs_ack)
        .map(|i| i.key.as_str())
        .collect();
    if !keys.contains(&key) {
        return Err(ApiError::Invalid(format!(
            "'{}' is not an item of plan '{name}' to acknowledge; its items are: {}",
            shorten(key),
            keys.join(", ")
        )));
    }
    let ack = Acknowledgement {
        key: key.to_string(),
        by,
        at: super::now(),
        comment: comment.to_string(),
    };
    state
        .store
        .acknowledge_plan_item(name, revision, &ack)
        .await?;
    note(
        format!("plan {name}"),
        None,
        Some(format!("{key} acknowledged on revision {revision}")),
    );
    detail(state, name, None).await
}

/// The plan file of the latest revision (what `plan export` prints).
pub async fn export(store: &Store, name: &str) -> Result<String, ApiError> {
    Ok(stored(store, name, None).await?.yaml)
}

/// The current catalog with every stored contract version, or `None` before the first import.
async fn current(store: &Store) -> Result<Option<(Catalog, Histories)>, ApiError> {
    let Some((_, catalog)) = store.current_catalog().await? else {
        return Ok(None);
    };
    Ok(Some((catalog, store.contract_histories().await?)))
}

fn not_found(name: &str) -> ApiError {
    ApiError::NotFound(format!("plan '{name}'"))
}

pub fn check_name(name: &str) -> Result<(), ApiError> {
    if is_valid_id(name) {
        Ok(())
    } else {
        Err(ApiError::Invalid(format!(
            "'{}' is not a plan name: use 1-63 lowercase letters, digits and dashes",
            shorten(name)
        )))
    }
}

fn check_revision(revision: i64) -> Result<i64, ApiError> {
    if revision >= 1 {
        Ok(revision)
    } else {
        Err(ApiError::Invalid(format!(
            "{revision} is not a revision number: revisions are numbered from 1"
        )))
    }
}

/// The name a person signs with: trimmed, not empty, at most [`MAX_PERSON_CHARS`], printable.
pub fn person(by: &str) -> Result<String, ApiError> {
    let by = by.trim();
    if by.is_empty() {
        return Err(ApiError::Invalid(
            "say who you are: the name is empty".into(),
        ));
    }
    if by.chars().count() > MAX_PERSON_CHARS {
        return Err(ApiError::Invalid(format!(
            "the name is longer than {MAX_PERSON_CHARS} characters"
        )));
    }
    if by.chars().any(char::is_control) {
        return Err(ApiError::Invalid(
            "the name contains control characters".into(),
        ));
    }
    Ok(by.to_string())
}

/// Plans saved from the editor or sent to the API carry their documents inline.
pub struct InlineDocumentsOnly;

impl SpecSource for InlineDocumentsOnly {
    fn read(&mut self, path: &str) -> Result<String, String> {
        Err(format!(
            "'{}' is a file path; here contract documents must be inline as `document:` \
             (as `breakwater plan export` writes them)",
            shorten(path)
        ))
    }
}
