/*
 * context.h — the search module's state, owned by one store.
 *
 * What searches keep between requests — the analyzer and query rewriter
 * they read text with, the cached term counts, the index-size estimate,
 * the documents' attributes in memory (doc_attrs.h) and the frequent
 * terms' bitmaps (fast_terms.h) — describes one database. It lives in a
 * kj_search_ctx that belongs to that database's store (store.h:
 * kj_store_ext): created with it (kj_search_attach, by whoever opens the
 * store) or, when nobody attached one, on first use (no analyzer: searches
 * find nothing), and destroyed by kj_store_close. Two stores in one
 * process (tests, a node with a local index beside its PostgreSQL) thus
 * never share a cache, and a cache never outlives its database.
 *
 * Lock rule (every field of the context, see context.c):
 *  - analyzer, rewriter: set when the context is made, before the store
 *    serves any thread; read-only afterwards (no lock). The analyzer and
 *    rewriter themselves are thread-safe for reading and outlive the store
 *    (their owner closes them after kj_store_close).
 *  - scale thresholds and the memory walk switch (kj_search_set_scale,
 *    kj_search_set_memory): tests only, set while no search runs; the
 *    outbox switch (outbox.h: kj_search_set_outbox): at start-up.
 *  - term counts (frequent terms, counted terms): under df_lock.
 *  - the index-size estimate: under estimate_lock.
 *  - the bitmaps: the slot's lock (fast_terms.h); the attributes: lock-free
 *    readers, writers under the cache's locks (doc_attrs.h).
 */
#ifndef KJ_SEARCH_CONTEXT_H
#define KJ_SEARCH_CONTEXT_H
#include "store/store.h"
#include "text/analyzer.h"
#include "text/rewrite.h"

typedef struct kj_search_ctx kj_search_ctx;

/** A new context reading text with analyzer a (NULL: nothing is ever
 *  found) and rewriting queries with r (NULL: queries analyzed as typed).
 *  NULL when out of memory. */
kj_search_ctx *kj_search_ctx_new(kj_analyzer *a, kj_rewriter *r);
/** Frees a context that no store holds (kj_store_close frees attached ones). */
void kj_search_ctx_free(kj_search_ctx *c);
/** Gives c to store s, before s serves any thread: from then on the
 *  store owns it. -1 (c not taken: the caller frees it) when s already
 *  has a context. */
int kj_search_attach(kj_store *s, kj_search_ctx *c);
/** The context of db's store (made empty on first use when none was
 *  attached; NULL only when out of memory). */
kj_search_ctx *kj_search_ctx_of(kj_db *db);
/** The context's analyzer and rewriter (may be NULL). */
kj_analyzer *kj_search_ctx_analyzer(const kj_search_ctx *c);
kj_rewriter *kj_search_ctx_rewriter(const kj_search_ctx *c);
#endif
