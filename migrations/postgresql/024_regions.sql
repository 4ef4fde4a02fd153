-- 024: regions down to townships (level 'township', nine-digit codes) and
-- an instance's own divisions (<datadir>/regions.d, codes of any shape),
-- and the hash of the reference files last loaded (refdata.h: an unchanged
-- start skips rewriting 44k rows).
-- PostgreSQL changes the CHECK in place (SQLite rebuilds the table).
ALTER TABLE regions DROP CONSTRAINT regions_level_check;
ALTER TABLE regions ADD CONSTRAINT regions_level_check
    CHECK (level IN ('province','city','district','township'));
CREATE TABLE ref_state (
    name TEXT PRIMARY KEY,              -- 'data': every file kj_refdata_seed reads
    hash TEXT NOT NULL                  -- BLAKE2b-256 of their names and contents, hex
);
