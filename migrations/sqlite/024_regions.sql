-- 024: regions down to townships (level 'township', nine-digit codes) and
-- an instance's own divisions (<datadir>/regions.d, codes of any shape),
-- and the hash of the reference files last loaded (refdata.h: an unchanged
-- start skips rewriting 44k rows).
-- SQLite cannot change a CHECK in place: the table is rebuilt. Users,
-- organizations and listings reference regions(code); with deferred
-- foreign keys the rows put back under the same name satisfy them again
-- before the commit checks.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE regions_024 AS SELECT code, parent, level, name_zh, name_en FROM regions;
DROP TABLE regions;
CREATE TABLE regions (
    code    TEXT PRIMARY KEY,           -- GB/T 2260 (6 digits), township (9 digits) or the instance's own
    parent  TEXT,                       -- NULL at the top level; the tree follows it, never code prefixes
    level   TEXT NOT NULL CHECK (level IN ('province','city','district','township')),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL
);
CREATE INDEX regions_parent ON regions(parent);
INSERT INTO regions(code, parent, level, name_zh, name_en) SELECT code, parent, level, name_zh, name_en FROM regions_024;
DROP TABLE regions_024;
CREATE TABLE ref_state (
    name TEXT PRIMARY KEY,              -- 'data': every file kj_refdata_seed reads
    hash TEXT NOT NULL                  -- BLAKE2b-256 of their names and contents, hex
);
