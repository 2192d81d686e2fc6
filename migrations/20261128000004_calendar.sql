-- The cadence calendar: every saved version of its YAML, numbered; the newest is in force. A
-- revision is never changed or deleted (the history of who changed the windows is the audit).
CREATE TABLE calendar_revisions (
    revision INTEGER PRIMARY KEY CHECK (revision >= 1),
    text     TEXT    NOT NULL,
    saved_by TEXT    NOT NULL,
    saved_at TEXT    NOT NULL                        -- RFC 3339, UTC
);

CREATE TRIGGER calendar_revisions_no_update BEFORE UPDATE ON calendar_revisions
BEGIN
    SELECT RAISE(ABORT, 'calendar revisions are append-only');
END;
CREATE TRIGGER calendar_revisions_no_delete BEFORE DELETE ON calendar_revisions
BEGIN
    SELECT RAISE(ABORT, 'calendar revisions are append-only');
END;
