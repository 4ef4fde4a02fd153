-- 009_deal.sql — deals: negotiation (offers), technology contracts and
-- their signatures, milestones, reviews, the hash-chained deal log, and
-- the e-mail queue with each user's notification preferences.
-- Money is integer fen; royalties are integer basis points (1/100 %).

CREATE TABLE deals (
    id                   TEXT PRIMARY KEY,
    origin               TEXT NOT NULL,
    source               TEXT NOT NULL CHECK (source IN ('eoi','order','challenge')),
    source_id            TEXT NOT NULL,              -- the EOI, listing (order) or challenge agreement
    listing_id           TEXT REFERENCES listings(id),
    thread_id            TEXT NOT NULL REFERENCES threads(id),
    provider_id          TEXT NOT NULL REFERENCES users(id),   -- supplies the technology or service
    client_id            TEXT NOT NULL REFERENCES users(id),   -- pays for it
    broker_id            TEXT REFERENCES users(id),            -- an operator invited as 科服保姆
    title                TEXT NOT NULL,
    domain               TEXT NOT NULL DEFAULT '',
    region               TEXT NOT NULL DEFAULT '',
    state                TEXT NOT NULL,
    state_before_dispute TEXT,
    cancel_requested_by  TEXT REFERENCES users(id),
    agreed_offer_id      TEXT,
    contract_type        TEXT CHECK (contract_type IN ('development','transfer','license','consulting','service')),
    amount_fen           BIGINT NOT NULL DEFAULT 0,
    contract__json       TEXT,                           -- the generated contract, frozen when agreed
    contract_hash        TEXT,                           -- SHA-256 of the contract text both sign
    resolution           TEXT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE UNIQUE INDEX deals_eoi ON deals(source_id) WHERE source = 'eoi';
CREATE INDEX deals_provider ON deals(provider_id);
CREATE INDEX deals_client ON deals(client_id);
CREATE INDEX deals_region ON deals(region, state);

CREATE TABLE deal_offers (
    id             TEXT PRIMARY KEY,
    origin         TEXT NOT NULL,
    deal_id        TEXT NOT NULL REFERENCES deals(id),
    author_id      TEXT NOT NULL REFERENCES users(id),
    contract_type  TEXT NOT NULL CHECK (contract_type IN ('development','transfer','license','consulting','service')),
    price_kind     TEXT NOT NULL CHECK (price_kind IN ('lump_sum','instalments','royalty','entry_royalty')),
    amount_fen     BIGINT NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),      -- lump sum / total of instalments
    instalments    BIGINT NOT NULL DEFAULT 1 CHECK (instalments BETWEEN 1 AND 60),
    entry_fee_fen  BIGINT NOT NULL DEFAULT 0 CHECK (entry_fee_fen >= 0),   -- 入门费
    royalty_bp     BIGINT NOT NULL DEFAULT 0 CHECK (royalty_bp BETWEEN 0 AND 10000), -- 提成, 1/100 %
    scope          TEXT NOT NULL,
    duration_days  BIGINT NOT NULL CHECK (duration_days BETWEEN 1 AND 3650),
    coop_mode      TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('open','accepted','superseded')),
    expires_at     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX deal_offers_deal ON deal_offers(deal_id, created_at);

-- Files sent in a deal's conversation (stored by market/attach.c, confidential).
CREATE TABLE deal_attachments (
    attachment_id TEXT PRIMARY KEY REFERENCES attachments(id),
    deal_id       TEXT NOT NULL REFERENCES deals(id),
    message_id    TEXT NOT NULL REFERENCES messages(id),
    created_at    BIGINT NOT NULL
);
CREATE INDEX deal_attachments_deal ON deal_attachments(deal_id);

CREATE TABLE deal_signatures (
    deal_id       TEXT NOT NULL REFERENCES deals(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    contract_hash TEXT NOT NULL,
    signed_at     BIGINT NOT NULL,
    client_ip     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (deal_id, user_id)
);

CREATE TABLE deal_milestones (
    id           TEXT PRIMARY KEY,
    origin       TEXT NOT NULL,
    deal_id      TEXT NOT NULL REFERENCES deals(id),
    title        TEXT NOT NULL,
    deliverable  TEXT NOT NULL,
    due_date     TEXT NOT NULL,                       -- YYYY-MM-DD
    amount_fen   BIGINT NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    status       TEXT NOT NULL CHECK (status IN ('open','delivered','accepted')),
    delivered_at BIGINT,
    accepted_at  BIGINT,
    reminded_at  BIGINT,                             -- "milestone due" notice sent
    created_at   BIGINT NOT NULL
);
CREATE INDEX deal_milestones_deal ON deal_milestones(deal_id, due_date);

CREATE TABLE deal_reviews (
    id              TEXT PRIMARY KEY,
    origin          TEXT NOT NULL,
    deal_id         TEXT NOT NULL REFERENCES deals(id),
    author_id       TEXT NOT NULL REFERENCES users(id),
    subject_id      TEXT NOT NULL REFERENCES users(id),
    subject_org_id  TEXT,
    subject_studio_id TEXT,
    rating          BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body            TEXT NOT NULL,
    reply           TEXT,
    replied_at      BIGINT,
    hidden          BIGINT NOT NULL DEFAULT 0,
    hidden_by       TEXT REFERENCES users(id),
    hidden_reason   TEXT,
    created_at      BIGINT NOT NULL,
    UNIQUE (deal_id, author_id)
);
CREATE INDEX deal_reviews_subject ON deal_reviews(subject_id);
CREATE INDEX deal_reviews_org ON deal_reviews(subject_org_id);
CREATE INDEX deal_reviews_studio ON deal_reviews(subject_studio_id);

-- The tamper-evident log: append-only; hash = SHA-256(prev_hash, seq, id,
-- deal_id, actor_id, kind, data, created_at). Never updated or deleted.
CREATE TABLE deal_events (
    seq        BIGINT NOT NULL UNIQUE,
    id         TEXT PRIMARY KEY,
    origin     TEXT NOT NULL,
    deal_id    TEXT NOT NULL,
    actor_id   TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL,
    data__json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX deal_events_deal ON deal_events(deal_id, seq);
-- PostgreSQL: one trigger function refuses the change (as SQLite's
-- RAISE(ABORT) does, a constraint error) for every append-only table.
CREATE FUNCTION kj_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER deal_events_no_update BEFORE UPDATE ON deal_events
    FOR EACH ROW EXECUTE FUNCTION kj_append_only();
CREATE TRIGGER deal_events_no_delete BEFORE DELETE ON deal_events
    FOR EACH ROW EXECUTE FUNCTION kj_append_only();

-- E-mail: a durable queue drained by a background worker, and per-user
-- choices per category (off, each event, or a daily digest).
CREATE TABLE mail_queue (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id),
    to_addr     TEXT NOT NULL,
    category    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('queued','digest','digested','sent','failed')),
    attempts    BIGINT NOT NULL DEFAULT 0,
    next_try_at BIGINT NOT NULL,
    last_error  TEXT,
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT
);
CREATE INDEX mail_queue_due ON mail_queue(status, next_try_at);
CREATE TABLE mail_prefs (
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    mode     TEXT NOT NULL CHECK (mode IN ('each','digest','off')),
    PRIMARY KEY (user_id, category)
);
