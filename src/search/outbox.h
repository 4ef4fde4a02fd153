/*
 * outbox.h — the search outbox: how the nodes of one PostgreSQL database
 * keep their search indexes current (issue 16, "Search on PostgreSQL").
 *
 * The design chosen, (b): each node keeps a local FTS5 index, a derived
 * SQLite file in its own directory (search_dir; search/local.h: the copy,
 * its tailer and its builds), fed from this outbox table in the shared
 * database, rather than (a) the analyzer's tokens in a weighted
 * tsvector with a GIN index. Why: (b) ranks with the very code SQLite
 * deployments rank with (the FTS5 backend, kj_bm25 with the same column
 * weights, the in-memory attributes and frequent-term bitmaps), so the
 * quality on make bench-search is the SQLite figure by construction and
 * the latency is a local file's, never a network round trip per scan;
 * (a) would need a second ranking implementation (BM25 over tsvector
 * positions, the document counts, the bitmaps) to be proved within 2 %,
 * and every scan would cross the network. The cost of (b): a node's copy
 * lags the database by the time the signal takes (the commit's NOTIFY,
 * store.h: kj_db_publish on KJ_SEARCH_CHANNEL, wakes every node's
 * tailer at once; a poll each second covers a lost signal), and a node
 * without its file rebuilds it from the database before serving search.
 *
 * Writes: kj_search_outbox_put runs inside the transaction of the index
 * change it reports (search.c calls it from every sync), so an entry
 * exists exactly when the change committed. Only stores whose search
 * context has the outbox on (kj_search_set_outbox) write entries: a
 * single SQLite node has nothing to tell.
 *
 * Reading: identity values are taken at insert, and transactions commit
 * in another order than they took them, so an entry with a lower seq than
 * one already read may become visible later. A tailer therefore reads the
 * entries after its last seq and, again, those of the last
 * KJ_SEARCH_OUTBOX_LOOKBACK_MS (applying an entry means re-reading the
 * document's current state, so reading one twice is harmless).
 */
#ifndef KJ_SEARCH_OUTBOX_H
#define KJ_SEARCH_OUTBOX_H
#include "store/store.h"
#include <stdbool.h>
#include <stdint.h>

/** The change-signal channel (store.h) an entry's commit publishes on. */
#define KJ_SEARCH_CHANNEL "kj_search"
/** How far back (ms) a tailer reads again, for late-committed entries. */
#define KJ_SEARCH_OUTBOX_LOOKBACK_MS 10000

/** Whether db's store writes outbox entries (its search context's switch). */
bool kj_search_outbox_on(kj_db *db);
/** Turns the outbox on or off for db's store (at start-up, before serving). */
void kj_search_set_outbox(kj_db *db, bool on);

/** Records, inside the caller's transaction, that document doc_id (kind
 *  "listing" or "studio"; "all" with doc_id "*": the whole index) changed
 *  in the index, and queues the change signal for the commit. The entry
 *  gets a fresh token; for a listing or studio, a node with a local copy
 *  that takes the change in the paired local transaction records the token
 *  there too (kj_search_local_own), so that its tailer skips the entry
 *  (migration 052). Nothing when the outbox is off. 0, or -1 when the
 *  store failed. */
int kj_search_outbox_put(kj_db *db, const char *doc_id, const char *doc_kind);

/** Calls fn, in seq order, for the entries after seq `after` and for those
 *  written at or after since_ms (0: none again), at most limit; token is
 *  the entry's token (NULL for entries older than migration 052). Returns
 *  the highest seq read (after when none), or -1 on error (fn not called).
 *  fn returning non-zero stops the walk (that entry's seq is not counted). */
int64_t kj_search_outbox_read(kj_db *db, int64_t after, int64_t since_ms, int limit,
                              int (*fn)(void *ctx, int64_t seq, const char *doc_id, const char *doc_kind, const char *token),
                              void *ctx);

/** Deletes the entries written before before_ms (outside a transaction;
 *  best effort: a failure is logged). Returns how many went, or -1. */
int kj_search_outbox_prune(kj_db *db, int64_t before_ms);
#endif
