-- 022: the browse indexes of 011 with validity last. With valid_until
-- before published_at, a page in newest-first order had to read every
-- listing of its filter and sort them (a temp b-tree): page 50 of the
-- 3,232 achievements of one domain and province took 1.3–3.4 ms at 100k
-- listings. With published_at, id right after the equality columns the
-- page walks the index in order and stops after offset + 20 entries
-- (0.09 ms); the validity is still read from the index (covering). Counts
-- scan the same entries either way: published listings are valid (the
-- market tick expires them), so a range on valid_until skipped little.
-- Every index keeps it last, so that none offers the planner a range on it
-- that outranks the equality columns of another (measured: with only one
-- index changed, a domain+province count chose listings_browse_all).
DROP INDEX IF EXISTS listings_browse_domain;
DROP INDEX IF EXISTS listings_browse_domain2;
DROP INDEX IF EXISTS listings_browse_region;
DROP INDEX IF EXISTS listings_browse_all;
CREATE INDEX listings_browse_domain ON listings(status, kind, domain1, region_province, published_at, id, valid_until);
CREATE INDEX listings_browse_domain2 ON listings(status, kind, domain, published_at, id, valid_until);
CREATE INDEX listings_browse_region ON listings(status, kind, region_province, region_city, published_at, id, valid_until);
CREATE INDEX listings_browse_all ON listings(status, kind, published_at, id, valid_until);
