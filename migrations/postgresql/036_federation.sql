-- 036: federation (issue 17 §2) — peers, the remote items harvested from
-- them, the nonces that make signed requests single-use, the refusals
-- logged, and the expressions of interest that cross between instances.
-- Remote listings live in the listings table itself (origin = the peer's
-- instance id), so that browse, search and matching treat them as local
-- ones; fed_items keeps what only federation needs to know about them.

CREATE TABLE fed_peers (
    id             TEXT PRIMARY KEY,
    url            TEXT NOT NULL,                 -- base URL, no trailing slash
    public_key     TEXT NOT NULL UNIQUE,          -- Ed25519, standard base64 (32 bytes)
    instance_id    TEXT UNIQUE,                   -- learned from its signed instance document
    name_zh        TEXT NOT NULL DEFAULT '',
    name_en        TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL CHECK (state IN ('pending','active','suspended')),
    accepted_kinds TEXT NOT NULL DEFAULT '["listing"]',   -- JSON array of item types taken from it
    cursor         TEXT NOT NULL DEFAULT '',      -- where the next harvest of its feed starts
    proxy_user_id  TEXT REFERENCES users(id),     -- the account its listings are held under here
    items          BIGINT NOT NULL DEFAULT 0,    -- items taken from it
    last_sync_at   BIGINT,
    last_ok_at     BIGINT,
    last_error     TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE fed_items (
    item_id       TEXT PRIMARY KEY,              -- the item's id (a ULID: the same on every instance)
    origin        TEXT NOT NULL,                 -- the instance it comes from
    peer_id       TEXT NOT NULL REFERENCES fed_peers(id),
    type          TEXT NOT NULL,                 -- listing
    version       BIGINT NOT NULL,              -- the origin's version (its updated_at, ms)
    origin_status TEXT NOT NULL,                 -- published | withdrawn, as the origin says
    hidden        BIGINT NOT NULL DEFAULT 0,    -- hidden here by an operator
    received_at   BIGINT NOT NULL
);
CREATE INDEX fed_items_peer ON fed_items(peer_id, type);

-- Nonces of signed requests received, kept until their signature expires:
-- a second request with the same nonce is a replay.
CREATE TABLE fed_nonces (
    peer_id    TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (peer_id, nonce)
);
CREATE INDEX fed_nonces_expiry ON fed_nonces(expires_at);

-- Refused requests and items, and sync failures (the peers page shows them).
CREATE TABLE fed_events (
    id         TEXT PRIMARY KEY,
    peer_id    TEXT,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX fed_events_peer ON fed_events(peer_id, created_at);

-- Expressions of interest that cross: 'out' an EOI sent here about a
-- remote listing (delivered to its origin), 'in' one received from a peer
-- about a listing of ours (its decision is sent back).
CREATE TABLE fed_eois (
    eoi_id       TEXT PRIMARY KEY REFERENCES eois(id),
    peer_id      TEXT NOT NULL REFERENCES fed_peers(id),
    direction    TEXT NOT NULL CHECK (direction IN ('out','in')),
    delivered_at BIGINT,                         -- out: the origin took it
    decided_sent_at BIGINT,                      -- in: the decision reached the asker's instance
    reveal       TEXT,                            -- out: what the owner revealed on acceptance (JSON)
    attempts     BIGINT NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   BIGINT NOT NULL
);

-- The change feed: this instance's listings in the order they changed.
CREATE INDEX listings_fed_feed ON listings(origin, updated_at, id);
