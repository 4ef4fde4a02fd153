/*
 * api_account.c — the JSON API of accounts (/api/v1/register, login,
 * logout, me, password, organizations, regions, user administration).
 *
 * Errors are RFC 9457 problem details: 422 with per-field "errors" for
 * invalid input, 401/403 for access, 429 for rate limits.
 */
#include "web/pages_instance.h"
#include "web/app.h"
#include "api/api.h"
#include "account/security.h"
#include "core/id.h"
#include "account/membership.h"
#include "market/studio.h"
#include "account/privacy.h"
#include "web/pages_deal.h"
#include <string.h>

static json_t *user_json(kj_req *req, json_t *u)
{
    json_t *out = json_deep_copy(u);
    json_object_set_new(out, "is_expert", json_boolean(json_integer_value(json_object_get(u, "is_expert"))));
    json_t *verified = json_object_get(u, "email_verified_at");
    json_object_set_new(out, "email_verified", json_boolean(verified && !json_is_null(verified)));
    json_object_del(out, "email_verified_at");
    return out;
}

/* A user about themself: org_id is an approved membership only (the
 * column means nothing else); a pending one shows as org_request. */
static json_t *self_json(kj_req *req, json_t *u)
{
    json_t *out = user_json(req, u);
    const char *id = json_string_value(json_object_get(u, "id"));
    json_t *p = id ? kj_org_request_pending(kj_req_db(req), id) : NULL;
    json_object_set_new(out, "org_request", p ? json_pack("{s:O, s:O, s:O, s:s}", "id", json_object_get(p, "id"),
                                                          "org_id", json_object_get(p, "org_id"),
                                                          "org_name", json_object_get(p, "org_name"), "status", "pending")
                                              : json_null());
    json_decref(p);
    /* Whether the 用户协议 / 隐私政策 in force wait for acceptance
     * (POST /api/v1/me/consent): until then other calls answer 403. */
    kj_policy_versions v = kj_req_policy_versions(req);
    json_object_set_new(out, "consent_required", json_boolean(id && kj_consent_needed(kj_req_db(req), id, &v)));
    json_object_del(out, "consented_now");
    return out;
}

static void fail_422(kj_req *req, const kj_err *f)
{
    kj_req_fail(req, f);
    kj_api_invalid(req);
}

void kj_api_register(kj_req *req)
{
    kj_registration r = {
        .email = kj_in_str(req, "email"), .password = kj_in_str(req, "password"),
        .name = kj_in_str(req, "name"), .role = kj_in_str(req, "role"),
        .region = kj_in_str(req, "region"),
        .org_name = kj_in_str(req, "org_name"), .org_type = kj_in_str(req, "org_type"),
        .org_region = kj_in_str(req, "org_region"), .org_credit_code = kj_in_str(req, "org_credit_code"),
        .terms_version = kj_req_policy_versions(req).terms, .privacy_version = kj_req_policy_versions(req).privacy,
    };
    kj_err fail = { 0 };
    /* Registering accepts the 用户协议 and 隐私政策 in force (GET /terms,
     * /privacy); a client may say so explicitly, and saying no is refused. */
    if (json_object_get(req->in, "accept_terms") && !kj_in_bool(req, "accept_terms")) {
        kj_field_error(req, "accept_terms", "err.consent.required");
        kj_api_invalid(req);
        return;
    }
    if (kj_address_limited(req, "register")) return;
    if (kj_account_signup(kj_req_db(req), &r, &fail)) {
        if (fail.key && !strcmp(fail.key, "err.internal")) { kj_error(req, 500, "err.internal"); return; }
        fail_422(req, &fail);
        return;
    }
    /* The same answer for a new address and for one already registered
     * (no account enumeration): no id, no session; the account, if new,
     * signs in with /api/v1/login. */
    kj_resp_json(req, 202, json_pack("{s:s, s:s}", "status", "verification_sent", "detail", kj_tr(req, "register.check_mail")));
}

void kj_api_login(kj_req *req)
{
    char email[256], user_id[KJ_ID_LEN + 1];
    snprintf(email, sizeof email, "%s", kj_in_str(req, "email"));
    for (char *p = email; *p; p++) if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    long retry = 0;
    kj_login_limits limits = kj_req_login_limits(req);
    enum kj_login_result r = kj_account_login(kj_req_db(req), email, kj_in_str(req, "password"), req->client_ip,
                                              &limits, user_id, &retry);
    if (r == KJ_LOGIN_ERROR) { kj_error(req, 500, "err.internal"); return; }
    if (r == KJ_LOGIN_LIMITED) {
        kj_resp_header(req, "Retry-After", kj_arena_printf(req->arena, "%ld", retry));
        kj_resp_problem(req, 429, kj_tr(req, "err.http.429"),
                        kj_trf(req, "err.login.limited_s", kj_arena_printf(req->arena, "%ld", retry)), NULL);
        return;
    }
    if (r == KJ_LOGIN_BAD) {
        kj_resp_problem(req, 401, kj_tr(req, "err.http.401"), kj_tr(req, "err.login.bad"), NULL);
        return;
    }
    if (r == KJ_LOGIN_DISABLED) {
        kj_resp_problem(req, 403, kj_tr(req, "err.http.403"), kj_tr(req, "err.login.disabled"), NULL);
        return;
    }
    char token[64];
    if (kj_login_session(req, user_id, "api", token)) { kj_error(req, 500, "err.internal"); return; }
    json_t *u = kj_user_get(kj_req_db(req), user_id);
    kj_resp_json(req, 200, json_pack("{s:o, s:s, s:s}", "user", self_json(req, u), "token", token, "token_type", "Bearer"));
    json_decref(u);
}

void kj_api_logout(kj_req *req)
{
    if (req->session_token) kj_session_delete(kj_req_db(req), req->session_token);
    kj_resp_cookie(req, "kj_session", "", 0, true);
    kj_csrf_rotate(req);
    req->status = 204;
    req->content_type = NULL;
}

void kj_api_me(kj_req *req) { kj_resp_json(req, 200, self_json(req, req->user)); }

void kj_api_me_patch(kj_req *req)
{
    kj_err fail = { 0 };
    const char *uid = json_string_value(json_object_get(req->user, "id"));
    if (kj_account_update_profile(kj_req_db(req), uid, kj_in_str(req, "name"), kj_in_str(req, "phone"),
                                  kj_in_str(req, "title"), kj_in_str(req, "bio"), kj_in_str(req, "region"), &fail)) {
        fail_422(req, &fail);
        return;
    }
    json_t *u = kj_user_get(kj_req_db(req), uid);
    kj_resp_json(req, 200, self_json(req, u));
    json_decref(u);
}

void kj_api_password(kj_req *req)
{
    kj_err fail = { 0 };
    const char *uid = json_string_value(json_object_get(req->user, "id"));
    /* Every session ends, the caller's too (account.h): a bearer client gets
     * its new token in the answer, a cookie client a new cookie (never the
     * token in a body its page's scripts could read). */
    const char *auth = kj_req_header(req, "Authorization");
    bool bearer = auth && !strncasecmp(auth, "Bearer ", 7);
    char token[64];
    kj_session_renewal renew = kj_req_session_renewal(req, bearer ? "api" : "web", token);
    if (kj_account_change_password(kj_req_db(req), uid, kj_in_str(req, "old_password"),
                                   kj_in_str(req, "new_password"), &renew, &fail)) {
        fail_422(req, &fail);
        return;
    }
    if (bearer) {
        kj_resp_json(req, 200, json_pack("{s:s, s:s}", "token", token, "token_type", "Bearer"));
        return;
    }
    kj_session_cookie(req, token);
    req->status = 204;
}

void kj_api_org(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *org = kj_id_valid(id) ? kj_org_get(kj_req_db(req), id) : NULL;
    if (!org) { kj_error(req, 404, "err.not_found"); return; }
    json_object_set_new(org, "rating", kj_ratings_summary(req, "org", id));
    /* Members who chose to be shown, and the studios its members work in. */
    json_object_set_new(org, "members", kj_org_public_members(kj_req_db(req), id));
    json_object_set_new(org, "studios", kj_org_studios(kj_req_db(req), id));
    kj_resp_json(req, 200, org);
}
