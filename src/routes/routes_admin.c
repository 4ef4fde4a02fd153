/*
 * routes_admin.c — account administration (issue 14 item 5), as data (see
 * routes.c): the user list with its search, the actions on an account and
 * the audit log. Administrators only; the domain (account/admin.h) asks
 * authz again inside each write.
 */
#include "api/api.h"
#include "web/app.h"
#include "routes/routes.h"
#include "web/pages_admin.h"

static const char *const roles[] = { "scientist", "org_member", "operator", "admin", "resident", NULL };
static const char *const statuses[] = { "active", "disabled", "deleted", NULL };

#define PAGE_FIELDS { "page", KJ_F_INT, 0, 1, 100000, NULL }, { "per_page", KJ_F_INT, 0, 1, 100, NULL }

static const kj_field find_fields[] = {
    { "q", KJ_F_TEXT, 0, 0, 100, NULL },
    { "org", KJ_F_TEXT, 0, 0, 100, NULL },
    { "role", KJ_F_ENUM, 0, 0, 0, roles },
    { "region", KJ_F_TEXT, 0, 0, 12, NULL },
    { "status", KJ_F_ENUM, 0, 0, 0, statuses },
    PAGE_FIELDS,
    KJ_FIELDS_END
};

/* A reason: required by the domain for what changes an account's powers. */
#define REASON_FIELD { "reason", KJ_F_MULTILINE, 0, 0, 500, NULL }

static const kj_field role_fields[] = {
    { "role", KJ_F_ENUM, KJ_REQUIRED, 0, 0, roles },
    { "is_expert", KJ_F_BOOL, 0, 0, 0, NULL },
    REASON_FIELD,
    KJ_FIELDS_END
};

static const kj_field reason_fields[] = { REASON_FIELD, KJ_FIELDS_END };

static const kj_field audit_fields[] = {
    { "action", KJ_F_TEXT, 0, 0, 60, NULL },
    { "actor", KJ_F_TEXT, 0, 0, 40, NULL },
    { "target", KJ_F_TEXT, 0, 0, 40, NULL },
    PAGE_FIELDS,
    KJ_FIELDS_END
};

#define A KJ_R_ADMIN
const kj_route kj_routes_admin[] = {
    { KJ_GET,  "/admin/users",                          kj_page_admin_users,     A, 0, find_fields, "admin_users" },
    { KJ_POST, "/admin/users/{id}/role",                kj_page_admin_role_post, A, 0, role_fields, "admin_role" },
    { KJ_POST, "/admin/users/{id}/disable",             kj_page_admin_disable,   A, 0, reason_fields, "admin_disable" },
    { KJ_POST, "/admin/users/{id}/enable",              kj_page_admin_enable,    A, 0, reason_fields, "admin_enable" },
    { KJ_POST, "/admin/users/{id}/password-reset",      kj_page_admin_reset,     A, 0, NULL, "admin_reset" },
    { KJ_GET,  "/admin/audit",                          kj_page_admin_audit,     A, 0, audit_fields, "admin_audit" },

    { KJ_GET,  "/api/v1/admin/users",                   kj_api_admin_users,      A, KJ_API, find_fields, "api_admin_users" },
    { KJ_POST, "/api/v1/admin/users/{id}/role",         kj_api_admin_role,       A, KJ_API, role_fields, "api_admin_role" },
    { KJ_POST, "/api/v1/admin/users/{id}/disable",      kj_api_admin_disable,    A, KJ_API, reason_fields, "api_admin_disable" },
    { KJ_POST, "/api/v1/admin/users/{id}/enable",       kj_api_admin_enable,     A, KJ_API, reason_fields, "api_admin_enable" },
    { KJ_POST, "/api/v1/admin/users/{id}/password-reset", kj_api_admin_reset,    A, KJ_API, NULL, "api_admin_reset" },
    { KJ_GET,  "/api/v1/admin/audit-log",               kj_api_admin_audit,      A, KJ_API, audit_fields, "api_admin_audit" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
