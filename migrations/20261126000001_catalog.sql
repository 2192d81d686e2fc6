-- Catalog revisions: every import is kept, the newest is the current catalog.
CREATE TABLE catalog_revisions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    imported_at   TEXT    NOT NULL,              -- RFC 3339, UTC
    imported_by   TEXT    NOT NULL,
    source        TEXT    NOT NULL,              -- file name or origin of the import
    service_count INTEGER NOT NULL,
    warnings      TEXT    NOT NULL DEFAULT '[]'  -- JSON array of validation warnings
);

CREATE TABLE services (
    revision_id INTEGER NOT NULL REFERENCES catalog_revisions (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,                -- order in the imported file
    id          TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    owner       TEXT    NOT NULL,
    tier        TEXT    NOT NULL CHECK (tier IN ('critical', 'standard', 'low')),
    regions     TEXT    NOT NULL,                -- JSON array
    version     TEXT    NOT NULL,
    PRIMARY KEY (revision_id, id)
);

-- Contract documents are immutable per (contract, version): a re-import may not change them.
CREATE TABLE contract_versions (
    contract_id       TEXT    NOT NULL,
    version           TEXT    NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('openapi', 'json-schema')),
    document          TEXT    NOT NULL,
    first_revision_id INTEGER NOT NULL REFERENCES catalog_revisions (id) ON DELETE CASCADE,
    PRIMARY KEY (contract_id, version)
);

CREATE TABLE contracts (
    revision_id INTEGER NOT NULL,
    service_id  TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    id          TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    mode        TEXT    NOT NULL,                -- compatibility mode for new versions
    PRIMARY KEY (revision_id, id),
    FOREIGN KEY (revision_id, service_id) REFERENCES services (revision_id, id) ON DELETE CASCADE,
    FOREIGN KEY (id, version) REFERENCES contract_versions (contract_id, version)
);

CREATE TABLE dependencies (
    revision_id INTEGER NOT NULL,
    consumer_id TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    provider_id TEXT    NOT NULL,
    contract_id TEXT,
    uses        TEXT    NOT NULL,                -- JSON array of operation keys
    contract_version TEXT,                       -- the version the consumer was built against
    kind        TEXT    NOT NULL CHECK (kind IN ('hard', 'soft')),
    PRIMARY KEY (revision_id, consumer_id, position),
    FOREIGN KEY (revision_id, consumer_id) REFERENCES services (revision_id, id) ON DELETE CASCADE,
    FOREIGN KEY (revision_id, provider_id) REFERENCES services (revision_id, id) ON DELETE CASCADE
);

-- The contract matrix of a revision, computed on first read: a revision fixes every contract
-- version, so the stored result stays valid for as long as the revision exists.
CREATE TABLE compatibility_matrices (
    revision_id INTEGER PRIMARY KEY REFERENCES catalog_revisions (id) ON DELETE CASCADE,
    computed_at TEXT    NOT NULL,
    matrix      TEXT    NOT NULL                 -- JSON
);
