-- 046: federation, what was left of issue 17 §2.
--
-- Each peer is harvested on its own (fed/client.c); one that fails (slow,
-- unreachable, refusing) counts its failures and is not asked again before
-- next_sync_at (backoff), so that it costs the others nothing.
ALTER TABLE fed_peers ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE fed_peers ADD COLUMN next_sync_at INTEGER;

-- Studios' public profiles, 科普 content and open 揭榜 lists are shared
-- too, each kind from its own feed (?type=), each with its own cursor
-- per peer. fed_items keeps the signed item's data of what is not a
-- listing, so that an operator's "show again" restores a hidden item.
CREATE TABLE fed_cursors (
    peer_id TEXT NOT NULL REFERENCES fed_peers(id),
    type    TEXT NOT NULL,
    cursor  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (peer_id, type)
);
ALTER TABLE fed_items ADD COLUMN data TEXT;

-- 科普 content changes in place (edits, review): its feed walks it by the
-- time of its last change (updated_at, which every write now sets), as the
-- listings' feed does.
UPDATE popsci_content SET updated_at = max(updated_at, created_at, published_at);
CREATE INDEX popsci_content_fed_feed ON popsci_content(origin, updated_at, id);
CREATE INDEX studios_fed_feed ON studios(origin, updated_at, id);
CREATE INDEX challenges_fed_feed ON challenges(origin, updated_at, id);

-- Questions to a peer's 科普 experts: 'out' a question asked here about a
-- peer's 科普 content, delivered to that peer, whose experts answer it
-- there; 'in' one received from a peer, whose answers go back to it.
-- Delivered from an outbox like EOIs, idempotent by the question's id.
CREATE TABLE fed_questions (
    question_id  TEXT PRIMARY KEY REFERENCES popsci_questions(id),
    peer_id      TEXT NOT NULL REFERENCES fed_peers(id),
    direction    TEXT NOT NULL CHECK (direction IN ('out','in')),
    delivered_at INTEGER,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   INTEGER NOT NULL
);
-- Answers given here to a question received from a peer, once sent back
-- (an answer taken twice there is taken once: its id is the same there).
CREATE TABLE fed_answers_sent (
    answer_id TEXT PRIMARY KEY REFERENCES popsci_answers(id),
    peer_id   TEXT NOT NULL REFERENCES fed_peers(id),
    sent_at   INTEGER NOT NULL
);
