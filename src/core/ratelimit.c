/*
 * ratelimit.c — in-memory token buckets (ratelimit.h).
 */
#include "core/ratelimit.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PROBE 8          /* slots a key may live in */
#define KEY_MAX 46       /* an IPv6 address in text, with its NUL */

typedef struct {
    char key[KEY_MAX];
    double tokens;
    int64_t at;          /* when tokens was computed; 0 = empty slot */
} bucket;

struct kj_ratelimit {
    pthread_mutex_t lock;
    unsigned mask;
    bucket *slots;
};

kj_ratelimit *kj_ratelimit_new(unsigned slots)
{
    unsigned n = 64;
    while (n < slots && n < (1u << 24)) n <<= 1;
    kj_ratelimit *r = calloc(1, sizeof *r);
    if (!r || !(r->slots = calloc(n, sizeof *r->slots))) { free(r); return NULL; }
    r->mask = n - 1;
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

void kj_ratelimit_free(kj_ratelimit *r)
{
    if (!r) return;
    pthread_mutex_destroy(&r->lock);
    free(r->slots);
    free(r);
}

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;   /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

bool kj_ratelimit_take(kj_ratelimit *r, const char *key, long per_minute, long burst, int64_t now_ms, long *retry_after_s)
{
    if (!r || per_minute <= 0 || !key) return true;
    if (burst < 1) burst = 1;
    char k[KEY_MAX];
    size_t n = strlen(key);
    if (n >= KEY_MAX) n = KEY_MAX - 1;
    memcpy(k, key, n);
    k[n] = 0;
    double rate = (double)per_minute / 60000.0;   /* tokens per ms */
    pthread_mutex_lock(&r->lock);
    unsigned h = hash(k);
    bucket *b = NULL, *oldest = NULL;
    for (unsigned i = 0; i < PROBE && !b; i++) {
        bucket *s = &r->slots[(h + i) & r->mask];
        if (s->at && !strcmp(s->key, k)) b = s;
        else if (!oldest || s->at < oldest->at) oldest = s;
    }
    if (!b) {   /* a new key: the free slot, or the one idle longest */
        b = oldest;
        memcpy(b->key, k, n + 1);
        b->tokens = (double)burst;
        b->at = now_ms;
    }
    double t = b->tokens + (double)(now_ms > b->at ? now_ms - b->at : 0) * rate;
    if (t > (double)burst) t = (double)burst;
    b->at = now_ms > 0 ? now_ms : 1;
    bool ok = t >= 1.0;
    b->tokens = ok ? t - 1.0 : t;
    if (!ok) {
        long wait = (long)(((1.0 - t) / rate + 999.0) / 1000.0);   /* whole seconds, rounded up */
        *retry_after_s = wait < 1 ? 1 : wait;
    }
    pthread_mutex_unlock(&r->lock);
    return ok;
}
