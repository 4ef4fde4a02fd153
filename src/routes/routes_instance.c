/*
 * routes_instance.c — the instance profile (issue 17 §1), as data (see
 * routes.c). Editing is for administrators (the domain asks authz again);
 * the description, logo, favicon and theme are public.
 */
#include "web/app.h"
#include "routes/routes.h"
#include "web/pages_instance.h"

static const char *const images[] = { "logo", "favicon", NULL };
static const char *const documents[] = { "terms", "privacy", NULL };

#define PROFILE_FIELDS \
    { "home_region", KJ_F_TEXT, 0, 0, 32, NULL }, \
    { "default_language", KJ_F_TEXT, 0, 0, 16, NULL }, \
    { "color_primary", KJ_F_TEXT, 0, 0, 7, NULL }, \
    { "color_accent", KJ_F_TEXT, 0, 0, 7, NULL }, \
    { "footer_host", KJ_F_TEXT, 0, 0, 80, NULL }, \
    { "footer_contact", KJ_F_TEXT, 0, 0, 80, NULL }, \
    { "icp_record", KJ_F_TEXT, 0, 0, 40, NULL }, \
    { "police_record", KJ_F_TEXT, 0, 0, 40, NULL }, \
    { "operator_contact", KJ_F_TEXT, 0, 0, 80, NULL }

static const kj_field page_fields[] = { PROFILE_FIELDS, { "languages", KJ_F_LIST, 0, 0, 16, NULL }, KJ_FIELDS_END };
static const kj_field api_fields[] = {
    PROFILE_FIELDS,
    { "languages", KJ_F_TEXT, 0, 0, 160, NULL },
    { "terms_version", KJ_F_TEXT, 0, 0, 32, NULL },
    { "privacy_version", KJ_F_TEXT, 0, 0, 32, NULL },
    { "name", KJ_F_JSON, 0, 0, 0, NULL },
    { "short_name", KJ_F_JSON, 0, 0, 0, NULL },
    KJ_FIELDS_END
};
static const kj_field names_fields[] = {
    { "lang", KJ_F_TEXT, KJ_REQUIRED, 1, 16, NULL },
    { "name", KJ_F_TEXT, 0, 0, 40, NULL },
    { "short_name", KJ_F_TEXT, 0, 0, 16, NULL },
    KJ_FIELDS_END
};
static const kj_field image_fields[] = { { "which", KJ_F_ENUM, KJ_REQUIRED, 0, 0, images }, KJ_FIELDS_END };
static const kj_field policy_fields[] = {
    { "document", KJ_F_ENUM, KJ_REQUIRED, 0, 0, documents },
    { "lang", KJ_F_TEXT, KJ_REQUIRED, 1, 16, NULL },
    { "version", KJ_F_TEXT, KJ_REQUIRED, 1, 32, NULL },
    { "body", KJ_F_MULTILINE, KJ_REQUIRED, 1, 200000, NULL },
    KJ_FIELDS_END
};
static const kj_field saved_fields[] = { { "saved", KJ_F_TEXT, 0, 0, 4, NULL }, KJ_FIELDS_END };

#define A KJ_R_ADMIN
const kj_route kj_routes_instance[] = {
    { KJ_GET,  "/admin/instance",                 kj_page_admin_instance,        A, 0, saved_fields, "admin_instance" },
    { KJ_POST, "/admin/instance",                 kj_page_admin_instance_post,   A, 0, page_fields, "admin_instance" },
    { KJ_POST, "/admin/instance/names",           kj_page_admin_instance_names,  A, 0, names_fields, "admin_instance_names" },
    { KJ_POST, "/admin/instance/images",          kj_page_admin_instance_image,  A, KJ_UPLOAD, image_fields, "admin_instance_images" },
    { KJ_POST, "/admin/instance/policies",        kj_page_admin_instance_policy, A, 0, policy_fields, "admin_instance_policies" },
    { KJ_GET,  "/instance/logo",                  kj_page_instance_logo,         KJ_PUBLIC, KJ_CONSENT_FREE, NULL, "instance_logo" },
    { KJ_GET,  "/instance/favicon",               kj_page_instance_favicon,      KJ_PUBLIC, KJ_CONSENT_FREE, NULL, "instance_favicon" },
    { KJ_GET,  "/theme/{file}",                   kj_page_theme_css,             KJ_PUBLIC, KJ_CONSENT_FREE, NULL, "theme_css" },

    { KJ_GET,  "/api/v1/instance",                kj_api_instance,               KJ_PUBLIC, KJ_API | KJ_CONSENT_FREE, NULL, "api_instance" },
    { KJ_GET,  "/api/v1/admin/instance",          kj_api_admin_instance,         A, KJ_API, NULL, "api_admin_instance" },
    { KJ_PUT,  "/api/v1/admin/instance",          kj_api_admin_instance_put,     A, KJ_API, api_fields, "api_admin_instance" },
    { KJ_POST, "/api/v1/admin/instance/policies", kj_api_admin_instance_policy,  A, KJ_API, policy_fields, "api_admin_instance_policies" },
    { 0, NULL, NULL, 0, 0, NULL, NULL },
};
