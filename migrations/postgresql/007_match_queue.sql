-- 007: listings whose matches are still to be computed. Bulk paths
-- (imports, demo data) index text at once and queue the matching, which
-- the background job drains within seconds; interactive publication
-- computes matches inline.
CREATE TABLE match_queue (
    listing_id TEXT PRIMARY KEY,
    notify     BIGINT NOT NULL DEFAULT 0,
    queued_at  BIGINT NOT NULL
);
