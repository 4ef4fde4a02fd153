/*
 * address_limit.c — hits per client address for actions that make the
 * instance send an e-mail to an address the requester chose (security.h).
 *
 * Registering and asking for a password reset answer the same whatever
 * the address (no account enumeration), and each throttles mails per
 * target address; neither bounded how many addresses one client could make
 * the instance write to: 30 registrations from one address took 8 s, each
 * a verification mail to a stranger's mailbox (and an account). Beyond
 * max hits in window_s, the client waits for the window's end (429,
 * Retry-After). A fixed window (the first hit after the previous window
 * ended starts a new one): a burst of at most 2·max across a boundary is
 * acceptable here, and the count is one row per address.
 *
 * The check and the increment run in one write transaction, so that
 * concurrent requests cannot all pass a check made before any counted.
 */
#include "account/security.h"
#include "core/clock.h"
#include <string.h>

int kj_address_limit_take(kj_db *db, const char *kind, const char *ip, long max, long window_s, long *retry_after_s)
{
    if (max <= 0 || !ip || !*ip) return 0;   /* no limit set */
    int64_t now = kj_now_ms(), window = (int64_t)window_s * 1000;
    if (kj_db_begin(db)) return -1;
    /* Windows that ended are forgotten; their rows go (kind-wide, few rows). */
    if (kj_db_exec(db, "DELETE FROM address_limits WHERE kind = ? AND window_start <= ?", "si", kind, now - window) < 0) {
        kj_db_rollback(db);
        return -1;
    }
    json_t *r = kj_db_row(db, "SELECT window_start, hits FROM address_limits WHERE kind = ? AND ip = ?", "ss", kind, ip);
    if (kj_db_failed(db)) { json_decref(r); kj_db_rollback(db); return -1; }
    int64_t start = r ? json_integer_value(json_object_get(r, "window_start")) : now;
    int64_t hits = r ? json_integer_value(json_object_get(r, "hits")) : 0;
    json_decref(r);
    if (hits >= max) {
        kj_db_rollback(db);
        *retry_after_s = (long)((start + window - now + 999) / 1000);
        if (*retry_after_s < 1) *retry_after_s = 1;
        return 1;
    }
    int rc = kj_db_exec(db, "INSERT INTO address_limits(kind, ip, window_start, hits) VALUES (?,?,?,1) "
                            "ON CONFLICT (kind, ip) DO UPDATE SET hits = address_limits.hits + 1",
                        "ssi", kind, ip, now);
    if (rc != 1 || kj_db_commit(db)) { kj_db_rollback(db); return -1; }
    return 0;
}
