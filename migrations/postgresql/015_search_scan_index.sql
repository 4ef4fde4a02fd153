-- 015: a covering index for search and matching. Both walk every full-text
-- match and look its listing up by id to test the browse filters and count
-- the facets; the listing row keeps its long description before those
-- columns, so the lookup read overflow pages (≈11 µs a match at 100k
-- listings). With every column the filters, facets and match candidates
-- read held here, the lookup is one index search (≈1 µs).
CREATE INDEX listings_search ON listings(id, status, valid_until, kind, domain, domain1, region, region_city,
    region_province, trl, trl_min, price_min_fen, price_max_fen, published_at, studio_id, org_id, owner_id, anonymous);

-- How many documents hold a term (fts5vocab, 'row' kind: one row per term
-- with its document count), to tell the rare terms of a listing that make
-- good match candidates from the words every listing uses.
-- PostgreSQL: search_vocab is FTS5's (SQLite only).
