-- 042: statistics by day, rebuilt beside the figures shown, and what
-- federation shared (issue 18). stats_facts, stats_months and stats_state
-- only hold what the job rebuilds from the records (migration 037), so
-- they are replaced, not migrated: the first rebuild after this fills them.
-- Portable SQL only (the PostgreSQL schema mirrors this file).

DROP TABLE stats_facts;
DROP TABLE stats_months;
DROP TABLE stats_state;

-- Calendar days in the instance's time zone (setting time_zone): the day
-- a moment (ms) belongs to is the row with the greatest start_ms not after
-- it. Written by the job for the days it needs.
CREATE TABLE stats_days (
    day      INTEGER PRIMARY KEY,    -- YYYYMMDD
    start_ms INTEGER NOT NULL,
    end_ms   INTEGER NOT NULL
);
CREATE UNIQUE INDEX stats_days_start ON stats_days(start_ms);

-- One row per (rebuild, metric, day, region covering the records,
-- first-level domain, dimensions): n records and the sum of amount (fen, ms
-- or a rating, by metric; src/stats/stats.h lists the metrics). day 0: a
-- state counted when the job ran (e.g. listings open now). A rebuild writes
-- its rows under a new gen while readers keep reading the gen that
-- stats_state names; one small transaction then names the new one (an
-- interrupted rebuild leaves the figures shown as they were).
CREATE TABLE stats_facts (
    gen    INTEGER NOT NULL,
    metric TEXT NOT NULL,
    day    INTEGER NOT NULL,
    region TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    dim    TEXT NOT NULL DEFAULT '',
    dim2   TEXT NOT NULL DEFAULT '',
    n      INTEGER NOT NULL,
    amount INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX stats_facts_read ON stats_facts(gen, region, metric, day);

-- The rebuild whose facts are shown (gen), when it was built and how long
-- that took; building: the gen a rebuild is writing now (0: none), so that
-- the next one clears what an interrupted one left.
CREATE TABLE stats_state (
    name     TEXT PRIMARY KEY,       -- 'facts'
    gen      INTEGER NOT NULL,
    building INTEGER NOT NULL DEFAULT 0,
    built_at INTEGER NOT NULL,       -- ms
    took_ms  INTEGER NOT NULL,
    rows     INTEGER NOT NULL
);

-- Listings this instance served in its feed to each peer (src/fed/feed.c),
-- first time only: "shared with" a peer in the statistics.
CREATE TABLE fed_shared (
    peer_id  TEXT NOT NULL REFERENCES fed_peers(id),
    item_id  TEXT NOT NULL,
    first_at INTEGER NOT NULL,       -- ms
    PRIMARY KEY (peer_id, item_id)
);
CREATE INDEX fed_shared_at ON fed_shared(first_at);
