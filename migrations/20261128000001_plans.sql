-- Rollout plans: named documents saved as numbered, immutable revisions, with a review state.
CREATE TABLE plans (
    name              TEXT    PRIMARY KEY,             -- the plan's slug
    created_at        TEXT    NOT NULL,                -- RFC 3339, UTC
    state             TEXT    NOT NULL DEFAULT 'draft'
                      CHECK (state IN ('draft', 'in_review', 'approved')),
    state_changed_by  TEXT    NOT NULL,
    state_changed_at  TEXT    NOT NULL,
    -- The revision the approval is for: set exactly while the plan is approved.
    approved_revision INTEGER,
    CHECK ((state = 'approved') = (approved_revision IS NOT NULL)),
    FOREIGN KEY (name, approved_revision) REFERENCES plan_revisions (plan, number)
);

-- Every save is a new revision; a revision never changes.
CREATE TABLE plan_revisions (
    plan                TEXT    NOT NULL REFERENCES plans (name),
    number              INTEGER NOT NULL CHECK (number >= 1),
    author              TEXT    NOT NULL,
    saved_at            TEXT    NOT NULL,
    -- The catalog the plan was computed against.
    catalog_revision_id INTEGER NOT NULL REFERENCES catalog_revisions (id),
    yaml                TEXT    NOT NULL,              -- the plan file, documents inline
    spec                TEXT    NOT NULL,              -- JSON PlanSpec
    plan_json           TEXT    NOT NULL,              -- JSON Plan (stages and problems)
    effects             TEXT    NOT NULL,              -- JSON Effects
    diff                TEXT    NOT NULL,              -- JSON PlanDiff from the previous revision
    -- What the plan list shows, kept beside the JSON so listing decodes none of it.
    title               TEXT,
    stage_count         INTEGER NOT NULL,
    service_count       INTEGER NOT NULL,
    error_count         INTEGER NOT NULL,
    warning_count       INTEGER NOT NULL,
    PRIMARY KEY (plan, number)
);

-- Acknowledgements of readiness items, each for the revision it was given on: a new revision
-- needs them again, as it needs a new approval.
CREATE TABLE plan_acknowledgements (
    plan     TEXT    NOT NULL,
    revision INTEGER NOT NULL,
    key      TEXT    NOT NULL,                         -- checklist item, e.g. `ack:team-orders`
    by       TEXT    NOT NULL,
    at       TEXT    NOT NULL,
    comment  TEXT    NOT NULL,
    PRIMARY KEY (plan, revision, key),
    FOREIGN KEY (plan, revision) REFERENCES plan_revisions (plan, number)
);

-- Everything done to a plan, in order: saves, state changes, acknowledgements.
CREATE TABLE plan_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    plan     TEXT    NOT NULL,
    revision INTEGER NOT NULL,
    action   TEXT    NOT NULL CHECK (action IN ('saved', 'state', 'acknowledged')),
    detail   TEXT    NOT NULL,                         -- the new state, or the item acknowledged
    by       TEXT    NOT NULL,
    at       TEXT    NOT NULL,
    comment  TEXT    NOT NULL DEFAULT '',
    FOREIGN KEY (plan, revision) REFERENCES plan_revisions (plan, number)
);
CREATE INDEX plan_events_by_plan ON plan_events (plan, id);

CREATE TRIGGER plan_events_no_update BEFORE UPDATE ON plan_events
BEGIN
    SELECT RAISE(ABORT, 'plan events are append-only');
END;
CREATE TRIGGER plan_events_no_delete BEFORE DELETE ON plan_events
BEGIN
    SELECT RAISE(ABORT, 'plan events are append-only');
END;
