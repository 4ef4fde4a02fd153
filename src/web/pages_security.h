/*
 * pages_security.h — handlers of e-mail verification, of password reset
 * by e-mail and of the user's own sessions, pages (pages_security.c) and API (api/api_security.c);
 * routes in routes_account.c. Domain: account/security.h.
 */
#ifndef KJ_PAGES_SECURITY_H
#define KJ_PAGES_SECURITY_H
#include "http/http.h"
#include <jansson.h>

/** Adds "unverified" (and "resent", from ?resent=) to a page's data when
 *  the signed-in user's address is not verified: the banner of
 *  templates/_verify_banner.html. */
void kj_verify_banner(kj_req *req, json_t *data);

void kj_page_verify_email(kj_req *req);        /* GET  /verify-email?token= */
void kj_page_verify_resend(kj_req *req);       /* POST /account/verify-email */
void kj_page_sessions(kj_req *req);            /* GET  /account/sessions */
void kj_page_session_end(kj_req *req);         /* POST /account/sessions/{id}/end */
void kj_page_sessions_end_others(kj_req *req); /* POST /account/sessions/end-others */

void kj_page_password_forgot(kj_req *req);       /* GET  /password/forgot */
void kj_page_password_forgot_post(kj_req *req);  /* POST /password/forgot */
void kj_page_password_reset(kj_req *req);        /* GET  /password/reset?token= */
void kj_page_password_reset_post(kj_req *req);   /* POST /password/reset (heavy: hashes) */

void kj_page_admin_verify_resend(kj_req *req);   /* POST /admin/users/{id}/verification */

#endif
