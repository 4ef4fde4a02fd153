/*
 * pages_security.c — the pages of e-mail verification and of the user's
 * sessions (see pages_security.h).
 */
#include "web/pages_security.h"
#include "core/json_util.h"
#include "account/security.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include "web/app.h"
#include <string.h>

void kj_verify_banner(kj_req *req, json_t *data)
{
    json_t *v = json_object_get(req->user, "email_verified_at");
    if (v && !json_is_null(v)) return;
    json_object_set_new(data, "unverified", json_true());
    const char *resent = kj_req_query(req, "resent");
    if (resent) json_object_set_new(data, !strcmp(resent, "soon") ? "resend_soon" : "resent", json_true());
}

void kj_page_verify_email(kj_req *req)
{
    static const struct { enum kj_verify_result r; int status; const char *state; } outcomes[] = {
        { KJ_VERIFY_OK, 200, "ok" }, { KJ_VERIFY_UNKNOWN, 404, "unknown" }, { KJ_VERIFY_USED, 410, "used" },
        { KJ_VERIFY_EXPIRED, 410, "expired" },
    };
    enum kj_verify_result r = kj_email_verify(kj_req_db(req), kj_in_str(req, "token"));
    for (size_t i = 0; i < sizeof outcomes / sizeof *outcomes; i++) {
        if (outcomes[i].r != r) continue;
        json_t *d = json_pack("{s:s, s:b}", "state", outcomes[i].state, outcomes[i].state, 1);
        kj_render(req, outcomes[i].status, "verify_email", d);
        return;
    }
    kj_error(req, 500, "err.internal");
}

void kj_page_verify_resend(kj_req *req)
{
    switch (kj_email_verification_resend(kj_req_db(req), kj_user_id(req->user))) {
    case KJ_RESEND_SENT: kj_resp_redirect(req, "/dashboard?resent=1"); return;
    case KJ_RESEND_ALREADY: kj_resp_redirect(req, "/dashboard"); return;
    case KJ_RESEND_TOO_SOON: kj_resp_redirect(req, "/dashboard?resent=soon"); return;
    case KJ_RESEND_ERROR: break;
    }
    kj_error(req, 500, "err.internal");
}

void kj_page_sessions(kj_req *req)
{
    json_t *list = kj_session_list(kj_req_db(req), kj_user_id(req->user), req->session_token);
    if (!list) { kj_error(req, 500, "err.internal"); return; }
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s) {
        kj_set_when(req, s, "created_at", "created_text");
        kj_set_when(req, s, "last_seen_at", "seen_text");
    }
    json_t *d = json_pack("{s:o, s:b, s:b}", "sessions", list, "ended", kj_req_query(req, "ended") != NULL,
                          "has_others", json_array_size(list) > 1);
    kj_render(req, 200, "sessions", d);
}

/* Ending the session in use is logging out. */
static bool is_current(kj_req *req, const char *session_id)
{
    json_t *list = kj_session_list(kj_req_db(req), kj_user_id(req->user), req->session_token);
    size_t i;
    json_t *s;
    bool cur = false;
    json_array_foreach(list, i, s)
        if (json_is_true(json_object_get(s, "current")) && !strcmp(json_string_value(json_object_get(s, "id")), session_id)) cur = true;
    json_decref(list);
    return cur;
}

void kj_page_session_end(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    if (!kj_id_valid(id)) { kj_error(req, 404, "err.not_found"); return; }
    bool current = is_current(req, id);
    int rc = kj_session_end(kj_req_db(req), kj_user_id(req->user), id);
    if (rc < 0) { kj_error(req, 500, "err.internal"); return; }
    if (rc == 0) { kj_error(req, 404, "err.not_found"); return; }
    if (current) {
        kj_resp_cookie(req, "kj_session", "", 0, true);
        kj_csrf_rotate(req);
        kj_resp_redirect(req, "/");
        return;
    }
    kj_resp_redirect(req, "/account/sessions?ended=1");
}

void kj_page_sessions_end_others(kj_req *req)
{
    if (kj_session_end_others(kj_req_db(req), kj_user_id(req->user), req->session_token) < 0) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_redirect(req, "/account/sessions?ended=1");
}

/* ---- password reset by e-mail ---- */

void kj_page_password_forgot(kj_req *req)
{
    kj_render(req, 200, "password_forgot", json_pack("{s:b, s:s}", "sent", kj_req_query(req, "sent") != NULL,
                                                     "page_title", kj_tr(req, "reset.forgot_title")));
}

/* The same redirect whether or not the address has an account. */
void kj_page_password_forgot_post(kj_req *req)
{
    if (kj_has_errors(req)) {
        kj_render(req, 422, "password_forgot", json_pack("{s:s}", "page_title", kj_tr(req, "reset.forgot_title")));
        return;
    }
    if (kj_address_limited(req, "forgot")) return;
    if (kj_password_forgot(kj_req_db(req), kj_in_str(req, "email"))) { kj_error(req, 500, "err.internal"); return; }
    kj_resp_redirect(req, "/password/forgot?sent=1");
}

/* A link that no longer serves: the same page as a bad verification link
 * would get, with the way to ask for a new one. */
static bool reset_refused(kj_req *req, enum kj_verify_result r)
{
    static const struct { enum kj_verify_result r; int status; const char *state; } outcomes[] = {
        { KJ_VERIFY_UNKNOWN, 404, "unknown" }, { KJ_VERIFY_USED, 410, "used" }, { KJ_VERIFY_EXPIRED, 410, "expired" },
    };
    if (r == KJ_VERIFY_OK || r == KJ_VERIFY_INVALID) return false;
    for (size_t i = 0; i < sizeof outcomes / sizeof *outcomes; i++) {
        if (outcomes[i].r != r) continue;
        kj_render(req, outcomes[i].status, "password_reset",
                  json_pack("{s:s, s:b, s:b, s:s}", "state", outcomes[i].state, outcomes[i].state, 1, "refused", 1,
                            "page_title", kj_tr(req, "reset.title")));
        return true;
    }
    kj_error(req, 500, "err.internal");
    return true;
}

void kj_page_password_reset(kj_req *req)
{
    const char *token = kj_in_str(req, "token");
    if (reset_refused(req, kj_password_reset_check(kj_req_db(req), token))) return;
    /* The token never leaves in a Referer: every answer carries
     * Referrer-Policy: same-origin (http/server.c). */
    kj_render(req, 200, "password_reset", json_pack("{s:s, s:s}", "token", token, "page_title", kj_tr(req, "reset.title")));
}

void kj_page_password_reset_post(kj_req *req)
{
    const char *token = kj_in_str(req, "token");
    if (kj_has_errors(req)) {
        if (reset_refused(req, kj_password_reset_check(kj_req_db(req), token))) return;
        kj_render(req, 422, "password_reset", json_pack("{s:s, s:s}", "token", token ? token : "", "page_title", kj_tr(req, "reset.title")));
        return;
    }
    kj_err fail = { 0 };
    enum kj_verify_result r = kj_password_reset(kj_req_db(req), token, kj_in_str(req, "password"), &fail);
    if (r == KJ_VERIFY_INVALID) {
        kj_req_fail(req, &fail);
        kj_render(req, 422, "password_reset", json_pack("{s:s, s:s}", "token", token, "page_title", kj_tr(req, "reset.title")));
        return;
    }
    if (reset_refused(req, r)) return;
    /* Every session of the account has ended. This browser leaves signed
     * out whoever it was signed in as, so that the sign-in page (which sends
     * a signed-in visitor on) shows the notice and takes the new password. */
    if (req->user) {
        kj_resp_cookie(req, "kj_session", "", 0, true);
        kj_csrf_rotate(req);
    }
    kj_resp_redirect(req, "/login?reset=1");
}

/* ---- administrators: resending a user's verification link ---- */

void kj_page_admin_verify_resend(kj_req *req)
{
    const char *id = kj_req_param(req, 0);
    json_t *u = kj_id_valid(id) ? kj_user_get(kj_req_db(req), id) : NULL;
    if (!u) { kj_error(req, 404, "err.not_found"); return; }
    json_decref(u);
    enum kj_resend_result r = kj_email_verification_resend(kj_req_db(req), id);
    if (r == KJ_RESEND_ERROR) { kj_error(req, 500, "err.internal"); return; }
    if (r == KJ_RESEND_SENT) kj_log_info("admin %s resent the verification link of %s", kj_user_id(req->user), id);
    kj_resp_redirect(req, r == KJ_RESEND_SENT ? "/admin/users?resent=1" : r == KJ_RESEND_TOO_SOON ? "/admin/users?resent=soon"
                                                                                                 : "/admin/users?resent=already");
}
