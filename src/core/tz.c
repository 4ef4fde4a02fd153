/* tz.c — named time zones from the TZif files of the zone database (tz.h). */
#include "core/tz.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[65];
    bool ok;
    int64_t *at;      /* transition times (s), ascending */
    int *off;         /* offset after each transition (s) */
    int n;
    int first_off;    /* before the first transition */
} zone;

/* Guarded by lock: the zones read so far, never changed once filled. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static zone cache[KJ_TZ_CACHE];
static int ncache;
static const char *zone_dir = "/usr/share/zoneinfo";

void kj_tz_set_dir(const char *dir) { zone_dir = dir; }

static bool name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64 || s[0] == '/' || strstr(s, "..")) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
              *p == '-' || *p == '+'))
            return false;
    return true;
}

static int64_t be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = v << 8 | p[i];
    if (bytes == 4) return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

/* Parses the 64-bit (version 2+) block of a TZif file, or the 32-bit one
 * of a version-1 file. */
static bool parse(zone *z, const unsigned char *d, size_t len)
{
    if (len < 44 || memcmp(d, "TZif", 4)) return false;
    int tsize = 4;
    const unsigned char *h = d;
    size_t off = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (off + 44 > len || memcmp(h, "TZif", 4)) return false;
        int64_t isut = be(h + 20, 4), isstd = be(h + 24, 4), leap = be(h + 28, 4), timecnt = be(h + 32, 4),
                typecnt = be(h + 36, 4), charcnt = be(h + 40, 4);
        if (isut < 0 || isstd < 0 || leap < 0 || timecnt < 0 || typecnt <= 0 || charcnt < 0 || timecnt > 5000 || typecnt > 256)
            return false;
        size_t body = (size_t)timecnt * (tsize + 1) + (size_t)typecnt * 6 + (size_t)charcnt + (size_t)leap * (tsize + 4) +
                      (size_t)isstd + (size_t)isut;
        if (off + 44 + body > len) return false;
        if (pass == 0 && h[4] >= '2') {  /* skip the 32-bit block */
            off += 44 + body;
            h = d + off;
            tsize = 8;
            continue;
        }
        const unsigned char *times = h + 44, *idx = times + timecnt * tsize, *types = idx + timecnt;
        z->at = calloc((size_t)timecnt + 1, sizeof *z->at);
        z->off = calloc((size_t)timecnt + 1, sizeof *z->off);
        if (!z->at || !z->off) return false;
        for (int64_t i = 0; i < timecnt; i++) {
            if (idx[i] >= typecnt) return false;
            z->at[i] = be(times + i * tsize, tsize);
            z->off[i] = (int)be(types + idx[i] * 6, 4);
        }
        z->n = (int)timecnt;
        /* Before the first transition: the first standard-time type. */
        z->first_off = (int)be(types, 4);
        for (int64_t t = 0; t < typecnt; t++)
            if (!types[t * 6 + 4]) { z->first_off = (int)be(types + t * 6, 4); break; }
        return true;
    }
    return false;
}

static const zone *get(const char *name)
{
    if (!name_ok(name)) return NULL;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < ncache; i++)
        if (!strcmp(cache[i].name, name)) { pthread_mutex_unlock(&lock); return &cache[i]; }
    zone z = { 0 };
    snprintf(z.name, sizeof z.name, "%s", name);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", zone_dir, name);
    FILE *f = fopen(path, "rb");
    if (f) {
        unsigned char *buf = malloc(1 << 20);
        size_t n = buf ? fread(buf, 1, 1 << 20, f) : 0;
        fclose(f);
        z.ok = buf && parse(&z, buf, n);
        free(buf);
    }
    const zone *out = NULL;
    if (!z.ok) {
        /* Unknown names are not kept: they would fill the cache and push
         * out the zones that exist. */
        free(z.at);
        free(z.off);
    } else if (ncache < KJ_TZ_CACHE) {
        cache[ncache] = z;
        out = &cache[ncache++];
    } else {
        free(z.at); free(z.off);   /* full: answer from nothing (64 distinct zones in use) */
    }
    pthread_mutex_unlock(&lock);
    return out;
}

bool kj_tz_valid(const char *name)
{
    if (name && (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC"))) return true;
    return get(name) != NULL;
}

int kj_tz_offset(const char *name, int64_t ms)
{
    if (name && (!strcmp(name, "UTC") || !strcmp(name, "Etc/UTC"))) return 0;
    const zone *z = get(name);
    if (!z) return 0;
    int64_t s = ms / 1000;
    if (z->n == 0 || s < z->at[0]) return z->first_off;
    int lo = 0, hi = z->n - 1;   /* last transition at or before s */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (z->at[mid] <= s) lo = mid; else hi = mid - 1;
    }
    return z->off[lo];
}
