/*
 * privacy.c — consents, the user's data export and account deletion (see
 * privacy.h).
 */
#include "account/privacy.h"
#include "account/account.h"
#include "account/security.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kj_policy_docs[] = { "terms", "privacy", NULL };

const char *const kj_deletion_keeps[] = {
    "privacy.keeps.deals", "privacy.keeps.ledger", "privacy.keeps.consents", "privacy.keeps.audit", "privacy.keeps.public", NULL,
};

static int fail_with(kj_err *f, kj_err_kind kind, const char *field, const char *key)
{
    kj_err ignored;
    return kj_err_set(f ? f : &ignored, kind, key, field);
}

/* ---- the documents ---- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *out = NULL;
    size_t n = 0, cap = 0;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0 && n < (1u << 20)) {
        if (n + got + 1 > cap) {
            cap = (n + got + 1) * 2;
            char *grown = realloc(out, cap);
            if (!grown) { free(out); fclose(f); return NULL; }
            out = grown;
        }
        memcpy(out + n, chunk, got);
        n += got;
    }
    fclose(f);
    if (out) out[n] = 0;
    return out;
}

char *kj_policy_text(const char *data_dir, const char *root, const char *doc, const char *lang)
{
    if (!kj_in_list(kj_policy_docs, doc)) return NULL;
    const char *l = lang && !strcmp(lang, "en") ? "en" : "zh-CN";
    char path[2200];
    /* The instance's own text first, then the shipped default. */
    snprintf(path, sizeof path, "%s/policies/%s.%s.md", data_dir ? data_dir : ".", doc, l);
    char *text = read_file(path);
    if (!text) {
        snprintf(path, sizeof path, "%s/data/policies/%s.%s.md", root ? root : ".", doc, l);
        text = read_file(path);
    }
    return text;
}

/* ---- consents ---- */

int kj_consent_write(kj_db *db, const char *user_id, const kj_policy_versions *v)
{
    const char *versions[] = { v->terms, v->privacy };
    for (int i = 0; kj_policy_docs[i]; i++) {
        if (!versions[i] || !*versions[i]) continue;
        kj_id id = kj_id_new();
        if (kj_db_exec(db, "INSERT INTO consents(id, user_id, document, version, accepted_at) VALUES (?,?,?,?,?) "
                           "ON CONFLICT (user_id, document, version) DO NOTHING", "ssssi",
                       id.s, user_id, kj_policy_docs[i], versions[i], kj_now_ms()) < 0)
            return -1;
    }
    return 0;
}

int kj_consent_accept(kj_db *db, const char *user_id, const kj_policy_versions *v, kj_err *fail)
{
    if (kj_db_begin(db)) return fail_with(fail, KJ_E_INTERNAL, "form", "err.internal");
    if (kj_consent_write(db, user_id, v) || kj_db_commit(db)) {
        kj_db_rollback(db);
        return fail_with(fail, KJ_E_INTERNAL, "form", "err.internal");
    }
    return 0;
}

bool kj_consent_needed(kj_db *db, const char *user_id, const kj_policy_versions *v)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM consents WHERE user_id = ? AND "
                            "((document = 'terms' AND version = ?) OR (document = 'privacy' AND version = ?))",
                     "sss", user_id, v->terms, v->privacy) < 2;
}

bool kj_consent_needed_for(json_t *session_user, const kj_policy_versions *v)
{
    json_int_t want = (v->terms && *v->terms) + (v->privacy && *v->privacy);
    return json_integer_value(json_object_get(session_user, "consented_now")) < want;
}

json_t *kj_consent_list(kj_db *db, const char *user_id)
{
    json_t *rows = kj_db_rows(db, "SELECT document, version, accepted_at FROM consents WHERE user_id = ? "
                                  "ORDER BY accepted_at DESC, document", "s", user_id);
    return rows ? rows : json_array();
}

int kj_consent_accept_missing(kj_db *db, const kj_policy_versions *v)
{
    json_t *ids = kj_db_rows(db, "SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM consents c WHERE c.user_id = u.id) "
                                 "AND u.deleted_at IS NULL", "");
    if (!ids) return -1;
    int n = 0;
    if (kj_db_begin(db)) { json_decref(ids); return -1; }
    size_t i;
    json_t *row;
    json_array_foreach(ids, i, row) {
        if (kj_consent_write(db, kj_jstr(row, "id"), v)) { kj_db_rollback(db); json_decref(ids); return -1; }
        n++;
    }
    json_decref(ids);
    if (kj_db_commit(db)) { kj_db_rollback(db); return -1; }
    return n;
}

/* ---- export ---- */

/* Adds key -> the rows of sql (bound to user_id as often as it has '?'). */
static int add_rows(kj_db *db, json_t *out, const char *key, const char *sql, const char *user_id)
{
    int params = 0;
    for (const char *p = sql; *p; p++) params += *p == '?';
    json_t *args = json_array();
    for (int i = 0; i < params; i++) json_array_append_new(args, json_string(user_id));
    json_t *rows = kj_db_rows_j(db, sql, args);
    json_decref(args);
    if (!rows) return -1;
    json_object_set_new(out, key, rows);
    return 0;
}

json_t *kj_account_export(kj_db *db, const char *user_id)
{
    json_t *profile = kj_db_row(db, "SELECT u.id, u.email, u.name, u.role, u.region, u.phone, u.title, u.bio, u.is_expert, "
                                    "u.org_id, o.name AS org_name, u.org_role, u.jurisdiction, u.email_verified_at, "
                                    "u.created_at, u.updated_at FROM users u LEFT JOIN orgs o ON o.id = u.org_id "
                                    "WHERE u.id = ? AND u.deleted_at IS NULL", "s", user_id);
    if (!profile) return NULL;
    json_t *out = json_pack("{s:s, s:I, s:o}", "format", "kejiyun-personal-data/1", "exported_at", (json_int_t)kj_now_ms(),
                            "profile", profile);
    /* Each query names only the user's own rows, and of shared records
     * (deals, threads) only their own fields: no other user's name,
     * address or words. */
    static const struct { const char *key, *sql; } parts[] = {
        { "consents", "SELECT document, version, accepted_at FROM consents WHERE user_id = ? ORDER BY accepted_at" },
        { "sessions", "SELECT id, kind, ip, user_agent, created_at, last_seen_at, expires_at FROM sessions WHERE user_id = ? "
                      "ORDER BY created_at" },
        { "org_requests", "SELECT r.id, r.org_id, o.name AS org_name, r.status, r.note, r.created_at, r.decided_at "
                          "FROM org_requests r JOIN orgs o ON o.id = r.org_id WHERE r.user_id = ? ORDER BY r.created_at" },
        { "listings", "SELECT id, kind, title, status, anonymous, region, created_at, updated_at FROM listings "
                      "WHERE owner_id = ? ORDER BY created_at" },
        { "eois_sent", "SELECT id, listing_id, message, status, created_at, decided_at FROM eois WHERE sender_id = ? "
                       "ORDER BY created_at" },
        { "messages_sent", "SELECT id, thread_id, body, created_at FROM messages WHERE sender_id = ? ORDER BY created_at" },
        { "deals", "SELECT id, title, state, source, listing_id, amount_fen, contract_type, contract_hash, created_at, updated_at, "
                   "CASE WHEN provider_id = ? THEN 'provider' WHEN client_id = ? THEN 'client' ELSE 'broker' END AS my_role "
                   "FROM deals WHERE provider_id = ? OR client_id = ? OR broker_id = ? ORDER BY created_at" },
        { "deal_offers", "SELECT id, deal_id, created_at FROM deal_offers WHERE author_id = ? ORDER BY created_at" },
        { "popsci_profile", "SELECT topics, region, crops, audience, updated_at FROM popsci_profiles WHERE user_id = ?" },
        { "popsci_events", "SELECT content_id, kind, topic, region, at FROM popsci_events WHERE user_id = ? ORDER BY at" },
        { "popsci_questions", "SELECT id, title, body, topic, region, status, created_at FROM popsci_questions WHERE author_id = ? "
                              "ORDER BY created_at" },
        { "popsci_answers", "SELECT id, question_id, body, accepted, created_at FROM popsci_answers WHERE author_id = ? "
                            "ORDER BY created_at" },
        { "popsci_content", "SELECT id, kind, title, status, created_at FROM popsci_content WHERE author_id = ? ORDER BY created_at" },
        { "popsci_expert_areas", "SELECT topic, region, created_at FROM popsci_experts WHERE user_id = ?" },
        { "popsci_teams", "SELECT t.id, t.name FROM popsci_team_members m JOIN popsci_teams t ON t.id = m.team_id WHERE m.user_id = ?" },
        { "popsci_teams_followed", "SELECT t.id, t.name, f.created_at FROM popsci_team_follows f JOIN popsci_teams t ON t.id = f.team_id "
                                   "WHERE f.user_id = ? ORDER BY f.created_at" },
        { "favourites", "SELECT listing_id, created_at FROM favourites WHERE user_id = ? ORDER BY created_at" },
        { "subscriptions", "SELECT id, kind, query, filters, listing_id FROM subscriptions WHERE user_id = ?" },
        { "notifications", "SELECT kind, subject, link, created_at, read_at FROM notifications WHERE user_id = ? ORDER BY created_at" },
        { "challenge_applications", "SELECT id, challenge_id, team, approach, status, created_at FROM challenge_applications "
                                    "WHERE applicant_id = ? ORDER BY created_at" },
    };
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        if (add_rows(db, out, parts[i].key, parts[i].sql, user_id)) { json_decref(out); return NULL; }
    }
    return out;
}

/* ---- deletion ---- */

int kj_account_delete(kj_db *db, const char *user_id, const char *password, kj_err *fail)
{
    json_t *u = kj_id_valid(user_id) ? kj_db_row(db, "SELECT id, email, password_hash, role, org_id, org_role FROM users "
                                                     "WHERE id = ? AND deleted_at IS NULL", "s", user_id) : NULL;
    if (!u) return fail_with(fail, KJ_E_NOT_FOUND, "form", "err.not_found");
    /* The password again: a session left open on a shared computer must
     * not be enough to erase an account. Hashed before the transaction. */
    bool ok = password && kj_password_verify(kj_jstr_or_empty(u, "password_hash"), password);
    json_decref(u);
    if (!ok) return fail_with(fail, KJ_E_INVALID, "password", "err.password.wrong");
    if (kj_db_begin(db)) return fail_with(fail, KJ_E_INTERNAL, "form", "err.internal");
    /* Reloaded inside the transaction: what decides the deletion. */
    u = kj_db_row(db, "SELECT id, email, role, org_id, org_role FROM users WHERE id = ? AND deleted_at IS NULL", "s", user_id);
    int st = 0;
    const char *role = kj_jstr_or_empty(u, "role");
    if (!u) st = fail_with(fail, KJ_E_NOT_FOUND, "form", "err.not_found");
    else if (!strcmp(role, "admin") || !strcmp(role, "operator"))
        st = fail_with(fail, KJ_E_CONFLICT, "form", "err.delete.staff");
    else if (kj_jstr(u, "org_id") && !strcmp(kj_jstr_or_empty(u, "org_role"), "admin") &&
             kj_db_int(db, 0, "SELECT count(*) FROM users WHERE org_id = ? AND id <> ?", "ss", kj_jstr(u, "org_id"), user_id) > 0 &&
             kj_db_int(db, 0, "SELECT count(*) FROM users WHERE org_id = ? AND id <> ? AND org_role = 'admin'", "ss",
                       kj_jstr(u, "org_id"), user_id) == 0)
        st = fail_with(fail, KJ_E_CONFLICT, "form", "err.delete.last_org_admin");
    if (st) { json_decref(u); kj_db_rollback(db); return st; }
    char email[256], addr_hash[65], gone[96];
    snprintf(email, sizeof email, "%s", kj_jstr_or_empty(u, "email"));
    json_decref(u);
    kj_token_hash(email, addr_hash);
    snprintf(gone, sizeof gone, "deleted-%s@deleted.invalid", user_id);
    int64_t now = kj_now_ms();
    static const char *const blank_msg = "[已注销用户的内容已删除 · removed: the account was deleted]";
    /* ?1 is the user; ?2, when a step has one, the text that replaces
     * their words or the address that replaces theirs. */
    enum { ONLY_USER, WITH_BLANK, WITH_GONE };
    static const struct { const char *sql; int arg; } steps[] = {
        { "DELETE FROM sessions WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM email_tokens WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM org_requests WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM popsci_profiles WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM popsci_events WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM popsci_experts WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM popsci_team_members WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM popsci_team_follows WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM favourites WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM subscriptions WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM notifications WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM studio_members WHERE user_id = ?1 AND role <> 'owner'", ONLY_USER },
        /* An owner's row stays (the studio needs one) without the address. */
        { "UPDATE studio_members SET email = ?2 WHERE user_id = ?1", WITH_GONE },
        /* Mail not sent yet goes; sent mail loses body and address. */
        { "DELETE FROM mail_queue WHERE user_id = ?1 AND status IN ('queued', 'digest')", ONLY_USER },
        { "UPDATE mail_queue SET to_addr = '', body = '' WHERE user_id = ?1", ONLY_USER },
        { "DELETE FROM mail_prefs WHERE user_id = ?1", ONLY_USER },
        /* Interest notes and messages: blanked, except where a signed
         * contract makes the conversation part of the deal's record. */
        { "UPDATE eois SET message = ?2, status = CASE status WHEN 'pending' THEN 'withdrawn' ELSE status END "
          "WHERE sender_id = ?1 AND id NOT IN (SELECT source_id FROM deals WHERE source = 'eoi' AND contract_hash IS NOT NULL)", WITH_BLANK },
        { "UPDATE messages SET body = ?2 WHERE sender_id = ?1 AND thread_id NOT IN "
          "(SELECT thread_id FROM deals WHERE contract_hash IS NOT NULL)", WITH_BLANK },
        /* What never went public is withdrawn; published listings stay,
         * under the deleted account's name. */
        { "UPDATE listings SET status = 'withdrawn' WHERE owner_id = ?1 AND status IN ('draft', 'submitted', 'rejected')", ONLY_USER },
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps && !st; i++) {
        int rc = steps[i].arg == ONLY_USER ? kj_db_exec(db, steps[i].sql, "s", user_id)
                                           : kj_db_exec(db, steps[i].sql, "ss", user_id,
                                                        steps[i].arg == WITH_GONE ? gone : blank_msg);
        if (rc < 0) st = fail_with(fail, KJ_E_INTERNAL, "form", "err.internal");
    }
    if (!st && (kj_db_exec(db, "DELETE FROM login_throttle WHERE account = ?", "s", email) < 0 ||
                kj_db_exec(db, "DELETE FROM password_reset_asks WHERE address_hash = ?", "s", addr_hash) < 0))
        st = fail_with(fail, KJ_E_INTERNAL, "form", "err.internal");
    /* password_hash '!': no password verifies against it. */
    if (!st && kj_db_exec(db, "UPDATE users SET name = ?, email = ?, password_hash = '!', phone = '', title = '', bio = '', "
                              "region = NULL, jurisdiction = NULL, org_id = NULL, org_role = NULL, is_expert = 0, disabled = 1, "
                              "email_verified_at = NULL, deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL",
                          "ssiis", KJ_DELETED_NAME, gone, now, now, user_id) != 1)
        st = fail_with(fail, KJ_E_INTERNAL, "form", "err.internal");
    sodium_memzero(email, sizeof email);
    if (st) { kj_db_rollback(db); return st; }
    if (kj_db_commit(db)) { kj_db_rollback(db); return fail_with(fail, KJ_E_INTERNAL, "form", "err.internal"); }
    return 0;
}
