/*
 * api_security.c — the JSON API of e-mail verification and of the user's
 * sessions (see web/pages_security.h).
 */
#include "web/pages_security.h"
#include "api/api.h"
#include "core/json_util.h"
#include "account/security.h"
#include "core/id.h"
#include "core/log.h"
#include "web/app.h"
#include <string.h>

/* The answer to a resend, the user's own or an administrator's. */
static void answer_resend(kj_req *req, enum kj_resend_result result)
{
    switch (result) {
    case KJ_RESEND_SENT:
        kj_resp_json(req, 202, json_pack("{s:s}", "status", "verification_sent"));
        return;
    case KJ_RESEND_ALREADY:
        kj_resp_json(req, 200, json_pack("{s:s}", "status", "verified"));
        return;
    case KJ_RESEND_TOO_SOON:
        kj_resp_header(req, "Retry-After", kj_arena_printf(req->arena, "%lld", KJ_VERIFY_RESEND_MS / 1000));
        kj_error(req, 429, "err.verify.too_soon");
        return;
    case KJ_RESEND_ERROR: break;
    }
    kj_error(req, 500, "err.internal");
}

void kj_api_verify_resend(kj_req *req)
{
    answer_resend(req, kj_email_verification_resend(kj_req_db(req), kj_user_id(req->user)));
}

void kj_api_sessions(kj_req *req)
{
    json_t *list = kj_session_list(kj_req_db(req), kj_user_id(req->user), req->session_token);
    if (!list) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_json(req, 200, json_pack("{s:o}", "items", list));
}

void kj_api_session_end(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    int rc = kj_id_valid(id) ? kj_session_end(kj_req_db(req), kj_user_id(req->user), id) : 0;
    if (rc < 0) { kj_error(req, 500, "err.internal"); return; }
    if (rc == 0) { kj_error(req, 404, "err.not_found"); return; }
    req->status = 204;
    req->content_type = NULL;
}

void kj_api_sessions_end_others(kj_req *req)
{
    int n = kj_session_end_others(kj_req_db(req), kj_user_id(req->user), req->session_token);
    if (n < 0) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_json(req, 200, json_pack("{s:i}", "ended", n));
}

/* The same 202 and body whether or not the address has an account. */
void kj_api_password_forgot(kj_req *req)
{
    if (kj_address_limited(req, "forgot")) return;
    if (kj_password_forgot(kj_req_db(req), kj_in_str(req, "email"))) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_json(req, 202, json_pack("{s:s, s:s}", "status", "reset_sent", "detail", kj_tr(req, "reset.sent")));
}

void kj_api_password_reset(kj_req *req)
{
    kj_err fail = { 0 };
    switch (kj_password_reset(kj_req_db(req), kj_in_str(req, "token"), kj_in_str(req, "password"), &fail)) {
    case KJ_VERIFY_OK:
        kj_resp_json(req, 200, json_pack("{s:s}", "status", "password_reset"));
        return;
    case KJ_VERIFY_INVALID:
        kj_req_fail(req, &fail);
        kj_api_invalid(req);
        return;
    case KJ_VERIFY_UNKNOWN: kj_error(req, 404, "reset.unknown"); return;
    case KJ_VERIFY_USED: kj_error(req, 410, "reset.used"); return;
    case KJ_VERIFY_EXPIRED: kj_error(req, 410, "reset.expired"); return;
    case KJ_VERIFY_ERROR: break;
    }
    kj_error(req, 500, "err.internal");
}

/* An administrator sends a user's verification link again (the same
 * once-a-minute limit as the user's own resend). */
void kj_api_admin_verify_resend(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *u = kj_id_valid(id) ? kj_user_get(kj_req_db(req), id) : NULL;
    if (!u) { kj_error(req, 404, "err.not_found"); return; }
    json_decref(u);
    enum kj_resend_result result = kj_email_verification_resend(kj_req_db(req), id);
    if (result == KJ_RESEND_SENT) kj_log_info("admin %s resent the verification link of %s", kj_user_id(req->user), id);
    answer_resend(req, result);
}
