/*
 * verify.c — verified organizations: applications, decisions, the state
 * table, the review queue and the licence files (see verify.h).
 */
#include "org/verify.h"
#include "account/account.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/lifecycle.h"
#include "core/log.h"
#include "core/validate.h"
#include "market/attach.h"
#include "media/files.h"
#include "center/center.h"
#include "mail/mail.h"
#include "notify/notify.h"
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const kj_orgverify_states[] = { "none", "pending", "verified", "refused", "revoked", NULL };
const char *const kj_orgverify_actions[] = { "verify", "refuse", "revoke", NULL };

/* Who may take a transition; the actual check is authz's (see below). */
enum { R_ORG_ADMIN = 1, R_STAFF = 2, R_ADMIN = 4 };
static const char *const role_names[] = { "org_admin", "staff", "admin" };

/* via: the endpoint under /api/v1/orgs/{id}/verification. */
typedef kj_transition transition;   /* core/lifecycle.h */

static const transition transitions[] = {
    { "apply", "none", "pending", R_ORG_ADMIN, "apply", false },
    { "apply", "refused", "pending", R_ORG_ADMIN, "apply", false },
    { "apply", "revoked", "pending", R_ORG_ADMIN, "apply", false },
    { "verify", "pending", "verified", R_STAFF | R_ADMIN, "actions", false },
    { "refuse", "pending", "refused", R_STAFF | R_ADMIN, "actions", true },
    { "revoke", "verified", "revoked", R_ADMIN, "actions", true },
};
#define NTRANSITIONS (sizeof transitions / sizeof *transitions)

json_t *kj_orgverify_transitions(void)
{
    return kj_transitions_json(transitions, NTRANSITIONS, role_names, sizeof role_names / sizeof *role_names, true);
}

static const transition *find(const char *action, const char *state)
{
    return kj_transition_find(transitions, NTRANSITIONS, action, state);
}

static bool known_action(const char *action)
{
    for (const char *const *a = kj_orgverify_actions; *a; a++) if (action && !strcmp(*a, action)) return true;
    return false;
}


/* The columns authz reads, straight from the table inside the transaction
 * (a session's copy may be older: a role or membership taken away a moment
 * ago no longer counts). */
static json_t *actor_row(kj_db *db, const char *user_id)
{
    if (!user_id) return NULL;
    return kj_db_row(db, "SELECT id, role, org_id, org_role, jurisdiction, disabled FROM users WHERE id = ? AND disabled = 0",
                     "s", user_id);
}

static json_t *org_row(kj_db *db, const char *org_id)
{
    if (!org_id || !kj_id_valid(org_id)) return NULL;
    return kj_db_row(db, "SELECT id, name, region, credit_code, verified_at FROM orgs WHERE id = ?", "s", org_id);
}

#define APP_COLUMNS "v.id, v.org_id, v.applicant_id, a.name AS applicant_name, v.status, v.legal_rep, v.credit_code, " \
                    "v.licence_name, v.licence_mime, v.licence_size, v.reason, v.decided_by, d.name AS decided_by_name, " \
                    "v.decided_at, v.revoked_by, v.revoked_at, v.created_at, v.updated_at"
#define APP_FROM " FROM org_verifications v LEFT JOIN users a ON a.id = v.applicant_id LEFT JOIN users d ON d.id = v.decided_by "

/* The latest application of org_id (new ref) or NULL. */
static json_t *latest(kj_db *db, const char *org_id)
{
    return kj_db_row(db, "SELECT " APP_COLUMNS APP_FROM "WHERE v.org_id = ? ORDER BY v.created_at DESC, v.id DESC LIMIT 1",
                     "s", org_id);
}

static const char *state_of(json_t *app) { return app ? kj_jstr_or_empty(app, "status") : "none"; }

/* Every decision goes to the audit log in its transaction: the action as
 * "org.verification.<action>" (also its i18n key), the organization, the
 * reason, and which application and state change it was. */
static int audit(kj_db *db, const char *actor_id, const transition *t, json_t *org, json_t *app, const char *reason)
{
    char action[48];
    snprintf(action, sizeof action, "org.verification.%s", t->action);
    json_t *detail = json_pack("{s:s?, s:s?, s:s, s:s}", "verification_id", kj_jstr(app, "id"), "org_name", kj_jstr(org, "name"),
                               "from", t->from, "to", t->to);
    int rc = detail ? kj_audit_write(db, actor_id, action, "org", kj_jstr(org, "id"), reason, detail) : -1;
    json_decref(detail);
    return rc;
}

static void remove_file(const char *data_dir, const char *name)
{
    char path[2100];
    kj_file_path(data_dir, name, "", path, sizeof path);
    if (unlink(path) != 0 && errno != ENOENT) kj_log_error("orgverify: unlink %s: %s", path, strerror(errno));
}

static int tell_staff(kj_db *db, json_t *org, const char *except);

int kj_orgverify_apply(kj_db *db, const char *actor_id, const char *org_id, const char *legal_rep,
                       const kj_orgverify_licence_in *licence, char *id_out, kj_err *fail)
{
    if (!org_id || !kj_id_valid(org_id)) return kj_err_set(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
    size_t rep_len = legal_rep ? strlen(legal_rep) : 0;
    if (!rep_len) return kj_err_set(fail, KJ_E_INVALID, "err.field.required", "legal_rep");
    if (!kj_valid_utf8(legal_rep, rep_len) || kj_utf8_chars(legal_rep, rep_len) > 60)
        return kj_err_set(fail, KJ_E_INVALID, "err.field.too_long", "legal_rep");
    if (!licence || !licence->data || !licence->size) return kj_err_set(fail, KJ_E_INVALID, "err.orgverify.licence_required", "licence");

    /* Authority first, on a read outside the transaction, so that a
     * stranger's upload is not even looked at; the transaction checks
     * again on fresh rows before anything is written. */
    json_t *pre = actor_row(db, actor_id);
    bool may = kj_authz_may_apply_org_verification(pre, org_id);
    json_decref(pre);
    if (!may) {
        json_t *o = org_row(db, org_id);
        bool exists = o != NULL;
        json_decref(o);
        return exists ? kj_err_set(fail, KJ_E_FORBIDDEN, "err.orgverify.forbidden", NULL)
                      : kj_err_set(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
    }

    const char *mime = NULL;
    kj_buf stored = { 0 };
    if (kj_attach_prepare(licence->data, licence->size, licence->max_size, &mime, &stored, fail)) {
        kj_buf_free(&stored);
        fail->field = "licence";
        return -1;
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256(digest, (const unsigned char *)stored.data, stored.len);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    char name[KJ_ATTACH_NAME_MAX + 16];
    kj_attach_clean_name(licence->filename, mime, name, sizeof name);
    kj_id file = kj_id_new();
    size_t stored_len = stored.len;
    int wrote = kj_file_write(licence->data_dir, file.s, stored.data, stored.len);
    kj_buf_free(&stored);
    if (wrote) return kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);

    int st = 0;
    if (kj_db_begin(db)) { remove_file(licence->data_dir, file.s); return kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL); }
    json_t *actor = actor_row(db, actor_id);
    json_t *org = org_row(db, org_id);
    json_t *last = org ? latest(db, org_id) : NULL;
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    if (!org) st = kj_err_set(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
    else if (!kj_authz_may_apply_org_verification(actor, org_id)) st = kj_err_set(fail, KJ_E_FORBIDDEN, "err.orgverify.forbidden", NULL);
    /* An organization's power is used only from a verified address. */
    else if (!kj_account_email_verified(db, actor_id)) st = kj_err_set(fail, KJ_E_FORBIDDEN, "err.org.actor_unverified", NULL);
    else if (!find("apply", state_of(last))) st = kj_err_set(fail, KJ_E_CONFLICT, "err.orgverify.state", NULL);
    else {
        int rc = kj_db_exec(db, "INSERT INTO org_verifications(id, origin, org_id, applicant_id, status, legal_rep, credit_code, "
                                "licence_file, licence_name, licence_mime, licence_size, licence_sha256, created_at, updated_at) "
                                "VALUES (?,?,?,?, 'pending', ?,?,?,?,?,?,?,?,?)", "sssssssssisii",
                            id.s, kj_instance_id(db), org_id, actor_id, legal_rep, kj_jstr_or_empty(org, "credit_code"),
                            file.s, name, mime, (int64_t)stored_len, hex, now, now);
        /* The unique index of open applications: another one won the race. */
        if (rc == KJ_DB_CONSTRAINT) st = kj_err_set(fail, KJ_E_CONFLICT, "err.orgverify.state", NULL);
        else if (rc != 1) st = kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);
        else if (tell_staff(db, org, actor_id)) st = kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);
    }
    json_decref(actor);
    json_decref(org);
    json_decref(last);
    if (!st && kj_db_commit(db)) st = kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);
    if (st) {
        kj_db_rollback(db);
        remove_file(licence->data_dir, file.s);
        return st;
    }
    if (id_out) snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    return 0;
}

/* Tells the staff who decide about org's application, in the caller's
 * transaction: the lowest service center covering the org's region that
 * has staff (its jurisdiction covers the org, so they may verify;
 * center/center.h), in-app and by e-mail ("verification"). An org
 * without a region, or a region no staffed center covers, is left to the
 * administrators' queue. 0 or -1. */
static int tell_staff(kj_db *db, json_t *org, const char *except)
{
    const char *region = kj_jstr(org, "region");
    json_t *low = region && *region ? kj_center_covering(db, region) : NULL;
    json_t *chain = low ? kj_center_chain(db, kj_jstr(low, "id")) : NULL;
    json_decref(low);
    char link[80];
    snprintf(link, sizeof link, "/orgs/%s/verification", kj_jstr_or_empty(org, "id"));
    int rc = 0;
    size_t i, j;
    json_t *c, *s;
    json_array_foreach(chain, i, c) {
        json_t *staff = kj_center_staff(db, kj_jstr(c, "id"));
        if (!staff) { rc = -1; break; }
        size_t n = json_array_size(staff);
        json_array_foreach(staff, j, s) {
            const char *uid = kj_jstr(s, "user_id");
            if (rc || !uid || (except && !strcmp(uid, except))) continue;
            if (kj_notify(db, uid, "orgverify_pending", kj_jstr(org, "name"), link) < 0 ||
                kj_mail_enqueue(db, uid, "verification", kj_jstr(org, "name"), link) < 0)
                rc = -1;
        }
        json_decref(staff);
        if (n || rc) break;
    }
    json_decref(chain);
    return rc;
}

/* Whether actor may take transition t on org (authz decides). */
static bool may_take(json_t *actor, json_t *org, const char *action)
{
    if (!strcmp(action, "apply")) return kj_authz_may_apply_org_verification(actor, kj_jstr(org, "id"));
    if (!strcmp(action, "revoke")) return kj_authz_may_revoke_org_verification(actor, org);
    return kj_authz_may_review_org_verification(actor, org);
}

int kj_orgverify_act(kj_db *db, const char *actor_id, const char *org_id, const char *action, const char *reason,
                     kj_err *fail)
{
    if (!known_action(action)) return kj_err_set(fail, KJ_E_INVALID, "err.field.choice", "action");
    if (!org_id || !kj_id_valid(org_id)) return kj_err_set(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
    bool needs_reason = false;
    for (size_t i = 0; i < NTRANSITIONS; i++) if (!strcmp(transitions[i].action, action)) needs_reason = transitions[i].needs_reason;
    if (!reason) reason = "";
    if (needs_reason && !*reason) return kj_err_set(fail, KJ_E_INVALID, "err.orgverify.reason_required", "reason");
    if (kj_db_begin(db)) return kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);
    json_t *actor = actor_row(db, actor_id);
    json_t *org = org_row(db, org_id);
    json_t *last = org ? latest(db, org_id) : NULL;
    const transition *t = find(action, state_of(last));
    int64_t now = kj_now_ms();
    int st = 0;
    if (!org) st = kj_err_set(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
    /* Named apart, so that the refusal says why. */
    else if (kj_authz_is_org_member(actor, org_id)) st = kj_err_set(fail, KJ_E_FORBIDDEN, "err.orgverify.own", NULL);
    else if (!may_take(actor, org, action)) st = kj_err_set(fail, KJ_E_FORBIDDEN, "err.orgverify.forbidden", NULL);
    else if (!t) st = kj_err_set(fail, KJ_E_CONFLICT, "err.orgverify.state", NULL);
    if (!st) {
        const char *vid = kj_jstr(last, "id");
        int rc = !strcmp(action, "revoke")
            ? kj_db_exec(db, "UPDATE org_verifications SET status = 'revoked', reason = ?, revoked_by = ?, revoked_at = ?, "
                             "updated_at = ? WHERE id = ? AND status = 'verified'", "ssiis", reason, actor_id, now, now, vid)
            : kj_db_exec(db, "UPDATE org_verifications SET status = ?, reason = ?, decided_by = ?, decided_at = ?, updated_at = ? "
                             "WHERE id = ? AND status = 'pending'", "sssiis", t->to, reason, actor_id, now, now, vid);
        if (rc != 1) st = kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);
    }
    /* orgs.verified_at is set exactly while the state is "verified". */
    if (!st && (!strcmp(action, "verify") || !strcmp(action, "revoke"))) {
        bool on = !strcmp(action, "verify");
        int rc = on ? kj_db_exec(db, "UPDATE orgs SET verified_at = ?, updated_at = ? WHERE id = ?", "iis", now, now, org_id)
                    : kj_db_exec(db, "UPDATE orgs SET verified_at = NULL, updated_at = ? WHERE id = ?", "is", now, org_id);
        if (rc != 1) st = kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);
    }
    if (!st) {
        char link[80], kind[40];
        snprintf(link, sizeof link, "/orgs/%s/verification", org_id);
        snprintf(kind, sizeof kind, "orgverify_%s", t->to);
        const char *applicant = kj_jstr(last, "applicant_id");
        if (kj_notify(db, applicant, kind, kj_jstr(org, "name"), link) < 0 ||
            (applicant && kj_mail_enqueue(db, applicant, "verification", kj_jstr(org, "name"), link) < 0))
            st = kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);
    }
    if (!st && audit(db, actor_id, t, org, last, reason)) st = kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);
    json_decref(actor);
    json_decref(org);
    json_decref(last);
    if (!st && kj_db_commit(db)) st = kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL);
    if (st) { kj_db_rollback(db); return st; }
    return 0;
}

/* The public face of an application row: what its viewers read. */
static void shape(json_t *app)
{
    const char *id = kj_jstr(app, "id");
    json_t *lic = json_pack("{s:O?, s:O?, s:O?, s:s}", "name", json_object_get(app, "licence_name"),
                            "mime", json_object_get(app, "licence_mime"), "size", json_object_get(app, "licence_size"),
                            "url", "");
    char url[80];
    snprintf(url, sizeof url, "/org-verifications/%s/licence", id ? id : "");
    json_object_set_new(lic, "url", json_string(url));
    json_object_set_new(app, "licence", lic);
    json_object_del(app, "licence_name");
    json_object_del(app, "licence_mime");
    json_object_del(app, "licence_size");
}

json_t *kj_orgverify_view(kj_db *db, json_t *user, const char *org_id, kj_err *fail)
{
    json_t *org = org_row(db, org_id);
    if (!org) { kj_err_set(fail, KJ_E_NOT_FOUND, "err.not_found", NULL); return NULL; }
    if (!kj_authz_may_see_org_verification(user, org)) {
        json_decref(org);
        kj_err_set(fail, KJ_E_FORBIDDEN, "err.orgverify.forbidden", NULL);
        return NULL;
    }
    json_t *history = kj_db_rows(db, "SELECT " APP_COLUMNS APP_FROM "WHERE v.org_id = ? ORDER BY v.created_at DESC, v.id DESC",
                                 "s", org_id);
    if (!history) { json_decref(org); kj_err_set(fail, KJ_E_INTERNAL, "err.internal", NULL); return NULL; }
    size_t i;
    json_t *h;
    json_array_foreach(history, i, h) shape(h);
    json_t *last = json_array_size(history) ? json_array_get(history, 0) : NULL;
    const char *state = state_of(last);
    json_t *actions = json_array();
    for (size_t k = 0; k < NTRANSITIONS; k++) {
        const transition *t = &transitions[k];
        if (!strcmp(t->from, state) && may_take(user, org, t->action)) json_array_append_new(actions, json_string(t->action));
    }
    json_t *vat = json_object_get(org, "verified_at");
    json_object_set_new(org, "verified", json_boolean(vat && !json_is_null(vat)));
    json_t *out = json_pack("{s:o, s:s, s:o, s:O}", "org", org, "state", state, "actions", actions, "history", history);
    if (last) json_object_set(out, "application", last);
    json_decref(history);
    return out;
}

json_t *kj_orgverify_public(kj_db *db, const char *org_id)
{
    json_t *org = org_row(db, org_id);
    if (!org) return NULL;
    json_t *vat = json_object_get(org, "verified_at");
    bool on = vat && !json_is_null(vat);
    json_t *out = json_pack("{s:s, s:O}", "state", on ? "verified" : "none", "verified_at", on ? vat : json_null());
    json_decref(org);
    return out;
}

json_t *kj_orgverify_queue(kj_db *db, json_t *user)
{
    json_t *out = json_array();
    if (!kj_authz_is_admin(user) && !kj_authz_is_operator(user)) return out;
    json_t *rows = kj_db_rows(db, "SELECT " APP_COLUMNS ", o.name AS org_name, o.region AS org_region" APP_FROM
                                  "JOIN orgs o ON o.id = v.org_id WHERE v.status = 'pending' ORDER BY v.created_at, v.id", "");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_t *org = json_pack("{s:s?, s:s?}", "id", kj_jstr(r, "org_id"), "region", kj_jstr(r, "org_region"));
        if (kj_authz_may_review_org_verification(user, org)) { shape(r); json_array_append(out, r); }
        json_decref(org);
    }
    json_decref(rows);
    return out;
}

json_t *kj_orgverify_licence(kj_db *db, json_t *user, const char *verification_id, kj_err *fail)
{
    json_t *v = kj_id_valid(verification_id)
        ? kj_db_row(db, "SELECT v.licence_file AS file, v.licence_name AS name, v.licence_mime AS mime, v.licence_size AS size, "
                        "v.licence_sha256 AS sha256, o.id AS org_id, o.region AS org_region "
                        "FROM org_verifications v JOIN orgs o ON o.id = v.org_id WHERE v.id = ?", "s", verification_id)
        : NULL;
    json_t *org = v ? json_pack("{s:s?, s:s?}", "id", kj_jstr(v, "org_id"), "region", kj_jstr(v, "org_region")) : NULL;
    bool ok = v && kj_authz_may_see_org_verification(user, org);
    json_decref(org);
    if (!ok) {
        json_decref(v);
        kj_err_set(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
        return NULL;
    }
    json_object_del(v, "org_id");
    json_object_del(v, "org_region");
    return v;
}
