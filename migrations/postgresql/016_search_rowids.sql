-- 016: search documents' rowids are never used twice. Searches keep what
-- their filters and facets read of each document in memory, by rowid
-- (src/search/doc_attrs.h); that is exact only if a rowid, once given to a
-- document, never names another one.
-- PostgreSQL: search_docs.rowid is an identity column since 006, whose
-- sequence never gives a number twice: nothing to rebuild.
SELECT 1;
