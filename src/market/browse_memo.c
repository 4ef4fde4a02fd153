/*
 * browse_memo.c — browse counts remembered between requests.
 *
 * Why: once a browse page's rows come from one query that walks its index
 * in order and stops after the page (migration 022), the count of all
 * listings matching the filters is the only part of a page whose cost
 * grows with the data: 0.3–0.7 ms for the 3,232 achievements of one
 * domain and province at 100k listings, ten times that at 1M, on every
 * page of every visitor. Signed-in visitors never get the response cache
 * (their pages carry their name and CSRF token), so every one of their
 * pages paid it (issue 13). The count is the same for everyone: it is kept
 * here, keyed by the query's SQL and parameters, as the response cache
 * keeps pages, and with the same rules:
 *  - any write through the store ends every entry (the store's generation
 *    is read before counting, so a write during the count leaves the entry
 *    stale at once, never wrongly fresh);
 *  - an entry lives at most ttl_ms (page_cache_ms), for writes by other
 *    processes (an import command) which the generation does not see;
 *  - a visitor who asks for a fresh page (Cache-Control: no-cache) gets a
 *    fresh count (kj_listing_query.fresh).
 * Filters relative to now (within N days) put the time in the parameters
 * and so never hit, which is right.
 *
 * State: a direct-mapped table of slots guarded by one mutex (held only to
 * compare and copy); the time to live is set once before serving.
 */
#include "market/browse_memo.h"
#include "market/market.h"
#include "core/clock.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MEMO_SLOTS 256

static struct slot {
    char *key;
    uint64_t serial, generation;
    int64_t at_ms, total;
} slots[MEMO_SLOTS];
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t ttl_ms;   /* 0: off; written before serving (kj_listing_count_memo_ttl), read after */

void kj_listing_count_memo_ttl(int64_t ms)
{
    pthread_mutex_lock(&memo_lock);
    ttl_ms = ms > 0 ? ms : 0;
    pthread_mutex_unlock(&memo_lock);
}

/* "SQL\nparams" (malloc'd) and its slot. */
static char *make_key(const char *sql, json_t *params, size_t *slot)
{
    char *p = json_dumps(params, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t a = strlen(sql), b = p ? strlen(p) : 0;
    char *key = malloc(a + b + 2);
    if (key) {
        memcpy(key, sql, a);
        key[a] = '\n';
        memcpy(key + a + 1, p ? p : "", b);
        key[a + b + 1] = 0;
        uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
        for (const unsigned char *c = (const unsigned char *)key; *c; c++) h = (h ^ *c) * 1099511628211ULL;
        *slot = (size_t)(h % MEMO_SLOTS);
    }
    free(p);
    return key;
}

bool kj_browse_memo_get(kj_db *db, const char *sql, json_t *params, int64_t *total, uint64_t *generation)
{
    kj_store *s = kj_db_store(db);
    *generation = kj_store_generation(s);
    /* Inside a transaction the count may include its own uncommitted writes. */
    if (kj_db_in_transaction(db)) return false;
    size_t i = 0;
    char *key = make_key(sql, params, &i);
    if (!key) return false;
    bool hit = false;
    int64_t now = kj_now_ms();
    pthread_mutex_lock(&memo_lock);
    struct slot *e = &slots[i];
    if (ttl_ms > 0 && e->key && e->serial == kj_store_serial(s) && e->generation == *generation &&
        now - e->at_ms >= 0 && now - e->at_ms < ttl_ms && !strcmp(e->key, key)) {
        *total = e->total;
        hit = true;
    }
    pthread_mutex_unlock(&memo_lock);
    free(key);
    return hit;
}

void kj_browse_memo_put(kj_db *db, const char *sql, json_t *params, uint64_t generation, int64_t total)
{
    if (kj_db_in_transaction(db) || kj_db_failed(db)) return;
    size_t i = 0;
    char *key = make_key(sql, params, &i);
    if (!key) return;
    pthread_mutex_lock(&memo_lock);
    if (ttl_ms > 0) {
        struct slot *e = &slots[i];
        free(e->key);
        *e = (struct slot){ key, kj_store_serial(kj_db_store(db)), generation, kj_now_ms(), total };
        key = NULL;
    }
    pthread_mutex_unlock(&memo_lock);
    free(key);
}
