/*
 * throttle.c — failed-login throttling (see security.h, account.h).
 *
 * Three counters, each forgetting after a window without failures:
 *   pair    (account, address): the first per_pair failures are free; then
 *           each further failure doubles the wait (delay_s, 2·delay_s, …,
 *           at most window_s). A stranger's guesses slow down the stranger's
 *           own pair only.
 *   ip      (address, any account): the same with per_ip, against one
 *           address trying many accounts.
 *   account (all addresses): against guessing from many addresses. Beyond
 *           per_account failures it slows down, in the same doubling way,
 *           only the addresses that have failed (their pair or ip counter is
 *           not zero). An address with no failures, the owner's as a rule,
 *           is never slowed by it: the owner's correct password still works
 *           while the account is under attack, and an attacker pays with a
 *           fresh address for each further guess.
 * No counter is a hard lock: every wait ends, at the latest window_s after
 * the last failure.
 *
 * An attempt is counted as a failure *before* its password is checked, in
 * the transaction that checked the counters (kj_login_reserve); a right
 * password takes it back (kj_login_succeeded). So 24 concurrent attempts
 * against a limit of 5 get at most 5 password checks; the others are told
 * to wait (429, Retry-After), and none of them holds the write lock while
 * a password is hashed.
 */
#include "account/security.h"
#include "core/clock.h"
#include <stdlib.h>
#include <string.h>

typedef struct { int64_t failures, last_at; } counter;

static counter read_counter(kj_db *db, const char *kind, const char *account, const char *ip, int64_t now, int64_t window_ms)
{
    counter c = { 0, 0 };
    json_t *r = kj_db_row(db, "SELECT failures, last_at FROM login_throttle WHERE kind = ? AND account = ? AND ip = ?",
                          "sss", kind, account, ip);
    if (r) {
        c.failures = json_integer_value(json_object_get(r, "failures"));
        c.last_at = json_integer_value(json_object_get(r, "last_at"));
        json_decref(r);
    }
    if (now - c.last_at >= window_ms) c.failures = 0;   /* forgotten */
    return c;
}

/* When c next allows an attempt, given its free failures. */
static int64_t allowed_at(counter c, long free_failures, int64_t delay_ms, int64_t window_ms)
{
    if (c.failures < free_failures) return 0;
    int64_t beyond = c.failures - free_failures, wait = delay_ms;
    while (beyond-- > 0 && wait < window_ms) wait *= 2;
    if (wait > window_ms) wait = window_ms;
    return c.last_at + wait;
}

static int bump(kj_db *db, const char *kind, const char *account, const char *ip, counter c, int64_t now)
{
    return kj_db_exec(db, "INSERT INTO login_throttle(kind, account, ip, failures, last_at) VALUES (?,?,?,?,?) "
                          "ON CONFLICT (kind, account, ip) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at",
                      "sssii", kind, account, ip, c.failures + 1, now) == 1 ? 0 : -1;
}

enum kj_login_result kj_login_reserve(kj_db *db, const char *account, const char *ip, const kj_login_limits *lim,
                                      long *retry_after_s)
{
    int64_t now = kj_now_ms(), window = (int64_t)lim->window_s * 1000, delay = (int64_t)lim->delay_s * 1000;
    if (delay < 1000) delay = 1000;
    if (kj_db_begin(db)) return KJ_LOGIN_ERROR;
    /* Counters untouched for a window count as zero; their rows go. */
    if (kj_db_exec(db, "DELETE FROM login_throttle WHERE last_at < ?", "i", now - window) < 0) {
        kj_db_rollback(db);
        return KJ_LOGIN_ERROR;
    }
    counter pair = read_counter(db, "pair", account, ip, now, window);
    counter addr = read_counter(db, "ip", "", ip, now, window);
    counter acct = read_counter(db, "account", account, "", now, window);
    int64_t until = allowed_at(pair, lim->per_pair, delay, window);
    int64_t t = allowed_at(addr, lim->per_ip, delay, window);
    if (t > until) until = t;
    if (pair.failures > 0 || addr.failures > 0) {
        t = allowed_at(acct, lim->per_account, delay, window);
        if (t > until) until = t;
    }
    if (until > now) {
        kj_db_rollback(db);
        *retry_after_s = (long)((until - now + 999) / 1000);
        return KJ_LOGIN_LIMITED;
    }
    if (bump(db, "pair", account, ip, pair, now) || bump(db, "ip", "", ip, addr, now) ||
        bump(db, "account", account, "", acct, now) || kj_db_commit(db)) {
        kj_db_rollback(db);
        return KJ_LOGIN_ERROR;
    }
    return KJ_LOGIN_OK;
}

int kj_login_succeeded(kj_db *db, const char *account, const char *ip)
{
    if (kj_db_begin(db)) return -1;
    int rc = kj_db_exec(db, "DELETE FROM login_throttle WHERE kind = 'pair' AND account = ? AND ip = ?", "ss", account, ip);
    if (rc >= 0)
        rc = kj_db_exec(db, "UPDATE login_throttle SET failures = max(failures - 1, 0) "
                            "WHERE (kind = 'ip' AND account = '' AND ip = ?) OR (kind = 'account' AND account = ? AND ip = '')",
                        "ss", ip, account);
    if (rc < 0 || kj_db_commit(db)) { kj_db_rollback(db); return -1; }
    return 0;
}
