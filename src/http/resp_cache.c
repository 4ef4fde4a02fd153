/*
 * resp_cache.c — whole responses kept in memory (see resp_cache.h).
 *
 * Owns: the slots, their bytes, the hit and miss counters. Each slot is
 * one entry (or empty); nothing here knows which pages are cached or why:
 * the application decides that and builds the key.
 */
#include "http/resp_cache.h"
#include "core/buf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GZIP_MIN_BYTES 860   /* as the server: smaller bodies are sent plain */
#define MAX_HEADERS 8

typedef struct {
    char *key;               /* NULL: empty slot */
    uint64_t generation;
    int64_t made_ms;
    char *content_type;
    char *body, *gz;         /* gz: NULL when not worth compressing */
    size_t body_len, gz_len;
    int nheaders;
    char *header_name[MAX_HEADERS], *header_value[MAX_HEADERS];
} entry;

struct kj_resp_cache {
    pthread_mutex_t lock;    /* guards slots and counters */
    entry *slots;
    int nslots;
    int64_t ttl_ms;
    int64_t hits, misses;
};

static void entry_clear(entry *e)
{
    free(e->key);
    free(e->content_type);
    free(e->body);
    free(e->gz);
    for (int i = 0; i < e->nheaders; i++) { free(e->header_name[i]); free(e->header_value[i]); }
    memset(e, 0, sizeof *e);
}

kj_resp_cache *kj_resp_cache_new(int slots, int64_t ttl_ms)
{
    if (slots <= 0 || ttl_ms <= 0) return NULL;
    kj_resp_cache *c = calloc(1, sizeof *c);
    if (!c || !(c->slots = calloc((size_t)slots, sizeof *c->slots))) { free(c); return NULL; }
    c->nslots = slots;
    c->ttl_ms = ttl_ms;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void kj_resp_cache_free(kj_resp_cache *c)
{
    if (!c) return;
    for (int i = 0; i < c->nslots; i++) entry_clear(&c->slots[i]);
    free(c->slots);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* FNV-1a: keys are short, and a collision only costs a miss. */
static entry *slot_of(kj_resp_cache *c, const char *key)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) h = (h ^ *p) * 1099511628211ULL;
    return &c->slots[h % (uint64_t)c->nslots];
}

static bool live(const kj_resp_cache *c, const entry *e, const char *key, uint64_t generation, int64_t now_ms)
{
    int64_t age = now_ms - e->made_ms;
    return e->key && e->generation == generation && age >= 0 && age < c->ttl_ms && !strcmp(e->key, key);
}

bool kj_resp_cache_get(kj_resp_cache *c, const char *key, uint64_t generation, int64_t now_ms, bool gzip, kj_req *req)
{
    if (!c) return false;
    pthread_mutex_lock(&c->lock);
    entry *e = slot_of(c, key);
    bool hit = live(c, e, key, generation, now_ms);
    if (hit) {
        c->hits++;
        bool use_gz = gzip && e->gz;
        kj_buf_reset(&req->body);
        kj_buf_append(&req->body, use_gz ? e->gz : e->body, use_gz ? e->gz_len : e->body_len);
        req->body_gzipped = use_gz;
        req->status = 200;
        req->content_type = kj_arena_strdup(req->arena, e->content_type);
        for (int i = e->nheaders - 1; i >= 0; i--) kj_resp_header(req, e->header_name[i], e->header_value[i]);
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

/* Copies the response into e (empty on entry); false when memory ran out. */
static bool fill(entry *e, const char *key, const kj_req *req, const struct kj_header *before_handler)
{
    const char *type = req->content_type ? req->content_type : "application/octet-stream";
    if (!(e->key = strdup(key)) || !(e->content_type = strdup(type))) return false;
    if (!(e->body = malloc(req->body.len + 1))) return false;
    memcpy(e->body, req->body.data ? req->body.data : "", req->body.len);
    e->body_len = req->body.len;
    if (!req->no_gzip && req->body.len > GZIP_MIN_BYTES) e->gz = kj_gzip_bytes(e->body, e->body_len, &e->gz_len);
    for (const struct kj_header *h = req->headers; h && h != before_handler; h = h->next) {
        /* A cookie set by the handler is one visitor's: such a page is never shared. */
        if (e->nheaders == MAX_HEADERS || !strcasecmp(h->name, "Set-Cookie")) return false;
        int i = e->nheaders++;
        if (!(e->header_name[i] = strdup(h->name)) || !(e->header_value[i] = strdup(h->value))) return false;
    }
    return true;
}

void kj_resp_cache_put(kj_resp_cache *c, const char *key, uint64_t generation, int64_t now_ms, const kj_req *req,
                       const struct kj_header *before_handler)
{
    if (!c || req->status != 200 || req->file_path || req->body_gzipped) return;
    entry fresh = { .generation = generation, .made_ms = now_ms };
    if (!fill(&fresh, key, req, before_handler)) { entry_clear(&fresh); return; }
    pthread_mutex_lock(&c->lock);
    entry *e = slot_of(c, key);
    entry old = *e;
    *e = fresh;
    pthread_mutex_unlock(&c->lock);
    entry_clear(&old);
}

void kj_resp_cache_counts(kj_resp_cache *c, int64_t *hits, int64_t *misses)
{
    *hits = *misses = 0;
    if (!c) return;
    pthread_mutex_lock(&c->lock);
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->lock);
}
