-- 052: a node skips its own search outbox entries (issue 16; see
-- src/search/local.h "Three ways a change reaches a node's copy").
--
-- token: a fresh id per entry, written with it. The node that writes an
-- entry applies the change to its own copy of the index in a local
-- transaction paired with the database's (committed right after it), and
-- records the token there, in search_applied, in that same local
-- transaction. Its tailer, reading the outbox, skips an entry whose token
-- its copy holds: the change is in the copy already. A token is recorded
-- only when the copy really took the change, so an entry whose local
-- commit failed, or that came while the copy was being rebuilt, is
-- applied by the tailer as before. NULL for entries written before 052.
ALTER TABLE search_outbox ADD COLUMN token TEXT;

-- Used in a node's local copy (a SQLite file migrated with these files)
-- only: the tokens of the entries it applied itself; pruned once older
-- than the tailer's look-back (outbox.h), emptied by a full build.
CREATE TABLE search_applied (
    token TEXT PRIMARY KEY,
    at    INTEGER NOT NULL
);
