/*
 * doc_attrs.c — the in-memory attributes of indexed documents and the
 * browse filters evaluated over them (see doc_attrs.h for the invariants
 * that keep the cache exact).
 *
 * Layout: a two-level table. The top level is a fixed array of page
 * pointers (never moved, so readers need no lock); a page of PAGE_ROWS
 * entries is allocated the first time one of its rowids is kept. Each
 * entry carries an atomic state, stored with release order after the
 * fields, and read with acquire order before them.
 */
#include "search/doc_attrs.h"
#include "ref/regions.h"
#include "core/clock.h"
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ---- code tables ---- */

/* Capacity per table: well above the reference data (4 kinds, ~20 + ~200
 * domains, 34 provinces, ~400 cities, ~3,000 districts, ~10 modes). The
 * mode table is bounded by the 64 bits of kj_doc_attrs.modes. */
static const int code_capacity[KJ_NCODE_TABLES] = {
    [KJ_CODES_KIND] = 64, [KJ_CODES_DOMAIN1] = 4096,   /* kinds fit kj_doc_hot's 8 bits, domain1 and provinces its 16 */ [KJ_CODES_DOMAIN] = 16384, [KJ_CODES_PROVINCE] = 4096,
    [KJ_CODES_CITY] = 16384, [KJ_CODES_REGION] = 65535, [KJ_CODES_MODE] = 64,
};

typedef struct {
    json_t *numbers;                 /* text → number, under codes_lock */
    _Atomic(_Atomic(char *) *) names; /* number → text; allocated once; an element is written once, before its number is handed out */
    int n;
} code_table;


/* ---- the rowid table ---- */

#define PAGE_BITS 12
#define PAGE_ROWS (1 << PAGE_BITS)
#define MAX_PAGES (1 << 16)          /* rowids up to 268M */

/* A page: the packed entries together (what searches walk), the full ones
 * apart. An entry is known once its state is 1. */
typedef struct {
    atomic_uchar state[PAGE_ROWS];
    kj_doc_hot hot[PAGE_ROWS];
    kj_doc_attrs full[PAGE_ROWS];
} page;

struct kj_doc_cache {
    /* All code tables share one lock: they change only while documents
     * are first seen, a few thousand times in a store's life. */
    pthread_mutex_t codes_lock;
    code_table codes[KJ_NCODE_TABLES];
    _Atomic(page *) *pages;          /* MAX_PAGES slots, allocated with the cache */
    pthread_mutex_t pages_lock;      /* writers */
    atomic_llong known;
};

kj_doc_cache *kj_doc_cache_new(void)
{
    kj_doc_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->pages = calloc(MAX_PAGES, sizeof *c->pages);
    if (!c->pages) { free(c); return NULL; }
    pthread_mutex_init(&c->codes_lock, NULL);
    pthread_mutex_init(&c->pages_lock, NULL);
    return c;
}

void kj_doc_cache_free(kj_doc_cache *c)
{
    if (!c) return;
    for (int i = 0; i < MAX_PAGES; i++) free(atomic_load(&c->pages[i]));
    free(c->pages);
    for (int t = 0; t < KJ_NCODE_TABLES; t++) {
        _Atomic(char *) *names = atomic_load(&c->codes[t].names);
        for (int n = 1; names && n <= c->codes[t].n; n++) free(atomic_load(&names[n]));
        free(names);
        json_decref(c->codes[t].numbers);
    }
    pthread_mutex_destroy(&c->codes_lock);
    pthread_mutex_destroy(&c->pages_lock);
    free(c);
}

int kj_doc_code_count(kj_doc_cache *c, kj_code_table t)
{
    pthread_mutex_lock(&c->codes_lock);
    int n = c->codes[t].n;
    pthread_mutex_unlock(&c->codes_lock);
    return n;
}

int kj_doc_code(kj_doc_cache *cache, kj_code_table t, const char *s, size_t len, bool add)
{
    if (!s || !len || len > 64) return 0;
    char key[65];
    memcpy(key, s, len);
    key[len] = 0;
    pthread_mutex_lock(&cache->codes_lock);
    code_table *c = &cache->codes[t];
    if (!c->numbers) {
        c->numbers = json_object();
        atomic_store_explicit(&c->names, calloc((size_t)code_capacity[t] + 1, sizeof(_Atomic(char *))), memory_order_release);
    }
    int n = (int)json_integer_value(json_object_get(c->numbers, key));
    if (!n && add) {
        _Atomic(char *) *names = atomic_load_explicit(&c->names, memory_order_relaxed);
        if (!names || c->n >= code_capacity[t]) n = -1;
        else {
            n = ++c->n;
            atomic_store_explicit(&names[n], strdup(key), memory_order_release);
            json_object_set_new(c->numbers, key, json_integer(n));
        }
    }
    pthread_mutex_unlock(&cache->codes_lock);
    return n;
}

const char *kj_doc_code_name(kj_doc_cache *cache, kj_code_table t, int n)
{
    if (n <= 0 || n > code_capacity[t]) return "";
    _Atomic(char *) *names = atomic_load_explicit(&cache->codes[t].names, memory_order_acquire);
    char *s = names ? atomic_load_explicit(&names[n], memory_order_acquire) : NULL;
    return s ? s : "";
}

/* ---- the rowid table ---- */

static page *page_of(kj_doc_cache *c, int64_t rowid)
{
    if (rowid <= 0 || rowid >= (int64_t)MAX_PAGES * PAGE_ROWS) return NULL;
    return atomic_load_explicit(&c->pages[rowid >> PAGE_BITS], memory_order_acquire);
}

const kj_doc_hot *kj_doc_hot_find(kj_doc_cache *c, int64_t rowid)
{
    page *p = page_of(c, rowid);
    int i = (int)(rowid & (PAGE_ROWS - 1));
    return p && atomic_load_explicit(&p->state[i], memory_order_acquire) == 1 ? &p->hot[i] : NULL;
}

void kj_doc_hot_prefetch(kj_doc_cache *c, int64_t rowid)
{
    page *p = page_of(c, rowid);
    if (!p) return;
    int i = (int)(rowid & (PAGE_ROWS - 1));
    __builtin_prefetch(&p->state[i]);
    __builtin_prefetch(&p->hot[i]);
}

const kj_doc_attrs *kj_doc_attrs_find(kj_doc_cache *c, int64_t rowid)
{
    page *p = page_of(c, rowid);
    int i = (int)(rowid & (PAGE_ROWS - 1));
    return p && atomic_load_explicit(&p->state[i], memory_order_acquire) == 1 ? &p->full[i] : NULL;
}

void kj_doc_attrs_put(kj_doc_cache *c, int64_t rowid, const kj_doc_attrs *a)
{
    if (rowid <= 0 || rowid >= (int64_t)MAX_PAGES * PAGE_ROWS) return;
    pthread_mutex_lock(&c->pages_lock);
    page *p = atomic_load_explicit(&c->pages[rowid >> PAGE_BITS], memory_order_relaxed);
    if (!p && (p = calloc(1, sizeof *p))) atomic_store_explicit(&c->pages[rowid >> PAGE_BITS], p, memory_order_release);
    int i = (int)(rowid & (PAGE_ROWS - 1));
    if (p && atomic_load_explicit(&p->state[i], memory_order_relaxed) != 1) {
        p->full[i] = *a;
        p->hot[i] = a->hot;
        atomic_store_explicit(&p->state[i], 1, memory_order_release);
        atomic_fetch_add(&c->known, 1);
    }
    pthread_mutex_unlock(&c->pages_lock);
}

int64_t kj_doc_attrs_count(kj_doc_cache *c) { return atomic_load(&c->known); }

/* ---- attributes from a document's columns ---- */

static int code_of(kj_doc_cache *c, kj_code_table t, const char *s, bool *full)
{
    int n = kj_doc_code(c, t, s, s ? strlen(s) : 0, true);
    if (n < 0) { *full = true; return 0; }
    return n;
}

/* "YYYY-MM-DD" → YYYYMMDD; 0 when it is not a date. */
static uint32_t date_number(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
    uint32_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) continue;
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    return v;
}

int kj_fts5_varints(const unsigned char *p, size_t len, int64_t *out, int max)
{
    int n = 0;
    for (size_t i = 0; i < len; n++) {
        uint64_t v = 0;
        for (int k = 1;; k++) {
            if (i >= len) return -1;
            unsigned char c = p[i++];
            if (k == 9) { v = (v << 8) | c; break; }
            v = (v << 7) | (c & 0x7f);
            if (!(c & 0x80)) break;
        }
        if (n < max) out[n] = (int64_t)v;
    }
    return n;
}

/* A row's tokens: the sum of its columns' counts; -1 when malformed. */
static int32_t total_tokens(const unsigned char *p, size_t len)
{
    int64_t v[16], sum = 0;
    int n = kj_fts5_varints(p, len, v, 16);
    if (n < 0 || n > 16) return -1;
    for (int i = 0; i < n; i++) sum += v[i];
    return sum >= 0 && sum <= INT32_MAX ? (int32_t)sum : -1;
}

bool kj_doc_attrs_from_row(kj_doc_cache *c, const kj_doc_row *r, kj_doc_attrs *a)
{
    bool full = false;
    bool studio = r->doc_kind && !strcmp(r->doc_kind, "studio");
    memset(a, 0, sizeof *a);
    a->studio = studio;
    a->kind = (uint16_t)code_of(c, KJ_CODES_KIND, studio ? "studio" : r->kind, &full);
    a->domain1 = (uint16_t)code_of(c, KJ_CODES_DOMAIN1, r->domain1, &full);
    a->domain = (uint16_t)code_of(c, KJ_CODES_DOMAIN, r->domain, &full);
    a->province = (uint16_t)code_of(c, KJ_CODES_PROVINCE, r->province, &full);
    a->city = (uint16_t)code_of(c, KJ_CODES_CITY, r->city, &full);
    a->region = (uint16_t)code_of(c, KJ_CODES_REGION, r->region, &full);
    a->trl = r->trl > 0 && r->trl < 256 ? (uint8_t)r->trl : 0;
    a->tokens = r->sizes ? total_tokens(r->sizes, r->sizes_len) : r->tokens > 0 ? r->tokens : -1;
    a->published = studio || (r->status && !strcmp(r->status, "published"));
    a->valid_until = date_number(r->valid_until);
    a->published_at = r->has_published_at ? r->published_at : INT64_MIN;
    a->price_min = r->has_price_min ? r->price_min : INT64_MAX;
    a->price_max = r->has_price_max ? r->price_max : INT64_MIN;
    for (const char *m = r->modes_csv; m && *m;) {
        const char *end = strchr(m, ',');
        size_t len = end ? (size_t)(end - m) : strlen(m);
        int n = kj_doc_code(c, KJ_CODES_MODE, m, len, true);
        if (n < 0) full = true;
        else if (n > 0) a->modes |= 1ULL << (n - 1);
        m = end ? end + 1 : m + len;
    }
    a->hot = (kj_doc_hot){ .kind = (uint8_t)a->kind, .trl = a->trl, .studio = a->studio, .published = a->published,
                           .domain1 = a->domain1, .province = a->province, .valid_until = a->valid_until, .tokens = a->tokens };
    return !full;
}

/* ---- filters ---- */

/* The code of a filter value: -1 (nothing passes) when no document seen
 * so far holds it. Values a user types are never added (they would fill
 * the tables); f->unknown tells the caller to compile again after the scan,
 * in case a document holding the value was first seen meanwhile. */
static int filter_code(kj_doc_cache *c, kj_doc_filter *f, kj_code_table t, const char *s)
{
    int n = kj_doc_code(c, t, s, strlen(s), false);
    if (n <= 0) f->unknown = true;
    return n > 0 ? n : -1;
}

/* A region below the city: the region itself when nothing lies under it;
 * else the codes seen so far of the region and of the places under it
 * (townships under a county), by the installed tree's parent chain — what
 * browse's KJ_REGION_SUBTREE_SQL selects. False when more codes than
 * KJ_DOC_REGION_SET_MAX qualify (the caller searches with SQL). */
static bool region_subtree(kj_doc_cache *cache, kj_doc_filter *f, const char *region, int depth)
{
    const kj_region *const *kids;
    if (depth < 0 || !kj_regions_children(kj_regions_current(), region, &kids)) {
        f->region = filter_code(cache, f, KJ_CODES_REGION, region);
        return true;
    }
    int n = kj_doc_code_count(cache, KJ_CODES_REGION);
    f->region_under = region;
    f->region_depth = depth;
    f->region_codes_n = n;
    for (int c = 1; c <= n; c++) {
        const char *name = kj_doc_code_name(cache, KJ_CODES_REGION, c), *up = kj_region_ancestor_code(name, depth);
        if (!up || strcmp(up, region)) continue;
        if (f->region_set_n == KJ_DOC_REGION_SET_MAX) return false;
        f->region_set[f->region_set_n++] = (uint16_t)c;
    }
    return true;
}

/* Whether a document's region code lies under f's region: by the set for
 * codes known at compile time, by the tree for a code first met since (a
 * township first seen by this very scan). */
static bool in_region_set(const kj_doc_filter *f, uint16_t code)
{
    if (code > f->region_codes_n) {
        const char *up = kj_region_ancestor_code(kj_doc_code_name(f->docs, KJ_CODES_REGION, code), f->region_depth);
        return up && !strcmp(up, f->region_under);
    }
    for (int i = 0; i < f->region_set_n; i++)
        if (f->region_set[i] == code) return true;
    return false;
}

bool kj_doc_filter_compile(kj_doc_cache *c, const kj_listing_query *q, bool studios, int64_t now_ms, kj_doc_filter *f)
{
    /* The origin (federation) is not among the attributes kept in memory. */
    if (q->status || q->studio_id || q->org_id || q->owner_id || q->origin || (q->q_title && *q->q_title)) return false;
    memset(f, 0, sizeof *f);
    f->docs = c;
    f->studios = studios;
    f->price_min = q->price_min_fen;
    f->price_max = q->price_max_fen;
    f->published_since = INT64_MIN;
    f->trl_min = q->trl_min;
    f->trl_max = q->trl_max;
    if (q->kind) f->kind = filter_code(c, f, KJ_CODES_KIND, q->kind);
    if (q->domain) f->domain1 = strlen(q->domain) == 3 ? filter_code(c, f, KJ_CODES_DOMAIN1, q->domain) : 0;
    if (q->domain && strlen(q->domain) != 3) f->domain = filter_code(c, f, KJ_CODES_DOMAIN, q->domain);
    if (q->region) {
        /* Province and city by the tree's depth (ref/regions.h), as the
         * listing's region_province / region_city columns were filled. */
        int depth = kj_region_depth(q->region);
        if (depth == 0) f->province = filter_code(c, f, KJ_CODES_PROVINCE, q->region);
        else if (depth == 1) f->city = filter_code(c, f, KJ_CODES_CITY, q->region);
        else if (!region_subtree(c, f, q->region, depth)) return false;
    }
    if (q->mode) {
        int n = filter_code(c, f, KJ_CODES_MODE, q->mode);
        if (n > 0) f->mode_bit = 1ULL << (n - 1);
        else f->no_mode = true;
    }
    if (q->within_days > 0) f->published_since = now_ms - (int64_t)q->within_days * 86400000LL;
    f->beyond_hot = f->domain || f->city || f->region || f->region_under || f->mode_bit || f->no_mode || f->price_min >= 0 || f->price_max >= 0 ||
                    f->published_since != INT64_MIN;
    f->listings_only = (q->kind && strcmp(q->kind, "studio")) || q->domain || q->region || q->mode || q->trl_min ||
                       q->trl_max || q->within_days || q->price_min_fen >= 0 || q->price_max_fen >= 0;
    char today[16];
    kj_format_date(now_ms, today, sizeof today);
    f->today = date_number(today);
    return true;
}

/* A filter on a code: 0 passes all, -1 none, else equality. */
static bool code_passes(int want, uint16_t have) { return want == 0 || (want > 0 && want == have); }

bool kj_doc_filter_pass_hot(kj_doc_cache *c, const kj_doc_filter *f, int64_t rowid, const kj_doc_hot *h)
{
    if (h->studio) return f->studios && !f->listings_only;
    if (!h->published || h->valid_until < f->today || !code_passes(f->kind, h->kind) ||
        !code_passes(f->domain1, h->domain1) || !code_passes(f->province, h->province))
        return false;
    if (f->trl_min > 0 && (!h->trl || h->trl < f->trl_min)) return false;
    if (f->trl_max > 0 && (!h->trl || h->trl > f->trl_max)) return false;
    if (!f->beyond_hot) return true;
    const kj_doc_attrs *a = kj_doc_attrs_find(c, rowid);
    return a && kj_doc_filter_pass(f, a);
}

bool kj_doc_filter_pass(const kj_doc_filter *f, const kj_doc_attrs *a)
{
    if (a->studio) return f->studios && !f->listings_only;
    if (!a->published || a->valid_until < f->today) return false;
    if (!code_passes(f->kind, a->kind) || !code_passes(f->domain1, a->domain1) || !code_passes(f->domain, a->domain) ||
        !code_passes(f->province, a->province) || !code_passes(f->city, a->city) || !code_passes(f->region, a->region) ||
        (f->region_under && !in_region_set(f, a->region)))
        return false;
    if (f->trl_min > 0 && (!a->trl || a->trl < f->trl_min)) return false;
    if (f->trl_max > 0 && (!a->trl || a->trl > f->trl_max)) return false;
    if (f->no_mode || (f->mode_bit && !(a->modes & f->mode_bit))) return false;
    if (f->price_min >= 0 && !(a->price_max >= f->price_min)) return false;
    if (f->price_max >= 0 && !(a->price_min <= f->price_max)) return false;
    if (f->published_since != INT64_MIN && !(a->published_at >= f->published_since)) return false;
    return true;
}
