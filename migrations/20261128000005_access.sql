-- Accounts, sessions, API tokens and the audit trail. Secrets (session ids, tokens) are stored
-- only as SHA-256 digests: they are 256-bit random values, so a digest cannot be reversed, and a
-- leaked database does not let anyone sign in. Passwords are argon2id PHC strings.
CREATE TABLE users (
    name          TEXT    PRIMARY KEY,
    role          TEXT    NOT NULL
                  CHECK (role IN ('admin', 'release_manager', 'service_owner', 'viewer')),
    teams         TEXT    NOT NULL DEFAULT '[]',        -- JSON array of team names
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT    NOT NULL,                     -- RFC 3339, UTC
    created_by    TEXT    NOT NULL
);

-- A browser session. Deleted on logout, when the user is disabled or their role changes, and
-- (lazily) when expired.
CREATE TABLE sessions (
    digest     TEXT    PRIMARY KEY,                     -- hex SHA-256 of the cookie's value
    user_name  TEXT    NOT NULL REFERENCES users (name),
    created_at INTEGER NOT NULL,                        -- ms since the epoch, UTC
    expires_at INTEGER NOT NULL,
    address    TEXT    NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_name);

-- API tokens: a name, a role, an optional expiry; revoked ones are kept for the audit trail.
CREATE TABLE api_tokens (
    name         TEXT    PRIMARY KEY,
    digest       TEXT    NOT NULL UNIQUE,               -- hex SHA-256 of the token
    role         TEXT    NOT NULL
                 CHECK (role IN ('admin', 'release_manager', 'service_owner', 'viewer')),
    teams        TEXT    NOT NULL DEFAULT '[]',
    created_at   TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    expires_at   INTEGER,                               -- ms since the epoch; NULL: never
    revoked_at   TEXT,
    last_used_at INTEGER
);

-- Every change anyone made, and every refused attempt to change something: who, when, from
-- where, what, and the state before and after when the change has one. Append-only.
CREATE TABLE audit_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,                           -- ms since the epoch, UTC
    actor   TEXT    NOT NULL,                           -- user or token name, or "anonymous"
    via     TEXT    NOT NULL,                           -- session, token NAME, cli, system
    address TEXT    NOT NULL,
    kind    TEXT    NOT NULL,                           -- e.g. plan.save, run.act, user.add
    subject TEXT    NOT NULL,                           -- what it acted on (a path or a name)
    outcome INTEGER NOT NULL,                           -- HTTP status, or 0 for the CLI
    before  TEXT,
    after   TEXT
);
CREATE INDEX audit_by_time ON audit_events (at);
CREATE INDEX audit_by_kind ON audit_events (kind, at);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- Share links: read-only status pages for stakeholders. The URL carries a 256-bit random secret;
-- only its digest is stored. Revoked links are kept (who created and revoked them, when last
-- opened) and answer 410, like expired ones.
CREATE TABLE share_links (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    digest         TEXT    NOT NULL UNIQUE,
    kind           TEXT    NOT NULL CHECK (kind IN ('plan', 'run')),
    subject        TEXT    NOT NULL,                    -- the plan's name or the run's id
    created_by     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,                    -- ms since the epoch, UTC
    expires_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_by     TEXT,
    last_opened_at INTEGER,
    opened         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX share_links_by_subject ON share_links (kind, subject);

-- Readiness reviews held on a shared screen: who attended (each from their own account) and the
-- go / no-go decision with its reason, per plan revision. One undecided session per plan at most.
CREATE TABLE review_sessions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    plan        TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    started_by  TEXT    NOT NULL,
    started_at  INTEGER NOT NULL,                       -- ms since the epoch, UTC
    decision    TEXT    CHECK (decision IN ('go', 'no_go')),
    reason      TEXT,
    decided_by  TEXT,
    decided_at  INTEGER,
    FOREIGN KEY (plan, revision) REFERENCES plan_revisions (plan, number)
);
CREATE UNIQUE INDEX review_sessions_one_open ON review_sessions (plan) WHERE decision IS NULL;

CREATE TABLE review_attendance (
    session   INTEGER NOT NULL REFERENCES review_sessions (id),
    person    TEXT    NOT NULL,
    role      TEXT    NOT NULL,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (session, person)
);
