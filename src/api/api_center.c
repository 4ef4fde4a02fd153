/*
 * api_center.c — the JSON API of service centers (/api/v1/service-centers):
 * the public directory and center, creating centers (administrators),
 * contact details (administrators and the head), staff (administrators
 * appoint anyone as head or staff; a head adds and removes staff of their
 * own center). Refusals come from center/center.h as problem+json.
 */
#include "web/app.h"
#include "web/home_region.h"
#include "api/api.h"
#include "authz/authz.h"
#include "center/center.h"
#include "core/id.h"
#include "core/json_util.h"
#include "web/pages_center.h"
#include <stdlib.h>
#include <string.h>

static void refuse(kj_req *req, int status, const kj_err *f)
{
    if (status == 422) { kj_req_fail(req, f); kj_api_invalid(req); return; }
    kj_error(req, status, f->key ? f->key : "err.internal");
}

void kj_api_centers(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    bool defaulted;   /* the home region, when the request names none (web/home_region.h) */
    const char *region = kj_region_filter(req, "region", &defaulted);
    if (!kj_center_region_ok(req, region)) { kj_field_error(req, "region", "err.region.unknown"); kj_api_invalid(req); return; }
    json_t *items = kj_center_list(kj_req_db(req), region, kj_in_str(req, "level"));
    json_t *out = json_array();
    size_t i;
    json_t *c;
    /* The directory's fields only: staff and activity are on each center. */
    json_array_foreach(items, i, c) {
        json_t *v = kj_center_view(req, kj_jstr(c, "id"), false);
        if (!v) continue;
        json_object_del(v, "staff");
        json_object_del(v, "children");
        json_object_del(v, "parents");
        json_array_append_new(out, v);
    }
    json_decref(items);
    json_t *body = json_pack("{s:o, s:I}", "items", out, "total", (json_int_t)json_array_size(out));
    if (defaulted) json_object_set_new(body, "region_default", json_string(region));
    kj_resp_json(req, 200, body);
}

static void send_center(kj_req *req, int status, const char *id)
{
    json_t *c = kj_id_valid(id) ? kj_center_view(req, id, kj_center_may_see_staff(req, id)) : NULL;
    if (!c) { kj_error(req, 404, "err.not_found"); return; }
    kj_center_add_figures(req, c);
    json_object_del(json_object_get(c, "figures"), "rating_text");
    kj_resp_json(req, status, c);
}

void kj_api_center(kj_req *req) { send_center(req, 200, kj_req_param(req, 0)); }

static json_t *input(kj_req *req, bool create)
{
    static const char *const fields[] = { "name_zh", "name_en", "level", "region", "parent_id", "address", "phone",
                                          "hours", "intro", NULL };
    json_t *c = json_object();
    for (int i = 0; fields[i]; i++) {
        if (!create && (!strcmp(fields[i], "level") || !strcmp(fields[i], "region") || !strcmp(fields[i], "parent_id"))) continue;
        const char *v = kj_in_str(req, fields[i]);
        /* A sent "" clears a contact field (the validator leaves empties out). */
        if (!v && req->json_body && json_is_string(json_object_get(req->json_body, fields[i]))) v = "";
        if (v) json_object_set_new(c, fields[i], json_string(v));
    }
    return c;
}

void kj_api_center_create(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    json_t *c = input(req, true);
    char id[KJ_ID_LEN + 1];
    kj_err f = { 0 };
    int st = kj_center_create(kj_req_db(req), kj_user_id(req->user), c, id, &f) ? kj_err_status(&f) : 0;
    json_decref(c);
    if (st) { refuse(req, st, &f); return; }
    send_center(req, 201, id);
}

void kj_api_center_patch(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (kj_has_errors(req)) {
        /* Whoever may not edit learns that first, not which field was wrong. */
        if (!kj_authz_may_edit_center(req->user, id)) { kj_error(req, kj_id_valid(id) ? 403 : 404, "err.forbidden"); return; }
        kj_api_invalid(req);
        return;
    }
    json_t *c = input(req, false);
    kj_err f = { 0 };
    int st = kj_center_update(kj_req_db(req), kj_user_id(req->user), id, c, &f) ? kj_err_status(&f) : 0;
    json_decref(c);
    if (st) { refuse(req, st, &f); return; }
    send_center(req, 200, id);
}

static void send_staff(kj_req *req, int status, const char *id)
{
    json_t *c = kj_center_view(req, id, true);
    if (!c) { kj_error(req, 404, "err.not_found"); return; }
    json_t *staff = json_incref(json_object_get(c, "staff_contacts"));
    json_decref(c);
    kj_resp_json(req, status, json_pack("{s:s, s:o}", "center_id", id, "items", staff ? staff : json_array()));
}

void kj_api_center_staff(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *c = kj_center_get(kj_req_db(req), id);
    if (!c) { kj_error(req, 404, "err.not_found"); return; }
    json_decref(c);
    if (!kj_center_may_see_staff(req, id)) { kj_error(req, 403, "err.center.not_yours"); return; }
    send_staff(req, 200, id);
}

void kj_api_center_staff_add(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (kj_has_errors(req)) {
        if (!kj_authz_may_appoint_staff(req->user, id, "staff")) { kj_error(req, kj_id_valid(id) ? 403 : 404, "err.forbidden"); return; }
        kj_api_invalid(req);
        return;
    }
    kj_db *db = kj_req_db(req);
    char *uid = kj_center_find_user(db, kj_in_str(req, "user"));
    kj_err f = { 0 };
    int st;
    if (!uid) {
        kj_err_set(&f, KJ_E_INVALID, "err.center.no_user", "user");
        /* Unknown to someone who may not appoint here at all: 403 first. */
        st = kj_authz_may_appoint_staff(req->user, id, kj_in_str(req, "role")) ? 422 : 403;
        if (st == 403) f.key = "err.forbidden";
    } else {
        st = kj_center_appoint(db, kj_user_id(req->user), id, uid, kj_in_str(req, "role"), kj_in_str(req, "reason"), &f)
                 ? kj_err_status(&f) : 0;
    }
    free(uid);
    if (st) {
        if (f.field && !strcmp(f.field, "user_id")) f.field = "user";
        refuse(req, st, &f);
        return;
    }
    send_staff(req, 201, id);
}

void kj_api_center_staff_remove(kj_req *req)
{
    const char *id = kj_req_param(req, 0), *uid = kj_req_param(req, 1);
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    json_t *at = kj_id_valid(uid) ? kj_center_of_user(kj_req_db(req), uid) : NULL;
    bool here = at && !strcmp(kj_jstr_or_empty(at, "center_id"), id);
    json_decref(at);
    if (!here) { kj_error(req, 404, "err.not_found"); return; }
    const char *reason = kj_in_str(req, "reason");
    kj_err f = { 0 };
    int st = kj_center_remove_staff(kj_req_db(req), kj_user_id(req->user), uid, reason, &f) ? kj_err_status(&f) : 0;
    if (st) { refuse(req, st, &f); return; }
    req->status = 204;
    req->content_type = NULL;
}

void kj_api_desk(kj_req *req) { kj_resp_json(req, 200, kj_desk_data(req)); }
