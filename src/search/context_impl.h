/*
 * context_impl.h — the fields of kj_search_ctx (context.h), for the files
 * of src/search/ only. The lock rule is context.h's.
 */
#ifndef KJ_SEARCH_CONTEXT_IMPL_H
#define KJ_SEARCH_CONTEXT_IMPL_H
#include "search/context.h"
#include "search/doc_attrs.h"
#include "search/fast_terms.h"
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct kj_search_ctx {
    kj_analyzer *analyzer;          /* set at creation, read-only */
    kj_rewriter *rewriter;          /* set at creation, read-only */
    int64_t large_index_docs, fast_term_min_docs;   /* tests set them while no search runs */
    bool memory_walk;               /* idem */
    bool outbox;                    /* write search_outbox entries (outbox.h); set at start-up */
    pthread_mutex_t df_lock;        /* guards the four below */
    json_t *df_cache;               /* term → [documents, at ms] counted one by one */
    json_t *frequent;               /* term → documents; NULL until the first walk */
    int64_t frequent_at;            /* kj_now_ms of that walk */
    pthread_mutex_t estimate_lock;  /* guards estimate */
    struct { uint64_t generation; int64_t at_us, docs; bool set; } estimate;
    kj_fast_slot fast;              /* the frequent terms' bitmaps in use */
    kj_doc_cache *docs;             /* the documents' attributes */
    struct kj_search_local *local;  /* a node's local copy of the index (local.h); set at start-up; NULL: the index is in the store */
};

/** Defaults of the scale thresholds (search.c). */
extern const int64_t kj_search_default_large_index, kj_search_default_fast_term_docs;
#endif
