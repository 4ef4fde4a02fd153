/*
 * admin.c — account administration and its audit log (see admin.h).
 *
 * Every action: begin → reload the actor and ask authz → reload the
 * target → change → audit entry → commit. The audit entry is written in
 * the same transaction as the change it records, so there is never a
 * change without its entry, nor an entry for a change that was rolled back.
 */
#include "account/admin.h"
#include "account/account.h"
#include "account/security.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const kj_user_statuses[] = { "active", "disabled", "deleted", NULL };

static int fail_with(kj_err *f, kj_err_kind kind, const char *field, const char *key)
{
    kj_err ignored;
    return kj_err_set(f ? f : &ignored, kind, key, field);
}

static int rollback_with(kj_db *db, kj_err *f, kj_err_kind kind, const char *field, const char *key)
{
    kj_db_rollback(db);
    return fail_with(f, kind, field, key);
}

static bool blank(const char *s) { return !s || !*s; }

/* Inside the transaction: the actor may administer users (the command
 * line always may). 0, or -1 with *fail (the transaction rolled back). */
static int check_actor(kj_db *db, const char *actor_id, kj_err *fail)
{
    if (!actor_id) return 0;
    json_t *a = kj_db_row(db, "SELECT id, role FROM users WHERE id = ? AND disabled = 0", "s", actor_id);
    bool ok = kj_authz_may_administer_users(a);
    json_decref(a);
    return ok ? 0 : rollback_with(db, fail, KJ_E_FORBIDDEN, "form", "err.auth.forbidden");
}

/* Inside the transaction: the target's row, or NULL (rolled back, *fail). */
static json_t *load_target(kj_db *db, const char *user_id, kj_err *fail)
{
    json_t *t = kj_id_valid(user_id) ? kj_db_row(db, "SELECT id, email, role, is_expert, disabled, deleted_at FROM users "
                                                     "WHERE id = ?", "s", user_id) : NULL;
    if (!t) rollback_with(db, fail, KJ_E_NOT_FOUND, "id", "err.not_found");
    return t;
}

static bool is_deleted(json_t *t)
{
    json_t *d = json_object_get(t, "deleted_at");
    return d && !json_is_null(d);
}

static int commit_or_fail(kj_db *db, kj_err *fail)
{
    if (kj_db_commit(db)) { kj_db_rollback(db); return fail_with(fail, KJ_E_INTERNAL, "form", "err.internal"); }
    return 0;
}

int kj_admin_set_disabled(kj_db *db, const char *actor_id, const char *user_id, bool disabled, const char *reason,
                          kj_err *fail)
{
    if (disabled && blank(reason)) return fail_with(fail, KJ_E_INVALID, "reason", "err.admin.reason_required");
    if (reason && strlen(reason) > KJ_ADMIN_REASON_MAX * 4) return fail_with(fail, KJ_E_INVALID, "reason", "err.field.too_long");
    if (actor_id && user_id && !strcmp(actor_id, user_id)) return fail_with(fail, KJ_E_CONFLICT, "id", "err.admin.self");
    if (kj_db_begin(db)) return fail_with(fail, KJ_E_INTERNAL, "form", "err.internal");
    if (check_actor(db, actor_id, fail)) return -1;
    json_t *t = load_target(db, user_id, fail);
    if (!t) return -1;
    bool was = json_integer_value(json_object_get(t, "disabled")) != 0, deleted = is_deleted(t);
    json_decref(t);
    if (deleted) return rollback_with(db, fail, KJ_E_CONFLICT, "id", "err.admin.deleted");
    if (was == disabled)
        return rollback_with(db, fail, KJ_E_CONFLICT, "id", disabled ? "err.admin.already_disabled" : "err.admin.already_enabled");
    int64_t now = kj_now_ms();
    int rc = kj_db_exec(db, "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?", "bis", (int)disabled, now, user_id);
    /* Its sessions end now: a cookie or bearer token of the account stops
     * answering at its next request (kj_session_user also refuses disabled
     * accounts, so even a session written concurrently cannot serve). */
    if (rc == 1 && disabled) rc = kj_db_exec(db, "DELETE FROM sessions WHERE user_id = ?", "s", user_id);
    if (rc >= 0 && disabled)
        rc = kj_db_exec(db, "UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND purpose = 'reset' AND used_at IS NULL",
                        "is", now, user_id);
    if (rc < 0 || kj_audit_write(db, actor_id, disabled ? "user.disable" : "user.enable", "user", user_id, reason, NULL))
        return rollback_with(db, fail, KJ_E_INTERNAL, "form", "err.internal");
    return commit_or_fail(db, fail);
}

int kj_admin_set_role(kj_db *db, const char *actor_id, const char *user_id, const char *role, int is_expert,
                      const char *reason, kj_err *fail)
{
    if (!kj_in_list(kj_roles, role)) return fail_with(fail, KJ_E_INVALID, "role", "err.field.choice");
    if (reason && strlen(reason) > KJ_ADMIN_REASON_MAX * 4) return fail_with(fail, KJ_E_INVALID, "reason", "err.field.too_long");
    if (kj_db_begin(db)) return fail_with(fail, KJ_E_INTERNAL, "form", "err.internal");
    if (check_actor(db, actor_id, fail)) return -1;
    json_t *t = load_target(db, user_id, fail);
    if (!t) return -1;
    char old_role[32];
    snprintf(old_role, sizeof old_role, "%s", kj_jstr_or_empty(t, "role"));
    int old_expert = json_integer_value(json_object_get(t, "is_expert")) != 0;
    bool deleted = is_deleted(t);
    json_decref(t);
    int new_expert = is_expert < 0 ? old_expert : is_expert != 0;
    bool role_changes = strcmp(old_role, role) != 0;
    if (deleted) return rollback_with(db, fail, KJ_E_CONFLICT, "id", "err.admin.deleted");
    if (role_changes && actor_id && !strcmp(actor_id, user_id)) return rollback_with(db, fail, KJ_E_CONFLICT, "role", "err.admin.self");
    /* Checked inside the transaction, with the rows it changes: a reason
     * for what changes an account's powers. */
    if (role_changes && blank(reason)) return rollback_with(db, fail, KJ_E_INVALID, "reason", "err.admin.reason_required");
    if (!role_changes && new_expert == old_expert) { kj_db_rollback(db); return 0; }   /* nothing to record */
    int rc = kj_db_exec(db, "UPDATE users SET role = ?, is_expert = ?, updated_at = ? WHERE id = ?", "sbis",
                        role, new_expert, kj_now_ms(), user_id);
    json_t *detail = json_pack("{s:s, s:s, s:b, s:b}", "old_role", old_role, "new_role", role,
                               "old_expert", old_expert, "new_expert", new_expert);
    const char *action = role_changes ? "user.set_role" : "user.set_expert";
    if (rc != 1 || kj_audit_write(db, actor_id, action, "user", user_id, reason, detail)) {
        json_decref(detail);
        return rollback_with(db, fail, KJ_E_INTERNAL, "form", "err.internal");
    }
    json_decref(detail);
    return commit_or_fail(db, fail);
}

int kj_admin_send_reset(kj_db *db, const char *actor_id, const char *user_id, kj_err *fail)
{
    if (kj_db_begin(db)) return fail_with(fail, KJ_E_INTERNAL, "form", "err.internal");
    if (check_actor(db, actor_id, fail)) return -1;
    json_t *t = load_target(db, user_id, fail);
    if (!t) return -1;
    if (is_deleted(t)) { json_decref(t); return rollback_with(db, fail, KJ_E_CONFLICT, "id", "err.admin.deleted"); }
    if (json_integer_value(json_object_get(t, "disabled"))) {
        json_decref(t);
        return rollback_with(db, fail, KJ_E_CONFLICT, "id", "err.admin.reset_disabled");
    }
    int rc = kj_password_reset_issue(db, user_id, kj_jstr_or_empty(t, "email"));
    json_decref(t);
    if (rc || kj_audit_write(db, actor_id, "user.reset_password", "user", user_id, NULL, NULL))
        return rollback_with(db, fail, KJ_E_INTERNAL, "form", "err.internal");
    return commit_or_fail(db, fail);
}

char *kj_admin_user_lookup(kj_db *db, const char *email_or_id)
{
    if (blank(email_or_id)) return NULL;
    if (kj_id_valid(email_or_id)) return kj_db_text(db, "SELECT id FROM users WHERE id = ?", "s", email_or_id);
    return kj_db_text(db, "SELECT id FROM users WHERE email = lower(?)", "s", email_or_id);
}

/* "%part%" for LIKE, with the pattern characters of part escaped ('\').
 * Callers match lower() of both sides: LIKE ignores case in SQLite (ASCII),
 * not in PostgreSQL. */
static char *like_pattern(const char *part)
{
    size_t n = strlen(part);
    char *out = malloc(2 * n + 3), *p = out;
    if (!out) return NULL;
    *p++ = '%';
    for (const char *s = part; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\') *p++ = '\\';
        *p++ = *s;
    }
    *p++ = '%';
    *p = 0;
    return out;
}

#define ADMIN_USER_COLUMNS "u.id, u.email, u.name, u.role, u.org_id, o.name AS org_name, u.org_role, u.region, " \
                           "u.jurisdiction, u.is_expert, u.disabled, u.deleted_at IS NOT NULL AS deleted, " \
                           "u.email_verified_at, u.created_at, " \
                           "(SELECT cs.center_id FROM center_staff cs WHERE cs.user_id = u.id) AS center_id, " \
                           "(SELECT cs.role FROM center_staff cs WHERE cs.user_id = u.id) AS center_role"

json_t *kj_admin_user_get(kj_db *db, const char *user_id)
{
    return kj_db_row(db, "SELECT " ADMIN_USER_COLUMNS " FROM users u LEFT JOIN orgs o ON o.id = u.org_id WHERE u.id = ?",
                     "s", user_id);
}

json_t *kj_admin_users_find(kj_db *db, const kj_user_filter *f, int64_t *total, kj_err *fail)
{
    if (!blank(f->role) && !kj_in_list(kj_roles, f->role)) { fail_with(fail, KJ_E_INVALID, "role", "err.field.choice"); return NULL; }
    if (!blank(f->status) && !kj_in_list(kj_user_statuses, f->status)) { fail_with(fail, KJ_E_INVALID, "status", "err.field.choice"); return NULL; }
    if (!blank(f->region) && !kj_region_exists(db, f->region)) { fail_with(fail, KJ_E_INVALID, "region", "err.region.unknown"); return NULL; }
    /* The region's subtree by the regions table's parent links, so that
     * whatever depth the tree has (townships included) is covered. */
    kj_buf sql = { 0 };
    kj_buf_puts(&sql, " FROM users u LEFT JOIN orgs o ON o.id = u.org_id WHERE 1 = 1");
    json_t *params = json_array();
    json_array_append_new(params, blank(f->region) ? json_null() : json_string(f->region));
    char *pat = NULL, *org_pat = NULL;
    if (!blank(f->q)) {
        pat = like_pattern(f->q);
        kj_buf_puts(&sql, " AND (lower(u.name) LIKE lower(?) ESCAPE '\\' OR lower(u.email) LIKE lower(?) ESCAPE '\\')");
        json_array_append_new(params, json_string(pat ? pat : ""));
        json_array_append_new(params, json_string(pat ? pat : ""));
    }
    if (!blank(f->org)) {
        org_pat = like_pattern(f->org);
        kj_buf_puts(&sql, " AND (u.org_id = ? OR lower(o.name) LIKE lower(?) ESCAPE '\\')");
        json_array_append_new(params, json_string(f->org));
        json_array_append_new(params, json_string(org_pat ? org_pat : ""));
    }
    if (!blank(f->role)) { kj_buf_puts(&sql, " AND u.role = ?"); json_array_append_new(params, json_string(f->role)); }
    if (!blank(f->region)) kj_buf_puts(&sql, " AND u.region IN (SELECT code FROM sub)");
    if (!blank(f->status)) {
        kj_buf_puts(&sql, !strcmp(f->status, "deleted") ? " AND u.deleted_at IS NOT NULL" :
                          !strcmp(f->status, "disabled") ? " AND u.disabled = 1 AND u.deleted_at IS NULL" :
                                                           " AND u.disabled = 0 AND u.deleted_at IS NULL");
    }
    free(pat);
    free(org_pat);
    /* The same FROM and WHERE for the count and the page. */
    static const char sub[] = "WITH RECURSIVE sub(code) AS (SELECT ? UNION ALL SELECT r.code FROM regions r "
                              "JOIN sub ON r.parent = sub.code) SELECT ";
    char *where = kj_buf_steal(&sql, NULL);
    kj_buf q = { 0 };
    kj_buf_printf(&q, "%scount(*)%s", sub, where);
    *total = kj_db_int_j(db, 0, q.data, params);
    kj_buf_reset(&q);
    kj_buf_printf(&q, "%s%s%s", sub, ADMIN_USER_COLUMNS, where);
    int per = f->per_page < 1 ? 20 : f->per_page > 100 ? 100 : f->per_page;
    int page = f->page < 1 ? 1 : f->page;
    kj_buf_printf(&q, " ORDER BY u.id DESC LIMIT %d OFFSET %lld", per, (long long)(page - 1) * per);
    json_t *rows = kj_db_rows_j(db, q.data, params);
    kj_buf_free(&q);
    free(where);
    json_decref(params);
    return rows;
}

json_t *kj_admin_audit_list(kj_db *db, const kj_audit_filter *f, int64_t *total)
{
    kj_buf sql = { 0 };
    kj_buf_puts(&sql, " FROM audit_log a LEFT JOIN users t ON t.id = a.target_id AND a.target_type = 'user' WHERE 1 = 1");
    json_t *params = json_array();
    if (!blank(f->action)) {
        size_t n = strlen(f->action);
        if (f->action[n - 1] == '.') {
            kj_buf_puts(&sql, " AND substr(a.action, 1, ?) = ?");
            json_array_append_new(params, json_integer((json_int_t)n));
        } else {
            kj_buf_puts(&sql, " AND a.action = ?");
        }
        json_array_append_new(params, json_string(f->action));
    }
    if (!blank(f->actor) && !strcmp(f->actor, "cli")) kj_buf_puts(&sql, " AND a.actor_id IS NULL");
    else if (!blank(f->actor)) { kj_buf_puts(&sql, " AND a.actor_id = ?"); json_array_append_new(params, json_string(f->actor)); }
    if (!blank(f->target)) { kj_buf_puts(&sql, " AND a.target_id = ?"); json_array_append_new(params, json_string(f->target)); }
    char *where = kj_buf_steal(&sql, NULL);
    kj_buf q = { 0 };
    kj_buf_printf(&q, "SELECT count(*)%s", where);
    *total = kj_db_int_j(db, 0, q.data, params);
    kj_buf_reset(&q);
    kj_buf_printf(&q, "SELECT %s%s", "a.id, a.created_at AS at, coalesce(a.actor_id, 'cli') AS actor, a.actor_id, a.actor_name, a.action, "
                             "a.target_type AS target_kind, a.target_id, t.name AS target_name, a.reason, a.detail AS detail__json", where);
    int per = f->per_page < 1 ? 50 : f->per_page > 100 ? 100 : f->per_page;
    int page = f->page < 1 ? 1 : f->page;
    kj_buf_printf(&q, " ORDER BY a.created_at DESC, a.id DESC LIMIT %d OFFSET %lld", per, (long long)(page - 1) * per);
    json_t *rows = kj_db_rows_j(db, q.data, params);
    kj_buf_free(&q);
    free(where);
    json_decref(params);
    return rows;
}
