-- 006: full-text search and two-way matching.
-- search_fts holds the searchable text of published listings and of
-- studios, analyzed by the 'kejiyun' tokenizer (registered on every
-- connection before migrations run). Only content fields are indexed —
-- never owner names or contacts — so anonymous listings cannot be found
-- through their owner.
CREATE VIRTUAL TABLE search_fts USING fts5(title, keywords, summary, body, tokenize = 'kejiyun');

-- One row per indexed document; its rowid is the search_fts rowid.
CREATE TABLE search_docs (
    rowid     INTEGER PRIMARY KEY,
    doc_id    TEXT NOT NULL UNIQUE,
    doc_kind  TEXT NOT NULL CHECK (doc_kind IN ('listing','studio')),
    terms     TEXT NOT NULL DEFAULT '[]',     -- JSON: key terms, for match explanations
    indexed_at INTEGER NOT NULL
);

-- Proposed matches between a demand and an offer (achievement, service)
-- or a studio, stored once per pair and read from either side.
CREATE TABLE matches (
    demand_id  TEXT NOT NULL,
    offer_id   TEXT NOT NULL,                 -- a listing id or a studio id
    offer_kind TEXT NOT NULL CHECK (offer_kind IN ('achievement','service','studio')),
    score      REAL NOT NULL,
    reasons    TEXT NOT NULL,                 -- JSON explanation
    computed_at INTEGER NOT NULL,
    PRIMARY KEY (demand_id, offer_id)
);
CREATE INDEX matches_offer ON matches(offer_id, score DESC);
CREATE INDEX matches_demand ON matches(demand_id, score DESC);

-- "Not relevant" marks by a listing's owner; kept for later tuning.
CREATE TABLE match_feedback (
    listing_id TEXT NOT NULL,
    other_id   TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users(id),
    verdict    TEXT NOT NULL CHECK (verdict IN ('not_relevant')),
    score      REAL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (listing_id, other_id)
);

-- Alerts: a saved search, or new matches for one of my listings.
CREATE TABLE subscriptions (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('search','matches')),
    query      TEXT NOT NULL DEFAULT '',
    filters    TEXT NOT NULL DEFAULT '{}',    -- JSON browse filters (search)
    listing_id TEXT REFERENCES listings(id) ON DELETE CASCADE,  -- matches
    threshold  REAL NOT NULL DEFAULT 0.5,
    created_at INTEGER NOT NULL
);
CREATE INDEX subscriptions_user ON subscriptions(user_id);
CREATE INDEX subscriptions_listing ON subscriptions(listing_id);
