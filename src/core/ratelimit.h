/*
 * ratelimit.h — token buckets per key (a client address), in memory.
 *
 * For requests too frequent and too cheap to count in the database (a
 * search is ~5 ms; a database write for each would cost more than the
 * search): each node keeps its own buckets, so behind N nodes a client
 * may make N times the rate (docs: bound it at the proxy too). What sends
 * mail or hashes a password is counted in the database instead
 * (account/security.h, kj_address_limit_take; the login throttle).
 *
 * A bucket holds up to `burst` requests and refills at per_minute / 60 a
 * second. The table has a fixed number of slots: a key hashes to a short
 * run of slots and, when they are all taken, replaces the one idle longest
 * (that client starts afresh: a flood of new addresses cannot grow memory
 * or lock out the others). Thread-safe (one mutex; the work under it is a
 * few dozen instructions).
 */
#ifndef KJ_RATELIMIT_H
#define KJ_RATELIMIT_H
#include <stdbool.h>
#include <stdint.h>

typedef struct kj_ratelimit kj_ratelimit;

/** A table of slots buckets (rounded up to a power of two); NULL on OOM. */
kj_ratelimit *kj_ratelimit_new(unsigned slots);
void kj_ratelimit_free(kj_ratelimit *r);
/** Takes one request for key at now_ms: true when allowed. False when its
 *  bucket is empty; *retry_after_s then says when one request will be
 *  allowed again (at least 1). per_minute <= 0: always true. */
bool kj_ratelimit_take(kj_ratelimit *r, const char *key, long per_minute, long burst, int64_t now_ms, long *retry_after_s);
#endif
