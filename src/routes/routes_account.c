/*
 * routes_account.c — routes of e-mail verification, password reset by
 * e-mail and of the user's own sessions (issue 12 items 3 and 6), as data (see routes.c).
 */
#include "web/app.h"
#include "routes/routes.h"
#include "api/api.h"
#include "web/pages_security.h"

static const kj_field token_fields[] = {
    { "token", KJ_F_TEXT, KJ_REQUIRED, 0, 128, NULL },
    KJ_FIELDS_END
};

static const kj_field forgot_fields[] = {
    { "email", KJ_F_EMAIL, KJ_REQUIRED, 0, 254, NULL },
    KJ_FIELDS_END
};
/* A reset link opened without its token shows the "unknown link" page. */
static const kj_field reset_link_fields[] = {
    { "token", KJ_F_TEXT, 0, 0, 128, NULL },
    KJ_FIELDS_END
};
static const kj_field reset_fields[] = {
    { "token", KJ_F_TEXT, KJ_REQUIRED, 0, 128, NULL },
    { "password", KJ_F_PASSWORD, KJ_REQUIRED, 0, 1024, NULL },
    KJ_FIELDS_END
};

/* Forgetting a password: the forgot routes hash no password (the same
 * light work for every address, see account/reset.c); setting the new
 * one hashes it, on the heavy pool. */
const kj_route kj_routes_account[] = {
    { KJ_GET,  "/password/forgot",               kj_page_password_forgot,      KJ_PUBLIC,    0, NULL, "password_forgot" },
    { KJ_POST, "/password/forgot",               kj_page_password_forgot_post, KJ_PUBLIC,    0, forgot_fields, "password_forgot" },
    { KJ_GET,  "/password/reset",                kj_page_password_reset,       KJ_PUBLIC,    0, reset_link_fields, "password_reset" },
    { KJ_POST, "/password/reset",                kj_page_password_reset_post,  KJ_PUBLIC,    KJ_HEAVY, reset_fields, "password_reset" },
    { KJ_POST, "/api/v1/password/forgot",        kj_api_password_forgot,       KJ_PUBLIC,    KJ_API, forgot_fields, "api_password_forgot" },
    { KJ_POST, "/api/v1/password/reset",         kj_api_password_reset,        KJ_PUBLIC,    KJ_API | KJ_HEAVY, reset_fields, "api_password_reset" },
    { KJ_GET,  "/verify-email",                  kj_page_verify_email,        KJ_PUBLIC,    0, token_fields, "verify_email" },
    { KJ_POST, "/account/verify-email",          kj_page_verify_resend,       KJ_SIGNED_IN, 0, NULL, "verify_resend" },
    { KJ_GET,  "/account/sessions",              kj_page_sessions,            KJ_SIGNED_IN, 0, NULL, "sessions" },
    { KJ_POST, "/account/sessions/end-others",   kj_page_sessions_end_others, KJ_SIGNED_IN, 0, NULL, "sessions_end_others" },
    { KJ_POST, "/account/sessions/{id}/end",     kj_page_session_end,         KJ_SIGNED_IN, 0, NULL, "session_end" },

    { KJ_POST,   "/api/v1/me/email-verification",   kj_api_verify_resend,       KJ_SIGNED_IN, KJ_API, NULL, "api_verify_resend" },
    { KJ_GET,    "/api/v1/me/sessions",             kj_api_sessions,            KJ_SIGNED_IN, KJ_API, NULL, "api_sessions" },
    { KJ_POST,   "/api/v1/me/sessions/end-others",  kj_api_sessions_end_others, KJ_SIGNED_IN, KJ_API, NULL, "api_sessions_end_others" },
    { KJ_DELETE, "/api/v1/me/sessions/{id}",        kj_api_session_end,         KJ_SIGNED_IN, KJ_API, NULL, "api_session_end" },
    /* Administrators: the verification state shows in the user list; a link can be sent again. */
    { KJ_POST,   "/admin/users/{id}/verification",  kj_page_admin_verify_resend, KJ_R_ADMIN, 0, NULL, "admin_verify_resend" },
    { KJ_POST,   "/api/v1/admin/users/{id}/email-verification", kj_api_admin_verify_resend, KJ_R_ADMIN, KJ_API, NULL, "api_admin_verify_resend" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
