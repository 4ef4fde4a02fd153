-- 040: the search outbox (issue 16, search on PostgreSQL: design (b), see
-- src/search/outbox.h).
--
-- Every change of what the search index holds — a listing or studio
-- indexed again or removed, or the whole index rebuilt ('all') — is also
-- written here, in the same transaction as the change, when the store's
-- search context asks for it (a store whose nodes keep their own FTS5 copy
-- of the index: PostgreSQL). A node reads the entries after the last one
-- it applied, and brings each named document of its copy up to date from
-- the database (so applying an entry twice is harmless). seq grows and is
-- never reused; entries are pruned once older than every node's reading.
CREATE TABLE search_outbox (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id   TEXT NOT NULL,
    doc_kind TEXT NOT NULL CHECK (doc_kind IN ('listing', 'studio', 'all')),
    at       INTEGER NOT NULL
);
CREATE INDEX search_outbox_at ON search_outbox(at);
