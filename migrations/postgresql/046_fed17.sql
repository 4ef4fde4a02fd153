-- 046: federation, what was left of issue 17 §2.
--
-- Each peer is harvested on its own (fed/client.c); one that fails (slow,
-- unreachable, refusing) counts its failures and is not asked again before
-- next_sync_at (backoff), so that it costs the others nothing.
ALTER TABLE fed_peers ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE fed_peers ADD COLUMN next_sync_at BIGINT;

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
UPDATE popsci_content SET updated_at = GREATEST(updated_at, created_at, published_at);
CREATE INDEX popsci_content_fed_feed ON popsci_content(origin, updated_at, id);
CREATE INDEX studios_fed_feed ON studios(origin, updated_at, id);
CREATE INDEX challenges_fed_feed ON challenges(origin, updated_at, id);
