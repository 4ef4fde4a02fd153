-- 052: a node skips its own search outbox entries (issue 16). The SQLite
-- file says what each column means; search_applied is used in a node's
-- local copy only (a SQLite file), kept here so both schemas stay equal.
ALTER TABLE search_outbox ADD COLUMN token TEXT;

CREATE TABLE search_applied (
    token TEXT PRIMARY KEY,
    at    BIGINT NOT NULL
);
