/*
 * api_orgverify.c — the JSON API of verified organizations (实名认证):
 * the published life cycle, an organization's verification (view, apply
 * with a licence upload, verify / refuse / revoke) and the staff's queue.
 *
 * Who may act is decided by the domain (org/verify.h asking
 * authz/authz.h); a refusal comes back as problem+json with its status.
 */
#include "web/app.h"
#include "api/api.h"
#include "core/json_util.h"
#include "account/membership.h"
#include "org/verify.h"
#include "web/pages_orgverify.h"
#include <stdio.h>


/* A refusal as problem+json: 422 names the field; others carry the
 * message key as errors[0].code, so that a client can tell "your own
 * organization" from "not your region" without parsing prose. */
static void api_refused(kj_req *req, const kj_err *f)
{
    int st = kj_err_status(f);
    const char *key = f->key ? f->key : "err.internal";
    if (st == 422) { kj_req_fail(req, f); kj_api_invalid(req); return; }
    char title[32];
    snprintf(title, sizeof title, "err.http.%d", st == 403 || st == 404 || st == 409 || st == 413 ? st : 500);
    json_t *errors = json_pack("[{s:s, s:s, s:s}]", "field", f->field ? f->field : "", "code", key, "message", kj_tr(req, key));
    kj_resp_problem(req, st, kj_tr(req, title), kj_tr(req, key), errors);
}

static void api_view(kj_req *req, int status)
{
    kj_err f = { 0 };
    json_t *view = kj_orgverify_view(kj_req_db(req), req->user, kj_req_param(req, 0), &f);
    if (!view) { api_refused(req, &f); return; }
    kj_resp_json(req, status, view);
}

void kj_api_orgverify_lifecycle(kj_req *req)
{
    json_t *states = json_array();
    for (const char *const *s = kj_orgverify_states; *s; s++) json_array_append_new(states, json_string(*s));
    kj_resp_json(req, 200, json_pack("{s:o, s:o}", "states", states, "transitions", kj_orgverify_transitions()));
}

void kj_api_orgverify(kj_req *req) { api_view(req, 200); }

void kj_api_orgverify_apply(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    kj_orgverify_licence_in lic = kj_orgverify_licence_of(req);
    kj_err f = { 0 };
    if (kj_orgverify_apply(kj_req_db(req), kj_user_id(req->user), kj_req_param(req, 0), kj_in_str(req, "legal_rep"), &lic, NULL, &f)) {
        api_refused(req, &f);
        return;
    }
    api_view(req, 201);
}

void kj_api_orgverify_act(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    kj_err f = { 0 };
    if (kj_orgverify_act(kj_req_db(req), kj_user_id(req->user), kj_req_param(req, 0), kj_in_str(req, "action"), kj_in_str(req, "reason"), &f)) {
        api_refused(req, &f);
        return;
    }
    api_view(req, 200);
}

void kj_api_orgverify_queue(kj_req *req)
{
    kj_resp_json(req, 200, json_pack("{s:o}", "items", kj_orgverify_queue(kj_req_db(req), req->user)));
}

void kj_api_org_public(kj_req *req)
{
    if (kj_has_errors(req)) { kj_api_invalid(req); return; }
    if (!req->json_body || !json_is_boolean(json_object_get(req->json_body, "org_public"))) {
        kj_field_error(req, "org_public", "err.field.bool");
        kj_api_invalid(req);
        return;
    }
    kj_err f = { 0 };
    bool on = kj_in_bool(req, "org_public");
    if (kj_org_set_public(kj_req_db(req), kj_user_id(req->user), on, &f)) { api_refused(req, &f); return; }
    kj_resp_json(req, 200, json_pack("{s:b}", "org_public", on));
}
