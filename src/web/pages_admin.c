/*
 * pages_admin.c — the administrator's user list (search, role, expert
 * flag, disable / enable, reset link, jurisdiction) and the audit log
 * page. See pages_admin.h.
 */
#include "web/pages_admin.h"
#include "account/admin.h"
#include "account/membership.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "web/i18n.h"
#include "web/pages_center.h"
#include "web/market_view.h"
#include <stdlib.h>
#include <string.h>

#define PER_PAGE 50

/* Choices for a <select>: codes with labels "<prefix><code>", the current one marked. */
static json_t *choices(kj_req *req, const char *const *codes, const char *prefix, const char *selected)
{
    json_t *out = json_array();
    for (; *codes; codes++) {
        char key[128];
        snprintf(key, sizeof key, "%s%s", prefix, *codes);
        json_array_append_new(out, json_pack("{s:s, s:s, s:b}", "code", *codes, "label", kj_tr(req, key),
                                             "selected", selected && !strcmp(selected, *codes)));
    }
    return out;
}

static const char *in_or_empty(kj_req *req, const char *name)
{
    const char *v = kj_in_str(req, name);
    return v ? v : "";
}

/* The filter's query string (for the pager's links), URL-encoded. */
static const char *filter_query(kj_req *req, const char *const *names)
{
    kj_buf b = { 0 };
    for (; *names; names++) {
        const char *v = kj_in_str(req, *names);
        if (!v || !*v) continue;
        kj_buf_printf(&b, "&%s=", *names);
        kj_url_encode(&b, v);
    }
    const char *out = kj_arena_strdup(req->arena, b.data ? b.data : "");
    kj_buf_free(&b);
    return out;
}

void kj_page_admin_users(kj_req *req)
{
    if (kj_has_errors(req)) { kj_error(req, 400, "err.form.check"); return; }
    kj_user_filter f = { kj_in_str(req, "q"), kj_in_str(req, "org"), kj_in_str(req, "role"), kj_in_str(req, "region"),
                         kj_in_str(req, "status"), (int)kj_in_int(req, "page", 1), PER_PAGE };
    int64_t total = 0;
    kj_err fail = { 0 };
    kj_db *db = kj_req_db(req);
    json_t *users = kj_admin_users_find(db, &f, &total, &fail);
    if (!users) { kj_error(req, fail.kind ? 400 : 500, fail.key ? fail.key : "err.internal"); return; }
    size_t i;
    json_t *u;
    const char *me = kj_user_id(req->user);
    json_array_foreach(users, i, u) {
        const char *role = kj_jstr_or_empty(u, "role");
        json_object_set_new(u, "roles", choices(req, kj_roles, "role.", role));
        json_t *verified = json_object_get(u, "email_verified_at");
        json_object_set_new(u, "verified", json_boolean(verified && !json_is_null(verified)));
        json_object_set_new(u, "self", json_boolean(me && !strcmp(me, kj_jstr_or_empty(u, "id"))));
        json_object_set_new(u, "role_label", json_string(kj_tr(req, kj_arena_printf(req->arena, "role.%s", role))));
        /* Only operators review: an administrator appoints them to a
         * service center, whose region is their jurisdiction. */
        if (!strcmp(role, "operator")) {
            json_object_set_new(u, "centers", kj_center_choices(req, kj_jstr(u, "center_id")));
            json_object_set_new(u, "may_appoint", json_true());
            json_object_set_new(u, "is_center_head", json_boolean(!strcmp(kj_jstr_or_empty(u, "center_role"), "head")));
        }
    }
    json_t *log = kj_jurisdiction_log(db, 20);
    json_array_foreach(log, i, u) {
        static const char *const cols[] = { "old_region", "new_region" };
        for (int k = 0; k < 2; k++) {
            const char *code = kj_jstr(u, cols[k]);
            char *label = code ? kj_region_label(db, code, req->lang) : NULL;
            json_object_set_new(u, k ? "new_label" : "old_label", json_string(label ? label : "—"));
            free(label);
        }
        char when[32];
        kj_format_date(json_integer_value(json_object_get(u, "created_at")), when, sizeof when);
        json_object_set_new(u, "when", json_string(when));
    }
    static const char *const filter_names[] = { "q", "org", "role", "region", "status", NULL };
    int page = f.page < 1 ? 1 : f.page;
    json_t *d = json_pack("{s:o, s:I, s:i, s:o, s:o, s:o, s:o, s:s, s:s, s:s}",
                          "users", users, "total", (json_int_t)total, "page", page,
                          "jurisdiction_log", log ? log : json_array(),
                          "role_filter", choices(req, kj_roles, "role.", f.role),
                          "status_filter", choices(req, kj_user_statuses, "admin.users.status.", f.status),
                          "region_filter", kj_region_options(req, f.region),
                          "q", in_or_empty(req, "q"), "org", in_or_empty(req, "org"),
                          "filter_query", filter_query(req, filter_names));
    const char *resent = kj_req_query(req, "resent");
    if (resent) json_object_set_new(d, !strcmp(resent, "soon") ? "resend_soon" : !strcmp(resent, "already") ? "resend_already" : "resent",
                                    json_true());
    /* What the last action did, named by a fixed set of keys. */
    static const char *const done_keys[] = { "disabled", "enabled", "role", "reset", NULL };
    const char *done = kj_req_query(req, "done");
    if (done && kj_in_list(done_keys, done))
        json_object_set_new(d, "done", json_string(kj_tr(req, kj_arena_printf(req->arena, "admin.users.done.%s", done))));
    if (page > 1) json_object_set_new(d, "prev_page", json_integer(page - 1));
    if ((int64_t)page * PER_PAGE < total) json_object_set_new(d, "next_page", json_integer(page + 1));
    kj_render(req, 200, "admin_users", d);
}

/* A refused action: the error page with the domain's message and status. */
static void refused(kj_req *req, const kj_err *f)
{
    int st = kj_err_status(f);
    kj_error(req, st, f->key ? f->key : "err.internal");
}

static const char *param_id(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    return kj_id_valid(id) ? id : NULL;
}

void kj_page_admin_role_post(kj_req *req)
{
    if (kj_has_errors(req)) { kj_error(req, 422, "err.form.check"); return; }
    const char *id = param_id(req);
    if (!id) { kj_error(req, 404, "err.not_found"); return; }
    kj_err fail = { 0 };
    if (kj_admin_set_role(kj_req_db(req), kj_user_id(req->user), id, kj_in_str(req, "role"), kj_in_bool(req, "is_expert"),
                          kj_in_str(req, "reason"), &fail)) {
        refused(req, &fail);
        return;
    }
    kj_resp_redirect(req, "/admin/users?done=role");
}

static void set_disabled(kj_req *req, bool disabled)
{
    if (kj_has_errors(req)) { kj_error(req, 422, "err.form.check"); return; }
    const char *id = param_id(req);
    if (!id) { kj_error(req, 404, "err.not_found"); return; }
    kj_err fail = { 0 };
    if (kj_admin_set_disabled(kj_req_db(req), kj_user_id(req->user), id, disabled, kj_in_str(req, "reason"), &fail)) {
        refused(req, &fail);
        return;
    }
    kj_resp_redirect(req, disabled ? "/admin/users?done=disabled" : "/admin/users?done=enabled");
}

void kj_page_admin_disable(kj_req *req) { set_disabled(req, true); }
void kj_page_admin_enable(kj_req *req) { set_disabled(req, false); }

void kj_page_admin_reset(kj_req *req)
{
    const char *id = param_id(req);
    if (!id) { kj_error(req, 404, "err.not_found"); return; }
    kj_err fail = { 0 };
    if (kj_admin_send_reset(kj_req_db(req), kj_user_id(req->user), id, &fail)) { refused(req, &fail); return; }
    kj_resp_redirect(req, "/admin/users?done=reset");
}

/* Audit entries for a page: a date, who (a name, or "command line"), what. */
static void decorate_audit(kj_req *req, json_t *rows)
{
    size_t i;
    json_t *e;
    json_array_foreach(rows, i, e) {
        /* In the instance's time zone and the reader's words, as every page
         * shows times; the ISO form stays for <time datetime>. */
        kj_set_when(req, e, "at", "when");
        const char *action = kj_jstr_or_empty(e, "action");
        const char *key = kj_arena_printf(req->arena, "audit.action.%s", action);
        const char *label = kj_tr(req, key);
        json_object_set_new(e, "action_label", json_string(strcmp(label, key) ? label : action));
        json_t *detail = json_object_get(e, "detail");
        char *text = detail && json_object_size(detail) ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_object_set_new(e, "detail_text", json_string(text ? text : ""));
        free(text);
    }
}

void kj_page_admin_audit(kj_req *req)
{
    if (kj_has_errors(req)) { kj_error(req, 400, "err.form.check"); return; }
    kj_audit_filter f = { kj_in_str(req, "action"), kj_in_str(req, "actor"), kj_in_str(req, "target"),
                          (int)kj_in_int(req, "page", 1), PER_PAGE };
    int64_t total = 0;
    json_t *rows = kj_admin_audit_list(kj_req_db(req), &f, &total);
    if (!rows) { kj_error(req, 500, "err.internal"); return; }
    decorate_audit(req, rows);
    static const char *const filter_names[] = { "action", "actor", "target", NULL };
    int page = f.page < 1 ? 1 : f.page;
    json_t *d = json_pack("{s:o, s:I, s:i, s:s, s:s, s:s, s:s}", "entries", rows, "total", (json_int_t)total, "page", page,
                          "action", in_or_empty(req, "action"), "actor", in_or_empty(req, "actor"),
                          "target", in_or_empty(req, "target"), "filter_query", filter_query(req, filter_names));
    if (page > 1) json_object_set_new(d, "prev_page", json_integer(page - 1));
    if ((int64_t)page * PER_PAGE < total) json_object_set_new(d, "next_page", json_integer(page + 1));
    kj_render(req, 200, "admin_audit", d);
}
