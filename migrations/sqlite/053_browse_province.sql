-- 053: page N of one province, newest first, walks an index in order and
-- stops after the page. listings_browse_region has region_city between the
-- province and published_at, so for a province alone it cannot give the
-- order: the planner walked listings_browse_all and read each row for its
-- province (page 50 of 四川's achievements at 100k listings: 12.0 ms; with a
-- TRL range 14.3 ms; signed-in browse 186 req/s, p99 451 ms at 64
-- connections). With this index: 0.09 and 0.11 ms (single queries). trl and
-- trl_min ride along so that the TRL filter is read from the index too.
CREATE INDEX listings_browse_province ON listings(status, kind, region_province, published_at, id, valid_until, trl, trl_min);
