/*
 * cache.c — the figures of a (region, period, domain, view) computed once
 * per rebuild of the facts (stats.h): at 1M listings a province's figures
 * read tens of thousands of fact rows, and they change only when the job
 * rebuilds them.
 *
 * Validity: an entry is the answer for the gen it was computed from, and
 * is served only while stats_state still names that gen (read per request:
 * one row by its key). So a rebuild on any node makes every node's entries
 * old at its commit, whatever the signals do; the KJ_STATS_CHANNEL signal
 * (delivered after the commit, in process and to the other nodes) then
 * frees them at once rather than at their eviction.
 *
 * Bounds: at most MAX_ENTRIES answers; when full, the one used longest ago
 * goes. Lock rule: everything below is guarded by the cache's mutex; the
 * figures are computed outside it (two requests may compute the same
 * answer at once: the second one stored wins, both are right).
 */
#include "stats/stats.h"
#include "core/clock.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ENTRIES 256

typedef struct {
    char key[160];
    int64_t gen;
    uint64_t used;           /* the cache's tick at the last hit */
    json_t *figures;         /* owned; handed out as deep copies */
} entry;

typedef struct {
    pthread_mutex_t lock;
    entry e[MAX_ENTRIES];
    int n;
    uint64_t tick;
} figures_cache;

static void drop_all(figures_cache *c)
{
    for (int i = 0; i < c->n; i++) {
        json_decref(c->e[i].figures);
        c->e[i].figures = NULL;
    }
    c->n = 0;
}

/* A rebuild finished somewhere: every entry is of an older gen. */
static void on_rebuilt(void *ctx, kj_store *s, const char *channel, const char *payload, bool remote)
{
    (void)s, (void)channel, (void)payload, (void)remote;
    figures_cache *c = ctx;
    pthread_mutex_lock(&c->lock);
    drop_all(c);
    pthread_mutex_unlock(&c->lock);
}

static void destroy(void *p)
{
    figures_cache *c = p;
    if (!c) return;
    drop_all(c);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void *make(void *arg)
{
    kj_store *s = arg;
    figures_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    pthread_mutex_init(&c->lock, NULL);
    /* Without the signal the gen check alone keeps answers right. */
    kj_store_subscribe(s, KJ_STATS_CHANNEL, on_rebuilt, c);
    return c;
}

static figures_cache *cache_of(kj_db *db)
{
    kj_store *s = kj_db_store(db);
    return kj_store_ext(s, KJ_STORE_EXT_STATS, make, s, destroy);
}

json_t *kj_stats_figures_cached(kj_db *db, const kj_stats_query *q, kj_err *e)
{
    figures_cache *c = cache_of(db);
    json_t *state = kj_db_row(db, "SELECT gen, building FROM stats_state WHERE name = 'facts'", "");
    int64_t gen = state ? json_integer_value(json_object_get(state, "gen")) : 0;
    bool building = state && json_integer_value(json_object_get(state, "building")) > 0;
    json_decref(state);
    if (!c || kj_db_failed(db)) return kj_stats_figures(db, q, e);
    char key[160];
    int kn = snprintf(key, sizeof key, "%s|%d|%d|%s|%d", q->region ? q->region : "", q->from, q->to,
                      q->domain ? q->domain : "", q->public_view ? 1 : 0);
    bool cacheable = kn > 0 && (size_t)kn < sizeof key;
    if (cacheable) {
        pthread_mutex_lock(&c->lock);
        for (int i = 0; i < c->n; i++)
            if (c->e[i].gen == gen && !strcmp(c->e[i].key, key)) {
                c->e[i].used = ++c->tick;
                json_t *copy = json_deep_copy(c->e[i].figures);
                pthread_mutex_unlock(&c->lock);
                /* Whether a rebuild is under way is told as it is now. */
                json_object_set_new(json_object_get(copy, "freshness"), "building", json_boolean(building));
                return copy;
            }
        pthread_mutex_unlock(&c->lock);
    }
    json_t *f = kj_stats_figures(db, q, e);
    /* A failed read is never kept (kj_stats_figures leaves the connection failed). */
    if (!f || !cacheable || kj_db_failed(db)) return f;
    pthread_mutex_lock(&c->lock);
    int slot = -1;
    for (int i = 0; i < c->n && slot < 0; i++)
        if (!strcmp(c->e[i].key, key)) slot = i;          /* the same question: the newer answer */
    if (slot < 0 && c->n < MAX_ENTRIES) slot = c->n++;
    if (slot < 0) {                                         /* full: the one used longest ago */
        slot = 0;
        for (int i = 1; i < c->n; i++)
            if (c->e[i].gen != gen || c->e[i].used < c->e[slot].used) {
                slot = i;
                if (c->e[i].gen != gen) break;
            }
    }
    json_decref(c->e[slot].figures);   /* NULL for a new slot */
    snprintf(c->e[slot].key, sizeof c->e[slot].key, "%s", key);
    c->e[slot].gen = gen;
    c->e[slot].used = ++c->tick;
    c->e[slot].figures = json_deep_copy(f);
    pthread_mutex_unlock(&c->lock);
    return f;
}

int kj_stats_cache_size(kj_db *db)
{
    figures_cache *c = cache_of(db);
    if (!c) return 0;
    pthread_mutex_lock(&c->lock);
    int n = c->n;
    pthread_mutex_unlock(&c->lock);
    return n;
}
