/*
 * resp_cache.h — a small in-memory cache of whole responses, for public
 * pages that many anonymous visitors fetch alike (browse lists, their API).
 *
 * An entry is served only while both hold:
 *  - the data generation it was made at is still the current one (the
 *    caller passes kj_store_generation: any write by this process ends it);
 *  - it is younger than the cache's time to live (writes by another
 *    process, and filters that move with the clock, such as "still valid
 *    today", are caught by age).
 * The cache keeps the body, its gzip form (made once, when stored), the
 * content type and the headers the handler added. It is direct-mapped: a
 * fixed number of slots, a key's hash picks its slot, and a new entry
 * replaces whatever was there. One mutex guards it; a hit copies the
 * entry out under the lock, so no entry is shared with a request.
 */
#ifndef KJ_RESP_CACHE_H
#define KJ_RESP_CACHE_H
#include "http/http.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct kj_resp_cache kj_resp_cache;

/** A cache of at most slots entries living ttl_ms each. NULL when memory
 *  runs out or ttl_ms <= 0 (no cache: every lookup misses). */
kj_resp_cache *kj_resp_cache_new(int slots, int64_t ttl_ms);
void kj_resp_cache_free(kj_resp_cache *c);

/** When key holds a live entry for generation at now_ms, fills req's
 *  status, content type, body (gzip when gzip is true and the entry has
 *  it: then req->body_gzipped is set) and adds the stored headers. */
bool kj_resp_cache_get(kj_resp_cache *c, const char *key, uint64_t generation, int64_t now_ms, bool gzip, kj_req *req);

/** Stores req's response (status 200 only) under key. Headers in
 *  req->headers up to (not including) before_handler are the handler's and
 *  are stored with it; the ones after were there for this request alone. */
void kj_resp_cache_put(kj_resp_cache *c, const char *key, uint64_t generation, int64_t now_ms, const kj_req *req,
                       const struct kj_header *before_handler);

/** Hits and misses since the start, for /metrics. */
void kj_resp_cache_counts(kj_resp_cache *c, int64_t *hits, int64_t *misses);

#endif
