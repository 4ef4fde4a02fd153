/*
 * api_admin.c — account administration over the API (issue 14 item 5):
 * find users, role and expert flag, disable / enable, reset link, audit
 * log. Administrators only (route access; the domain asks authz again).
 */
#include "web/pages_admin.h"
#include "account/admin.h"
#include "core/id.h"
#include "core/json_util.h"
#include <string.h>

static const char *param_id(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    return kj_id_valid(id) ? id : NULL;
}

static json_t *user_item(json_t *u)
{
    json_t *out = json_deep_copy(u);
    json_object_set_new(out, "is_expert", json_boolean(json_integer_value(json_object_get(u, "is_expert"))));
    json_object_set_new(out, "disabled", json_boolean(json_integer_value(json_object_get(u, "disabled"))));
    json_object_set_new(out, "deleted", json_boolean(json_integer_value(json_object_get(u, "deleted"))));
    json_t *verified = json_object_get(u, "email_verified_at");
    json_object_set_new(out, "email_verified", json_boolean(verified && !json_is_null(verified)));
    json_object_del(out, "email_verified_at");
    return out;
}

static void api_refused(kj_req *req, const kj_err *f)
{
    if (f->kind == KJ_E_INVALID) { kj_req_fail(req, f); kj_api_invalid(req); return; }
    kj_error(req, kj_err_status(f), f->key ? f->key : "err.internal");
}

void kj_api_admin_users(kj_req *req)
{
    kj_user_filter f = { kj_in_str(req, "q"), kj_in_str(req, "org"), kj_in_str(req, "role"), kj_in_str(req, "region"),
                         kj_in_str(req, "status"), (int)kj_in_int(req, "page", 1), (int)kj_in_int(req, "per_page", 20) };
    int64_t total = 0;
    kj_err fail = { 0 };
    json_t *users = kj_admin_users_find(kj_req_db(req), &f, &total, &fail);
    if (!users) { if (fail.kind) api_refused(req, &fail); else kj_error(req, 500, "err.internal"); return; }
    json_t *items = json_array(), *u;
    size_t i;
    json_array_foreach(users, i, u) json_array_append_new(items, user_item(u));
    json_decref(users);
    kj_resp_json(req, 200, json_pack("{s:o, s:I, s:i, s:i}", "items", items, "total", (json_int_t)total,
                                     "page", f.page < 1 ? 1 : f.page, "per_page", f.per_page));
}

/* The user as the admin list shows it, after an action. */
static void answer_user(kj_req *req, const char *id)
{
    json_t *u = kj_admin_user_get(kj_req_db(req), id);
    if (!u) { kj_error(req, 500, "err.internal"); return; }
    json_t *out = user_item(u);
    json_decref(u);
    kj_resp_json(req, 200, out);
}

void kj_api_admin_role(kj_req *req)
{
    const char *id = param_id(req);
    if (!id) { kj_error(req, 404, "err.not_found"); return; }
    kj_err fail = { 0 };
    json_t *expert = json_object_get(req->in, "is_expert");
    if (kj_admin_set_role(kj_req_db(req), kj_user_id(req->user), id, kj_in_str(req, "role"),
                          expert ? kj_in_bool(req, "is_expert") : -1, kj_in_str(req, "reason"), &fail)) {
        api_refused(req, &fail);
        return;
    }
    answer_user(req, id);
}

static void api_set_disabled(kj_req *req, bool disabled)
{
    const char *id = param_id(req);
    if (!id) { kj_error(req, 404, "err.not_found"); return; }
    kj_err fail = { 0 };
    if (kj_admin_set_disabled(kj_req_db(req), kj_user_id(req->user), id, disabled, kj_in_str(req, "reason"), &fail)) {
        api_refused(req, &fail);
        return;
    }
    answer_user(req, id);
}

void kj_api_admin_disable(kj_req *req) { api_set_disabled(req, true); }
void kj_api_admin_enable(kj_req *req) { api_set_disabled(req, false); }

void kj_api_admin_reset(kj_req *req)
{
    const char *id = param_id(req);
    if (!id) { kj_error(req, 404, "err.not_found"); return; }
    kj_err fail = { 0 };
    if (kj_admin_send_reset(kj_req_db(req), kj_user_id(req->user), id, &fail)) { api_refused(req, &fail); return; }
    kj_resp_json(req, 202, json_pack("{s:s}", "status", "reset_link_sent"));
}

void kj_api_admin_audit(kj_req *req)
{
    kj_audit_filter f = { kj_in_str(req, "action"), kj_in_str(req, "actor"), kj_in_str(req, "target"),
                          (int)kj_in_int(req, "page", 1), (int)kj_in_int(req, "per_page", 50) };
    int64_t total = 0;
    json_t *rows = kj_admin_audit_list(kj_req_db(req), &f, &total);
    if (!rows) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_json(req, 200, json_pack("{s:o, s:I, s:i, s:i}", "items", rows, "total", (json_int_t)total,
                                     "page", f.page < 1 ? 1 : f.page, "per_page", f.per_page));
}
