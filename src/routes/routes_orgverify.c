/*
 * routes_orgverify.c — verified organizations (实名认证), as data (see
 * routes.c for how tables are joined).
 *
 * The organization's routes are open to every signed-in user on purpose:
 * who may apply (its admins), decide (staff of its region) or read the
 * licence depends on the organization, which only authz/authz.h answers;
 * the handlers ask it through org/verify.h and answer 403 (404 for the
 * licence, never disclosed) otherwise.
 */
#include "api/api.h"
#include "web/app.h"
#include "routes/routes.h"
#include "web/pages_orgverify.h"

static const kj_field apply_fields[] = {
    { "legal_rep", KJ_F_TEXT, KJ_REQUIRED, 1, 60, NULL },
    KJ_FIELDS_END
};
static const kj_field act_fields[] = {
    { "action", KJ_F_ENUM, KJ_REQUIRED, 0, 0, kj_orgverify_actions },
    { "reason", KJ_F_MULTILINE, 0, 0, 500, NULL },
    KJ_FIELDS_END
};

static const kj_field public_fields[] = {
    { "org_public", KJ_F_BOOL, 0, 0, 0, NULL },
    { "next", KJ_F_TEXT, 0, 0, 500, NULL },
    KJ_FIELDS_END
};

#define SIGNED KJ_SIGNED_IN

const kj_route kj_routes_orgverify[] = {
    { KJ_GET,  "/orgs/{id}/verification",          kj_page_orgverify,         SIGNED,   0, NULL, "orgverify" },
    { KJ_POST, "/orgs/{id}/verification",          kj_page_orgverify_apply,   SIGNED,   KJ_UPLOAD, apply_fields, "orgverify_apply" },
    { KJ_POST, "/orgs/{id}/verification/actions",  kj_page_orgverify_act,     SIGNED,   0, act_fields, "orgverify_act" },
    { KJ_GET,  "/org-verifications",               kj_page_orgverify_queue,   KJ_STAFF, 0, NULL, "orgverify_queue" },
    { KJ_GET,  "/org-verifications/{id}/licence",  kj_page_orgverify_licence, SIGNED,   0, NULL, "orgverify_licence" },

    { KJ_POST, "/account/org-public",              kj_page_org_public,        SIGNED,   0, public_fields, "org_public" },

    { KJ_PUT,  "/api/v1/me/org-public",                  kj_api_org_public,          SIGNED,    KJ_API, public_fields, "api_org_public" },
    { KJ_GET,  "/api/v1/org-verification/lifecycle",     kj_api_orgverify_lifecycle, KJ_PUBLIC, KJ_API, NULL, "api_orgverify_lifecycle" },
    { KJ_GET,  "/api/v1/org-verifications",              kj_api_orgverify_queue,     KJ_STAFF,  KJ_API, NULL, "api_orgverify_queue" },
    { KJ_GET,  "/api/v1/orgs/{id}/verification",         kj_api_orgverify,           SIGNED,    KJ_API, NULL, "api_orgverify" },
    { KJ_POST, "/api/v1/orgs/{id}/verification",         kj_api_orgverify_apply,     SIGNED,    KJ_API | KJ_UPLOAD, apply_fields, "api_orgverify_apply" },
    { KJ_POST, "/api/v1/orgs/{id}/verification/actions", kj_api_orgverify_act,       SIGNED,    KJ_API, act_fields, "api_orgverify_act" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
