-- 049: statistics facts clustered for reading (issue 18: the first view of
-- a filter combination at 1M listings). stats_facts becomes a table keyed
-- by what every reader asks first (gen, region, metric, day): a period of
-- a region reads its rows from one stretch of the table instead of one
-- index entry and one table row each, and a rebuild writes one b-tree
-- instead of a table and its index. The key is also the grouping of
-- src/stats/refresh.c (one row per gen, metric, day, region, domain,
-- dims), so it holds as a primary key (PostgreSQL: the primary key is the
-- index the readers use; the table stays a heap). Beside day rows (day = YYYYMMDD)
-- the table now also holds month rows (day = YYYYMM) for the whole
-- instance, provinces and cities (src/stats/stats.h, "grains").
-- The facts are rebuilt from the records, not migrated: stats_state is
-- emptied so that the job rebuilds them at once (pages say "not yet
-- counted" until then). Portable SQL only (the PostgreSQL schema mirrors
-- this file).

DROP TABLE stats_facts;
DELETE FROM stats_state;

CREATE TABLE stats_facts (
    gen    BIGINT NOT NULL,
    metric TEXT NOT NULL,
    day    BIGINT NOT NULL,         -- YYYYMMDD a day, YYYYMM a whole month, 0 a state
    region TEXT NOT NULL,
    domain TEXT NOT NULL DEFAULT '',
    dim    TEXT NOT NULL DEFAULT '',
    dim2   TEXT NOT NULL DEFAULT '',
    n      BIGINT NOT NULL,
    amount BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (gen, region, metric, day, domain, dim, dim2)
);

-- 科普 readers are distinct people, counted per request (stats.h): this
-- index holds every column those counts read, so they read the index
-- alone (the one of 037 led to a table row per reading).
DROP INDEX popsci_events_at;
CREATE INDEX popsci_events_read ON popsci_events(kind, at, region, user_id, content_id);
