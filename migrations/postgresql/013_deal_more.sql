-- 013: deals, continued. A signed 揭榜挂帅 task agreement starts one deal
-- per selected application (source 'challenge', source_id = the
-- application): at most one, like one deal per EOI. Ratings on studio and
-- organization pages read the latest visible reviews of a subject.
CREATE UNIQUE INDEX deals_challenge ON deals(source_id) WHERE source = 'challenge';
CREATE INDEX deal_reviews_studio_recent ON deal_reviews(subject_studio_id, hidden, created_at);
CREATE INDEX deal_reviews_org_recent ON deal_reviews(subject_org_id, hidden, created_at);
