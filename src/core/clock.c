/*
 * clock.c — real time plus a test-controlled offset or freeze.
 */
#include "core/clock.h"
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

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
