/*
 * api_org.c — the JSON API of organization membership and jurisdiction:
 * join requests (file, list, approve, refuse, withdraw), members and org
 * roles, and the log of operators' jurisdiction changes (administrators).
 *
 * Who may act is decided by the domain (account/membership.h asking
 * authz/authz.h); a refusal comes back as problem+json with its status.
 */
#include "web/app.h"
#include "api/api.h"
#include "core/json_util.h"
#include "account/membership.h"
#include "core/id.h"
#include "web/pages_org.h"
#include <string.h>

/* A domain refusal: 422 names the field; others are a problem with a message. */
static void refuse(kj_req *req, int status, const kj_err *f)
{
    if (status == 422) { kj_req_fail(req, f); kj_api_invalid(req); return; }
    kj_error(req, status, f->key ? f->key : "err.internal");
}

json_t *kj_org_request_view(kj_req *req)
{
    json_t *p = req->user ? kj_org_request_pending(kj_req_db(req), kj_user_id(req->user)) : NULL;
    if (!p) return NULL;
    json_t *out = json_pack("{s:O?, s:O?, s:O?, s:s, s:O?}", "id", json_object_get(p, "id"),
                            "org_id", json_object_get(p, "org_id"), "org_name", json_object_get(p, "org_name"),
                            "status", "pending", "created_at", json_object_get(p, "created_at"));
    json_decref(p);
    return out;
}

static void send_request(kj_req *req, int status, const char *id)
{
    json_t *r = kj_org_request_get(kj_req_db(req), id);
    if (!r) { kj_error(req, 404, "err.not_found"); return; }
    json_object_del(r, "user_email");
    kj_resp_json(req, status, r);
}

void kj_api_org_request_file(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    char id[KJ_ID_LEN + 1];
    kj_err f = { 0 };
    int st = kj_org_request_file(kj_req_db(req), kj_user_id(req->user), kj_in_str(req, "credit_code"), kj_in_str(req, "note"), id, &f) ? kj_err_status(&f) : 0;
    if (st) { refuse(req, st, &f); return; }
    send_request(req, 201, id);
}

void kj_api_org_requests(kj_req *req)
{
    json_t *items = kj_org_requests_decidable(kj_req_db(req), req->user);
    json_t *mine = kj_org_request_view(req);
    kj_resp_json(req, 200, json_pack("{s:o, s:o}", "items", items, "mine", mine ? mine : json_null()));
}

static void decide(kj_req *req, bool approve)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    const char *id = kj_req_param(req, 0);
    kj_err f = { 0 };
    int st = kj_org_request_decide(kj_req_db(req), kj_user_id(req->user), id, approve, kj_in_str(req, "reason"), &f) ? kj_err_status(&f) : 0;
    if (st) { refuse(req, st, &f); return; }
    send_request(req, 200, id);
}

void kj_api_org_request_approve(kj_req *req) { decide(req, true); }
void kj_api_org_request_refuse(kj_req *req) { decide(req, false); }

void kj_api_org_request_withdraw(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    kj_err f = { 0 };
    int st = kj_org_request_withdraw(kj_req_db(req), kj_user_id(req->user), id, &f) ? kj_err_status(&f) : 0;
    if (st) { refuse(req, st, &f); return; }
    send_request(req, 200, id);
}

void kj_api_org_members(kj_req *req)
{
    const char *org = kj_req_param(req, 0);
    json_t *m = kj_id_valid(org) ? kj_org_members(kj_req_db(req), req->user, org) : NULL;
    if (!m) { kj_error(req, 403, "err.org.not_admin"); return; }
    kj_resp_json(req, 200, json_pack("{s:o}", "items", m));
}

void kj_api_org_pending(kj_req *req)
{
    const char *org = kj_req_param(req, 0);
    json_t *m = kj_id_valid(org) ? kj_org_requests_pending_for(kj_req_db(req), req->user, org) : NULL;
    if (!m) { kj_error(req, 403, "err.org.forbidden"); return; }
    kj_resp_json(req, 200, json_pack("{s:o}", "items", m));
}

void kj_api_org_member_role(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    kj_err f = { 0 };
    const char *org = kj_req_param(req, 0), *uid = kj_req_param(req, 1), *role = kj_in_str(req, "org_role");
    int st = kj_org_member_set_role(kj_req_db(req), kj_user_id(req->user), org, uid, role, &f) ? kj_err_status(&f) : 0;
    if (st) { refuse(req, st, &f); return; }
    /* The list is checked against the actor as the write left them (req->user
     * is the row from before it): an admin who just stepped down no longer
     * sees the members. */
    json_t *now = kj_user_get(kj_req_db(req), kj_user_id(req->user));
    json_t *items = now ? kj_org_members(kj_req_db(req), now, org) : NULL;
    json_decref(now);
    json_t *out = json_pack("{s:{s:s, s:s}}", "member", "id", uid, "org_role", role);
    if (items) json_object_set_new(out, "items", items);
    kj_resp_json(req, 200, out);
}

void kj_api_org_member_remove(kj_req *req)
{
    kj_err f = { 0 };
    int st = kj_org_member_remove(kj_req_db(req), kj_user_id(req->user), kj_req_param(req, 0), kj_req_param(req, 1), &f) ? kj_err_status(&f) : 0;
    if (st) { refuse(req, st, &f); return; }
    req->status = 204;
    req->content_type = NULL;
}

void kj_api_jurisdiction_log(kj_req *req)
{
    json_t *items = kj_jurisdiction_log(kj_req_db(req), (int)kj_in_int(req, "limit", 100));
    if (!items) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_json(req, 200, json_pack("{s:o}", "items", items));
}
