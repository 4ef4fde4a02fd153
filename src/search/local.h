/*
 * local.h — search on a shared database (PostgreSQL): each node keeps its
 * own FTS5 index, a SQLite file in a node-local directory (setting
 * search_dir), as a copy derived from the database and fed by the search
 * outbox (outbox.h). Issue 16, design (b); outbox.h says why (b) and not a
 * tsvector column with a GIN index.
 *
 * What a node's copy holds is exactly what a SQLite instance's index holds
 * for the same data: the same tables (the SQLite migrations, applied to
 * the file), the same documents made by the same code (search.c:
 * kj_search_refresh_doc, kj_search_index_all), ranked by the same
 * functions. The backend (fts5/fts5_local.c, kj_search_local) answers
 * every index question from the file and reads the rows a page shows
 * (listings, studios, their attributes) from the database by id.
 *
 * Three ways a change reaches a node's copy:
 *  1. The node that writes: the index writes of a transaction on the
 *     database go to the copy through a local transaction paired with it
 *     (store.h: kj_db_pair_slot, kj_store_on_tx_end), committed right
 *     after the database's commit and rolled back with it. So the writer
 *     searches and matches its own writes at once (matching runs inside
 *     the write's transaction and reads the new document from the index).
 *  2. Every node: the tailer, a thread per node, applies the outbox
 *     entries after its cursor, in order, by reading each named document's
 *     current state (applying twice is harmless). It skips the entries
 *     this node wrote and applied itself (1.): each entry carries a token,
 *     which the writer records in its copy (table search_applied) in the
 *     paired local transaction, so a token is there exactly when the copy
 *     took the change (migration 052; kj_search_local_own). It wakes on
 *     the outbox's signal (LISTEN/NOTIFY through the store) and polls
 *     every second in case one was lost. Entries that commit late (a lower
 *     seq seen after a higher one) are read again for
 *     KJ_SEARCH_OUTBOX_LOOKBACK_MS.
 *  3. A full build from the database: when the file is new or missing,
 *     when its format is older (kj_search_ensure_format), when the outbox
 *     was pruned past the copy's cursor (a node away longer than
 *     KJ_SEARCH_OUTBOX_KEEP_MS), and on an 'all' entry (a `kejiyun
 *     reindex` on some node). The cursor is taken before the build reads
 *     anything, so what commits meanwhile is applied after it.
 *
 * Serving during a build: the first build, at start (kj_search_local_ensure
 * from kj_app_open), runs before the node listens, so a node never serves
 * search from an empty copy (a balancer's health check sees no node yet).
 * A later build runs on the tailer's thread in one local transaction:
 * searches keep reading the old copy until it commits, /readyz says
 * "search": "building" (still ready: the old copy answers), and index
 * writes of requests on this node skip the copy meanwhile (the outbox
 * brings them after the build). Matching a listing needs its own terms
 * from the index, so a request that would match a listing inline queues
 * the matching instead while the copy is rebuilt (kj_search_local_rebuilding;
 * the job leader's drain catches its copy up first, which waits for a
 * build on that node to end).
 *
 * Ready (/readyz): after the first build, a node reads the outbox entries
 * written while it was down; it is ready once it has read to the end (one
 * page is read before it listens, so a short absence costs nothing), and
 * stops being ready while its tailer fails round after round: a node whose
 * copy lags answers search without what every other node shows.
 *
 * Cursor, format: in the file's meta table (search_outbox_seq,
 * search_format), written in the transaction of what they describe.
 * Pruning: the leader deletes entries older than KJ_SEARCH_OUTBOX_KEEP_MS
 * and records the highest seq deleted in the database's meta
 * (search_outbox_pruned), which is how a node finds its gap.
 *
 * Threads: the tailer; every request thread pairs its connection with a
 * connection of the copy (one per database connection, kept while the
 * store lives). One applier at a time (a lock): the tailer, or a job's
 * catch-up (kj_search_local_catch_up).
 */
#ifndef KJ_SEARCH_LOCAL_H
#define KJ_SEARCH_LOCAL_H
#include "store/store.h"
#include <jansson.h>
#include <stdbool.h>

/** How long the outbox keeps entries: a node away longer rebuilds. */
#define KJ_SEARCH_OUTBOX_KEEP_MS (24LL * 3600 * 1000)

/** Opens (creating it) the local copy for the shared store s in
 *  directory dir (made when missing): dir/index.db, migrated with the
 *  SQLite migrations in migrations (a directory), with pool connections
 *  (at least s's pool: each of s's connections pairs with one). Turns
 *  the outbox on. Start-up only, before s serves. 0, or -1 with err. */
int kj_search_local_open(kj_store *s, const char *dir, const char *migrations, int pool, char *err, size_t errlen);
/** Whether db's store searches through a local copy. */
bool kj_search_local_on(kj_db *db);
/** The copy's connection paired with db (kj_db_pair_slot), made on first
 *  use; NULL when db's store has no copy. */
kj_db *kj_search_local_db(kj_db *db);
/** After a read or write on the copy for db's caller: a failure on the
 *  copy is recorded on db too (kj_db_note_failure: a request answers
 *  500), and the copy's connection is renewed when it can be. */
void kj_search_local_check(kj_db *db, kj_db *l);
/** For the backend's writes: opens the copy's transaction paired with
 *  db's (when db is in one and the copy is not), and says whether the
 *  write should go to the copy at all (false while another thread
 *  rebuilds it: the outbox brings the change after the build). */
bool kj_search_local_write(kj_db *db, kj_db *l);

/** For kj_search_outbox_put, inside the writing transaction: when db's
 *  store has a copy and the copy takes this transaction's index writes
 *  (kj_search_local_write), records token in the copy's paired
 *  transaction, so that the tailer skips that entry. 0, or -1 (the copy
 *  failed; told to db). */
int kj_search_local_own(kj_db *db, const char *token);
/** Whether db's store has a copy that another thread is rebuilding now
 *  (this thread's index writes skip it: kj_search_local_write). */
bool kj_search_local_rebuilding(kj_db *db);
/** Tests only (/__test/faults "search_build_delay_ms"): each later full
 *  build waits this long inside its transaction, so that a test can write
 *  while one runs. 0: none. */
void kj_search_local_test_delay(int ms);

/** At start (kj_search_ensure_format on such a store): builds the copy
 *  when it is new, in an older format than format, or behind the pruned
 *  outbox. *built gets the documents indexed, or -1 when nothing was
 *  needed. 0, or -1. */
int kj_search_local_ensure(kj_db *db, const char *format, int *built);
/** Inside a rebuild of the whole index (kj_search_reindex) that went to
 *  this node's copy through db's paired transaction: records it, so the
 *  rebuild's own 'all' entry does not make the copy build again. 0/-1. */
int kj_search_local_mark_rebuilt(kj_db *db);
/** Applies the outbox entries not applied yet (builds when needed).
 *  Returns how many were applied, or -1. Any thread. */
int kj_search_local_catch_up(kj_db *db);
/** Starts the tailer thread (server only, after kj_search_local_ensure). 0/-1. */
int kj_search_local_start(kj_store *s);
/** Stops the tailer (before s closes); nothing when none runs. */
void kj_search_local_stop(kj_store *s);
/** The leader's pruning of old outbox entries (best effort). */
void kj_search_local_prune(kj_db *db);
/** {state ("ready", "building", "catching_up" or "failing"), serving
 *  (whether the node should get traffic: caught up and following), cursor (the last outbox seq applied),
 *  applied (entries applied since start), own (entries skipped since
 *  start: this node had applied them), builds, last_build_ms, path}
 *  for /readyz; NULL when s has no copy. New ref. */
json_t *kj_search_local_status(kj_store *s);

/* For search/context.c: frees the copy (after s's connections closed). */
struct kj_search_local;
void kj_search_local_free(struct kj_search_local *l);
#endif
