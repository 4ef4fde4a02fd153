-- 016: search documents' rowids are never used twice. Searches keep what
-- their filters and facets read of each document in memory, by rowid
-- (src/search/doc_attrs.h); that is exact only if a rowid, once given to a
-- document, never names another one — which a plain INTEGER PRIMARY KEY
-- does not promise (the largest rowid is given again after its row is
-- deleted). AUTOINCREMENT does. The full-text rows keep their rowids.
CREATE TABLE search_docs_new (
    rowid     INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id    TEXT NOT NULL UNIQUE,
    doc_kind  TEXT NOT NULL CHECK (doc_kind IN ('listing','studio')),
    terms     TEXT NOT NULL DEFAULT '[]',     -- JSON: key terms, for match explanations
    indexed_at INTEGER NOT NULL
);
INSERT INTO search_docs_new(rowid, doc_id, doc_kind, terms, indexed_at)
    SELECT rowid, doc_id, doc_kind, terms, indexed_at FROM search_docs;
DROP TABLE search_docs;
ALTER TABLE search_docs_new RENAME TO search_docs;
