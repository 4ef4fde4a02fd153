/*
 * context.c — making, attaching and freeing a store's search context
 * (see context.h for what it holds and its lock rule).
 */
#include "search/context_impl.h"
#include "search/local.h"
#include <stdlib.h>

kj_search_ctx *kj_search_ctx_new(kj_analyzer *a, kj_rewriter *r)
{
    kj_search_ctx *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->docs = kj_doc_cache_new();
    if (!c->docs) { free(c); return NULL; }
    c->analyzer = a;
    c->rewriter = r;
    c->large_index_docs = kj_search_default_large_index;
    c->fast_term_min_docs = kj_search_default_fast_term_docs;
    c->memory_walk = true;
    pthread_mutex_init(&c->df_lock, NULL);
    pthread_mutex_init(&c->estimate_lock, NULL);
    kj_fast_slot_init(&c->fast);
    return c;
}

void kj_search_ctx_free(kj_search_ctx *c)
{
    if (!c) return;
    kj_search_local_free(c->local);
    kj_fast_slot_destroy(&c->fast);
    kj_doc_cache_free(c->docs);
    json_decref(c->df_cache);
    json_decref(c->frequent);
    pthread_mutex_destroy(&c->df_lock);
    pthread_mutex_destroy(&c->estimate_lock);
    free(c);
}

static void destroy(void *c) { kj_search_ctx_free(c); }
static void *given(void *c) { return c; }
static void *empty(void *unused) { (void)unused; return kj_search_ctx_new(NULL, NULL); }

int kj_search_attach(kj_store *s, kj_search_ctx *c)
{
    return c && kj_store_ext(s, KJ_STORE_EXT_SEARCH, given, c, destroy) == c ? 0 : -1;
}

kj_search_ctx *kj_search_ctx_of(kj_db *db)
{
    return kj_store_ext(kj_db_store(db), KJ_STORE_EXT_SEARCH, empty, NULL, destroy);
}

kj_analyzer *kj_search_ctx_analyzer(const kj_search_ctx *c) { return c ? c->analyzer : NULL; }
kj_rewriter *kj_search_ctx_rewriter(const kj_search_ctx *c) { return c ? c->rewriter : NULL; }
