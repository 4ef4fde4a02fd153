/*
 * verify.c — registration without account enumeration, and e-mail
 * verification links (see security.h).
 */
#include "account/security.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include "mail/mail.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A notice "someone tried to register with your address" goes out at most
 * this often per account, so that registering again and again with
 * someone's address cannot flood their mailbox. */
#define SIGNUP_NOTICE_EVERY_MS (10LL * 60 * 1000)

static int fail_with(kj_err *f, kj_err_kind kind, const char *field, const char *key)
{
    kj_err ignored;
    return kj_err_set(f ? f : &ignored, kind, key, field);
}

bool kj_account_email_verified(kj_db *db, const char *user_id)
{
    return user_id && kj_db_int(db, 0, "SELECT email_verified_at IS NOT NULL FROM users WHERE id = ?", "s", user_id) == 1;
}

/* A new link for user_id: older unused links stop serving, the new one's
 * hash is stored and the e-mail queued, all in one transaction (so the
 * "too soon" check cannot race another resend). */
static enum kj_resend_result send_link(kj_db *db, const char *user_id, bool limit)
{
    char token[64], th[65];
    kj_random_token(token, sizeof token, 32);
    kj_token_hash(token, th);
    int64_t now = kj_now_ms();
    if (kj_db_begin(db)) return KJ_RESEND_ERROR;
    if (kj_db_int(db, 0, "SELECT email_verified_at IS NOT NULL FROM users WHERE id = ?", "s", user_id)) {
        kj_db_rollback(db);
        return KJ_RESEND_ALREADY;
    }
    if (limit && kj_db_int(db, 0, "SELECT count(*) FROM email_tokens WHERE user_id = ? AND purpose = 'verify' AND created_at > ?", "si",
                           user_id, now - KJ_VERIFY_RESEND_MS) > 0) {
        kj_db_rollback(db);
        return KJ_RESEND_TOO_SOON;
    }
    char link[128];
    snprintf(link, sizeof link, "/verify-email?token=%s", token);
    int rc = kj_db_exec(db, "UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND purpose = 'verify' AND used_at IS NULL",
                        "is", now, user_id);
    if (rc >= 0) rc = kj_mail_withdraw_account(db, user_id, "verify");
    if (rc >= 0)
        rc = kj_db_exec(db, "INSERT INTO email_tokens(token_hash, user_id, email, created_at, expires_at, purpose) "
                            "SELECT ?, id, email, ?, ?, 'verify' FROM users WHERE id = ?", "siis", th, now, now + KJ_VERIFY_TTL_MS, user_id);
    if (rc == 1) rc = kj_mail_enqueue_account(db, user_id, "verify", link, now + KJ_VERIFY_TTL_MS);
    else rc = -1;
    if (rc < 0 || kj_db_commit(db)) {
        kj_db_rollback(db);
        kj_log_error("verification link for %s: not queued", user_id);
        return KJ_RESEND_ERROR;
    }
    return KJ_RESEND_SENT;
}

/* The owner of an address someone tried to register again hears of it
 * (at most every SIGNUP_NOTICE_EVERY_MS). */
static int notify_owner(kj_db *db, const char *email)
{
    char *owner = kj_db_text(db, "SELECT id FROM users WHERE email = lower(?)", "s", email);
    if (!owner) return -1;
    int64_t now = kj_now_ms();
    int rc = 0;
    if (kj_db_begin(db)) { free(owner); return -1; }
    if (kj_db_int(db, 0, "SELECT count(*) FROM mail_queue WHERE user_id = ? AND category = 'account.signup_again' "
                         "AND created_at > ?", "si", owner, now - SIGNUP_NOTICE_EVERY_MS) == 0)
        rc = kj_mail_enqueue_account(db, owner, "signup_again", "/password/forgot", 0);
    if (rc < 0 || kj_db_commit(db)) { kj_db_rollback(db); rc = -1; }
    free(owner);
    return rc;
}

int kj_account_signup(kj_db *db, const kj_registration *r, kj_err *fail)
{
    char id[KJ_ID_LEN + 1];
    kj_err f = { 0 };
    /* kj_account_register checks every input and hashes the password before
     * it tries the insert that finds the address taken: both outcomes cost
     * one argon2id hash. */
    if (kj_account_register(db, r, false, id, &f) == 0)
        return send_link(db, id, false) == KJ_RESEND_SENT ? 0 : fail_with(fail, KJ_E_INTERNAL, "email", "err.internal");
    if (!f.key || strcmp(f.key, "err.email.taken")) {
        if (fail) *fail = f;
        return -1;
    }
    return notify_owner(db, r->email) ? fail_with(fail, KJ_E_INTERNAL, "email", "err.internal") : 0;
}

enum kj_verify_result kj_email_verify(kj_db *db, const char *token)
{
    if (!token || !*token || strlen(token) > 128) return KJ_VERIFY_UNKNOWN;
    char th[65];
    kj_token_hash(token, th);
    int64_t now = kj_now_ms();
    if (kj_db_begin(db)) return KJ_VERIFY_ERROR;
    json_t *t = kj_db_row(db, "SELECT t.user_id, t.expires_at, t.used_at, t.email = u.email AS same_address "
                              "FROM email_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND t.purpose = 'verify'",
                              "s", th);
    enum kj_verify_result res = KJ_VERIFY_OK;
    if (!t || !json_integer_value(json_object_get(t, "same_address"))) res = KJ_VERIFY_UNKNOWN;
    else if (!json_is_null(json_object_get(t, "used_at")) && json_object_get(t, "used_at")) res = KJ_VERIFY_USED;
    else if (json_integer_value(json_object_get(t, "expires_at")) <= now) res = KJ_VERIFY_EXPIRED;
    if (res != KJ_VERIFY_OK) {
        json_decref(t);
        kj_db_rollback(db);
        return res;
    }
    const char *uid = json_string_value(json_object_get(t, "user_id"));
    int rc = kj_db_exec(db, "UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", "is", now, th);
    if (rc == 1)
        rc = kj_db_exec(db, "UPDATE users SET email_verified_at = coalesce(email_verified_at, ?), updated_at = ? WHERE id = ?",
                        "iis", now, now, uid);
    json_decref(t);
    if (rc != 1 || kj_db_commit(db)) {
        kj_db_rollback(db);
        return KJ_VERIFY_ERROR;
    }
    return KJ_VERIFY_OK;
}

enum kj_resend_result kj_email_verification_resend(kj_db *db, const char *user_id)
{
    return send_link(db, user_id, true);
}
