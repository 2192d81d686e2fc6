-- Runs of approved plans. A run's state is the fold of its events; `state` caches that fold and
-- is written in the same transaction as the events, so the executor resumes from it after a crash
-- (deadlines are in it: `bake_until`, `bake_left`).
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    plan          TEXT    NOT NULL,
    plan_revision INTEGER NOT NULL,
    run_plan      TEXT    NOT NULL,                   -- JSON RunPlan, frozen when created
    status        TEXT    NOT NULL
                  CHECK (status IN ('pending', 'running', 'paused', 'rolling_back',
                                    'rolled_back', 'completed', 'aborted')),
    revision      INTEGER NOT NULL CHECK (revision >= 0),  -- events applied so far
    state         TEXT    NOT NULL,                   -- JSON RunState after `revision` events
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,                   -- ms since the epoch, UTC
    updated_at    INTEGER NOT NULL,
    FOREIGN KEY (plan, plan_revision) REFERENCES plan_revisions (plan, number)
);
CREATE INDEX runs_by_status ON runs (status);

-- The services a run changes: which run to ask for a service's exposure, and which active run
-- already holds a service.
CREATE TABLE run_services (
    run     INTEGER NOT NULL REFERENCES runs (id),
    service TEXT    NOT NULL,
    PRIMARY KEY (service, run)
);

-- Every action and automatic decision on a run, in order. `seq` is 1-based and equals the run's
-- revision after the event.
CREATE TABLE run_events (
    run           INTEGER NOT NULL REFERENCES runs (id),
    seq           INTEGER NOT NULL CHECK (seq >= 1),
    at            INTEGER NOT NULL,                   -- ms since the epoch, UTC
    actor         TEXT    NOT NULL,                   -- JSON Actor
    kind          TEXT    NOT NULL,                   -- JSON EventKind
    reason        TEXT    NOT NULL,
    status_before TEXT    NOT NULL,
    status_after  TEXT    NOT NULL,
    PRIMARY KEY (run, seq)
);

CREATE TRIGGER run_events_no_update BEFORE UPDATE ON run_events
BEGIN
    SELECT RAISE(ABORT, 'run events are append-only');
END;
CREATE TRIGGER run_events_no_delete BEFORE DELETE ON run_events
BEGIN
    SELECT RAISE(ABORT, 'run events are append-only');
END;

-- The first answer to each idempotency key: a retried action gets it again and acts once.
CREATE TABLE run_requests (
    run             INTEGER NOT NULL REFERENCES runs (id),
    idempotency_key TEXT    NOT NULL,
    fingerprint     TEXT    NOT NULL,                 -- what was asked, to refuse a reused key
    response        TEXT    NOT NULL,                 -- JSON of the answer
    PRIMARY KEY (run, idempotency_key)
);

-- The executor's latest gate evaluations per run (older ones are pruned).
CREATE TABLE run_evaluations (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    run     INTEGER NOT NULL REFERENCES runs (id),
    at      INTEGER NOT NULL,                         -- ms since the epoch, UTC
    stage   INTEGER NOT NULL,
    step    INTEGER NOT NULL,
    verdict TEXT    NOT NULL                          -- JSON StepVerdict
);
CREATE INDEX run_evaluations_latest ON run_evaluations (run, id);
