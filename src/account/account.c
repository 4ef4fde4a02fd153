/*
 * account.c — users, organizations, sessions, login limits (see account.h).
 */
#include "account/account.h"
#include "ref/regions.h"
#include "core/json_util.h"
#include "account/security.h"
#include "account/membership.h"
#include "account/privacy.h"
#include "core/clock.h"
#include "core/heavy.h"
#include "core/id.h"
#include "core/log.h"
#include "core/validate.h"
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kj_roles[] = { "scientist", "org_member", "operator", "admin", "resident", NULL };
const char *const kj_self_roles[] = { "scientist", "org_member", "resident", NULL };
const char *const kj_org_types[] = { "enterprise", "university", "institute", "other", NULL };

static int fail_with(kj_err *f, kj_err_kind kind, const char *field, const char *key)
{
    kj_err ignored;
    return kj_err_set(f ? f : &ignored, kind, key, field);
}

/* Kept by the store (per database, not per process): see store.h. */
const char *kj_instance_id(kj_db *db) { return kj_store_instance_id(db); }

int kj_password_hash(const char *pw, char *out, size_t n)
{
    if (n < crypto_pwhash_STRBYTES) return -1;
    kj_hash_gate_enter();                 /* 64 MiB each: a bounded number at once (core/heavy.h) */
    int rc = crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    kj_hash_gate_leave();
    return rc;
}

bool kj_password_verify(const char *hash, const char *pw)
{
    kj_hash_gate_enter();
    bool ok = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
    kj_hash_gate_leave();
    return ok;
}

static int check_registration(kj_db *db, const kj_registration *r, bool allow_staff, kj_err *fail)
{
    if (!r->email || !kj_valid_email(r->email)) return fail_with(fail, KJ_E_INVALID, "email", "err.field.email");
    const char *pw_bad = r->password ? kj_password_problem_for(r->password, r->email, r->name) : "err.field.required";
    if (pw_bad) return fail_with(fail, KJ_E_INVALID, "password", pw_bad);
    if (!r->name || !*r->name) return fail_with(fail, KJ_E_INVALID, "name", "err.field.required");
    if (!kj_in_list(allow_staff ? kj_roles : kj_self_roles, r->role)) return fail_with(fail, KJ_E_INVALID, "role", "err.role.not_allowed");
    if (r->region && *r->region && !kj_region_exists(db, r->region)) return fail_with(fail, KJ_E_INVALID, "region", "err.region.unknown");
    if (strcmp(r->role, "org_member") != 0) return 0;
    if (!r->org_name || !*r->org_name) return fail_with(fail, KJ_E_INVALID, "org_name", "err.field.required");
    if (!kj_in_list(kj_org_types, r->org_type)) return fail_with(fail, KJ_E_INVALID, "org_type", "err.field.choice");
    if (r->org_region && *r->org_region && !kj_region_exists(db, r->org_region)) return fail_with(fail, KJ_E_INVALID, "org_region", "err.region.unknown");
    if (!r->org_credit_code || !*r->org_credit_code) return fail_with(fail, KJ_E_INVALID, "org_credit_code", "err.field.required");
    char code[64];
    snprintf(code, sizeof code, "%s", r->org_credit_code);
    kj_normalize_credit_code(code);
    const char *why = NULL;
    if (!kj_valid_credit_code(code, &why)) return fail_with(fail, KJ_E_INVALID, "org_credit_code", why ? why : "err.credit_code.check_digit");
    return 0;
}

/* Finds the organization by credit code (existing: *created = false) or
 * creates it (*created = true); writes its id. Inside the registration's
 * transaction, so two registrants of one new code cannot both create it. */
static int find_or_create_org(kj_db *db, const kj_registration *r, const char *origin, int64_t now, char *org_id,
                              bool *created, kj_err *fail)
{
    char code[64];
    snprintf(code, sizeof code, "%s", r->org_credit_code);
    kj_normalize_credit_code(code);
    char *existing = kj_db_text(db, "SELECT id FROM orgs WHERE credit_code = ?", "s", code);
    if (existing) {
        snprintf(org_id, KJ_ID_LEN + 1, "%s", existing);
        free(existing);
        *created = false;
        return 0;
    }
    kj_id id = kj_id_new();
    int rc = kj_db_exec(db, "INSERT INTO orgs(id, origin, name, type, region, credit_code, created_at, updated_at) "
                            "VALUES (?,?,?,?,?,?,?,?)", "ssssssii",
                        id.s, origin, r->org_name, r->org_type,
                        (r->org_region && *r->org_region) ? r->org_region : NULL, code, now, now);
    if (rc < 1) return fail_with(fail, KJ_E_INTERNAL, "org_credit_code", "err.internal");
    snprintf(org_id, KJ_ID_LEN + 1, "%s", id.s);
    *created = true;
    return 0;
}

int kj_account_register(kj_db *db, const kj_registration *r, bool allow_staff, char *id_out, kj_err *fail)
{
    if (check_registration(db, r, allow_staff, fail)) return -1;
    char hash[crypto_pwhash_STRBYTES];
    if (r->password_hash && strlen(r->password_hash) < sizeof hash) snprintf(hash, sizeof hash, "%s", r->password_hash);
    else if (kj_password_hash(r->password, hash, sizeof hash)) return fail_with(fail, KJ_E_INTERNAL, "password", "err.internal");
    const char *origin = kj_instance_id(db);
    int64_t now = kj_now_ms();
    if (kj_db_begin(db)) return fail_with(fail, KJ_E_INTERNAL, "email", "err.internal");
    char org_id[KJ_ID_LEN + 1] = "";
    bool created = false;
    if (!strcmp(r->role, "org_member") && find_or_create_org(db, r, origin, now, org_id, &created, fail)) {
        kj_db_rollback(db);
        return -1;
    }
    /* Membership is granted, never claimed: the founder of a new
     * organization is its admin; naming an existing one only asks to join. */
    kj_id id = kj_id_new();
    /* Accounts made by the command line (and the demo loader) need not
     * prove their address; self-registered ones follow a link (verify.c). */
    json_t *verified = allow_staff ? json_integer(now) : NULL;   /* NULL binds SQL NULL */
    int rc = kj_db_exec(db, "INSERT INTO users(id, origin, email, name, password_hash, role, org_id, org_role, region, "
                            "created_at, updated_at, email_verified_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", "sssssssssiij",
                        id.s, origin, r->email, r->name, hash, r->role, created ? org_id : NULL,
                        created ? "admin" : NULL, (r->region && *r->region) ? r->region : NULL, now, now, verified);
    json_decref(verified);
    if (rc == KJ_DB_CONSTRAINT) { kj_db_rollback(db); return fail_with(fail, KJ_E_CONFLICT, "email", "err.email.taken"); }
    if (rc < 1) { kj_db_rollback(db); return fail_with(fail, KJ_E_INTERNAL, "email", "err.internal"); }
    kj_err inner = { 0 };
    if (*org_id && !created && kj_org_request_insert(db, id.s, org_id, "", NULL, &inner)) {
        kj_db_rollback(db);
        return fail_with(fail, inner.kind, "org_credit_code", inner.key ? inner.key : "err.internal");
    }
    kj_policy_versions consent = { r->terms_version, r->privacy_version };
    if ((consent.terms || consent.privacy) && kj_consent_write(db, id.s, &consent)) {
        kj_db_rollback(db);
        return fail_with(fail, KJ_E_INTERNAL, "email", "err.internal");
    }
    if (kj_db_commit(db)) { kj_db_rollback(db); return fail_with(fail, KJ_E_INTERNAL, "email", "err.internal"); }
    snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    return 0;
}

/* A fixed hash verified when the account does not exist, so that the
 * response time does not tell whether it does. Made once (pthread_once). */
static char dummy[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void make_dummy(void) { kj_password_hash("no such account, no such password", dummy, sizeof dummy); }
static const char *dummy_hash(void)
{
    pthread_once(&dummy_once, make_dummy);
    return dummy;
}

enum kj_login_result kj_account_login(kj_db *db, const char *email, const char *password, const char *ip,
                                      const kj_login_limits *limits, char *user_id_out, long *retry_after_s)
{
    /* Counted as a failure before the (slow) check, atomically with the
     * check of the counters; taken back when right (throttle.c). */
    enum kj_login_result gate = kj_login_reserve(db, email, ip ? ip : "", limits, retry_after_s);
    if (gate != KJ_LOGIN_OK) return gate;
    json_t *u = kj_db_row(db, "SELECT id, password_hash, disabled FROM users WHERE email = ?", "s", email);
    bool ok, disabled = false;
    if (u) {
        ok = kj_password_verify(json_string_value(json_object_get(u, "password_hash")), password);
        disabled = ok && json_integer_value(json_object_get(u, "disabled")) != 0;
        ok = ok && !disabled;
    } else {
        kj_password_verify(dummy_hash(), password);
        ok = false;
    }
    if (ok) snprintf(user_id_out, KJ_ID_LEN + 1, "%s", json_string_value(json_object_get(u, "id")));
    json_decref(u);
    if (ok && kj_login_succeeded(db, email, ip ? ip : "")) return KJ_LOGIN_ERROR;
    return ok ? KJ_LOGIN_OK : disabled ? KJ_LOGIN_DISABLED : KJ_LOGIN_BAD;
}

int kj_session_create(kj_db *db, const char *user_id, const char *kind, long ttl_s, const char *ip,
                      const char *user_agent, char *token_out)
{
    kj_random_token(token_out, 64, 32);
    char th[65], ua[256];
    kj_token_hash(token_out, th);
    /* Kept short and valid UTF-8 (it is shown back to the user). */
    snprintf(ua, sizeof ua, "%s", user_agent ? user_agent : "");
    size_t len = strlen(ua);
    while (len && !kj_valid_utf8(ua, len)) ua[--len] = 0;
    int64_t now = kj_now_ms();
    kj_id id = kj_id_new();
    return kj_db_exec(db, "INSERT INTO sessions(token_hash, id, user_id, kind, created_at, expires_at, last_seen_at, ip, user_agent) "
                          "VALUES (?,?,?,?,?,?,?,?,?)", "ssssiiiss", th, id.s, user_id, kind, now,
                      now + (int64_t)ttl_s * 1000, now, ip ? ip : "", ua) < 1 ? -1 : 0;
}

/* org_id is an approved membership only; jurisdiction and the center come from
 * center_staff (center/center.h). */
#define USER_COLUMNS "u.id, u.email, u.name, u.role, u.org_id, u.org_role, u.region, u.jurisdiction, u.phone, u.title, u.bio, " \
                     "u.is_expert, u.created_at, u.email_verified_at, o.name AS org_name, o.type AS org_type, " \
                     "(SELECT cs.center_id FROM center_staff cs WHERE cs.user_id = u.id) AS center_id, " \
                     "(SELECT cs.role FROM center_staff cs WHERE cs.user_id = u.id) AS center_role"

/* How stale a session's last_seen_at may get: one write a minute per
 * session at most, not one per request. */
#define SEEN_EVERY_MS (60LL * 1000)

json_t *kj_session_user(kj_db *db, const char *token, const kj_policy_versions *policy)
{
    if (!token || strlen(token) > 128) return NULL;
    char th[65];
    kj_token_hash(token, th);
    int64_t now = kj_now_ms();
    /* consented_now: how many of the documents in force the user accepted,
     * read with the session so that checking them costs no statement of
     * its own (account/privacy.h, kj_consent_needed_for). The versions are
     * bound values: no joined string for a version's commas to break. */
    const char *terms = policy && policy->terms ? policy->terms : "", *privacy = policy && policy->privacy ? policy->privacy : "";
    json_t *u = kj_db_row(db, "SELECT " USER_COLUMNS ", s.last_seen_at AS session_seen_at, "
                              "(SELECT count(*) FROM consents c WHERE c.user_id = u.id AND "
                              "((c.document = 'terms' AND c.version = ?) OR (c.document = 'privacy' AND c.version = ?))) "
                              "AS consented_now FROM sessions s "
                              "JOIN users u ON u.id = s.user_id LEFT JOIN orgs o ON o.id = u.org_id "
                              "WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0", "sssi", terms, privacy, th, now);
    if (!u) return NULL;
    if (now - json_integer_value(json_object_get(u, "session_seen_at")) >= SEEN_EVERY_MS)
        kj_db_exec_optional(db, "session last-seen time", "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? "
                            "AND coalesce(last_seen_at, 0) < ?", "isi", now, th, now - SEEN_EVERY_MS);
    json_object_del(u, "session_seen_at");
    return u;
}

int kj_session_delete(kj_db *db, const char *token)
{
    if (!token) return 0;
    char th[65];
    kj_token_hash(token, th);
    return kj_db_exec(db, "DELETE FROM sessions WHERE token_hash = ?", "s", th);
}

int64_t kj_session_count(kj_db *db)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM sessions WHERE expires_at > ?", "i", kj_now_ms());
}

json_t *kj_user_get(kj_db *db, const char *user_id)
{
    return kj_db_row(db, "SELECT " USER_COLUMNS " FROM users u LEFT JOIN orgs o ON o.id = u.org_id WHERE u.id = ?", "s", user_id);
}

int kj_account_change_password(kj_db *db, const char *user_id, const char *old_pw, const char *new_pw,
                               const kj_session_renewal *renew, kj_err *fail)
{
    json_t *u = kj_db_row(db, "SELECT password_hash, email, name FROM users WHERE id = ?", "s", user_id);
    bool ok = u && kj_password_verify(kj_jstr(u, "password_hash"), old_pw);
    /* The same policy as at sign-up and reset: the account's own words count. */
    const char *bad = ok ? kj_password_problem_for(new_pw, kj_jstr(u, "email"), kj_jstr(u, "name")) : NULL;
    json_decref(u);
    if (!ok) return fail_with(fail, KJ_E_INVALID, "old_password", "err.password.wrong");
    if (bad) return fail_with(fail, KJ_E_INVALID, "new_password", bad);
    char nh[crypto_pwhash_STRBYTES];
    if (kj_password_hash(new_pw, nh, sizeof nh)) return fail_with(fail, KJ_E_INTERNAL, "new_password", "err.internal");
    if (kj_db_begin(db)) return fail_with(fail, KJ_E_INTERNAL, "new_password", "err.internal");
    int rc = kj_db_exec(db, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", "sis", nh, kj_now_ms(), user_id);
    if (rc >= 0) rc = kj_db_exec(db, "DELETE FROM sessions WHERE user_id = ?", "s", user_id);
    if (rc >= 0 && renew && kj_session_create(db, user_id, renew->kind, renew->ttl_s, renew->ip, renew->user_agent, renew->token_out))
        rc = -1;
    if (rc < 0 || kj_db_commit(db)) { kj_db_rollback(db); return fail_with(fail, KJ_E_INTERNAL, "new_password", "err.internal"); }
    return 0;
}

int kj_account_update_profile(kj_db *db, const char *user_id, const char *name, const char *phone,
                              const char *title, const char *bio, const char *region, kj_err *fail)
{
    if (name && !*name) return fail_with(fail, KJ_E_INVALID, "name", "err.field.required");
    if (region && *region && !kj_region_exists(db, region)) return fail_with(fail, KJ_E_INVALID, "region", "err.region.unknown");
    int rc = kj_db_exec(db, "UPDATE users SET name = coalesce(?, name), phone = coalesce(?, phone), "
                            "title = coalesce(?, title), bio = coalesce(?, bio), "
                            "region = CASE WHEN ? IS NULL THEN region WHEN ? = '' THEN NULL ELSE ? END, updated_at = ? WHERE id = ?",
                        "sssssssis", name, phone, title, bio, region, region, region, kj_now_ms(), user_id);
    return rc < 0 ? fail_with(fail, KJ_E_INTERNAL, "name", "err.internal") : 0;
}

json_t *kj_org_get(kj_db *db, const char *org_id)
{
    json_t *o = kj_db_row(db, "SELECT id, name, type, region, credit_code, intro, verified_at, created_at FROM orgs WHERE id = ?",
                          "s", org_id);
    /* verified_at is set exactly while an operator's verification stands
     * (org/verify.h); the credit code alone proves nothing. */
    json_t *v = o ? json_object_get(o, "verified_at") : NULL;
    if (o) json_object_set_new(o, "verified", json_boolean(v && !json_is_null(v)));
    return o;
}

bool kj_region_exists(kj_db *db, const char *code)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM regions WHERE code = ?", "s", code) > 0;
}

char *kj_region_label(kj_db *db, const char *code, const char *lang)
{
    /* One way to name a place (ref/names.c), from the tree in memory. */
    (void)db;
    return kj_region_full_name(kj_regions_current(), code, lang);
}
