/*
 * api_privacy.c — consent, data export and account deletion over the API
 * (issue 14 item 7), and following volunteer teams (item 6). See
 * web/pages_privacy.h.
 */
#include "web/pages_privacy.h"
#include "account/privacy.h"
#include "core/json_util.h"
#include "popsci/follow.h"
#include <string.h>
#include "web/pages_instance.h"

static kj_policy_versions versions(kj_req *req) { return kj_req_policy_versions(req); }

static json_t *keeps(kj_req *req)
{
    json_t *out = json_array();
    for (const char *const *k = kj_deletion_keeps; *k; k++) json_array_append_new(out, json_string(kj_tr(req, *k)));
    return out;
}

static json_t *consent_state(kj_req *req)
{
    kj_policy_versions v = versions(req);
    return json_pack("{s:b, s:{s:s, s:s}, s:{s:s, s:s}, s:o}",
                     "required", kj_consent_needed(kj_req_db(req), kj_user_id(req->user), &v),
                     "terms", "version", v.terms, "url", "/terms",
                     "privacy", "version", v.privacy, "url", "/privacy",
                     "consents", kj_consent_list(kj_req_db(req), kj_user_id(req->user)));
}

void kj_api_consent(kj_req *req) { kj_resp_json(req, 200, consent_state(req)); }

void kj_api_consent_post(kj_req *req)
{
    if (!kj_in_bool(req, "accept")) {
        kj_field_error(req, "accept", "err.consent.required");
        kj_api_invalid(req);
        return;
    }
    kj_policy_versions v = versions(req);
    kj_err e = { 0 };
    if (kj_consent_accept(kj_req_db(req), kj_user_id(req->user), &v, &e)) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_json(req, 200, consent_state(req));
}

void kj_api_account_export(kj_req *req)
{
    json_t *data = kj_account_export(kj_req_db(req), kj_user_id(req->user));
    if (!data) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_header(req, "Cache-Control", "no-store");
    kj_resp_json(req, 200, data);
}

void kj_api_account_delete(kj_req *req)
{
    kj_err e = { 0 };
    if (kj_account_delete(kj_req_db(req), kj_user_id(req->user), kj_in_str(req, "password"), &e)) {
        if (e.kind == KJ_E_INVALID) { kj_req_fail(req, &e); kj_api_invalid(req); return; }
        kj_error(req, kj_err_status(&e), e.key);
        return;
    }
    kj_resp_cookie(req, "kj_session", "", 0, true);
    kj_resp_json(req, 200, json_pack("{s:s, s:o}", "status", "deleted", "kept", keeps(req)));
}

static void follow(kj_req *req, bool on)
{
    kj_err e = { 0 };
    const char *team = kj_req_param(req, 0);
    if (kj_team_follow(kj_req_db(req), kj_user_id(req->user), team, on, &e)) { kj_error(req, kj_err_status(&e), e.key); return; }
    kj_resp_json(req, 200, json_pack("{s:s, s:b, s:I}", "team_id", team, "following", on,
                                     "followers", (json_int_t)kj_team_followers(kj_req_db(req), team)));
}

void kj_api_team_follow(kj_req *req) { follow(req, true); }
void kj_api_team_unfollow(kj_req *req) { follow(req, false); }
