/*
 * membership.c — organization requests, members and org roles; operators'
 * jurisdiction (see membership.h). Every decision reloads the acting
 * user's row inside its write transaction and asks authz/authz.h.
 */
#include "account/membership.h"
#include "core/json_util.h"
#include "authz/authz.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/validate.h"
#include "notify/notify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kj_org_roles[] = { "admin", "member", NULL };

/* Every refusal below returns -1 with its kind in *f. */
static int fail_st(kj_err *f, kj_err_kind kind, const char *field, const char *key)
{
    kj_err ignored;
    return kj_err_set(f ? f : &ignored, kind, key, field);
}

static bool same(const char *a, const char *b) { return a && b && !strcmp(a, b); }

/* The columns authz reads, straight from the table (never from a session
 * copy that may be older than the transaction). */
static json_t *actor_row(kj_db *db, const char *user_id)
{
    if (!user_id) return NULL;
    return kj_db_row(db, "SELECT id, role, org_id, org_role, jurisdiction, disabled FROM users WHERE id = ? AND disabled = 0",
                     "s", user_id);
}

static int rollback_st(kj_db *db, kj_err *f, kj_err_kind kind, const char *field, const char *key)
{
    kj_db_rollback(db);
    return fail_st(f, kind, field, key);
}

static int commit_st(kj_db *db, kj_err *f)
{
    if (kj_db_commit(db)) return rollback_st(db, f, KJ_E_INTERNAL, "form", "err.internal");
    return 0;
}

bool kj_org_request_user_ok(kj_db *db, const char *user_id)
{
    /* Organization requests act only for verified addresses (issue 12
     * item 3): whoever cannot read the mailbox gets no membership. */
    return kj_account_email_verified(db, user_id);
}

int kj_org_request_insert(kj_db *db, const char *user_id, const char *org_id, const char *note,
                          char *id_out, kj_err *fail)
{
    if (kj_db_int(db, 0, "SELECT count(*) FROM org_requests WHERE user_id = ? AND status = 'pending'", "s", user_id) > 0)
        return fail_st(fail, KJ_E_CONFLICT, "form", "err.org.request_pending");
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    int rc = kj_db_exec(db, "INSERT INTO org_requests(id, origin, org_id, user_id, status, note, created_at, updated_at) "
                            "VALUES (?,?,?,?, 'pending', ?,?,?)", "sssssii",
                        id.s, kj_instance_id(db), org_id, user_id, note ? note : "", now, now);
    if (rc == KJ_DB_CONSTRAINT) return fail_st(fail, KJ_E_CONFLICT, "form", "err.org.request_pending");
    if (rc < 1) return fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    /* Tell whoever decides inside the organization; operators and
     * administrators find it in their queue. */
    char *org_name = kj_db_text(db, "SELECT name FROM orgs WHERE id = ?", "s", org_id);
    json_t *admins = kj_db_rows(db, "SELECT id FROM users WHERE org_id = ? AND org_role = 'admin' AND disabled = 0", "s", org_id);
    char link[80];
    snprintf(link, sizeof link, "/orgs/%s/members", org_id);
    size_t i;
    json_t *a;
    int bad = !admins;
    json_array_foreach(admins, i, a) if (kj_notify(db, kj_jstr(a, "id"), "org_request", org_name ? org_name : "", link) < 0) bad = 1;
    json_decref(admins);
    free(org_name);
    if (bad) return fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    if (id_out) snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    return 0;
}

int kj_org_request_file(kj_db *db, const char *user_id, const char *credit_code, const char *note,
                        char *id_out, kj_err *fail)
{
    char code[64];
    snprintf(code, sizeof code, "%s", credit_code ? credit_code : "");
    kj_normalize_credit_code(code);
    const char *why = NULL;
    if (!*code) return fail_st(fail, KJ_E_INVALID, "credit_code", "err.field.required");
    if (!kj_valid_credit_code(code, &why)) return fail_st(fail, KJ_E_INVALID, "credit_code", why ? why : "err.credit_code.check_digit");
    if (kj_db_begin(db)) return fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    json_t *me = actor_row(db, user_id);
    char *org_id = kj_db_text(db, "SELECT id FROM orgs WHERE credit_code = ?", "s", code);
    int st = 0;
    if (!me) st = fail_st(fail, KJ_E_FORBIDDEN, "form", "err.org.forbidden");
    else if (!same(kj_jstr(me, "role"), "org_member")) st = fail_st(fail, KJ_E_FORBIDDEN, "form", "err.org.request_role");
    else if (kj_jstr(me, "org_id")) st = fail_st(fail, KJ_E_CONFLICT, "form", "err.org.already_member");
    else if (!org_id) st = fail_st(fail, KJ_E_INVALID, "credit_code", "err.org.unknown_code");
    else st = kj_org_request_insert(db, user_id, org_id, note, id_out, fail);
    json_decref(me);
    free(org_id);
    if (st) { kj_db_rollback(db); return st; }
    return commit_st(db, fail);
}

#define REQ_COLUMNS "r.id, r.org_id, o.name AS org_name, o.region AS org_region, r.user_id, u.name AS user_name, " \
                    "u.email AS user_email, r.status, r.note, r.decided_by, r.decided_at, r.created_at"
#define REQ_FROM " FROM org_requests r JOIN orgs o ON o.id = r.org_id JOIN users u ON u.id = r.user_id "

json_t *kj_org_request_pending(kj_db *db, const char *user_id)
{
    return kj_db_row(db, "SELECT r.id, r.org_id, o.name AS org_name, r.status, r.created_at" REQ_FROM
                         "WHERE r.user_id = ? AND r.status = 'pending'", "s", user_id);
}

json_t *kj_org_request_get(kj_db *db, const char *request_id)
{
    if (!request_id || !kj_id_valid(request_id)) return NULL;
    return kj_db_row(db, "SELECT " REQ_COLUMNS REQ_FROM "WHERE r.id = ?", "s", request_id);
}

int kj_org_request_decide(kj_db *db, const char *actor_id, const char *request_id, bool approve,
                          const char *reason, kj_err *fail)
{
    if (!request_id || !kj_id_valid(request_id)) return fail_st(fail, KJ_E_NOT_FOUND, "form", "err.not_found");
    if (kj_db_begin(db)) return fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    json_t *req = kj_db_row(db, "SELECT r.id, r.org_id, r.user_id, r.status, o.name AS org_name, o.region "
                                "FROM org_requests r JOIN orgs o ON o.id = r.org_id WHERE r.id = ?", "s", request_id);
    json_t *actor = actor_row(db, actor_id);
    json_t *org = req ? json_pack("{s:s?, s:s?}", "id", kj_jstr(req, "org_id"), "region", kj_jstr(req, "region")) : NULL;
    int st = 0;
    if (!req) st = fail_st(fail, KJ_E_NOT_FOUND, "form", "err.not_found");
    else if (!kj_authz_may_decide_org_request(actor, org, kj_jstr(req, "user_id"))) st = fail_st(fail, KJ_E_FORBIDDEN, "form", "err.org.forbidden");
    /* An organization's power is used only from a verified address (a
     * founder registers as its admin before verifying). */
    else if (!kj_authz_is_admin(actor) && !kj_org_request_user_ok(db, actor_id)) st = fail_st(fail, KJ_E_FORBIDDEN, "form", "err.org.actor_unverified");
    else if (!same(kj_jstr(req, "status"), "pending")) st = fail_st(fail, KJ_E_CONFLICT, "form", "err.org.request_closed");
    /* Only for a verified address (kj_org_request_user_ok). */
    else if (approve && !kj_org_request_user_ok(db, kj_jstr(req, "user_id"))) st = fail_st(fail, KJ_E_FORBIDDEN, "form", "err.org.unverified");
    int64_t now = kj_now_ms();
    if (!st && approve) {
        /* The requester may have been given a membership meanwhile: only a
         * user in no organization becomes a member. */
        int rc = kj_db_exec(db, "UPDATE users SET org_id = ?, org_role = 'member', updated_at = ? "
                                "WHERE id = ? AND org_id IS NULL", "sis", kj_jstr(req, "org_id"), now, kj_jstr(req, "user_id"));
        if (rc < 0) st = fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
        else if (rc == 0) st = fail_st(fail, KJ_E_CONFLICT, "form", "err.org.already_member");
    }
    if (!st) {
        int rc = kj_db_exec(db, "UPDATE org_requests SET status = ?, decided_by = ?, decided_at = ?, updated_at = ?, "
                                "note = CASE WHEN ? IS NULL OR ? = '' THEN note ELSE ? END "
                                "WHERE id = ? AND status = 'pending'", "ssiissss",
                            approve ? "approved" : "refused", actor_id, now, now, reason, reason, reason, request_id);
        if (rc != 1) st = fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    }
    if (!st) {
        char link[80];
        snprintf(link, sizeof link, "/orgs/%s", kj_jstr(req, "org_id"));
        if (kj_notify(db, kj_jstr(req, "user_id"), approve ? "org_approved" : "org_refused", kj_jstr(req, "org_name"), link) < 0)
            st = fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    }
    json_decref(req);
    json_decref(actor);
    json_decref(org);
    if (st) { kj_db_rollback(db); return st; }
    return commit_st(db, fail);
}

int kj_org_request_withdraw(kj_db *db, const char *user_id, const char *request_id, kj_err *fail)
{
    if (!request_id || !kj_id_valid(request_id)) return fail_st(fail, KJ_E_NOT_FOUND, "form", "err.not_found");
    if (kj_db_begin(db)) return fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    json_t *req = kj_db_row(db, "SELECT user_id, status FROM org_requests WHERE id = ?", "s", request_id);
    int st = 0;
    if (!req || !same(kj_jstr(req, "user_id"), user_id)) st = fail_st(fail, KJ_E_NOT_FOUND, "form", "err.not_found");
    else if (!same(kj_jstr(req, "status"), "pending")) st = fail_st(fail, KJ_E_CONFLICT, "form", "err.org.request_closed");
    else if (kj_db_exec(db, "UPDATE org_requests SET status = 'withdrawn', updated_at = ? WHERE id = ? AND status = 'pending'",
                        "is", kj_now_ms(), request_id) != 1)
        st = fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    json_decref(req);
    if (st) { kj_db_rollback(db); return st; }
    return commit_st(db, fail);
}

static json_t *org_brief(kj_db *db, const char *org_id)
{
    if (!org_id || !kj_id_valid(org_id)) return NULL;
    return kj_db_row(db, "SELECT id, name, region FROM orgs WHERE id = ?", "s", org_id);
}

json_t *kj_org_requests_pending_for(kj_db *db, json_t *user, const char *org_id)
{
    json_t *org = org_brief(db, org_id);
    bool ok = org && kj_authz_may_see_org_requests(user, org);
    json_decref(org);
    if (!ok) return NULL;
    return kj_db_rows(db, "SELECT " REQ_COLUMNS REQ_FROM "WHERE r.org_id = ? AND r.status = 'pending' "
                          "ORDER BY r.created_at, r.id", "s", org_id);
}

json_t *kj_org_requests_decidable(kj_db *db, json_t *user)
{
    json_t *rows = kj_db_rows(db, "SELECT " REQ_COLUMNS REQ_FROM "WHERE r.status = 'pending' ORDER BY r.created_at, r.id", "");
    json_t *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_t *org = json_pack("{s:s?, s:s?}", "id", kj_jstr(r, "org_id"), "region", kj_jstr(r, "org_region"));
        if (kj_authz_may_decide_org_request(user, org, kj_jstr(r, "user_id"))) json_array_append(out, r);
        json_decref(org);
    }
    json_decref(rows);
    return out;
}

json_t *kj_org_members(kj_db *db, json_t *user, const char *org_id)
{
    if (!kj_authz_may_manage_members(user, org_id)) return NULL;
    return kj_db_rows(db, "SELECT id, name, email, org_role, created_at FROM users WHERE org_id = ? "
                          "ORDER BY org_role = 'admin' DESC, name, id", "s", org_id);
}

/* Inside a transaction: the acting user may manage org_id's members and
 * member_id is one of them. 0 or a status. */
static int member_check(kj_db *db, const char *actor_id, const char *org_id, const char *member_id, kj_err *fail)
{
    json_t *actor = actor_row(db, actor_id);
    bool ok = kj_authz_may_manage_members(actor, org_id);
    bool verified = kj_authz_is_admin(actor) || kj_org_request_user_ok(db, actor_id);
    json_decref(actor);
    if (!ok) return fail_st(fail, KJ_E_FORBIDDEN, "form", "err.org.forbidden");
    if (!verified) return fail_st(fail, KJ_E_FORBIDDEN, "form", "err.org.actor_unverified");
    if (!member_id || !kj_id_valid(member_id) ||
        kj_db_int(db, 0, "SELECT count(*) FROM users WHERE id = ? AND org_id = ?", "ss", member_id, org_id) == 0)
        return fail_st(fail, KJ_E_NOT_FOUND, "form", "err.not_found");
    return 0;
}

/* Inside a transaction, after a change: the organization still has an admin. */
static bool has_admin(kj_db *db, const char *org_id)
{
    return kj_db_int(db, 0, "SELECT count(*) FROM users WHERE org_id = ? AND org_role = 'admin' AND disabled = 0", "s", org_id) > 0;
}

int kj_org_member_set_role(kj_db *db, const char *actor_id, const char *org_id, const char *member_id,
                           const char *org_role, kj_err *fail)
{
    bool known = false;
    for (const char *const *r = kj_org_roles; *r; r++) if (same(*r, org_role)) known = true;
    if (!known) return fail_st(fail, KJ_E_INVALID, "org_role", "err.field.choice");
    if (!org_id || !kj_id_valid(org_id)) return fail_st(fail, KJ_E_NOT_FOUND, "form", "err.not_found");
    if (kj_db_begin(db)) return fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    int st = member_check(db, actor_id, org_id, member_id, fail);
    if (!st && kj_db_exec(db, "UPDATE users SET org_role = ?, updated_at = ? WHERE id = ? AND org_id = ?", "siss",
                          org_role, kj_now_ms(), member_id, org_id) != 1)
        st = fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    if (!st && !has_admin(db, org_id)) st = fail_st(fail, KJ_E_CONFLICT, "org_role", "err.org.last_admin");
    if (st) { kj_db_rollback(db); return st; }
    return commit_st(db, fail);
}

int kj_org_member_remove(kj_db *db, const char *actor_id, const char *org_id, const char *member_id, kj_err *fail)
{
    if (!org_id || !kj_id_valid(org_id)) return fail_st(fail, KJ_E_NOT_FOUND, "form", "err.not_found");
    if (kj_db_begin(db)) return fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    int st = member_check(db, actor_id, org_id, member_id, fail);
    if (!st && kj_db_exec(db, "UPDATE users SET org_id = NULL, org_role = NULL, updated_at = ? WHERE id = ? AND org_id = ?",
                          "iss", kj_now_ms(), member_id, org_id) != 1)
        st = fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    if (!st && !has_admin(db, org_id)) st = fail_st(fail, KJ_E_CONFLICT, "form", "err.org.last_admin");
    if (st) { kj_db_rollback(db); return st; }
    return commit_st(db, fail);
}

json_t *kj_org_public_members(kj_db *db, const char *org_id)
{
    json_t *rows = kj_db_rows(db, "SELECT id, name, title, org_role FROM users WHERE org_id = ? AND org_public = 1 AND disabled = 0 "
                                  "ORDER BY org_role = 'admin' DESC, name, id LIMIT 200", "s", org_id);
    return rows ? rows : json_array();
}

bool kj_org_member_public(kj_db *db, const char *user_id)
{
    return kj_db_int(db, 0, "SELECT org_public FROM users WHERE id = ? AND org_id IS NOT NULL", "s", user_id) != 0;
}

int kj_org_set_public(kj_db *db, const char *user_id, bool shown, kj_err *fail)
{
    /* One statement: the membership it needs is checked by the same write. */
    int rc = kj_db_exec(db, "UPDATE users SET org_public = ?, updated_at = ? WHERE id = ? AND org_id IS NOT NULL", "bis",
                        (int)shown, kj_now_ms(), user_id);
    if (rc < 0) return fail_st(fail, KJ_E_INTERNAL, "form", "err.internal");
    if (rc == 0) return fail_st(fail, KJ_E_FORBIDDEN, "form", "err.org.not_member");
    return 0;
}

/* ---- jurisdiction ---- */

int kj_jurisdiction_write(kj_db *db, const char *actor_id, const char *user_id, const char *old_region,
                          const char *new_region)
{
    if (kj_db_exec(db, "UPDATE users SET jurisdiction = ?, updated_at = ? WHERE id = ?", "sis",
                   new_region, kj_now_ms(), user_id) != 1)
        return -1;
    kj_id id = kj_id_new();
    return kj_db_exec(db, "INSERT INTO jurisdiction_log(id, user_id, actor_id, old_region, new_region, created_at) "
                          "VALUES (?,?,?,?,?,?)", "sssssi", id.s, user_id, actor_id, old_region, new_region,
                      kj_now_ms()) == 1 ? 0 : -1;
}

json_t *kj_jurisdiction_log(kj_db *db, int limit)
{
    return kj_db_rows(db, "SELECT j.id, j.user_id, u.name AS user_name, u.email AS user_email, j.actor_id, "
                          "a.name AS actor_name, j.old_region, j.new_region, j.created_at FROM jurisdiction_log j "
                          "JOIN users u ON u.id = j.user_id LEFT JOIN users a ON a.id = j.actor_id "
                          "ORDER BY j.created_at DESC, j.id DESC LIMIT ?", "i", (int64_t)limit);
}

json_t *kj_org_member_ids(kj_db *db, const char *org_id)
{
    return kj_db_rows(db, "SELECT id FROM users WHERE org_id = ? ORDER BY org_role = 'admin' DESC, id", "s", org_id ? org_id : "");
}
