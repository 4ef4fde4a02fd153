/*
 * reset.c — self-service password reset by e-mail (see security.h).
 *
 * The link's token is stored only as its hash, in email_tokens with purpose
 * 'reset' (the verification links' table: one token scheme, two purposes
 * that never answer each other's page). Asking for a link does the same
 * work whether or not the address has an account — a token is drawn and
 * hashed, the per-address throttle row written and one transaction
 * committed — so neither the answer nor its timing tells whether an
 * account exists; only a known address also gets the token and mail rows
 * inside that same transaction.
 */
#include "account/security.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include "mail/mail.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kj_password_reset_issue(kj_db *db, const char *user_id, const char *addr)
{
    char token[64], th[65], link[128];
    kj_random_token(token, sizeof token, 32);
    kj_token_hash(token, th);
    snprintf(link, sizeof link, "/password/reset?token=%s", token);
    int64_t now = kj_now_ms();
    /* A new link supersedes older ones, sent or still queued. */
    int rc = kj_db_exec(db, "UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND purpose = 'reset' AND used_at IS NULL",
                        "is", now, user_id);
    if (rc >= 0) rc = kj_mail_withdraw_account(db, user_id, "reset");
    if (rc >= 0)
        rc = kj_db_exec(db, "INSERT INTO email_tokens(token_hash, user_id, email, created_at, expires_at, purpose) "
                            "VALUES (?, ?, ?, ?, ?, 'reset')", "sssii", th, user_id, addr, now, now + KJ_RESET_TTL_MS);
    if (rc == 1) rc = kj_mail_enqueue_account(db, user_id, "reset", link, now + KJ_RESET_TTL_MS);
    else rc = -1;
    sodium_memzero(token, sizeof token);
    sodium_memzero(link, sizeof link);
    return rc < 0 ? -1 : 0;
}

int kj_password_forgot(kj_db *db, const char *email)
{
    if (!email || !*email || strlen(email) > 254) return 0;
    char addr[256], ah[65], token[64], th[65];
    size_t n = 0;
    for (; email[n] && n < sizeof addr - 1; n++)
        addr[n] = (email[n] >= 'A' && email[n] <= 'Z') ? (char)(email[n] - 'A' + 'a') : email[n];
    addr[n] = 0;
    kj_token_hash(addr, ah);
    /* Drawn and hashed whether or not the address has an account: the
     * same work either way (kj_password_reset_issue draws the real one). */
    kj_random_token(token, sizeof token, 32);
    kj_token_hash(token, th);
    sodium_memzero(token, sizeof token);
    int64_t now = kj_now_ms();
    if (kj_db_begin(db)) return -1;
    /* The throttle: one mail per address per window. A request inside the
     * window neither sends nor moves the window (so that asking again and
     * again cannot keep the owner from ever getting a link). */
    int rc = kj_db_exec(db, "DELETE FROM password_reset_asks WHERE last_at <= ?", "i", now - KJ_RESET_EVERY_MS);
    if (rc >= 0) rc = kj_db_exec(db, "INSERT INTO password_reset_asks(address_hash, last_at) VALUES (?, ?) "
                                     "ON CONFLICT (address_hash) DO NOTHING", "si", ah, now);
    if (rc == 1) {
        char *uid = kj_db_text(db, "SELECT id FROM users WHERE email = ? AND disabled = 0", "s", addr);
        if (uid) rc = kj_password_reset_issue(db, uid, addr);
        free(uid);
    }
    if (rc < 0 || kj_db_commit(db)) {
        kj_db_rollback(db);
        kj_log_error("password reset request: not recorded");
        return -1;
    }
    return 0;
}

/* The reset token's row as {user_id, email, name}, or NULL with *res set. */
static json_t *reset_token(kj_db *db, const char *th, enum kj_verify_result *res)
{
    json_t *t = kj_db_row(db, "SELECT t.user_id, t.expires_at, t.used_at, u.email, u.name, (t.email = u.email AND u.disabled = 0) AS live "
                              "FROM email_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.purpose = 'reset'",
                          "s", th);
    *res = KJ_VERIFY_OK;
    json_t *used = t ? json_object_get(t, "used_at") : NULL;
    if (!t || !json_integer_value(json_object_get(t, "live"))) *res = KJ_VERIFY_UNKNOWN;
    else if (used && !json_is_null(used)) *res = KJ_VERIFY_USED;
    else if (json_integer_value(json_object_get(t, "expires_at")) <= kj_now_ms()) *res = KJ_VERIFY_EXPIRED;
    if (*res != KJ_VERIFY_OK) { json_decref(t); return NULL; }
    return t;
}

static bool token_ok(const char *token) { return token && *token && strlen(token) <= 128; }

enum kj_verify_result kj_password_reset_check(kj_db *db, const char *token)
{
    if (!token_ok(token)) return KJ_VERIFY_UNKNOWN;
    char th[65];
    kj_token_hash(token, th);
    enum kj_verify_result res;
    json_decref(reset_token(db, th, &res));
    return res;
}

enum kj_verify_result kj_password_reset(kj_db *db, const char *token, const char *new_pw, kj_err *fail)
{
    if (!token_ok(token)) return KJ_VERIFY_UNKNOWN;
    char th[65];
    kj_token_hash(token, th);
    enum kj_verify_result res;
    json_t *t = reset_token(db, th, &res);
    if (!t) return res;
    const char *bad = new_pw ? kj_password_problem_for(new_pw, json_string_value(json_object_get(t, "email")),
                                                       json_string_value(json_object_get(t, "name")))
                             : "err.field.required";
    if (bad) {
        json_decref(t);
        if (fail) kj_err_set(fail, KJ_E_INVALID, bad, "password");
        return KJ_VERIFY_INVALID;
    }
    /* Hashing is slow (argon2id): never inside the write transaction. */
    char nh[crypto_pwhash_STRBYTES];
    if (kj_password_hash(new_pw, nh, sizeof nh)) { json_decref(t); return KJ_VERIFY_ERROR; }
    char uid[KJ_ID_LEN + 1];
    snprintf(uid, sizeof uid, "%s", json_string_value(json_object_get(t, "user_id")));
    json_decref(t);
    int64_t now = kj_now_ms();
    if (kj_db_begin(db)) return KJ_VERIFY_ERROR;
    /* The token is taken inside the transaction that uses it: of two
     * concurrent resets with one link, one wins and the other is refused. */
    int rc = kj_db_exec(db, "UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND purpose = 'reset' AND used_at IS NULL "
                            "AND expires_at > ? AND email = (SELECT email FROM users WHERE id = ?)", "isis", now, th, now, uid);
    if (rc == 0) {
        kj_db_rollback(db);
        enum kj_verify_result now_res = kj_password_reset_check(db, token);
        return now_res == KJ_VERIFY_OK ? KJ_VERIFY_ERROR : now_res;
    }
    /* The link came to the address: that proves it, as a verification link would. */
    if (rc == 1)
        rc = kj_db_exec(db, "UPDATE users SET password_hash = ?, email_verified_at = coalesce(email_verified_at, ?), updated_at = ? "
                            "WHERE id = ?", "siis", nh, now, now, uid) == 1 ? 1 : -1;
    if (rc == 1) rc = kj_db_exec(db, "UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND purpose = 'reset' AND used_at IS NULL",
                                 "is", now, uid);
    /* Whoever knew the old password is signed out everywhere. */
    if (rc >= 0) rc = kj_db_exec(db, "DELETE FROM sessions WHERE user_id = ?", "s", uid);
    if (rc >= 0) rc = kj_mail_withdraw_account(db, uid, "reset");
    sodium_memzero(nh, sizeof nh);
    if (rc < 0 || kj_db_commit(db)) {
        kj_db_rollback(db);
        kj_log_error("password reset for %s: not saved", uid);
        return KJ_VERIFY_ERROR;
    }
    kj_log_info("password reset by e-mail link for %s; its sessions ended", uid);
    return KJ_VERIFY_OK;
}
