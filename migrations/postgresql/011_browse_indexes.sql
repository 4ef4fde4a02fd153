-- 011: covering indexes for the browse pages. A listing row keeps its long
-- Markdown description before the filter columns, so reading a row to test
-- a filter reads its overflow pages too; with these indexes the common
-- filters (kind, domain, region, validity) and the newest-first order are
-- answered from the index alone, and only the 20 rows of a page are read.
CREATE INDEX listings_browse_domain ON listings(status, kind, domain1, region_province, valid_until, published_at, id);
CREATE INDEX listings_browse_domain2 ON listings(status, kind, domain, valid_until, published_at, id);
CREATE INDEX listings_browse_region ON listings(status, kind, region_province, region_city, valid_until, published_at, id);
CREATE INDEX listings_browse_all ON listings(status, kind, valid_until, published_at, id);
