/*
 * routes_org.c — organization membership (join requests, members, org
 * roles) and operators' jurisdiction, as data (see routes.c for how
 * tables are joined).
 *
 * Membership routes are open to every signed-in user on purpose: who may
 * act on which organization depends on the organization (its admins, the
 * operators of its region), which only authz/authz.h can answer; the
 * handlers ask it through account/membership.h and answer 403 otherwise.
 */
#include "web/app.h"
#include "routes/routes.h"
#include "api/api.h"
#include "web/pages_org.h"

static const char *const org_roles[] = { "admin", "member", NULL };

static const kj_field request_fields[] = {
    { "credit_code", KJ_F_TEXT, KJ_REQUIRED, 0, 40, NULL },
    { "note", KJ_F_MULTILINE, 0, 0, 500, NULL },
    KJ_FIELDS_END
};
static const kj_field decide_fields[] = {
    { "reason", KJ_F_MULTILINE, 0, 0, 500, NULL },
    { "next", KJ_F_TEXT, 0, 0, 500, NULL },
    KJ_FIELDS_END
};
static const kj_field member_role_fields[] = {
    { "org_role", KJ_F_ENUM, KJ_REQUIRED, 0, 0, org_roles },
    KJ_FIELDS_END
};
static const kj_field log_fields[] = {
    { "limit", KJ_F_INT, 0, 1, 500, NULL },
    KJ_FIELDS_END
};

#define SIGNED KJ_SIGNED_IN

const kj_route kj_routes_org[] = {
    { KJ_GET,  "/account/org-request",             kj_page_org_request,          SIGNED,     0, NULL, "org_request" },
    { KJ_POST, "/account/org-request",             kj_page_org_request_post,     SIGNED,     0, request_fields, "org_request" },
    { KJ_POST, "/account/org-request/withdraw",    kj_page_org_request_withdraw, SIGNED,     0, NULL, "org_request_withdraw" },
    { KJ_GET,  "/org-requests",                    kj_page_org_requests,         SIGNED,     0, NULL, "org_requests" },
    { KJ_POST, "/org-requests/{id}/approve",       kj_page_org_request_approve,  SIGNED,     0, decide_fields, "org_request_approve" },
    { KJ_POST, "/org-requests/{id}/refuse",        kj_page_org_request_refuse,   SIGNED,     0, decide_fields, "org_request_refuse" },
    { KJ_GET,  "/orgs/{id}/members",               kj_page_org_members,          SIGNED,     0, NULL, "org_members" },
    { KJ_POST, "/orgs/{id}/members/{uid}/role",    kj_page_org_member_role,      SIGNED,     0, member_role_fields, "org_member_role" },
    { KJ_POST, "/orgs/{id}/members/{uid}/remove",  kj_page_org_member_remove,    SIGNED,     0, NULL, "org_member_remove" },

    { KJ_POST,   "/api/v1/org-requests",                 kj_api_org_request_file,     SIGNED,     KJ_API, request_fields, "api_org_requests" },
    { KJ_GET,    "/api/v1/org-requests",                 kj_api_org_requests,         SIGNED,     KJ_API, NULL, "api_org_requests" },
    { KJ_POST,   "/api/v1/org-requests/{id}/approve",    kj_api_org_request_approve,  SIGNED,     KJ_API, decide_fields, "api_org_request_approve" },
    { KJ_POST,   "/api/v1/org-requests/{id}/refuse",     kj_api_org_request_refuse,   SIGNED,     KJ_API, decide_fields, "api_org_request_refuse" },
    { KJ_POST,   "/api/v1/org-requests/{id}/withdraw",   kj_api_org_request_withdraw, SIGNED,     KJ_API, NULL, "api_org_request_withdraw" },
    { KJ_GET,    "/api/v1/orgs/{id}/members",            kj_api_org_members,          SIGNED,     KJ_API, NULL, "api_org_members" },
    { KJ_GET,    "/api/v1/orgs/{id}/requests",           kj_api_org_pending,          SIGNED,     KJ_API, NULL, "api_org_pending" },
    { KJ_PUT,    "/api/v1/orgs/{id}/members/{uid}",      kj_api_org_member_role,      SIGNED,     KJ_API, member_role_fields, "api_org_member" },
    { KJ_DELETE, "/api/v1/orgs/{id}/members/{uid}",      kj_api_org_member_remove,    SIGNED,     KJ_API, NULL, "api_org_member" },
    { KJ_GET,    "/api/v1/admin/jurisdiction-log",       kj_api_jurisdiction_log,     KJ_R_ADMIN, KJ_API, log_fields, "api_jurisdiction_log" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
