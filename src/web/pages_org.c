/*
 * pages_org.c — the pages of organization membership: a user's join
 * request, the requests one may decide, an organization's members (its
 * admins only).
 *
 * Who may see or do what is the domain's answer (account/membership.h,
 * asking authz/authz.h); these handlers only render it.
 */
#include "web/pages_org.h"
#include "core/validate.h"
#include "core/json_util.h"
#include "account/membership.h"
#include "authz/authz.h"
#include "core/id.h"
#include <stdlib.h>
#include <string.h>

/* Local paths only, so that ?next= cannot send a user elsewhere. */
static const char *local_next(const char *next, const char *dflt) { return kj_local_path(next, dflt); }

static void refused(kj_req *req, int status, const kj_err *f)
{
    kj_error(req, status == 422 ? 400 : status, f->key ? f->key : "err.internal");
}

/* ---- a user's own request ---- */

static void render_request(kj_req *req, int status, bool sent)
{
    json_t *d = json_object();
    json_t *pending = kj_org_request_view(req);
    if (pending) json_object_set_new(d, "pending", pending);
    json_object_set_new(d, "sent", json_boolean(sent));
    json_object_set_new(d, "in_org", json_boolean(json_string_value(json_object_get(req->user, "org_id")) != NULL));
    json_object_set_new(d, "may_request",
                        json_boolean(!strcmp(json_string_value(json_object_get(req->user, "role")), "org_member")));
    kj_render(req, status, "org_request", d);
}

void kj_page_org_request(kj_req *req) { render_request(req, 200, kj_req_query(req, "sent") != NULL); }

void kj_page_org_request_post(kj_req *req)
{
    if (kj_has_errors(req)) { render_request(req, 422, false); return; }
    kj_err f = { 0 };
    char id[KJ_ID_LEN + 1];
    int st = kj_org_request_file(kj_req_db(req), kj_user_id(req->user), kj_in_str(req, "credit_code"), kj_in_str(req, "note"), id, &f) ? kj_err_status(&f) : 0;
    if (st) {
        kj_req_fail(req, &f);
        render_request(req, st == 500 ? 500 : st == 403 ? 403 : st == 409 ? 409 : 422, false);
        return;
    }
    kj_resp_redirect(req, "/account/org-request?sent=1");
}

void kj_page_org_request_withdraw(kj_req *req)
{
    json_t *p = kj_org_request_pending(kj_req_db(req), kj_user_id(req->user));
    if (!p) { kj_error(req, 404, "err.not_found"); return; }
    kj_err f = { 0 };
    int st = kj_org_request_withdraw(kj_req_db(req), kj_user_id(req->user), json_string_value(json_object_get(p, "id")), &f) ? kj_err_status(&f) : 0;
    json_decref(p);
    if (st) { refused(req, st, &f); return; }
    kj_resp_redirect(req, "/account/org-request");
}

/* ---- deciding ---- */

void kj_page_org_requests(kj_req *req)
{
    json_t *items = kj_org_requests_decidable(kj_req_db(req), req->user);
    kj_render(req, 200, "org_requests", json_pack("{s:o, s:s}", "requests", items, "next", "/org-requests"));
}

static void decide(kj_req *req, bool approve)
{
    kj_err f = { 0 };
    int st = kj_org_request_decide(kj_req_db(req), kj_user_id(req->user), kj_req_param(req, 0), approve, kj_in_str(req, "reason"), &f) ? kj_err_status(&f) : 0;
    if (st) { refused(req, st, &f); return; }
    kj_resp_redirect(req, local_next(kj_in_str(req, "next"), "/org-requests"));
}

void kj_page_org_request_approve(kj_req *req) { decide(req, true); }
void kj_page_org_request_refuse(kj_req *req) { decide(req, false); }

/* ---- members ---- */

void kj_page_org_members(kj_req *req)
{
    kj_db *db = kj_req_db(req);
    const char *org_id = kj_req_param(req, 0);
    json_t *org = kj_id_valid(org_id) ? kj_org_get(db, org_id) : NULL;
    if (!org) { kj_error(req, 404, "err.not_found"); return; }
    /* One rule for the page and the API (kj_authz_may_manage_members):
     * operators and administrators decide requests on /org-requests. */
    json_t *members = kj_org_members(db, req->user, org_id);
    if (!members) { json_decref(org); kj_error(req, 403, "err.org.not_admin"); return; }
    json_t *pending = kj_org_requests_pending_for(db, req->user, org_id);
    size_t i;
    json_t *m;
    const char *me = kj_user_id(req->user);
    json_array_foreach(members, i, m) {
        const char *role = json_string_value(json_object_get(m, "org_role"));
        json_object_set_new(m, "is_admin", json_boolean(role && !strcmp(role, "admin")));
        json_object_set_new(m, "is_me", json_boolean(!strcmp(json_string_value(json_object_get(m, "id")), me)));
    }
    json_t *d = json_pack("{s:o, s:s}", "org", org, "next", kj_arena_printf(req->arena, "/orgs/%s/members", org_id));
    json_object_set_new(d, "members", members);
    json_object_set_new(d, "requests", pending ? pending : json_array());
    json_object_set_new(d, "page_title", json_string(json_string_value(json_object_get(org, "name"))));
    kj_render(req, 200, "org_members", d);
}

void kj_page_org_member_role(kj_req *req)
{
    if (kj_has_errors(req)) { kj_error(req, 400, "err.form.check"); return; }
    kj_err f = { 0 };
    const char *org_id = kj_req_param(req, 0);
    int st = kj_org_member_set_role(kj_req_db(req), kj_user_id(req->user), org_id, kj_req_param(req, 1), kj_in_str(req, "org_role"), &f) ? kj_err_status(&f) : 0;
    if (st) { refused(req, st, &f); return; }
    kj_resp_redirect(req, kj_arena_printf(req->arena, "/orgs/%s/members", org_id));
}

void kj_page_org_member_remove(kj_req *req)
{
    kj_err f = { 0 };
    const char *org_id = kj_req_param(req, 0);
    int st = kj_org_member_remove(kj_req_db(req), kj_user_id(req->user), org_id, kj_req_param(req, 1), &f) ? kj_err_status(&f) : 0;
    if (st) { refused(req, st, &f); return; }
    /* An admin who removed themself may no longer see the page. */
    kj_resp_redirect(req, !strcmp(kj_req_param(req, 1), kj_user_id(req->user)) ? "/dashboard"
                                                                       : kj_arena_printf(req->arena, "/orgs/%s/members", org_id));
}
