/*
 * clock.c — real time plus a test-controlled offset or freeze.
 */
#include "core/clock.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Atomic int64_t clock_offset_ms;
static _Atomic int64_t clock_frozen_ms;

int64_t kj_now_ms(void)
{
    int64_t frozen = atomic_load(&clock_frozen_ms);
    if (frozen) return frozen;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&clock_offset_ms);
}

int64_t kj_now_s(void) { return kj_now_ms() / 1000; }

void kj_clock_set_offset(int64_t offset_ms) { atomic_store(&clock_offset_ms, offset_ms); }

void kj_clock_freeze(int64_t at_ms) { atomic_store(&clock_frozen_ms, at_ms); }

int64_t kj_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void kj_format_iso(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void kj_format_date(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%d", &tm);
}

int kj_clock_set_zone(const char *zone, char *err, size_t errlen)
{
    static const struct { const char *name, *rule; } fixed[] = {
        { "Asia/Shanghai", "CST-8" }, { "Asia/Chongqing", "CST-8" }, { "Asia/Urumqi", "XJT-6" },
        { "PRC", "CST-8" }, { "UTC", "UTC0" }, { "Etc/UTC", "UTC0" },
    };
    if (!zone || !*zone || strlen(zone) > 64 || strstr(zone, "..")) {
        snprintf(err, errlen, "time_zone: empty or malformed");
        return -1;
    }
    const char *rule = NULL;
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", zone);
    if (access(path, R_OK) == 0) rule = zone;
    for (size_t i = 0; !rule && i < sizeof fixed / sizeof *fixed; i++)
        if (!strcmp(zone, fixed[i].name)) rule = fixed[i].rule;
    /* A POSIX rule: a name of at least three letters followed by an offset. */
    if (!rule && strlen(zone) >= 4 && strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") >= 3 &&
        strchr("+-0123456789", zone[strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")]))
        rule = zone;
    if (!rule) {
        snprintf(err, errlen, "time_zone: unknown zone %s (no %s and not a POSIX rule such as CST-8)", zone, path);
        return -1;
    }
    if (setenv("TZ", rule, 1)) {
        snprintf(err, errlen, "time_zone: cannot set TZ");
        return -1;
    }
    tzset();
    return 0;
}

void kj_local_time(int64_t ms, struct tm *out)
{
    time_t t = (time_t)(ms / 1000);
    localtime_r(&t, out);
}

void kj_format_local(int64_t ms, char *out, size_t n)
{
    struct tm tm;
    kj_local_time(ms, &tm);
    long off = tm.tm_gmtoff / 60;
    snprintf(out, n, "%04d-%02d-%02d %02d:%02d (UTC%c%02ld:%02ld)", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
}
