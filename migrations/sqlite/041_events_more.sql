-- 041: events, continued (issue 19): a deal started at an event meeting,
-- the language each participant registered in (their e-mails are written
-- in it), and why an event was cancelled.
-- migrate: foreign_keys off
--
-- The line above asks the migration runner (src/store/store.c) to run this
-- file with foreign-key enforcement off and to check every foreign key
-- before it commits: SQLite changes a CHECK constraint only by rebuilding
-- the table, and dropping the old deals table with enforcement on would
-- touch every table that refers to it (offers, signatures, milestones,
-- reviews, attachments, event meetings). SQLite's twelve-step rebuild: new
-- table, copy every column, drop, rename, then every index (no trigger or
-- view names deals). The deal log (deal_events) names deals by id only and
-- is not touched, so its hash chain stays as it was.
CREATE TABLE deals_new (
    id                   TEXT PRIMARY KEY,
    origin               TEXT NOT NULL,
    -- event: a one-to-one meeting at an event whose two sides both
    -- recorded an intention to cooperate (source_id = the meeting).
    source               TEXT NOT NULL CHECK (source IN ('eoi','order','challenge','event')),
    source_id            TEXT NOT NULL,              -- the EOI, listing (order), challenge agreement or event meeting
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
    amount_fen           INTEGER NOT NULL DEFAULT 0,
    contract__json       TEXT,                           -- the generated contract, frozen when agreed
    contract_hash        TEXT,                           -- SHA-256 of the contract text both sign
    resolution           TEXT,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    contract_no          TEXT
);
INSERT INTO deals_new(id, origin, source, source_id, listing_id, thread_id, provider_id, client_id, broker_id, title, domain, region,
                      state, state_before_dispute, cancel_requested_by, agreed_offer_id, contract_type, amount_fen, contract__json,
                      contract_hash, resolution, created_at, updated_at, contract_no)
SELECT id, origin, source, source_id, listing_id, thread_id, provider_id, client_id, broker_id, title, domain, region,
       state, state_before_dispute, cancel_requested_by, agreed_offer_id, contract_type, amount_fen, contract__json,
       contract_hash, resolution, created_at, updated_at, contract_no FROM deals;
DROP TABLE deals;
ALTER TABLE deals_new RENAME TO deals;
CREATE UNIQUE INDEX deals_eoi ON deals(source_id) WHERE source = 'eoi';
CREATE INDEX deals_provider ON deals(provider_id);
CREATE INDEX deals_client ON deals(client_id);
CREATE INDEX deals_region ON deals(region, state);
CREATE UNIQUE INDEX deals_challenge ON deals(source_id) WHERE source = 'challenge';
CREATE UNIQUE INDEX deals_contract_no ON deals(contract_no) WHERE contract_no IS NOT NULL;
-- One deal per event meeting.
CREATE UNIQUE INDEX deals_event ON deals(source_id) WHERE source = 'event';

-- The language a participant registered in (an offered tag such as
-- zh-CN or en): the e-mails about their registration and meetings are
-- written in it.
ALTER TABLE event_registrations ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh-CN';
-- Why the organizers cancelled the event (told to every participant).
ALTER TABLE events ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
