/*
 * fast_terms.c — the frequent terms' bitmaps (see fast_terms.h).
 */
#include "search/fast_terms.h"
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct kj_fast_term {
    uint64_t *bits;          /* nwords */
    uint32_t *before;        /* nwords: set bits in the words before */
    uint16_t *hits;          /* one per set bit, in rowid order */
};

struct kj_fast_index {
    int refs;                /* under its slot's lock: installed (1) + readers */
    int64_t built_max;
    uint32_t day;            /* kj_fast_set_day, before install */
    size_t nwords, bytes;
    json_t *by_term;         /* term → index in terms */
    kj_fast_term *terms;
    size_t nterms, cap, nranked;   /* nranked: the terms with hits (not filter values) */
    uint64_t *codes;         /* kj_fast_set_codes: per rowid 0..built_max */
    _Atomic uint64_t *dead;  /* nwords */
    atomic_llong ndead, removed_seq;
};

kj_fast_index *kj_fast_new(int64_t built_max)
{
    kj_fast_index *ix = calloc(1, sizeof *ix);
    if (!ix) return NULL;
    ix->built_max = built_max > 0 ? built_max : 0;
    ix->nwords = (size_t)(ix->built_max / 64 + 1);
    ix->by_term = json_object();
    ix->dead = calloc(ix->nwords, sizeof *ix->dead);
    ix->bytes = ix->nwords * sizeof *ix->dead;
    if (!ix->by_term || !ix->dead) { kj_fast_free(ix); return NULL; }
    return ix;
}

/* Fills t (zeroed) with rowids/hits as kj_fast_add_term describes; the
 * number of rowids kept, or -1 when out of memory. */
static int64_t term_fill(const kj_fast_index *ix, kj_fast_term *t, const int64_t *rowids, const uint16_t *hits, size_t n)
{
    t->bits = calloc(ix->nwords, sizeof(uint64_t));
    t->before = hits ? calloc(ix->nwords, sizeof(uint32_t)) : NULL;
    t->hits = hits ? malloc((n ? n : 1) * sizeof(uint16_t)) : NULL;
    if (!t->bits || (hits && (!t->before || !t->hits))) { free(t->bits); free(t->before); free(t->hits); return -1; }
    size_t kept = 0;
    int64_t last = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t r = rowids[i];
        if (r <= last || r > ix->built_max) continue;   /* ascending and in range, or left out */
        t->bits[r >> 6] |= 1ULL << (r & 63);
        if (hits) t->hits[kept] = hits[i];
        kept++;
        last = r;
    }
    uint32_t seen = 0;
    for (size_t w = 0; hits && w < ix->nwords; w++) {
        t->before[w] = seen;
        seen += (uint32_t)__builtin_popcountll(t->bits[w]);
    }
    return (int64_t)kept;
}

int kj_fast_add_term(kj_fast_index *ix, const char *term, const int64_t *rowids, const uint16_t *hits, size_t n)
{
    if (ix->nterms == ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 64;
        kj_fast_term *t = realloc(ix->terms, cap * sizeof *t);
        if (!t) return -1;
        ix->terms = t;
        ix->cap = cap;
    }
    kj_fast_term t = { 0 };
    int64_t kept = term_fill(ix, &t, rowids, hits, n);
    if (kept < 0) return -1;
    ix->terms[ix->nterms] = t;
    json_object_set_new(ix->by_term, term, json_integer((json_int_t)ix->nterms));
    ix->nterms++;
    if (hits) ix->nranked++;
    ix->bytes += ix->nwords * sizeof(uint64_t) + (hits ? ix->nwords * sizeof(uint32_t) + (size_t)kept * sizeof(uint16_t) : 0);
    return 0;
}

void kj_fast_set_codes(kj_fast_index *ix, uint64_t *codes)
{
    free(ix->codes);
    ix->codes = codes;
    if (codes) ix->bytes += (size_t)(ix->built_max + 1) * sizeof *codes;
}

const uint64_t *kj_fast_codes(const kj_fast_index *ix) { return ix->codes; }

kj_fast_term *kj_fast_term_new(const kj_fast_index *ix, const int64_t *rowids, const uint16_t *hits, size_t n)
{
    kj_fast_term *t = calloc(1, sizeof *t);
    if (t && term_fill(ix, t, rowids, hits, n) < 0) { free(t); t = NULL; }
    return t;
}

void kj_fast_term_free(kj_fast_term *t)
{
    if (!t) return;
    free(t->bits);
    free(t->before);
    free(t->hits);
    free(t);
}

void kj_fast_free(kj_fast_index *ix)
{
    if (!ix) return;
    for (size_t i = 0; i < ix->nterms; i++) {
        free(ix->terms[i].bits);
        free(ix->terms[i].before);
        free(ix->terms[i].hits);
    }
    free(ix->terms);
    free(ix->codes);
    free(ix->dead);
    json_decref(ix->by_term);
    free(ix);
}

/* ---- the installed index ---- */

void kj_fast_slot_init(kj_fast_slot *slot)
{
    pthread_mutex_init(&slot->lock, NULL);
    slot->installed = NULL;
}

static void drop(kj_fast_index *ix)   /* with the slot's lock held */
{
    if (ix && --ix->refs == 0) kj_fast_free(ix);
}

void kj_fast_slot_destroy(kj_fast_slot *slot)
{
    drop(slot->installed);
    slot->installed = NULL;
    pthread_mutex_destroy(&slot->lock);
}

void kj_fast_install(kj_fast_slot *slot, kj_fast_index *ix)
{
    pthread_mutex_lock(&slot->lock);
    drop(slot->installed);
    slot->installed = ix;
    if (ix) ix->refs = 1;
    pthread_mutex_unlock(&slot->lock);
}

kj_fast_index *kj_fast_acquire(kj_fast_slot *slot)
{
    pthread_mutex_lock(&slot->lock);
    kj_fast_index *ix = slot->installed;
    if (ix) ix->refs++;
    pthread_mutex_unlock(&slot->lock);
    return ix;
}

void kj_fast_release(kj_fast_slot *slot, kj_fast_index *ix)
{
    if (!ix) return;
    pthread_mutex_lock(&slot->lock);
    drop(ix);
    pthread_mutex_unlock(&slot->lock);
}

/* ---- reading ---- */

int64_t kj_fast_built_max(const kj_fast_index *ix) { return ix->built_max; }
size_t kj_fast_term_count(const kj_fast_index *ix) { return ix->nranked; }
size_t kj_fast_bytes(const kj_fast_index *ix) { return ix->bytes; }

const kj_fast_term *kj_fast_term_find(const kj_fast_index *ix, const char *term)
{
    json_t *i = json_object_get(ix->by_term, term);
    return i ? &ix->terms[json_integer_value(i)] : NULL;
}

uint32_t kj_fast_day(const kj_fast_index *ix) { return ix->day; }
void kj_fast_set_day(kj_fast_index *ix, uint32_t day) { ix->day = day; }

int64_t kj_fast_removed_seq(const kj_fast_index *ix) { return atomic_load(&((kj_fast_index *)ix)->removed_seq); }
void kj_fast_set_removed_seq(kj_fast_index *ix, int64_t seq) { atomic_store(&ix->removed_seq, seq); }

void kj_fast_mark_dead(kj_fast_index *ix, int64_t rowid)
{
    if (rowid <= 0 || rowid > ix->built_max) return;
    uint64_t bit = 1ULL << (rowid & 63);
    if (!(atomic_fetch_or(&ix->dead[rowid >> 6], bit) & bit)) atomic_fetch_add(&ix->ndead, 1);
}

int64_t kj_fast_dead_count(const kj_fast_index *ix) { return atomic_load(&((kj_fast_index *)ix)->ndead); }

static inline int popcount64(uint64_t v) { return __builtin_popcountll(v); }

/* Built twice, the processor's popcnt instruction used where it has one:
 * a walk counts bits of every 64-rowid word of several bitmaps. Not under
 * clang (only the fuzz build uses it): Debian 12's clang 14 names the
 * resolver kj_fast_walk.ifunc, and a caller in another file then fails to
 * link ("undefined reference to kj_fast_walk"). */
#if defined(__clang__)
#define POPCNT_CLONES
#else
#define POPCNT_CLONES __attribute__((target_clones("default", "popcnt")))
#endif
POPCNT_CLONES
void kj_fast_walk(const kj_fast_index *ix, const kj_fast_term *const *terms, int n, int nhits, bool any,
                  const kj_fast_split *split, void (*prefetch)(void *ctx, int64_t rowid, bool checked),
                  int (*fn)(void *ctx, int64_t rowid, const uint16_t *hits, bool checked), void *ctx)
{
    if (n < 1 || n > 64 || nhits > n || (any && nhits < 1)) return;
    uint16_t hits[64];
    const kj_fast_term *pass = split ? split->pass : NULL, *check = split ? split->check : NULL;
    for (size_t w = 0; w < ix->nwords; w++) {
        uint64_t m = ~atomic_load_explicit(&ix->dead[w], memory_order_relaxed);
        int t = 0;
        if (any) {
            uint64_t some = 0;
            for (; t < nhits; t++) some |= terms[t]->bits[w];
            m &= some;
        }
        for (; t < n && m; t++) m &= terms[t]->bits[w];
        if (!m) continue;
        uint64_t checked = m;
        if (pass) {
            checked = check ? m & check->bits[w] : 0;
            m &= pass->bits[w] | checked;
        }
        if (prefetch)
            for (uint64_t p = m; p; p &= p - 1) {
                int b = __builtin_ctzll(p);
                prefetch(ctx, (int64_t)(w * 64 + (size_t)b), (checked >> b) & 1);
            }
        for (; m; m &= m - 1) {
            int b = __builtin_ctzll(m);
            uint64_t bit = 1ULL << b, below = bit - 1;
            for (t = 0; t < nhits; t++) {
                uint64_t word = terms[t]->bits[w];
                hits[t] = !any || (word & bit) ? terms[t]->hits[terms[t]->before[w] + (uint32_t)popcount64(word & below)] : 0;
            }
            if (fn(ctx, (int64_t)(w * 64 + (size_t)b), hits, (checked & bit) != 0)) return;
        }
    }
}
